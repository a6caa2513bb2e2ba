package mem

import (
	"maps"
	"reflect"
	"slices"
	"sync/atomic"
)

// Copier copies the memory of a whole machine: every address space, the
// segments they map, the shared memory several of them map and the pages
// they share copy-on-write, so that the copy changes on its own from then
// on, with the same sharing among its parts as the original. One Copier
// copies one machine: what two spaces share, their copies share. Finish
// ends the copy.
//
// It is not fork (AddressSpace.Clone): a fork makes one new process with
// private copies and charges them; a copy of the machine is the same
// machine twice, every count and charge as it was.
//
// A segment being copied points at its copy (a forwarding pointer, found
// without a lookup in a map); two copies of one machine must not be made
// at once.
type Copier struct {
	meter *Meter
	phys  *Phys
	gen   uint64
	// The originals copied, whose forwarding Finish clears.
	segs   []*Segment
	spaces []*AddressSpace
	shared []*Shared
	heaps  []*Heap
	cow    map[*cowPage]*cowPage
	// Bad is set when something could not be copied faithfully: the
	// copy must not be used.
	Bad bool
	// reuse holds the blocks of a machine no longer used that the copy
	// is made in (Reuse), made those the copy is made of (Blocks).
	reuse, made Blocks
}

// Blocks are the blocks the copy of a machine's memory is made of: its
// address spaces, their segments and words, and their heaps. A machine
// made by copying keeps them, so that once it is no longer used a later
// copy can be made in them (Reuse) rather than in new ones.
type Blocks struct {
	spaces []spaceBlocks
	heaps  []*Heap
	// loose holds the segments no space maps (the stacks of ended
	// threads), taken in order.
	loose []Segment
}

// spaceBlocks are what the copy of one address space is made of.
type spaceBlocks struct {
	space *AddressSpace
	segs  []Segment
	words []Value
}

// Reuse makes the copy in b, the blocks of a machine that nothing uses
// any more (its memory is overwritten): each address space and heap of
// the copy takes the next of them when it has room, and new ones when it
// has not.
func (c *Copier) Reuse(b Blocks) {
	c.reuse = b
	// The lists are made again over themselves: an entry is read before
	// its place is written.
	c.made = Blocks{spaces: b.spaces[:0], heaps: b.heaps[:0], loose: b.loose[:0]}
}

// Blocks returns the blocks the copy is made of, for a later Reuse.
func (c *Copier) Blocks() Blocks {
	l := c.made.loose
	clear(l[len(l):cap(l)])
	return c.made
}

// looseSegment returns a segment for the copy of one no space maps.
func (c *Copier) looseSegment() *Segment {
	l := c.made.loose
	if len(l) == cap(l) {
		l = make([]Segment, 0, max(8, 2*cap(l)))
	}
	l = l[:len(l)+1]
	c.made.loose = l
	return &l[len(l)-1]
}

var copyGen atomic.Uint64

// NewCopier returns a Copier whose copies count their memory with meter,
// the copy of the original's meter, and take frames from phys, the copy
// of its physical memory.
func NewCopier(meter *Meter, phys *Phys) *Copier {
	// Room for the originals of a machine of a few processes, so that
	// the lists are not grown as it is copied.
	return &Copier{meter: meter, phys: phys, gen: copyGen.Add(1),
		segs: make([]*Segment, 0, 32), spaces: make([]*AddressSpace, 0, 4), heaps: make([]*Heap, 0, 4)}
}

// Restart makes c a new Copier, as NewCopier does, that keeps the room
// of its lists: the copy of another machine.
func (c *Copier) Restart(meter *Meter, phys *Phys) {
	*c = Copier{meter: meter, phys: phys, gen: copyGen.Add(1),
		segs: c.segs[:0], spaces: c.spaces[:0], shared: c.shared[:0], heaps: c.heaps[:0]}
}

// Finish ends the copy: the originals no longer point at their copies.
func (c *Copier) Finish() {
	for _, s := range c.segs {
		s.fwd, s.fwdGen = nil, 0
	}
	for _, s := range c.spaces {
		s.fwd, s.fwdGen = nil, 0
	}
	for _, s := range c.shared {
		s.fwd, s.fwdGen = nil, 0
	}
	for _, h := range c.heaps {
		h.fwd, h.fwdGen = nil, 0
	}
	clear(c.segs)
	clear(c.spaces)
	clear(c.shared)
	clear(c.heaps)
	c.segs, c.spaces, c.shared, c.heaps = c.segs[:0], c.spaces[:0], c.shared[:0], c.heaps[:0]
	c.cow = nil
	c.reuse, c.made = Blocks{}, Blocks{}
}

