package mem

// This file is the heap allocator behind alloc and free: a free-list
// allocator over a range of addresses. It knows nothing about the values
// stored in the heap; it only hands out and takes back address ranges, and
// remembers enough about every byte to tell a checked access from a bad one.
//
// The algorithm follows the free-space simulator of OSTEP ("Operating
// Systems: Three Easy Pieces", chapter "Free-Space Management", malloc.py)
// with its address-ordered free list:
//
//   - The free list starts as one chunk (Base, Size).
//   - A request of n bytes needs a chunk of roundup(n, Align) + header bytes.
//   - First fit takes the first chunk big enough in address order; best fit
//     the smallest big enough (the first of equals); worst fit the largest
//     (the first of equals). The chunk is split: the block takes its front,
//     the rest stays on the list; a chunk of exactly the right size leaves
//     the list.
//   - Free puts the block's chunk back in address order and, with
//     coalescing, merges it with the free chunks right before and after it.
//   - The address returned is the chunk's start plus the header.
//
// With Align 1, Header 0, no growth and the same size and base, the addresses
// returned and the requests refused are exactly those of malloc.py with list
// order ADDRSORT, with or without coalescing. The same holds for any Align
// when Header is a multiple of Align and Size is a multiple of Align.

import (
	"math/bits"
	"slices"
	"strconv"
)

// heapPage is the unit the heap grows by, like brk rounded to pages.
const heapPage = 4096

// HeapMaxLimit is the largest heap a Heap allows, whatever heap_max says: the
// heap keeps one byte of bookkeeping per heap byte, and a fork copies it.
// A larger Max is clamped to it.
const HeapMaxLimit = 64 << 20

// QuarantineLen is how many freed blocks a heap remembers (the most recent
// ones) so that a use-after-free or a double free can name the block.
const QuarantineLen = 1024

// Policy is the rule that picks the free chunk an allocation is carved from.
type Policy int

// The placement policies (config key heap_policy).
const (
	// FirstFit takes the first chunk, in address order, that is big enough.
	FirstFit Policy = iota
	// BestFit takes the smallest chunk that is big enough; among equals the
	// one at the lowest address.
	BestFit
	// WorstFit takes the largest chunk; among equals the one at the lowest
	// address.
	WorstFit
	// NextFit is first fit that starts looking where the previous
	// allocation ended: at the first free chunk that ends after the end of
	// the most recently allocated block (the chunk holding the rest of a
	// split, or whatever chunk came after it), going up in address order and
	// wrapping around to the lowest chunk. Before the first allocation it
	// starts at Base, like first fit. OSTEP's malloc.py has no next fit;
	// this is the classic roving-pointer variant.
	NextFit
)

var policyNames = [...]string{FirstFit: "first", BestFit: "best", WorstFit: "worst", NextFit: "next"}

// ParsePolicy returns the policy named by s, one of the heap_policy values
// "first", "best", "worst" and "next". It reports false for anything else.
func ParsePolicy(s string) (Policy, bool) {
	for p, name := range policyNames {
		if s == name {
			return Policy(p), true
		}
	}
	return FirstFit, false
}

// PolicyNames returns the heap_policy values, in the order of the
// policies.
func PolicyNames() []string { return append([]string(nil), policyNames[:]...) }

// String returns the policy's heap_policy name, such as "first".
func (p Policy) String() string {
	if p >= 0 && int(p) < len(policyNames) {
		return policyNames[p]
	}
	return "policy(" + strconv.Itoa(int(p)) + ")"
}

// HeapConfig is the shape of a heap: where it starts, how it places blocks
// and how far it may grow. The fields mirror the heap_* config keys.
type HeapConfig struct {
	// Base is the address of the heap's first byte (page aligned in a
	// process; any value works).
	Base uint64
	// Policy picks the free chunk for an allocation (heap_policy).
	Policy Policy
	// Align is heap_align: request sizes are rounded up to a multiple of it,
	// and so is the header. 0 counts as 1.
	Align uint64
	// Header is heap_header: the bytes of bookkeeping before every returned
	// address. It is rounded up to a multiple of Align, so that every
	// returned address is aligned when Base is.
	Header uint64
	// Coalesce merges a freed chunk with free neighbours (heap_coalesce).
	Coalesce bool
	// Size is heap_size: the initial size of the heap in bytes, rounded
	// down to a multiple of Align.
	Size uint64
	// Grow lets the heap extend its end, as brk does, when no free chunk
	// fits a request (heap_grow).
	Grow bool
	// Max is heap_max: the heap never grows beyond Base+Max (rounded down to
	// a multiple of Align). A Max below Size means the heap cannot grow.
	// Size and Max are clamped to HeapMaxLimit and to the address space.
	Max uint64
}

