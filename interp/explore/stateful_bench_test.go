package explore

import (
	"context"
	"fmt"
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
