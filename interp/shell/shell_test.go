package shell

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"runtime/debug"
	"strings"
	"testing"

	"proc/interp"
	"proc/interp/internal/testkit"
	"proc/runtime"
	"proc/runtime/mem"
)

func newTestShell(t *testing.T, sets ...string) (*Shell, *bytes.Buffer) {
	t.Helper()
	cfg := runtime.DefaultConfig()
	if err := interp.ApplySets(&cfg, sets); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s, err := New(Options{Config: cfg, Trace: runtime.CatAll, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	return s, &out
}

// traceLines keeps the lines of the trace, leaving out what the REPL says
// about it.
var traceLine = regexp.MustCompile(`^ *\d+ (\[\d+/\d+\]|-----) |^              `)

func traceOf(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if traceLine.MatchString(l) {
			b.WriteString(l)
		}
	}
	return b.String()
}

// Stepping through a run one instruction at a time shows the same trace,
// tick for tick, as running it in one go: pausing the machine is invisible.
func TestShellStepMatchesRun(t *testing.T) {
	t.Parallel()
	const setup = `global c = 0
func w(n) {
    for i in 0..n {
        c = c + 1
        if i % 3 == 0 { yield }
    }
    compute 7
    sleep 3
    return n
}
func p(n) {
    let x = alloc 8
    compute n
    free x
    return 0
}
let a = thread w(5)
let b = thread w(4) with {priority: 2, burst: 10, tickets: 50}
let q = spawn p(9) with {priority: 1, burst: 3}`
	const ipc = `func server() {
    let l = listen(80)
    let c = accept(l)
    let m = recv c
    send c, m + "!"
    return 0
}
func client(r) {
    let c = connect("srv", 80)
    send c, "hi"
    print recv c
    print recv r
    return 0
}
let r, w = pipe()
let sp = spawn server() with {host: "srv"}
let cp = spawn client(r)
send w, "from main"`
	// One thread runs alone for many quanta while another sleeps, then
	// the sleeper wakes in the middle of a quantum.
	const alone = `func spin(n) {
    for i in 0..n { }
    return 0
}
func nap() {
    sleep 10
    print "woke"
    return 0
}
let a = thread spin(20)
let b = thread nap()`
	for _, sched := range []string{"rr", "fifo", "sjf", "stcf", "priority", "mlfq", "lottery", "rr+ipc", "rr+alone", "priority+alone"} {
		setup := setup
		if strings.HasSuffix(sched, "+ipc") {
			sched, setup = strings.TrimSuffix(sched, "+ipc"), ipc
		}
		if strings.HasSuffix(sched, "+alone") {
			sched, setup = strings.TrimSuffix(sched, "+alone"), alone
		}
		t.Run(sched, func(t *testing.T) {
			sets := []string{"sched=" + sched, "quantum=3", "mlfq_boost=40"}
			whole, wout := newTestShell(t, sets...)
			whole.Input(setup)
			whole.Run()
			stepped, sout := newTestShell(t, sets...)
			stepped.Input(setup)
			for i := 0; stepped.others() > 0; i++ {
				if i > 10000 {
					t.Fatal("stepping does not end")
				}
				stepped.Step(1)
			}
			whole.Input("print c")
			stepped.Input("print c")
			if w, s := traceOf(wout.String()), traceOf(sout.String()); w != s {
				t.Errorf("stepped trace differs from the whole run\nwhole:\n%s\nstepped:\n%s", w, s)
			}
		})
	}
}

// Steps of different sizes, with statements typed in between, never lose
// a thread or break the machine.
func TestShellStepSizes(t *testing.T) {
	t.Parallel()
	s, out := newTestShell(t)
	s.Input("global c = 0\nfunc w(n) {\n for i in 0..n { c = c + 1 }\n return n\n}")
	s.Input("let a = thread w(20)\nlet b = thread w(30)")
	for _, n := range []int64{1, 2, 3, 5, 8, 13} {
		s.Step(n)
		s.Input("print c")
	}
	s.Run()
	s.Input("print (join a) + (join b)")
	if !strings.Contains(out.String(), "| 50\n") {
		t.Errorf("the threads did not both end:\n%s", out)
	}
}

// An input with an error changes nothing: not the names, not the code.
func TestShellErrorChangesNothing(t *testing.T) {
	t.Parallel()
	s, out := newTestShell(t)
	s.Input("let a = 1")
	text, names, funcs := s.p.Program().Image.TextSize, strings.Join(s.Names(), ","), len(s.p.Program().Funcs)
	for _, in := range []string{
		"let b = 2; print nosuch",
		"global g = 1\nfunc f() { return nosuch }",
		"func f() { return 1 }\nfunc f() { return 2 }",
		"let c = {x: 1}; let c = 2; break",
	} {
		s.Input(in)
		if got := strings.Join(s.Names(), ","); got != names {
			t.Errorf("%q: names %s, want %s", in, got, names)
		}
		if s.p.Program().Image.TextSize != text || len(s.p.Program().Funcs) != funcs {
			t.Errorf("%q: the program changed", in)
		}
	}
	out.Reset()
	s.Input("a")
	if out.String() != "= 1\n" {
		t.Errorf("a = %q", out)
	}
}

// A compound assignment typed at the prompt works on main's locals, on
// globals and through pointers, as in a script.
func TestShellCompoundAssign(t *testing.T) {
	t.Parallel()
	s, out := newTestShell(t)
	for _, in := range []string{"let x = 1", "x += 2", "global g = 5", "g *= x", "let a = [10]", "a[0] -= g", "*(&x) %= 2"} {
		s.Input(in)
	}
	out.Reset()
	s.Input("print x, g, a[0]")
	if !strings.Contains(out.String(), "| 1 15 -5\n") {
		t.Errorf("got\n%s\nwant the line 1 15 -5", out)
	}
}

// A function typed at the prompt that uses a local of main is told why
// it cannot.
func TestShellMainLocalsHint(t *testing.T) {
	t.Parallel()
	s, out := newTestShell(t)
	s.Input("let x = 1")
	out.Reset()
	s.Input("func f() { return x }")
	if want := "undefined: x (main's locals are not visible in functions: declare x with global instead of let)"; !strings.Contains(out.String(), want) {
		t.Errorf("got\n%s\nwant %s", out, want)
	}
}

// TestShellMainFrame: main's frame grows with each input's lets, up to
// the stack as in a run (a 4096-byte stack holds 510 slots): the input
// that needs more faults, and a fresh shell takes over.
func TestShellMainFrame(t *testing.T) {
	t.Parallel()
	s, out := newTestShell(t, "stack_size=4096")
	letsOn := func(prefix string, n int) string {
		var lets []string
		for i := 0; i < n; i++ {
			lets = append(lets, fmt.Sprintf("let %s%d = %d", prefix, i, i))
		}
		return strings.Join(lets, "; ")
	}
	s.Input(letsOn("a", 500))
	s.Input("print *(&a499)")
	if !strings.Contains(out.String(), "| 499\n") || strings.Contains(out.String(), "SIGSEGV") {
		t.Fatalf("500 slots do not fit 4096 bytes:\n%s", out)
	}
	s.Input(letsOn("b", 10))
	s.Input("print b9")
	if !strings.Contains(out.String(), "| 9\n") || strings.Contains(out.String(), "SIGSEGV") {
		t.Fatalf("510 slots do not fit 4096 bytes:\n%s", out)
	}
	out.Reset()
	s.Input("let c = 1")
	for _, want := range []string{"stack overflow: write at 0x7fffffffdff8 in the guard page below the stack",
		"+++ killed by SIGSEGV +++", "a fresh shell process takes over"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("511 slots: no %q in\n%s", want, out)
		}
	}
}