// DefaultHeapConfig returns the configuration given by the defaults of the
// heap_* config keys, for a heap that starts at base: first fit, 16-byte
// alignment and headers, coalescing, 4096 bytes growing up to 1 MiB.
func DefaultHeapConfig(base uint64) HeapConfig {
	return HeapConfig{
		Base:     base,
		Policy:   FirstFit,
		Align:    16,
		Header:   16,
		Coalesce: true,
		Size:     4096,
		Grow:     true,
		Max:      1048576,
	}
}

// Block is one allocation, live or freed.
type Block struct {
	// ID is the block's sequence number: 1 for the first allocation of a
	// heap, then 2, 3 and so on. IDs are never reused (a clone continues the
	// numbering of its original), so a caller can key allocation and free
	// sites by them.
	ID uint64
	// Addr is the address returned to the program; Size the number of bytes
	// it asked for. The user bytes are [Addr, Addr+Size).
	Addr, Size uint64
	// Start and End bound the whole chunk: [Start, End) covers the header
	// before Addr, the user bytes and the padding after them.
	Start, End uint64
	// Live is true until the block is freed.
	Live bool
}

// Position says where an address lies relative to a block's user bytes.
type Position int

// The positions Block.Relate reports.
const (
	// PosBefore: the address is below the block's first user byte.
	PosBefore Position = iota
	// PosInside: the address is one of the block's user bytes.
	PosInside
	// PosAfter: the address is at or past the block's end (Addr+Size).
	PosAfter
)

// Relate tells where addr lies relative to b's user bytes and how far: for
// PosBefore, b.Addr-addr bytes before the block; for PosInside, addr-b.Addr
// bytes into it; for PosAfter, addr-(b.Addr+b.Size) bytes after its end, so
// the first byte past the end is "0 bytes after" as a memory checker says.
func (b Block) Relate(addr uint64) (Position, uint64) {
	switch {
	case addr < b.Addr:
		return PosBefore, b.Addr - addr
	case addr-b.Addr < b.Size:
		return PosInside, addr - b.Addr
	default:
		return PosAfter, addr - (b.Addr + b.Size)
	}
}

// FreeChunk is one entry of the free list.
type FreeChunk struct {
	Start, Size uint64
}

// End returns the address just past the chunk.
func (c FreeChunk) End() uint64 { return c.Start + c.Size }

// FreeResult is the outcome of Heap.Free.
type FreeResult int

// The outcomes of Heap.Free.
const (
	// FreeOK: the address was the start of a live block, which is now free.
	FreeOK FreeResult = iota
	// FreeInvalid: the address is not the start of a live block (an interior
	// pointer, a header, free space, an address outside the heap, or a
	// freed block the heap no longer remembers).
	FreeInvalid
	// FreeDouble: the address is the start of a block that was freed and
	// whose memory has not been handed out again since.
	FreeDouble
)

// String returns a short name for the result.
func (r FreeResult) String() string {
	switch r {
	case FreeOK:
		return "ok"
	case FreeInvalid:
		return "invalid-free"
	case FreeDouble:
		return "double-free"
	}
	return "free-result(" + strconv.Itoa(int(r)) + ")"
}

// AddrState is what the heap holds at an address.
type AddrState int

