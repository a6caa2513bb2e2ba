package explore

import (
	"context"
	"fmt"
	goruntime "runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"proc/interp"
	"proc/interp/internal/testkit"
)

func explore(t *testing.T, src string, opts Options) *Result {
	t.Helper()
	prog, err := interp.Load("e.proc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), prog, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func outputs(res *Result) []string {
	var out []string
	for _, o := range res.Outcomes {
		out = append(out, strings.TrimSpace(o.Output))
	}
	sort.Strings(out)
	return out
}

// TestExploreLostUpdate: the classic outcomes of two unlocked increments.
func TestExploreLostUpdate(t *testing.T) {
	t.Parallel()
	for n := 1; n <= 3; n++ {
		res := explore(t, testkit.CounterScript(n, false), Options{Preemptions: -1})
		var want []string
		lo := 2
		if n == 1 {
			lo = 1
		}
		for v := lo; v <= 2*n; v++ {
			want = append(want, fmt.Sprint(v))
		}
		sort.Strings(want)
		if got := outputs(res); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("n=%d: outcomes %v, want %v", n, got, want)
		}
		if !res.Complete {
			t.Errorf("n=%d: search not complete", n)
		}
		t.Logf("n=%d: %d schedules, %d pruned", n, res.Schedules, res.Pruned)
	}
}

// TestExploreCompoundLostUpdate: a compound assignment is a load, the
// operation and a store, on every kind of target, so two unlocked ones
// lose updates as the long form does; on a name it is the long form's
// very code.
func TestExploreCompoundLostUpdate(t *testing.T) {
	t.Parallel()
	script := func(stmt string) string {
		return fmt.Sprintf(`global counter = 0
global cell
global box
global ptr
func inc() {
    for i in 0..2 {
        %s
    }
}
cell = [0]
box = {n: 0}
ptr = &counter
let a = thread inc()
let b = thread inc()
join a
join b
print counter + cell[0] + box.n
free cell
free box
`, stmt)
	}
	for _, stmt := range []string{"counter += 1", "cell[0] += 1", "box.n += 1", "*ptr += 1"} {
		res := explore(t, script(stmt), Options{Preemptions: -1})
		if got := outputs(res); fmt.Sprint(got) != "[2 3 4]" || !res.Complete {
			t.Errorf("%s: outcomes %v (complete %v), want [2 3 4]", stmt, got, res.Complete)
		}
	}
	code := func(stmt string) string {
		prog, err := interp.Load("e.proc", []byte(script(stmt)))
		if err != nil {
			t.Fatal(err)
		}
		var ops []string
		for _, in := range prog.Funcs[1].Code {
			ops = append(ops, fmt.Sprint(in))
		}
		return strings.Join(ops, " ")
	}
	if short, long := code("counter += 1"), code("counter = counter + 1"); short != long {
		t.Errorf("counter += 1 compiles to\n%s\nnot to the code of counter = counter + 1\n%s", short, long)
	}
}

func TestExploreLocked(t *testing.T) {
	t.Parallel()
	for n := 1; n <= 3; n++ {
		res := explore(t, testkit.CounterScript(n, true), Options{Preemptions: -1})
		if got := outputs(res); fmt.Sprint(got) != fmt.Sprint([]string{fmt.Sprint(2 * n)}) {
			t.Errorf("n=%d: outcomes %v", n, got)
		}
	}
}

