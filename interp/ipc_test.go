package interp

import (
	"strings"
	"testing"

	"proc/interp/internal/testkit"
	"proc/runtime"
)

func TestIPC(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src, want string
	}{
		{"pipe keeps no boundaries", `let r, w = pipe()
send w, "ab"
send w, "cd"
print recv r`, "abcd\n"},
		{"pipe recv max", `let r, w = pipe()
send w, "abcdef"
print recv r, 4
print recv r`, "abcd\nef\n"},
		{"pipe eof", `let r, w = pipe()
send w, "x"
close w
print recv r
print "[" + (recv r) + "]"`, "x\n[]\n"},
		{"pipe inherited", `func child(w) { send w, "from child" }
let r, w = pipe()
let p = spawn child(w)
close w
print recv r
print "[" + (recv r) + "]"
wait p`, "from child\n[]\n"},
		{"pipe blocks when full", `config pipe_cap = 4
func reader(r) { sleep 50
  print recv r
  print recv r }
let r, w = pipe()
let t = thread reader(r)
send w, "abcdefgh"
print "sent all at", now() > 50
join t`, "abcd\nefgh\nsent all at true\n"},
		{"mqueue priority and fifo", `let q = mqueue("q")
send q, "a", 1
send q, "b", 5
send q, "c", 1
send q, "d", 5
print (recv q), (recv q), (recv q), (recv q)`, "b d a c\n"},
		{"mqueue keeps boundaries and kinds", `let q = mqueue("q")
send q, 42
send q, "x"
let v = recv q
print v + 1, (recv q)`, "43 x\n"},
		{"mqueue shared by name", `func w() { let q = mqueue("jobs")
  send q, "hi" }
let q = mqueue("jobs")
wait spawn w()
print recv q`, "hi\n"},
		{"shm shared between processes", `func w() { let s = shm("seg", 16)
  s[1] = 7 }
let s = shm("seg", 16)
wait spawn w()
print s[1]`, "7\n"},
		{"mmap shared writes through", `func w() { let f = mmap("f", 8, "shared")
  f[0] = "x" }
wait spawn w()
let f = mmap("f", 8, "private")
print f[0]`, "x\n"},
		{"mmap private is a copy", `let a = mmap("f", 8, "shared")
let b = mmap("f", 8, "private")
b[0] = 5
print a[0], b[0]`, "0 5\n"},
		{"sockets", `func server() { let l = listen(7)
  let c = accept(l)
  send c, "pong " + recv c }
let s = spawn server() with {host: "b"}
sleep 50
let c = connect("b", 7)
send c, "ping"
print recv c
print connect("b", 8), connect(7)`, "pong ping\nnil nil\n"},
		{"socket latency", `config net_latency = 30
func server() { let l = listen(7)
  let c = accept(l)
  send c, "x" }
let s = spawn server() with {host: "b"}
sleep 50
let c = connect("b", 7)
let t0 = now()
let m = recv c
print m, now() - t0 >= 30`, "x true\n"},
		{"hosts separate names", `func w() { let q = mqueue("q")
  send q, "other host" }
let q = mqueue("q")
wait spawn w() with {host: "b"}
send q, "this host"
print recv q`, "this host\n"},
		{"no fds cross hosts", `func writer(fd) { send fd, "x" }
let r, w = pipe()
print wait spawn writer(w) with {host: "b"}`, "0\n"},
		{"mutex", `global n = 0
func f(m) { for i in 0..50 { lock m
  n = n + 1
  unlock m } }
let m = mutex()
let a = thread f(m)
let b = thread f(m)
join a
join b
print n`, "100\n"},
		{"semaphore", `let s = sem(0)
func w(s) { down(s)
  print "after up" }
let t = thread w(s)
sleep 10
print "before up"
up(s)
join t`, "before up\nafter up\n"},
		{"cond", `global ready = false
func w(m, c) { lock m
  while !ready { cwait(c, m) }
  unlock m
  print "ready" }
let m = mutex()
let c = cond()
let t = thread w(m, c)
sleep 10
lock m
ready = true
broadcast(c)
unlock m
join t`, "ready\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errw, res := run(t, c.src)
			if out != c.want {
				t.Errorf("got %q, want %q\nstderr: %s", out, c.want, errw)
			}
			if res.ExitCode() != 0 {
				t.Errorf("exit %d: %s", res.ExitCode(), errw)
			}
		})
	}
}

func TestIPCFaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src, want string
	}{
		{"sigpipe", "let r, w = pipe()\nclose r\nsend w, \"x\"", "broken pipe"},
		{"bad unlock", "let m = mutex()\nunlock m", "bad unlock"},
		{"relock", "let m = mutex()\nlock m\nlock m", "already holds it"},
		{"not a mutex", "lock 3", "is not a mutex"},
		{"handle of another process", "func w(m) { lock m }\nlet m = mutex()\nwait spawn w(m)\nprint 1", "does not exist in process 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errw, _ := run(t, c.src)
			if !strings.Contains(errw, c.want) {
				t.Errorf("stderr %q does not contain %q", errw, c.want)
			}
		})
	}
}

// TestSemMax: a semaphore's count stays within 0..SEM_VALUE_MAX. A count
// that wrapped to a negative one would make every down block, and the
// deadlock report would then say the semaphore is 0.
func TestSemMax(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src, out, err string
	}{
		{"sem(n) past the maximum", "let s = sem(9223372036854775807)\nprint \"made\"",
			"", "type error: sem: want sem(n) or sem(name, n) with 0 <= n <= 2147483647"},
		{"named sem past the maximum", "let s = sem(\"s\", 2147483648)\nprint \"made\"",
			"", "with 0 <= n <= 2147483647"},
		{"up at the maximum", "let s = sem(2147483646)\nup(s)\nprint \"at the maximum\"\nup(s)\nprint \"wrapped\"",
			"at the maximum\n", "type error: up(sem#1): EOVERFLOW: sem#1 is already at its maximum, 2147483647"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errw, _ := run(t, c.src)
			if out != c.out {
				t.Errorf("stdout %q, want %q (stderr %q)", out, c.out, errw)
			}
			if !strings.Contains(errw, c.err) || !strings.Contains(errw, "+++ killed by SIGABRT +++") {
				t.Errorf("stderr %q does not contain %q and the kill", errw, c.err)
			}
		})
	}
}

// TestPrintAfterClose: print is a write to descriptor 1. Once closed, it
// writes nothing, in the process and in the children that inherit its
// table, and so when a pipe or a queue has taken the number since; the
// trace shows each failed write.
func TestPrintAfterClose(t *testing.T) {
	t.Parallel()
	src := `func child() { print "child" }
print "before"
close 1
print "after", 1
wait spawn child()
close 0
let r, w = pipe()
print "into a pipe"
close r
close w
let q = mqueue("q")
print "into a queue"`
	out, errw, res := run(t, src)
	if out != "before\n" || errw != "" || res.ExitCode() != 0 {
		t.Errorf("stdout %q, stderr %q, exit %d; want only the line before the close", out, errw, res.ExitCode())
	}
	out, _ = runTraced(t, src, runtime.CatIPC, testkit.HWOffSets...) // ticks of instructions alone
	for _, want := range []string{
		"     1 [1/1] | before\n",
		"     6 [1/1] write(1, \"after 1\\n\") = nil  (EBADF: descriptor 1 is not open in process 1)\n",
		"[2/2] write(1, \"child\\n\") = nil  (EBADF: descriptor 1 is not open in process 2)\n",
		"[1/1] write(1, \"into a pipe\\n\") = nil  (descriptor 1 is the write end of pipe 1, not the terminal: print writes only to the terminal)\n",
		"[1/1] write(1, \"into a queue\\n\") = nil  (EBADF: descriptor 1 is not open in process 1)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("trace does not contain %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "| ") != 1 {
		t.Errorf("more than one line of output:\n%s", out)
	}
}