// The states Heap.Find and Heap.Check report. Only AddrLive is a valid
// access; AddrFreed is a use-after-free; every other state is a heap buffer
// overflow (or, for AddrOutside, no heap memory at all).
const (
	// AddrOutside: below Base or at or past Top.
	AddrOutside AddrState = iota
	// AddrFree: free space that has not been part of a block, or whose block
	// is no longer remembered as freed.
	AddrFree
	// AddrFreed: inside the chunk of a freed block (header included) that
	// has not been handed out again.
	AddrFreed
	// AddrHeader: in the header of a live block, before its Addr.
	AddrHeader
	// AddrPadding: in a live block's chunk after its user bytes (alignment
	// padding, or the bytes a zero-size block reserves).
	AddrPadding
	// AddrLive: in the user bytes of a live block; from Check, the whole
	// access is inside the user bytes of one live block.
	AddrLive
	// AddrOverflow is reported only by Check: the access starts inside a
	// live block's user bytes and runs past their end.
	AddrOverflow
)

var addrStateNames = [...]string{
	AddrOutside:  "outside",
	AddrFree:     "free",
	AddrFreed:    "freed",
	AddrHeader:   "header",
	AddrPadding:  "padding",
	AddrLive:     "live",
	AddrOverflow: "overflow",
}

// String returns a short name for the state.
func (s AddrState) String() string {
	if s >= 0 && int(s) < len(addrStateNames) {
		return addrStateNames[s]
	}
	return "addr-state(" + strconv.Itoa(int(s)) + ")"
}

// The shadow keeps one byte per heap byte. A user byte of a live block holds
// how many user bytes of its block remain from it on (1 for the last one),
// capped at heapShadowRunMax, so that Check of a short access is one lookup.
const (
	heapShadowFree   = 0x00
	heapShadowRunMax = 0xFC
	heapShadowHeader = 0xFD
	heapShadowPad    = 0xFE
	heapShadowFreed  = 0xFF
)

// Heap is a free-list allocator over the addresses [Base, Top). It is
// deterministic: the same configuration and the same calls give the same
// addresses. It is not safe for concurrent use.
//
// InUse counts the whole chunks of live blocks: headers, user bytes and
// alignment padding, which is what the heap has handed out.
type Heap struct {
	cfg    HeapConfig // normalized: Align >= 1, Size and Max multiples of Align
	header uint64     // Header rounded up to Align
	limit  uint64     // the highest Top may reach
	top    uint64

	free []FreeChunk // by address
	live []Block     // by address
	// shadow holds one byte per heap byte, index addr-Base, up to the
	// end of the last block ever painted: the bytes past its end are
	// free. A heap nothing was ever allocated from (most threads of a
	// small program, every run of a search) has none.
	shadow []byte

	quar     []Block // ring of the most recently freed blocks
	quarNext int     // where the next freed block goes in quar

	rover  uint64 // next fit: end of the most recent allocation
	nextID uint64
	inUse  uint64
	peak   uint64

	// meter counts what the heap holds (see Meter); charged is what it
	// has charged it.
	meter   *Meter
	charged int64
	refused bool // the last Alloc failed for want of the meter's room
	// fwd is its copy while a Copier copies the machine (copy.go).
	fwd    *Heap
	fwdGen uint64
}

// MeterRefused reports whether the last Alloc failed because the
// machine's memory (the meter) had no room, rather than the heap.
func (h *Heap) MeterRefused() bool { return h.refused }

// BlockCost is what a heap block counts besides its bytes: the record of
// it (where it is, its size, its id), as a real allocator keeps a header.
const BlockCost = 64

// SetMeter makes m count what the heap holds from now on.
func (h *Heap) SetMeter(m *Meter) {
	h.meter.Release(h.charged)
	h.meter, h.charged = m, 0
	h.recharge()
}

// Footprint is what the heap counts: a byte for each byte of it (its
// shadow, which knows what every byte is), BlockCost for each live or
// remembered block and each free chunk.
func (h *Heap) Footprint() int64 {
	return int64(h.top-h.cfg.Base) + BlockCost*int64(len(h.live)+len(h.free)+len(h.quar))
}

func (h *Heap) recharge() {
	if h.meter == nil {
		return
	}
	n := h.Footprint()
	h.meter.Charge(n - h.charged)
	h.charged = n
}

