package interp

import (
	"fmt"
	"strconv"
	"strings"

	"proc/runtime"
	"proc/runtime/mem"
)

// VM runs compiled code on a simulated machine; it is the machine's
// Executor. One VM serves every thread of every process: a thread's state is
// in its threadCtx, never on the Go stack.
type VM struct {
	prog *Program
	m    *runtime.Machine
	// race, when set, checks every shared access for data races.
	race raceChecker
	// assertFailed is set when an assert failed in any process.
	assertFailed bool
	// engine says which of the ways of running faster are off.
	engine Engine
	// ahead is set when the program's threads may run ahead (ahead.go);
	// marks holds, for each CPU, what the thread that runs ahead there
	// was when it went ahead.
	ahead bool
	marks []aheadMark
}

// Run runs thread t for at most budget ticks (runtime.Executor).
func (vm *VM) Run(t *runtime.Thread, budget int64) runtime.Stop {
	stop, executed := vm.run(t, budget)
	// Instructions are counted locally and added to the machine's count
	// when the thread stops (no one reads it while the thread runs).
	vm.m.CountSteps(executed)
	return stop
}

// Pending reports whether the executor writes something when t runs
// again, before its next instruction: the call of its first function,
// or the fault of a first frame that did not fit.
func (vm *VM) Pending(t *runtime.Thread) bool {
	th, ok := t.Ctx.(*threadCtx)
	return ok && (th.firstCall != 0 || th.overflow != nil)
}

// ComputeLeft returns the ticks of a compute t is in the middle of
// (runtime.Computer).
func (vm *VM) ComputeLeft(t *runtime.Thread) int64 {
	if th, ok := t.Ctx.(*threadCtx); ok {
		return th.computeLeft
	}
	return 0
}

// Burn spends n ticks of t's compute (runtime.Computer); the kernel moves
// the clock.
func (vm *VM) Burn(t *runtime.Thread, n int64) {
	if th, ok := t.Ctx.(*threadCtx); ok {
		th.computeLeft -= min(n, th.computeLeft)
	}
}

// computeFor runs at most most ticks of a compute of t, from tick at,
// that has left ticks of work to do, and returns the ticks it took and the work left:
// a tick a tick, or as the working-set cache says (runtime/warm.go).
func computeFor(m *runtime.Machine, t *runtime.Thread, at, left, most int64) (ticks, rest int64) {
	if m.WarmOn() {
		return m.WarmCompute(t, at, left, most)
	}
	n := min(left, most)
	return n, left - n
}

