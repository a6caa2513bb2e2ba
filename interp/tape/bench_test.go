package tape

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"proc/interp"
	"proc/runtime"
)

// The benchmarks' runs: testdata/bench-100k.proc runs 108,312
// instructions; bench-1m.proc 1,190,976, with a trace longer than
// max_trace allows unless raised (longSets).
var longSets = []string{"max_trace=67108864"}

func benchSource(b *testing.B, name string) []byte {
	src, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		b.Fatal(err)
	}
	return src
}

// loaded returns the tape of a benchmark run, with at least want steps.
func loaded(b *testing.B, name string, sets []string, want int64) *Tape {
	tp, err := Load(name, benchSource(b, name), Options{Sets: sets})
	if err != nil {
		b.Fatal(err)
	}
	if tp.Steps() < want || tp.Stopped() != "" {
		b.Fatalf("%s ran %d steps (%q), want %d", name, tp.Steps(), tp.Stopped(), want)
	}
	return tp
}

// BenchmarkRun100k is the peer of the others: the same script run as
// proc run runs it, its text trace written to nowhere.
func BenchmarkRun100k(b *testing.B) { benchRun(b, "bench-100k.proc", nil) }

// BenchmarkRun1M is BenchmarkRun100k on the longer run.
func BenchmarkRun1M(b *testing.B) { benchRun(b, "bench-1m.proc", longSets) }

func benchRun(b *testing.B, name string, sets []string) {
	prog, err := interp.Load(name, benchSource(b, name))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		s, err := interp.NewSession(prog, interp.Options{Trace: runtime.CatAll, Sets: sets, Stdout: io.Discard, Stderr: io.Discard})
		if err != nil {
			b.Fatal(err)
		}
		s.Run()
	}
}

// BenchmarkLoad100k records a run of 100,000 instructions.
func BenchmarkLoad100k(b *testing.B) {
	src := benchSource(b, "bench-100k.proc")
	var tp *Tape
	for b.Loop() {
		var err error
		if tp, err = Load("bench-100k.proc", src, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(tp.Steps()), "steps")
	b.ReportMetric(float64(tp.NumEvents()), "events")
}

// BenchmarkSnapshot99999 goes back to step 99,999 of the 100,000: the
// run again from the start, and the snapshot.
func BenchmarkSnapshot99999(b *testing.B) {
	tp := loaded(b, "bench-100k.proc", nil, 100_000)
	for b.Loop() {
		tp.cache = nil
		if _, err := tp.Snapshot(99_999); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStepForward is one step forward, from step 50,000 on: the run
// goes on from the machine of the step before.
func BenchmarkStepForward(b *testing.B) {
	tp := loaded(b, "bench-100k.proc", nil, 100_000)
	k := int64(50_000)
	tp.Snapshot(k - 1)
	for b.Loop() {
		if _, err := tp.Snapshot(k); err != nil {
			b.Fatal(err)
		}
		if k++; k == tp.Steps() {
			b.StopTimer()
			tp.Snapshot(50_000)
			k = 50_000
			b.StartTimer()
		}
	}
}

// BenchmarkBackStep1M is one step back at step 1,000,000 of a longer run:
// the run again from the start to 1,000,000, and the snapshot.
func BenchmarkBackStep1M(b *testing.B) {
	tp := loaded(b, "bench-1m.proc", longSets, 1_000_001)
	for b.Loop() {
		b.StopTimer()
		tp.Snapshot(1_000_001)
		b.StartTimer()
		if _, err := tp.Snapshot(1_000_000); err != nil {
			b.Fatal(err)
		}
	}
}
