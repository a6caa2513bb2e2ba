package interp

import (
	"proc/runtime"
	"proc/runtime/mem"
)

// HashState adds the state of the whole program to h: the machine's
// (runtime.Machine.HashState, the clock only when clock is set) and the
// interpreter's: each thread's frames, operand stack and compute in
// progress, each process's heap objects and where its blocks were
// allocated and freed (fault reports name them), and whether an assert
// failed. The race detector's clocks are not part of it.
func (vm *VM) HashState(h *mem.Hasher, clock bool) {
	h.Bool(vm.assertFailed)
	vm.m.HashState(h, stateHasher{vm}, clock)
}

// stateHasher adds the interpreter's part of a thread or process.
type stateHasher struct{ vm *VM }

func (s stateHasher) HashThread(h *mem.Hasher, t *runtime.Thread) {
	th, ok := t.Ctx.(*threadCtx)
	if !ok {
		h.Word(0)
		return
	}
	h.Word(uint64(len(th.frames)))
	for i := range th.frames {
		f := &th.frames[i]
		h.Pair(int64(f.fn.Index), int64(f.pc))
		h.Pair(int64(f.base), int64(f.opBase))
		h.Word(f.fp)
		h.Word(f.ret)
	}
	h.Word(uint64(th.sp))
	for _, v := range th.ops[:th.sp] {
		h.Value(v)
	}
	h.Int(th.computeLeft)
	var bits int64
	if th.shell != nil {
		bits |= 1
	}
	if th.overflow != nil {
		bits |= 2
	}
	h.Pair(bits, int64(th.firstCall))
	if f := th.overflow; f != nil {
		h.Str(string(f.Kind))
		h.Word(f.Addr)
		h.Str(f.Why)
	}
}

func (s stateHasher) HashProcess(h *mem.Hasher, p *runtime.Process) {
	pc, ok := p.Ctx.(*procCtx)
	if !ok {
		h.Word(0)
		return
	}
	h.Word(1)
	h.Int(int64(pc.allocs))
	var buf [16]uint64
	addrs := mem.SortedKeys(pc.objects, buf[:0])
	h.Word(uint64(len(addrs)))
	for _, a := range addrs {
		o := pc.objects[a]
		h.Word(a)
		if o.shape != nil {
			h.Word(uint64(len(o.shape.Fields)))
			for _, f := range o.shape.Fields {
				h.Str(f)
			}
		} else {
			h.Word(1 << 62)
		}
		h.Int(int64(o.n))
	}
	hashSites(h, pc.allocAt)
	hashSites(h, pc.freeAt)
}

func hashSites(h *mem.Hasher, log siteLog) {
	h.Word(uint64(len(log)))
	for _, r := range log {
		if r.fn == nil {
			h.Int(-1)
			continue
		}
		h.Int(int64(r.fn.Index))
		h.Int(int64(r.pc))
	}
}