// Release gives back everything the heap holds (its process ended): its
// blocks and its shadow go; its counters (InUse, Peak) stay.
func (h *Heap) Release() {
	h.meter.Release(h.charged)
	h.charged = 0
	h.meter = nil
	h.live, h.free, h.quar, h.shadow = nil, nil, nil, nil
	h.top, h.limit = h.cfg.Base, h.cfg.Base // nothing is left to look up
}

// NewHeap returns an empty heap with the given configuration: one free chunk
// of cfg.Size bytes at cfg.Base (none if the size rounds down to 0).
func NewHeap(cfg HeapConfig) *Heap {
	if cfg.Align == 0 {
		cfg.Align = 1
	}
	if cfg.Policy < FirstFit || cfg.Policy > NextFit {
		cfg.Policy = FirstFit
	}
	cfg.Max = min(cfg.Max, HeapMaxLimit, ^uint64(0)-cfg.Base)
	cfg.Size = min(cfg.Size, HeapMaxLimit, ^uint64(0)-cfg.Base)
	cfg.Size -= cfg.Size % cfg.Align
	cfg.Max -= cfg.Max % cfg.Align
	if cfg.Max < cfg.Size {
		cfg.Max = cfg.Size
	}
	h := &Heap{
		cfg:    cfg,
		header: heapRoundUp(cfg.Header, cfg.Align),
		limit:  cfg.Base + cfg.Max,
		top:    cfg.Base + cfg.Size,
		rover:  cfg.Base,
		nextID: 1,
	}
	if cfg.Size > 0 {
		h.free = append(h.free, FreeChunk{cfg.Base, cfg.Size})
	}
	return h
}

// Config returns the heap's configuration after normalization: Align at
// least 1, Size and Max clamped and rounded down to multiples of Align, Max
// at least Size.
func (h *Heap) Config() HeapConfig { return h.cfg }

// Base returns the address of the heap's first byte.
func (h *Heap) Base() uint64 { return h.cfg.Base }

// Top returns the current end of the heap (the break): the address just
// past its last byte.
func (h *Heap) Top() uint64 { return h.top }

// Size returns the current size of the heap, Top-Base.
func (h *Heap) Size() uint64 { return h.top - h.cfg.Base }

// InUse returns the bytes handed out: the sum of the whole chunks of the live
// blocks, headers and padding included.
func (h *Heap) InUse() uint64 { return h.inUse }

// Peak returns the highest InUse so far (since NewHeap or ResetPeak).
func (h *Heap) Peak() uint64 { return h.peak }

// ResetPeak sets Peak to the current InUse, as for a forked child that
// counts its own peak from the moment it was created.
func (h *Heap) ResetPeak() { h.peak = h.inUse }

// LiveCount returns the number of live blocks.
func (h *Heap) LiveCount() int { return len(h.live) }

// Live returns a copy of the live blocks in address order.
func (h *Heap) Live() []Block {
	return append([]Block(nil), h.live...)
}

// FreeList returns a copy of the free list in address order.
func (h *Heap) FreeList() []FreeChunk {
	return append([]FreeChunk(nil), h.free...)
}

// Freed returns a copy of the remembered freed blocks, most recent first.
func (h *Heap) Freed() []Block {
	out := make([]Block, 0, len(h.quar))
	for k := range len(h.quar) {
		out = append(out, h.quar[h.quarIndex(k)])
	}
	return out
}

// Alloc hands out a block of n bytes and returns it (its Addr is what the
// program gets). It reports false when no free chunk fits and the heap
// cannot grow enough: the program's alloc returns nil.
//
// The chunk takes roundup(n, Align) plus the header. Alloc(0) returns a
// block of size 0 that still reserves Align bytes after its header, so that
// every allocation has an address of its own; touching any of its bytes is
// an overflow.
func (h *Heap) Alloc(n uint64) (Block, bool) {
	need, carry := bits.Add64(heapRoundUp(max(n, 1), h.cfg.Align), h.header, 0)
	if carry != 0 || need > h.cfg.Max {
		return Block{}, false // cannot fit even in an empty heap at its largest
	}
	h.refused = false
	if !h.meter.Fits(2 * BlockCost) {
		h.refused = true
		return Block{}, false // the machine's memory is spent
	}
	defer h.recharge()
	i := h.pick(need)
	if i < 0 && h.cfg.Grow && h.grow(need) {
		i = h.pick(need)
	}
	if i < 0 {
		return Block{}, false
	}
	c := h.free[i]
	if c.Size == need {
		h.free = slices.Delete(h.free, i, i+1)
	} else {
		h.free[i] = FreeChunk{c.Start + need, c.Size - need}
	}
	b := Block{
		ID:    h.nextID,
		Addr:  c.Start + h.header,
		Size:  n,
		Start: c.Start,
		End:   c.Start + need,
		Live:  true,
	}
	h.nextID++
	h.rover = b.End
	h.live = slices.Insert(h.live, h.liveIndex(b.Start), b)
	h.paintBlock(b)
	h.inUse += need
	h.peak = max(h.peak, h.inUse)
	return b, true
}

