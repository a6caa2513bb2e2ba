package interp

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"proc/runtime"
)

// aheadRunOut runs prog with sets, its threads running ahead or not, and
// returns everything the run shows (a JSON trace of every category but
// the instructions', the statistics, the timeline, the exit status) and
// the machine's count of stretches run ahead and cut short.
func aheadRunOut(t *testing.T, prog *Program, sets []string, ahead bool) (string, int64, int64) {
	t.Helper()
	var out, chrome bytes.Buffer
	s, err := NewSession(prog, Options{Trace: runtime.CatAll | runtime.CatTLB | runtime.CatCache, JSON: true, Stats: true, Gantt: true,
		Sets: sets, Stdout: &out, Stderr: &out, Chrome: &chrome, Engine: Engine{NoRunAhead: !ahead}})
	if err != nil {
		return "session: " + err.Error(), 0, 0
	}
	res := s.Run()
	runs, taken := s.M.AheadStats()
	rows, cut := s.M.Timeline()
	return fmt.Sprintf("%s\nexit %d\ntimeline %+v cut at %d\n%s", out.String(), res.ExitCode(), rows, cut, chrome.String()), runs, taken
}

// sameAhead runs src both ways under sets and fails when anything shown
// differs. It returns the stretches run ahead and cut short.
func sameAhead(t *testing.T, name, src string, sets []string) (int64, int64) {
	t.Helper()
	prog, err := Load(name, []byte(src))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	off, runs0, _ := aheadRunOut(t, prog, sets, false)
	on, runs, taken := aheadRunOut(t, prog, sets, true)
	if runs0 != 0 {
		t.Fatalf("%s %v: %d stretches ran ahead with running ahead off", name, sets, runs0)
	}
	if on != off {
		t.Fatalf("%s %v: running ahead changes the run (%d stretches, %d cut short)\n%s", name, sets, runs, taken, firstDiff(off, on))
	}
	return runs, taken
}

// aheadConfigs are machines of several CPUs where threads may run ahead,
// and some where they may not (a preempting policy, periodic ticks,
// working sets).
var aheadConfigs = [][]string{
	{"cpus=2"},
	{"cpus=3", "quantum=7"},
	{"cpus=4", "quantum=3", "tlb_entries=0", "cache_lines=0"},
	{"cpus=2", "cost_insn=3", "quantum=10"},
	{"cpus=3", "cost_insn=2", "sched=fifo"},
	{"cpus=4", "sched_queues=percpu", "quantum=5"},
	{"cpus=3", "sched_queues=percpu", "balance=none", "sched=lottery"},
	{"cpus=2", "sched=sjf", "cost_switch_thread=3", "cost_switch_process=7"},
	{"cpus=4", "asid=on", "tlb_miss_cost=5", "cache_miss_cost=3"},
	{"cpus=3", "sched=priority"},
	{"cpus=2", "timer=periodic", "quantum=4"},
}

