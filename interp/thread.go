package interp

import (
	"proc/grammar"
	"proc/runtime"
	"proc/runtime/mem"
)

// frame is one activation of a function on a thread's stack. The slots of
// the frame live in the stack segment itself, so &x, show stack and a wild
// pointer all see the same memory the VM uses.
type frame struct {
	fn   *Func
	pc   int    // next instruction to run (saved while a callee runs)
	base int    // index in the stack segment's Words of slot 0
	fp   uint64 // address of the saved frame pointer
	ret  uint64 // return address
	// opBase is the operand stack depth when the frame was entered.
	opBase int
}

// threadCtx is the interpreter's state of one simulated thread: registers
// (pc in the top frame), frames and an operand stack, all explicit data.
type threadCtx struct {
	rt     *runtime.Thread
	proc   *procCtx
	stack  *mem.Segment
	frames []frame
	ops    []mem.Value
	sp     int
	// computeLeft is what remains of a `compute n` in progress.
	computeLeft int64
	// firstCall, when not 0, is 1 + the number of arguments of the
	// thread's first frame, still to be traced when it first runs.
	firstCall int
	// overflow, when set, is the stack overflow of a frame of main, or
	// of a thread's first frame, that does not fit the stack: the
	// thread takes it as soon as it runs.
	overflow *mem.Fault
	// shell is set on the REPL's shell thread only (see prompt.go).
	shell *shellHooks
	// race is what the race detector keeps of the thread, when it runs.
	race *raceThread
	// paused is what the executor kept of a turn that stopped at the
	// machine's step bound, for the turn to go on if the machine
	// resumes it (runtime.Thread.Resuming).
	paused pausedTurn
}

// pausedTurn is the executor's part of a turn paused at a step bound:
// where its time slices fall and whether it already passed a
// scheduling point, so that resuming runs on exactly as the turn would
// have without the pause.
type pausedTurn struct {
	set bool
	// budget is the ticks left to the next slice boundary (zero or
	// less when the turn is past it), slice the length of a slice.
	budget, slice int64
	// ran counts the operations run in the turn (explore's scheduling
	// points come after the first).
	ran int
}

// site is a place in the source where something happened.
type site struct {
	fn  string
	pos grammar.Pos
}

// siteLog records where each heap block was allocated (or freed), by
// block id. Ids are given out in order from 1, so a slice serves where a
// map would hash and regrow; an entry is the function and instruction,
// turned into a source position only when a report needs it.
type siteLog []siteRef

type siteRef struct {
	fn *Func // nil: nothing recorded
	pc int   // the instruction's index in fn.Code
}

// siteCost is what an entry of a site log counts in the machine's memory.
const siteCost = 16

// objectInfoCost is what an entry of a process's objects counts.
const objectInfoCost = 48

// footprint is what the process's records of its heap count in memory.
func (pc *procCtx) footprint() int64 {
	return siteCost*int64(len(pc.allocAt)+len(pc.freeAt)) + objectInfoCost*int64(len(pc.objects))
}

// recharge brings the machine's memory meter up to date with the
// process's records.
func (pc *procCtx) recharge(m *mem.Meter) {
	n := pc.footprint()
	m.Charge(n - pc.charged)
	pc.charged = n
}

// release drops the records of an ended process.
func (pc *procCtx) release(m *mem.Meter) {
	m.Release(pc.charged)
	pc.charged = 0
	pc.allocAt, pc.freeAt = nil, nil
	pc.objects = map[uint64]objInfo{}
}

// put records where th is for block id.
func (l *siteLog) put(id uint64, th *threadCtx) {
	for uint64(len(*l)) <= id {
		*l = append(*l, siteRef{})
	}
	(*l)[id] = th.here()
}

// get returns the site recorded for block id, if any.
func (l siteLog) get(id uint64) (site, bool) {
	if id >= uint64(len(l)) || l[id].fn == nil {
		return site{}, false
	}
	return l[id].site(), true
}

// site turns a recorded place into a source position.
func (r siteRef) site() site {
	if r.fn == nil {
		return site{}
	}
	pos, _ := r.fn.PosAt(r.pc)
	return site{fn: r.fn.Name, pos: pos}
}

// objInfo records what an object or array literal allocated.
type objInfo struct {
	shape *Shape // nil for an array
	n     int    // number of slots
}

// procCtx is the interpreter's per-process state.
type procCtx struct {
	rt      *runtime.Process
	space   *mem.AddressSpace
	heap    *mem.Heap
	data    *mem.Segment
	bss     *mem.Segment
	objects map[uint64]objInfo
	allocAt siteLog // by block id
	freeAt  siteLog // by block id
	allocs  int     // number of allocations made
	charged int64   // what these records count in the machine's memory
}

func newProcCtx(p *runtime.Process) *procCtx {
	return &procCtx{
		rt: p, space: p.Space, heap: p.Heap, data: p.Data, bss: p.Bss,
		objects: map[uint64]objInfo{},
	}
}

// push ensures room and pushes v on the operand stack.
func (th *threadCtx) push(v mem.Value) {
	if th.sp >= len(th.ops) {
		th.growOps(1)
	}
	th.ops[th.sp] = v
	th.sp++
}

func (th *threadCtx) growOps(n int) {
	size := 2 * len(th.ops)
	if size < th.sp+n+16 {
		size = th.sp + n + 16
	}
	ops := make([]mem.Value, size)
	copy(ops, th.ops[:th.sp])
	th.ops = ops
}

// top returns the innermost frame.
func (th *threadCtx) top() *frame { return &th.frames[len(th.frames)-1] }

// where returns the function and source position of the instruction the
// thread is running (or about to run).
func (th *threadCtx) where() site {
	if len(th.frames) == 0 {
		return site{}
	}
	fr := th.top()
	pc := fr.pc - 1
	if pc < 0 {
		pc = 0
	}
	pos, _ := fr.fn.PosAt(pc)
	return site{fn: fr.fn.Name, pos: pos}
}

// here is where, as a siteRef: what where returns, resolved only when
// a report needs it.
func (th *threadCtx) here() siteRef {
	if len(th.frames) == 0 {
		return siteRef{}
	}
	fr := th.top()
	return siteRef{fn: fr.fn, pc: max(fr.pc-1, 0)}
}

// slotAddr returns the address of slot k of fr.
func slotAddr(fr *frame, k int) uint64 { return fr.fp - 8*uint64(k+1) }
