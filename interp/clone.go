package interp

import (
	"maps"
	"slices"
	"sync/atomic"

	"proc/runtime"
	"proc/runtime/mem"
)

// Clone returns a copy of the session that runs on independently of it,
// its events going to sink: the machine (runtime.Machine.Clone), every
// thread's frames and operand stack, every process's records of its heap
// objects, and the race detector's clocks and shadow memory. The copy has
// no chooser; its program is the same, shared (a program does not change
// as it runs).
//
// A session can be copied where its machine is between two turns (see
// runtime.Machine.Clone). Clone reports false, and makes no copy, when the
// machine cannot be copied or the session holds what a copy is not made
// for: a JSON or Chrome recording, the REPL's shell, a race detector other
// than the built-in one.
func (s *Session) Clone(sink runtime.Sink) (*Session, bool) {
	return s.CloneInto(nil, sink)
}

// sessionBlocks are the blocks a copy of a session is made of besides
// its machine's (runtime.Machine.CloneInto): a copy keeps them, and a
// copy made into it once it is no longer used takes them again.
type sessionBlocks struct {
	ctxs   []threadCtx
	frames []frame
	ops    []mem.Value
	races  []raceThread
	det    *raceDetector
	copier *ctxCopier
	// The race detector's shadow memory: its spaces, its words and
	// their reads.
	mems  []shadowMem
	cells []shadowCell
	reads []raceAccess
	// procs are the processes' contexts, by index.
	procs []procCtx
}

// CloneInto is Clone, the copy made in dst when it is not nil: a session
// that nothing uses any more, nor anything of it (its machine, threads,
// frames, race detector), whose blocks the copy takes again where they
// have room rather than allocating new ones. The copy is dst, or a new
// session. A copy made so runs on exactly as one made by Clone.
func (s *Session) CloneInto(dst *Session, sink runtime.Sink) (*Session, bool) {
	if s.json != nil || s.chrome != nil || dst == s {
		return nil, false
	}
	var blocks sessionBlocks
	var dstM *runtime.Machine
	var vm *VM
	if dst != nil {
		blocks, dstM = dst.blocks, dst.M
		if dst.VM != nil && dst.VM != s.VM {
			vm = dst.VM
		}
	}
	if vm == nil {
		vm = new(VM)
	}
	old := s.VM
	*vm = VM{prog: old.prog, assertFailed: old.assertFailed, engine: old.engine}
	var det *raceDetector
	if old.race != nil {
		d, ok := old.race.(*raceDetector)
		if !ok {
			return nil, false
		}
		det = d
	}
	m, r, ok := s.M.CloneInto(dstM, sink, vm)
	if !ok {
		return nil, false
	}
	defer r.Finish()
	vm.m = m
	c := blocks.copier
	if c == nil {
		c = new(ctxCopier)
	}
	// Room for the race detector's threads: those of the machine, and a
	// few ended ones the detector still knows.
	slab := blocks.races[:0]
	if want := len(s.M.Threads()) + 4; cap(slab) < want {
		slab = make([]raceThread, 0, want+want/2)
	}
	*c = ctxCopier{r: r, gen: raceGen.Add(1), races: c.races[:0], slab: slab, clocks: c.clocks[:0]}
	defer c.finish()
	procs := blocks.procs
	if cap(procs) < len(s.M.Procs()) {
		procs = make([]procCtx, len(s.M.Procs()))
	}
	procs = procs[:len(s.M.Procs())]
	for i, p := range s.M.Procs() {
		if p.Ctx == nil {
			procs[i] = procCtx{}
			continue
		}
		pc, ok := p.Ctx.(*procCtx)
		if !ok || pc.rt != p {
			return nil, false
		}
		m.Procs()[i].Ctx = c.proc(pc, m.Procs()[i], &procs[i])
	}
	clear(procs[len(procs):cap(procs)])
	// Every thread's context, frames and operand stack in three blocks.
	oldThreads, newThreads := s.M.Threads(), m.Threads()
	var nf, no int
	for _, t := range oldThreads {
		th, ok := t.Ctx.(*threadCtx)
		if t.Ctx != nil && (!ok || th.shell != nil) {
			return nil, false
		}
		if ok {
			nf, no = nf+len(th.frames), no+opsRoom(th)
		}
	}
	// The entries of these blocks a copy takes are overwritten (the room
	// of an operand stack past its top is cleared, thread).
	ctxs := room(blocks.ctxs, len(oldThreads))
	c.frames, c.ops = room(blocks.frames, nf), room(blocks.ops, no)
	made := sessionBlocks{ctxs: ctxs[:cap(ctxs)], frames: c.frames[:cap(c.frames)], ops: c.ops[:cap(c.ops)], copier: c, procs: procs[:cap(procs)]}
	for i, t := range oldThreads {
		if th, ok := t.Ctx.(*threadCtx); ok {
			newThreads[i].Ctx = c.thread(th, newThreads[i], &ctxs[i])
		}
	}
	if det != nil {
		c.cells, c.reads = blocks.cells[:0], blocks.reads[:0]
		vm.race = c.detector(det, vm, blocks.det, blocks.mems)
		made.det = vm.race.(*raceDetector)
		made.mems = c.mems
		made.cells, made.reads = c.cells, c.reads
		clear(made.cells[len(made.cells):cap(made.cells)])
	}
	made.races = c.slab[:cap(c.slab)]
	if c.bad || r.Bad() {
		return nil, false
	}
	opts := s.opts
	n := dst
	opts.Sets, opts.ScriptSets = nil, nil
	if n == nil {
		n = new(Session)
	} else if n.blocks.copier != nil {
		// A copy's lists are its own.
		opts.Sets, opts.ScriptSets = n.opts.Sets[:0], n.opts.ScriptSets[:0]
	}
	opts.Sets = append(opts.Sets, s.opts.Sets...)
	opts.ScriptSets = append(opts.ScriptSets, s.opts.ScriptSets...)
	*n = Session{Prog: s.Prog, M: m, VM: vm, opts: opts, blocks: made}
	return n, true
}

