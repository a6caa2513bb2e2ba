package interp

import (
	"bytes"
	"strings"
	"testing"

	"proc/interp/internal/testkit"
	"proc/runtime"
)

// run runs src with --trace=none and returns stdout, stderr and the result.
func run(t *testing.T, src string, sets ...string) (string, string, Result) {
	t.Helper()
	prog, err := Load("t.proc", []byte(src))
	if err != nil {
		t.Fatalf("load: %v\n%s", err, src)
	}
	var out, errw bytes.Buffer
	s, err := NewSession(prog, Options{Trace: 0, Sets: sets, Stdout: &out, Stderr: &errw})
	if err != nil {
		t.Fatal(err)
	}
	res := s.Run()
	return out.String(), errw.String(), res
}

// runTraced runs src showing the trace categories in cats and returns
// stdout, where the trace goes, and stderr.
func runTraced(t *testing.T, src string, cats runtime.Category, sets ...string) (string, string) {
	t.Helper()
	prog, err := Load("t.proc", []byte(src))
	if err != nil {
		t.Fatalf("load: %v\n%s", err, src)
	}
	var out, errw bytes.Buffer
	s, err := NewSession(prog, Options{Trace: cats, Sets: sets, Stdout: &out, Stderr: &errw})
	if err != nil {
		t.Fatal(err)
	}
	s.Run()
	return out.String(), errw.String()
}

