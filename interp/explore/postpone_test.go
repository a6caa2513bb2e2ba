package explore

import (
	"context"
	"slices"
	"testing"

	"proc/interp"
)

// waitScripts are programs whose threads join threads or wait for
// processes that still run.
var waitScripts = map[string]string{
	"joins": counterScript(3, 1),
	"waits": `func inc() {
    let c = shm("c", 8)
    c[0] = c[0] + 1
    c[0] = c[0] + 1
}
let c = shm("c", 8)
let a = spawn inc()
let b = spawn inc()
print wait a, wait b, c[0]
`,
	// Two threads join the same thread; one of them is joined in turn.
	"joiners": `global g = 0
func w() { g = g + 1 }
func j(t) { join t
 g = g * 2 }
let a = thread w()
let b = thread j(a)
let c = thread j(a)
join b
g = g + 10
join c
print g
`,
	// Each of two threads may wait for the other: both block.
	"deadlock": `global t1 = 0
global t2 = 0
func w(me) { if me == 1 { join t2 } else { join t1 } }
t1 = thread w(1)
t2 = thread w(2)
join t1
`,
	// After a yield another thread runs first: a join that blocks is
	// one, after which the thread that yielded may run again. Nothing is
	// left for later in a program that yields.
	"yield": `global flag = 0
global counter = 0
func worker(name) {
    let spins = 0
    for i in 0..2 {
        while xchg(&flag, 1) == 1 {
            spins = spins + 1
            yield
        }
        counter = counter + 1
        xchg(&flag, 0)
    }
    print name, spins
}
let a = thread worker("a")
let b = thread worker("b")
join a
join b
`,
	// A thread that never ends, and main joins it: each run stops at
	// max_steps, where one instruction more or less decides what was
	// printed, and the search starts again without leaving joins.
	"spin": `config max_steps = 104
global n = 0
func spin() { while true { n = n + 1
 print n } }
func w() { n = n + 100 }
let a = thread spin()
let b = thread w()
join a
`,
}

// TestPostponeSameFindings: leaving a join or wait that would block until
// what it waits for ends finds what the search without it finds, and
// what the stateless search finds, in fewer states where it applies.
func TestPostponeSameFindings(t *testing.T) {
	t.Parallel()
	for name, src := range waitScripts {
		prog, err := interp.Load(name+".proc", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// With a preemption bound too: a switch away from a thread
		// whose next step would block is no preemption, left for later
		// or not.
		for _, pre := range []int{0, 1, 2} {
			if !sameFindings(t, name, prog, Options{Preemptions: pre, MaxSchedules: 50000}) {
				t.Fatalf("%s: the stateless search with at most %d preemptions did not end", name, pre)
			}
		}
		opts := Options{Preemptions: -1, MaxSchedules: 50000}
		if !sameFindings(t, name, prog, opts) {
			t.Fatalf("%s: the stateless search did not end", name)
		}
		with, without := withAndWithout(t, name, prog, opts, true)
		switch name {
		case "spin", "yield":
			// Started again without leaving them (spin), or not left
			// (yield): the same search.
			if with.States != without.States || with.Schedules != without.Schedules {
				t.Errorf("%s: %d states and %d schedules, %d and %d without leaving joins", name, with.States, with.Schedules, without.States, without.Schedules)
			}
		default:
			if with.States >= without.States {
				t.Errorf("%s: %d states, %d without leaving joins and waits", name, with.States, without.States)
			}
		}
		if !with.Complete {
			t.Errorf("%s: incomplete: %v", name, with.Stop)
		}
		t.Logf("%s: %d states (%d without), %d outcomes", name, with.States, without.States, len(with.Outcomes))
	}
}

// TestPostponeExamples: on every example and exercise whose search ends,
// the search finds the same outcomes and races with and without leaving
// joins and waits for later.
func TestPostponeExamples(t *testing.T) {
	t.Parallel()
	scripts := exampleScripts(t)
	compared, fewer := 0, 0
	for _, sc := range scripts {
		opts := Options{Preemptions: -1, MaxSchedules: 3000, MaxSteps: 1_000_000, Session: interp.Options{Sets: sc.sets}}
		with, without := withAndWithout(t, sc.name, sc.prog, opts, false)
		if !without.Complete {
			continue
		}
		compared++
		if !with.Complete {
			t.Errorf("%s: complete without leaving joins and waits, not with: %v", sc.name, with.Stop)
			continue
		}
		compareKeys(t, sc.name, with, without)
		if with.States < without.States {
			fewer++
		}
	}
	if compared < len(scripts)*3/4 {
		t.Errorf("compared %d of %d scripts: too few searches ended", compared, len(scripts))
	}
	t.Logf("compared %d of %d scripts, %d in fewer states", compared, len(scripts), fewer)
}

// withAndWithout searches prog with opts, leaving joins and waits for
// later and not; with compare, it requires the same outcomes and races.
func withAndWithout(t *testing.T, name string, prog *interp.Program, opts Options, compare bool) (with, without *Result) {
	t.Helper()
	opts.noPostpone = false
	with, err := Run(context.Background(), prog, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.noPostpone = true
	without, err = Run(context.Background(), prog, opts)
	if err != nil {
		t.Fatal(err)
	}
	if compare {
		compareKeys(t, name, with, without)
	}
	return with, without
}

// compareKeys requires the two searches to have found the same outcomes
// and races.
func compareKeys(t *testing.T, name string, with, without *Result) {
	t.Helper()
	if got, want := outcomeKeys(with), outcomeKeys(without); !slices.Equal(got, want) {
		t.Errorf("%s: outcomes differ\n with    %q\n without %q", name, got, want)
	}
	if got, want := raceKeys(with), raceKeys(without); !slices.Equal(got, want) {
		t.Errorf("%s: races differ\n with    %q\n without %q", name, got, want)
	}
}