// room returns n entries of old when it has room for them, as they are,
// or else new ones.
func room[T any](old []T, n int) []T {
	if cap(old) < n {
		return make([]T, n)
	}
	return old[:n]
}

// reuse returns n entries of old when it has room for them, or else new
// ones: all of its room cleared.
func reuse[T any](old []T, n int) []T {
	if cap(old) < n {
		return make([]T, n)
	}
	clear(old[:cap(old)])
	return old[:n]
}

// ctxCopier copies the interpreter's part of a machine. A raceThread
// being copied points at its copy while its fwdGen is gen.
type ctxCopier struct {
	r     *runtime.Remap
	gen   uint64
	races []*raceThread // the originals copied, whose forwarding finish clears
	bad   bool
	// frames and ops are what is left of the blocks the threads' frames
	// and operand stacks are copied into.
	frames []frame
	ops    []mem.Value
	// slab is the block the race detector's threads are copied into,
	// as far as it has room (its length is the room taken).
	slab []raceThread
	// mems, cells and reads are the blocks the detector's shadow memory
	// is copied into; their length is the room taken. clocks are clocks
	// of the detector the copy is made in, to be made again.
	mems   []shadowMem
	cells  []shadowCell
	reads  []raceAccess
	clocks []vclock
}

// carve takes k entries, cleared, off the room of *slab, from a new block
// when it has not room for them.
func carve[T any](slab *[]T, k int) []T {
	s := *slab
	if cap(s)-len(s) < k {
		s = make([]T, 0, max(2*cap(s), k, 16))
	}
	l := len(s)
	s = s[:l+k]
	*slab = s
	out := s[l : l+k : l+k]
	clear(out)
	return out
}

var raceGen atomic.Uint64

// finish ends the copy: the originals no longer point at their copies.
func (c *ctxCopier) finish() {
	for _, rt := range c.races {
		rt.fwd, rt.fwdGen = nil, 0
	}
	clear(c.races)
	c.races = c.races[:0]
}

// proc copies pc, the context of a process whose copy is p, into n, a
// context nothing uses any more whose map and lists it takes again.
func (c *ctxCopier) proc(pc *procCtx, p *runtime.Process, n *procCtx) *procCtx {
	mc := c.r.Mem()
	objects := n.objects
	if objects == nil || pc.objects == nil || len(pc.objects) > 8 {
		objects = maps.Clone(pc.objects)
	} else {
		clear(objects)
		maps.Copy(objects, pc.objects)
	}
	var allocAt, freeAt siteLog
	if pc.allocAt != nil {
		allocAt = append(n.allocAt[:0], pc.allocAt...)
		clear(allocAt[len(allocAt):cap(allocAt)])
	}
	if pc.freeAt != nil {
		freeAt = append(n.freeAt[:0], pc.freeAt...)
		clear(freeAt[len(freeAt):cap(freeAt)])
	}
	*n = procCtx{
		rt: p, space: mc.Space(pc.space), heap: mc.Heap(pc.heap),
		data: mc.Segment(pc.data), bss: mc.Segment(pc.bss),
		objects: objects, allocAt: allocAt, freeAt: freeAt,
		allocs: pc.allocs, charged: pc.charged,
	}
	return n
}

// thread copies th, the context of a thread whose copy is t, into n.
func (c *ctxCopier) thread(th *threadCtx, t *runtime.Thread, n *threadCtx) *threadCtx {
	*n = *th
	n.rt = t
	if th.proc != nil {
		// A thread's process context is its process's.
		if th.proc != th.proc.rt.Ctx || t.Proc.Ctx == nil {
			c.bad = true
			return n
		}
		n.proc = t.Proc.Ctx.(*procCtx)
	}
	n.stack = c.r.Mem().Segment(th.stack)
	k := len(th.frames)
	n.frames = c.frames[:k:k]
	c.frames = c.frames[k:]
	copy(n.frames, th.frames)
	k = opsRoom(th)
	n.ops = c.ops[:k:k]
	c.ops = c.ops[k:]
	copy(n.ops, th.ops[:min(th.sp, k)])
	clear(n.ops[min(max(th.sp, 0), k):])
	n.race = c.raceThread(th.race)
	return n
}