func TestShellIncomplete(t *testing.T) {
	t.Parallel()
	s, _ := newTestShell(t)
	for in, want := range map[string]bool{
		"func f() {":           true,
		"if x {\n  print 1":    true,
		"print f(1,":           true,
		"let o = [1,\n2":       true,
		"print 1":              false,
		"print 1 +":            false,
		"x":                    false,
		"func f() {\n}":        false,
		"while true { print 1": true,
	} {
		if got := s.Incomplete(in); got != want {
			t.Errorf("Incomplete(%q) = %v, want %v", in, got, want)
		}
	}
}

// Ctrl-C stops a statement that would run for a long time. The terminal
// echoes ^C where its cursor is: what follows starts on a new line, the
// trace still buffered too.
func TestShellInterrupt(t *testing.T) {
	t.Parallel()
	s, out := newTestShell(t, "max_steps=100000000000")
	s.Input("func one() { return 1 }")
	out.Reset()
	// The value shown at the prompt stands for the key pressed while the
	// loop runs.
	s.echoes = func(mem.Value) { s.Interrupt() }
	s.Input("one()\nwhile true { }")
	if !strings.HasPrefix(out.String(), "\n ") || !strings.Contains(out.String(), "\ninterrupted\n1/1 is at main, line 2: one()\nthe statement was abandoned") {
		t.Fatalf("not interrupted, or not from a new line:\n%q", out)
	}
	s.echoes = s.echo
	out.Reset()
	s.Input("one()")
	if !strings.HasSuffix(out.String(), "= 1\n") {
		t.Errorf("the shell does not run after an interrupt:\n%s", out)
	}
}

