package interp

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"proc/interp/internal/testkit"
)

// Every limit (README, Limits), and what a script sees when it hits it.
func TestLimits(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src string
		sets      []string
		out, err  string
		exit      int
	}{
		{"spawn bomb", `func f() { sleep 100 }
let n = 0
while (spawn f()) != nil { n = n + 1 }
print "spawned", n`, []string{"max_procs=10"}, "spawned 9\n", "", 0},
		{"fork bomb", `let n = 0
let pid = fork
while pid != nil && pid != 0 {
    n = n + 1
    pid = fork
}
if pid == nil { print "parent forked", n }`, []string{"max_procs=5"}, "parent forked 4\n", "", 0},
		{"thread bomb", `func f() { sleep 100 }
let n = 0
while (thread f()) != nil { n = n + 1 }
print "threads", n`, []string{"max_threads=7"}, "threads 6\n", "", 0},
		{"endless loop", `while true { }`, []string{"max_steps=1000"}, "", "step limit reached (max_steps=1000)", 1},
		{"infinite recursion", `func r(n) { return r(n + 1) }
call r(0)
print "unreachable"`, []string{"stack_size=4096"}, "", "stack overflow", 0},
		{"heap_max", `let p = alloc 100000
print p`, []string{"heap_max=65536"}, "nil\n", "", 0},
		{"huge output", `while true { print "0123456789" }`, []string{"max_output=1000"}, strings.Repeat("0123456789\n", 90), "output limit reached (max_output=1000 bytes)", 1},
		{"huge string", `let s = "x"
while true { s = s + s }`, []string{"max_output=100000"}, "", "string limit reached", 1},
		// One string: exactly max_output bytes, whatever max_output is,
		// built by + or by the add-a-constant instruction of a local.
		{"string of max_output bytes", `let s = ""
for i in 0..1000 { s = s + "x" }
print len(s)`, []string{"max_output=1000"}, "1000\n", "", 0},
		{"string a byte longer", `let s = ""
for i in 0..1000 { s = s + "x" }
s = s + "y"
print "unreachable"`, []string{"max_output=1000"}, "", "string limit reached: a string of 1001 bytes (strings are at most max_output=1000 bytes)", 1},
		{"string a digit longer", `let s = ""
for i in 0..1000 { s = s + "x" }
s = s + 1
print "unreachable"`, []string{"max_output=1000"}, "", "string limit reached: a string of 1001 bytes", 1},
		{"a loop's string counter", `for i in "x".."y" { }
print "unreachable"`, []string{"max_output=1000"}, "", "string limit reached: a string of 1001 bytes", 1},
		{"huge compute", `compute 1 << 50`, nil, "", "", 2},
		// Simulated time: a compute alone on the CPU stops at max_ticks,
		// and costs the scheduler one step, not one a quantum.
		{"long compute", `compute 1099511627776
print "unreachable"`, []string{"max_ticks=1000000"}, "", "tick limit reached (max_ticks=1000000)", 1},
		{"long sleep", `sleep 1099511627776
print "unreachable"`, []string{"max_ticks=1000"}, "", "tick limit reached (max_ticks=1000)", 1},
		// Two threads that compute for ever switch for ever: max_slices.
		{"switching for ever", `func f() { compute 1099511627776 }
let a = thread f()
let b = thread f()
join a`, []string{"max_slices=1000", "quantum=1"}, "", "slice limit reached (max_slices=1000)", 1},
		{"mlfq alone", `compute 1099511627776`, []string{"sched=mlfq", "max_slices=500"}, "", "slice limit reached (max_slices=500)", 1},
		// Views and reports count against max_trace (here with
		// --trace=none: they are written all the same).
		{"views for ever", `while true { show maps }`, []string{"max_trace=10000"}, "*", "trace limit reached (max_trace=10000 bytes)", 1},
		// A string built a byte at a time copies the whole string each
		// time: max_copy.
		{"growing string", `let s = ""
while true { s = s + "x" }`, []string{"max_copy=1000000"}, "", "copy limit reached (max_copy=1000000 bytes)", 1},
		{"comparing long strings", `let s = "0123456789abcdef"
for i in 0..16 { s = s + s }
let t = s + ""
let n = 0
while s == t { n = n + 1 }`, []string{"max_copy=100000000"}, "", "copy limit reached", 1},
		// Memory: what can fail fails as a system call would.
		{"memory for alloc", `let n = 0
while (alloc 4000) != nil { n = n + 1 }
print n > 100, n < 1000`, []string{"max_memory=1000000"}, "true true\n", "", 0},
		{"memory for shm", `let a = shm("a", 600000)
let b = shm("b", 600000)
print a != nil, b`, []string{"max_memory=1000000"}, "true nil\n", "", 0},
		{"memory for threads", `func f() { sleep 100 }
let n = 0
while (thread f()) != nil { n = n + 1 }
print n > 10, n < 1000`, []string{"max_memory=1000000"}, "true true\n", "", 0},
		{"memory for mutexes", `let n = 0
while mutex() != nil { n = n + 1 }
print n > 10, n < 10000`, []string{"max_memory=1000000"}, "true true\n", "", 0},
		{"memory for pipes", `let n = 0
while true {
    let r, w = pipe()
    if r == nil { break }
    n = n + 1
}
print n > 10, n < 10000`, []string{"max_memory=1000000"}, "true true\n", "", 0},
		// A process holds at most 1024 descriptors (3 are the terminal's).
		{"descriptors", `let n = 0
while true {
    let r, w = pipe()
    if r == nil { break }
    n = n + 1
}
print n`, nil, "510\n", "", 0},
		// ... and what cannot fail (a stack that grows) stops the run.
		{"memory for stacks", `func deep(n) { if n == 0 { sleep 1000; return 0 }
return deep(n - 1) }
func f() { return deep(1000) }
while true { thread f() }`, []string{"max_memory=2000000", "max_threads=100000"}, "", "memory limit reached (max_memory=2000000 bytes)", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.exit == 2 {
				if _, err := Load("t.proc", []byte(c.src)); err == nil {
					// `<<` is not an operator: a parse error is the right answer.
					t.Errorf("expected a load error")
				}
				return
			}
			out, errw, res := run(t, c.src, c.sets...)
			if out != c.out && c.out != "*" {
				t.Errorf("stdout %q, want %q (stderr %q)", out, c.out, errw)
			}
			if !strings.Contains(errw, c.err) {
				t.Errorf("stderr %q does not contain %q", errw, c.err)
			}
			if res.ExitCode() != c.exit {
				t.Errorf("exit %d, want %d", res.ExitCode(), c.exit)
			}
		})
	}
}

