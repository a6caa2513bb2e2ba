package interp

import (
	"strings"
	"testing"

	"proc/interp/internal/testkit"
	"proc/runtime"
)

// atomicRun runs src and returns its exit code and everything it wrote.
func atomicRun(t *testing.T, src string, race bool, sets ...string) (int, string) {
	t.Helper()
	prog, err := Load("a.proc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	s, err := NewSession(prog, Options{Trace: 0, Stdout: &out, Stderr: &out, Race: race, Sets: sets})
	if err != nil {
		t.Fatal(err)
	}
	return s.Run().ExitCode(), out.String()
}

// TestAtomicSemantics: what each atomic instruction stores and returns.
func TestAtomicSemantics(t *testing.T) {
	t.Parallel()
	cases := []struct{ src, want string }{
		{`global g = 5
print xchg(&g, 7), g`, "5 7"},
		{`global g = "old"
print xchg(&g, nil), g`, "old nil"},
		{`global g = 40
print fetch_add(&g, 2), g, fetch_add(&g, -50), g`, "40 42 42 -8"},
		{`global g = 0x7fffffffffffffff
print fetch_add(&g, 1), g`, "9223372036854775807 -9223372036854775808"},
		{`global g = 1
print cas(&g, 1, 2), g, cas(&g, 1, 3), g`, "true 2 false 2"},
		{`global g = "a"
print cas(&g, "a", "b"), g, cas(&g, "a", "c"), g`, "true b false b"},
		// A word never stored to reads as 0, in bss and on the heap.
		{`global g
let p = alloc 16
print fetch_add(&g, 3), fetch_add(p + 8, 4), g, p[1]
free p`, "0 0 3 4"},
		// A local's address, an element, a field: any word will do.
		{`let x = 1
let a = [1, 2]
let o = {n: 9}
print xchg(&x, 2), x, fetch_add(&a[1], 1), a[1], cas(&o.n, 9, 10), o.n
free a
free o`, "1 2 2 3 true 10"},
		// An int is an address too, as for a load.
		{`global g = 1
let p = &g
print xchg(p - 0, 3), g`, "1 3"},
	}
	for _, c := range cases {
		code, out := atomicRun(t, c.src, false, "max_steps=1000")
		if code != 0 || strings.TrimSpace(out) != c.want {
			t.Errorf("%s\nexit %d, output %q, want %q", c.src, code, out, c.want)
		}
	}
}

// TestAtomicFaults: an atomic instruction faults as a load or a store
// through the same pointer does, with the line.
func TestAtomicFaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		src  string
		want []string
	}{
		{`let s = "x"
xchg(s, 1)`, []string{"SIGABRT", "type error: xchg of a string (want a pointer)", "main, line 2"}},
		{`cas(true, 1, 2)`, []string{"type error: cas of a bool (want a pointer)", "SIGABRT"}},
		{`global g = 0
fetch_add(&g, "1")`, []string{"type error: fetch_add(0x401000, \"1\"): it adds an int, not a string", "main, line 2"}},
		{`global g = true
fetch_add(&g, 1)`, []string{"type error: fetch_add(0x401000, 1): the word there holds a bool, not an int", "main, line 2"}},
		{`xchg(nil, 1)`, []string{"segmentation fault: read of 8 bytes at 0x0 (address not mapped)", "a nil pointer", "SIGSEGV", "main, line 1"}},
		{`fetch_add(0x1234, 1)`, []string{"segmentation fault", "address not mapped", "SIGSEGV"}},
		{`func f() { }
cas(&f, 0, 1)`, []string{"segmentation fault: write of 8 bytes", "text segment", "main, line 2"}},
		{`let p = alloc 8
free p
fetch_add(p, 1)`, []string{"use-after-free: read of 8 bytes", "main, line 3"}},
		{`let p = alloc 8
xchg(p + 8, 1)`, []string{"heap-buffer-overflow", "main, line 2"}},
	}
	for _, c := range cases {
		_, out := atomicRun(t, c.src, false, "max_steps=1000")
		if !strings.Contains(out, "+++ killed by") {
			t.Errorf("%s\nnot killed, want a fault:\n%s", c.src, out)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s\nthe report lacks %q:\n%s", c.src, w, out)
			}
		}
	}
}

// spinLock is two threads adding to a counter under a lock; lock and
// unlock are the statements that take and release it.
func spinLock(lock, unlock string) string {
	return `global flag = 0
global next = 0
global serving = 0
global counter = 0
func w() {
    for i in 0..3 {
        ` + lock + `
        counter = counter + 1
        ` + unlock + `
    }
}
let a = thread w()
let b = thread w()
join a
join b
print counter
`
}