// pick returns the index in the free list of the chunk the policy chooses
// for a request of need bytes, or -1 if none is big enough.
func (h *Heap) pick(need uint64) int {
	best := -1
	switch h.cfg.Policy {
	case FirstFit:
		for i, c := range h.free {
			if c.Size >= need {
				return i
			}
		}
	case BestFit:
		for i, c := range h.free {
			if c.Size >= need && (best < 0 || c.Size < h.free[best].Size) {
				best = i
			}
		}
	case WorstFit:
		for i, c := range h.free {
			if c.Size >= need && (best < 0 || c.Size > h.free[best].Size) {
				best = i
			}
		}
	case NextFit:
		// The first chunk that ends after the rover, then on, wrapping.
		lo, hi := 0, len(h.free)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if h.free[m].End() > h.rover {
				hi = m
			} else {
				lo = m + 1
			}
		}
		for k := range len(h.free) {
			i := lo + k
			if i >= len(h.free) {
				i -= len(h.free)
			}
			if h.free[i].Size >= need {
				return i
			}
		}
	}
	return best
}

// grow extends the heap so that a chunk of need bytes fits at its end, by
// whole pages (and a multiple of Align), never past the limit. With
// coalescing the new space joins a free chunk that ends at Top; without, it
// is a chunk of its own. It reports false, changing nothing, if the limit
// does not leave room.
func (h *Heap) grow(need uint64) bool {
	var have uint64
	last := len(h.free) - 1
	joins := h.cfg.Coalesce && last >= 0 && h.free[last].End() == h.top
	if joins {
		have = h.free[last].Size
	}
	want := need - have
	room := h.limit - h.top
	if want > room {
		return false
	}
	inc := heapRoundUp(heapRoundUp(want, heapPage), h.cfg.Align)
	if inc > room || inc < want { // inc < want: the rounding overflowed
		inc = room
	}
	if !h.meter.Fits(int64(inc)) {
		h.refused = true
		return false
	}
	if joins {
		h.free[last].Size += inc
	} else {
		h.free = append(h.free, FreeChunk{h.top, inc})
	}
	h.top += inc
	return true
}

// Free gives back the block that starts at addr (its Addr) and returns it,
// no longer live. If addr is not the start of a live block it changes
// nothing and returns FreeDouble with the earlier freed block when addr is
// the start of a remembered freed block whose memory has not been handed out
// again, and FreeInvalid with a zero Block otherwise (use Find and Nearest
// to describe the address).
func (h *Heap) Free(addr uint64) (Block, FreeResult) {
	i := h.liveIndex(addr - h.header)
	if addr < h.header || i >= len(h.live) || h.live[i].Addr != addr {
		if b, st := h.Find(addr); st == AddrFreed && b.ID != 0 && b.Addr == addr {
			return b, FreeDouble
		}
		return Block{}, FreeInvalid
	}
	defer h.recharge()
	b := h.live[i]
	b.Live = false
	h.live = slices.Delete(h.live, i, i+1)
	h.release(FreeChunk{b.Start, b.End - b.Start})
	heapFill(h.shade(b.Start, b.End), heapShadowFreed)
	h.inUse -= b.End - b.Start
	h.remember(b)
	return b, FreeOK
}

