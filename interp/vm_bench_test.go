package interp_test

// Benchmarks of the interpreter on the simulated machine: the VM's hot loop
// (straight-line code, calls, a counting loop), the kernel paths a script
// drives (alloc/free, spawn, thread creation, context switches) and the
// trace writers. Every run but the trace benchmarks uses --trace=none
// (Options{Trace: 0}), as a speed run would.
//
// Most benchmarks run three times: under the default config (sched=rr,
// quantum=4, the TLB and the cache on), under sched=fifo (one dispatch
// runs a thread to its end or its first block), which measures the VM's
// loop with as little of the scheduler around it as possible, and as rr
// with the TLB and the cache off (rr-off).
//
// Custom metrics: insn/s is simulated instructions (Machine.Steps) per
// second of wall time; ns/insn its inverse; the other rates are named for
// what they count.

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
)

// bigSteps lifts the step limit (default max_steps=10,000,000), so that
// the size of a benchmark is never capped by it.
const bigSteps = "max_steps=1000000000000"

// schedConfigs are the configs most benchmarks run under. The default
// machine has a TLB and a cache: every frame entered, every global, every
// load and store through a pointer goes through them; rr-off is rr with
// both switched off (what rr was before they were on by default).
var schedConfigs = []struct {
	name string
	sets []string
}{
	{"rr", []string{bigSteps}},
	{"fifo", []string{bigSteps, "sched=fifo"}},
	{"rr-off", []string{bigSteps, "tlb_entries=0", "cache_lines=0"}},
}

// mustLoad parses and compiles src or fails the benchmark.
func mustLoad(tb testing.TB, src string) *interp.Program {
	tb.Helper()
	prog, err := interp.Load("bench.proc", []byte(src))
	if err != nil {
		tb.Fatalf("load: %v\n%s", err, src)
	}
	return prog
}

// runOnce boots prog with --trace=none and the given --set overrides, runs
// it to its end and returns the machine and the program's stdout.
func runOnce(tb testing.TB, prog *interp.Program, sets []string) (*runtime.Machine, string) {
	tb.Helper()
	var out, errw bytes.Buffer
	s, err := interp.NewSession(prog, interp.Options{Trace: 0, Sets: sets, Stdout: &out, Stderr: &errw})
	if err != nil {
		tb.Fatal(err)
	}
	if res := s.Run(); res.ExitCode() != 0 || errw.Len() > 0 {
		tb.Fatalf("run ended with %d (%s): %s", res.ExitCode(), res.Stopped, errw.String())
	}
	return s.M, out.String()
}

