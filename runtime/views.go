package runtime

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"proc/runtime/mem"
)

// The views: what `show` prints, the REPL's :ps, :threads, :stack, :heap,
// :maps and :stats, and the statistics at the end of a run (the timeline
// is in gantt.go). Each is a block of lines read off the machine's state;
// what only the language knows (the functions and lines of a thread's
// frames, where a heap block was allocated) comes from the machine's Lang.

// ViewLang is what the views ask of the language that runs on the
// machine (a part of Lang): the kernel knows a thread's stack and a
// process's heap as memory, the language knows what they hold.
type ViewLang interface {
	// InsnBytes is the size of an instruction in the text segment.
	InsnBytes() uint64
	// CodeAt returns the function and source line of a code address;
	// ok is false when no function's code holds it.
	CodeAt(addr uint64) (fn string, line int, ok bool)
	// Line returns the source line t is at, 0 when it is not known.
	Line(t *Thread) int
	// Frames returns t's frames, innermost first: nil when the
	// language keeps none for it.
	Frames(t *Thread) []Frame
	// AllocSite returns where in the source p allocated the heap block
	// with the given id, "" when that is not known.
	AllocSite(p *Process, block uint64) string
	// Globals returns p's globals, in the order declared: each one's
	// name and the address of its word in data or bss.
	Globals(p *Process) []Slot
	// BlockFields says what p's live heap block b holds: kind is
	// "object" (its fields by name), "array" (its elements "[0]",
	// "[1]"...) or "block" (the words of an alloc, named as an array's).
	// It returns the first max of them, with their addresses, and how
	// many there are in all.
	BlockFields(p *Process, b mem.Block, max int) (kind string, fields []Slot, total int)
	// Reachable returns the ids of p's live heap blocks that a chain of
	// pointers reaches from a root (a global, a word of a stack, a value
	// a thread of p holds in the middle of an expression); the others
	// are leaked. nil when p has no live block.
	Reachable(p *Process) map[uint64]bool
}

// Frame is one activation on a thread's stack as the language lays it
// out: the saved frame pointer at FP, the return address above it, the
// slots below.
type Frame struct {
	Func  string // the function's name
	Line  int    // the source line it is at (0: not known)
	FP    uint64 // the address of the saved frame pointer
	Ret   uint64 // the return address (0: the thread's first frame)
	Slots []Slot
}

// Slot is a named word of a frame.
type Slot struct {
	Name string
	Addr uint64
}

// Show emits view (one of the words of the language's `show`) as t sees
// it: a block of lines titled after the view, always shown, for they are
// what the script asked for.
func (m *Machine) Show(t *Thread, view string) {
	var title string
	var lines []string
	p := t.Proc
	lang := m.lang
	switch view {
	case "maps":
		title = fmt.Sprintf("show maps (pid %d)", p.PID)
		lines = m.MapsView(p)
	case "pagetable":
		pt := p.Space.PageTable()
		title = fmt.Sprintf("show pagetable (pid %d, %d pages with a frame)", p.PID, len(pt))
		lines = m.PageTableView(p)
	case "tlb":
		title = "show tlb"
		lines = m.TLBView()
	case "stack":
		frames := lang.Frames(t)
		title = fmt.Sprintf("show stack (thread %d/%d, %d frames, innermost first)", p.PID, t.TID, len(frames))
		lines = m.stackLines(t, frames)
	case "heap":
		title = fmt.Sprintf("show heap (pid %d)", p.PID)
		lines = m.HeapView(p)
	case "ps":
		title = "show ps"
		lines = m.PsView()
	case "threads":
		title = "show threads"
		lines = m.ThreadsView()
	case "files":
		title = "show files"
		lines = m.FilesView()
	case "stats":
		title = "show stats"
		lines = m.StatsTable()
	default:
		panic("show: no view " + view)
	}
	m.Emit(t, &Event{Cat: CatOutput, Ev: "show", Text: title, More: lines,
		Fields: []Field{{Key: "view", Val: view}}})
}

// MapsView renders a process's address space like /proc/PID/maps:
// start-end perms offset name, and a note on what each segment holds.
func (m *Machine) MapsView(p *Process) []string {
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
		out = append(out, fmt.Sprintf("%08x-%08x %s %08x %-10s %s", s.Start, s.End, s.Perm, 0, name, segNote(p, s, m.lang)))
	}
	return out
}

