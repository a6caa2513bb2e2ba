package interp

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"proc/runtime"
)

// TestLotteryDistribution: under proc's own generator (not rng =
// "python"), the lottery's answers differ from lottery.py's seed by seed,
// but they must be the same lottery: over 200 seeds, the unfairness of
// two jobs of equal length (the first job's finish time over the
// second's, the chapter's measure) and how often the job with more
// tickets ends first have the same mean as lottery.py's over its 200
// seeds, within what chance allows (four standard errors of the
// difference). testdata/ostep/lottery-dist.txt holds lottery.py's finish
// times, with the command that wrote them.
func TestLotteryDistribution(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/ostep/lottery-dist.txt")
	if err != nil {
		t.Fatal(err)
	}
	// workload -> finish times of job 0 and job 1, a pair a seed.
	py := map[string][][2]int64{}
	var order []string
	var cur string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		switch {
		case strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "workload "):
			cur = strings.TrimPrefix(line, "workload ")
			order = append(order, cur)
		default:
			var pair [2]int64
			for _, f := range strings.Fields(line) {
				job, at, ok := strings.Cut(f, "=")
				j, err1 := strconv.Atoi(job)
				n, err2 := strconv.ParseInt(at, 10, 64)
				if !ok || err1 != nil || err2 != nil || j < 0 || j > 1 {
					t.Fatalf("bad line %q", line)
				}
				pair[j] = n
			}
			py[cur] = append(py[cur], pair)
		}
	}
	if len(order) != 2 {
		t.Fatalf("%d workloads, want 2", len(order))
	}
	for _, w := range order {
		var lengths, tickets []int64
		for _, job := range strings.Split(w, ",") {
			l, tk, _ := strings.Cut(job, ":")
			n, _ := strconv.ParseInt(l, 10, 64)
			k, _ := strconv.ParseInt(tk, 10, 64)
			lengths, tickets = append(lengths, n), append(tickets, k)
		}
		c := lotteryCase{quantum: 1, lengths: lengths, tickets: tickets}
		src := strings.Replace(c.script(), "config rng = \"python\"\n", "", 1)
		var mine [][2]int64
		for seed := range len(py[w]) {
			prog, err := Load("lottery.proc", []byte(strings.Replace(src, "config seed = 0\n", fmt.Sprintf("config seed = %d\n", seed), 1)))
			if err != nil {
				t.Fatal(err)
			}
			s, err := NewSession(prog, Options{Sink: discard{}})
			if err != nil {
				t.Fatal(err)
			}
			s.Run()
			var pair [2]int64
			for _, p := range s.M.Stats() {
				if p.PID >= 2 && p.PID <= 3 {
					pair[p.PID-2] = p.Finish
				}
			}
			mine = append(mine, pair)
		}
		unfair := func(p [2]int64) float64 {
			return float64(min(p[0], p[1])) / float64(max(p[0], p[1]))
		}
		first := func(p [2]int64) float64 {
			if p[0] < p[1] {
				return 1
			}
			return 0
		}
		for _, m := range []struct {
			name string
			f    func([2]int64) float64
		}{{"unfairness", unfair}, {"job 0 ends first", first}} {
			a, va := meanVar(py[w], m.f)
			b, vb := meanVar(mine, m.f)
			se := math.Sqrt(va/float64(len(py[w])) + vb/float64(len(mine)))
			t.Logf("%s: %s: lottery.py %.3f, proc %.3f (standard error of the difference %.3f)", w, m.name, a, b, se)
			if math.Abs(a-b) > 4*se+1e-9 {
				t.Errorf("%s: %s: lottery.py's mean is %.3f, proc's %.3f: more than four standard errors (%.3f) apart", w, m.name, a, b, se)
			}
		}
	}
}

func meanVar(xs [][2]int64, f func([2]int64) float64) (mean, variance float64) {
	for _, x := range xs {
		mean += f(x)
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		d := f(x) - mean
		variance += d * d
	}
	return mean, variance / float64(len(xs)-1)
}

// discard is a sink that keeps nothing.
type discard struct{}

func (discard) Emit(*runtime.Event) {}
func (discard) Flush() error        { return nil }
