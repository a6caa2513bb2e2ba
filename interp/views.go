package interp

import (
	"fmt"

	"proc/grammar"
	"proc/runtime"
	"proc/runtime/mem"
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

// NextOp says what thread t runs next, as a thread stopped at a
// scheduling point is, in front of its next operation: the source line
// of that operation and the operation as the insn trace names it ("loadg
// counter"). ok is false when t has nothing more to run.
func (vm *VM) NextOp(t *runtime.Thread) (line int, op string, ok bool) {
	th, isVM := t.Ctx.(*threadCtx)
	if !isVM || len(th.frames) == 0 || t.State == runtime.ThreadDone {
		return 0, "", false
	}
	fr := th.top()
	if fr.pc >= len(fr.fn.Code) {
		return 0, "", false
	}
	if pos, found := fr.fn.PosAt(fr.pc); found {
		line = pos.Line
	}
	return line, vm.insnText(fr.fn, fr.pc), true
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

// Globals returns p's globals with their addresses, in the order
// declared (runtime.ViewLang).
func (vm *VM) Globals(p *runtime.Process) []runtime.Slot {
	var out []runtime.Slot
	for _, g := range vm.prog.Globals {
		seg := p.Data
		if g.Bss {
			seg = p.Bss
		}
		if seg == nil {
			continue
		}
		a := seg.Start + 8*uint64(g.Index)
		if a+8 > seg.End {
			// Declared (in the REPL) after p's segments were made: p
			// has no word for it.
			continue
		}
		out = append(out, runtime.Slot{Name: g.Name, Addr: a})
	}
	return out
}

// BlockFields names the words of heap block b of p as the language lays
// them out: an object literal's fields in the order written, an array
// literal's elements, and an alloc's words as p[0], p[1]... index them,
// 8 bytes each from the block's address (runtime.ViewLang).
func (vm *VM) BlockFields(p *runtime.Process, b mem.Block, max int) (string, []runtime.Slot, int) {
	kind, n := "block", int(b.Size/8)
	var names []string
	if pc, ok := p.Ctx.(*procCtx); ok {
		if info, ok := pc.objects[b.Addr]; ok {
			kind, n = "array", info.n
			if info.shape != nil {
				kind, names = "object", info.shape.Fields
			}
		}
	}
	out := make([]runtime.Slot, 0, min(n, max))
	for i := 0; i < n && i < max; i++ {
		name := fmt.Sprintf("[%d]", i)
		if i < len(names) {
			name = names[i]
		}
		out = append(out, runtime.Slot{Name: name, Addr: b.Addr + 8*uint64(i)})
	}
	return kind, out, n
}

// Reachable returns the ids of p's live blocks reachable from its roots:
// those the leak report counts, and the values its threads hold on their
// operand stacks, for a block just made is held there before it is
// stored anywhere (runtime.ViewLang).
func (vm *VM) Reachable(p *runtime.Process) map[uint64]bool {
	live := p.Heap.Live()
	if len(live) == 0 {
		return nil
	}
	var regs []mem.Value
	for _, t := range p.Threads {
		if th, ok := t.Ctx.(*threadCtx); ok && t.State != runtime.ThreadDone {
			regs = append(regs, th.ops[:th.sp]...)
		}
	}
	return reachable(p, live, regs)
}