// A forked copy of the shell runs the rest of the input, then ends.
func TestShellFork(t *testing.T) {
	t.Parallel()
	s, out := newTestShell(t)
	s.Input("let pid = fork; print getpid()")
	s.Run()
	got := traceOf(out.String())
	for _, want := range []string{"[1/1] | 1\n", "[2/2] | 2\n", "[2/2] return main = 0\n", "[2/2] +++ exited with 0 +++\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

// New functions go after the code so far, past page boundaries, and every
// process of the program maps the text; new globals fill their page.
func TestShellGrowth(t *testing.T) {
	t.Parallel()
	s, out := newTestShell(t)
	s.Input("func idle() { sleep 1000000\n return 0 }\nlet kid = spawn idle()")
	var b strings.Builder
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "func f%d(x) { return x + %d }\n", i, i)
	}
	s.Input(b.String())
	s.Input("print f299(1)")
	if !strings.Contains(out.String(), "| 300\n") {
		t.Fatalf("f299 did not run:\n%s", out)
	}
	end := s.p.Program().Image.TextSize + 0x400000
	for _, p := range s.m.Procs() {
		if p.Text.End < end {
			t.Errorf("process %d maps text to %#x, the code ends at %#x", p.PID, p.Text.End, end)
		}
	}
	b.Reset()
	for i := 0; i < 512; i++ {
		fmt.Fprintf(&b, "global g%d = %d\n", i, i)
	}
	s.Input(b.String())
	out.Reset()
	s.Input("print g511, g0")
	if !strings.Contains(out.String(), "| 511 0\n") {
		t.Errorf("globals:\n%s", out)
	}
	out.Reset()
	s.Input("global one_too_many = 1")
	if !strings.Contains(out.String(), "too many globals") {
		t.Errorf("past the room for globals:\n%s", out)
	}
}

