package interp

// The atomic instructions xchg, fetch_add and cas: each reads and writes
// one word in a single step, as a locked instruction of a real processor
// does, so no other thread runs between its load and its store. They are
// the hardware's own way to build a lock.

import (
	"fmt"

	"proc/runtime"
	"proc/runtime/mem"
)

// atomicArgs says why the arguments of atomic builtin b cannot be taken,
// or returns "". The first must be an address: a pointer, or an int or
// nil used as one (which fault as a load through them does); fetch_add
// adds an int.
func atomicArgs(b int, args []mem.Value) string {
	name := Builtins[b].Name
	if p := args[0]; !isNum(p) && p.K != mem.Nil {
		return fmt.Sprintf("%s of a %s (want a pointer)", name, p.K)
	}
	if n := args[1]; b == BuiltinFetchAdd && n.K != mem.Int {
		return fmt.Sprintf("fetch_add(%s, %s): it adds an int, not a %s", format(args[0]), quote(n), n.K)
	}
	return ""
}

// atomicWord says why atomic builtin b cannot work on old, the word it
// read, or returns "": fetch_add adds to an int.
func atomicWord(b int, args []mem.Value, old mem.Value) string {
	if b == BuiltinFetchAdd && old.K != mem.Int {
		return fmt.Sprintf("fetch_add(%s, %d): the word there holds a %s, not an int", format(args[0]), args[1].N, old.K)
	}
	return ""
}

// atomic runs atomic builtin b on its arguments and returns its result:
//
//   - xchg(p, v) stores v at p and returns the word it replaced;
//   - fetch_add(p, n) adds n to the int at p (wrapping, as + does) and
//     returns the int it replaced;
//   - cas(p, old, new) stores new at p if the word there equals old (as
//     == compares) and returns whether it did.
//
// A cas that fails writes back the word it read, as the x86 cmpxchg
// does: every atomic instruction needs a word it may write (a read-only
// one faults, and one on a page shared copy-on-write is copied). For the
// race detector a failed cas only reads (see raceAtomic).
func (vm *VM) atomic(th *threadCtx, b int, args []mem.Value) (mem.Value, runtime.Stop, bool) {
	if why := atomicArgs(b, args); why != "" {
		return mem.Value{}, vm.typeFault(th, why), false
	}
	addr := uint64(args[0].N)
	space := th.proc.space
	old, f := space.Load(addr)
	if f != nil {
		return mem.Value{}, vm.memFault(th, f), false
	}
	if why := atomicWord(b, args, old); why != "" {
		return mem.Value{}, vm.typeFault(th, why), false
	}
	r, v, wrote := old, args[1], true
	switch b {
	case BuiltinFetchAdd:
		v = mem.IntValue(old.N + args[1].N)
	case BuiltinCas:
		if !vm.strWork(old, args[1]) {
			return mem.Value{}, runtime.StopLimit, false
		}
		wrote = equal(old, args[1])
		r, v = mem.BoolValue(wrote), old
		if wrote {
			v = args[2]
		}
	}
	if f := space.Store(addr, v); f != nil {
		return mem.Value{}, vm.memFault(th, f), false
	}
	if vm.race != nil {
		vm.raceAtomic(th, addr, wrote)
	}
	if vm.m.HW() {
		// One access through the TLB and the cache, as a load or a
		// store has.
		touch := vm.touch
		if wrote {
			touch = vm.touchStore
		}
		vm.m.AdvanceTo(vm.m.Now() + touch(th, addr))
	}
	return r, 0, true
}

// atomicMayFault reports whether in, an atomic builtin whose first
// operand is a pointer, could fault with the operands the thread has: it
// errs on the side of yes.
func (vm *VM) atomicMayFault(th *threadCtx, in Instr) bool {
	n := int(in.B)
	if th.sp < n || n < 2 {
		return true
	}
	b := int(in.A)
	args := th.ops[th.sp-n : th.sp]
	if atomicArgs(b, args) != "" {
		return true
	}
	addr := uint64(args[0].N)
	old, f := th.proc.space.Load(addr)
	if f != nil || atomicWord(b, args, old) != "" {
		return true
	}
	seg := th.proc.space.Find(addr)
	return seg == nil || seg.Perm&mem.PermW == 0
}

// atomicKey names the word of an atomic instruction as a sync object of
// the race detector: a private word by its address space and address, a
// word of a shared mapping by the shared memory and its offset, wherever
// each process has it mapped.
type atomicKey struct {
	mem any
	off uint64
}

// raceAtomic tells the race detector of an atomic instruction at addr
// that wrote the word or, for a cas that failed, only read it. The atomic
// instructions on one word are ordered as a lock's operations are: each
// acquires what the ones before it released, then releases what its
// thread did up to it (a failed cas too, as the locked instructions of
// x86 are full barriers). So two of them never race, and a lock built of
// them orders its critical sections. A plain load or store of the word
// is checked against them as against any access: one unordered with an
// atomic instruction, either of them a write, is a data race, as in C11,
// where an access that is not atomic must not race with an atomic one.
func (vm *VM) raceAtomic(th *threadCtx, addr uint64, wrote bool) {
	key := atomicKey{mem: th.proc.space, off: addr}
	if seg := th.proc.space.Find(addr); seg != nil && seg.Shared != nil && len(seg.Words) > 0 {
		key = atomicKey{mem: seg.Shared, off: addr - seg.Start}
	}
	vm.race.acquire(th.rt, key)
	vm.race.access(th, addr, wrote)
	vm.race.release(th.rt, key)
}
