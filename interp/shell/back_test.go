package shell

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"proc/interp"
	"proc/runtime"
	"proc/runtime/mem"
)

// state is everything the views show of the machine, with its clock and
// its count of instructions: two shells with the same state print the
// same for every command.
func state(t *testing.T, s *Shell) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "steps %d, tick %d, pending %d, trace %s\n", s.m.Steps(), s.m.Now(), s.Pending(), s.TraceText())
	for _, part := range [][]string{s.Ps(), s.Threads(), s.Stats(), s.Settings()} {
		b.WriteString(strings.Join(part, "\n") + "\n")
	}
	if s.t.State != runtime.ThreadDone {
		b.WriteString(strings.Join(s.Vars(), "\n") + "\n")
	}
	for _, th := range s.m.Threads() {
		title, lines, err := s.Stack(th.TID)
		fmt.Fprintf(&b, "%s %v\n%s\n", title, err, strings.Join(lines, "\n"))
	}
	for _, p := range s.m.Procs() {
		title, lines, err := s.Heap(p.PID)
		fmt.Fprintf(&b, "%s %v\n%s\n", title, err, strings.Join(lines, "\n"))
		title, lines, err = s.Maps(p.PID)
		fmt.Fprintf(&b, "%s %v\n%s\n", title, err, strings.Join(lines, "\n"))
	}
	return b.String()
}

// checkHistory checks what Back relies on: every instruction the machine
// ran belongs to one act, and the acts follow each other.
func checkHistory(t *testing.T, s *Shell) {
	t.Helper()
	at := s.start
	for i, a := range s.hist.acts {
		if a.from != at || a.to < a.from {
			t.Fatalf("act %d (kind %d) runs from step %d to %d, the one before ended at %d", i, a.kind, a.from, a.to, at)
		}
		at = a.to
	}
	if at != s.m.Steps() {
		t.Fatalf("the acts end at step %d, the machine is at %d", at, s.m.Steps())
	}
}

// A session that runs threads and processes that sleep, compute, fork,
// talk through a pipe and lock a mutex, under several policies.
const backSetup = `global c = 0
func w(n, m) {
    for i in 0..n {
        lock m
        c = c + 1
        unlock m
        if i % 3 == 0 { yield }
    }
    compute 5
    sleep 3
    return n
}
func p(wr) {
    let x = alloc 16
    x[0] = 7
    send wr, "from the child"
    free x
    return 0
}
let m = mutex()
let r, wr = pipe()
let a = thread w(4, m)
let b = thread w(3, m) with {priority: 2, burst: 10, tickets: 50}
let q = spawn p(wr) with {priority: 1, burst: 3}`

// Going back N instructions gives the machine as it was N instructions
// ago, at every step of a run; going forward again from there gives the
// same trace and the same machine as never going back.
func TestShellBackForward(t *testing.T) {
	t.Parallel()
	for _, sched := range []string{"rr", "fifo", "stcf", "priority", "mlfq", "lottery"} {
		t.Run(sched, func(t *testing.T) {
			t.Parallel()
			sets := []string{"sched=" + sched, "quantum=3", "mlfq_boost=40"}
			// The states at every step, stepping one at a time.
			ref, rout := newTestShell(t, sets...)
			ref.Input(backSetup)
			states := map[int64]string{ref.m.Steps(): state(t, ref)}
			traces := map[int64]int{ref.m.Steps(): rout.Len()}
			for i := 0; ref.others() > 0; i++ {
				if i > 10000 {
					t.Fatal("stepping does not end")
				}
				ref.Step(1)
				states[ref.m.Steps()] = state(t, ref)
				traces[ref.m.Steps()] = rout.Len()
			}
			// The same run in one go.
			s, out := newTestShell(t, sets...)
			s.Input(backSetup)
			from := s.m.Steps()
			s.Run()
			checkHistory(t, s)
			end := s.m.Steps()
			if got, want := state(t, s), states[end]; got != want {
				t.Fatalf("run and steps differ at the end\nrun:\n%s\nsteps:\n%s", got, want)
			}
			t.Logf("%d instructions in the run", end-from)
			for n := int64(1); n <= end-from; n++ {
				mark := out.Len()
				b := s.Back(n)
				if b == s {
					t.Fatalf(":back %d did not go back:\n%s", n, out.String()[mark:])
				}
				if want := fmt.Sprintf("back %s: step %d -> %d, ", plural(int(n), "instruction"), end, end-n); !strings.HasPrefix(out.String()[mark:], want) {
					t.Fatalf(":back %d says\n%s\nwant %s...", n, out.String()[mark:], want)
				}
				if got, want := state(t, b), states[end-n]; got != want {
					t.Fatalf(":back %d: the machine differs from the one at step %d\nback:\n%s\nthen:\n%s", n, end-n, got, want)
				}
				checkHistory(t, b)
				mark = out.Len()
				b.Step(n)
				if got, want := traceOf(out.String()[mark:]), traceOf(rout.String()[traces[end-n]:traces[end]]); got != want {
					t.Fatalf(":back %d then :step %d: the trace differs\nforward again:\n%s\nthe first time:\n%s", n, n, got, want)
				}
				if got, want := state(t, b), states[end]; got != want {
					t.Fatalf(":back %d then :step %d: the machine differs\n%s\nwant\n%s", n, n, got, want)
				}
			}
		})
	}
}