// spinLockScript is two threads adding 1 to a counter twice each under
// a spin lock on flag, which lock takes and unlock releases.
func spinLockScript(lock, unlock string) string {
	return `global flag = 0
global counter = 0
func w() {
    for i in 0..2 {
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

// TestExploreAtomicLock: a test-and-set lock built of xchg loses no
// update in any schedule, and races on nothing; the same lock with a
// load and then a store, two steps another thread can run between, loses
// updates and races.
func TestExploreAtomicLock(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, lock, unlock string
		ok                 bool
	}{
		{"xchg", "while xchg(&flag, 1) == 1 { yield }", "xchg(&flag, 0)", true},
		{"cas", "while !cas(&flag, 0, 1) { yield }", "xchg(&flag, 0)", true},
		{"load then store", "while flag == 1 { yield }\n flag = 1", "flag = 0", false},
	} {
		res := explore(t, spinLockScript(c.lock, c.unlock), Options{Preemptions: -1})
		if !res.Complete {
			t.Errorf("%s: search not complete", c.name)
		}
		got := outputs(res)
		if c.ok && (fmt.Sprint(got) != "[4]" || len(res.Races) != 0) {
			t.Errorf("%s: outcomes %v, %d races; want only 4 and none", c.name, got, len(res.Races))
		}
		if !c.ok && (!slices.Contains(got, "3") || len(res.Races) == 0) {
			t.Errorf("%s: outcomes %v, %d races; want a lost update and races", c.name, got, len(res.Races))
		}
		t.Logf("%s: %d schedules, outcomes %v, %d races", c.name, res.Schedules, got, len(res.Races))
	}

	// A ticket lock: fetch_add takes a ticket, and the spin reads the
	// turn with fetch_add of 0, an atomic load.
	res := explore(t, strings.Replace(spinLockScript("let my = fetch_add(&flag, 1)\n while fetch_add(&turn, 0) != my { yield }", "fetch_add(&turn, 1)"),
		"global counter = 0", "global counter = 0\nglobal turn = 0", 1), Options{Preemptions: -1})
	if got := outputs(res); !res.Complete || fmt.Sprint(got) != "[4]" || len(res.Races) != 0 {
		t.Errorf("ticket lock: outcomes %v, %d races, complete %v; want only 4, none, complete", got, len(res.Races), res.Complete)
	}

	// Two processes adding to one word of shared memory with fetch_add.
	res = explore(t, `func w() {
    let s = shm("c", 8)
    fetch_add(s, 1)
    fetch_add(s, 1)
}
let s = shm("c", 8)
let p = spawn w()
fetch_add(s, 1)
fetch_add(s, 1)
wait p
print s[0]
`, Options{Preemptions: -1})
	if got := outputs(res); !res.Complete || fmt.Sprint(got) != "[4]" || len(res.Races) != 0 {
		t.Errorf("shm: outcomes %v, %d races, complete %v; want only 4, none, complete", got, len(res.Races), res.Complete)
	}
}

const peterson = `global turn = 0
global inside = 0
func enter(flags, me) {
    let other = 1 - me
    flags[me] = true
    turn = other
    while flags[other] && turn == other {
        yield
    }
    inside = inside + 1
    assert inside == 1, "two threads in the critical section"
    inside = inside - 1
    flags[me] = false
}
let flags = [false, false]
let a = thread enter(flags, 0)
let b = thread enter(flags, 1)
join a
join b
print "done"
`

const flagLock = `global busy = false
global inside = 0
func enter() {
    while busy {
        yield
    }
    busy = true
    inside = inside + 1
    assert inside == 1, "two threads in the critical section"
    inside = inside - 1
    busy = false
}
let a = thread enter()
let b = thread enter()
join a
join b
print "done"
`

func philosophers(ordered bool) string {
	pick := `    let a = i
    let b = (i + 1) % 3`
	if ordered {
		pick += `
    if b < a {
        a = b
        b = i
    }`
	}
	return `func fork_of(forks, i) { return forks[i] }
func philosopher(forks, i) {
` + pick + `
    lock fork_of(forks, a)
    lock fork_of(forks, b)
    unlock fork_of(forks, b)
    unlock fork_of(forks, a)
}
let forks = [mutex(), mutex(), mutex()]
let p0 = thread philosopher(forks, 0)
let p1 = thread philosopher(forks, 1)
let p2 = thread philosopher(forks, 2)
join p0
join p1
join p2
print "all ate"
`
}

func bufferScript(guard string) string {
	return `global count = 0
func consumer(m, c) {
    lock m
    ` + guard + ` count == 0 {
        cwait(c, m)
    }
    count = count - 1
    assert count >= 0, "took from an empty buffer"
    unlock m
}
func producer(m, c) {
    for i in 0..2 {
        lock m
        count = count + 1
        signal(c)
        unlock m
    }
}
let m = mutex()
let c = cond()
let c1 = thread consumer(m, c)
let c2 = thread consumer(m, c)
let p = thread producer(m, c)
join c1
join c2
join p
print "count", count
`
}

func failing(res *Result) []*Outcome {
	var out []*Outcome
	for _, o := range res.Outcomes {
		if o.Failed() {
			out = append(out, o)
		}
	}
	return out
}

// replays runs a schedule and reports whether it reproduces the outcome.
func replays(t *testing.T, src string, o *Outcome) {
	t.Helper()
	prog, err := interp.Load("e.proc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	choices, err := ParseSchedule(o.Schedule)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckSchedule(prog, nil, choices); err != nil {
		t.Fatalf("schedule %s: %v", o.Schedule, err)
	}
	var buf strings.Builder
	s, err := interp.NewSession(prog, interp.Options{Trace: 0, Stdout: &buf, Stderr: &buf, Chooser: Replay(choices)})
	if err != nil {
		t.Fatal(err)
	}
	s.Run()
	for _, f := range o.Faults {
		// The fault text after "pid/tid: " must appear in the replay.
		if i := strings.Index(f, ": "); i >= 0 && !strings.Contains(buf.String(), f[i+2:]) {
			t.Errorf("replay of %s does not reproduce %q:\n%s", o.Schedule, f, buf.String())
		}
	}
	if o.Deadlock && !strings.Contains(buf.String(), "deadlock") {
		t.Errorf("replay of %s does not deadlock:\n%s", o.Schedule, buf.String())
	}
}

func TestExploreClassics(t *testing.T) {
	t.Parallel()
	if res := explore(t, peterson, Options{Preemptions: -1}); len(failing(res)) != 0 || !res.Complete {
		t.Errorf("peterson: failures %v (complete %v)", failing(res), res.Complete)
	} else {
		t.Logf("peterson: %d schedules", res.Schedules)
	}
	res := explore(t, flagLock, Options{Preemptions: -1})
	if f := failing(res); len(f) == 0 {
		t.Errorf("flag lock: no failure found")
	} else {
		replays(t, flagLock, f[0])
	}
	res = explore(t, philosophers(false), Options{Preemptions: -1})
	if f := failing(res); len(f) == 0 || !f[0].Deadlock {
		t.Errorf("philosophers: no deadlock found")
	} else {
		replays(t, philosophers(false), f[0])
	}
	if res := explore(t, philosophers(true), Options{Preemptions: -1}); len(failing(res)) != 0 {
		t.Errorf("ordered philosophers: failures %v", failing(res)[0])
	}
	res = explore(t, bufferScript("if"), Options{Preemptions: -1})
	if f := failing(res); len(f) == 0 {
		t.Errorf("buffer with if: bug not found")
	} else {
		replays(t, bufferScript("if"), f[0])
	}
	if res := explore(t, bufferScript("while"), Options{Preemptions: -1}); len(failing(res)) != 0 {
		t.Errorf("buffer with while: failures %+v", failing(res)[0])
	}
}

func TestExploreBounds(t *testing.T) {
	t.Parallel()
	res := explore(t, testkit.CounterScript(3, false), Options{Preemptions: -1, MaxSchedules: 10})
	if res.Complete || res.Schedules != 10 || res.Stop != StopMaxSchedules {
		t.Errorf("max-schedules: complete %v, %d schedules, stop %d", res.Complete, res.Schedules, res.Stop)
	}
	res = explore(t, testkit.CounterScript(3, false), Options{Preemptions: 0})
	if got := outputs(res); fmt.Sprint(got) != "[6]" || res.Complete || res.Stop != StopEnded {
		t.Errorf("0 preemptions: %v complete %v", got, res.Complete)
	}
	// A negative bound is no bound.
	res = explore(t, testkit.CounterScript(2, false), Options{Preemptions: -1, MaxSchedules: -1, MaxSteps: -1, MaxDepth: -1, MaxMemory: -1})
	if !res.Complete || res.Stop != StopEnded {
		t.Errorf("no bounds: complete %v, stop %d", res.Complete, res.Stop)
	}
}

// TestExploreDefaultBounds: a search whose options name no bound still
// stops, at DefaultMaxSchedules. The full stateless search of this one is
// some hundred thousand schedules.
func TestExploreDefaultBounds(t *testing.T) {
	t.Parallel()
	res := explore(t, testkit.CounterScript(6, false), Options{Preemptions: -1, Stateless: true})
	if res.Complete || res.Schedules != DefaultMaxSchedules || res.Stop != StopMaxSchedules {
		t.Errorf("complete %v, %d schedules, stop %d", res.Complete, res.Schedules, res.Stop)
	}
}

// TestStopMaxSteps: the instructions of every run count, and the
// search stops at the first run that reaches the bound.
func TestStopMaxSteps(t *testing.T) {
	t.Parallel()
	one := explore(t, testkit.CounterScript(3, false), Options{Preemptions: -1, MaxSchedules: 1})
	res := explore(t, testkit.CounterScript(3, false), Options{Preemptions: -1, MaxSteps: 10 * one.Steps})
	if res.Complete || res.Stop != StopMaxSteps || res.Steps < 10*one.Steps || res.Steps >= 11*one.Steps {
		t.Errorf("complete %v, stop %d, %d steps (a run makes %d)", res.Complete, res.Stop, res.Steps, one.Steps)
	}
}

// TestExploreMaxDepth: past MaxDepth choices a run keeps the running
// thread, as a replay past the end of its schedule does, so the short
// schedules explore prints still reproduce what it found.
func TestExploreMaxDepth(t *testing.T) {
	t.Parallel()
	src := testkit.CounterScript(3, false)
	prog, err := interp.Load("e.proc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res := explore(t, src, Options{Preemptions: -1, MaxDepth: 8})
	if res.Complete || res.Deep == 0 || res.Stop != StopEnded {
		t.Fatalf("complete %v, %d deep, stop %d", res.Complete, res.Deep, res.Stop)
	}
	if got := outputs(res); fmt.Sprint(got) != "[3 4 5 6]" {
		t.Errorf("outcomes %v, want the lost updates too", got)
	}
	for _, o := range res.Outcomes {
		if n := strings.Count(o.Schedule, ".") + 1; n > 8 {
			t.Errorf("schedule %s has %d choices", o.Schedule, n)
		}
		choices, err := ParseSchedule(o.Schedule)
		if err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		s, err := interp.NewSession(prog, interp.Options{Trace: 0, Stdout: &out, Stderr: &out, Chooser: Replay(choices)})
		if err != nil {
			t.Fatal(err)
		}
		s.Run()
		if out.String() != o.Output {
			t.Errorf("schedule %s replays as %q, explore saw %q", o.Schedule, out.String(), o.Output)
		}
	}
}

// TestStopMaxMemory: the search stops when what it keeps passes the
// bound, counted the same way everywhere.
func TestStopMaxMemory(t *testing.T) {
	t.Parallel()
	src := testkit.CounterScript(3, false)
	a := explore(t, src, Options{Preemptions: -1, MaxMemory: 2000})
	b := explore(t, src, Options{Preemptions: -1, MaxMemory: 2000})
	if a.Complete || a.Stop != StopMaxMemory {
		t.Errorf("complete %v, stop %d", a.Complete, a.Stop)
	}
	if a.Schedules != b.Schedules || len(a.Outcomes) != len(b.Outcomes) {
		t.Errorf("two searches stopped at %d and %d schedules", a.Schedules, b.Schedules)
	}
}

func TestScheduleErrors(t *testing.T) {
	t.Parallel()
	prog, _ := interp.Load("e.proc", []byte(testkit.CounterScript(1, false)))
	if err := CheckSchedule(prog, nil, []int{99}); err == nil || !strings.Contains(err.Error(), "does not fit") {
		t.Errorf("bad tid: %v", err)
	}
	if _, err := ParseSchedule("2.x"); err == nil {
		t.Error("bad schedule text accepted")
	}
	if err := CheckSchedule(prog, nil, []int{2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3}); err == nil {
		t.Error("too long a schedule accepted")
	}
}

// TestExploreCancel: a search whose context is done stops before the
// next schedule and returns what it found, marked interrupted.
func TestExploreCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	prog, err := interp.Load("e.proc", []byte(testkit.CounterScript(3, false)))
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	res, err := Run(ctx, prog, Options{Preemptions: -1, Progress: func(r *Result) {
		calls++
		if r.Schedules == 10 {
			cancel()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stop != StopInterrupted || res.Complete || res.Schedules != 10 || calls != 10 {
		t.Errorf("stop %d, complete %v, %d schedules, %d progress calls", res.Stop, res.Complete, res.Schedules, calls)
	}
	if len(res.Outcomes) == 0 || len(res.Races) == 0 {
		t.Errorf("%d outcomes and %d races kept", len(res.Outcomes), len(res.Races))
	}
}

// TestExploreTimeout: a search whose context's deadline has passed stops
// as one interrupted does, keeping what it found, and says it ran out of
// time rather than that it was told to stop.
func TestExploreTimeout(t *testing.T) {
	t.Parallel()
	prog, err := interp.Load("e.proc", []byte(testkit.CounterScript(3, false)))
	if err != nil {
		t.Fatal(err)
	}
	// The deadline passes at the 10th schedule, whatever the machine's
	// speed: a context whose deadline is in the past once cancel runs is
	// made by hand.
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	res, err := Run(deadlineCtx{ctx}, prog, Options{Preemptions: -1, Progress: func(r *Result) {
		if r.Schedules == 10 {
			cancel(context.DeadlineExceeded)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stop != StopTimeout || res.Complete || res.Schedules != 10 || len(res.Outcomes) == 0 {
		t.Errorf("stop %d, complete %v, %d schedules, %d outcomes", res.Stop, res.Complete, res.Schedules, len(res.Outcomes))
	}
	// A context.WithTimeout that has passed stops a search at once.
	past, stop := context.WithTimeout(context.Background(), -time.Second)
	defer stop()
	res, err = Run(past, prog, Options{Preemptions: -1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stop != StopTimeout || res.Schedules != 0 {
		t.Errorf("a passed deadline: stop %d after %d schedules", res.Stop, res.Schedules)
	}
}

// deadlineCtx reports its cause as its error, as a context whose deadline
// passed reports context.DeadlineExceeded.
type deadlineCtx struct{ context.Context }

func (c deadlineCtx) Err() error {
	if c.Context.Err() == nil {
		return nil
	}
	return context.Cause(c.Context)
}

// TestExploreCancelLongRun: the context is looked at inside a run too, at
// every scheduling point. This run would go on for a billion instructions
// (cost_insn=0: no tick either); the search stops and drops it.
func TestExploreCancelLongRun(t *testing.T) {
	t.Parallel()
	prog, err := interp.Load("e.proc", []byte("global g = 0\nwhile true { g = g + 1 }\n"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(20 * time.Millisecond)
		cancel()
	}()
	res, err := Run(ctx, prog, Options{Preemptions: -1, Session: interp.Options{Sets: []string{"max_steps=1000000000", "cost_insn=0"}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stop != StopInterrupted || res.Complete || res.Schedules != 0 || len(res.Outcomes) != 0 {
		t.Errorf("stop %d, complete %v, %d schedules, %d outcomes", res.Stop, res.Complete, res.Schedules, len(res.Outcomes))
	}
	t.Logf("stopped after %d instructions", res.Steps)
}

// exploreAllocs is how many allocations exploring src makes. It counts
// those of the whole test binary, so the tests that call it do not run in
// parallel.
func exploreAllocs(t *testing.T, src string, opts Options) uint64 {
	t.Helper()
	prog, err := interp.Load("e.proc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var before, after goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	if _, err := Run(context.Background(), prog, opts); err != nil {
		t.Fatal(err)
	}
	goruntime.ReadMemStats(&after)
	return after.Mallocs - before.Mallocs
}

// TestExploreLongRunAllocs: a run that makes a million steps alone has
// nothing to choose, and explore keeps nothing for it. It once kept every
// scheduling point, a few hundred bytes each: gigabytes by the step limit.
// (A loop of yields: a loop of stores would count the race detector's
// allocations too.)
func TestExploreLongRunAllocs(t *testing.T) {
	const src = "while true { yield }\n"
	small := exploreAllocs(t, src, Options{Preemptions: -1, Session: interp.Options{Sets: []string{"max_steps=2000"}}})
	large := exploreAllocs(t, src, Options{Preemptions: -1, Session: interp.Options{Sets: []string{"max_steps=1000000"}}})
	if extra := int64(large) - int64(small); extra > 50 {
		t.Errorf("a run 500 times as long made %d more allocations (%d against %d)", extra, large, small)
	}
}

// TestExploreExitStatusEightBits: an outcome's exit statuses are 8 bits,
// as everywhere else (see TestExitStatusEightBits in package interp).
func TestExploreExitStatusEightBits(t *testing.T) {
	t.Parallel()
	res := explore(t, "let c = fork\nif c == 0 { exit 1000 }\nwait c\nreturn 0-1\n", Options{Preemptions: -1})
	for _, o := range res.Outcomes {
		if got := strings.Join(o.Exits, " "); got != "1=255 2=232" {
			t.Errorf("explore outcome exits %q, want 1=255 2=232", got)
		}
	}
}