func TestLanguage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src, want string
	}{
		{"print", `print 1, "a", true, false, nil`, "1 a true false nil\n"},
		{"left assoc", `print 10 - 3 - 2, 100 / 10 / 5, 7 % 4 % 2`, "5 2 1\n"},
		{"precedence", `let done = false
print 1 + 2 * 3 < 7 && !done, 1 + 2 * 3, (1 + 2) * 3, -2 * 3, - -4`, "false 7 9 -6 4\n"},
		{"truncation", `print 7 / 2, -7 / 2, 7 % -3, -7 % 3`, "3 -3 1 -1\n"},
		{"overflow wraps", `print 9223372036854775807 + 1, -9223372036854775807 - 2`, "-9223372036854775808 9223372036854775807\n"},
		{"min / -1", `let m = -9223372036854775807 - 1
print m / -1, m % -1`, "-9223372036854775808 0\n"},
		{"hex and underscores", `print 0xff, 1_000_000, 0x10_00`, "255 1000000 4096\n"},
		{"strings", `let s = "ab" + "cd"
print s, len(s), s + 1, "x" + true, str(42) + "!", "a" < "b", "b" == "b"`, "abcd 4 abcd1 xtrue 42! true true\n"},
		{"escapes", `print "a\tb\"c\\d"`, "a\tb\"c\\d\n"},
		{"short circuit", `func boom() { assert false, "evaluated" }
print false && boom(), true || boom()`, "false true\n"},
		{"and or values", `print 1 && 2, 0 || nil, "" || "x"`, "true false true\n"},
		{"equality", `print 1 == 1, 1 == "1", nil == nil, nil == 0, true != false`, "true false true false true\n"},
		{"if else chain", `func sign(x) {
  if x < 0 { return -1 } else if x == 0 { return 0 } else { return 1 }
}
print sign(-5), sign(0), sign(9)`, "-1 0 1\n"},
		{"while break continue", `let i = 0
let s = 0
while true {
  i = i + 1
  if i % 2 == 0 { continue }
  if i > 9 { break }
  s = s + i
}
print s`, "25\n"},
		{"for half open", `let s = 0
for i in 2..5 { s = s + i }
for j in 5..2 { s = s + 100 }
print s`, "9\n"},
		{"for break continue", `for i in 0..10 {
  if i == 2 { continue }
  if i == 4 { break }
  print i
}`, "0\n1\n3\n"},
		{"recursion", `func fib(n) { if n < 2 { return n }; return fib(n-1) + fib(n-2) }
print fib(20)`, "6765\n"},
		{"call statement", `global g
func setg(v) { g = v }
call setg(5)
setg(6)
print g`, "6\n"},
		{"let two names", `let a, b
print a, b`, "nil nil\n"},
		{"globals data bss", `global a = 3
global b
global c = "s"
print a, b, c
a = a + 1
print a`, "3 0 s\n4\n"},
		{"const global expr", `global k = 2 * (3 + 4) - -1
print k`, "15\n"},
		{"const string chain", `global s = 1 + 2 + "a" + 3 + true + nil + -4
global t = "a" + 1 == "a1" && "a" + "b" + "c" < "abd"
global u = ("x" + 1) + ("y" + 2) + 3 * 4
print s, t, u`, "3a3truenil-4 true x1y212\n"},
		{"shadowing", `let x = 1
if true { let x = 2
 print x }
print x`, "2\n1\n"},
		{"pointer to local", `let n = 5
let p = &n
*p = *p + 1
print n`, "6\n"},
		{"pointer to global", `global g = 1
let p = &g
*p = 42
print g, p == &g`, "42 true\n"},
		{"pointer arithmetic", `let a = [1, 2, 3]
let p = a + 8
print *p, p - a, p[1]`, "2 8 3\n"},
		{"object fields", `let o = {x: 1, y: 2}
o.y = o.x + o.y
print o.x, o.y, len(o)`, "1 3 2\n"},
		{"field address", `let o = {x: 1, y: 2}
let p = &o.y
*p = 7
print o.y, p - o`, "7 8\n"},
		{"aliasing vs copy", `let a = {v: 1}
let b = a
b.v = 2
let i = 1
let j = i
j = 2
print a.v, i`, "2 1\n"},
		{"nested objects", `let o = {inner: {v: 1}}
o.inner.v = 5
print o.inner.v`, "5\n"},
		{"array index", `let a = [0, 0, 0]
for i in 0..3 { a[i] = i * i }
print a[0], a[1], a[2], len(a)`, "0 1 4 3\n"},
		{"alloc zeroed", `let p = alloc 24
print p[0], p[2]
p[1] = "x"
free p
let q = alloc 24
print q[1]`, "0 0\n0\n"},
		{"getpid", `print getpid(), gettid()`, "1 1\n"},
		{"exit status", `exit 3
print "unreachable"`, ""},
		{"return from main", `print "a"
return 0
print "b"`, "a\n"},
		{"compute", testkit.HWOff + `compute 10
print now()`, "12\n"},
		{"function address", `func f() {}
print &f > 0x400000`, "true\n"},
		{"str of pointer", `let p = alloc 8
print str(p) == "" + p`, "true\n"},
		{"keywords as calls", `let r, w = pipe()
send(w, "hi")
print(recv(r, 1), recv(r))
assert(true, "never")
yield()
let c = fork()
if c == 0 {
  exit(3)
}
print(wait(c))
let q = mqueue("/q")
send(q, "lo", 1)
send (q), "hi", 2
print recv(q, 9) + "!", recv q
exit()
print "unreachable"`, "h i\n3\nhi! lo\n"},
		{"compound assignment", `global g = 10
let i = 1
i += 2
i -= 1
i *= 5
i /= 3
i %= 2
g += i * 2
let s = "a"
s += 1 + 1
print i, g, s`, "1 12 a2\n"},
		{"compound on every target", `let a = [1, 2, 3]
let o = {x: 1}
let n = 5
let p = &n
a[2] -= 1
o.x *= 7
*p %= 3
print a[2], o.x, n`, "2 7 2\n"},
		{"compound right side in parentheses", `let x = 5
x *= 1 + 1
x -= 3 - 1
print x`, "8\n"},
		{"compound target evaluated once", `let a = [0, 0]
global calls = 0
func at() {
  calls += 1
  return 1
}
func next() {
  print "next"
  return {v: 1}
}
a[at()] += 5
next().v += 1
print a[1], calls`, "next\n5 1\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errw, res := run(t, c.src)
			if out != c.want {
				t.Errorf("got %q, want %q\nstderr: %s", out, c.want, errw)
			}
			if res.ExitCode() != 0 {
				t.Errorf("exit code %d, stderr %s", res.ExitCode(), errw)
			}
		})
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src, want string
	}{
		{"nil deref", "let p = nil\nprint p[0]", "segmentation fault: read of 8 bytes at 0x0"},
		{"write text", "func f() {}\nlet p = &f\n*p = 1", "write to the text segment"},
		{"stack overflow", "func r(n) { return r(n+1) }\ncall r(0)", "stack overflow"},
		{"use after free", "let p = alloc 8\nfree p\np[0] = 1", "use-after-free: write of 8 bytes"},
		{"heap overflow", "let a = [1]\nprint a[1]", "heap-buffer-overflow: read of 8 bytes"},
		{"heap underflow", "let a = [1]\nprint a[-1]", "heap-buffer-overflow"},
		{"double free", "let p = alloc 8\nfree p\nfree p", "double-free"},
		{"invalid free", "let p = alloc 16\nfree p + 8", "invalid-free"},
		{"free of stack", "let x = 1\nfree &x", "invalid-free"},
		{"stack use after return", "func f() { let x = 1\nreturn &x }\nlet p = f()\nprint *p", "stack-use-after-return"},
		{"div by zero", "let z = 0\nprint 1 / z", "integer divide by zero"},
		{"mod by zero", "let z = 0\nprint 1 % z", "integer divide by zero"},
		{"type error", "print true + 1", "type error: invalid operation: bool + int"},
		{"no field", "let o = {a: 1}\nprint o.b", "has no field b"},
		{"field of int", "let o = 5\nprint o.b", "segmentation fault"},
		{"field of array", "let a = [1]\nprint a.b", "is an array, not an object"},
		{"compare", "print \"a\" < 1", "cannot compare string < int"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errw, _ := run(t, c.src)
			if !strings.Contains(errw, c.want) {
				t.Errorf("stderr %q does not contain %q", errw, c.want)
			}
			if !strings.Contains(errw, "+++ killed by SIG") {
				t.Errorf("no kill line in %q", errw)
			}
		})
	}
}

