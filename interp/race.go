package interp

import (
	"fmt"
	"sort"
	"strings"
	"unsafe"

	"proc/runtime"
	"proc/runtime/mem"
)

// A happens-before data race detector, in the manner of ThreadSanitizer:
// vector clocks ordered by lock/unlock, thread create/join, spawn/wait,
// send/recv, sem up/down and cond signal/wait. Two accesses to one address
// from different threads, at least one a write, that no chain of these
// orders, are a race.

// vclock maps a thread id to the last of its events that is known.
type vclock map[int]int64

func (v vclock) clone() vclock {
	c := make(vclock, len(v))
	for k, x := range v {
		c[k] = x
	}
	return c
}

// join makes v know everything o knows.
func (v vclock) join(o vclock) {
	for k, x := range o {
		if x > v[k] {
			v[k] = x
		}
	}
}

// access is one load or store, remembered in the shadow of its address.
type access struct {
	tid   int
	pid   int
	clock int64
	at    site
	write bool
}

// cell is the shadow of one word: its last write and the reads since, one
// a thread, in the order the threads first read. A write that races with
// several of them is reported against the first: a map here made the
// report name a different thread from one run to the next.
type cell struct {
	write *access
	reads []access
}

// memKey names a word of memory across processes: a private word by its
// address space, a word of a shared mapping by the shared object.
type memKey struct {
	obj  any
	addr uint64
}

// Race is one report: two accesses that race.
type Race struct {
	Text []string // the report, a line each
	Key  string   // the pair of source sites, for deduplication
}

// raceChecker is what the VM tells a race detector: every event that
// orders threads, and every shared load and store. The tests run a plain
// vector-clock detector beside this package's through it.
type raceChecker interface {
	fork(parent, child *runtime.Thread, at site)
	acquire(t *runtime.Thread, obj any)
	release(t *runtime.Thread, obj any)
	access(th *threadCtx, addr uint64, write bool)
	// reports returns the races reported so far, in order.
	reports() []Race
}

// newRace makes the detector of a run with --race; the tests replace it.
var newRace = func(vm *VM) raceChecker { return newRaceDetector(vm) }

type raceDetector struct {
	vm        *VM
	createdAt map[*runtime.Thread]site
	threads   map[*runtime.Thread]vclock
	objs      map[any]vclock
	cells     map[memKey]*cell
	seen      map[string]bool
	Races     []Race
}

func newRaceDetector(vm *VM) *raceDetector {
	return &raceDetector{vm: vm, createdAt: map[*runtime.Thread]site{}, threads: map[*runtime.Thread]vclock{}, objs: map[any]vclock{},
		cells: map[memKey]*cell{}, seen: map[string]bool{}}
}

func (r *raceDetector) reports() []Race { return r.Races }

// clock returns t's vector clock.
func (r *raceDetector) clock(t *runtime.Thread) vclock {
	v, ok := r.threads[t]
	if !ok {
		v = vclock{t.TID: 1}
		r.threads[t] = v
	}
	return v
}

// release publishes t's knowledge on a sync object (unlock, up, send,
// signal, thread end) and starts a new epoch of t.
func (r *raceDetector) release(t *runtime.Thread, obj any) {
	v := r.clock(t)
	o, ok := r.objs[obj]
	if !ok {
		o = vclock{}
		r.objs[obj] = o
	}
	o.join(v)
	v[t.TID]++
}

// acquire makes t know what was published on obj (lock, down, recv,
// cwait, join, wait).
func (r *raceDetector) acquire(t *runtime.Thread, obj any) {
	if o, ok := r.objs[obj]; ok {
		r.clock(t).join(o)
	}
}

// fork makes a new thread start with its creator's knowledge.
func (r *raceDetector) fork(parent, child *runtime.Thread, at site) {
	r.createdAt[child] = at
	v := r.clock(parent)
	c := v.clone()
	c[child.TID] = 1
	r.threads[child] = c
	v[parent.TID]++
}

// globalAddr is the address of the global a load or store of one names.
func globalAddr(th *threadCtx, in Instr) uint64 {
	seg := th.proc.data
	if in.B != 0 {
		seg = th.proc.bss
	}
	return seg.Start + 8*uint64(in.A)
}

