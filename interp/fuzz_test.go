package interp

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"proc/runtime"
)

// fuzzLimits keep every fuzzed run small: the point is that nothing a
// script says can crash, hang or exhaust proc.
var fuzzLimits = []string{
	"max_steps=3000", "max_output=4096", "max_procs=8", "max_threads=16",
	"heap_max=65536", "stack_size=8192", "pipe_cap=64",
}

// addScriptSeeds seeds f with every example, exercise and test script.
func addScriptSeeds(f *testing.F) {
	for _, pattern := range []string{"../examples/*.proc", "../exercises/*/*.proc", "testdata/*.proc"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if src, err := os.ReadFile(file); err == nil {
				f.Add(src)
			}
		}
	}
}

// FuzzRun parses, compiles and runs arbitrary source with every trace
// category on, in text and in JSON (on three CPUs), and in text on two
// CPUs with a periodic timer, peeks and working sets.
func FuzzRun(f *testing.F) {
	addScriptSeeds(f)
	f.Add([]byte("print 1"))
	f.Fuzz(func(t *testing.T, src []byte) {
		prog, err := Load("fuzz.proc", src)
		if err != nil {
			return
		}
		for run, json := range []bool{false, true, false} {
			sets := fuzzLimits
			switch run {
			case 1:
				// The JSON run on three CPUs with a queue each.
				sets = append(append([]string(nil), fuzzLimits...), "cpus=3", "sched_queues=percpu")
			case 2:
				// Two CPUs meeting at a periodic timer and at peeks,
				// with working sets.
				sets = append(append([]string(nil), fuzzLimits...), "cpus=2", "sched_queues=percpu", "balance=peek", "peek_interval=3",
					"timer=periodic", "warm_cache=8", "warm_time=2", "rng=python")
			}
			var out bytes.Buffer
			s, err := NewSession(prog, Options{Trace: runtime.CatAll | runtime.CatInsn, JSON: json, Sets: sets, Stdout: &out, Stderr: io.Discard})
			if err != nil {
				return
			}
			s.Run()
			if out.Len() > 64<<20 {
				t.Fatalf("output of %d bytes", out.Len())
			}
		}
	})
}

// FuzzFastPath runs arbitrary source with and without the VM's fast path
// (see fast.go) and requires the same trace, statistics and exit status.
// FuzzRun traces every instruction, which turns the fast path off, so
// this target is the one that exercises it.
func FuzzFastPath(f *testing.F) {
	addScriptSeeds(f)
	for _, src := range fastCases {
		f.Add([]byte(src))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		prog, err := Load("fuzz.proc", src)
		if err != nil {
			return
		}
		if slow, fast := traceRun(prog, fuzzLimits, false), traceRun(prog, fuzzLimits, true); slow != fast {
			t.Fatalf("the fast path changes the run\n%s", firstDiff(slow, fast))
		}
	})
}

// FuzzRunAhead runs arbitrary source on machines of several CPUs with
// threads running ahead and without, and requires the same trace,
// statistics, timeline and exit status (ahead.go). Most inputs use
// something that keeps every thread from running ahead: the seeds that
// do not (aheadScripts) are where it finds something.
func FuzzRunAhead(f *testing.F) {
	addScriptSeeds(f)
	for _, src := range aheadScripts {
		f.Add([]byte(strings.ReplaceAll(src, "STACK", "64")))
	}
	configs := [][]string{
		{"cpus=2"},
		{"cpus=3", "cost_insn=2", "sched=fifo", "max_trace=3000"},
		{"cpus=4", "quantum=3", "sched_queues=percpu", "max_slices=30"},
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		prog, err := Load("fuzz.proc", src)
		if err != nil || !prog.runsAhead() {
			return
		}
		for i, c := range configs {
			sets := append(append([]string(nil), fuzzLimits...), c...)
			off, _, _ := aheadRunOut(t, prog, sets, false)
			on, _, _ := aheadRunOut(t, prog, sets, true)
			if on != off {
				t.Fatalf("config %d %v: running ahead changes the run\n%s", i, c, firstDiff(off, on))
			}
		}
	})
}
