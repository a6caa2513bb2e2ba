package interp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"proc/runtime"
	"proc/runtime/mem"
)

// snapSession boots prog with sets, the trace discarded, and runs it to
// step (RunTo): the machine stays there for the test to look at.
func snapSession(t *testing.T, prog *Program, sets []string, step int64) (*Session, *runtime.Snapshot) {
	t.Helper()
	s, err := NewSession(prog, Options{Trace: runtime.CatAll, Sets: sets, Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	s.RunTo(step)
	return s, s.M.Snapshot()
}

// loadExample compiles examples/NAME.proc.
func loadExample(t testing.TB, name string) *Program {
	t.Helper()
	path := filepath.Join("..", "examples", name+".proc")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := Load(path, src)
	if err != nil {
		t.Fatal(err)
	}
	return prog
}

// runSteps returns how many instructions a whole run of prog executes.
func runSteps(t *testing.T, prog *Program, sets []string) int64 {
	t.Helper()
	s, err := NewSession(prog, Options{Trace: runtime.CatAll, Sets: sets, Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	s.Run()
	return s.M.Steps()
}

func parseHex(t *testing.T, s string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 64)
	if err != nil || !strings.HasPrefix(s, "0x") {
		t.Fatalf("not an address: %q", s)
	}
	return n
}

// checkViews compares the snapshot with what show maps, show stack, show
// heap, show ps and show threads print of the same machine: the same
// segments, frames, slots and values, blocks and free lists.
func checkViews(t *testing.T, what string, s *Session, snap *runtime.Snapshot) {
	t.Helper()
	m := s.M
	if snap.Step != m.Steps() || snap.Tick != m.Now() {
		t.Errorf("%s: step %d tick %d, the machine is at %d, %d", what, snap.Step, snap.Tick, m.Steps(), m.Now())
	}
	ps := m.PsView()[1:]
	if len(ps) != len(snap.Processes) {
		t.Errorf("%s: %d processes, show ps lists %d", what, len(snap.Processes), len(ps))
	}
	for i, sp := range snap.Processes {
		if i < len(ps) {
			f := strings.Fields(ps[i])
			if f[0] != fmt.Sprint(sp.PID) || f[1] != fmt.Sprint(sp.PPID) || f[2] != sp.State {
				t.Errorf("%s: process %+v, show ps says %q", what, sp, ps[i])
			}
		}
		p := m.Proc(sp.PID)
		if sp.Zombie {
			if len(sp.Segments) != 0 || sp.Heap != nil || sp.Exit == nil || *sp.Exit != p.ExitStatus {
				t.Errorf("%s: zombie %d: %+v", what, sp.PID, sp)
			}
			continue
		}
		var maps []string
		for _, seg := range sp.Segments {
			maps = append(maps, fmt.Sprintf("%08x-%08x %s %08x %-10s %s", parseHex(t, seg.Start), parseHex(t, seg.End), seg.Perm, 0, seg.Name, seg.Note))
		}
		if want := m.MapsView(p); strings.Join(maps, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: the segments of %d:\n%s\nshow maps:\n%s", what, sp.PID, strings.Join(maps, "\n"), strings.Join(want, "\n"))
		}
		h := sp.Heap
		coal := "off"
		if h.Coalesce {
			coal = "on"
		}
		heap := []string{fmt.Sprintf("heap %s-%s (%d bytes), policy %s, align %d, header %d, coalescing %s", h.Base, h.Top, h.Size, h.Policy, h.Align, h.Header, coal)}
		if len(h.Blocks) == 0 {
			heap = append(heap, "no live blocks")
		}
		for _, b := range h.Blocks {
			where := ""
			if b.Site != "" {
				where = "allocated at " + b.Site
			}
			heap = append(heap, fmt.Sprintf("  block %s  %5d bytes  [%s-%s)  %s", b.Addr, b.Size, b.Start, b.End, where))
			if b.ID != "p"+fmt.Sprint(sp.PID)+":block:"+b.Addr {
				t.Errorf("%s: block id %s at %s", what, b.ID, b.Addr)
			}
			// The fields as the program reads them, through the
			// address space.
			for _, f := range b.Fields {
				a := parseHex(t, f.Addr)
				if a < parseHex(t, b.Addr) || a+8 > parseHex(t, b.Addr)+b.Size {
					t.Errorf("%s: field %s at %s outside its block %s (%d bytes)", what, f.Name, f.Addr, b.Addr, b.Size)
				}
				if v, fault := p.Space.Load(a); fault != nil || Quote(v) != f.Value.V {
					t.Errorf("%s: field %s at %s = %s, a load reads %s (%v)", what, f.Name, f.Addr, f.Value.V, Quote(v), fault)
				}
			}
		}
		var free []string
		for _, c := range h.Free {
			free = append(free, fmt.Sprintf("[%s, %d]", c.Start, c.Size))
		}
		heap = append(heap, "free list: "+strings.Join(free, " "))
		heap = append(heap, fmt.Sprintf("in use %d bytes in %d blocks; free %d bytes in %d chunks, largest %d; fragmentation %d%%",
			h.InUse, len(h.Blocks), h.FreeBytes, len(h.Free), h.LargestFree, h.Fragmentation))
		if want := m.HeapView(p); strings.Join(heap, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: the heap of %d:\n%s\nshow heap:\n%s", what, sp.PID, strings.Join(heap, "\n"), strings.Join(want, "\n"))
		}
		// The globals, where the program keeps them.
		var gs []string
		for _, g := range s.Prog.Globals {
			seg, name := p.Data, "data"
			if g.Bss {
				seg, name = p.Bss, "bss"
			}
			a := seg.Start + 8*uint64(g.Index)
			gs = append(gs, fmt.Sprintf("%s %s %s %s", g.Name, mem.Hex(a), name, Quote(seg.Get(a))))
		}
		var got []string
		for _, g := range sp.Globals {
			got = append(got, fmt.Sprintf("%s %s %s %s", g.Name, g.Addr, g.Seg, g.Value.V))
		}
		if strings.Join(got, "\n") != strings.Join(gs, "\n") {
			t.Errorf("%s: the globals of %d:\n%s\nwant:\n%s", what, sp.PID, strings.Join(got, "\n"), strings.Join(gs, "\n"))
		}
	}
	rows := m.ThreadsView()[1:]
	if len(rows) != len(snap.Threads) {
		t.Errorf("%s: %d threads, show threads lists %d", what, len(snap.Threads), len(rows))
	}
	for i, st := range snap.Threads {
		if i < len(rows) {
			f := strings.Fields(rows[i])
			if f[0] != fmt.Sprint(st.PID) || f[1] != fmt.Sprint(st.TID) || f[2] != st.State ||
				!strings.HasSuffix(rows[i], st.WaitingFor) || !strings.Contains(rows[i], st.Stack.Start+"-"+st.Stack.End) {
				t.Errorf("%s: thread %+v, show threads says %q", what, st, rows[i])
			}
		}
		var stack []string
		for d, fr := range st.Frames {
			stack = append(stack, fmt.Sprintf("#%d %s  frame=%s  line %d", d, fr.Func, fr.FP, fr.Line))
			stack = append(stack, fmt.Sprintf("   %s  return address  %s", mem.Hex(parseHex(t, fr.FP)+8), fr.RetNote))
			stack = append(stack, fmt.Sprintf("   %s  saved fp        %s", fr.FP, fr.SavedFP))
			for _, sl := range fr.Slots {
				stack = append(stack, fmt.Sprintf("   %s  %-14s  %s", sl.Addr, sl.Name, sl.Value.V))
			}
		}
		if want := m.StackView(m.Thread(st.TID)); strings.Join(stack, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: the frames of %d:\n%s\nshow stack:\n%s", what, st.TID, strings.Join(stack, "\n"), strings.Join(want, "\n"))
		}
	}
}

// checkIDs checks that every id a snapshot refers to is one it lists, that
// ids are unique, and that a pointer leads where its address is: into a
// block, to a variable's word or a segment of its own process, or, when a
// load through it would fault there, nowhere (dangling).
func checkIDs(t *testing.T, what string, m *runtime.Machine, snap *runtime.Snapshot) {
	t.Helper()
	ids := map[string]bool{}
	add := func(id string) {
		if id == "" || ids[id] {
			t.Errorf("%s: id %q empty or listed twice", what, id)
		}
		ids[id] = true
	}
	type where struct{ lo, hi uint64 }
	span := map[string]where{}
	for _, p := range snap.Processes {
		add(p.ID)
		for _, s := range p.Segments {
			add(s.ID)
			span[s.ID] = where{parseHex(t, s.Start), parseHex(t, s.End)}
		}
		for _, g := range p.Globals {
			add(g.ID)
			a := parseHex(t, g.Addr)
			span[g.ID] = where{a, a + 8}
		}
		if p.Heap != nil {
			for _, b := range p.Heap.Blocks {
				add(b.ID)
				a := parseHex(t, b.Addr)
				span[b.ID] = where{a, a + max(b.Size, 1)}
			}
		}
	}
	for _, th := range snap.Threads {
		add(th.ID)
		for _, f := range th.Frames {
			for _, s := range f.Slots {
				add(s.ID)
				a := parseHex(t, s.Addr)
				span[s.ID] = where{a, a + 8}
			}
		}
	}
	k := snap.Kernel
	for _, o := range k.Pipes {
		add(o.ID)
	}
	for _, o := range k.Queues {
		add(o.ID)
	}
	for _, o := range k.Mutexes {
		add(o.ID)
	}
	for _, o := range k.Semaphores {
		add(o.ID)
	}
	for _, o := range k.Conds {
		add(o.ID)
	}
	for _, o := range k.Sockets {
		add(o.ID)
	}
	for _, o := range k.Listeners {
		add(o.ID)
	}
	for _, o := range k.Shm {
		add(o.ID)
	}
	for _, o := range k.Files {
		add(o.ID)
	}
	known := func(id, of string) {
		if id != "" && !ids[id] {
			t.Errorf("%s: %s refers to %q, which the snapshot does not list", what, of, id)
		}
	}
	value := func(pid int, v runtime.SnapValue, of string) {
		switch v.K {
		case "ptr":
			a := parseHex(t, v.Ptr)
			if (v.To == "") == !v.Dangling {
				t.Errorf("%s: %s: a pointer with to %q and dangling %t", what, of, v.To, v.Dangling)
			}
			if v.To != "" {
				known(v.To, of)
				if !strings.HasPrefix(v.To, fmt.Sprintf("p%d:", pid)) {
					t.Errorf("%s: %s of process %d points into %s", what, of, pid, v.To)
				}
				if w := span[v.To]; a < w.lo || a >= w.hi {
					t.Errorf("%s: %s = %s points to %s [%x, %x)", what, of, v.Ptr, v.To, w.lo, w.hi)
				}
			}
			if a%8 == 0 {
				// Dangling when, and only when, a load faults.
				if _, fault := m.Proc(pid).Space.Load(a); (fault != nil) != v.Dangling {
					t.Errorf("%s: %s = %s dangling %t, a load there: %v", what, of, v.Ptr, v.Dangling, fault)
				}
			}
		case "handle":
			if v.Obj == "" {
				t.Errorf("%s: %s: a handle %s with no object", what, of, v.V)
			}
			known(v.Obj, of)
		}
	}
	for _, p := range snap.Processes {
		for _, s := range p.Segments {
			known(s.Shared, s.ID)
			known(s.CopyOf, s.ID)
			for _, w := range s.Words {
				value(p.PID, w.Value, s.ID+"+"+fmt.Sprint(w.Off))
			}
		}
		for _, g := range p.Globals {
			value(p.PID, g.Value, g.ID)
		}
		if p.Heap != nil {
			for _, b := range p.Heap.Blocks {
				for _, f := range b.Fields {
					value(p.PID, f.Value, b.ID+"."+f.Name)
				}
			}
		}
		for _, fd := range p.Files {
			known(fd.Object, fmt.Sprintf("fd %d of %d", fd.FD, p.PID))
		}
	}
	for _, th := range snap.Threads {
		known(th.WaitsOn, th.ID)
		for _, f := range th.Frames {
			for _, s := range f.Slots {
				value(th.PID, s.Value, s.ID+" ("+s.Name+")")
			}
		}
	}
	for _, s := range k.Sockets {
		known(s.Peer, s.ID)
	}
	for _, l := range k.Listeners {
		for _, s := range l.Pending {
			known(s, l.ID)
		}
	}
}

// snapExamples are the examples whose snapshots are compared with the
// views at every step of their run.
var snapExamples = []string{
	"02-memory-layout", "03-stack-frames", "04-heap-first-fit", "06-leak", "08-values-and-references",
	"09-process-isolation", "10-threads-share", "11-fork-cow", "12-zombie-orphan", "23-pipe", "24-mqueue",
	"25-shm-semaphores", "26-mmap-file", "27-sockets", "28-mutex", "29-bounded-buffer", "30-dining-philosophers",
	"39-fork-threads",
}

// TestSnapshotMatchesViews takes the snapshot of examples at every step
// of their runs, and at the end, and compares it with the views of the
// same machine; every id it refers to is one it lists.
func TestSnapshotMatchesViews(t *testing.T) {
	t.Parallel()
	for _, name := range snapExamples {
		prog := loadExample(t, name)
		total := runSteps(t, prog, nil)
		stride := max(total/300, 1)
		if testing.Short() {
			stride = max(total/20, 1)
		}
		for step := int64(0); step <= total+1; step += stride {
			s, snap := snapSession(t, prog, nil, step)
			what := fmt.Sprintf("%s at step %d", name, step)
			checkViews(t, what, s, snap)
			checkIDs(t, what, s.M, snap)
			if snap.Ended != (step >= total) {
				t.Errorf("%s of %d: ended %t", what, total, snap.Ended)
			}
			if t.Failed() {
				return
			}
		}
	}
}

// TestSnapshotCorpus checks the snapshot of every example and exercise
// here and there in its run, under two schedulers.
func TestSnapshotCorpus(t *testing.T) {
	t.Parallel()
	for name, src := range corpus(t) {
		prog, err := Load(name, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, sets := range [][]string{{"max_steps=100000"}, {"max_steps=100000", "quantum=2"}} {
			total := runSteps(t, prog, sets)
			for _, step := range []int64{0, 1, total / 3, total / 2, total - 1, total} {
				s, snap := snapSession(t, prog, sets, step)
				what := fmt.Sprintf("%s %v at step %d", name, sets, step)
				checkViews(t, what, s, snap)
				checkIDs(t, what, s.M, snap)
			}
		}
	}
}

// TestSnapshotPointerOfAnotherProcess follows the parent's pointer that
// example 09 hands its children: in a child it is only a number, dangling
// until the child allocates a block of its own at that address, and then
// it points into the child's block, never into the parent's.
func TestSnapshotPointerOfAnotherProcess(t *testing.T) {
	t.Parallel()
	prog := loadExample(t, "09-process-isolation")
	total := runSteps(t, prog, nil)
	seen := map[string]int{}
	for step := int64(0); step <= total; step++ {
		_, snap := snapSession(t, prog, nil, step)
		for _, th := range snap.Threads {
			if th.PID == 1 {
				continue
			}
			for _, f := range th.Frames {
				for _, sl := range f.Slots {
					if f.Func != "child" || sl.Name != "ptr" {
						continue
					}
					switch v := sl.Value; {
					case v.Dangling:
						seen["dangling"]++
					case v.To == fmt.Sprintf("p%d:block:0x402010", th.PID):
						seen["own block"]++
					default:
						t.Fatalf("step %d: the parent's pointer in %d: %+v", step, th.PID, v)
					}
				}
			}
		}
		for _, p := range snap.Processes {
			for _, g := range p.Globals {
				if g.Name == "value" && g.Addr != "0x401000" {
					t.Errorf("step %d: value of %d at %s", step, p.PID, g.Addr)
				}
			}
		}
	}
	if seen["dangling"] == 0 || seen["own block"] == 0 {
		t.Errorf("the pointer was seen %v", seen)
	}
}

// TestSnapshotSharedMemory: in example 25 the one shared segment is
// mapped at a different address in each process, the same object in
// both; each process's buf points into its own mapping.
func TestSnapshotSharedMemory(t *testing.T) {
	t.Parallel()
	prog := loadExample(t, "25-shm-semaphores")
	total := runSteps(t, prog, nil)
	both := 0
	for step := int64(0); step <= total; step++ {
		_, snap := snapSession(t, prog, nil, step)
		maps := map[int]string{}
		for _, p := range snap.Processes {
			for _, s := range p.Segments {
				if s.Kind == "shm" {
					if s.Shared != "shm:local:buffer" {
						t.Fatalf("step %d: %s shows %q", step, s.ID, s.Shared)
					}
					maps[p.PID] = s.ID
				}
			}
		}
		for _, th := range snap.Threads {
			for _, f := range th.Frames {
				for _, sl := range f.Slots {
					if sl.Name == "buf" && sl.Value.K == "ptr" && sl.Value.To != maps[th.PID] {
						t.Errorf("step %d: buf of %d points to %q, its mapping is %s", step, th.PID, sl.Value.To, maps[th.PID])
					}
				}
			}
		}
		if len(maps) == 2 {
			both++
			if maps[1] == maps[2] {
				t.Errorf("step %d: one address in both: %v", step, maps)
			}
			for _, o := range snap.Kernel.Shm {
				if o.Name == "buffer" && (len(o.MappedBy) != 2 || o.Mappings != 2) {
					t.Errorf("step %d: %+v", step, o)
				}
			}
			if len(snap.Kernel.Semaphores) != 2 {
				t.Errorf("step %d: semaphores %+v", step, snap.Kernel.Semaphores)
			}
		}
	}
	if both == 0 {
		t.Error("never mapped in both processes")
	}
}

// TestSnapshotCopyOnWrite: right after example 11's fork the written
// pages are shared copy-on-write by both processes; once the child writes
// a page, neither lists it.
func TestSnapshotCopyOnWrite(t *testing.T) {
	t.Parallel()
	prog := loadExample(t, "11-fork-cow")
	total := runSteps(t, prog, nil)
	cow := func(snap *runtime.Snapshot, pid int, kind string) []string {
		for _, p := range snap.Processes {
			if p.PID == pid {
				for _, s := range p.Segments {
					if s.Kind == kind {
						return s.COWPages
					}
				}
			}
		}
		return nil
	}
	var after, end *runtime.Snapshot
	for step := int64(0); step <= total && end == nil; step++ {
		_, snap := snapSession(t, prog, nil, step)
		if after == nil && len(snap.Processes) == 2 {
			after = snap
		}
		for _, p := range snap.Processes {
			if p.PID == 2 && len(p.Globals) > 0 && p.Globals[0].Value.V == "100" {
				end = snap
			}
		}
	}
	if after == nil || end == nil {
		t.Fatal("no fork, or the child never wrote g")
	}
	for _, kind := range []string{"data", "heap", "stack"} {
		if c1, c2 := cow(after, 1, kind), cow(after, 2, kind); len(c1) == 0 || fmt.Sprint(c1) != fmt.Sprint(c2) {
			t.Errorf("step %d, right after the fork: %s pages shared %v and %v", after.Step, kind, c1, c2)
		}
	}
	for _, pid := range []int{1, 2} {
		if c := cow(end, pid, "data"); len(c) != 0 {
			t.Errorf("step %d: process %d still shares its data page %v after the child's write", end.Step, pid, c)
		}
	}
}

// TestSnapshotKernelObjects looks at the pipe of example 23 holding bytes,
// the mutex of example 28 held and waited for, and the deadlock that ends
// example 30.
func TestSnapshotKernelObjects(t *testing.T) {
	t.Parallel()
	prog := loadExample(t, "23-pipe")
	total := runSteps(t, prog, nil)
	full := false
	for step := int64(0); step <= total; step++ {
		_, snap := snapSession(t, prog, nil, step)
		for _, pp := range snap.Kernel.Pipes {
			if pp.Bytes > 0 {
				full = true
				if !strings.HasPrefix(pp.Data, `"item`) || pp.Capacity != 4096 || len(pp.Readers) == 0 {
					t.Errorf("step %d: %+v", step, pp)
				}
			}
		}
	}
	if !full {
		t.Error("the pipe never held a byte")
	}

	prog = loadExample(t, "28-mutex")
	total = runSteps(t, prog, nil)
	waited := false
	for step := int64(0); step <= total && !waited; step++ {
		_, snap := snapSession(t, prog, nil, step)
		for _, mu := range snap.Kernel.Mutexes {
			for _, w := range mu.Waiters {
				waited = true
				if mu.Owner == 0 || mu.Owner == w {
					t.Errorf("step %d: %+v", step, mu)
				}
				for _, th := range snap.Threads {
					if th.TID == w && (th.State != "blocked" || th.WaitsOn != mu.ID) {
						t.Errorf("step %d: waiter %+v", step, th)
					}
				}
			}
		}
	}
	if !waited {
		t.Error("nobody ever waited for the mutex")
	}

	prog = loadExample(t, "30-dining-philosophers")
	_, snap := snapSession(t, prog, nil, 1<<40)
	if !snap.Ended || snap.Stopped != "deadlock" || len(snap.Running) != 0 {
		t.Errorf("the end of a deadlock: ended %t stopped %q running %v", snap.Ended, snap.Stopped, snap.Running)
	}
	blocked := 0
	for _, th := range snap.Threads {
		if th.State == "blocked" && strings.HasPrefix(th.WaitsOn, "p1:mutex:") {
			blocked++
		}
	}
	if blocked < 2 {
		t.Errorf("%d threads blocked on a mutex at the deadlock", blocked)
	}
}

// TestSnapshotDeterministic: the same step of the same run gives the same
// bytes, whether watched in a whole run or reached by RunTo.
func TestSnapshotDeterministic(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"10-threads-share", "25-shm-semaphores", "27-sockets", "29-bounded-buffer"} {
		prog := loadExample(t, name)
		total := runSteps(t, prog, nil)
		for _, step := range []int64{0, total / 3, total / 2, total} {
			var first []byte
			for range 3 {
				_, snap := snapSession(t, prog, nil, step)
				b, err := json.Marshal(snap)
				if err != nil {
					t.Fatal(err)
				}
				if first == nil {
					first = b
				} else if !bytes.Equal(first, b) {
					t.Fatalf("%s at %d: two snapshots differ", name, step)
				}
			}
			if step < total {
				if _, watched := watchedRun(prog, nil, step); watched != string(first) {
					t.Errorf("%s at %d: RunTo's snapshot and the watched one differ\n%s\n%s", name, step, first, watched)
				}
			}
		}
	}
}

// TestSnapshotBounded: a program with a huge array, thousands of blocks
// and hundreds of deep threads gives a snapshot of bounded size, each
// list cut short saying how much it left out.
func TestSnapshotBounded(t *testing.T) {
	t.Parallel()
	prog, err := Load("bounded.proc", []byte(boundedSrc))
	if err != nil {
		t.Fatal(err)
	}
	s, snap := snapSession(t, prog, nil, 1<<40)
	if !snap.Ended || snap.Stopped != "deadlock" {
		t.Fatalf("ended %t, stopped %q", snap.Ended, snap.Stopped)
	}
	b, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 4<<20 {
		t.Errorf("the snapshot is %d bytes", len(b))
	}
	if !snap.Cut || snap.ThreadsOmitted != 301-runtime.SnapMaxThreads {
		t.Errorf("cut %t, %d threads omitted", snap.Cut, snap.ThreadsOmitted)
	}
	h := snap.Processes[0].Heap
	if len(h.Blocks) != runtime.SnapMaxBlocks || h.BlocksOmitted != 2001-runtime.SnapMaxBlocks {
		t.Errorf("%d blocks, %d omitted", len(h.Blocks), h.BlocksOmitted)
	}
	if big := h.Blocks[0]; len(big.Fields) != runtime.SnapMaxFields || big.FieldsOmitted != 50000-runtime.SnapMaxFields {
		t.Errorf("the big block: %d fields, %d omitted", len(big.Fields), big.FieldsOmitted)
	}
	deepest := snap.Threads[1]
	if len(deepest.Frames) != runtime.SnapMaxFrames || deepest.FramesOmitted != 101-runtime.SnapMaxFrames {
		t.Errorf("thread %d: %d frames, %d omitted", deepest.TID, len(deepest.Frames), deepest.FramesOmitted)
	}
	checkIDs(t, "bounded", s.M, snap)
}

// BenchmarkSnapshot takes and encodes the snapshot of example 29 in the
// middle of its run, and of a machine that fills every bound
// (TestSnapshotBounded's).
func BenchmarkSnapshot(b *testing.B) {
	for _, c := range []struct {
		name string
		src  string
		step int64
	}{
		{"example29", "", 300},
		{"bounded", boundedSrc, 1 << 40},
	} {
		var prog *Program
		var err error
		if c.src == "" {
			prog = loadExample(b, "29-bounded-buffer")
		} else if prog, err = Load(c.name+".proc", []byte(c.src)); err != nil {
			b.Fatal(err)
		}
		s, err := NewSession(prog, Options{Trace: runtime.CatAll, Stdout: io.Discard, Stderr: io.Discard})
		if err != nil {
			b.Fatal(err)
		}
		s.RunTo(c.step)
		b.Run(c.name, func(b *testing.B) {
			var n int
			for b.Loop() {
				out, err := json.Marshal(s.M.Snapshot())
				if err != nil {
					b.Fatal(err)
				}
				n = len(out)
			}
			b.ReportMetric(float64(n), "bytes")
		})
	}
}

// boundedSrc is a program with a huge array, thousands of blocks and
// hundreds of deep threads, which ends in a deadlock with them all alive.
const boundedSrc = `
let big = alloc 400000
big[1000] = 7
for i in 0..2000 {
    let b = alloc 8
    b[0] = i
}
let gate = sem(0)
func deep(n, gate) {
    if n == 0 {
        down(gate)
        return 0
    }
    return deep(n - 1, gate) + 1
}
for i in 0..300 {
    thread deep(100, gate)
}
down(gate)
`
