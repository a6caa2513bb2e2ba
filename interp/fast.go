package interp

import (
	"proc/runtime"
	"proc/runtime/mem"
)

// The fast path of the VM.
//
// Most instructions a program runs touch nothing but the operand stack and
// the slots of the running frame: loads and stores of locals, int
// arithmetic, comparisons and jumps. fastRun runs those in a loop of its
// own, small and free of calls, so that the compiler can keep its state in
// registers, which the general loop (with its many rare paths) cannot.
//
// Calls and returns between frames run there too, unless they are traced.
//
// fastRun also runs some sequences of such instructions as one step, when
// their operands are ints: `s = s + i` is four instructions (load, load,
// add, store) and one step. A step counts, costs and stops exactly like
// the instructions it stands for, so nothing a program or a trace can see
// changes: it is taken only when all of its instructions fit in what the
// thread may still run without a check (the budget, the step limit), and
// the first instruction runs alone whenever the operands are not what the
// step handles. Any instruction can be entered directly (a jump into the
// middle of a sequence runs the rest of it one by one).

// fusedOp is a sequence of instructions fastRun runs as one step.
type fusedOp uint8

const (
	fNone   fusedOp = iota
	fJmpLK          // loadl C; int D; cmpjmpf E, X
	fJmpLL          // loadl C; loadl D; cmpjmpf E, X
	fPushLI         // loadl C; addi D
	fBinLL          // loadl C; loadl D; X (an arithmetic or comparison op)
	fBinLK          // loadl C; int D; X
	fBinLLS         // loadl C; loadl D; X; storel E
	fBinLKS         // loadl C; int D; X; storel E
	fAddIS          // loadl C; addi D; storel E
	fIncFor         // incjmp C, T; forlt C, E at T (a for loop's step and test)
	fStoreK         // int D; storel E
	fRetL           // loadl C; ret
	fCallLI         // loadl C; addi D; call E with that one argument
)

// fastInstr is an instruction as fastRun reads it: the instruction itself
// (Op, A, B) and, where a sequence that fastRun runs as one step starts,
// that step (F, standing for N instructions, with operands C, D, E, X).
type fastInstr struct {
	Op      Op
	F       fusedOp
	N       uint8
	X       Op
	A, B    int32
	C, D, E int32
}

// fusedForms are the instructions each fused step stands for, in order:
// anyArith stands for any operation whose facts say arith, and fIncFor's
// forlt is not the next instruction but the incjmp's target. The
// instructions of a form are all ones the facts say fastRun runs.
var fusedForms = [...][]Op{
	fJmpLK:  {OpLoadL, OpInt, OpCmpJmpF},
	fJmpLL:  {OpLoadL, OpLoadL, OpCmpJmpF},
	fPushLI: {OpLoadL, OpAddI},
	fBinLL:  {OpLoadL, OpLoadL, anyArith},
	fBinLK:  {OpLoadL, OpInt, anyArith},
	fBinLLS: {OpLoadL, OpLoadL, anyArith, OpStoreL},
	fBinLKS: {OpLoadL, OpInt, anyArith, OpStoreL},
	fAddIS:  {OpLoadL, OpAddI, OpStoreL},
	fIncFor: {OpIncJmp, OpForLt},
	fStoreK: {OpInt, OpStoreL},
	fRetL:   {OpLoadL, OpRet},
	fCallLI: {OpLoadL, OpAddI, OpCall},
}

// anyArith stands for an arith operation in fusedForms.
const anyArith = numOps

