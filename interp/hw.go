package interp

// The VM's side of the memory hardware (runtime/hw.go): which loads and
// stores go through the TLB and the cache of the CPU.

import "proc/runtime"

// touch passes a load or store at addr outside the running frame, and
// then the frame itself (the function goes on with its locals), through
// the TLB and the cache. It returns the ticks their misses cost.
func (vm *VM) touch(th *threadCtx, addr uint64) int64 {
	return vm.m.Touch(th.rt, addr) + vm.touchFrame(th)
}

// touchStore is touch for a store: on several CPUs it also takes the
// line out of the other CPUs' caches.
func (vm *VM) touchStore(th *threadCtx, addr uint64) int64 {
	return vm.m.TouchStore(th.rt, addr) + vm.touchFrame(th)
}

// touchFrame passes the running frame through the TLB and the cache:
// its return address and saved frame pointer, then its slots, a line at
// a time from the top, at most frameLines lines. It returns the ticks the
// misses cost.
func (vm *VM) touchFrame(th *threadCtx) int64 {
	if len(th.frames) == 0 || th.overflow != nil {
		return 0
	}
	fr := th.top()
	return touchFrameAt(vm.m, th.rt, fr.fp, fr.fn.NSlots)
}

// touchFrameAt is touchFrame for the frame of a function of nslots slots
// whose saved frame pointer is at fp, the top frame of t.
func touchFrameAt(m *runtime.Machine, t *runtime.Thread, fp uint64, nslots int) int64 {
	hi := fp + 16
	return m.TouchFrame(t, hi-min(16+8*uint64(nslots), frameLines*lineSize), hi)
}

// lineSize is the cache's line size.
const lineSize = 64

// frameLines bounds the lines of a frame touched at once: the top 512
// bytes (the return address, the saved frame pointer and the first 62
// slots), so that a function with thousands of locals costs no more host
// time at each call than one with a few.
const frameLines = 8
