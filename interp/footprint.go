package interp

// What a thread's next operation touches, for the search of the schedules
// (package explore): which operations commute, read off the top frame and
// the operand stack of a thread stopped at a scheduling point.

import (
	"proc/runtime"
	"proc/runtime/mem"
)

// Footprint is what a thread's next operation touches: which memory or
// kernel object, and whether it writes. Two operations whose footprints are
// not Dependent commute: running them in either order gives the same
// state, which is what lets a search of the schedules (package explore)
// try only one of the orders.
type Footprint struct {
	kind  uint8
	obj   any // the memory's owner: an address space, or a shared object
	addr  uint64
	write bool
}

const (
	fpAll   uint8 = iota // depends on everything (unknown, alloc, exit)
	fpMem                // a load or store, or a kernel call on one object
	fpLocal              // touches nothing another thread sees
)

// Local reports whether the operation touches nothing another thread
// sees: it commutes with every other operation.
func (f *Footprint) Local() bool { return f.kind == fpLocal }

// Dependent reports whether the operations of footprints a and b may not
// commute: one of them depends on everything, or both touch the same
// memory or kernel object and one of them writes it.
func Dependent(a, b *Footprint) bool {
	if a.kind == fpAll || b.kind == fpAll {
		return true
	}
	if a.kind == fpLocal || b.kind == fpLocal {
		return false
	}
	return a.obj == b.obj && a.addr == b.addr && (a.write || b.write)
}

// Objects that order the kernel calls touching them.
var (
	keyOutput  = new(int) // program output: its order is observable
	keyIDs     = new(int) // pid/tid numbers and handle ids
	keyNames   = new(int) // host names: queues, segments, files, ports
	keyTime    = new(int) // timers
	keyUnknown = new(int)
)

// sysFootprint is a kernel call on one object: dependent with every other
// call on that object.
func sysFootprint(obj any) Footprint { return Footprint{kind: fpMem, obj: obj, write: true} }

// Next returns the footprint of the next operation of t, a thread of vm's
// machine stopped before it (as threads are at a scheduling point).
func (vm *VM) Next(t *runtime.Thread) Footprint {
	th, ok := t.Ctx.(*threadCtx)
	if !ok || len(th.frames) == 0 || th.overflow != nil {
		// A first frame that does not fit: the process dies.
		return Footprint{kind: fpAll}
	}
	fr := th.top()
	if fr.pc >= len(fr.fn.Code) {
		return Footprint{kind: fpAll}
	}
	in := fr.fn.Code[fr.pc]
	f := &opInfo[in.Op]
	shared, writes := f.shared, f.writes
	if shared == shBuiltin {
		shared, writes = Builtins[in.A].shared, Builtins[in.A].writes
	}
	switch shared {
	case shGlobal:
		return vm.memFootprint(th, globalAddr(th, in), writes)
	case shMem:
		a := vm.firstOperand(th, in)
		if a.K != mem.Ptr {
			return Footprint{kind: fpAll} // a type error: the process dies
		}
		if in.Op == OpBuiltin && vm.atomicMayFault(th, in) {
			return Footprint{kind: fpAll} // the process dies
		}
		return vm.memFootprint(th, uint64(a.N), writes)
	case shEnd:
		if len(th.frames) != 1 {
			return Footprint{kind: fpLocal}
		}
		if t.TID == t.Proc.PID {
			return Footprint{kind: fpAll} // the process ends: every thread of it
		}
		return sysFootprint(t) // a thread ends: its joiners see it
	case shThread:
		first := vm.firstOperand(th, in)
		if target := vm.m.Thread(int(first.N)); target != nil && first.K == mem.Int {
			return sysFootprint(target)
		}
		return Footprint{kind: fpAll}
	case shOutput:
		return sysFootprint(keyOutput)
	case shIDs:
		return sysFootprint(keyIDs)
	case shNames:
		return sysFootprint(keyNames)
	case shTime:
		return sysFootprint(keyTime)
	case shSync:
		return objFootprint(syncObject(t.Proc, vm.firstOperand(th, in)))
	case shFD:
		return objFootprint(fdObject(t.Proc, vm.firstOperand(th, in)))
	case shAll:
		return Footprint{kind: fpAll}
	}
	if vm.mayFault(th, in) {
		// A fault ends the process, every thread of it: a step that
		// may fault commutes with nothing (the other thread's step
		// cannot come after it).
		return Footprint{kind: fpAll}
	}
	return Footprint{kind: fpLocal}
}

// objFootprint is a kernel call on obj; on no object (a bad handle or
// descriptor) the call fails and the process dies.
func objFootprint(obj any) Footprint {
	if obj == keyUnknown {
		return Footprint{kind: fpAll}
	}
	return sysFootprint(obj)
}