// PageTableView renders a process's page table: each page that has a
// frame, the frame and its physical address, the segment, and whether
// another process maps the same frame (code, shared memory, a page still
// shared copy-on-write after a fork).
func (m *Machine) PageTableView(p *Process) []string {
	pt := p.Space.PageTable()
	if len(pt) == 0 {
		return []string{"no page has a frame"}
	}
	// Who else maps each of these frames.
	mine := map[mem.Frame]bool{}
	for _, e := range pt {
		mine[e.Frame] = true
	}
	others := map[mem.Frame][]int{}
	for _, q := range m.running {
		if q == p {
			continue
		}
		for _, e := range q.Space.PageTable() {
			if mine[e.Frame] && !slices.Contains(others[e.Frame], q.PID) {
				others[e.Frame] = append(others[e.Frame], q.PID)
			}
		}
	}
	out := []string{"virtual       physical  frame  perm  segment"}
	for _, e := range pt {
		// The segments on the page: data and bss may share one.
		var names []string
		perm := "----"
		for _, s := range p.Space.Segments() {
			if s.Start >= e.Page+mem.PageSize || s.End <= e.Page {
				continue
			}
			name := s.Name
			if s.Kind == mem.SegStack && s.End != mem.StackTop {
				name = fmt.Sprintf("[stack:%d]", s.TID)
			}
			if len(names) == 0 {
				perm = s.Perm.String()
			}
			names = append(names, name)
		}
		name := strings.Join(names, "+")
		var notes []string
		if p.Space.CopyOnWrite(e.Page) {
			notes = append(notes, "copy-on-write")
		}
		if pids := others[e.Frame]; len(pids) > 0 {
			var b strings.Builder
			for i, pid := range pids {
				if i > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "%d", pid)
			}
			notes = append(notes, "also mapped by pid "+b.String())
		}
		out = append(out, strings.TrimRight(fmt.Sprintf("%-12s  %08x  %5d  %s  %-10s %s", fmt.Sprintf("%08x", e.Page), e.Frame.Addr(), e.Frame, perm, name, strings.Join(notes, ", ")), " "))
	}
	return out
}