// Every example loads and runs to its end in the REPL, statement by
// statement, without breaking the session.
func TestShellLoadsEveryExample(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../examples/*.proc")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
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
			n := s.Pending()
			s.Next(n + 1)
			s.Run()
			s.Input("print \"done\"")
			if !strings.HasSuffix(out.String(), "| done\n") {
				t.Errorf("the session did not go on after the script:\n%s", out.String())
			}
		})
	}
}

// A config line typed or loaded may lower a limit, never raise it; :set is
// the user's own word and may, and what it allows a script may then set.
func TestShellLimitCeiling(t *testing.T) {
	t.Parallel()
	s, out := newTestShell(t)
	s.Input("config max_steps = 20000000")
	if !strings.Contains(out.String(), "max_steps = 20000000 raises a limit: a script may lower max_steps but not raise it above 10000000") {
		t.Errorf("raising config line accepted:\n%s", out)
	}
	if s.Config().MaxSteps != 10000000 {
		t.Errorf("max_steps = %d after a refused config line", s.Config().MaxSteps)
	}
	out.Reset()
	s.Load("l.proc", []byte("config max_procs = 1000\nprint 1\n"), ScriptArgs{})
	if !strings.Contains(out.String(), "max_procs = 1000 raises a limit") {
		t.Errorf("raising config line of a loaded file accepted:\n%s", out)
	}
	out.Reset()
	s.Input("config max_steps = 5000")
	if s.Config().MaxSteps != 5000 {
		t.Errorf("lowering config line refused:\n%s", out)
	}
	s.Set("max_steps=30000000")
	out.Reset()
	s.Input("config max_steps = 20000000")
	if s.Config().MaxSteps != 20000000 {
		t.Errorf("config line below what :set allowed refused:\n%s", out)
	}
}

// A chain of a mebibyte typed at the prompt or loaded gives a result or a
// clean error, and the session goes on. The REPL keeps 1 MiB for its
// program's text, which a chain of half a million operators passes: the
// error says so and shows a window of the line around its caret.
func TestShellLongChains(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("megabyte inputs take seconds")
	}
	defer debug.SetMaxStack(debug.SetMaxStack(8 << 20))
	s, out := newTestShell(t)
	goesOn := func(what string) {
		t.Helper()
		out.Reset()
		s.Input("print 2")
		if !strings.Contains(out.String(), "| 2\n") {
			t.Errorf("%s: the session does not go on:\n%.2000s", what, out)
		}
		out.Reset()
	}
	expect := func(what, want string) {
		t.Helper()
		if !strings.Contains(out.String(), want) || out.Len() > 4096 {
			t.Errorf("%s: want %q in at most 4 KiB, got %d bytes:\n%.2000s", what, want, out.Len(), out)
		}
		goesOn(what)
	}
	long, _ := testkit.ChainScript("print 1", "+1", "")
	if s.Incomplete(long) {
		t.Errorf("a chain of a mebibyte is incomplete")
	}
	// The error is at the end of the input, in column 1.
	const room = ":1: the program's code would pass the 1024 KiB the REPL keeps for text"
	s.Input(long)
	expect("typed", room)
	s.Input(long[len("print "):])
	expect("typed bare", room)
	s.Load("chain.proc", []byte(long+"\n"), ScriptArgs{})
	expect("loaded", room)

	// Three chains of 50,000 fit in the room, with what came before.
	const n = 50000
	short := "1" + strings.Repeat("+1", n)
	s.Input("print " + short)
	expect("typed, shorter", fmt.Sprintf("| %d\n", n+1))
	s.Input(short)
	expect("typed bare, shorter", fmt.Sprintf("= %d\n", n+1))
	s.Load("chain.proc", []byte("print "+short+"\n"), ScriptArgs{})
	out.Reset()
	s.Next(1)
	expect("loaded, shorter", fmt.Sprintf("| %d\n", n+1))
	s.Input("let x = 3\nif x == 0 {}" + strings.Repeat(" else if x == 1 {}", 10000) + " else { print x }")
	expect("else-if arms", "| 3\n")
}

// Loading a file lists its statements with their lines: the file is split
// into lines once, not once a statement, which took minutes and gigabytes
// for 20,000 statements. (It measures the whole test binary's
// allocations, so it does not run in parallel.)
func TestShellLoadManyStatements(t *testing.T) {
	const n = 5000
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "print %d\n", i)
	}
	s, out := newTestShell(t)
	goruntime.GC()
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	s.Load("many.proc", []byte(b.String()), ScriptArgs{})
	goruntime.ReadMemStats(&after)
	if !strings.Contains(out.String(), fmt.Sprintf("%d statements queued", n)) {
		t.Fatalf("not loaded:\n%.2000s", out)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 64<<20 {
		t.Errorf("loading %d statements allocated %d MiB", n, got>>20)
	}
	out.Reset()
	s.Next(n)
	if !strings.Contains(out.String(), fmt.Sprintf("| %d\n", n-1)) {
		t.Errorf("the last statement did not run:\n%.2000s", out.String()[max(0, out.Len()-2000):])
	}
}

// :threads lines its columns up, however wide a cell: what a thread waits
// for starts in the same column on every line, and no line ends in
// spaces.
func TestShellThreadsAligned(t *testing.T) {
	t.Parallel()
	s, _ := newTestShell(t)
	s.Input("func grab(m) { lock m }\nlet m = mutex()\nlock m\nlet a = thread grab(m)\nlet b = thread grab(m)")
	s.Step(20)
	lines := s.Threads()
	if len(lines) != 4 {
		t.Fatalf("want a header and 3 threads:\n%s", strings.Join(lines, "\n"))
	}
	col := strings.Index(lines[0], "WAITING FOR")
	for _, l := range lines {
		if strings.TrimRight(l, " ") != l {
			t.Errorf("line ends in spaces: %q", l)
		}
		if len(l) > col && (l[col-1] != ' ' || l[col] == ' ') {
			t.Errorf("the last column does not start under WAITING FOR (column %d):\n%s", col, strings.Join(lines, "\n"))
		}
	}
	for _, l := range lines[1:] {
		if len(l) <= col {
			t.Errorf("no WAITING FOR in %q", l)
		}
	}
}
