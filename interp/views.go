package interp

import (
	"proc/grammar"
	"proc/runtime"
)

// The views live in runtime; viewLang tells them what only the language
// knows: which function and line a return address or a thread is at, the
// slots of a frame, where a heap block was allocated.

// show emits show view v, an index in grammar.ShowTargets.
func (vm *VM) show(th *threadCtx, v int) {
	vm.m.Show(th.rt, grammar.ShowTargets[v], vm.lang())
}

// lang returns what the views need of the VM.
func (vm *VM) lang() runtime.ViewLang { return (*viewLang)(vm) }

// viewLang is the VM as the views see it.
type viewLang VM

func (l *viewLang) InsnBytes() uint64 { return InsnBytes }

func (l *viewLang) CodeAt(addr uint64) (string, int, bool) {
	fn, i := l.prog.FuncAt(addr)
	if fn == nil {
		return "", 0, false
	}
	line := 0
	if pos, ok := fn.PosAt(i); ok {
		line = pos.Line
	}
	return fn.Name, line, true
}

func (l *viewLang) Line(t *runtime.Thread) int {
	if th, ok := t.Ctx.(*threadCtx); ok {
		return th.where().pos.Line
	}
	return 0
}

func (l *viewLang) Frames(t *runtime.Thread) []runtime.Frame {
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

func (l *viewLang) AllocSite(p *runtime.Process, block uint64) string {
	if pc, ok := p.Ctx.(*procCtx); ok {
		if s, ok := pc.allocAt.get(block); ok {
			return s.String()
		}
	}
	return ""
}