// access checks one load or store against the shadow of its word.
func (r *raceDetector) access(th *threadCtx, addr uint64, write bool) {
	key := memKey{obj: th.proc.space, addr: addr}
	seg := th.proc.space.Find(addr)
	if seg != nil && seg.Kind == mem.SegStack && seg.TID == th.rt.TID {
		return // the thread's own stack
	}
	if seg != nil && seg.Perm&mem.PermShared != 0 && len(seg.Words) > 0 {
		key = memKey{obj: unsafe.SliceData(seg.Words), addr: addr - seg.Start}
	}
	t := th.rt
	v := r.clock(t)
	a := access{tid: t.TID, pid: t.Proc.PID, clock: v[t.TID], at: th.where(), write: write}
	c := r.cells[key]
	if c == nil {
		c = &cell{}
		r.cells[key] = c
	}
	if w := c.write; w != nil && w.tid != t.TID && w.clock > v[w.tid] {
		r.report(th, addr, seg, a, *w)
	}
	if write {
		for _, rd := range c.reads {
			if rd.tid != t.TID && rd.clock > v[rd.tid] {
				r.report(th, addr, seg, a, rd)
			}
		}
		c.write = &a
		c.reads = nil
	} else {
		for i := range c.reads {
			if c.reads[i].tid == t.TID {
				c.reads[i] = a
				return
			}
		}
		c.reads = append(c.reads, a)
	}
}

// report prints a race, once per pair of source lines.
func (r *raceDetector) report(th *threadCtx, addr uint64, seg *mem.Segment, cur, prev access) {
	k := []string{cur.at.String(), prev.at.String()}
	sort.Strings(k)
	key := strings.Join(k, "|")
	if r.seen[key] {
		return
	}
	r.seen[key] = true
	kind := func(a access) string {
		if a.write {
			return "write"
		}
		return "read"
	}
	lines := []string{
		fmt.Sprintf("%s of 8 bytes at %s by thread %d/%d:", kind(cur), mem.Hex(addr), cur.pid, cur.tid),
		"    " + cur.at.String(),
		fmt.Sprintf("previous %s at %s by thread %d/%d:", kind(prev), mem.Hex(addr), prev.pid, prev.tid),
		"    " + prev.at.String(),
	}
	for _, tid := range []int{cur.tid, prev.tid} {
		lines = append(lines, r.created(tid))
	}
	what := r.vm.describeAddr(th, addr, seg)
	head := "data race on " + what
	r.Races = append(r.Races, Race{Text: append([]string{head}, lines...), Key: key})
	r.vm.m.Emit(th.rt, &runtime.Event{Cat: runtime.CatOutput, Ev: "race", Text: "WARNING: " + head, More: lines,
		Fields: []runtime.Field{{Key: "addr", Val: runtime.Addr(addr)}, {Key: "what", Val: what}}})
}

// created says where a thread was created.
func (r *raceDetector) created(tid int) string {
	t := r.vm.m.Thread(tid)
	if t == nil {
		return fmt.Sprintf("thread %d: unknown", tid)
	}
	if t.CreatedBy == nil {
		return fmt.Sprintf("thread %d/%d is the main thread of process %d", t.Proc.PID, t.TID, t.Proc.PID)
	}
	where := ""
	if c, ok := t.CreatedBy.Ctx.(*threadCtx); ok {
		if s, ok := r.createdAt[t]; ok {
			where = " at " + s.String()
		} else {
			where = " at " + c.where().String()
		}
	}
	return fmt.Sprintf("thread %d/%d was created by %d/%d%s", t.Proc.PID, t.TID, t.CreatedBy.Proc.PID, t.CreatedBy.TID, where)
}

// describe says what lives at addr: a global, a heap block, a segment.
func (vm *VM) describeAddr(th *threadCtx, addr uint64, seg *mem.Segment) string {
	if seg == nil {
		return mem.Hex(addr)
	}
	switch seg.Kind {
	case mem.SegData, mem.SegBss:
		for _, g := range vm.prog.Globals {
			gs := th.proc.data
			if g.Bss {
				gs = th.proc.bss
			}
			if gs == seg && gs.Start+8*uint64(g.Index) == addr {
				return fmt.Sprintf("global %s (%s)", g.Name, mem.Hex(addr))
			}
		}
	case mem.SegHeap:
		if b, st := th.proc.heap.Find(addr); st == mem.AddrLive {
			where := ""
			if s, ok := th.proc.allocAt.get(b.ID); ok {
				where = ", allocated at " + s.String()
			}
			return fmt.Sprintf("%s, %d bytes into the heap block of %d bytes at %s%s", mem.Hex(addr), addr-b.Addr, b.Size, mem.Hex(b.Addr), where)
		}
	case mem.SegShm, mem.SegFile:
		return fmt.Sprintf("%s, %d bytes into %s", mem.Hex(addr), addr-seg.Start, seg.Name)
	case mem.SegStack:
		return fmt.Sprintf("%s, on the stack of thread %d", mem.Hex(addr), seg.TID)
	}
	return mem.Hex(addr)
}