// release puts a chunk back on the free list in address order, merging it
// with its neighbours when coalescing.
func (h *Heap) release(c FreeChunk) {
	lo, hi := 0, len(h.free)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if h.free[m].Start > c.Start {
			hi = m
		} else {
			lo = m + 1
		}
	}
	j := lo // chunks before j start below c
	if h.cfg.Coalesce {
		prev := j > 0 && h.free[j-1].End() == c.Start
		next := j < len(h.free) && c.End() == h.free[j].Start
		switch {
		case prev && next:
			h.free[j-1].Size += c.Size + h.free[j].Size
			h.free = slices.Delete(h.free, j, j+1)
			return
		case prev:
			h.free[j-1].Size += c.Size
			return
		case next:
			h.free[j] = FreeChunk{c.Start, c.Size + h.free[j].Size}
			return
		}
	}
	h.free = slices.Insert(h.free, j, c)
}

// remember adds a freed block to the quarantine, forgetting the oldest one
// when it is full.
func (h *Heap) remember(b Block) {
	if len(h.quar) < QuarantineLen {
		h.quar = append(h.quar, b)
		return
	}
	h.quar[h.quarNext] = b
	h.quarNext = (h.quarNext + 1) % QuarantineLen
}

// quarIndex returns the index in quar of the k-th most recently freed block.
func (h *Heap) quarIndex(k int) int {
	if len(h.quar) < QuarantineLen {
		return len(h.quar) - 1 - k
	}
	i := h.quarNext - 1 - k
	if i < 0 {
		i += QuarantineLen
	}
	return i
}

// Find tells what the heap holds at addr, and which block:
//
//   - AddrLive, AddrHeader, AddrPadding: the live block whose chunk holds addr;
//   - AddrFreed: the most recently freed block whose chunk holds addr, or a
//     zero Block (ID 0) if it is no longer remembered;
//   - AddrFree, AddrOutside: a zero Block.
func (h *Heap) Find(addr uint64) (Block, AddrState) {
	if addr < h.cfg.Base || addr >= h.top {
		return Block{}, AddrOutside
	}
	switch s := h.shadowAt(addr); s {
	case heapShadowFree:
		return Block{}, AddrFree
	case heapShadowFreed:
		for k := range len(h.quar) {
			b := h.quar[h.quarIndex(k)]
			if b.Start <= addr && addr < b.End {
				return b, AddrFreed
			}
		}
		return Block{}, AddrFreed
	default:
		b := h.live[h.liveIndex(addr+1)-1]
		switch s {
		case heapShadowHeader:
			return b, AddrHeader
		case heapShadowPad:
			return b, AddrPadding
		}
		return b, AddrLive
	}
}

// Check tells whether an access of size bytes at addr (size 0 counts as 1)
// lies entirely inside the user bytes of one live block: it returns AddrLive
// if so. Otherwise it returns the state of addr as Find does, except that an
// access that starts in a live block's user bytes and runs past their end
// gives AddrOverflow. A short access (up to 252 bytes) costs one lookup;
// a longer one a binary search over the live blocks.
func (h *Heap) Check(addr, size uint64) AddrState {
	if addr < h.cfg.Base || addr >= h.top {
		return AddrOutside
	}
	size = max(size, 1)
	switch s := h.shadowAt(addr); s {
	case heapShadowFree:
		return AddrFree
	case heapShadowFreed:
		return AddrFreed
	case heapShadowHeader:
		return AddrHeader
	case heapShadowPad:
		return AddrPadding
	default:
		if size <= uint64(s) {
			return AddrLive
		}
		if s < heapShadowRunMax {
			return AddrOverflow
		}
		b := h.live[h.liveIndex(addr+1)-1]
		if size <= b.Addr+b.Size-addr {
			return AddrLive
		}
		return AddrOverflow
	}
}