// TestWithValues: a with clause gives each key a value in its range, or
// the process dies with a type error before the thread or process exists.
func TestWithValues(t *testing.T) {
	t.Parallel()
	bad := []struct{ with, want string }{
		{`tickets: 0-100`, "with tickets: want an int from 1 to 1000000, not -100"},
		{`tickets: 0`, "with tickets: want an int from 1 to 1000000, not 0"},
		{`tickets: 1000001`, "with tickets: want an int from 1 to 1000000, not 1000001"},
		{`tickets: 9223372036854775807`, "with tickets: want an int from 1 to 1000000, not 9223372036854775807"},
		{`burst: 0-3`, "with burst: want a number of ticks >= 0, not -3"},
		{`name: ""`, `with name: want a non-empty string without control characters, not ""`},
		{`name: "` + strings.Repeat("n", 65) + `"`, `with name: a name is at most 64 bytes, not 65`},
		{`name: "a\n     5 [1/1] +++ exited with 0 +++"`, `with name: want a non-empty string without control characters, not "a\n     5`},
		{`priority: "high"`, "with priority: want an int, not string"},
	}
	for _, form := range []string{"thread", "spawn"} {
		cases := bad
		if form == "spawn" {
			cases = append(cases[:len(cases):len(cases)],
				struct{ with, want string }{`host: ""`, `with host: want a non-empty string without control characters, not ""`},
				struct{ with, want string }{`host: "b\tc"`, `with host: want a non-empty string without control characters, not "b\tc"`})
		}
		for _, c := range cases {
			src := "func f() { print \"started\" }\nlet x = " + form + " f() with {" + c.with + "}\nprint \"created\""
			out, errw, _ := run(t, src)
			if out != "" || !strings.Contains(errw, "type error: "+c.want) || !strings.Contains(errw, "+++ killed by SIGABRT +++") {
				t.Errorf("%s with {%s}: stdout %q, stderr %q, want a type error %q", form, c.with, out, errw, c.want)
			}
		}
	}
	// The ends of each range, and priorities below the default.
	out, errw, res := run(t, `func f() { return 0 }
join thread f() with {tickets: 1, burst: 0, priority: -5, name: "lowest ticket"}
join thread f() with {tickets: 1000000, burst: 9223372036854775807, priority: 9223372036854775807}
wait spawn f() with {host: "b", name: "remote"}
print "ok"`)
	if out != "ok\n" || res.ExitCode() != 0 {
		t.Errorf("stdout %q, stderr %q, exit %d", out, errw, res.ExitCode())
	}
}

func TestAssertExitCode(t *testing.T) {
	t.Parallel()
	_, errw, res := run(t, "assert 1 == 2, \"math\"")
	if res.ExitCode() != 1 || !strings.Contains(errw, "assertion failed: math") || !strings.Contains(errw, "SIGABRT") {
		t.Errorf("exit %d, stderr %q", res.ExitCode(), errw)
	}
	_, _, res = run(t, "assert 1 == 1")
	if res.ExitCode() != 0 {
		t.Errorf("passing assert: exit %d", res.ExitCode())
	}
}

func TestStepLimit(t *testing.T) {
	t.Parallel()
	_, errw, res := run(t, "while true { }", "max_steps=500")
	if res.ExitCode() != 1 || !strings.Contains(errw, "step limit reached (max_steps=500)") {
		t.Errorf("exit %d, stderr %q", res.ExitCode(), errw)
	}
}

