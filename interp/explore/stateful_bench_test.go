package explore

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"proc/interp"
)

// counterScript is the classroom lost update: n threads each add 1 to an
// unprotected global k times, and main prints the total.
func counterScript(n, k int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "global counter = 0\nfunc inc() {\n    for i in 0..%d {\n        counter = counter + 1\n    }\n}\n", k)
	for i := range n {
		fmt.Fprintf(&b, "let t%d = thread inc()\n", i)
	}
	for i := range n {
		fmt.Fprintf(&b, "join t%d\n", i)
	}
	b.WriteString("print counter\n")
	return b.String()
}

// BenchmarkStateful: the searches the stateful search was made for, each
// to its end.
func BenchmarkStateful(b *testing.B) {
	cases := []struct {
		name      string
		src       string
		stateless bool
	}{
		{"counter-3x3", counterScript(3, 3), false},
		{"counter-4x2", counterScript(4, 2), false},
		{"counter-2x3", counterScript(2, 3), false},
		{"counter-2x3-stateless", counterScript(2, 3), true},
		{"philosophers-5", philosophers5, false},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			prog, err := interp.Load("e.proc", []byte(c.src))
			if err != nil {
				b.Fatal(err)
			}
			var states, runs int64
			for b.Loop() {
				res, err := Run(context.Background(), prog, Options{Preemptions: -1, MaxSchedules: -1, MaxSteps: -1, Stateless: c.stateless})
				if err != nil {
					b.Fatal(err)
				}
				if !res.Complete {
					b.Fatalf("incomplete: %v", res.Stop)
				}
				states, runs = res.States, int64(res.Schedules)+res.Matched+int64(res.Pruned)
			}
			b.ReportMetric(float64(states), "states")
			b.ReportMetric(float64(runs), "runs")
		})
	}
}

// philosophers5 is five dining philosophers, each taking its left fork
// and then its right: a deadlock when all hold their left one.
const philosophers5 = `func philosopher(forks, i) {
    let left = forks[i]
    let right = forks[(i + 1) % 5]
    lock left
    lock right
    unlock right
    unlock left
}
let forks = [mutex(), mutex(), mutex(), mutex(), mutex()]
let p0 = thread philosopher(forks, 0)
let p1 = thread philosopher(forks, 1)
let p2 = thread philosopher(forks, 2)
let p3 = thread philosopher(forks, 3)
let p4 = thread philosopher(forks, 4)
join p0
join p1
join p2
join p3
join p4
print "all ate"
`

// BenchmarkFirstDeadlock: how long the search takes to find the five
// philosophers' deadlock (it stops there, as a model checker stops at
// its first error).
func BenchmarkFirstDeadlock(b *testing.B) {
	prog, err := interp.Load("e.proc", []byte(philosophers5))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		found := false
		opts := Options{Preemptions: -1, Progress: func(r *Result) {
			for _, o := range r.Outcomes {
				if o.Deadlock {
					found = true
					cancel()
				}
			}
		}}
		if _, err := Run(ctx, prog, opts); err != nil {
			b.Fatal(err)
		}
		cancel()
		if !found {
			b.Fatal("no deadlock found")
		}
	}
}

// BenchmarkCopies: the first states of the search of example 34, two
// processes that add to a shared counter a hundred times each (a run is
// over a thousand instructions), with each run starting from a copy of
// the run before it where they part, and replaying from the start. The
// search stops when what it keeps reaches 2 MiB (a fixed count of
// states; far fewer runs than states reach the end of the program).
func BenchmarkCopies(b *testing.B) {
	src, err := os.ReadFile("../../examples/34-shm-race.proc")
	if err != nil {
		b.Fatal(err)
	}
	prog, err := interp.Load("34-shm-race.proc", src)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		every int64
	}{{"copies", 0}, {"replay", -1}} {
		b.Run(c.name, func(b *testing.B) {
			var states int64
			for b.Loop() {
				res, err := Run(context.Background(), prog, Options{Preemptions: -1, MaxSchedules: -1, MaxSteps: -1, MaxMemory: 2 << 20, copyEvery: c.every})
				if err != nil {
					b.Fatal(err)
				}
				states = res.States
			}
			b.ReportMetric(float64(states), "states")
			b.ReportMetric(float64(states)*float64(b.N)/b.Elapsed().Seconds(), "states/s")
		})
	}
}