func TestComputeLimit(t *testing.T) {
	t.Parallel()
	// Not a constant: a constant one is refused before the run.
	_, errw, _ := run(t, "let n = 2000000000000\ncompute n")
	if !strings.Contains(errw, "more than 1099511627776 ticks at once") {
		t.Errorf("stderr %q", errw)
	}
}

// lets returns n top-level lets, v0 to v(n-1), each set to its number.
func lets(prefix string, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "let %s%d = %d\n", prefix, i, i)
	}
	return b.String()
}

// TestMainFrameOnStack: main's frame, and a thread's first frame, fit the
// stack or fault as a call's frame does. One past the stack kept its slots
// beyond it: its locals read fine by name while their addresses were not
// mapped, and with enough of them the run went on, whatever stack_size.
func TestMainFrameOnStack(t *testing.T) {
	t.Parallel()
	// 64 KiB of stack: 8192 words, two of them the return address and the
	// saved frame pointer.
	out, errw, _ := run(t, lets("v", 8190)+"print v8189, *(&v8189)")
	if out != "8189 8189\n" || errw != "" {
		t.Errorf("8190 locals: stdout %q, stderr %q", out, errw)
	}
	for _, n := range []int{8191, 9000} {
		src := lets("v", n) + fmt.Sprintf("print v%d\nprint *(&v%d)", n-1, n-1)
		out, errw, _ := run(t, src)
		if out != "" || !strings.Contains(errw, "stack overflow: write at") ||
			!strings.Contains(errw, "at main, line 1\n") || !strings.Contains(errw, "+++ killed by SIGSEGV +++") {
			t.Errorf("%d locals: stdout %q, stderr %q, want a stack overflow before line 1 runs", n, out, errw)
		}
	}
	// The same locals in a function: the same limit, two words lower
	// (main's own frame sits above).
	out, errw, _ = run(t, "func f() {\n"+lets("v", 8189)+"print v8188\n}\nf()")
	if out != "" || !strings.Contains(errw, "stack overflow") {
		t.Errorf("8189 locals in a function: stdout %q, stderr %q", out, errw)
	}
	// A thread's first frame, on the thread's own stack.
	out, errw, _ = run(t, "func f() {\n"+lets("v", 600)+"print v599\n}\nlet t = thread f()\nprint join t\nprint \"unreachable\"", "stack_size=4096")
	if out != "" || !strings.Contains(errw, "stack overflow") || !strings.Contains(errw, "at f, line 2\n") {
		t.Errorf("a thread's first frame: stdout %q, stderr %q", out, errw)
	}
}

