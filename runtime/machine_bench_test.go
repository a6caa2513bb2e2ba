package runtime_test

// Benchmarks of the kernel alone: process and thread bookkeeping, the
// scheduler's dispatch loop and context switches, and the trace sinks. A
// stand-in executor (burner) replaces the interpreter: each thread burns a
// fixed number of ticks and ends, so what is measured is the kernel's own
// cost around the work.

import (
	"fmt"
	"io"
	"strconv"
	"testing"

	"proc/runtime"
	"proc/runtime/mem"
)

// burner is an Executor whose threads each use work ticks of CPU, one
// Step a tick, and then end.
type burner struct {
	// ViewLang is left nil: the tests show no views.
	runtime.ViewLang
	m    *runtime.Machine
	work int64
}

// Run burns up to budget ticks of t's remaining work (kept in t.Ctx as
// an *int64, so that it is not boxed again at every turn).
func (x *burner) Run(t *runtime.Thread, budget int64) runtime.Stop {
	left, ok := t.Ctx.(*int64)
	if !ok {
		left = new(int64)
		*left = x.work
		t.Ctx = left
	}
	n := min(budget, *left)
	x.m.AdvanceTo(x.m.Now() + n)
	x.m.CountSteps(n)
	*left -= n
	if *left == 0 {
		x.m.EndThread(t, mem.Value{}, 0)
		return runtime.StopDead
	}
	return runtime.StopPreempt
}

// Where, ProcessExit, Format and Quote complete runtime.Lang: a burner
// has no source to point into, nothing to report when a process ends and
// only numbers to print.
func (x *burner) Where(t *runtime.Thread) string { return "" }
func (x *burner) ProcessExit(p *runtime.Process) {}
func (x *burner) Format(v mem.Value) string      { return strconv.FormatInt(v.N, 10) }
func (x *burner) Quote(v mem.Value) string       { return x.Format(v) }

// newMachine returns a machine with the default config, limits raised,
// no trace, and a burner of work ticks a thread.
func newMachine(work int64, sets ...func(*runtime.Config)) *runtime.Machine {
	cfg := runtime.DefaultConfig()
	cfg.MaxProcs, cfg.MaxThreads, cfg.MaxSteps = 1<<40, 1<<40, 1<<62
	for _, set := range sets {
		set(&cfg)
	}
	x := &burner{work: work}
	m := runtime.NewMachine(cfg, runtime.NewTracer(0, runtime.NewTextSink(io.Discard, io.Discard, true)), x)
	x.m = m
	return m
}

// populate creates procs processes of threads threads each (the main
// thread included), all ready.
func populate(b *testing.B, m *runtime.Machine, procs, threads int) {
	img := &runtime.Image{TextSize: 64}
	for i := 0; i < procs; i++ {
		main := m.Start(runtime.Spawn{Image: img, Name: "worker"}, nil).Thread
		if main == nil {
			b.Fatalf("process %d refused", i)
		}
		for j := 1; j < threads; j++ {
			if m.Start(runtime.Spawn{Creator: main, Name: "worker"}, nil).Thread == nil {
				b.Fatalf("thread %d of process %d refused", j, i)
			}
		}
	}
}

// BenchmarkMachineProcesses creates n processes of one thread each (10
// ticks of work) and runs them to their end; ns/proc is the kernel's cost
// of one process's life. It grows with n where the kernel does work per
// live process (counting them, scanning queues).
func BenchmarkMachineProcesses(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m := newMachine(10)
				populate(b, m, n, 1)
				m.Run()
				if h, text := m.Halted(); h != runtime.NotHalted {
					b.Fatal(text)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*b.N), "ns/proc")
		})
	}
}

// BenchmarkMachineThreads creates 100 processes of n threads each (10
// ticks of work a thread) and runs them to their end.
func BenchmarkMachineThreads(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("100x%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m := newMachine(10)
				populate(b, m, 100, n)
				m.Run()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(100*n*b.N), "ns/thread")
		})
	}
}