// aheadScripts use only what lets threads run ahead, and reach them in
// every way that brings one back: loads and stores into its stack through
// a pointer (STACK is replaced by the distance from a heap block to a
// slot of the first worker's frame), its process's exit and fault, and
// halts.
var aheadScripts = map[string]string{
	"loops": `func work(n, k) {
    let s = 0
    for i in 0..n { s = s + i * k }
    return s
}
let a = thread work(200, 3)
let b = thread work(150, 5)
let c = thread work(90, 7)
print join a, join b, join c`,
	"processes": `func work(n) {
    let s = 0
    for i in 0..n { s = s + i }
    return s % 256
}
func team(t) {
    let ts = alloc t * 8
    for j in 0..t { ts[j] = thread work(40 + j) }
    let s = 0
    for j in 0..t { s = s + join ts[j] }
    free ts
    return s % 256
}
let ps = alloc 6 * 8
for i in 0..6 { ps[i] = spawn team(3) }
for i in 0..6 { print wait ps[i] }`,
	"exit-while-running": `func work(n) {
    let s = 0
    for i in 0..n { s = s + i }
    return s
}
func team() {
    let a = thread work(500)
    let b = thread work(500)
    let s = 0
    for i in 0..37 { s = s + i }
    exit 3
}
let p = spawn team()
let q = spawn team()
print wait p, wait q`,
	"fault-while-running": `func work(n) {
    let s = 0
    for i in 0..n { s = s + i }
    return s
}
func bad(n) {
    let s = 0
    for i in 0..n { s = s + i }
    return s / 0
}
let a = thread work(400)
let b = thread bad(23)
let c = thread work(300)
join a`,
	"output-limit": `func work(n) {
    let s = 0
    for i in 0..n { s = s + i }
    return s
}
func talk() {
    for i in 0..1000 { print "line", i }
}
let a = thread work(5000)
let b = thread talk()
let c = thread work(5000)
join a
join b
join c`,
	"assert-while-running": `func work(n) {
    let s = 0
    for i in 0..n { s = s + i }
    return s
}
func stop(n) {
    let s = 0
    for i in 0..n { s = s + 1 }
    assert s == 0
}
let a = thread work(3000)
let b = thread stop(41)
let c = thread work(3000)
join a`,
	"memory-limit": `config max_memory = 300000
func work(n) {
    let s = 0
    for i in 0..n { s = s + i }
    return s
}
func hog() {
    for i in 0..100000 {
        let p = alloc 512
        p[0] = i
    }
}
let a = thread work(30000)
let b = thread hog()
let c = thread work(30000)
join a`,
	"tick-limit": `config max_ticks = 5003
func work(n) {
    let s = 0
    for i in 0..n { s = s + i }
    return s
}
let a = thread work(30000)
let b = thread work(20000)
let c = thread work(30000)
join a`,
	"compute-yield": `global g = 0
func work(n) {
    let s = 0
    for i in 0..n {
        s = s + i
        if i % 17 == 0 { compute 5 }
        if i % 29 == 0 { yield }
        g = g + 1
    }
    return s
}
let a = thread work(300)
let b = thread work(250)
let c = thread work(200)
print join a, join b, join c, g`,
	"pinned": `func work(n) {
    let s = 0
    for i in 0..n { s = s + i }
    return s
}
let a = thread work(300) with {cpu: 1}
let b = thread work(200) with {cpu: 1}
let c = thread work(250) with {cpu: 0}
print join a, join b, join c`,
	"stack-peek": `func work(n) {
    let s = 0
    for i in 0..n { s = s + 1 }
    return s
}
func peek(p, times) {
    let seen = 0
    for k in 0..times {
        let v = p[0]
        seen = seen + v
        for j in 0..7 { seen = seen + 0 }
    }
    return seen
}
func poke(p, times) {
    for k in 0..times {
        p[0] = k * 1000
        for j in 0..11 { p[0] = p[0] + 0 }
    }
}
let h = alloc 8
let q = h + STACK
let a = thread work(3000)
let b = thread peek(q, 60)
let c = thread poke(q, 20)
print join a, join b
join c`,
}