// run is Run; it returns the instructions it ran and did not yet add to
// the machine's count.
func (vm *VM) run(t *runtime.Thread, budget int64) (runtime.Stop, int64) {
	th := t.Ctx.(*threadCtx)
	m := vm.m
	cost := m.CostInsn()
	maxSteps := m.StepBound()
	start := m.Now()
	if f := th.overflow; f != nil {
		// A frame that did not fit: the fault is at the first
		// instruction, which where() finds one before pc.
		th.overflow, th.firstCall = nil, 0
		th.top().pc++
		return vm.memFault(th, f), 0
	}
	if th.firstCall != 0 {
		if m.Tracer().On(runtime.CatCall) {
			vm.traceCall(th, th.frames[0].fn, th.firstCall-1)
		}
		th.firstCall = 0
	}

	// A compute in progress uses ticks before any new instruction runs.
	if th.computeLeft > 0 {
		most := budget
		if m.CostInsn() == 0 {
			most = min(most, m.WayLeft(m.Now()))
		}
		ticks, left := computeFor(m, t, m.Now(), th.computeLeft, most)
		th.computeLeft = left
		m.AdvanceTo(m.Now() + ticks)
		if th.computeLeft > 0 {
			return runtime.StopPreempt, 0
		}
	}

	// One more quantum each time the thread runs on alone, so that a
	// thread it makes ready is seen at the very boundary a round trip
	// through the scheduler would have stopped at.
	slice := budget
	ran := 0
	// resumed is set when the turn goes on after a pause: its budget was
	// looked at before it paused, and is not looked at again for the
	// instruction it paused in front of.
	resumed := false
	if p := th.paused; p.set {
		th.paused = pausedTurn{}
		if t.Resuming() {
			budget, slice, ran, resumed = p.budget, p.slice, p.ran, true
		}
	}

	fr := th.top()
	if len(th.ops)-th.sp < fr.fn.MaxStack+4 {
		th.growOps(fr.fn.MaxStack + 4)
	}
	code := fr.fn.Code
	fcode := vm.fastCode(fr.fn)
	pc := fr.pc
	// locals are the slots of the current frame, in the stack segment. A
	// store through a pointer never moves them (frames are ensured when
	// pushed); a call or return does, and refreshes them.
	locals := th.stack.Words[fr.base:]
	consts := vm.prog.Consts
	// With a TLB or a cache every call and return touches the frame it
	// goes to (hw.go); when their misses are traced, the calls run in
	// this loop, which keeps the clock up to date for the events.
	hw := m.HW()
	env := fastEnv{th: th, consts: consts, funcs: vm.prog.Funcs, hw: hw, m: m,
		calls: !m.Tracer().On(runtime.CatCall) && !(hw && (m.Tracer().On(runtime.CatTLB) || m.Tracer().On(runtime.CatCache)))}
	pctx := th.proc
	traceInsn := m.Tracer().On(runtime.CatInsn)
	// Under a chooser (explore, replay) the thread stops before each
	// operation another thread can observe, except the first it runs.
	points := m.Choosing()
	// On a machine of several CPUs the turn gives way when the clock
	// passes the next CPU's (GiveWay), which a wake-up may bring nearer.
	multi := m.CPUs() > 1
	stepsLeft := maxSteps - m.Steps()
	var executed int64

	// The clock is kept in a register while instructions run, and written
	// back before anything that reads it (events, the kernel) and on exit.
	clock := m.Now()
	// hooks is set while threads of other CPUs run ahead (ahead.go): the
	// turn then says where each of its actions is, so that one that
	// reaches such a thread finds it where it would be then. Its first
	// instruction begins here, the touch of its frame part of it.
	hooks := multi && m.AheadCount() > 0
	first := hooks
	// lastAt is where the last instruction run began.
	lastAt := clock
	if hooks {
		m.SetActAt(clock)
	}
	// runsAhead: at its bound the turn may run a stretch of the fast
	// path ahead instead of giving way.
	runsAhead := multi && vm.ahead && cost > 0 && vm.race == nil && !traceInsn && !points && !vm.engine.NoFastPath
	if hw && !resumed && (!multi || t.TakeTouch()) {
		// The thread comes back to its frame: the CPU translates it
		// again (after another process ran, into a flushed TLB).
		// The misses are part of the first instruction, which runs
		// whatever they cost: a turn always gets somewhere.
		if c := vm.touchFrame(th); c > 0 {
			clock += c
			m.AdvanceTo(clock)
			if hooks && m.AlarmAhead(clock, lastAt) {
				// The misses' events filled the trace: the threads ahead
				// are back, and the turn as short as it would be.
				budget = min(budget, m.WayLeft(start))
			}
			if d := clock - start; d >= budget && cost > 0 {
				if m.Alone() {
					// The boundaries the misses passed, passed alone.
					budget += ((d-budget)/slice + 1) * slice
				} else {
					resumed = true
				}
			}
		}
	}
	// The operand stack pointer and slice stay in locals too; they are
	// written back before any call that reads them and reloaded after one
	// that may move them.
	sp, ops := th.sp, th.ops
	// limit is the count of executed instructions at which the loop next
	// looks at the budget, the step limit and the watchers, so that an
	// ordinary instruction pays one comparison for the three. It is
	// computed for instructions that each add cost to the clock; anything
	// else that moves the clock sets it to executed, which makes the next
	// instruction look.
	limit := executed
	// lazy is set while the thread runs alone past its boundaries without
	// looking at them. Each boundary it passed would have added one slice
	// to the budget (an instruction costs no more than a slice, so no
	// boundary is passed twice), which is done in one step when it ends.
	lazy := false
	for {
		if hooks && m.AlarmAhead(clock, lastAt) {
			budget = min(budget, m.WayLeft(start))
			limit = executed
		}
		if executed >= limit {
			// Preemption comes when the next instruction would take time
			// past the budget; free instructions (cost_insn=0) run on, so
			// that with every cost 0 but compute a job ends exactly when
			// its work does.
			if hooks && !first {
				m.SetActAt(clock)
			}
			if multi && cost > 0 && !resumed && m.GiveWay(clock) {
				// Another CPU's clock is behind this one's: its turn,
				// unless what comes next is a stretch of the fast path
				// that may run ahead (ahead.go).
				if runsAhead && fcode != nil {
					if n := min(m.AheadWindow(clock, executed), stepsLeft-executed-1); n > 0 {
						npc, nsp, done := vm.runAhead(th, fcode, pc, ops, sp, locals, n, pctx.space.COWActive())
						if done > 0 {
							m.MarkAhead(t, clock, done)
							pc, sp = npc, nsp
							executed += done
							clock += done * cost
						}
					}
				}
				fr.pc = pc
				m.AdvanceTo(clock)
				th.sp = sp
				return runtime.StopPreempt, executed
			}
			if clock-start >= budget && cost > 0 && !resumed {
				if !m.Alone() {
					fr.pc = pc
					m.AdvanceTo(clock)
					th.sp = sp
					return runtime.StopPreempt, executed
				}
				// No other thread could take the CPU at this boundary:
				// the scheduler would give it straight back, so run on.
				// (The misses of the TLB or cache may have passed more
				// than one.)
				budget += ((clock-start-budget)/slice + 1) * slice
			}
			resumed = false
			if executed >= stepsLeft {
				fr.pc = pc
				m.AdvanceTo(clock)
				th.sp = sp
				if m.AtWatch(executed) {
					// A watch looked at the machine at this step (it
					// counted the instructions run so far); the turn goes
					// on as if it had not, unless the watch stopped the
					// run, its budget already looked at.
					executed, limit, resumed = 0, 0, true
					stepsLeft = m.StepBound() - m.Steps()
					if h, _ := m.Halted(); h != runtime.NotHalted {
						return runtime.StopLimit, 0
					}
					continue
				}
				// At a pause of the machine (or a limit), keep what
				// the turn goes on with if it is resumed: the budget
				// brought up to date as an operation would.
				if lazy {
					if c := clock - start; c >= budget {
						budget += ((c-budget)/slice + 1) * slice
					}
				}
				th.paused = pausedTurn{set: true, budget: budget - (clock - start), slice: slice, ran: ran}
				return runtime.StopLimit, executed
			}
			limit = stepsLeft
			if traceInsn {
				// Every instruction is traced: each comes through here.
				if points {
					if ran > 0 && visible(th, code[pc]) {
						fr.pc = pc
						m.AdvanceTo(clock)
						th.sp = sp
						return runtime.StopPoint, executed
					}
					ran++
				}
				m.AdvanceTo(clock)
				// The line is at the step before this instruction.
				executed, stepsLeft, limit = vm.counted(executed, stepsLeft, limit)
				vm.traceInsn(th, fr.fn, pc)
				limit = executed
			} else if cost > 0 && cost <= slice && !vm.engine.EagerBudget && m.Alone() {
				// Until the next operation that can wake another thread,
				// every boundary would find the thread alone and run on:
				// the budget is brought up to date before that operation.
				lazy = true
			} else if cost > 0 {
				// The first instruction to find the budget spent.
				n := budget - (clock - start)
				if cost != 1 {
					n = (n + cost - 1) / cost
				}
				limit = min(limit, executed+max(n, 0))
			}
		}
		if limit > executed && fcode != nil {
			// The plain instructions run in a loop of their own; the
			// one it stops at runs below.
			env.cow = pctx.space.COWActive()
			var left int64
			pc, sp, left = fastRun(fcode, pc, ops, sp, locals, limit-executed, &env)
			done := limit - executed - left
			executed += done
			if done > 0 && hooks {
				if !first || done > 1 {
					lastAt = clock + (done-1)*cost
				}
				first = false
			}
			clock += done * cost
			// What fastRun runs, no other thread can observe: explore's
			// scheduling points are all among what it leaves.
			ran += int(done)
			if env.moved {
				env.moved = false
				ops = th.ops
				fr = th.top()
				code = fr.fn.Code
				fcode = vm.fastCode(fr.fn)
				locals = th.stack.Words[fr.base:]
			}
			if env.stall > 0 {
				// A call or return missed in the TLB or the cache: the
				// budget is looked at again before anything else runs.
				clock += env.stall
				env.stall = 0
				limit = executed
				continue
			}
			if left == 0 {
				continue
			}
		}
		in := code[pc]
		if hooks {
			if !first {
				m.SetActAt(clock)
				lastAt = clock
			}
			first = false
		}
		if points && !traceInsn {
			// Under a chooser the thread stops before each operation
			// another thread can observe, except the first it runs.
			if ran > 0 && visible(th, in) {
				fr.pc = pc
				m.AdvanceTo(clock)
				th.sp = sp
				return runtime.StopPoint, executed
			}
			ran++
		}
		pc++
		executed++
		switch in.Op {
		case OpNop:
		case OpConst:
			ops[sp] = consts[in.A]
			sp++
		case OpInt:
			ops[sp] = mem.Value{K: mem.Int, N: int64(in.A)}
			sp++
		case OpNil:
			ops[sp] = mem.NilValue
			sp++
		case OpTrue:
			ops[sp] = mem.TrueValue
			sp++
		case OpFalse:
			ops[sp] = mem.FalseValue
			sp++
		case OpPop:
			sp--
		case OpLoadL:
			ops[sp] = locals[in.A]
			sp++
		case OpDup:
			ops[sp] = ops[sp-1]
			sp++
		case OpStoreL:
			sp--
			if pctx.space.COWActive() {
				m.AdvanceTo(clock) // a copy-on-write event reads it
				// The copy is reported at this instruction's step.
				executed, stepsLeft, limit = vm.counted(executed, stepsLeft, limit)
				pctx.space.NoteWrite(slotAddr(fr, int(in.A)))
			}
			locals[in.A] = ops[sp]
		case OpLoadG:
			if vm.race != nil {
				fr.pc = pc
				m.AdvanceTo(clock)
				// A race is reported at this instruction's step.
				executed, stepsLeft, limit = vm.counted(executed, stepsLeft, limit)
				vm.race.access(th, globalAddr(th, in), false)
			}
			if in.B == 0 {
				ops[sp] = pctx.data.Words[in.A]
			} else {
				ops[sp] = pctx.bss.Words[in.A]
			}
			sp++
			if hw {
				m.AdvanceTo(clock)
				executed, stepsLeft, limit = vm.counted(executed, stepsLeft, limit)
				clock += vm.touch(th, globalAddr(th, in))
				limit = executed
			}
		case OpStoreG:
			sp--
			if vm.race != nil {
				fr.pc = pc
				m.AdvanceTo(clock)
				// A race is reported at this instruction's step.
				executed, stepsLeft, limit = vm.counted(executed, stepsLeft, limit)
				vm.race.access(th, globalAddr(th, in), true)
			}
			if pctx.space.COWActive() {
				seg := pctx.data
				if in.B != 0 {
					seg = pctx.bss
				}
				m.AdvanceTo(clock) // a copy-on-write event reads it
				// The copy is reported at this instruction's step.
				executed, stepsLeft, limit = vm.counted(executed, stepsLeft, limit)
				pctx.space.NoteWrite(seg.Start + 8*uint64(in.A))
			}
			if in.B == 0 {
				pctx.data.Words[in.A] = ops[sp]
			} else {
				pctx.bss.Words[in.A] = ops[sp]
			}
			if hw {
				m.AdvanceTo(clock)
				executed, stepsLeft, limit = vm.counted(executed, stepsLeft, limit)
				clock += vm.touchStore(th, globalAddr(th, in))
				limit = executed
			}
		case OpAddrL:
			ops[sp] = mem.PtrValue(slotAddr(fr, int(in.A)))
			sp++
		case OpAddrG:
			seg := pctx.data
			if in.B != 0 {
				seg = pctx.bss
			}
			ops[sp] = mem.PtrValue(seg.Start + 8*uint64(in.A))
			sp++
		case OpAddrF:
			ops[sp] = mem.PtrValue(vm.prog.Funcs[in.A].Addr)
			sp++
		case OpLoad:
			a := ops[sp-1]
			if !isNum(a) && a.K != mem.Nil {
				fr.pc = pc
				m.AdvanceTo(clock)
				th.sp = sp
				m.CountSteps(executed) // the fault is reported at this step
				return vm.typeFault(th, fmt.Sprintf("cannot load through a %s (want a pointer)", a.K)), 0
			}
			if hooks && m.SettleAddr(th.rt.Proc, uint64(a.N)) {
				// A thread that ran ahead keeps its stack there: it is
				// back where it would be, and this turn as short as it
				// would be.
				budget = min(budget, m.WayLeft(start))
				limit = executed
			}
			v, f := pctx.space.Load(uint64(a.N))
			if f != nil {
				fr.pc = pc
				clock += cost
				m.AdvanceTo(clock)
				th.sp = sp
				m.CountSteps(executed) // the fault is reported at this step
				return vm.memFault(th, f), 0
			}
			if vm.race != nil {
				fr.pc = pc
				m.AdvanceTo(clock)
				// A race is reported at this instruction's step.
				executed, stepsLeft, limit = vm.counted(executed, stepsLeft, limit)
				vm.race.access(th, uint64(a.N), false)
			}
			ops[sp-1] = v
			if hw {
				m.AdvanceTo(clock)
				executed, stepsLeft, limit = vm.counted(executed, stepsLeft, limit)
				clock += vm.touch(th, uint64(a.N))
				limit = executed
			}
		case OpStore:
			v := ops[sp-1]
			a := ops[sp-2]
			sp -= 2
			if !isNum(a) && a.K != mem.Nil {
				fr.pc = pc
				m.AdvanceTo(clock)
				th.sp = sp
				m.CountSteps(executed) // the fault is reported at this step
				return vm.typeFault(th, fmt.Sprintf("cannot store through a %s (want a pointer)", a.K)), 0
			}
			m.AdvanceTo(clock) // a copy-on-write event reads it
			if pctx.space.COWActive() {
				// The copy is reported at this instruction's step.
				executed, stepsLeft, limit = vm.counted(executed, stepsLeft, limit)
			}
			if hooks && m.SettleAddr(th.rt.Proc, uint64(a.N)) {
				budget = min(budget, m.WayLeft(start))
				limit = executed
			}
			if f := pctx.space.Store(uint64(a.N), v); f != nil {
				fr.pc = pc
				clock += cost
				m.AdvanceTo(clock)
				th.sp = sp
				m.CountSteps(executed) // the fault is reported at this step
				return vm.memFault(th, f), 0
			}
			if vm.race != nil {
				fr.pc = pc
				m.AdvanceTo(clock)
				// A race is reported at this instruction's step.
				executed, stepsLeft, limit = vm.counted(executed, stepsLeft, limit)
				vm.race.access(th, uint64(a.N), true)
			}
			if hw {
				m.AdvanceTo(clock)
				executed, stepsLeft, limit = vm.counted(executed, stepsLeft, limit)
				clock += vm.touchStore(th, uint64(a.N))
				limit = executed
			}
		case OpIndexAddr:
			i := ops[sp-1]
			p := ops[sp-2]
			sp--
			if !isNum(i) {
				fr.pc = pc
				m.AdvanceTo(clock)
				th.sp = sp
				m.CountSteps(executed) // the fault is reported at this step
				return vm.typeFault(th, fmt.Sprintf("index must be an int, not %s", i.K)), 0
			}
			if !isNum(p) && p.K != mem.Nil {
				fr.pc = pc
				m.AdvanceTo(clock)
				th.sp = sp
				m.CountSteps(executed) // the fault is reported at this step
				return vm.typeFault(th, fmt.Sprintf("cannot index a %s", p.K)), 0
			}
			ops[sp-1] = mem.PtrValue(uint64(p.N + 8*i.N))
		case OpFieldAddr:
			o := ops[sp-1]
			name := consts[in.A].S
			info, ok := pctx.objects[uint64(o.N)]
			if !ok || info.shape == nil || !isNum(o) {
				fr.pc = pc
				m.AdvanceTo(clock)
				th.sp = sp
				m.CountSteps(executed) // the fault is reported at this step
				return vm.fieldFault(th, o, name, info, ok), 0
			}
			idx := -1
			for k, f := range info.shape.Fields {
				if f == name {
					idx = k
					break
				}
			}
			if idx < 0 {
				fr.pc = pc
				m.AdvanceTo(clock)
				th.sp = sp
				m.CountSteps(executed) // the fault is reported at this step
				return vm.typeFault(th, fmt.Sprintf("the object at %s has no field %s (its fields: %s)", mem.Hex(uint64(o.N)), name, strings.Join(info.shape.Fields, ", "))), 0
			}
			ops[sp-1] = mem.PtrValue(uint64(o.N) + 8*uint64(idx))
		case OpAdd, OpSub, OpMul, OpDiv, OpMod, OpEq, OpNe, OpLt, OpLe, OpGt, OpGe:
			x, y := ops[sp-2], ops[sp-1]
			sp--
			if x.K == mem.Int && y.K == mem.Int {
				switch in.Op {
				case OpAdd:
					ops[sp-1].N = x.N + y.N
					clock += cost
					continue
				case OpSub:
					ops[sp-1].N = x.N - y.N
					clock += cost
					continue
				case OpLt:
					ops[sp-1] = mem.BoolValue(x.N < y.N)
					clock += cost
					continue
				}
			}
			if !vm.strWork(x, y) {
				fr.pc = pc
				m.AdvanceTo(clock)
				th.sp = sp
				return runtime.StopLimit, executed
			}
			r, terr, div := binary(in.Op, x, y)
			if div {
				fr.pc = pc
				m.AdvanceTo(clock)
				th.sp = sp
				m.CountSteps(executed) // the fault is reported at this step
				return vm.kill(th, runtime.SIGFPE, "div-by-zero", fmt.Sprintf("integer divide by zero: %s %s %s", format(x), opSymbol(in.Op), format(y)), vm.at(th)), 0
			}
			if terr != "" {
				fr.pc = pc
				m.AdvanceTo(clock)
				th.sp = sp
				m.CountSteps(executed) // the fault is reported at this step
				return vm.typeFault(th, terr), 0
			}
			if r.K == mem.Str && int64(len(r.S)) > m.MaxOutput() {
				// Strings live whole in a slot; a doubling loop would
				// otherwise exhaust the host's memory.
				fr.pc = pc
				m.Halt(runtime.HaltString, fmt.Sprintf("string limit reached: a string of %d bytes (strings are at most max_output=%d bytes)", len(r.S), m.MaxOutput()))
				m.AdvanceTo(clock)
				th.sp = sp
				return runtime.StopLimit, executed
			}
			ops[sp-1] = r
		case OpNeg:
			x := ops[sp-1]
			if x.K != mem.Int {
				fr.pc = pc
				m.AdvanceTo(clock)
				th.sp = sp
				m.CountSteps(executed) // the fault is reported at this step
				return vm.typeFault(th, "invalid operation: -"+x.K.String()), 0
			}
			ops[sp-1].N = -x.N
		case OpNot:
			ops[sp-1] = mem.BoolValue(!truth(ops[sp-1]))
		case OpJmp:
			pc = int(in.A)
		case OpCmpJmpF:
			x, y := ops[sp-2], ops[sp-1]
			sp -= 2
			var ok bool
			if x.K == mem.Int && y.K == mem.Int {
				switch Op(in.B) {
				case OpLt:
					ok = x.N < y.N
				case OpLe:
					ok = x.N <= y.N
				case OpGt:
					ok = x.N > y.N
				case OpGe:
					ok = x.N >= y.N
				case OpEq:
					ok = x.N == y.N
				default:
					ok = x.N != y.N
				}
			} else {
				if !vm.strWork(x, y) {
					fr.pc = pc
					m.AdvanceTo(clock)
					th.sp = sp
					return runtime.StopLimit, executed
				}
				r, terr, _ := binary(Op(in.B), x, y)
				if terr != "" {
					fr.pc = pc
					m.AdvanceTo(clock)
					th.sp = sp
					m.CountSteps(executed) // the fault is reported at this step
					return vm.typeFault(th, terr), 0
				}
				ok = truth(r)
			}
			if !ok {
				pc = int(in.A)
			}
		case OpAddI:
			x := &ops[sp-1]
			if x.K == mem.Int || x.K == mem.Ptr {
				x.N += int64(in.A)
			} else {
				// Not an int: the operator as written decides (string
				// concatenation, or a type error).
				op, k := OpAdd, int64(in.A)
				if in.B == 1 {
					op, k = OpSub, -k
				}
				if !vm.strWork(*x, mem.Value{}) {
					fr.pc = pc
					m.AdvanceTo(clock)
					th.sp = sp
					return runtime.StopLimit, executed
				}
				r, terr, _ := binary(op, *x, mem.IntValue(k))
				if terr != "" {
					fr.pc = pc
					m.AdvanceTo(clock)
					th.sp = sp
					m.CountSteps(executed) // the fault is reported at this step
					return vm.typeFault(th, terr), 0
				}
				if int64(len(r.S)) > m.MaxOutput() {
					fr.pc = pc
					m.Halt(runtime.HaltString, fmt.Sprintf("string limit reached: a string of %d bytes (strings are at most max_output=%d bytes)", len(r.S), m.MaxOutput()))
					m.AdvanceTo(clock)
					th.sp = sp
					return runtime.StopLimit, executed
				}
				*x = r
			}
		case OpForLt:
			i, end := locals[in.A], locals[in.A-1]
			if i.K == mem.Int && end.K == mem.Int {
				if i.N >= end.N {
					pc = int(in.B)
				}
			} else {
				if !vm.strWork(i, end) {
					fr.pc = pc
					m.AdvanceTo(clock)
					th.sp = sp
					return runtime.StopLimit, executed
				}
				r, terr, _ := binary(OpLt, i, end)
				if terr != "" {
					fr.pc = pc
					m.AdvanceTo(clock)
					th.sp = sp
					m.CountSteps(executed) // the fault is reported at this step
					return vm.typeFault(th, terr), 0
				}
				if !truth(r) {
					pc = int(in.B)
				}
			}
		case OpIncJmp:
			if i := &locals[in.A]; i.K == mem.Int {
				if pctx.space.COWActive() {
					m.AdvanceTo(clock) // a copy-on-write event reads it
					// The copy is reported at this instruction's step.
					executed, stepsLeft, limit = vm.counted(executed, stepsLeft, limit)
					pctx.space.NoteWrite(slotAddr(fr, int(in.A)))
				}
				i.N++
			} else {
				if !vm.strWork(*i, mem.Value{}) {
					fr.pc = pc
					m.AdvanceTo(clock)
					th.sp = sp
					return runtime.StopLimit, executed
				}
				r, terr, _ := binary(OpAdd, *i, mem.IntValue(1))
				if terr != "" {
					fr.pc = pc
					m.AdvanceTo(clock)
					th.sp = sp
					m.CountSteps(executed) // the fault is reported at this step
					return vm.typeFault(th, terr), 0
				}
				if int64(len(r.S)) > m.MaxOutput() {
					fr.pc = pc
					m.Halt(runtime.HaltString, fmt.Sprintf("string limit reached: a string of %d bytes (strings are at most max_output=%d bytes)", len(r.S), m.MaxOutput()))
					m.AdvanceTo(clock)
					th.sp = sp
					return runtime.StopLimit, executed
				}
				locals[in.A] = r
			}
			pc = int(in.B)
		case OpJmpF:
			sp--
			if !truth(ops[sp]) {
				pc = int(in.A)
			}
		case OpJmpT:
			sp--
			if truth(ops[sp]) {
				pc = int(in.A)
			}
		case OpCall:
			fr.pc = pc
			clock += cost
			m.AdvanceTo(clock)
			th.sp = sp
			// Its trace line (and a thread's end) is at this step.
			executed, stepsLeft, limit = vm.counted(executed, stepsLeft, limit)
			if stop, ok := vm.call(th, vm.prog.Funcs[in.A], int(in.B)); !ok {
				m.AdvanceTo(clock)
				th.sp = sp
				return stop, executed
			}
			sp, ops = th.sp, th.ops
			fr = th.top()
			code = fr.fn.Code
			fcode = vm.fastCode(fr.fn)
			pc = 0
			locals = th.stack.Words[fr.base:]
			if hw {
				clock += vm.touchFrame(th)
				limit = executed
			}
			continue
		case OpRet:
			fr.pc = pc
			clock += cost
			m.AdvanceTo(clock)
			th.sp = sp
			// Its trace line (and a thread's end) is at this step.
			executed, stepsLeft, limit = vm.counted(executed, stepsLeft, limit)
			if stop, ok := vm.ret(th); !ok {
				m.AdvanceTo(clock)
				th.sp = sp
				return stop, executed
			}
			sp, ops = th.sp, th.ops
			fr = th.top()
			code = fr.fn.Code
			fcode = vm.fastCode(fr.fn)
			pc = fr.pc
			locals = th.stack.Words[fr.base:]
			if hw {
				clock += vm.touchFrame(th)
				limit = executed
			}
			continue
		default:
			// The rarer operations: each may end the thread's turn.
			if lazy {
				if c := clock - start; c >= budget {
					budget += ((c-budget)/slice + 1) * slice
				}
				lazy = false
			}
			fr.pc = pc
			m.CountSteps(executed) // views (show stats) count instructions
			stepsLeft -= executed
			executed = 0
			m.AdvanceTo(clock)
			th.sp = sp
			stop, ok := vm.slow(th, in)
			sp, ops = th.sp, th.ops
			// A slow op may have moved the clock itself (spawn's cost).
			clock = m.Now() + cost
			if !ok {
				m.AdvanceTo(clock)
				th.sp = sp
				return stop, executed
			}
			if m.Over() {
				// A limit the operation met (max_copy, max_memory,
				// max_trace): the run stops after it.
				m.AdvanceTo(clock)
				return runtime.StopLimit, executed
			}
			if th.computeLeft > 0 {
				most := max(budget-(clock-start), 0)
				if cost == 0 && multi {
					most = min(most, m.WayLeft(clock))
				}
				var ticks int64
				ticks, th.computeLeft = computeFor(m, t, clock, th.computeLeft, most)
				clock += ticks
				if th.computeLeft > 0 {
					m.AdvanceTo(clock)
					th.sp = sp
					return runtime.StopPreempt, executed
				}
			}
			if in.Op == OpYield {
				m.AdvanceTo(clock)
				th.sp = sp
				return runtime.StopYield, executed
			}
			sp, ops = th.sp, th.ops
			fr = th.top()
			code = fr.fn.Code
			fcode = vm.fastCode(fr.fn)
			pc = fr.pc
			locals = th.stack.Words[fr.base:]
			limit = executed
			continue
		}
		clock += cost
	}
}