// mayFault reports whether in, an operation on the thread's own stack,
// could fault with the operands it has: a failed assert, a type error, a
// division by zero, a call past the end of the stack. It errs on the side
// of yes: that only costs the search an interleaving more.
func (vm *VM) mayFault(th *threadCtx, in Instr) bool {
	top := func(k int) mem.Value { // k = 1: the top of the operand stack
		if th.sp >= k {
			return th.ops[th.sp-k]
		}
		return mem.Value{K: mem.Nil}
	}
	switch in.Op {
	case OpConst, OpInt, OpNil, OpTrue, OpFalse, OpPop, OpLoadL, OpStoreL, OpAddrL, OpAddrG, OpAddrF,
		OpJmp, OpDup, OpForLt, OpIncJmp, OpRet, OpNot, OpJmpF, OpJmpT:
		return false
	case OpAdd, OpSub, OpMul, OpEq, OpNe, OpLt, OpLe, OpGt, OpGe, OpCmpJmpF:
		a, b := top(2), top(1)
		if a.K == mem.Int && b.K == mem.Int {
			return false
		}
		return !(a.K == mem.Str && b.K == mem.Str && (in.Op == OpAdd || opInfo[in.Op].cmp))
	case OpDiv, OpMod:
		return top(2).K != mem.Int || top(1).K != mem.Int || top(1).N == 0
	case OpAddI, OpNeg:
		return top(1).K != mem.Int
	case OpAssert:
		cond := top(1)
		if in.A == 1 { // with a message above the condition
			cond = top(2)
		}
		return !truth(cond)
	case OpCall:
		// Room for the callee's frame, its saved pointers and some more.
		fn := vm.prog.Funcs[in.A]
		st := th.stack
		return st.SP < st.Start+8*uint64(fn.NSlots+64)
	}
	return true
}

// firstOperand is the object an operation works on: its first operand,
// the deepest value it pops (nil when the stack does not hold it).
func (vm *VM) firstOperand(th *threadCtx, in Instr) mem.Value {
	if pop, _ := vm.prog.stackUse(in); pop > 0 && th.sp >= pop {
		return th.ops[th.sp-pop]
	}
	return mem.Value{}
}

// fdObject is the kernel object behind descriptor v of p, keyUnknown when
// v is none.
func fdObject(p *runtime.Process, v mem.Value) any {
	if f, ok := p.FD(v.N); ok && v.K == mem.Int {
		switch {
		case f.Pipe != nil:
			return f.Pipe
		case f.MQ != nil:
			return f.MQ
		case f.Sock != nil:
			return f.Sock
		case f.Listener != nil:
			return f.Listener
		}
	}
	return keyUnknown
}

// syncObject is the sync object behind handle v of p, keyUnknown when v
// is none.
func syncObject(p *runtime.Process, v mem.Value) any {
	if o, ok := p.SyncObject(int(v.N)); ok && v.K == mem.Handle {
		switch {
		case o.Mutex != nil:
			return o.Mutex
		case o.Sem != nil:
			return o.Sem
		case o.Cond != nil:
			return o.Cond
		}
	}
	return keyUnknown
}

func (vm *VM) memFootprint(th *threadCtx, addr uint64, write bool) Footprint {
	space := th.proc.space
	seg := space.Find(addr)
	if space.Faults(seg, addr, write) {
		// The fault ends the process and is part of the outcome: the
		// step commutes with nothing (two processes' faults are
		// reported in the order they happen).
		return Footprint{kind: fpAll}
	}
	if seg != nil && seg.Shared != nil && len(seg.Words) > 0 {
		// A shared mapping: the same memory at other addresses elsewhere.
		return Footprint{kind: fpMem, obj: seg.Shared, addr: addr - seg.Start, write: write}
	}
	return Footprint{kind: fpMem, obj: th.proc.space, addr: addr, write: write}
}

// Races returns the data races the race detector reported so far, in
// order: none when the run has no detector (Options.Race).
func (vm *VM) Races() []Race {
	if vm.race == nil {
		return nil
	}
	return vm.race.reports()
}

// WaitsForEnd reports whether the next operation of t, a thread stopped
// before it, is a join or a wait that would block: of a thread or a child
// process that has not ended. Making it only parks t until that end; a
// search may leave it until then (explore's stateful search does).
func (vm *VM) WaitsForEnd(t *runtime.Thread) bool {
	th, ok := t.Ctx.(*threadCtx)
	if !ok || len(th.frames) == 0 || th.overflow != nil || th.sp < 1 {
		return false
	}
	fr := th.top()
	if fr.pc >= len(fr.fn.Code) {
		return false
	}
	v := th.ops[th.sp-1]
	if v.K != mem.Int {
		return false
	}
	switch fr.fn.Code[fr.pc].Op {
	case OpJoin:
		return vm.m.JoinBlocks(t, v.N)
	case OpWait:
		return vm.m.WaitBlocks(t, v.N)
	}
	return false
}

// Yields reports whether the program has a yield: after one, another
// thread runs first, so which thread ran last decides what may run next.
func (p *Program) Yields() bool {
	for _, f := range p.Funcs {
		for _, in := range f.Code {
			if in.Op == OpYield {
				return true
			}
		}
	}
	return false
}