// BenchmarkMachineSwitch runs two threads of 100,000 ticks each under
// round robin (quantum 4): a context switch every 4 ticks, between
// threads of one process or between two processes.
func BenchmarkMachineSwitch(b *testing.B) {
	for _, c := range []struct {
		name           string
		procs, threads int
	}{{"thread", 1, 2}, {"process", 2, 1}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var switches int64
			for b.Loop() {
				m := newMachine(100000)
				populate(b, m, c.procs, c.threads)
				m.Run()
				th, ps := m.Switches()
				switches += th + ps
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(switches), "ns/switch")
			b.ReportMetric(float64(switches)/b.Elapsed().Seconds(), "switch/s")
		})
	}
}

// BenchmarkMachineSwitchTraced is BenchmarkMachineSwitch/thread with the
// sched category traced as text to io.Discard: every switch builds and
// writes an event.
func BenchmarkMachineSwitchTraced(b *testing.B) {
	b.ReportAllocs()
	var switches int64
	for b.Loop() {
		x := &burner{work: 100000}
		m := runtime.NewMachine(runtime.DefaultConfig(), runtime.NewTracer(runtime.CatAll, runtime.NewTextSink(io.Discard, io.Discard, false)), x)
		x.m = m
		populate(b, m, 1, 2)
		m.Run()
		m.Tracer().Flush()
		th, ps := m.Switches()
		switches += th + ps
	}
	b.ReportMetric(float64(switches)/b.Elapsed().Seconds(), "events/s")
}

// callEvent is a typical trace event: a call with three fields.
func callEvent() *runtime.Event {
	return &runtime.Event{T: 123456, PID: 3, TID: 7, Cat: runtime.CatCall, Ev: "call",
		Text: "call fib(n=12) frame=0x7efffffeefd8 ret=0x4000b0",
		Fields: []runtime.Field{{Key: "func", Val: "fib"}, {Key: "frame", Val: runtime.Addr(0x7efffffeefd8)},
			{Key: "ret", Val: runtime.Addr(0x4000b0)}}}
}

// BenchmarkFormatEvent renders one event as a text line into a reused
// buffer.
func BenchmarkFormatEvent(b *testing.B) {
	e := callEvent()
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = runtime.FormatEvent(buf[:0], e)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkSinks writes one event through the text and JSON sinks to
// io.Discard, buffering included.
func BenchmarkSinks(b *testing.B) {
	for _, c := range []struct {
		name string
		sink runtime.Sink
	}{
		{"text", runtime.NewTextSink(io.Discard, io.Discard, false)},
		{"json", runtime.NewJSONSink(io.Discard)},
	} {
		b.Run(c.name, func(b *testing.B) {
			e := callEvent()
			tr := runtime.NewTracer(runtime.CatAll, c.sink)
			b.ReportAllocs()
			for b.Loop() {
				tr.Emit(e)
			}
			tr.Flush()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// TestEndedThreadReleasesStack: a thread's stack is unmapped when it
// ends, and its words are let go; when the process ends, all its memory
// goes, and the memory meter keeps only the records of the process and its
// threads.
func TestEndedThreadReleasesStack(t *testing.T) {
	m := newMachine(10)
	main := m.Start(runtime.Spawn{Image: &runtime.Image{TextSize: 64}, Name: "main"}, nil).Thread
	worker := m.Start(runtime.Spawn{Creator: main, Name: "worker"}, nil).Thread
	for _, th := range []*runtime.Thread{main, worker} {
		th.Stack.Ensure(31)
	}
	m.Run()
	if worker.Stack.Words != nil {
		t.Errorf("the ended worker still holds %d stack words", len(worker.Stack.Words))
	}
	if main.Stack.Words != nil {
		t.Errorf("the ended process still holds %d stack words", len(main.Stack.Words))
	}
	if want := int64(runtime.ProcessCost + 2*runtime.ThreadCost); m.Memory().Used != want {
		t.Errorf("memory held after the run: %d bytes, want %d (the records)", m.Memory().Used, want)
	}
	if m.Memory().Peak < 2*32*8 {
		t.Errorf("peak memory %d: the stacks were not counted", m.Memory().Peak)
	}
}
