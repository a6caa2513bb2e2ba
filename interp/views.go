package interp

import (
	"fmt"
	"sort"
	"strings"

	"proc/runtime"
	"proc/runtime/mem"
)

// show prints one of the views of `show` as a block of lines. The views
// are what the script asked for, so they are always shown.
func (vm *VM) show(th *threadCtx, v int) {
	name := ViewName(v)
	var title string
	var lines []string
	p := th.rt.Proc
	switch name {
	case "maps":
		title = fmt.Sprintf("show maps (pid %d)", p.PID)
		lines = MapsView(p)
	case "stack":
		title = fmt.Sprintf("show stack (thread %d/%d, %d frames, innermost first)", p.PID, th.rt.TID, len(th.frames))
		lines = vm.StackView(th.rt)
	case "heap":
		title = fmt.Sprintf("show heap (pid %d)", p.PID)
		lines = vm.HeapView(p)
	case "ps":
		title = "show ps"
		lines = PsView(vm.m)
	case "threads":
		title = "show threads"
		lines = vm.ThreadsView()
	case "files":
		title = "show files"
		lines = vm.m.FilesView()
	case "stats":
		title = "show stats"
		lines = vm.m.StatsTable()
	}
	vm.m.Emit(th.rt, &runtime.Event{Cat: runtime.CatOutput, Ev: "show", Text: title, More: lines,
		Fields: []runtime.Field{{Key: "view", Val: name}}})
}

// MapsView renders a process's address space like /proc/PID/maps:
// start-end perms offset name.
func MapsView(p *runtime.Process) []string {
	var out []string
	for _, s := range p.Space.Segments() {
		if s.End <= s.Start {
			continue
		}
		name := s.Name
		if s.Kind == mem.SegStack && s.End != mem.StackTop {
			// A thread's stack is named after the thread that runs on
			// it; the main stack is [stack] whoever runs there, or
			// nobody (a child forked by another thread).
			name = fmt.Sprintf("[stack:%d]", s.TID)
		}
		out = append(out, fmt.Sprintf("%08x-%08x %s %08x %-10s %s", s.Start, s.End, s.Perm, 0, name, segNote(p, s)))
	}
	return out
}

func segNote(p *runtime.Process, s *mem.Segment) string {
	size := s.End - s.Start
	switch s.Kind {
	case mem.SegText:
		if p.Image != nil {
			return fmt.Sprintf("%d bytes of code (%d instructions)", p.Image.TextSize, p.Image.TextSize/InsnBytes)
		}
		return fmt.Sprintf("%d bytes of code", size)
	case mem.SegData:
		return fmt.Sprintf("%d initialized globals", size/8)
	case mem.SegBss:
		return fmt.Sprintf("%d uninitialized globals (zeroed)", size/8)
	case mem.SegHeap:
		return fmt.Sprintf("%d bytes, %d in use", size, p.Heap.InUse())
	case mem.SegStack:
		for _, t := range p.Threads {
			if t.Stack == s && t.State != runtime.ThreadDone {
				return fmt.Sprintf("%d bytes, %d in use", size, s.End-s.SP)
			}
		}
		return fmt.Sprintf("%d bytes, %d in use; thread %d's stack, copied by fork: no thread runs on it", size, s.End-s.SP, s.TID)
	case mem.SegGuard:
		return "guard page"
	case mem.SegShm:
		return fmt.Sprintf("shared memory, %d bytes", size)
	case mem.SegFile:
		if s.Perm&mem.PermShared != 0 {
			return "file mapping, shared"
		}
		return "file mapping, private (copy on write)"
	}
	return ""
}

// StackView renders a thread's frames, innermost first, with the address
// and value of every slot.
func (vm *VM) StackView(t *runtime.Thread) []string {
	th, ok := t.Ctx.(*threadCtx)
	if !ok {
		return nil
	}
	var out []string
	w := th.stack
	for i := len(th.frames) - 1; i >= 0; i-- {
		fr := &th.frames[i]
		pc := fr.pc - 1
		if i == len(th.frames)-1 {
			pc = fr.pc - 1
		}
		line := 0
		if pos, ok := fr.fn.PosAt(pc); ok {
			line = pos.Line
		}
		depth := len(th.frames) - 1 - i
		out = append(out, fmt.Sprintf("#%d %s  frame=%s  line %d", depth, fr.fn.Name, mem.Hex(fr.fp), line))
		out = append(out, fmt.Sprintf("   %s  return address  %s", mem.Hex(fr.fp+8), retNote(vm.prog, fr.ret)))
		out = append(out, fmt.Sprintf("   %s  saved fp        %s", mem.Hex(fr.fp), w.Get(fr.fp).String()))
		for k := 0; k < fr.fn.NSlots; k++ {
			name := fr.fn.Slots[k]
			if name == "" {
				name = "(loop end)"
			}
			a := slotAddr(fr, k)
			out = append(out, fmt.Sprintf("   %s  %-14s  %s", mem.Hex(a), name, w.Get(a).Quote()))
		}
	}
	return out
}

func retNote(p *Program, ret uint64) string {
	if ret == 0 {
		return "0x0 (none: first frame of the thread)"
	}
	if fn, i := p.FuncAt(ret); fn != nil {
		line := 0
		if pos, ok := fn.PosAt(i); ok {
			line = pos.Line
		}
		return fmt.Sprintf("%s (in %s, line %d)", mem.Hex(ret), fn.Name, line)
	}
	return mem.Hex(ret)
}