// TestAtomicRace: atomic instructions order what comes before and after
// them, as a lock does, and never race with each other; a plain access
// still races with an atomic one.
func TestAtomicRace(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src string
		race      bool
		want      []string
	}{
		{"test-and-set", spinLock("while xchg(&flag, 1) == 1 { yield }", "xchg(&flag, 0)"), false, nil},
		{"cas lock", spinLock("while !cas(&flag, 0, 1) { yield }", "cas(&flag, 1, 0)"), false, nil},
		{"ticket lock", spinLock("let my = fetch_add(&next, 1)\n while fetch_add(&serving, 0) != my { yield }", "fetch_add(&serving, 1)"), false, nil},
		{"no lock", spinLock("", ""), true, []string{"data race on global counter"}},
		{"a plain unlock races with the xchg", spinLock("while xchg(&flag, 1) == 1 { yield }", "flag = 0"), true,
			[]string{"data race on global flag"}},
		{"a plain spin races with the unlock", spinLock("let my = fetch_add(&next, 1)\n while serving != my { yield }", "fetch_add(&serving, 1)"), true,
			[]string{"data race on global serving"}},
		{"atomic counters", `global n = 0
func w() { for i in 0..5 { fetch_add(&n, 1) } }
let a = thread w()
let b = thread w()
join a
join b
print n`, false, nil},
		// A failed cas reads: it never races with another atomic
		// instruction, but a plain store races with it.
		{"failed cas and xchg", `global g = 0
func w() { for i in 0..5 { cas(&g, 7, 8)
  xchg(&g, i) } }
let a = thread w()
let b = thread w()
join a
join b`, false, nil},
		{"failed cas and a plain store", `global g = 0
func w() { cas(&g, 7, 8) }
let a = thread w()
g = 1
join a`, true, []string{"data race on global g"}},
		// An atomic on one word orders nothing for the threads that use
		// another.
		{"two words", `global x = 0
global y = 0
global data = 0
func w() { data = 1
  xchg(&x, 1) }
let a = thread w()
sleep 50
xchg(&y, 1)
print data
join a`, true, []string{"data race on global data"}},
		// A message through an atomic flag: the store before the
		// release is seen after the acquire.
		{"publication", `global ready = 0
global data = 0
func w() { data = 42
  xchg(&ready, 1) }
let a = thread w()
while xchg(&ready, 1) == 0 { xchg(&ready, 0)
  yield }
print data
join a`, false, nil},
		{"shm across processes", `func w() { let s = shm("c", 8)
  for i in 0..5 { fetch_add(s, 1) } }
let s = shm("c", 8)
let p = spawn w()
for i in 0..5 { fetch_add(s, 1) }
wait p
print s[0]`, false, nil},
		{"shm across processes, plain", `func w() { let s = shm("c", 8)
  for i in 0..5 { s[0] = s[0] + 1 } }
let s = shm("c", 8)
let p = spawn w()
for i in 0..5 { fetch_add(s, 1) }
wait p`, true, []string{"data race on", "/dev/shm/c"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, q := range []string{"quantum=1", "quantum=3", "quantum=7"} {
				_, out := atomicRun(t, c.src, true, q, "max_steps=100000")
				if got := strings.Contains(out, "data race"); got != c.race {
					t.Errorf("%s: race reported: %v, want %v\n%s", q, got, c.race, out)
				}
				for _, w := range c.want {
					if !strings.Contains(out, w) {
						t.Errorf("%s: report lacks %q:\n%s", q, w, out)
					}
				}
			}
		})
	}
}

// TestAtomicShm: two processes add to a word of shared memory, each
// through its own mapping, and lose nothing.
func TestAtomicShm(t *testing.T) {
	t.Parallel()
	src := `func w() { let s = shm("c", 8)
  for i in 0..50 { fetch_add(s, 1) } }
let s = shm("c", 8)
let p = spawn w()
for i in 0..50 { fetch_add(s, 1) }
wait p
print s[0]`
	for _, q := range []string{"quantum=1", "quantum=2", "quantum=5"} {
		if code, out := atomicRun(t, src, false, q); code != 0 || strings.TrimSpace(out) != "100" {
			t.Errorf("%s: exit %d, output %q, want 100", q, code, out)
		}
	}
}