// A step inside a statement of the shell thread goes back to before the
// statement: an input is undone but keeps its lines, a statement of a
// file goes back to the queue. Running it again gives the same machine.
func TestShellBackInsideStatement(t *testing.T) {
	t.Parallel()
	s, out := newTestShell(t)
	s.Input("global g = 0\nfunc f(n) {\n for i in 0..n { g = g + i }\n return g\n}")
	s.Input("let t = thread f(10)")
	before := s.m.Steps()
	heap, _, _ := s.Heap(0)
	s.Input("print join t")
	after := s.m.Steps()
	mark := out.Len()
	b := s.Back(1)
	said := out.String()[mark:]
	if want := fmt.Sprintf("step %d is inside the input at line 7 (print join t), which cannot stop halfway: back to step %d, before it\n", after-1, before); !strings.HasPrefix(said, want) {
		t.Fatalf(":back 1 says\n%s\nwant first\n%s", said, want)
	}
	if b.m.Steps() != before {
		t.Fatalf("back at step %d, want %d", b.m.Steps(), before)
	}
	if h, _, _ := b.Heap(0); h != heap {
		t.Errorf("heap %s, want %s", h, heap)
	}
	// The input's line keeps its number.
	mark = out.Len()
	b.Input("print nosuch")
	if !strings.HasPrefix(out.String()[mark:], "<repl>:8:7: undefined: nosuch") {
		t.Errorf("the next input is not at line 8:\n%s", out.String()[mark:])
	}
	mark = out.Len()
	b.Input("print join t")
	if b.m.Steps() != after || !strings.Contains(out.String()[mark:], "| 45\n") {
		t.Errorf("typed again: at step %d, want %d:\n%s", b.m.Steps(), after, out.String()[mark:])
	}

	// A statement of a loaded file.
	const lesson = "global g = 0\nfunc f(n) {\n for i in 0..n { g = g + i }\n return g\n}\nlet u = thread f(3)\nprint join u\nprint g\n"
	s, out = newTestShell(t)
	s.Load("lesson.proc", []byte(lesson), ScriptArgs{})
	s.Next(1)
	mid, midSteps := state(t, s), s.m.Steps()
	s.Next(2)
	end := state(t, s)
	mark = out.Len()
	// One instruction into print join u.
	b = s.Back(s.m.Steps() - midSteps - 1)
	said = out.String()[mark:]
	if !strings.Contains(said, "is inside the statement at lesson.proc:7 (print join u), which cannot stop halfway") ||
		!strings.HasSuffix(said, "next: lesson.proc:7  print join u\n") {
		t.Fatalf(":back into the file says\n%s", said)
	}
	if got := state(t, b); got != mid {
		t.Fatalf("back in the file:\n%s\nwant\n%s", got, mid)
	}
	b.Next(2)
	if got := state(t, b); got != end {
		t.Fatalf("the file again:\n%s\nwant\n%s", got, end)
	}
}