// counted adds the instructions run so far in a turn to the machine's
// count, and returns the turn's counters from there (run's executed,
// stepsLeft and limit): before an event is written, so that the event
// is written at the step that wrote it. run keeps its count in a local
// and adds it only when the thread stops, or an event needs it.
func (vm *VM) counted(executed, stepsLeft, limit int64) (int64, int64, int64) {
	vm.m.CountSteps(executed)
	return 0, stepsLeft - executed, limit - executed
}

// fastCode returns fn's code for fastRun, or nil if it has none or the
// fast path is off.
func (vm *VM) fastCode(fn *Func) []fastInstr {
	if vm.engine.NoFastPath || len(fn.Fast) != len(fn.Code) {
		return nil
	}
	return fn.Fast
}

// call pushes a frame for fn, taking its n arguments off the operand stack.
func (vm *VM) call(th *threadCtx, fn *Func, n int) (runtime.Stop, bool) {
	caller := th.top()
	st := th.stack
	callerSP := st.SP
	fp := callerSP - 16
	newSP := fp - 8*uint64(fn.NSlots)
	if newSP < st.Start || fp > callerSP {
		// The frame would cross into the guard page below the stack.
		th.sp -= n
		f := &mem.Fault{Kind: mem.FaultStackOverflow, Addr: newSP, Write: true, Seg: st}
		return vm.memFault(th, f), false
	}
	ret := caller.fn.Addr + uint64(caller.pc)*InsnBytes
	if space := th.proc.space; space.COWActive() {
		for a := newSP &^ (mem.PageSize - 1); a < callerSP; a += mem.PageSize {
			space.NoteWrite(a)
		}
	}
	fpIdx := st.Index(fp)
	base := fpIdx + 1
	st.Ensure(base + fn.NSlots)
	w := st.Words
	w[fpIdx] = mem.PtrValue(caller.fp)
	w[fpIdx-1] = mem.PtrValue(ret)
	args := th.ops[th.sp-n : th.sp]
	for k := 0; k < fn.NSlots; k++ {
		if k < n {
			w[base+k] = args[k]
		} else {
			w[base+k] = mem.Value{}
		}
	}
	th.sp -= n
	st.SP = newSP
	if th.sp+fn.MaxStack+4 > len(th.ops) {
		th.growOps(fn.MaxStack + 4)
	}
	th.frames = append(th.frames, frame{fn: fn, base: base, fp: fp, ret: ret, opBase: th.sp})
	if vm.m.Tracer().On(runtime.CatCall) {
		vm.traceCall(th, fn, n)
	}
	return 0, true
}

