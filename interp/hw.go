package interp

// The VM's side of the memory hardware (runtime/hw.go): which loads and
// stores go through the TLB and the cache of the CPU.

// touch passes a load or store at addr outside the running frame, and
// then the frame itself (the function goes on with its locals), through
// the TLB and the cache. It returns the ticks their misses cost.
func (vm *VM) touch(th *threadCtx, addr uint64) int64 {
	return vm.m.Touch(th.rt, addr) + vm.touchFrame(th)
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
	hi := fr.fp + 16
	lo := fr.fp - 8*uint64(fr.fn.NSlots)
	if hi-lo > frameLines*lineSize {
		lo = hi - frameLines*lineSize
	}
	var c int64
	for a := (hi - 1) &^ (lineSize - 1); ; a -= lineSize {
		c += vm.m.Touch(th.rt, max(a, lo))
		if a <= lo {
			break
		}
	}
	return c
}

// lineSize is the cache's line size.
const lineSize = 64

// frameLines bounds the lines of a frame touched at once: the top 512
// bytes (the return address, the saved frame pointer and the first 62
// slots), so that a function with thousands of locals costs no more host
// time at each call than one with a few.
const frameLines = 8