// benchProgram runs prog once per iteration, checks its output and
// reports simulated instructions per second.
func benchProgram(b *testing.B, prog *interp.Program, sets []string, want string) {
	b.ReportAllocs()
	var steps int64
	for b.Loop() {
		m, out := runOnce(b, prog, sets)
		if out != want {
			b.Fatalf("output %q, want %q", out, want)
		}
		steps += m.Steps()
	}
	reportRate(b, float64(steps), "insn/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(steps), "ns/insn")
}

// reportRate reports n things done over the benchmark's elapsed time as a
// rate per second.
func reportRate(b *testing.B, n float64, unit string) {
	if sec := b.Elapsed().Seconds(); sec > 0 {
		b.ReportMetric(n/sec, unit)
	}
}

// straightLine returns a script whose function body is a loop of iters
// iterations around stmts straight-line statements (arithmetic on locals,
// no jumps or calls), so that nearly every instruction run is straight-line
// code: the loop's own test and step are a few instructions an iteration
// against several for each statement.
func straightLine(stmts, iters int) string {
	var b strings.Builder
	b.WriteString("func work(n) {\n\tlet a = 1\n\tlet b = 2\n\tlet c = 3\n\tfor i in 0..n {\n")
	for k := 0; k < stmts; k++ {
		switch k % 4 {
		case 0:
			b.WriteString("\t\ta = a + b\n")
		case 1:
			b.WriteString("\t\tb = a - c\n")
		case 2:
			b.WriteString("\t\tc = b - a\n")
		case 3:
			b.WriteString("\t\ta = c + 1\n")
		}
	}
	fmt.Fprintf(&b, "\t}\n\treturn a\n}\nprint work(%d)\n", iters)
	return b.String()
}

// straightLineResult is what straightLine(stmts, iters) prints, computed in Go.
func straightLineResult(stmts, iters int) string {
	a, bb, c := int64(1), int64(2), int64(3)
	for i := 0; i < iters; i++ {
		for k := 0; k < stmts; k++ {
			switch k % 4 {
			case 0:
				a = a + bb
			case 1:
				bb = a - c
			case 2:
				c = bb - a
			case 3:
				a = c + 1
			}
		}
	}
	return fmt.Sprintf("%d\n", a)
}

// BenchmarkStraightLine runs about 4 million instructions of straight-line
// arithmetic on locals (100 statements an iteration, 10,000 iterations).
func BenchmarkStraightLine(b *testing.B) {
	const stmts, iters = 100, 10000
	prog := mustLoad(b, straightLine(stmts, iters))
	want := straightLineResult(stmts, iters)
	for _, c := range schedConfigs {
		b.Run(c.name, func(b *testing.B) { benchProgram(b, prog, c.sets, want) })
	}
}

// fibSrc is the classic doubly recursive Fibonacci.
const fibSrc = "func fib(n) { if n < 2 { return n }; return fib(n-1) + fib(n-2) }\nprint fib(%d)\n"

// BenchmarkFib measures calls: fib(22) makes 57,313 calls.
func BenchmarkFib(b *testing.B) {
	prog := mustLoad(b, fmt.Sprintf(fibSrc, 22))
	for _, c := range schedConfigs {
		b.Run(c.name, func(b *testing.B) { benchProgram(b, prog, c.sets, "17711\n") })
	}
}

// BenchmarkFib27 is fib(27), the peers' benchmark (bench/), 635,621
// calls: the hardware's price on calls, on and off in one run.
func BenchmarkFib27(b *testing.B) {
	prog := mustLoad(b, fmt.Sprintf(fibSrc, 27))
	for _, c := range schedConfigs {
		if c.name == "fifo" {
			continue
		}
		b.Run(c.name, func(b *testing.B) { benchProgram(b, prog, c.sets, "196418\n") })
	}
}

// BenchmarkLoop1e6 is the counting loop `s = s + i` for i in 0..1000000
// at the top level of the script (locals of main).
func BenchmarkLoop1e6(b *testing.B) {
	prog := mustLoad(b, "let s = 0\nfor i in 0..1000000 { s = s + i }\nprint s\n")
	for _, c := range schedConfigs {
		b.Run(c.name, func(b *testing.B) { benchProgram(b, prog, c.sets, "499999500000\n") })
	}
}

// BenchmarkAllocFree allocates and frees 64 bytes 10,000 times a run
// through the VM and the process's heap; allocs/s counts alloc+free pairs.
func BenchmarkAllocFree(b *testing.B) {
	const n = 10000
	prog := mustLoad(b, fmt.Sprintf("let k = 0\nfor i in 0..%d {\n\tlet p = alloc 64\n\tp[0] = i\n\tk = k + p[0]\n\tfree p\n}\nprint k\n", n))
	want := fmt.Sprintf("%d\n", n*(n-1)/2)
	for _, c := range schedConfigs {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, out := runOnce(b, prog, c.sets); out != want {
					b.Fatalf("output %q, want %q", out, want)
				}
			}
			reportRate(b, float64(n*b.N), "allocs/s")
		})
	}
}

// spawnSrc spawns n processes that return at once. With batch set, it
// spawns them all before waiting for any (n live at once); otherwise it
// waits for each before the next.
func spawnSrc(kind string, n int, batch bool) string {
	create, end := "spawn", "wait"
	if kind == "thread" {
		create, end = "thread", "join"
	}
	if !batch {
		return fmt.Sprintf("func child(k) { return k %% 2 }\nlet s = 0\nfor i in 0..%d {\n\tlet p = %s child(i)\n\ts = s + %s p\n}\nprint s\n", n, create, end)
	}
	return fmt.Sprintf(`func child(k) { return k %% 2 }
let ps = alloc %[1]d * 8
for i in 0..%[1]d { ps[i] = %[2]s child(i) }
let s = 0
for i in 0..%[1]d { s = s + %[3]s ps[i] }
free ps
print s
`, n, create, end)
}

// benchCreate measures creating and ending processes or threads.
func benchCreate(b *testing.B, kind string) {
	for _, c := range []struct {
		name  string
		n     int
		batch bool
	}{{"one-at-a-time-1000", 1000, false}, {"batch-100", 100, true}, {"batch-1000", 1000, true}, {"batch-5000", 5000, true}} {
		b.Run(c.name, func(b *testing.B) {
			prog := mustLoad(b, spawnSrc(kind, c.n, c.batch))
			sets := []string{bigSteps, "max_procs=20000", "max_threads=200000"}
			want := fmt.Sprintf("%d\n", c.n/2)
			b.ReportAllocs()
			for b.Loop() {
				if _, out := runOnce(b, prog, sets); out != want {
					b.Fatalf("output %q, want %q", out, want)
				}
			}
			reportRate(b, float64(c.n*b.N), kind+"s/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(c.n*b.N), "ns/"+kind)
		})
	}
}

// BenchmarkSpawn creates processes (spawn + wait). The batch cases show
// how the cost of one spawn grows with the number of live processes.
func BenchmarkSpawn(b *testing.B) { benchCreate(b, "spawn") }

// BenchmarkThread creates threads in one process (thread + join).
func BenchmarkThread(b *testing.B) { benchCreate(b, "thread") }

// BenchmarkContextSwitch runs two threads of one process that yield to
// each other 10,000 times each; switch/s counts context switches.
func BenchmarkContextSwitch(b *testing.B) {
	const n = 10000
	src := fmt.Sprintf(`func spin(n) {
	for i in 0..n { yield }
	return n
}
let t1 = thread spin(%[1]d)
let t2 = thread spin(%[1]d)
let r1 = join t1
let r2 = join t2
print r1 + r2
`, n)
	prog := mustLoad(b, src)
	want := fmt.Sprintf("%d\n", 2*n)
	for _, c := range schedConfigs {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var switches int64
			for b.Loop() {
				m, out := runOnce(b, prog, c.sets)
				if out != want {
					b.Fatalf("output %q, want %q", out, want)
				}
				th, ps := m.Switches()
				switches += th + ps
			}
			reportRate(b, float64(switches), "switch/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(switches), "ns/switch")
		})
	}
}