func (vm *VM) traceCall(th *threadCtx, fn *Func, n int) {
	fr := th.top()
	b := make([]byte, 0, 80)
	b = append(b, "call "...)
	b = append(b, fn.Name...)
	b = append(b, '(')
	for k := 0; k < n; k++ {
		if k > 0 {
			b = append(b, ", "...)
		}
		b = append(b, fn.Slots[k]...)
		b = append(b, '=')
		b = append(b, quote(th.stack.Words[fr.base+k])...)
	}
	b = append(b, ") frame=0x"...)
	b = strconv.AppendUint(b, fr.fp, 16)
	b = append(b, " ret=0x"...)
	b = strconv.AppendUint(b, fr.ret, 16)
	e := &runtime.Event{Cat: runtime.CatCall, Ev: "call", Text: string(b)}
	if vm.m.Tracer().Fields() {
		e.Fields = []runtime.Field{{Key: "func", Val: fn.Name}, {Key: "frame", Val: runtime.Addr(fr.fp)}, {Key: "ret", Val: runtime.Addr(fr.ret)}}
	}
	vm.m.Emit(th.rt, e)
}

// ret pops the innermost frame, passing the value on top of the operand
// stack to the caller. When the thread's first frame returns, the thread
// ends; a main thread's return ends its process with that exit status.
func (vm *VM) ret(th *threadCtx) (runtime.Stop, bool) {
	th.sp--
	v := th.ops[th.sp]
	fr := th.top()
	if vm.m.Tracer().On(runtime.CatCall) {
		e := &runtime.Event{Cat: runtime.CatCall, Ev: "return", Text: "return " + fr.fn.Name + " = " + quote(v)}
		if vm.m.Tracer().Fields() {
			e.Fields = []runtime.Field{{Key: "func", Val: fr.fn.Name}, {Key: "value", Val: format(v)}}
		}
		vm.m.Emit(th.rt, e)
	}
	th.stack.SP = fr.fp + 16
	th.sp = fr.opBase
	th.frames = th.frames[:len(th.frames)-1]
	if len(th.frames) == 0 {
		status := 0
		if v.K == mem.Int {
			status = int(v.N)
		}
		if vm.race != nil {
			vm.race.release(th.rt, th.rt)
			vm.race.release(th.rt, th.rt.Proc)
		}
		vm.m.EndThread(th.rt, v, status)
		// The thread is gone: its operand stack and frames with it.
		th.ops, th.frames = nil, nil
		return runtime.StopDead, false
	}
	th.push(v)
	return 0, true
}

