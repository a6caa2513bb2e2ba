package interp_test

// The searches of package explore with and without what only this
// package's tests can set: the fast path off, the reference race detector.

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"proc/interp"
	"proc/interp/explore"
)

// exploreRun explores prog with or without the fast path and returns what
// it found: the schedules, each outcome with a schedule that reaches it,
// and the races.
func exploreRun(prog *interp.Program, opts explore.Options, fast bool) string {
	opts.Session.Engine = interp.Engine{NoFastPath: !fast}
	res, err := explore.Run(context.Background(), prog, opts)
	if err != nil {
		return "explore: " + err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "schedules %d pruned %d complete %v\n", res.Schedules, res.Pruned, res.Complete)
	for _, o := range res.Outcomes {
		fmt.Fprintf(&b, "%q %v %v %v %q %d %s\n", o.Output, o.Exits, o.Faults, o.Deadlock, o.Stopped, o.Schedules, o.Schedule)
	}
	for _, r := range res.Races {
		fmt.Fprintf(&b, "race %s\n", r.Schedule)
	}
	return b.String()
}

// TestFastPathSameExplore explores the examples written for explore, and
// the cases of TestFastPathSameTrace, with and without the fast path, and
// requires the same schedules, outcomes and races: the fast path runs
// only what no other thread can observe, so the scheduling points are the
// same.
func TestFastPathSameExplore(t *testing.T) {
	t.Parallel()
	progs := map[string][]byte{}
	for name, src := range interp.FastCases {
		progs[name] = []byte(src)
	}
	for _, name := range []string{"15-race", "30-dining-philosophers", "34-shm-race", "35-explore-lost-update", "36-peterson", "37-flag-lock", "38-buffer-if", "44-test-and-set", "45-ticket-lock"} {
		src, err := os.ReadFile("../examples/" + name + ".proc")
		if err != nil {
			t.Fatal(err)
		}
		progs[name] = src
	}
	limit := 300
	if testing.Short() {
		limit = 60
	}
	opts := explore.Options{Preemptions: 2, MaxSchedules: limit, Session: interp.Options{Sets: []string{"max_steps=20000"}}}
	for name, src := range progs {
		prog, err := interp.Load(name, src)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if slow, fast := exploreRun(prog, opts, false), exploreRun(prog, opts, true); slow != fast {
			t.Errorf("%s: the fast path changes what explore finds\n%s", name, interp.FirstDiff(slow, fast))
		}
	}
}

// FuzzExploreFastPath explores arbitrary source, a few schedules deep, with
// and without the fast path, and requires the same findings.
func FuzzExploreFastPath(f *testing.F) {
	for _, name := range []string{"15-race", "35-explore-lost-update", "36-peterson", "37-flag-lock", "38-buffer-if", "44-test-and-set", "45-ticket-lock"} {
		if src, err := os.ReadFile("../examples/" + name + ".proc"); err == nil {
			f.Add(src)
		}
	}
	for _, src := range interp.FastCases {
		f.Add([]byte(src))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		prog, err := interp.Load("fuzz.proc", src)
		if err != nil {
			return
		}
		opts := explore.Options{Preemptions: 1, MaxSchedules: 12, Session: interp.Options{Sets: interp.FuzzLimits}}
		if slow, fast := exploreRun(prog, opts, false), exploreRun(prog, opts, true); slow != fast {
			t.Fatalf("the fast path changes what explore finds\n%s", interp.FirstDiff(slow, fast))
		}
	})
}

// TestRaceMatchesReferenceExplore explores the examples written for
// explore: every schedule is a run to check.
func TestRaceMatchesReferenceExplore(t *testing.T) {
	t.Parallel()
	limit := 300
	if testing.Short() {
		limit = 60
	}
	for _, name := range []string{"15-race", "29-bounded-buffer", "34-shm-race", "35-explore-lost-update", "36-peterson", "37-flag-lock", "38-buffer-if", "44-test-and-set", "45-ticket-lock"} {
		src, err := os.ReadFile("../examples/" + name + ".proc")
		if err != nil {
			t.Fatal(err)
		}
		prog, err := interp.Load(name, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, every := range []int{interp.CompactMin, 1} {
			run, diff := interp.WithReference(interp.Options{Sets: []string{"max_steps=20000"}}, every)
			explore.Run(context.Background(), prog, explore.Options{Preemptions: 2, MaxSchedules: limit, Session: run})
			if i, d := diff(); d != "" {
				t.Fatalf("%s, schedule %d, compacting every %d: the detector differs from the reference\n%s", name, i+1, every, d)
			}
		}
	}
}
