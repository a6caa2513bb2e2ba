package explore

import (
	"context"
	"testing"

	"proc/interp"
	"proc/interp/internal/testkit"
)

// BenchmarkExplore: a full search with many short runs, and searches of one
// long run alone (every store of a global a scheduling point, or every
// yield), which once kept every point they passed.
func BenchmarkExplore(b *testing.B) {
	cases := []struct {
		name string
		src  string
		sets []string
	}{
		{"lost-update", testkit.CounterScript(3, false), nil},
		{"alone-store", "global g = 0\nwhile true { g = g + 1 }\n", []string{"max_steps=1000000"}},
		{"alone-yield", "while true { yield }\n", []string{"max_steps=1000000"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			prog, err := interp.Load("e.proc", []byte(c.src))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var steps int64
			for b.Loop() {
				res, err := Run(context.Background(), prog, Options{Preemptions: -1, Session: interp.Options{Sets: c.sets}})
				if err != nil {
					b.Fatal(err)
				}
				steps += res.Steps
			}
			b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}