// Nearest returns the live block a bad address most likely belongs to, for a
// report such as "16 bytes after the block of size 64": the live block whose
// user bytes hold addr, otherwise the live block whose user bytes are
// closest to addr as Block.Relate measures it; between a block that addr
// follows and one it precedes, the earlier one only if it is strictly closer
// (the rule AddressSanitizer uses). It reports false when there are no live
// blocks.
func (h *Heap) Nearest(addr uint64) (Block, bool) {
	if len(h.live) == 0 {
		return Block{}, false
	}
	k := h.liveIndex(addr + 1) // live[:k] start at or below addr
	best := -1
	var bestDist uint64
	for i := max(k-2, 0); i <= k && i < len(h.live); i++ {
		pos, dist := h.live[i].Relate(addr)
		if pos == PosInside {
			return h.live[i], true
		}
		if best < 0 || dist <= bestDist {
			best, bestDist = i, dist
		}
	}
	return h.live[best], true
}

// Clone returns a deep copy of the heap, for fork: the copy and the original
// change independently from then on. The copy keeps the original's block
// IDs, quarantine, next-fit position and Peak.
func (h *Heap) Clone() *Heap {
	c := *h
	c.free = append([]FreeChunk(nil), h.free...)
	c.live = append([]Block(nil), h.live...)
	c.shadow = append([]byte(nil), h.shadow...)
	c.quar = append([]Block(nil), h.quar...)
	c.charged = 0
	c.recharge()
	return &c
}

// checkAccess decides whether a load or store of one word (8 bytes) at addr,
// an address of the [heap] segment, faults. It returns nil when the word lies
// inside the user bytes of one live block; a use-after-free naming the freed
// block when addr is in freed memory; otherwise a heap buffer overflow naming
// the nearest live block, or, when there is none, a wild pointer.
func (h *Heap) checkAccess(addr uint64, write bool) *Fault {
	switch h.Check(addr, 8) {
	case AddrLive:
		return nil
	case AddrFreed:
		b, _ := h.Find(addr)
		return &Fault{Kind: FaultUseAfterFree, Addr: addr, Write: write, Block: b, HasBlock: b.ID != 0}
	}
	b, ok := h.Nearest(addr)
	if !ok {
		return &Fault{Kind: FaultWild, Addr: addr, Write: write}
	}
	return &Fault{Kind: FaultHeapOverflow, Addr: addr, Write: write, Block: b, HasBlock: true}
}

// liveIndex returns the number of live blocks whose chunk starts below addr,
// which is where a block starting at addr goes in h.live.
func (h *Heap) liveIndex(addr uint64) int {
	lo, hi := 0, len(h.live)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if h.live[m].Start < addr {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// paintBlock marks a live block's bytes in the shadow.
func (h *Heap) paintBlock(b Block) {
	heapFill(h.shade(b.Start, b.Addr), heapShadowHeader)
	user := h.shade(b.Addr, b.Addr+b.Size)
	for i := range user {
		user[i] = byte(min(uint64(len(user)-i), heapShadowRunMax))
	}
	heapFill(h.shade(b.Addr+b.Size, b.End), heapShadowPad)
}

// shadowAt returns the shadow byte of addr, an address of the heap.
func (h *Heap) shadowAt(addr uint64) byte {
	if i := addr - h.cfg.Base; i < uint64(len(h.shadow)) {
		return h.shadow[i]
	}
	return heapShadowFree
}

// shade returns the shadow bytes of [from, to), addresses of the heap,
// to be written: the shadow grows to hold them, the new bytes free.
func (h *Heap) shade(from, to uint64) []byte {
	base := h.cfg.Base
	if n := to - base; n > uint64(len(h.shadow)) {
		if n <= uint64(cap(h.shadow)) {
			h.shadow = h.shadow[:n]
		} else {
			// Doubling, within the heap's size: the shadow never
			// holds more than the heap.
			c := min(max(n, 2*uint64(cap(h.shadow)), 256), h.top-base)
			s := make([]byte, n, max(c, n))
			copy(s, h.shadow)
			h.shadow = s
		}
	}
	return h.shadow[from-base : to-base]
}

// heapFill sets every byte of s to v.
func heapFill(s []byte, v byte) {
	for i := range s {
		s[i] = v
	}
}

// heapRoundUp rounds n up to a multiple of a (a >= 1), saturating instead of
// wrapping around.
func heapRoundUp(n, a uint64) uint64 {
	if r := n % a; r != 0 {
		sum, carry := bits.Add64(n, a-r, 0)
		if carry != 0 {
			return ^uint64(0)
		}
		return sum
	}
	return n
}