// fuse returns the fastInstr form of code.
func fuse(code []Instr) []fastInstr {
	out := make([]fastInstr, len(code))
	at := func(i int, op Op) bool { return i < len(code) && code[i].Op == op }
	for i, in := range code {
		f := &out[i]
		f.Op, f.A, f.B = in.Op, in.A, in.B
		switch {
		case in.Op == OpLoadL && at(i+1, OpRet):
			f.F, f.C = fRetL, in.A
		case in.Op == OpLoadL && i+1 < len(code):
			next := code[i+1]
			switch {
			case next.Op == OpAddI && at(i+2, OpStoreL):
				f.F, f.C, f.D, f.E = fAddIS, in.A, next.A, code[i+2].A
			case next.Op == OpAddI && at(i+2, OpCall) && code[i+2].B == 1:
				f.F, f.C, f.D, f.E = fCallLI, in.A, next.A, code[i+2].A
			case next.Op == OpAddI:
				f.F, f.C, f.D = fPushLI, in.A, next.A
			case next.Op == OpLoadL || next.Op == OpInt:
				if i+2 >= len(code) {
					break
				}
				third := code[i+2]
				local := next.Op == OpLoadL
				switch {
				case third.Op == OpCmpJmpF:
					f.F, f.C, f.D, f.E, f.X = fJmpLK, in.A, next.A, third.A, Op(third.B)
					if local {
						f.F = fJmpLL
					}
				case opInfo[third.Op].arith && at(i+3, OpStoreL):
					f.F, f.C, f.D, f.E, f.X = fBinLKS, in.A, next.A, code[i+3].A, third.Op
					if local {
						f.F = fBinLLS
					}
				case opInfo[third.Op].arith:
					f.F, f.C, f.D, f.X = fBinLK, in.A, next.A, third.Op
					if local {
						f.F = fBinLL
					}
				}
			}
		case in.Op == OpInt && at(i+1, OpStoreL):
			f.F, f.D, f.E = fStoreK, in.A, code[i+1].A
		case in.Op == OpIncJmp && int(in.B) < len(code):
			if t := code[in.B]; t.Op == OpForLt && t.A == in.A {
				f.F, f.C, f.E = fIncFor, in.A, t.B
			}
		}
		if f.F != fNone {
			f.N = uint8(len(fusedForms[f.F]))
		}
	}
	return out
}

// compareInts is x OP y for a comparison op.
func compareInts(op Op, x, y int64) bool {
	switch op {
	case OpLt:
		return x < y
	case OpLe:
		return x <= y
	case OpGt:
		return x > y
	case OpGe:
		return x >= y
	case OpEq:
		return x == y
	}
	return x != y
}

// arith is x OP y, and the kind of the result, for an op whose facts
// say arith.
func arith(op Op, x, y int64) (int64, mem.Kind) {
	switch op {
	case OpAdd:
		return x + y, mem.Int
	case OpSub:
		return x - y, mem.Int
	case OpMul:
		return x * y, mem.Int
	}
	if compareInts(op, x, y) {
		return 1, mem.Bool
	}
	return 0, mem.Bool
}

// set stores the int or bool (n, k) in *d. A slot that already holds a
// value of that kind only has its number written, which spares the store
// of the whole value (and the collector's write barrier for its string).
func set(d *mem.Value, n int64, k mem.Kind) {
	if d.K == k {
		d.N = n
		return
	}
	*d = mem.Value{K: k, N: n}
}

// Engine turns off ways the VM has of running instructions faster. Each
// runs a program exactly as the VM's general loop alone would (the same
// output, trace, statistics and schedules); the zero value, every way on,
// is the default, and the tests turn them off to compare.
type Engine struct {
	// NoFastPath runs every instruction in the general loop (VM.run):
	// no fastRun, no fused steps.
	NoFastPath bool
	// EagerBudget makes a thread alone on the CPU look at each of its
	// quantum boundaries as it reaches it, instead of passing them until
	// its next operation that can wake another thread and bringing its
	// budget up to date then.
	EagerBudget bool
	// NoRunAhead makes every turn on a machine of several CPUs give way
	// at its bound, instead of running a stretch of fast-path
	// instructions ahead (ahead.go).
	NoRunAhead bool
}

