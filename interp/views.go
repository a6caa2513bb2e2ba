package interp

import (
	"proc/grammar"
	"proc/runtime"
)

// The views live in runtime; the VM tells them what only the language
// knows (runtime.ViewLang): which function and line a return address or a
// thread is at, the slots of a frame, where a heap block was allocated.

// show emits show view v, an index in grammar.ShowTargets.
func (vm *VM) show(th *threadCtx, v int) {
	vm.m.Show(th.rt, grammar.ShowTargets[v])
}

// InsnBytes is the size of an instruction in the text segment
// (runtime.ViewLang).
func (vm *VM) InsnBytes() uint64 { return InsnBytes }

// CodeAt returns the function and line of a code address
// (runtime.ViewLang).
func (vm *VM) CodeAt(addr uint64) (string, int, bool) {
	fn, i := vm.prog.FuncAt(addr)
	if fn == nil {
		return "", 0, false
	}
	line := 0
	if pos, ok := fn.PosAt(i); ok {
		line = pos.Line
	}
	return fn.Name, line, true
}

// Line returns the source line t is at, 0 when it is not known
// (runtime.ViewLang).
func (vm *VM) Line(t *runtime.Thread) int {
	if th, ok := t.Ctx.(*threadCtx); ok {
		return th.where().pos.Line
	}
	return 0
}

// Frames returns t's frames, innermost first, with the names and
// addresses of their slots (runtime.ViewLang).
func (vm *VM) Frames(t *runtime.Thread) []runtime.Frame {
	th, ok := t.Ctx.(*threadCtx)
	if !ok {
		return nil
	}
	out := make([]runtime.Frame, 0, len(th.frames))
	for i := len(th.frames) - 1; i >= 0; i-- {
		fr := &th.frames[i]
		line := 0
		if pos, ok := fr.fn.PosAt(fr.pc - 1); ok {
			line = pos.Line
		}
		f := runtime.Frame{Func: fr.fn.Name, Line: line, FP: fr.fp, Ret: fr.ret, Slots: make([]runtime.Slot, fr.fn.NSlots)}
		for k := range f.Slots {
			name := fr.fn.Slots[k]
			if name == "" {
				name = "(loop end)"
			}
			f.Slots[k] = runtime.Slot{Name: name, Addr: slotAddr(fr, k)}
		}
		out = append(out, f)
	}
	return out
}

// AllocSite returns where p allocated heap block id, "" when that is not
// recorded (runtime.ViewLang).
func (vm *VM) AllocSite(p *runtime.Process, block uint64) string {
	if pc, ok := p.Ctx.(*procCtx); ok {
		if s, ok := pc.allocAt.get(block); ok {
			return s.String()
		}
	}
	return ""
}
