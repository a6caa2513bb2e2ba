package web

import (
	"encoding/json"
	"io"
	"os"
	"testing"

	"proc/interp"
	"proc/runtime"
)

// The runs of the benchmarks are time travel's (interp/tape/testdata):
// bench-100k.proc runs 108,312 instructions, bench-1m.proc 1,190,976
// with max_trace raised for its trace.
var longSets = []string{"max_trace=67108864"}

func benchSource(b *testing.B, name string) string {
	src, err := os.ReadFile("../interp/tape/testdata/" + name)
	if err != nil {
		b.Fatal(err)
	}
	return string(src)
}

// benchCall sends a request and fails on a failed answer.
func benchCall(b *testing.B, e *Engine, req map[string]any) []byte {
	r, err := json.Marshal(req)
	if err != nil {
		b.Fatal(err)
	}
	out := e.Call(r)
	if len(out) < 11 || string(out[:11]) != `{"ok":true,` {
		b.Fatalf("%.300s", out)
	}
	return out
}

// BenchmarkPageRun100k is the peer of the load: the run of
// bench-100k.proc as proc run makes it, its text trace written to
// nowhere.
func BenchmarkPageRun100k(b *testing.B) { benchRun(b, "bench-100k.proc", nil, runtime.CatAll) }

// BenchmarkPageRunQuiet100k and BenchmarkPageRunQuiet1M are the peers of
// the steps: the runs with --trace=none, as a run again makes them.
func BenchmarkPageRunQuiet100k(b *testing.B) { benchRun(b, "bench-100k.proc", nil, 0) }

// BenchmarkPageRunQuiet1M: see BenchmarkPageRunQuiet100k.
func BenchmarkPageRunQuiet1M(b *testing.B) { benchRun(b, "bench-1m.proc", longSets, 0) }

func benchRun(b *testing.B, name string, sets []string, trace runtime.Category) {
	prog, err := interp.Load(name, []byte(benchSource(b, name)))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		s, err := interp.NewSession(prog, interp.Options{Trace: trace, Sets: sets, Stdout: io.Discard, Stderr: io.Discard})
		if err != nil {
			b.Fatal(err)
		}
		s.Run()
	}
}

// BenchmarkPageLoad100k is the page's load of a run of 100,000
// instructions: the request read, the run recorded, the answer written.
func BenchmarkPageLoad100k(b *testing.B) {
	e := NewEngine()
	req := map[string]any{"op": "load", "file": "bench-100k.proc", "source": benchSource(b, "bench-100k.proc")}
	var out []byte
	for b.Loop() {
		out = benchCall(b, e, req)
	}
	b.ReportMetric(float64(len(out)), "answer-bytes")
}

// BenchmarkPageSnapshot99999 is the slider's jump back to step 99,999 of
// the 100,000 (from the end): the run again, the snapshot, its JSON.
func BenchmarkPageSnapshot99999(b *testing.B) {
	e := NewEngine()
	benchCall(b, e, map[string]any{"op": "load", "file": "bench-100k.proc", "source": benchSource(b, "bench-100k.proc")})
	for b.Loop() {
		b.StopTimer()
		benchCall(b, e, map[string]any{"op": "snapshot", "step": 108_312})
		b.StartTimer()
		benchCall(b, e, map[string]any{"op": "snapshot", "step": 99_999})
	}
}

// BenchmarkPageBackStep1M is one step back at step 1,000,000 of the
// longer run.
func BenchmarkPageBackStep1M(b *testing.B) {
	e := NewEngine()
	benchCall(b, e, map[string]any{"op": "load", "file": "bench-1m.proc", "source": benchSource(b, "bench-1m.proc"), "sets": longSets})
	for b.Loop() {
		b.StopTimer()
		benchCall(b, e, map[string]any{"op": "snapshot", "step": 1_000_001})
		b.StartTimer()
		benchCall(b, e, map[string]any{"op": "snapshot", "step": 1_000_000})
	}
}