// stackDistance finds STACK for the stack-peek script: the distance from
// its heap block to the slot of s in the first worker's frame, found by a
// run of the same script that asks for that slot's address (which the
// scripts that run ahead may not).
func stackDistance(t *testing.T) int64 {
	t.Helper()
	probe := strings.Replace(aheadScripts["stack-peek"], "let s = 0\n", "let s = 0\n    print &s\n", 1)
	probe = strings.Replace(probe, "let q = h + STACK", "print h\nlet q = h", 1)
	prog, err := Load("probe.proc", []byte(probe))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s, err := NewSession(prog, Options{Sets: []string{"cpus=2"}, Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	s.Run()
	hex := regexp.MustCompile(`0x[0-9a-f]+`).FindAllString(out.String(), 2)
	if len(hex) != 2 {
		t.Fatalf("probe printed no two addresses:\n%s", out.String())
	}
	h, _ := strconv.ParseInt(hex[0][2:], 16, 64)
	slot, _ := strconv.ParseInt(hex[1][2:], 16, 64)
	return slot - h
}

// TestRunAheadSameRun: threads that run ahead leave every run as it is —
// the trace, the output, the statistics and the timeline — on machines
// of several CPUs of every kind, and they do run ahead, and are brought
// back, where they may.
func TestRunAheadSameRun(t *testing.T) {
	t.Parallel()
	dist := stackDistance(t)
	var runs, taken int64
	for name, src := range aheadScripts {
		src = strings.ReplaceAll(src, "STACK", strconv.FormatInt(dist, 10))
		prog, err := Load(name, []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !prog.runsAhead() {
			t.Fatalf("%s: its threads may not run ahead", name)
		}
		for i, sets := range aheadConfigs {
			sets := append([]string{"max_steps=2000000", "max_output=600"}, sets...)
			r, k := sameAhead(t, name, src, sets)
			runs += r
			taken += k
			// The other limits, met while threads run ahead.
			limit := []string{"max_steps=4000", "max_slices=40", "max_trace=30000", "max_ticks=2500"}[i%4]
			r, k = sameAhead(t, name, src, append(sets, limit))
			runs += r
			taken += k
		}
	}
	t.Logf("%d stretches ran ahead, %d were cut short", runs, taken)
	if runs < 1000 || taken < 10 {
		t.Errorf("%d stretches ran ahead, %d were cut short: the test does not exercise running ahead", runs, taken)
	}
}

// TestRunAheadStackPeek: the script that reads and writes a running
// thread's slot through a pointer really reaches it, and what it reads
// is what the machine without running ahead reads.
func TestRunAheadStackPeek(t *testing.T) {
	t.Parallel()
	src := strings.ReplaceAll(aheadScripts["stack-peek"], "STACK", strconv.FormatInt(stackDistance(t), 10))
	prog, err := Load("peek.proc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	out, runs, taken := aheadRunOut(t, prog, []string{"cpus=3"}, true)
	if strings.Contains(out, "SIGSEGV") || !strings.Contains(out, `"ev":"thread_end","pid":1,"tid":2`) {
		t.Fatalf("the worker did not outlive the peeks and pokes:\n%s", out[max(0, len(out)-3000):])
	}
	if strings.Contains(out, `"return work = 3000"`) {
		// Untouched, it counts to 3000: the pokes missed its slot.
		t.Errorf("the pokes did not reach the worker's slot")
	}
	if runs == 0 || taken == 0 {
		t.Errorf("%d stretches ran ahead, %d were brought back: the peeks did not reach one", runs, taken)
	}
}

// TestRunAheadExamples: every example and exercise whose threads may run
// ahead gives the same run both ways on several CPUs.
func TestRunAheadExamples(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../examples/*.proc")
	more, _ := filepath.Glob("../exercises/*/solution.proc")
	n := 0
	for _, f := range append(files, more...) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		prog, err := Load(f, src)
		if err != nil || !prog.runsAhead() {
			continue
		}
		n++
		for _, sets := range aheadConfigs[:6] {
			sameAhead(t, f, string(src), append([]string{"max_steps=200000"}, sets...))
		}
	}
	if n < 10 {
		t.Errorf("only %d examples and exercises may run ahead", n)
	}
}

// TestRunAheadRandom: programs drawn at random from what lets threads run
// ahead — loops over locals, globals shared without a lock, heap blocks,
// computes, yields, prints, processes, exits, faults, halts — give the
// same run both ways.
func TestRunAheadRandom(t *testing.T) {
	t.Parallel()
	count := 300
	if testing.Short() {
		count = 60
	}
	if n, err := strconv.Atoi(os.Getenv("PROC_AHEAD_SEEDS")); err == nil {
		count = n // a longer search for a difference
	}
	var runs, taken int64
	for seed := range count {
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		src := randomAheadScript(r)
		sets := append([]string{"max_steps=400000", "max_output=2000", "max_ticks=300000"}, aheadConfigs[r.IntN(len(aheadConfigs))]...)
		if r.IntN(3) == 0 {
			// A limit met while threads run ahead.
			sets = append(sets, []string{"max_steps=%d", "max_slices=%d", "max_trace=%d", "max_ticks=%d", "max_output=%d"}[r.IntN(5)])
			sets[len(sets)-1] = fmt.Sprintf(sets[len(sets)-1], 50+r.IntN(20000))
		}
		rr, k := sameAhead(t, fmt.Sprintf("random-%d.proc", seed), src, sets)
		runs += rr
		taken += k
	}
	t.Logf("%d stretches ran ahead, %d were cut short", runs, taken)
	if runs < 1000 || taken < 20 {
		t.Errorf("%d stretches ran ahead, %d were cut short: the programs do not exercise running ahead", runs, taken)
	}
}

// randomAheadScript draws a program of a few workers, in threads and
// processes.
func randomAheadScript(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString("global g = 0\n")
	nf := 1 + r.IntN(3)
	for f := range nf {
		fmt.Fprintf(&b, "func w%d(n, k) {\n    let s = 0\n    let x = k\n", f)
		fmt.Fprintf(&b, "    for i in 0..n {\n        s = s + i * k\n        x = x + s %% %d\n", 3+r.IntN(9))
		for range r.IntN(4) {
			switch r.IntN(8) {
			case 0:
				fmt.Fprintf(&b, "        g = g + 1\n")
			case 1:
				fmt.Fprintf(&b, "        if i %% %d == 0 { compute %d }\n", 5+r.IntN(20), 1+r.IntN(6))
			case 2:
				fmt.Fprintf(&b, "        if i %% %d == 0 { yield }\n", 7+r.IntN(20))
			case 3:
				fmt.Fprintf(&b, "        if i %% %d == 0 { print \"w%d\", i, s }\n", 20+r.IntN(40), f)
			case 4:
				fmt.Fprintf(&b, "        if i == %d { let p = alloc 16\n            p[1] = s\n            x = x + p[1]\n            free p }\n", r.IntN(60))
			case 5:
				fmt.Fprintf(&b, "        if i == %d { exit %d }\n", 20+r.IntN(200), r.IntN(5))
			case 6:
				fmt.Fprintf(&b, "        if i == %d { x = x / (i - i) }\n", 10+r.IntN(300))
			case 7:
				fmt.Fprintf(&b, "        if i == %d { assert s < 0 }\n", 50+r.IntN(400))
			}
		}
		b.WriteString("    }\n    return s + x\n}\n")
	}
	b.WriteString("func team(t, n) {\n    let ts = alloc t * 8\n    for j in 0..t { ts[j] = thread w0(n + j, j + 1) }\n    let s = 0\n    for j in 0..t { s = s + join ts[j] }\n    free ts\n    return s % 200\n}\n")
	nt := 1 + r.IntN(4)
	procs := make([]bool, nt)
	for i := range nt {
		if r.IntN(3) == 0 {
			procs[i] = true
			fmt.Fprintf(&b, "let t%d = spawn team(%d, %d)\n", i, 1+r.IntN(3), 20+r.IntN(150))
		} else {
			fmt.Fprintf(&b, "let t%d = thread w%d(%d, %d)\n", i, r.IntN(nf), 20+r.IntN(400), 1+r.IntN(9))
		}
	}
	if r.IntN(4) == 0 {
		fmt.Fprintf(&b, "let z = 0\nfor i in 0..%d { z = z + i }\n", r.IntN(300))
		if r.IntN(2) == 0 {
			fmt.Fprintf(&b, "exit z %% 7\n")
		}
	}
	for i := range nt {
		switch {
		case r.IntN(5) == 0:
			// left running: main's end ends it
		case procs[i]:
			fmt.Fprintf(&b, "print wait t%d\n", i)
		default:
			fmt.Fprintf(&b, "print join t%d\n", i)
		}
	}
	b.WriteString("print g\n")
	return b.String()
}