// HeapView renders a process's heap: every block, the free list, and how
// fragmented the free space is.
func (vm *VM) HeapView(p *runtime.Process) []string {
	h := p.Heap
	pc, _ := p.Ctx.(*procCtx)
	cfg := vm.m.Cfg
	coal := "on"
	if !cfg.HeapCoalesce {
		coal = "off"
	}
	out := []string{fmt.Sprintf("heap %s-%s (%d bytes), policy %s, align %d, header %d, coalescing %s",
		mem.Hex(h.Base()), mem.Hex(h.Top()), h.Size(), cfg.HeapPolicy, cfg.HeapAlign, cfg.HeapHeader, coal)}
	live := h.Live()
	if len(live) == 0 {
		out = append(out, "no live blocks")
	}
	for _, b := range live {
		where := ""
		if pc != nil {
			if s, ok := pc.allocAt.get(b.ID); ok {
				where = "allocated at " + s.String()
			}
		}
		out = append(out, fmt.Sprintf("  block %s  %5d bytes  [%s-%s)  %s", mem.Hex(b.Addr), b.Size, mem.Hex(b.Start), mem.Hex(b.End), where))
	}
	free := h.FreeList()
	var total, largest uint64
	var parts []string
	for _, c := range free {
		total += c.Size
		if c.Size > largest {
			largest = c.Size
		}
		parts = append(parts, fmt.Sprintf("[%s, %d]", mem.Hex(c.Start), c.Size))
	}
	out = append(out, "free list: "+strings.Join(parts, " "))
	frag := 0
	if total > 0 {
		frag = int(100 - largest*100/total)
	}
	out = append(out, fmt.Sprintf("in use %d bytes in %d blocks; free %d bytes in %d chunks, largest %d; fragmentation %d%%",
		h.InUse(), len(live), total, len(free), largest, frag))
	return out
}

// PsView lists the processes like ps, each in the state of its most
// active thread, with what a waiting one waits for.
func PsView(m *runtime.Machine) []string {
	type row struct {
		pid, ppid, live  int
		state, name, why string
	}
	var rows []row
	nameW := len("NAME")
	for _, p := range m.Living() {
		live := 0
		for _, t := range p.Threads {
			if t.State != runtime.ThreadDone {
				live++
			}
		}
		state, by := p.Status()
		why := ""
		switch {
		case p.State == runtime.ProcZombie:
			why = fmt.Sprintf("its parent %d to wait", p.PPID)
		case by != nil && by.WaitingFor != "" && (state == "blocked" || state == "sleeping"):
			why = by.WaitingFor
			if live > 1 {
				// The others wait too: show threads lists them.
				why = fmt.Sprintf("thread %d: %s", by.TID, why)
			}
		}
		rows = append(rows, row{p.PID, p.PPID, live, state, p.Name, why})
		nameW = max(nameW, len(p.Name))
	}
	// The name is as wide as the widest, and two spaces set the free
	// text of the last column apart, as in show threads.
	out := []string{fmt.Sprintf("%5s %5s %-8s %7s  %-*s  %s", "PID", "PPID", "STATE", "THREADS", nameW, "NAME", "WAITING FOR")}
	for _, r := range rows {
		out = append(out, strings.TrimRight(fmt.Sprintf("%5d %5d %-8s %7d  %-*s  %s", r.pid, r.ppid, r.state, r.live, nameW, r.name, r.why), " "))
	}
	return out
}

// ThreadsView lists the threads: state, what a blocked one waits for, the
// line it is at and its stack range.
func (vm *VM) ThreadsView() []string {
	rows := [][]string{{"PID", "TID", "STATE", "LINE", "STACK", "WAITING FOR"}}
	ths := append([]*runtime.Thread(nil), vm.m.Threads()...)
	sort.Slice(ths, func(i, j int) bool { return ths[i].TID < ths[j].TID })
	for _, t := range ths {
		if t.State == runtime.ThreadDone {
			continue
		}
		line := ""
		if th, ok := t.Ctx.(*threadCtx); ok {
			if w := th.where(); w.pos.Line > 0 {
				line = fmt.Sprint(w.pos.Line)
			}
		}
		stack := ""
		if t.Stack != nil {
			stack = fmt.Sprintf("%s-%s", mem.Hex(t.Stack.Start), mem.Hex(t.Stack.End))
		}
		rows = append(rows, []string{fmt.Sprint(t.Proc.PID), fmt.Sprint(t.TID), t.Status(), line, stack, t.WaitingFor})
	}
	// The narrow columns keep the widths show ps has; a stack range is
	// wider than any fixed width would guess (a thread's stack sits at
	// 0x7eff..., 14 digits), so every width follows the widest cell.
	return columns(rows, []int{5, 5, 8, 6, 0, 0}, 2)
}

// columns lays rows out in columns at least as wide as min and as their
// widest cell, the first right of them aligned right and the others left.
// The last column is not padded, and two spaces set it apart: it is free
// text.
func columns(rows [][]string, min []int, right int) []string {
	width := append([]int(nil), min...)
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len(c))
		}
	}
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			switch {
			case i == len(r)-1:
				b.WriteString("  ")
				b.WriteString(c)
			case i < right:
				fmt.Fprintf(&b, "%*s", width[i], c)
			default:
				fmt.Fprintf(&b, "%-*s", width[i], c)
			}
			if i < len(r)-2 {
				b.WriteByte(' ')
			}
		}
		out = append(out, strings.TrimRight(b.String(), " "))
	}
	return out
}
