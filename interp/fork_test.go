package interp

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"proc/runtime"
)

// TestForkCopiesEveryStack: a fork by a thread other than main copies the
// whole address space, the other threads' stacks too (copy-on-write like
// the rest), though only the calling thread goes on in the child.
func TestForkCopiesEveryStack(t *testing.T) {
	t.Parallel()
	src := `global slot
func worker() {
    let x = 7
    slot = &x
    let b = alloc 8
    sleep 100
}
func forker() {
    let c = fork
    if c == 0 {
        show maps
        print "child reads", *slot
        *slot = 8
        print "child wrote", *slot
        exit 0
    }
    wait c
}
let w = thread worker()
sleep 10
let f = thread forker()
join f
join w
`
	out, _ := runTraced(t, src, runtime.CatMem)
	for _, want := range []string{
		"[stack]    65536 bytes, 32 in use; thread 1's stack, copied by fork: no thread runs on it\n",
		"[stack:2]  65536 bytes, 32 in use; thread 2's stack, copied by fork: no thread runs on it\n",
		"[stack:4]  65536 bytes, 24 in use\n",
		"| child reads 7\n",
		"copy-on-write: page 0x7efffffff000 copied (first write to a shared page)\n",
		"| child wrote 8\n",
		"[4/4] leak summary: 8 bytes in 1 block not freed at exit\n             still reachable: 8 bytes in 1 block\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("trace lacks %q:\n%s", want, out)
		}
	}

	// Once the worker has ended in the parent, the child holds its stack's
	// pages alone and writes them in place.
	late := strings.Replace(src, "    if c == 0 {\n        show maps\n", "    if c == 0 {\n        sleep 200\n", 1)
	out, _ = runTraced(t, late, runtime.CatMem)
	if !strings.Contains(out, "| child wrote 8\n") || strings.Contains(out, "copy-on-write: page 0x7efffffff000") {
		t.Errorf("a write to a page only the child still holds was counted as a copy:\n%s", out)
	}
}

// TestForkStackElsewhere: a fault at an address that is, in another
// process, a stack copied by fork with nobody on it says so, not that a
// thread of that process runs there.
func TestForkStackElsewhere(t *testing.T) {
	t.Parallel()
	_, errw, _ := run(t, `func worker() {
    let x = 5
    sleep 30
}
func reader(q) {
    let p = recv q
    print *p
}
let q = mqueue("/q")
let w = thread worker()
sleep 5
let c = fork
if c == 0 {
    send q, 0x7effffffffe8
    sleep 200
    exit 0
}
join w
let r = spawn reader(q)
wait r
wait c
`)
	want := "in process 3 it is in its copy of thread 2's stack, which fork left with no thread to run on it\n"
	if !strings.Contains(errw, want) {
		t.Errorf("report lacks %q:\n%s", want, errw)
	}
}

// TestForkCountsEveryStack: the copy of the other threads' stacks counts
// for max_copy, and the memory they hold is given back when the child
// ends.
func TestForkCountsEveryStack(t *testing.T) {
	t.Parallel()
	var lets strings.Builder
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&lets, "    let v%d = %d\n", i, i)
	}
	src := "func worker() {\n" + lets.String() + "    sleep 100\n}\n" + `let w = thread worker()
sleep 50
let c = fork
if c == 0 { exit 0 }
print c
if c != nil { wait c }
join w
`
	out, errw, _ := run(t, src, "max_copy=12000")
	if out != "nil\n" {
		t.Errorf("max_copy=12000: fork gave %q, want nil: the worker's 16 KB stack is copied too (stderr %q)", out, errw)
	}
	used := func(src string) int64 {
		prog, err := Load("t.proc", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		var o, e bytes.Buffer
		s, err := NewSession(prog, Options{Stdout: &o, Stderr: &e})
		if err != nil {
			t.Fatal(err)
		}
		s.Run()
		if o.String() != "3\n" {
			t.Fatalf("stdout %q, stderr %q", o.String(), e.String())
		}
		return s.M.Memory().Used
	}
	small := strings.Replace(src, lets.String(), "", 1)
	if a, b := used(src), used(small); a != b {
		t.Errorf("memory held after the run: %d with a big stack forked, %d without", a, b)
	}
}

// TestForkMutexes: a mutex the calling thread held is held by its copy in
// the child; one another thread held stays locked in the child for ever,
// and the deadlock report says why.
func TestForkMutexes(t *testing.T) {
	t.Parallel()
	out, errw, res := run(t, `let m = mutex()
lock m
let c = fork
if c == 0 {
    unlock m
    lock m
    unlock m
    print "child ok"
    exit 0
}
unlock m
wait c
print "parent ok"
`)
	if out != "child ok\nparent ok\n" || res.ExitCode() != 0 {
		t.Errorf("held by the caller: stdout %q, stderr %q", out, errw)
	}

	held := `func worker(m) {
    lock m
    sleep 100
    unlock m
}
let m = mutex()
let w = thread worker(m)
sleep 10
let c = fork
if c == 0 {
    CHILD
}
join w
wait c
`
	out, errw, res = run(t, strings.Replace(held, "CHILD", "lock m\n    print \"never\"\n    exit 0", 1))
	for _, want := range []string{
		"deadlock: 2 threads are blocked and none can ever run",
		"[3/3] at main, line 11: lock(mutex#1): mutex#1 is held by 1/2, which fork did not copy\n",
		"1/1 called fork while 1/2 held mutex#1: fork copies only the calling thread, so no thread of process 3 holds it, and none can ever unlock it\n",
	} {
		if !strings.Contains(errw, want) {
			t.Errorf("held by another thread: report lacks %q:\n%s", want, errw)
		}
	}
	if out != "" || res.ExitCode() != 1 {
		t.Errorf("held by another thread: stdout %q, exit %d", out, res.ExitCode())
	}

	_, errw, _ = run(t, strings.Replace(held, "CHILD", "unlock m", 1))
	if want := "bad unlock: unlock(mutex#1) by 3/3, but it is held by 1/2, which fork did not copy"; !strings.Contains(errw, want) {
		t.Errorf("unlock in the child: report lacks %q:\n%s", want, errw)
	}
}