// traceInsn emits one instruction about to run (the insn category).
func (vm *VM) traceInsn(th *threadCtx, fn *Func, pc int) {
	in := fn.Code[pc]
	text := fmt.Sprintf("insn %s %s.%d %s", mem.Hex(fn.Addr+uint64(pc)*InsnBytes), fn.Name, pc, vm.insnText(fn, pc))
	line := 0
	if pos, ok := fn.PosAt(pc); ok {
		line = pos.Line
	}
	vm.m.Emit(th.rt, &runtime.Event{Cat: runtime.CatInsn, Ev: "insn", Text: text,
		Fields: []runtime.Field{{Key: "pc", Val: runtime.Addr(fn.Addr + uint64(pc)*InsnBytes)}, {Key: "op", Val: in.Op.String()}, {Key: "line", Val: line}}})
}

// insnText is instruction pc of fn as the insn trace names it: the
// operation and, when it has one worth naming, its operand ("loadg
// counter", "int 100").
func (vm *VM) insnText(fn *Func, pc int) string {
	in := fn.Code[pc]
	text := in.Op.String()
	if f := &opInfo[in.Op]; f.traceA {
		switch f.a {
		case oConst:
			text += " " + quote(vm.prog.Consts[in.A])
		case oSlot:
			name := fn.Slots[in.A]
			if name == "" {
				name = "(loop end)"
			}
			text += " " + name
		case oGlobal:
			for _, g := range vm.prog.Globals {
				if g.Index == int(in.A) && g.Bss == (in.B != 0) {
					text += " " + g.Name
				}
			}
		case oFunc:
			text += " " + vm.prog.Funcs[in.A].Name
		case oBuiltin:
			text += " " + Builtins[in.A].Name
		default:
			text += fmt.Sprintf(" %d", in.A)
		}
	}
	return text
}

// at returns the report lines that say where the thread is: the function
// and line, and the source line itself.
func (vm *VM) at(th *threadCtx) []string {
	w := th.where()
	more := []string{"at " + w.String()}
	if line := vm.prog.sourceLine(w.pos); line != "" {
		more = append(more, "    "+line)
	}
	return more
}

// strWork counts the bytes an operation on strings reads and builds
// against max_copy: a string lives whole in its slot, so comparing or
// joining long ones is work that one instruction would otherwise hide. It
// reports false, with the run stopped, once the budget is spent.
func (vm *VM) strWork(x, y mem.Value) bool {
	if x.K != mem.Str && y.K != mem.Str {
		return true
	}
	return vm.m.Copy(int64(len(x.S) + len(y.S)))
}
