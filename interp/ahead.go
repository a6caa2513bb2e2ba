package interp

import (
	"proc/runtime"
	"proc/runtime/mem"
)

// Running ahead (runtime/ahead.go): on a machine of several CPUs a turn
// that reaches its bound in front of fast-path instructions runs a
// stretch of them at once instead of giving way tick by tick. The
// interpreter's part: which programs may (aheadOps), the stretch itself
// (runAhead), and the thread put back when another CPU's action needs it
// where it would be at that action (Rewind).

// aheadOps are the operations a program may use for its threads to run
// ahead: none of them lets one thread see or change another's frame
// (no address of a local), copy a process's pages (fork), set a timer
// (sleep, I/O, messages), show a view of the machine, or run a builtin.
// What is left that can still reach a thread that runs ahead — a load or
// store through a pointer into its stack, the end of its process, a halt
// — settles it first (runtime.SettleAddr, the kernel).
var aheadOps = func() (ok [numOps]bool) {
	for _, op := range []Op{
		OpNop, OpConst, OpInt, OpNil, OpTrue, OpFalse, OpPop, OpLoadL, OpStoreL,
		OpLoadG, OpStoreG, OpAddrG, OpAddrF, OpLoad, OpStore, OpIndexAddr, OpFieldAddr,
		OpAdd, OpSub, OpMul, OpDiv, OpMod, OpEq, OpNe, OpLt, OpLe, OpGt, OpGe, OpNeg, OpNot,
		OpJmp, OpJmpF, OpJmpT, OpCall, OpRet, OpPrint, OpAssert, OpAlloc, OpFree,
		OpObject, OpArray, OpExit, OpYield, OpCompute, OpSpawn, OpJoin, OpWait,
		OpLock, OpUnlock, OpForLt, OpIncJmp, OpCmpJmpF, OpAddI, OpDup,
	} {
		ok[op] = true
	}
	return ok
}()

// runsAhead reports whether every operation of the program is one of
// aheadOps.
func (p *Program) runsAhead() bool {
	for _, f := range p.Funcs {
		for _, in := range f.Code {
			if int(in.Op) >= len(aheadOps) || !aheadOps[in.Op] {
				return false
			}
		}
	}
	return true
}

// aheadMark is what a thread was when it went ahead: the pc, the operand
// stack from the frame's base and the frame's slots (fastRun changes
// nothing else).
type aheadMark struct {
	pc, sp, opBase int
	ops, slots     []mem.Value
	cow            bool
}

// runAhead runs at most n fast-path instructions of th, without calls
// or returns, from pc, after keeping what Rewind needs (one thread runs
// ahead on a CPU at a time: the mark is the CPU's). It returns where it
// stopped, the operand stack pointer and the instructions it ran.
func (vm *VM) runAhead(th *threadCtx, fcode []fastInstr, pc int, ops []mem.Value, sp int, locals []mem.Value, n int64, cow bool) (int, int, int64) {
	cpu := vm.m.CPUID()
	if cpu >= len(vm.marks) {
		vm.marks = append(vm.marks, make([]aheadMark, cpu+1-len(vm.marks))...)
	}
	mk := &vm.marks[cpu]
	fr := th.top()
	mk.pc, mk.sp, mk.opBase, mk.cow = pc, sp, fr.opBase, cow
	mk.ops = keep(mk.ops, ops[fr.opBase:sp])
	mk.slots = keep(mk.slots, locals[:fr.fn.NSlots])
	env := fastEnv{th: th, consts: vm.prog.Consts, funcs: vm.prog.Funcs, m: vm.m, cow: cow}
	pc, sp, left := fastRun(fcode, pc, ops, sp, locals, n, &env)
	return pc, sp, n - left
}

// keep copies vs (a frame's few values) into buf, grown only when it must
// be, so that a mark allocates nothing once its CPU has kept one.
func keep(buf, vs []mem.Value) []mem.Value {
	if cap(buf) < len(vs) {
		buf = make([]mem.Value, len(vs), max(len(vs), 16))
	}
	buf = buf[:len(vs)]
	for i := range vs {
		buf[i] = vs[i]
	}
	return buf
}

// Rewind puts t, which ran ahead on cpu, back where it went ahead and
// runs n of the instructions it ran since again (runtime.Rewinder).
// fastRun depends on nothing but the thread's pc, operand stack and
// slots, so the n run the same way.
func (vm *VM) Rewind(t *runtime.Thread, cpu int, n int64) {
	th := t.Ctx.(*threadCtx)
	mk := &vm.marks[cpu]
	fr := th.top()
	copy(th.ops[mk.opBase:], mk.ops)
	locals := th.stack.Words[fr.base:]
	copy(locals, mk.slots)
	pc, sp := mk.pc, mk.sp
	if n > 0 {
		env := fastEnv{th: th, consts: vm.prog.Consts, funcs: vm.prog.Funcs, m: vm.m, cow: mk.cow}
		var left int64
		pc, sp, left = fastRun(vm.fastCode(fr.fn), pc, th.ops, sp, locals, n, &env)
		if left != 0 {
			panic("interp: a stretch run ahead does not run the same way again")
		}
	}
	fr.pc, th.sp = pc, sp
}