// CopyMeter returns a copy of m whose alarm is alarm.
func CopyMeter(m *Meter, alarm *bool) *Meter {
	c := *m
	c.Alarm = alarm
	return &c
}

// Copy returns a copy of the physical memory.
func (p *Phys) Copy() *Phys { return p.CopyInto(nil) }

// CopyInto is Copy, made in dst when it is not nil: a physical memory
// nothing uses any more.
func (p *Phys) CopyInto(dst *Phys) *Phys {
	if dst == nil || dst == p {
		dst = new(Phys)
	}
	*dst = Phys{refs: append(dst.refs[:0], p.refs...), free: append(dst.free[:0], p.free...), used: p.used}
	clear(dst.refs[len(dst.refs):cap(dst.refs)])
	clear(dst.free[len(dst.free):cap(dst.free)])
	return dst
}

// CopyMeterInto is CopyMeter, made in dst when it is not nil: a meter
// nothing uses any more.
func CopyMeterInto(dst, m *Meter, alarm *bool) *Meter {
	if dst == nil || dst == m {
		return CopyMeter(m, alarm)
	}
	*dst = *m
	dst.Alarm = alarm
	return dst
}

// meterOf maps a meter of the original to the copy's.
func (c *Copier) meterOf(m *Meter) *Meter {
	if m == nil {
		return nil
	}
	return c.meter
}

// Space returns the copy of as (nil for nil). Its OnCOW hook is left
// unset: it belongs to the owner of the space, which sets its own.
func (c *Copier) Space(as *AddressSpace) *AddressSpace {
	if as == nil {
		return nil
	}
	if as.fwdGen == c.gen {
		return as.fwd
	}
	k := len(c.made.spaces)
	var old spaceBlocks
	if k < len(c.reuse.spaces) {
		old = c.reuse.spaces[k]
	}
	c.made.spaces = append(c.made.spaces, spaceBlocks{})
	n := old.space
	var segs []*Segment
	if n == nil {
		n = new(AddressSpace)
	} else {
		segs = n.segs[:0]
	}
	*n = AddressSpace{COWCopies: as.COWCopies, Meter: c.meterOf(as.Meter)}
	as.fwd, as.fwdGen = n, c.gen
	c.spaces = append(c.spaces, as)
	c.segs = slices.Grow(c.segs, len(as.segs))
	// The space's segments and their words are copied into one block
	// each: a copy of a machine is a few allocations, not one a segment.
	// An entry of the segments' block is overwritten when it is taken.
	var slab []Segment
	if cap(old.segs) >= len(as.segs) {
		slab = old.segs[:len(as.segs)]
	} else {
		slab = make([]Segment, len(as.segs))
	}
	total := 0
	for _, s := range as.segs {
		if s.fwdGen != c.gen && s.Shared == nil {
			total += cap(s.Words)
		}
	}
	// The words a segment takes of the block are overwritten, and the
	// room past them cleared (segment).
	var words []Value
	if cap(old.words) >= total {
		words = old.words[:total]
	} else {
		words = make([]Value, total)
	}
	c.made.spaces[k] = spaceBlocks{space: n, segs: slab[:cap(slab)], words: words[:cap(words)]}
	if cap(segs) < len(as.segs) {
		segs = make([]*Segment, 0, len(as.segs))
	}
	n.segs = segs[:len(as.segs)]
	for i, s := range as.segs {
		n.segs[i] = c.segment(s, &slab[i], &words)
	}
	clear(segs[len(as.segs):cap(segs)])
	n.last = c.Segment(as.last)
	n.HeapSeg = c.Segment(as.HeapSeg)
	n.Heap = c.Heap(as.Heap)
	if as.cow != nil {
		if c.cow == nil {
			c.cow = map[*cowPage]*cowPage{}
		}
		n.cow = make(map[uint64]*cowPage, len(as.cow))
		for pg, cp := range as.cow {
			ncp, ok := c.cow[cp]
			if !ok {
				ncp = &cowPage{refs: cp.refs}
				c.cow[cp] = ncp
			}
			n.cow[pg] = ncp
		}
	}
	if as.phys != nil {
		n.phys = c.phys
	}
	if as.pt != nil {
		// Shared until either of them maps or unmaps a page (ownPT).
		n.pt, n.ptShared, as.ptShared = as.pt, true, true
	}
	return n
}