// TestLongChains compiles and runs chains of a mebibyte on one line of
// every kind: operators, calls, indexes, fields, assignment and address
// targets, constants, else-if arms. The AST nests each as deep as it is
// long, and a pass that recursed along one would overflow the Go stack,
// which is fatal, not a panic a recover could catch. The stack is held to
// 8 MiB here, which any such recursion passes long before the end of the
// chain.
func TestLongChains(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("megabyte scripts take seconds")
	}
	defer debug.SetMaxStack(debug.SetMaxStack(8 << 20))
	for _, tc := range []struct {
		name, head, link, tail string
		// want is the output; N in it stands for the chain's length.
		want string
	}{
		{"sum", "print 1", "+1", "\n", "N+1"},
		{"product", "print 1", "*1", "\n", "1"},
		{"and", "print true", "&&true", "\n", "true"},
		{"or", "print false", "||false", "||true\n", "true"},
		{"equal", "print true", "==true", "\n", "true"},
		{"calls", "func f() { return 1 }\nprint f()", "+f()", "\n", "N+1"},
		{"index", "let a = [nil]\na[0] = a\nprint a", "[0]", " == a\n", "true"},
		{"field", "let o = {x: nil}\no.x = o\nprint o", ".x", " == o\n", "true"},
		{"index target", "let a = [nil]\na[0] = a\na", "[0]", " = 7\nprint a[0]\n", "7"},
		{"address", "let o = {x: nil}\no.x = o\nlet p = &o", ".x", "\n*p = 7\nprint o.x\n", "7"},
		{"global", "global g = 1", "+1", "\nprint g\n", "N+1"},
		{"global string", `global g = "a"`, `+"a"`, "\nprint len(g)\n", "N+1"},
		{"config", "config quantum = 1", "*1", "\nprint 1\n", "1"},
		{"else if", "let x = 2\nif x == 0 { print 0 }", " else if x == 1 { print 1 }", " else { print x }\n", "2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, n := testkit.ChainScript(tc.head, tc.link, tc.tail)
			out, errw, res := run(t, src)
			want := strings.ReplaceAll(tc.want, "N+1", strconv.Itoa(n+1)) + "\n"
			if out != want || res.ExitCode() != 0 {
				t.Errorf("stdout %q, exit %d, want %q (stderr %.200q)", out, res.ExitCode(), want, errw)
			}
		})
	}
}

// TestChainMemory checks that compiling a chain of a mebibyte takes
// memory linear in its length, and small: the recursion along it took
// about 2 KiB of stack an operator and overflowed at half a million, and
// folding a constant chain of strings link by link copied the string
// at each link. (It measures the whole test binary's allocations, so it
// does not run in parallel.)
func TestChainMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("megabyte scripts take seconds")
	}
	for _, tc := range []struct {
		name, head, link string
		max              uint64 // bytes an operator
	}{
		// About 1,050 and 950 bytes an operator when this was written,
		// of which parsing took 780.
		{"sum", "print 1", "+1", 1536},
		{"global string", `global g = "a"`, `+"a"`, 1536},
	} {
		src, n := testkit.ChainScript(tc.head, tc.link, "\n")
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, err := Load("chain.proc", []byte(src)); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		runtime.ReadMemStats(&after)
		if perOp := (after.TotalAlloc - before.TotalAlloc) / uint64(n); perOp > tc.max {
			t.Errorf("%s: parsing and compiling %d operators allocated %d bytes an operator, want at most %d", tc.name, n, perOp, tc.max)
		}
	}
}