// fastEnv is what fastRun rarely reads, kept out of its registers.
type fastEnv struct {
	th     *threadCtx
	consts []mem.Value
	funcs  []*Func
	// cow is set while pages of the process are shared copy-on-write: a
	// store to a slot must then be noted, which the general loop does.
	cow bool
	// calls is set when fastRun may run calls and returns: when they are
	// not traced.
	calls bool
	// moved is set by fastRun when it has called or returned: the
	// thread's top frame is another one.
	moved bool
	// hw is set when the machine has a TLB or a cache: a call or return
	// touches the frame it goes to (VM.touchFrame), and fastRun stops
	// after one whose misses cost ticks, which it adds to stall.
	hw    bool
	m     *runtime.Machine
	stall int64
}

// fastRun runs at most n instructions from code[pc], stopping before the
// first one it does not run (anything the kernel or another thread may
// see, operands that are not ints, a slot store while pages are shared
// copy-on-write, a call or return that is traced, that ends the thread or
// that overflows the stack). It returns where it stopped, the new operand
// stack pointer and how many instructions of n are left. The operand
// stack has room for the function's deepest use (see call).
//
// Calls and returns between frames run here as VM.call and VM.ret would
// run them: the frames change, env.moved is set, and the caller finds the
// thread's new top frame in th.
//
// The general loop (VM.run) keeps its own code for every instruction
// run here: it runs them when the fast path may not (when every
// instruction is traced), and it is what the tests compare the fast path
// with. The call code is written out twice, for
// OpCall and for fCallLI, because a shared function measured slower.
func fastRun(code []fastInstr, pc int, ops []mem.Value, sp int, locals []mem.Value, n int64, env *fastEnv) (int, int, int64) {
	for n > 0 {
		in := &code[pc]
		if in.F != fNone && int64(in.N) <= n {
			switch in.F {
			case fJmpLK:
				if x := &locals[in.C]; x.K == mem.Int {
					n -= 3
					if compareInts(in.X, x.N, int64(in.D)) {
						pc += 3
					} else {
						pc = int(in.E)
					}
					continue
				}
			case fJmpLL:
				if x, y := &locals[in.C], &locals[in.D]; x.K == mem.Int && y.K == mem.Int {
					n -= 3
					if compareInts(in.X, x.N, y.N) {
						pc += 3
					} else {
						pc = int(in.E)
					}
					continue
				}
			case fPushLI:
				if x := &locals[in.C]; x.K == mem.Int || x.K == mem.Ptr {
					set(&ops[sp], x.N+int64(in.D), x.K)
					sp++
					n -= 2
					pc += 2
					continue
				}
			case fBinLL:
				if x, y := &locals[in.C], &locals[in.D]; x.K == mem.Int && y.K == mem.Int {
					r, k := arith(in.X, x.N, y.N)
					set(&ops[sp], r, k)
					sp++
					n -= 3
					pc += 3
					continue
				}
			case fBinLK:
				if x := &locals[in.C]; x.K == mem.Int {
					r, k := arith(in.X, x.N, int64(in.D))
					set(&ops[sp], r, k)
					sp++
					n -= 3
					pc += 3
					continue
				}
			case fBinLLS:
				if x, y := &locals[in.C], &locals[in.D]; x.K == mem.Int && y.K == mem.Int && !env.cow {
					r, k := arith(in.X, x.N, y.N)
					set(&locals[in.E], r, k)
					n -= 4
					pc += 4
					continue
				}
			case fBinLKS:
				if x := &locals[in.C]; x.K == mem.Int && !env.cow {
					r, k := arith(in.X, x.N, int64(in.D))
					set(&locals[in.E], r, k)
					n -= 4
					pc += 4
					continue
				}
			case fAddIS:
				if x := &locals[in.C]; (x.K == mem.Int || x.K == mem.Ptr) && !env.cow {
					set(&locals[in.E], x.N+int64(in.D), x.K)
					n -= 3
					pc += 3
					continue
				}
			case fStoreK:
				if !env.cow {
					set(&locals[in.E], int64(in.D), mem.Int)
					n -= 2
					pc += 2
					continue
				}
			case fRetL:
				th := env.th
				if len(th.frames) < 2 || !env.calls {
					break
				}
				fr := &th.frames[len(th.frames)-1]
				caller := &th.frames[len(th.frames)-2]
				if len(caller.fn.Fast) != len(caller.fn.Code) || fr.opBase >= len(ops) {
					break
				}
				ops[fr.opBase] = locals[in.C]
				sp = fr.opBase + 1
				th.stack.SP = fr.fp + 16
				th.frames = th.frames[:len(th.frames)-1]
				code, pc, locals = caller.fn.Fast, caller.pc, th.stack.Words[caller.base:]
				env.moved = true
				n -= 2
				if env.hw {
					if c := touchFrameAt(env.m, th.rt, caller.fp, caller.fn.NSlots); c > 0 {
						env.stall += c
						return pc, sp, n
					}
				}
				continue
			case fCallLI:
				// The argument (loadl and addi) goes straight into the
				// callee's first slot; the rest is done as OpCall does it.
				x := locals[in.C]
				if x.K != mem.Int && x.K != mem.Ptr {
					break
				}
				fn := env.funcs[in.E]
				th := env.th
				st := th.stack
				callerSP := st.SP
				fp := callerSP - 16
				newSP := fp - 8*uint64(fn.NSlots)
				if !env.calls || env.cow || len(fn.Fast) != len(fn.Code) || fn.NSlots < 1 || newSP < st.Start || fp > callerSP {
					break
				}
				caller := &th.frames[len(th.frames)-1]
				caller.pc = pc + 3
				ret := caller.fn.Addr + uint64(pc+3)*InsnBytes
				fpIdx := st.Index(fp)
				base := fpIdx + 1
				st.Ensure(base + fn.NSlots)
				w := st.Words
				set(&w[fpIdx], int64(caller.fp), mem.Ptr)
				set(&w[fpIdx-1], int64(ret), mem.Ptr)
				slots := w[base : base+fn.NSlots]
				set(&slots[0], x.N+int64(in.D), x.K)
				for k := 1; k < len(slots); k++ {
					set(&slots[k], 0, mem.Int)
				}
				st.SP = newSP
				if sp+fn.MaxStack+4 > len(ops) {
					th.sp = sp
					th.growOps(fn.MaxStack + 4)
					ops = th.ops
				}
				th.frames = append(th.frames, frame{fn: fn, base: base, fp: fp, ret: ret, opBase: sp})
				code, pc, locals = fn.Fast, 0, w[base:]
				env.moved = true
				n -= 3
				if env.hw {
					if c := touchFrameAt(env.m, th.rt, fp, fn.NSlots); c > 0 {
						env.stall += c
						return pc, sp, n
					}
				}
				continue
			case fIncFor:
				if i, end := &locals[in.C], &locals[in.C-1]; i.K == mem.Int && end.K == mem.Int && !env.cow {
					i.N++
					n -= 2
					if i.N >= end.N {
						pc = int(in.E)
					} else {
						pc = int(in.B) + 1
					}
					continue
				}
			}
		}
		switch in.Op {
		case OpNop:
		case OpConst:
			ops[sp] = env.consts[in.A]
			sp++
		case OpInt:
			set(&ops[sp], int64(in.A), mem.Int)
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
			if env.cow {
				return pc, sp, n
			}
			sp--
			locals[in.A] = ops[sp]
		case OpAdd, OpSub, OpMul, OpLt, OpLe, OpGt, OpGe, OpEq, OpNe:
			x, y := &ops[sp-2], &ops[sp-1]
			if x.K != mem.Int || y.K != mem.Int {
				return pc, sp, n
			}
			r, k := arith(in.Op, x.N, y.N)
			set(x, r, k)
			sp--
		case OpNeg:
			x := &ops[sp-1]
			if x.K != mem.Int {
				return pc, sp, n
			}
			x.N = -x.N
		case OpNot:
			ops[sp-1] = mem.BoolValue(!truth(ops[sp-1]))
		case OpJmp:
			pc = int(in.A)
			n--
			continue
		case OpJmpF:
			sp--
			if !truth(ops[sp]) {
				pc = int(in.A)
				n--
				continue
			}
		case OpJmpT:
			sp--
			if truth(ops[sp]) {
				pc = int(in.A)
				n--
				continue
			}
		case OpCmpJmpF:
			x, y := &ops[sp-2], &ops[sp-1]
			if x.K != mem.Int || y.K != mem.Int {
				return pc, sp, n
			}
			sp -= 2
			if !compareInts(Op(in.B), x.N, y.N) {
				pc = int(in.A)
				n--
				continue
			}
		case OpAddI:
			x := &ops[sp-1]
			if x.K != mem.Int && x.K != mem.Ptr {
				return pc, sp, n
			}
			x.N += int64(in.A)
		case OpForLt:
			i, end := &locals[in.A], &locals[in.A-1]
			if i.K != mem.Int || end.K != mem.Int {
				return pc, sp, n
			}
			if i.N >= end.N {
				pc = int(in.B)
				n--
				continue
			}
		case OpIncJmp:
			i := &locals[in.A]
			if env.cow || i.K != mem.Int {
				return pc, sp, n
			}
			i.N++
			pc = int(in.B)
			n--
			continue
		case OpCall:
			fn := env.funcs[in.A]
			th := env.th
			st := th.stack
			callerSP := st.SP
			fp := callerSP - 16
			newSP := fp - 8*uint64(fn.NSlots)
			if !env.calls || env.cow || len(fn.Fast) != len(fn.Code) || newSP < st.Start || fp > callerSP {
				// The general path traces the call, notes the pages
				// shared copy-on-write, or reports the stack overflow.
				return pc, sp, n
			}
			caller := &th.frames[len(th.frames)-1]
			caller.pc = pc + 1
			ret := caller.fn.Addr + uint64(pc+1)*InsnBytes
			fpIdx := st.Index(fp)
			base := fpIdx + 1
			st.Ensure(base + fn.NSlots)
			w := st.Words
			set(&w[fpIdx], int64(caller.fp), mem.Ptr)
			set(&w[fpIdx-1], int64(ret), mem.Ptr)
			nargs := int(in.B)
			args := ops[sp-nargs : sp]
			slots := w[base : base+fn.NSlots]
			for k := range slots {
				switch {
				case k >= nargs:
					set(&slots[k], 0, mem.Int)
				case args[k].K == mem.Int || args[k].K == mem.Ptr:
					set(&slots[k], args[k].N, args[k].K)
				default:
					slots[k] = args[k]
				}
			}
			sp -= nargs
			st.SP = newSP
			if sp+fn.MaxStack+4 > len(ops) {
				th.sp = sp
				th.growOps(fn.MaxStack + 4)
				ops = th.ops
			}
			th.frames = append(th.frames, frame{fn: fn, base: base, fp: fp, ret: ret, opBase: sp})
			code, pc, locals = fn.Fast, 0, w[base:]
			env.moved = true
			n--
			if env.hw {
				if c := touchFrameAt(env.m, th.rt, fp, fn.NSlots); c > 0 {
					env.stall += c
					return pc, sp, n
				}
			}
			continue
		case OpRet:
			th := env.th
			if !env.calls || len(th.frames) < 2 {
				// The end of the thread, or a traced return.
				return pc, sp, n
			}
			fr := &th.frames[len(th.frames)-1]
			caller := &th.frames[len(th.frames)-2]
			if len(caller.fn.Fast) != len(caller.fn.Code) || fr.opBase >= len(ops) {
				return pc, sp, n
			}
			v := ops[sp-1]
			th.stack.SP = fr.fp + 16
			sp = fr.opBase
			ops[sp] = v
			sp++
			th.frames = th.frames[:len(th.frames)-1]
			code, pc, locals = caller.fn.Fast, caller.pc, th.stack.Words[caller.base:]
			env.moved = true
			n--
			if env.hw {
				if c := touchFrameAt(env.m, th.rt, caller.fp, caller.fn.NSlots); c > 0 {
					env.stall += c
					return pc, sp, n
				}
			}
			continue
		default:
			return pc, sp, n
		}
		pc++
		n--
	}
	return pc, sp, n
}