// lineCounter counts the lines written through it: one a trace event, but
// for the rare multi-line reports (none in the traced script). It also
// notes whether the program's output line went through.
type lineCounter struct {
	w     io.Writer
	lines int64
	tail  []byte // the last bytes written, at most 64
	seen  bool   // outputLine was written
}

// outputLine is what traceSrc prints, as the text trace shows it.
var outputLine = []byte("| 576\n")

func (c *lineCounter) Write(p []byte) (int, error) {
	c.lines += int64(bytes.Count(p, []byte{'\n'}))
	if !c.seen {
		// The line may straddle two writes: look across the seam too.
		seam := append(c.tail, p[:min(len(p), 64)]...)
		c.seen = bytes.Contains(seam, outputLine) || bytes.Contains(p, outputLine)
	}
	c.tail = append(c.tail[:0], p[max(0, len(p)-64):]...)
	return c.w.Write(p)
}

// traceSrc is the script the trace benchmarks run: four threads computing
// fib(12) under round robin, which gives call, return, switch and thread
// events.
const traceSrc = `func fib(n) { if n < 2 { return n }; return fib(n-1) + fib(n-2) }
let t1 = thread fib(12)
let t2 = thread fib(12)
let t3 = thread fib(12)
let t4 = thread fib(12)
let r1 = join t1
let r2 = join t2
let r3 = join t3
let r4 = join t4
print r1 + r2 + r3 + r4
`

// BenchmarkTrace writes the full trace (--trace=all) of traceSrc as text
// or JSON, to io.Discard or to a file; events/s counts the lines written.
func BenchmarkTrace(b *testing.B) {
	prog := mustLoad(b, traceSrc)
	for _, c := range []struct {
		name string
		json bool
		file bool
		cats runtime.Category
	}{
		{"text-discard", false, false, runtime.CatAll},
		{"text-file", false, true, runtime.CatAll},
		{"json-discard", true, false, runtime.CatAll},
		{"text-insn-discard", false, false, runtime.CatAll | runtime.CatInsn},
	} {
		b.Run(c.name, func(b *testing.B) {
			var dst io.Writer = io.Discard
			if c.file {
				f, err := os.Create(filepath.Join(b.TempDir(), "trace.txt"))
				if err != nil {
					b.Fatal(err)
				}
				defer f.Close()
				dst = f
			}
			b.ReportAllocs()
			var events int64
			for b.Loop() {
				lc := &lineCounter{w: dst}
				s, err := interp.NewSession(prog, interp.Options{Trace: c.cats, JSON: c.json, Stdout: lc, Stderr: io.Discard})
				if err != nil {
					b.Fatal(err)
				}
				if res := s.Run(); res.ExitCode() != 0 {
					b.Fatalf("run ended with %d", res.ExitCode())
				}
				if !c.json && !lc.seen {
					b.Fatal("the trace does not show the program's output 576")
				}
				events += lc.lines
			}
			reportRate(b, float64(events), "events/s")
			b.ReportMetric(float64(events)/float64(b.N), "events/op")
		})
	}
}

