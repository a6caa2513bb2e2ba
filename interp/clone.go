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
	if s.json != nil || s.chrome != nil {
		return nil, false
	}
	old := s.VM
	vm := &VM{prog: old.prog, assertFailed: old.assertFailed, engine: old.engine}
	var det *raceDetector
	if old.race != nil {
		d, ok := old.race.(*raceDetector)
		if !ok {
			return nil, false
		}
		det = d
	}
	m, r, ok := s.M.Clone(sink, vm)
	if !ok {
		return nil, false
	}
	defer r.Finish()
	vm.m = m
	c := &ctxCopier{r: r, gen: raceGen.Add(1)}
	defer c.finish()
	for i, p := range s.M.Procs() {
		if p.Ctx == nil {
			continue
		}
		pc, ok := p.Ctx.(*procCtx)
		if !ok || pc.rt != p {
			return nil, false
		}
		m.Procs()[i].Ctx = c.proc(pc, m.Procs()[i])
	}
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
	ctxs := make([]threadCtx, len(oldThreads))
	c.frames, c.ops = make([]frame, nf), make([]mem.Value, no)
	for i, t := range oldThreads {
		if th, ok := t.Ctx.(*threadCtx); ok {
			newThreads[i].Ctx = c.thread(th, newThreads[i], &ctxs[i])
		}
	}
	if det != nil {
		vm.race = c.detector(det, vm)
	}
	if c.bad || r.Bad() {
		return nil, false
	}
	opts := s.opts
	opts.Sets, opts.ScriptSets = slices.Clone(opts.Sets), slices.Clone(opts.ScriptSets)
	return &Session{Prog: s.Prog, M: m, VM: vm, opts: opts}, true
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
}

var raceGen atomic.Uint64

// finish ends the copy: the originals no longer point at their copies.
func (c *ctxCopier) finish() {
	for _, rt := range c.races {
		rt.fwd, rt.fwdGen = nil, 0
	}
	c.races = nil
}

// proc returns the copy of pc, the context of a process whose copy is p.
func (c *ctxCopier) proc(pc *procCtx, p *runtime.Process) *procCtx {
	mc := c.r.Mem()
	n := &procCtx{
		rt: p, space: mc.Space(pc.space), heap: mc.Heap(pc.heap),
		data: mc.Segment(pc.data), bss: mc.Segment(pc.bss),
		objects: maps.Clone(pc.objects),
		allocAt: append(siteLog(nil), pc.allocAt...), freeAt: append(siteLog(nil), pc.freeAt...),
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
	n := new(raceThread)
	*n = *rt
	n.fwd, n.fwdGen = nil, 0
	rt.fwd, rt.fwdGen = n, c.gen
	c.races = append(c.races, rt)
	if rt.t != nil {
		n.t = c.r.Thread(rt.t)
	}
	n.knows = c.clock(rt.knows)
	return n
}

func (c *ctxCopier) clock(v vclock) vclock {
	if v == nil {
		return nil
	}
	n := make(vclock, len(v))
	for u, e := range v {
		n[c.raceThread(u)] = e
	}
	return n
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

func (c *ctxCopier) detector(d *raceDetector, vm *VM) *raceDetector {
	n := new(raceDetector)
	*n = *d
	n.vm = vm
	n.live = make([]*raceThread, len(d.live))
	for i, rt := range d.live {
		n.live[i] = c.raceThread(rt)
	}
	n.objs = make(map[any]vclock, len(d.objs))
	for k, v := range d.objs {
		n.objs[c.key(k)] = c.clock(v)
	}
	n.mems = make(map[any]*shadowMem, len(d.mems))
	for k, sm := range d.mems {
		ns := &shadowMem{owner: c.r.Process(sm.owner), cells: make(map[uint64]*shadowCell, len(sm.cells))}
		for off, cell := range sm.cells {
			nc := &shadowCell{write: c.access(cell.write)}
			if cell.reads != nil {
				nc.reads = make([]raceAccess, len(cell.reads))
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
	n.seen = maps.Clone(d.seen)
	n.Races = append([]Race(nil), d.Races...)
	for i := range n.Races {
		n.Races[i].Text = slices.Clone(n.Races[i].Text)
	}
	return n
}