// The shell process killed in a :step (a thread of its process faults):
// past the fault the machine is not at a prompt until a fresh shell takes
// over, so :back goes to just before the fault; a :step from there faults
// again, as the first time.
func TestShellBackShellDied(t *testing.T) {
	t.Parallel()
	const setup = "func bad() {\n let p = nil\n p[0] = 1\n}\nlet t = thread bad()"
	s, out := newTestShell(t)
	s.Input(setup)
	s.Step(3)
	from := s.m.Steps()
	s.Step(100)
	if !strings.Contains(out.String(), "a fresh shell process takes over") {
		t.Fatalf("the shell did not die:\n%s", out)
	}
	checkHistory(t, s)
	end := state(t, s)
	mark := out.Len()
	b := s.Back(1)
	said := out.String()[mark:]
	if !strings.Contains(said, "the shell process had died and no fresh one had taken over: back to step") {
		t.Fatalf(":back 1 says\n%s", said)
	}
	ref, _ := newTestShell(t)
	ref.Input(setup)
	ref.Step(3)
	ref.Step(b.m.Steps() - from)
	if got, want := state(t, b), state(t, ref); got != want {
		t.Fatalf("back before the fault:\n%s\nwant\n%s", got, want)
	}
	mark = out.Len()
	b.Step(1)
	if !strings.Contains(out.String()[mark:], "segmentation fault") {
		t.Errorf("no fault on the step after:\n%s", out.String()[mark:])
	}
	if got := state(t, b); got != end {
		t.Errorf("after the fault again:\n%s\nwant\n%s", got, end)
	}
}

// Errors: nothing to undo, more than ran, not a positive number. A
// statement that failed changes nothing, going back included.
func TestShellBackErrors(t *testing.T) {
	t.Parallel()
	s, out := newTestShell(t)
	for _, c := range []struct {
		n    int64
		want string
	}{
		{1, "nothing to undo: no instruction has run since the machine started\n"},
		{0, ":back wants a positive number of instructions\n"},
	} {
		out.Reset()
		if s.Back(c.n) != s || out.String() != c.want {
			t.Errorf(":back %d says %q, want %q", c.n, out, c.want)
		}
	}
	s.Input("let x = 1")
	s.Input("let y = nosuch")
	s.Input("print (")
	ran := s.m.Steps() - s.start
	out.Reset()
	if s.Back(ran+1) != s || out.String() != fmt.Sprintf("only %d instructions ran since the machine started: :back %d goes back to its start\n", ran, ran) {
		t.Errorf(":back %d says %q", ran+1, out)
	}
	out.Reset()
	b := s.Back(ran)
	if b == s || b.m.Steps() != s.start {
		t.Fatalf(":back %d: at step %d\n%s", ran, b.m.Steps(), out)
	}
	if !strings.Contains(out.String(), "also undone: the input at line 1\n") {
		t.Errorf("the undone input is not named:\n%s", out)
	}
	out.Reset()
	b.Input("x")
	if !strings.Contains(out.String(), "<repl>:4:1: undefined: x") {
		t.Errorf("after going back to the start:\n%s", out)
	}
}

// What :set and :trace changed after the step gone back to stays; the
// inputs after it are undone.
func TestShellBackKeepsSettings(t *testing.T) {
	t.Parallel()
	s, out := newTestShell(t)
	s.Input("func f() { return 1 }\nlet x = f()")
	s.Input("let y = f()")
	s.Set("quantum=7")
	s.SetTrace("none")
	s.Input("global late = 3")
	out.Reset()
	b := s.Back(2)
	said := out.String()
	for _, want := range []string{"step 9 is inside the input at line 3 (let y = f()), which cannot stop halfway: back to step 6, before it\n", "also undone: the input at line 4\n", "what :set and :trace changed since stays\n"} {
		if !strings.Contains(said, want) {
			t.Errorf("no %q in\n%s", want, said)
		}
	}
	if b.Config().Quantum != 7 || b.TraceText() != "none" {
		t.Errorf("quantum %d, trace %s", b.Config().Quantum, b.TraceText())
	}
	if strings.Contains(strings.Join(b.Names(), " "), "late") || !strings.Contains(strings.Join(b.Names(), " "), "x") {
		t.Errorf("names after going back: %v", b.Names())
	}
}

// Ctrl-C stopped an input halfway: going back runs it again and stops it
// at the same place.
func TestShellBackReplaysCtrlC(t *testing.T) {
	t.Parallel()
	// Without the stop, the loop would run on to max_steps.
	s, _ := newTestShell(t, "max_steps=5000000")
	s.Input("func one() { return 1 }\nglobal n = 0")
	s.echoes = func(mem.Value) { s.Interrupt() }
	s.Input("one()\nwhile true { n = n + 1 }")
	s.echoes = s.echo
	s.Input("let t = thread one()")
	before := state(t, s)
	s.Run()
	b := s.Back(s.m.Steps() - s.hist.acts[len(s.hist.acts)-1].from)
	if b == s {
		t.Fatal("did not go back")
	}
	if got := state(t, b); got != before {
		t.Fatalf("back across the Ctrl-C:\n%s\nwant\n%s", got, before)
	}
}