// hotLoopAllocs returns the Go heap allocations of one run of prog,
// session boot included. It counts those of the whole test binary, so the
// tests that call it do not run in parallel.
func hotLoopAllocs(t *testing.T, prog *interp.Program, sets []string) float64 {
	return testing.AllocsPerRun(3, func() {
		s, err := interp.NewSession(prog, interp.Options{Trace: 0, Sets: sets, Stdout: io.Discard, Stderr: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		s.Run()
	})
}

// TestHotLoopAllocs checks that running instructions does not allocate:
// a run of 100 times more instructions may make only a handful more Go
// allocations (the constant is for the slack of growing slices, not for
// anything per instruction). It checks the VM alone (sched=fifo: one
// dispatch runs the loop to its end) and the VM with the kernel around it
// (the default config, sched=rr with quantum 4).
func TestHotLoopAllocs(t *testing.T) {
	const stmts = 20
	small := mustLoad(t, straightLine(stmts, 20))
	large := mustLoad(t, straightLine(stmts, 2000))
	for _, c := range schedConfigs {
		m0, _ := runOnce(t, small, c.sets)
		m1, _ := runOnce(t, large, c.sets)
		insns := float64(m1.Steps() - m0.Steps())
		a0 := hotLoopAllocs(t, small, c.sets)
		a1 := hotLoopAllocs(t, large, c.sets)
		if extra := a1 - a0; extra > 4 {
			t.Errorf("%s: %.0f more instructions made %.0f more allocations (%.0f against %.0f): the hot loop allocates (%.4f an instruction)",
				c.name, insns, extra, a1, a0, extra/insns)
		}
	}
}

// ipcSrc has a producer process send n messages to a consumer process:
// through a pipe (8-byte values, read 8 bytes at a time, their lengths
// summed) or a message queue (small ints, summed).
func ipcSrc(kind string, n int) string {
	if kind == "pipe" {
		return fmt.Sprintf(`func consumer(r, n) {
	let s = 0
	for i in 0..n { s = s + len(recv r, 8) }
	return s %% 100
}
let r, w = pipe()
let c = spawn consumer(r, %[1]d)
for i in 0..%[1]d { send w, 10000000 + i %% 10 }
print wait c
`, n)
	}
	return fmt.Sprintf(`func consumer(n) {
	let q = mqueue("bench")
	let s = 0
	for i in 0..n { s = s + recv q }
	return s %% 100
}
let q = mqueue("bench")
let c = spawn consumer(%[1]d)
for i in 0..%[1]d { send q, i %% 10 }
print wait c
`, n)
}

// benchIPC measures messages between two processes; msg/s counts sends
// (each with the recv that takes it, and the switches between them).
func benchIPC(b *testing.B, kind string) {
	const n = 10000
	prog := mustLoad(b, ipcSrc(kind, n))
	sum := 0
	for i := 0; i < n; i++ {
		sum += i % 10
	}
	if kind == "pipe" {
		sum = 8 * n
	}
	want := fmt.Sprintf("%d\n", sum%100)
	for _, c := range schedConfigs {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, out := runOnce(b, prog, c.sets); out != want {
					b.Fatalf("output %q, want %q", out, want)
				}
			}
			reportRate(b, float64(n*b.N), "msg/s")
		})
	}
}

// BenchmarkPipe sends 10,000 8-byte values through a pipe.
func BenchmarkPipe(b *testing.B) { benchIPC(b, "pipe") }

// BenchmarkQueue sends 10,000 messages through a message queue.
func BenchmarkQueue(b *testing.B) { benchIPC(b, "queue") }

// yieldSrc has two threads give the CPU to each other n times each.
func yieldSrc(n int) string {
	return fmt.Sprintf(`func spin(n) {
	for i in 0..n { yield }
	return n
}
let t1 = thread spin(%[1]d)
let t2 = thread spin(%[1]d)
print (join t1) + (join t2)
`, n)
}

// TestSwitchAllocs checks that a context switch does not allocate (with
// --trace=none): 100 times more switches may make only a handful more Go
// allocations (the slack of growing slices; the race detector's runtime
// adds a few of its own). The ready queue once reallocated on nearly
// every switch, which is thousands here.
func TestSwitchAllocs(t *testing.T) {
	small := mustLoad(t, yieldSrc(200))
	large := mustLoad(t, yieldSrc(20000))
	for _, c := range schedConfigs {
		a0 := hotLoopAllocs(t, small, c.sets)
		a1 := hotLoopAllocs(t, large, c.sets)
		if extra := a1 - a0; extra > 20 {
			t.Errorf("%s: 39,600 more switches made %.0f more allocations (%.0f against %.0f)", c.name, extra, a1, a0)
		}
	}
}

// TestIPCAllocs checks that a message costs only the allocations its
// data and a blocked call's reason need (a few) when nothing is traced:
// send and recv once built their trace text on every message, 16
// allocations each.
func TestIPCAllocs(t *testing.T) {
	for _, kind := range []string{"pipe", "queue"} {
		small := mustLoad(t, ipcSrc(kind, 100))
		large := mustLoad(t, ipcSrc(kind, 10000))
		for _, c := range schedConfigs {
			a0 := hotLoopAllocs(t, small, c.sets)
			a1 := hotLoopAllocs(t, large, c.sets)
			if per := (a1 - a0) / 9900; per > 5 {
				t.Errorf("%s, %s: %.1f allocations a message", kind, c.name, per)
			}
		}
	}
}
