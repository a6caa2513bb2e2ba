package interp

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"proc/runtime"
)

// fastCases are programs for the fast path's corner cases: operands of
// other types in every fused sequence, pointer arithmetic, shared pages
// after fork, calls and returns between frames, recursion into the guard
// page, and threads preempted in the middle of fused loops.
var fastCases = map[string]string{
	"types": `func f(a, b) {
	let s = a + b
	let t = a - 1
	let u = a < b
	let v = a
	v = v + 1
	s = a * 2
	if a < b { print "lt" }
	if a < 3 { print "lt3" }
	return s
}
print f(1, 2), f("x", "y")
print f(2, "y")
print f(nil, 1)
`,
	"loops": `func sum(n) {
	let s = 0
	for i in 0..n { s = s + i; if s > 40 { s = s - 7 } }
	let j = 0
	while j < n { j = j + 3 }
	for k in "a"..3 { print k }
	return s + j
}
print sum(20)
`,
	"pointers": `let p = alloc 64
let q = p + 8
q = q - 8
print q == p, p < q
free p
`,
	"fork": `global g = 5
func work(n) {
	let s = 0
	for i in 0..n { s = s + i }
	return s
}
let x = 1
let pid = fork
x = x + 1
print work(10) + x, g
if pid != 0 { wait pid }
`,
	"threads": `global counter = 0
func spin(n) {
	let s = 0
	for i in 0..n { s = s + i * 2; counter = counter + 1 }
	return s
}
let a = thread spin(30)
let b = thread spin(45)
print join a, join b, counter
`,
	"recursion": `func fib(n) { if n < 2 { return n }; return fib(n-1) + fib(n-2) }
func deep(n) { return deep(n + 1) + 1 }
func count(s) { if len(s) > 3 { return s }; return count(s + 1) }
func walk(p) { if p == nil { return 0 }; return walk(nil) + 1 }
print fib(15), count("a"), walk(alloc 8 + 8)
thread deep(0)
`,
}

// corpus returns the sources of the examples, the exercises and the
// fast path cases, by name.
func corpus(t *testing.T) map[string][]byte {
	t.Helper()
	progs := map[string][]byte{}
	for name, src := range fastCases {
		progs[name] = []byte(src)
	}
	for _, pat := range []string{"../examples/*.proc", "../exercises/*/*.proc"} {
		files, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			progs[f] = src
		}
	}
	return progs
}

// TestFastPathSameTrace runs every example, every exercise and the cases
// above under several configurations with and without the VM's fast path
// (fastRun, fused sequences, calls and returns run there, and a thread
// alone passing its quantum boundaries in one step), and requires the
// same bytes: the full trace, the statistics and the exit status.
func TestFastPathSameTrace(t *testing.T) {
	t.Parallel()
	progs := corpus(t)
	if len(progs) < 40 {
		t.Fatalf("only %d programs found", len(progs))
	}
	configs := [][]string{
		nil,
		{"sched=fifo"},
		{"quantum=1"},
		{"quantum=3", "cost_insn=2"},
		{"quantum=2", "cost_insn=5"},
		{"cost_insn=0"},
		{"sched=mlfq"},
		{"tlb_entries=4", "cache_lines=8", "tlb_miss_cost=3", "cache_miss_cost=1"},
		{"tlb_entries=16", "asid=on", "cache_lines=64", "quantum=2"},
	}
	if testing.Short() {
		configs = configs[:3]
	}
	for name, src := range progs {
		for _, sets := range configs {
			prog, err := Load(name, src)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			sets := append([]string{"max_steps=200000"}, sets...)
			if slow, fast := traceRun(prog, sets, false), traceRun(prog, sets, true); slow != fast {
				t.Errorf("%s with %s: the fast path changes the run\n%s", name, strings.Join(sets, " "), firstDiff(slow, fast))
			}
			if strings.Contains(strings.Join(sets, " "), "tlb_entries") {
				// Without the misses and the calls traced, calls and
				// returns run in fastRun with the TLB and cache too.
				cats := runtime.CatAll &^ runtime.CatCall
				slow, fast := traceRunCats(prog, sets, false, cats), traceRunCats(prog, sets, true, cats)
				if slow != fast {
					t.Errorf("%s with %s, misses not traced: the fast path changes the run\n%s", name, strings.Join(sets, " "), firstDiff(slow, fast))
				}
			}
		}
	}
}

// traceRun runs prog with every trace category but insn (tlb and cache too) and the
// statistics, with or without the fast path, and returns everything it
// printed and its exit status.
func traceRun(prog *Program, sets []string, fast bool) string {
	return traceRunCats(prog, sets, fast, runtime.CatAll|runtime.CatTLB|runtime.CatCache)
}

// traceRunCats is traceRun with the trace categories cats.
func traceRunCats(prog *Program, sets []string, fast bool, cats runtime.Category) string {
	var out bytes.Buffer
	engine := Engine{NoFastPath: !fast, EagerBudget: !fast}
	s, err := NewSession(prog, Options{Trace: cats, Stats: true, Sets: sets, Stdout: &out, Stderr: &out, Engine: engine})
	if err != nil {
		return "session: " + err.Error()
	}
	res := s.Run()
	return fmt.Sprintf("%s\nexit %d", out.String(), res.ExitCode())
}

// firstDiff shows the first line where a and b differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n  without: %s\n  with:    %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("lengths differ: %d and %d lines", len(al), len(bl))
}