// opsRoom is the room a copy of th's operand stack gets: what it holds
// and some more (the stack grows when a frame needs it: its size is not
// part of the state).
func opsRoom(th *threadCtx) int {
	return min(len(th.ops), max(th.sp, 0)+32)
}

func (c *ctxCopier) raceThread(rt *raceThread) *raceThread {
	if rt == nil {
		return nil
	}
	if rt.fwdGen == c.gen {
		return rt.fwd
	}
	var n *raceThread
	var knows vclock
	if k := len(c.slab); k < cap(c.slab) {
		c.slab = c.slab[:k+1]
		n = &c.slab[k]
		knows = n.knows
	} else {
		n = new(raceThread)
	}
	*n = *rt
	n.fwd, n.fwdGen = nil, 0
	rt.fwd, rt.fwdGen = n, c.gen
	c.races = append(c.races, rt)
	if rt.t != nil {
		n.t = c.r.Thread(rt.t)
	}
	n.knows = c.clockInto(knows, rt.knows)
	return n
}

// clockInto copies v into into, when not nil: a clock nothing uses any
// more.
func (c *ctxCopier) clockInto(into, v vclock) vclock {
	if v == nil {
		return nil
	}
	// The same threads in the same tid order: the entries in place.
	into = into[:0]
	for _, x := range v {
		into = append(into, clockEntry{c.raceThread(x.th), x.epoch})
	}
	clear(into[len(into):cap(into)])
	if into == nil {
		into = vclock{} // v is not nil: an empty clock, not none
	}
	return into
}

func (c *ctxCopier) access(a raceAccess) raceAccess {
	a.th = c.raceThread(a.th)
	return a
}

// key maps what the detector names an object or a memory by.
func (c *ctxCopier) key(k any) any {
	switch x := k.(type) {
	case atomicKey:
		x.mem = c.key(x.mem)
		return x
	case *mem.AddressSpace:
		return c.r.Mem().Space(x)
	}
	// An object the copy does not hold (a pipe whose every end was
	// closed) cannot be used again: its old name stays unique.
	n, _ := c.r.Object(k)
	return n
}

// detector copies d, into into when it is not nil: a detector nothing
// uses any more.
func (c *ctxCopier) detector(d *raceDetector, vm *VM, into *raceDetector, memSlab []shadowMem) *raceDetector {
	n := into
	var live []*raceThread
	var objs map[any]vclock
	var mems map[any]*shadowMem
	var seen map[string]bool
	c.clocks = c.clocks[:0]
	if n == nil || n == d {
		n = new(raceDetector)
	} else {
		live, objs, mems, seen = n.live[:0], n.objs, n.mems, n.seen
		for _, v := range objs {
			if v != nil {
				c.clocks = append(c.clocks, v)
			}
		}
		clear(objs)
		clear(mems)
	}
	*n = *d
	n.vm = vm
	n.live = reuse(live, len(d.live))
	for i, rt := range d.live {
		n.live[i] = c.raceThread(rt)
	}
	if objs == nil {
		objs = make(map[any]vclock, len(d.objs))
	}
	n.objs = objs
	for k, v := range d.objs {
		var into vclock
		if k := len(c.clocks); k > 0 {
			into = c.clocks[k-1]
			c.clocks[k-1] = nil
			c.clocks = c.clocks[:k-1]
		}
		n.objs[c.key(k)] = c.clockInto(into, v)
	}
	clear(c.clocks)
	if mems == nil {
		mems = make(map[any]*shadowMem, len(d.mems))
	}
	n.mems = mems
	// The spaces' shadows in one block, each with the map of cells of
	// the one it takes the place of.
	if cap(memSlab) < len(d.mems) {
		memSlab = make([]shadowMem, len(d.mems))
	}
	c.mems = memSlab[:len(d.mems)]
	j := 0
	for k, sm := range d.mems {
		ns := &c.mems[j]
		j++
		cells := ns.cells
		if cells == nil {
			cells = make(map[uint64]*shadowCell, len(sm.cells))
		} else {
			clear(cells)
		}
		*ns = shadowMem{owner: c.r.Process(sm.owner), cells: cells}
		for off, cell := range sm.cells {
			nc := &carve(&c.cells, 1)[0]
			nc.write = c.access(cell.write)
			if cell.reads != nil {
				nc.reads = carve(&c.reads, len(cell.reads))
				for i, a := range cell.reads {
					nc.reads[i] = c.access(a)
				}
			}
			if cell.index != nil {
				nc.index = make(map[*raceThread]int, len(cell.index))
				for u, i := range cell.index {
					nc.index[c.raceThread(u)] = i
				}
			}
			ns.cells[off] = nc
		}
		n.mems[c.key(k)] = ns
	}
	n.lastKey, n.lastMem = nil, nil
	if seen == nil || d.seen == nil || len(d.seen) > 8 {
		n.seen = maps.Clone(d.seen)
	} else {
		clear(seen)
		maps.Copy(seen, d.seen)
		n.seen = seen
	}
	n.Races = append([]Race(nil), d.Races...)
	for i := range n.Races {
		n.Races[i].Text = slices.Clone(n.Races[i].Text)
	}
	return n
}
