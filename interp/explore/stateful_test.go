package explore

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"proc/interp"
	"proc/interp/internal/testkit"
)

// outcomeKeys is the set of outcomes of a search, sorted.
func outcomeKeys(res *Result) []string {
	var keys []string
	for _, o := range res.Outcomes {
		keys = append(keys, o.key())
	}
	slices.Sort(keys)
	return keys
}

func raceKeys(res *Result) []string {
	var keys []string
	for _, r := range res.Races {
		keys = append(keys, r.Key)
	}
	slices.Sort(keys)
	return keys
}

// sameFindings searches prog both ways with opts and, when the stateless
// search ran out of schedules, requires the stateful one to find the
// same outcomes and the same data races, and to be complete as well.
// It reports whether the stateless search ran out.
//
// Races are found by the detector in the runs a search makes, and two
// runs that differ only in the order of independent steps may report
// different pairs of one racy address: with moreRaces the stateful
// search (which makes other runs, its probe first) may report pairs the
// stateless one did not, as long as it reports all those it did.
func sameFindings(t *testing.T, name string, prog *interp.Program, opts Options) bool {
	return findings(t, name, prog, opts, false)
}

func findings(t *testing.T, name string, prog *interp.Program, opts Options, moreRaces bool) bool {
	t.Helper()
	opts.Stateless = true
	full, err := Run(context.Background(), prog, opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if full.Stop != StopEnded || full.Deep > 0 {
		return false
	}
	opts.Stateless = false
	res, err := Run(context.Background(), prog, opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if res.Stop != StopEnded || res.Complete != full.Complete {
		t.Errorf("%s: the stateless search ended (complete %v), the stateful one did not: stop %d, complete %v", name, full.Complete, res.Stop, res.Complete)
		return true
	}
	if got, want := outcomeKeys(res), outcomeKeys(full); !slices.Equal(got, want) {
		t.Errorf("%s: stateful outcomes differ\n got  %q\n want %q", name, got, want)
	}
	got, want := raceKeys(res), raceKeys(full)
	if moreRaces {
		for _, k := range want {
			if !slices.Contains(got, k) {
				t.Errorf("%s: the stateful search misses the race %q\n got  %q\n want %q", name, k, got, want)
			}
		}
	} else if !slices.Equal(got, want) {
		t.Errorf("%s: stateful races differ\n got  %q\n want %q", name, got, want)
	}
	// (The stateful search runs one more: its probe.)
	if res.Schedules > full.Schedules+1 {
		t.Errorf("%s: the stateful search ran %d schedules to their end, the stateless one %d", name, res.Schedules, full.Schedules)
	}
	return true
}

// TestStatefulSameFindings: on every example and exercise, with and
// without a preemption bound, the stateful search finds exactly what the
// stateless one finds, wherever the stateless one runs to its end.
func TestStatefulSameFindings(t *testing.T) {
	t.Parallel()
	scripts := exampleScripts(t)
	limit := 2000
	if testing.Short() {
		limit = 300
	}
	compared := 0
	for _, sc := range scripts {
		for _, pre := range []int{-1, 1} {
			opts := Options{Preemptions: pre, MaxSchedules: limit, MaxSteps: 50_000_000, Session: interp.Options{Sets: sc.sets}}
			if sameFindings(t, sc.name, sc.prog, opts) {
				compared++
			}
		}
		// With a copy of the run at every point, every run but the
		// first starts from a copy: the copies lose nothing.
		opts := Options{Preemptions: -1, MaxSchedules: limit, MaxSteps: 50_000_000, Session: interp.Options{Sets: sc.sets}, copyEvery: 1}
		sameFindings(t, sc.name+" (copies)", sc.prog, opts)
	}
	if compared < len(scripts) {
		t.Errorf("compared %d searches of %d scripts: too few ran to their end", compared, len(scripts))
	}
	t.Logf("compared %d searches of %d scripts", compared, len(scripts))
}

// script is an example or an exercise, loaded, with the config its
// header asks for and a step limit that keeps each run short.
type script struct {
	name string
	prog *interp.Program
	sets []string
}

// exampleScripts loads every example and exercise.
func exampleScripts(t *testing.T) []script {
	t.Helper()
	files, _ := filepath.Glob("../../examples/*.proc")
	more, _ := filepath.Glob("../../exercises/*/*.proc")
	files = append(files, more...)
	if len(files) < 40 {
		t.Fatalf("found %d scripts", len(files))
	}
	var out []script
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		prog, err := interp.Load(filepath.Base(file), src)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		out = append(out, script{filepath.Base(file), prog, append(testkit.HeaderSets(src), "max_steps=200000")})
	}
	return out
}

// TestStatefulSmallScripts: scripts written to stress what a state is:
// the heap, a message queue's order, the clock, a yield.
func TestStatefulSmallScripts(t *testing.T) {
	t.Parallel()
	for name, src := range map[string]string{
		"counter-2x2": counterScript(2, 2),
		"counter-3x1": counterScript(3, 1),
		"sleep": `global g = 0
func w(n) { sleep(n)
 g = g * 10 + n }
let a = thread w(3)
let b = thread w(2)
join a
join b
print g
`,
		"now": `global g = 0
func w() { g = g + 1
 g = g + now() }
let a = thread w()
let b = thread w()
join a
join b
print g
`,
		"heap": `global p = nil
func w(n) { let q = alloc(n)
 p = q }
let a = thread w(16)
let b = thread w(32)
join a
join b
print p
`,
		"yield": `global turn = 0
func w(me) { while turn != me { yield }
 turn = 1 - me
 print me }
let a = thread w(0)
let b = thread w(1)
join a
join b
`,
	} {
		prog, err := interp.Load(name+".proc", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, pre := range []int{-1, 0, 2} {
			if !sameFindings(t, name, prog, Options{Preemptions: pre, MaxSchedules: 20000}) {
				t.Errorf("%s: the stateless search did not end", name)
			}
		}
		// A bitstate table far larger than the states finds the same
		// outcomes, and does not claim to be complete.
		exact, err := Run(context.Background(), prog, Options{Preemptions: -1})
		if err != nil {
			t.Fatal(err)
		}
		// Runs started from copies of the runs before them, at every
		// point, find the same outcomes in the same states.
		copied, err := Run(context.Background(), prog, Options{Preemptions: -1, copyEvery: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := outcomeKeys(copied), outcomeKeys(exact); !slices.Equal(got, want) {
			t.Errorf("%s: outcomes from copies differ\n got  %q\n want %q", name, got, want)
		}
		if copied.States != exact.States || copied.Copies == 0 || !copied.Complete {
			t.Errorf("%s: from copies: %d states (%d without), %d runs from a copy, complete %v", name, copied.States, exact.States, copied.Copies, copied.Complete)
		}
		bits, err := Run(context.Background(), prog, Options{Preemptions: -1, Bitstate: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := outcomeKeys(bits), outcomeKeys(exact); !slices.Equal(got, want) {
			t.Errorf("%s: bitstate outcomes differ\n got  %q\n want %q", name, got, want)
		}
		if bits.Complete || !bits.Bitstate || bits.StateBytes != 1<<20 || bits.States == 0 {
			t.Errorf("%s: bitstate search: complete %v, bitstate %v, %d bytes, %d states", name, bits.Complete, bits.Bitstate, bits.StateBytes, bits.States)
		}
	}
}

// TestBitstateTiny: a table of a few bits fills at once, every state
// then looks seen (the runs may all stop before an outcome), and the
// search still ends and says it may have missed some.
func TestBitstateTiny(t *testing.T) {
	t.Parallel()
	res := explore(t, counterScript(3, 2), Options{Preemptions: -1, Bitstate: 8})
	if res.Complete || res.Stop != StopEnded || res.Matched == 0 {
		t.Errorf("complete %v, stop %d, %d matched", res.Complete, res.Stop, res.Matched)
	}
}

// TestStatefulMemory: the visited set counts in the memory bound, and a
// search that fills it stops and says so.
func TestStatefulMemory(t *testing.T) {
	t.Parallel()
	full := explore(t, counterScript(3, 2), Options{Preemptions: -1})
	if full.StateBytes < full.States*stateBytes {
		t.Errorf("%d states held in %d bytes", full.States, full.StateBytes)
	}
	res := explore(t, counterScript(3, 2), Options{Preemptions: -1, MaxMemory: full.StateBytes / 2})
	if res.Complete || res.Stop != StopMaxMemory {
		t.Errorf("complete %v, stop %d", res.Complete, res.Stop)
	}
}

// FuzzStateful explores arbitrary scripts both ways and requires the
// same findings wherever the stateless search runs to its end.
func FuzzStateful(f *testing.F) {
	for _, name := range []string{"15-race", "28-mutex", "30-dining-philosophers", "35-explore-lost-update", "36-peterson", "37-flag-lock", "38-buffer-if"} {
		if src, err := os.ReadFile("../../examples/" + name + ".proc"); err == nil {
			f.Add(src)
		}
	}
	f.Add([]byte(counterScript(2, 2)))
	f.Fuzz(func(t *testing.T, src []byte) {
		prog, err := interp.Load("fuzz.proc", src)
		if err != nil {
			return
		}
		// The limits of the interpreter's own fuzz targets.
		sets := []string{"max_steps=3000", "max_output=4096", "max_procs=8", "max_threads=16", "heap_max=65536", "stack_size=8192", "pipe_cap=64"}
		findings(t, "fuzz.proc", prog, Options{Preemptions: -1, MaxSchedules: 200, MaxSteps: 2_000_000, Session: interp.Options{Sets: sets}}, true)
		findings(t, "fuzz.proc (copies)", prog, Options{Preemptions: -1, MaxSchedules: 200, MaxSteps: 2_000_000, Session: interp.Options{Sets: sets}, copyEvery: 1}, true)
	})
}

// TestStatefulHashWork: taking fingerprints of a large memory counts in
// the instruction budget, so such a search stops where the budget says
// instead of hashing for hours.
func TestStatefulHashWork(t *testing.T) {
	t.Parallel()
	src := `global g = 0
let big = alloc(60000)
func w() {
    for i in 0..1000 {
        g = g + 1
    }
}
let a = thread w()
let b = thread w()
join a
join b
print g
`
	res := explore(t, src, Options{Preemptions: -1, MaxSteps: 2_000_000})
	if res.Stop != StopMaxSteps || res.Steps < 2_000_000 {
		t.Errorf("stop %d after %d steps", res.Stop, res.Steps)
	}
	// Each fingerprint read the heap's byte map at least (60,000 bytes,
	// 7,500 words), and that was counted.
	if min := res.States * 7500 / WordsPerStep; res.Steps < min {
		t.Errorf("%d states and %d steps: the fingerprints were not counted", res.States, res.Steps)
	}
}

// TestProbeFindsDeadlock: the probe, the first run of a stateful search,
// keeps the philosophers level, so the deadlock is its outcome.
func TestProbeFindsDeadlock(t *testing.T) {
	t.Parallel()
	res := explore(t, philosophers5, Options{Preemptions: -1, MaxSchedules: 1})
	if len(res.Outcomes) != 1 || !res.Outcomes[0].Deadlock {
		t.Errorf("the first schedule ends in %+v, want the deadlock", res.Outcomes)
	}
}

// TestFewestPreemptions: every outcome's schedule has the fewest
// preemptions there are to it: a search bounded to one fewer does not
// reach the outcome at all.
func TestFewestPreemptions(t *testing.T) {
	t.Parallel()
	src := counterScript(3, 2)
	res := explore(t, src, Options{Preemptions: -1})
	for _, o := range res.Outcomes {
		if o.Preemptions == 0 {
			continue
		}
		fewer := explore(t, src, Options{Preemptions: o.Preemptions - 1})
		if slices.Contains(outcomeKeys(fewer), o.key()) {
			t.Errorf("outcome %q shown with %d preemptions (%s), reached with %d", o.Output, o.Preemptions, o.Schedule, o.Preemptions-1)
		}
	}
}

// TestSleepReduction: while a thread sleeps, the order of two steps
// decides the switches paid and so when it wakes. The search of a
// program that sleeps finds what the search with the clock in every
// state and no reduction finds (now() read first forces that one).
func TestSleepReduction(t *testing.T) {
	t.Parallel()
	src := `global n = 0
func sleeper() {
    sleep 4
    n = n * 10 + 1
}
func worker() {
    n = n * 10 + 2
    n = n * 10 + 3
    n = n * 10 + 4
}
let s = thread sleeper()
let w = thread worker()
join s
join w
print n
`
	reduced := explore(t, src, Options{Preemptions: -1})
	full := explore(t, "let t0 = now()\n"+src, Options{Preemptions: -1, MaxSchedules: -1, MaxSteps: -1})
	if !reduced.Complete || !full.Complete || !full.Clock || reduced.Clock {
		t.Fatalf("complete %v and %v, clock %v and %v", reduced.Complete, full.Complete, reduced.Clock, full.Clock)
	}
	if got, want := outputs(reduced), outputs(full); !slices.Equal(got, want) {
		t.Errorf("outcomes %q, want %q", got, want)
	}
	if len(outputs(full)) < 2 {
		t.Errorf("outcomes %q: the sleeper should wake at more than one place", outputs(full))
	}
	// The philosophers of examples 30 and 31 sleep holding a fork. The
	// search with the clock in every state and no reduction (now() read
	// first) finds these 7 and 6 outcomes before it stops at 64 MiB of
	// states; reducing while a thread slept found 3 and 5, and called
	// itself complete.
	for file, want := range map[string]int{"30-dining-philosophers.proc": 7, "31-dining-ordered.proc": 6} {
		src, err := os.ReadFile("../../examples/" + file)
		if err != nil {
			t.Fatal(err)
		}
		res := explore(t, string(src), Options{Preemptions: -1})
		if !res.Complete || len(res.Outcomes) != want {
			t.Errorf("%s: %d outcomes (complete %v), want %d", file, len(res.Outcomes), res.Complete, want)
		}
	}
}

// TestExploreHardware: a search runs without the TLB and the cache while
// nothing can tell (no clock read, no sleep), and with them once a
// thread sleeps or the clock is read; the outcomes are those of the
// search that keeps them throughout.
func TestExploreHardware(t *testing.T) {
	t.Parallel()
	sleeper := `global n = 0
func sleeper() {
    sleep 4
    n = n * 10 + 1
}
func worker() {
    n = n * 10 + 2
    n = n * 10 + 3
}
let s = thread sleeper()
let w = thread worker()
join s
join w
print n
`
	for _, c := range []struct {
		name, src string
		clock, hw bool
	}{
		{"counter", testkit.CounterScript(2, false), false, false},
		{"sleeper", sleeper, false, true},
		{"clock", "let t0 = now()\n" + testkit.CounterScript(2, false), true, true},
	} {
		res := explore(t, c.src, Options{Preemptions: -1})
		if res.Clock != c.clock || res.Hardware != c.hw || !res.Complete {
			t.Errorf("%s: clock %v, hardware %v, complete %v; want clock %v, hardware %v", c.name, res.Clock, res.Hardware, res.Complete, c.clock, c.hw)
		}
		// The same search with the hardware on throughout.
		prog, err := interp.Load("e.proc", []byte(c.src))
		if err != nil {
			t.Fatal(err)
		}
		on, err := search(context.Background(), prog, Options{Preemptions: -1}, c.clock, true)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got, want := outputs(res), outputs(on); !slices.Equal(got, want) {
			t.Errorf("%s: outcomes %q, with the hardware throughout %q", c.name, got, want)
		}
	}
}