// TestOtherHostKeepsOnlyTheTerminal: a process on another host reaches
// its parent's host only over sockets, even through a pipe that took
// descriptor 0, 1 or 2 after a close.
func TestOtherHostKeepsOnlyTheTerminal(t *testing.T) {
	t.Parallel()
	out, errw, _ := run(t, `func f() { print recv 0 }
close 0
let r, w = pipe()
send w, "crossed hosts"
wait spawn f() with {host: "b"}
print recv r`)
	if out != "nil\ncrossed hosts\n" {
		t.Errorf("stdout %q, want the child's recv on 0 to fail (stderr %q)", out, errw)
	}
}

func TestDeadlocks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src string
		want      []string
	}{
		{"forgotten close", `func p(w) { send w, "x" }
let r, w = pipe()
let c = spawn p(w)
let a = recv r
let b = recv r`, []string{"deadlock", "write end still open in: process 1 (fd 4)", "waits for itself"}},
		{"lock cycle", `func f(a, b) { lock a
  sleep 50
  lock b }
let m1 = mutex()
let m2 = mutex()
let t1 = thread f(m1, m2)
let t2 = thread f(m2, m1)
join t1`, []string{"deadlock", "mutex#1 is held by 1/2", "mutex#2 is held by 1/3", "cycle: 1/2 -> 1/3 -> 1/2"}},
		{"join cycle", `global t1
global t2
func a() { sleep 10
  join t2 }
func b() { sleep 10
  join t1 }
t1 = thread a()
t2 = thread b()
join t1`, []string{"deadlock", "join(3): waiting for thread 1/3 to end", "cycle: 1/2 -> 1/3 -> 1/2"}},
		{"empty queue", `let q = mqueue("q")
print recv q`, []string{"mqueue /q is empty"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errw, res := run(t, c.src)
			if res.ExitCode() != 1 {
				t.Errorf("exit %d", res.ExitCode())
			}
			for _, w := range c.want {
				if !strings.Contains(errw, w) {
					t.Errorf("stderr %q does not contain %q", errw, w)
				}
			}
		})
	}
}

// A shared segment or a shared file lands at a different address in each
// process that spawn made, as address-space randomization has it on real
// systems: a pointer into shared memory means nothing in another process,
// only an offset does. A forked child is a copy of its parent, mappings
// and layout alike, so it maps the next segment where its parent would.
func TestSharedMappingsMoveBetweenProcesses(t *testing.T) {
	t.Parallel()
	src := `func child(at, file) {
  let s = shm("seg", 16)
  let f = mmap("f", 16, "shared")
  s[0] = 7
  f[0] = 8
  print s != at, f != file
}
let s = shm("seg", 16)
let f = mmap("f", 16, "shared")
wait spawn child(s, f)
print s[0], f[0]
let pid = fork
if pid == 0 {
  print "forked child:", shm("other", 8)
  exit 0
}
wait pid
print "parent:", shm("other", 8)
`
	out, errw, res := run(t, src)
	if res.ExitCode() != 0 {
		t.Fatalf("exit %d: %s", res.ExitCode(), errw)
	}
	lines := strings.Split(out, "\n")
	if len(lines) < 4 || lines[0] != "true true" || lines[1] != "7 8" {
		t.Fatalf("a spawned process maps at the same addresses as its parent:\n%s", out)
	}
	child, parent := strings.TrimPrefix(lines[2], "forked child: "), strings.TrimPrefix(lines[3], "parent: ")
	if child != parent {
		t.Errorf("a forked child maps a new segment at %s, its parent at %s", child, parent)
	}
}

// TestForkCountsSharedMappings: a forked child maps what its parent
// maps shared, so each of its mappings counts until it exits.
func TestForkCountsSharedMappings(t *testing.T) {
	t.Parallel()
	out, errw, _ := run(t, `let a = mmap("f.dat", 8, "shared")
let pid = fork()
if pid == 0 {
    sleep 20
    show files
    exit 0
}
show files
exit 0
`)
	both := strings.Index(out, "f.dat  8 bytes, 2 shared mappings")
	child := strings.Index(out, "f.dat  8 bytes, 1 shared mapping\n")
	if both < 0 || child < both {
		t.Errorf("want 2 shared mappings while both run, then 1 once the parent exits; stdout:\n%s\nstderr:\n%s", out, errw)
	}
}