// TestAllocNegative: a negative size fails as malloc of the size_t it
// would be fails, and the trace says why; it is not a block of 0 bytes.
func TestAllocNegative(t *testing.T) {
	t.Parallel()
	out, errw := runTraced(t, "let p = alloc (0-5)\nprint p", runtime.CatMem, testkit.HWOffSets...)
	want := "     2 [1/1] alloc(-5) = nil  negative size (as malloc's size_t it is 18446744073709551611 bytes, beyond heap_max 1048576)\n" +
		"     5 [1/1] | nil\n"
	if out != want {
		t.Errorf("trace:\n%s\nwant:\n%s\nstderr: %s", out, want, errw)
	}
}

func TestHeapMax(t *testing.T) {
	t.Parallel()
	out, _, _ := run(t, `let n = 0
while (alloc 1000) != nil { n = n + 1 }
print n`, "heap_max=8192")
	if out != "8\n" { // 8 chunks of 16+1000 bytes rounded up to 1024
		t.Errorf("got %q", out)
	}
}

func TestOutputLimit(t *testing.T) {
	t.Parallel()
	_, errw, res := run(t, `while true { print "xxxxxxxxx" }`, "max_output=100")
	if res.ExitCode() != 1 || !strings.Contains(errw, "output limit reached") {
		t.Errorf("exit %d, stderr %q", res.ExitCode(), errw)
	}
}

// TestExitReleasesLocksInOrder: a thread that ends holding mutexes releases
// them in the order they were made, so the threads waiting for them wake,
// and run, in that order on every run.
func TestExitReleasesLocksInOrder(t *testing.T) {
	t.Parallel()
	src := `func holder(a, b, c, d) {
	lock d; lock c; lock b; lock a
	sleep 200
	return 0
}
func waiter(m, k) { lock m; print k; unlock m }
let a = mutex()
let b = mutex()
let c = mutex()
let d = mutex()
let h = thread holder(a, b, c, d)
sleep 1
let w4 = thread waiter(d, 4)
let w3 = thread waiter(c, 3)
let w1 = thread waiter(a, 1)
let w2 = thread waiter(b, 2)
join h; join w1; join w2; join w3; join w4
`
	for i := 0; i < 30; i++ {
		out, errs, _ := run(t, src)
		if out != "1\n2\n3\n4\n" {
			t.Fatalf("run %d: output %q, want the waiters in the order their mutexes were made (stderr %q)", i, out, errs)
		}
	}
}

// TestExitStatusEightBits: a status is 8 bits wherever it is seen, as on
// Linux (status & 0xff): the exit line, wait, the statistics, the JSON
// records and explore's outcomes; a main that returns one too.
func TestExitStatusEightBits(t *testing.T) {
	t.Parallel()
	src := `func big() { exit 1000 }
func minus() { exit 0-1 }
let a = spawn big()
let b = spawn minus()
print wait a, wait b
let c = fork
if c == 0 { return 1000 }
print wait c
`
	out, _ := runTraced(t, src, runtime.CatProc)
	for _, want := range []string{
		"+++ exited with 232 +++  (1000 & 0xff: an exit status is 8 bits)",
		"+++ exited with 255 +++  (-1 & 0xff: an exit status is 8 bits)",
		"reaped zombie 2, status 232",
		"| 232 255",
		"| 232\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("trace lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "1000 +++") || strings.Contains(out, "status 1000") {
		t.Errorf("a status of more than 8 bits:\n%s", out)
	}

	prog, err := Load("t.proc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var js, errw bytes.Buffer
	s, err := NewSession(prog, Options{Trace: runtime.CatProc, JSON: true, Stats: true, Stdout: &js, Stderr: &errw})
	if err != nil {
		t.Fatal(err)
	}
	s.Run()
	for _, want := range []string{`"status":232`, `"status":255`, `"exit":232`, `"exit":255`} {
		if !strings.Contains(js.String(), want) {
			t.Errorf("JSON lacks %s:\n%s", want, js.String())
		}
	}
	if strings.Contains(js.String(), `"status":1000`) || strings.Contains(js.String(), `"exit":1000`) || strings.Contains(js.String(), `:-1,`) {
		t.Errorf("JSON has a status of more than 8 bits:\n%s", js.String())
	}
	// The outcomes of explore: see TestExploreExitStatusEightBits in
	// package explore.
}