func segNote(p *Process, s *mem.Segment, lang ViewLang) string {
	size := s.End - s.Start
	switch s.Kind {
	case mem.SegText:
		if p.Image != nil {
			return fmt.Sprintf("%d bytes of code (%d instructions)", p.Image.TextSize, p.Image.TextSize/lang.InsnBytes())
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
			if t.Stack == s && t.State != ThreadDone {
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
func (m *Machine) StackView(t *Thread) []string {
	return m.stackLines(t, m.lang.Frames(t))
}

func (m *Machine) stackLines(t *Thread, frames []Frame) []string {
	var out []string
	w := t.Stack
	for depth, fr := range frames {
		out = append(out, fmt.Sprintf("#%d %s  frame=%s  line %d", depth, fr.Func, mem.Hex(fr.FP), fr.Line))
		out = append(out, fmt.Sprintf("   %s  return address  %s", mem.Hex(fr.FP+8), retNote(fr.Ret, m.lang)))
		out = append(out, fmt.Sprintf("   %s  saved fp        %s", mem.Hex(fr.FP), m.lang.Format(w.Get(fr.FP))))
		for _, s := range fr.Slots {
			out = append(out, fmt.Sprintf("   %s  %-14s  %s", mem.Hex(s.Addr), s.Name, m.lang.Quote(w.Get(s.Addr))))
		}
	}
	return out
}

func retNote(ret uint64, lang ViewLang) string {
	if ret == 0 {
		return "0x0 (none: first frame of the thread)"
	}
	if fn, line, ok := lang.CodeAt(ret); ok {
		return fmt.Sprintf("%s (in %s, line %d)", mem.Hex(ret), fn, line)
	}
	return mem.Hex(ret)
}

// HeapView renders a process's heap: every block, the free list, and how
// fragmented the free space is.
func (m *Machine) HeapView(p *Process) []string {
	h := p.Heap
	cfg := m.cfg
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
		if s := m.lang.AllocSite(p, b.ID); s != "" {
			where = "allocated at " + s
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
func (m *Machine) PsView() []string {
	type row struct {
		pid, ppid, live  int
		state, name, why string
	}
	var rows []row
	nameW := len("NAME")
	for _, p := range m.Living() {
		live := 0
		for _, t := range p.Threads {
			if t.State != ThreadDone {
				live++
			}
		}
		state, by := p.Status()
		why := ""
		switch {
		case p.State == ProcZombie:
			why = fmt.Sprintf("its parent %d to wait", p.PPID)
		case by != nil && by.waitingFor != "" && (state == "blocked" || state == "sleeping"):
			why = by.waitingFor
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
func (m *Machine) ThreadsView() []string {
	rows := [][]string{{"PID", "TID", "STATE", "LINE", "STACK", "WAITING FOR"}}
	ths := append([]*Thread(nil), m.threads...)
	sort.Slice(ths, func(i, j int) bool { return ths[i].TID < ths[j].TID })
	for _, t := range ths {
		if t.State == ThreadDone {
			continue
		}
		line := ""
		if l := m.lang.Line(t); l > 0 {
			line = fmt.Sprint(l)
		}
		stack := ""
		if t.Stack != nil {
			stack = fmt.Sprintf("%s-%s", mem.Hex(t.Stack.Start), mem.Hex(t.Stack.End))
		}
		rows = append(rows, []string{fmt.Sprint(t.Proc.PID), fmt.Sprint(t.TID), t.Status(), line, stack, t.waitingFor})
	}
	// The narrow columns keep the widths show ps has; a stack range is
	// wider than any fixed width would guess (a thread's stack sits at
	// 0x7eff..., 14 digits), so every width follows the widest cell.
	return columns(rows, []int{5, 5, 8, 6, 0, 0}, 2)
}

// FilesView lists the virtual file system of every host: each file, its
// size and its words.
func (m *Machine) FilesView() []string {
	var out []string
	for _, h := range m.Hosts() {
		var names []string
		for n := range h.Files {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			f := h.Files[n]
			maps := "mappings"
			if f.maps == 1 {
				maps = "mapping"
			}
			out = append(out, fmt.Sprintf("%s:%s  %d bytes, %d shared %s", h.Name, n, f.Size, f.maps, maps))
			line := ""
			shown, scanned := 0, 0
			for i, w := range f.Words {
				scanned = i + 1
				if w == (mem.Value{}) {
					continue
				}
				if shown == 16 {
					line += " ..."
					break
				}
				line += fmt.Sprintf(" [%d]=%s", i*8, m.lang.Quote(w))
				shown++
			}
			// Looking through a mostly empty file is work its few lines
			// of view do not show: it counts as bytes compared.
			m.Copy(8 * int64(scanned))
			if line == "" {
				line = " (all zero)"
			}
			out = append(out, "  "+line[1:])
		}
	}
	if len(out) == 0 {
		out = append(out, "no files")
	}
	return out
}

// StatsTable renders the statistics as a table: a row per process, a row
// per thread, the rule that ties them together, and the machine's totals.
func (m *Machine) StatsTable() []string {
	out := []string{fmt.Sprintf("%5s %-10s %6s %-7s %7s %7s %7s %7s %7s %7s %7s %8s %5s %7s",
		"PID", "NAME", "EXIT", "SIGNAL", "ARRIVAL", "FIRST", "FINISH", "TURN", "RESP", "WAIT", "CPU", "HEAPPEAK", "COW", "COPIED")}
	for i, s := range m.Stats() {
		if i == MaxReportRows {
			out = append(out, fmt.Sprintf("... and %d more processes", len(m.procs)-i))
			break
		}
		sig := s.Signal
		if sig == "" {
			sig = "-"
		}
		out = append(out, fmt.Sprintf("%5d %-10s %6d %-7s %7d %7d %7d %7d %7d %7d %7d %8d %5d %7d",
			s.PID, s.Name, s.Exit, sig, s.Arrival, s.FirstRun, s.Finish, s.Turnaround, s.Response, s.Wait, s.CPU, s.HeapPeak, s.COW, s.Copied))
	}
	head := fmt.Sprintf("%5s %5s %-10s %7s %7s %7s %7s %7s %7s %8s %8s",
		"TID", "PID", "NAME", "START", "END", "LIFE", "CPU", "READY", "BLOCKED", "SLEEPING", "SWITCHES")
	if m.multi {
		head += fmt.Sprintf(" %10s", "MIGRATIONS")
	}
	out = append(out, head)
	for i, s := range m.ThreadStats() {
		if i == MaxReportRows {
			out = append(out, fmt.Sprintf("... and %d more threads", len(m.threads)-i))
			break
		}
		row := fmt.Sprintf("%5d %5d %-10s %7d %7d %7d %7d %7d %7d %8d %8d",
			s.TID, s.PID, s.Name, s.Start, s.End, s.End-s.Start, s.CPU, s.Ready, s.Blocked, s.Sleeping, s.Switches)
		if m.multi {
			row += fmt.Sprintf(" %10d", s.Migrations)
		}
		out = append(out, row)
	}
	out = append(out, "a process's WAIT and CPU add up its threads' READY and CPU; a thread's LIFE = END - START = CPU + READY + BLOCKED + SLEEPING")
	busy := m.BusyNow()
	util := 0.0
	if m.clock > 0 {
		util = 100 * float64(busy) / float64(m.clock)
	}
	if m.multi {
		out = append(out, m.cpuLines(busy)...)
	} else {
		out = append(out, fmt.Sprintf("ticks %d: busy %d (%.1f%% CPU utilization), idle %d, switching %d", m.clock, busy, util, m.idleTicks, m.switchTicks))
	}
	if m.WarmOn() {
		out = append(out, m.warmLine())
	}
	out = append(out,
		fmt.Sprintf("switches: %d process (cost %d each), %d thread (cost %d each); %d instructions", m.switches[1], m.cfg.CostSwitchProcess, m.switches[0], m.cfg.CostSwitchThread, m.steps))
	if m.hw {
		out = append(out, m.hwTable()...)
	}
	return out
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