// Segment returns the copy of s (nil for nil). A shared mapping's copy
// shows the copy of its shared memory.
func (c *Copier) Segment(s *Segment) *Segment {
	return c.segment(s, nil, nil)
}

// segment copies s into n, when not nil, and its words into the front of
// *words, when not nil, taking them off it.
func (c *Copier) segment(s, n *Segment, words *[]Value) *Segment {
	if s == nil {
		return nil
	}
	if s.fwdGen == c.gen {
		return s.fwd
	}
	if n == nil {
		n = c.looseSegment()
	}
	*n = *s
	n.fwd, n.fwdGen = nil, 0
	s.fwd, s.fwdGen = n, c.gen
	c.segs = append(c.segs, s)
	n.meter = c.meterOf(s.meter)
	n.space = c.Space(s.space)
	if s.Shared != nil {
		sh := c.Shared(s.Shared)
		n.Shared = sh
		// A mapping's words are its shared memory's, not a copy.
		if len(s.Words) > len(s.Shared.Words) || len(s.Words) > 0 && &s.Words[0] != &s.Shared.Words[0] {
			c.Bad = true
		}
		n.Words = sh.Words[:len(s.Words)]
		if s.Odd != nil && !sameMap(s.Odd, s.Shared.Odd) {
			c.Bad = true
		}
		n.Odd = sh.Odd
		return n
	}
	if s.Words != nil {
		// The capacity too: it is what the segment counts (footprint).
		k := cap(s.Words)
		if words != nil && len(*words) >= k {
			n.Words = (*words)[:len(s.Words):k]
			*words = (*words)[k:]
			// A word a segment has room for and never wrote reads
			// as zero.
			clear(n.Words[len(n.Words):k])
		} else {
			n.Words = make([]Value, len(s.Words), k)
		}
		copy(n.Words, s.Words)
	}
	if s.Odd != nil {
		n.Odd = maps.Clone(s.Odd)
	}
	return n
}

// sameMap reports whether a and b are one map.
func sameMap(a, b map[uint64]Value) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// Shared returns the copy of a shared memory (nil for nil).
func (c *Copier) Shared(s *Shared) *Shared {
	if s == nil {
		return nil
	}
	if s.fwdGen == c.gen {
		return s.fwd
	}
	n := &Shared{Words: make([]Value, len(s.Words), cap(s.Words))}
	s.fwd, s.fwdGen = n, c.gen
	c.shared = append(c.shared, s)
	copy(n.Words, s.Words)
	if s.Odd != nil {
		n.Odd = maps.Clone(s.Odd)
	}
	return n
}

// Heap returns the copy of h (nil for nil): the same blocks, the same
// ids to come and the same charge on the meter.
func (c *Copier) Heap(h *Heap) *Heap {
	if h == nil {
		return nil
	}
	if h.fwdGen == c.gen {
		return h.fwd
	}
	var n *Heap
	var free []FreeChunk
	var live, quar []Block
	var shadow []byte
	if k := len(c.made.heaps); k < len(c.reuse.heaps) {
		n = c.reuse.heaps[k]
		free, live, shadow, quar = n.free[:0], n.live[:0], n.shadow[:0], n.quar[:0]
	} else {
		n = new(Heap)
	}
	c.made.heaps = append(c.made.heaps, n)
	*n = *h
	n.fwd, n.fwdGen = nil, 0
	h.fwd, h.fwdGen = n, c.gen
	c.heaps = append(c.heaps, h)
	n.free = append(free, h.free...)
	n.live = append(live, h.live...)
	// The shadow grows within its room with free bytes, zeros.
	n.shadow = append(shadow, h.shadow...)
	clear(n.shadow[len(n.shadow):cap(n.shadow)])
	n.quar = append(quar, h.quar...)
	n.meter = c.meterOf(h.meter)
	return n
}