// Ctrl-C while :back runs the session again stops it, inside a long
// statement too, and the machine stays where it was.
func TestShellBackInterrupted(t *testing.T) {
	t.Parallel()
	s, out := newTestShell(t, "max_steps=100000000000")
	s.Input("func one() { return 1 }\nglobal n = 0")
	s.Input("let u = 1")
	s.Input("one()\nwhile n < 2000000 { n = n + 1 }")
	s.Input("let v = 2")
	before := state(t, s)
	long := s.hist.acts[2]
	if long.to-long.from < 10000000 {
		t.Fatalf("act 2 is not the long loop: %d instructions", long.to-long.from)
	}
	var replaying *Shell
	s.hist.redone = func(ns *Shell, i int) {
		if i == 1 {
			// The value shown at the prompt when the loop's input runs
			// again stands for the key pressed then.
			replaying = ns
			ns.echoes = func(mem.Value) { s.Interrupt() }
		}
		if i > 1 {
			t.Errorf("act %d done again after Ctrl-C", i)
		}
	}
	out.Reset()
	b := s.Back(1)
	if b != s || out.String() != fmt.Sprintf("\ninterrupted: the machine stays where it was, at step %d\n", s.m.Steps()) {
		t.Fatalf(":back interrupted says\n%q", out)
	}
	if got := state(t, s); got != before {
		t.Errorf("the machine changed:\n%s\nwant\n%s", got, before)
	}
	if replaying == nil || replaying.m.Steps()-long.from > 200000 {
		t.Errorf("the loop run again was not stopped soon after Ctrl-C")
	}
}

// Every example, loaded and run statement by statement, goes back to
// points all along its run, each time to the step asked or the last
// prompt before it, and the session goes on.
func TestShellBackEveryExample(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../examples/*.proc")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			prog, err := interp.Load(f, src)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			s, err := New(Options{Config: prog.Config, Trace: runtime.CatAll, Out: &out})
			if err != nil {
				t.Fatal(err)
			}
			s.Load(filepath.Base(f), src, ScriptArgs{})
			s.Next(2)
			s.Step(5)
			s.Next(s.Pending() + 1)
			s.Run()
			checkHistory(t, s)
			ran := s.m.Steps() - s.start
			for _, n := range []int64{1, 2, 3, ran / 3, ran / 2, ran - 1, ran} {
				if n <= 0 || n > ran {
					continue
				}
				mark := out.Len()
				b := s.Back(n)
				if b == s || b.m.Steps() > s.m.Steps()-n {
					t.Fatalf(":back %d of %d: at step %d\n%s", n, ran, b.m.Steps(), out.String()[mark:])
				}
				checkHistory(t, b)
				b.Input("print \"done\"")
				if !strings.HasSuffix(out.String(), "| done\n") {
					t.Fatalf(":back %d: the session does not go on:\n%s", n, out.String()[mark:])
				}
			}
		})
	}
}

// BenchmarkShellBack measures :back 1 after a million instructions: in
// one :run, and in 10,000 :step 100.
func BenchmarkShellBack(b *testing.B) {
	for _, how := range []string{"run", "step100"} {
		b.Run(how, func(b *testing.B) {
			s, err := New(Options{Config: runtime.DefaultConfig(), Trace: runtime.CatAll, Out: io.Discard})
			if err != nil {
				b.Fatal(err)
			}
			// spin(k) runs 2 instructions an iteration.
			s.Input("func spin(k) {\n for i in 0..k { }\n return k\n}")
			s.Input("let t = thread spin(500000)")
			if how == "run" {
				s.Run()
			} else {
				for s.others() > 0 {
					s.Step(100)
				}
			}
			if s.m.Steps() < 1000000 {
				b.Fatalf("only %d instructions", s.m.Steps())
			}
			steps := s.m.Steps()
			for b.Loop() {
				if s.Back(1) == s {
					b.Fatal("did not go back")
				}
			}
			b.ReportMetric(float64(steps)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Minsn/s")
		})
	}
}