// TestAtomicCost: an atomic instruction costs one instruction, like a
// load or a store; with a TLB and a cache its word goes through them as
// a load's does.
func TestAtomicCost(t *testing.T) {
	t.Parallel()
	ticks := func(src string, sets ...string) string {
		_, out := atomicRun(t, src, false, sets...)
		return strings.TrimSpace(out)
	}
	// g = 1 is two instructions (int, storeg); xchg(&g, 1) four: the
	// address, the value, the xchg and the pop of its result. Without a
	// TLB and a cache (testkit.HWOffSets) those are the ticks.
	off := testkit.HWOffSets
	plain := "global g = 0\nlet t0 = now()\ng = 1\nprint now() - t0"
	atomic := "global g = 0\nlet t0 = now()\nxchg(&g, 1)\nprint now() - t0"
	if a, b := ticks(plain, off...), ticks(atomic, off...); a != "4" || b != "6" {
		t.Errorf("a store took %s ticks, an xchg %s; want 4 and 6", a, b)
	}
	// A word on a page of its own: the xchg misses in the TLB and the
	// cache, and pays for both.
	far := "let p = alloc 8192\nlet q = p + 4096\nlet t0 = now()\nxchg(q, 1)\nprint now() - t0\nfree p"
	hw := []string{"tlb_entries=4", "cache_lines=8", "tlb_miss_cost=3", "cache_miss_cost=2"}
	if a, b := ticks(far, off...), ticks(far, hw...); a != "6" || b != "11" {
		t.Errorf("an xchg on a far page took %s ticks, %s with a TLB and a cache; want 6 and 11", a, b)
	}
}

// footprints runs src under a chooser that takes the threads in turn,
// and returns the footprint of every thread it found stopped before an
// atomic instruction or a load or store of a global, by line.
func footprints(t *testing.T, src string) map[int]Footprint {
	t.Helper()
	prog, err := Load("f.proc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c := &fpChooser{got: map[int]Footprint{}}
	var out strings.Builder
	s, err := NewSession(prog, Options{Trace: 0, Stdout: &out, Stderr: &out, Chooser: c, Sets: []string{"max_steps=10000"}})
	if err != nil {
		t.Fatal(err)
	}
	c.vm = s.VM
	s.Run()
	return c.got
}

type fpChooser struct {
	vm  *VM
	got map[int]Footprint
}

func (c *fpChooser) Choose(enabled []*runtime.Thread, last *runtime.Thread, yielded bool) int {
	for _, t := range enabled {
		th := t.Ctx.(*threadCtx)
		if len(th.frames) == 0 {
			continue
		}
		fr := th.top()
		if fr.pc >= len(fr.fn.Code) {
			continue
		}
		switch fr.fn.Code[fr.pc].Op {
		case OpBuiltin, OpLoadG, OpStoreG:
			line := int(fr.fn.Lines[fr.pc].Line)
			if _, ok := c.got[line]; !ok {
				c.got[line] = c.vm.Next(t)
			}
		}
	}
	for i, t := range enabled {
		if t != last {
			return i
		}
	}
	return 0
}

// TestAtomicFootprint: an atomic instruction is a read and a write of the
// word it works on: dependent with every access to that word, independent
// of the accesses to others.
func TestAtomicFootprint(t *testing.T) {
	t.Parallel()
	fps := footprints(t, `global a = 0
global b = 0
func w1() {
    xchg(&a, 1)
    fetch_add(&b, 1)
    a = 5
}
func w2() {
    cas(&a, 0, 2)
    let x = b
    let y = a
}
let t1 = thread w1()
let t2 = thread w2()
join t1
join t2
`)
	for _, line := range []int{4, 5, 6, 9, 10, 11} {
		if fp, ok := fps[line]; !ok || fp.kind != fpMem {
			t.Fatalf("line %d: footprint %+v (found %v), want one of memory", line, fp, ok)
		}
	}
	dep := func(x, y int) bool { a, b := fps[x], fps[y]; return Dependent(&a, &b) }
	for _, c := range []struct {
		x, y int
		want bool
	}{
		{4, 9, true},   // xchg and cas on a
		{4, 11, true},  // xchg and a plain load of a
		{6, 9, true},   // a plain store and a cas on a
		{5, 10, true},  // fetch_add and a plain load of b
		{4, 10, false}, // xchg of a, a load of b
		{5, 9, false},  // fetch_add of b, cas of a
		{5, 11, false}, // fetch_add of b, a load of a
	} {
		if got := dep(c.x, c.y); got != c.want {
			t.Errorf("lines %d and %d: dependent %v, want %v", c.x, c.y, got, c.want)
		}
	}
	if !fps[9].write || !fps[4].write || fps[11].write {
		t.Errorf("an atomic instruction writes, a load does not: %+v %+v %+v", fps[4], fps[9], fps[11])
	}

	// One that will fault commutes with nothing: the process dies.
	fps = footprints(t, `global a = 0
func w() { a = 1 }
let t = thread w()
fetch_add(&a, "x")
join t
`)
	if fp, ok := fps[4]; !ok || fp.kind != fpAll {
		t.Errorf("a fetch_add of a string: footprint %+v (found %v), want one that depends on everything", fp, ok)
	}
	fps = footprints(t, `global a = true
func w() { a = 1 }
let t = thread w()
fetch_add(&a, 1)
join t
`)
	if fp, ok := fps[4]; !ok || fp.kind != fpAll {
		t.Errorf("a fetch_add to a bool: footprint %+v (found %v), want one that depends on everything", fp, ok)
	}
}
