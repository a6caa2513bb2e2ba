package interp

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"proc/interp/internal/testkit"
	"proc/runtime"
)

// The files of testdata/ostep/lottery hold what OSTEP's lottery.py (the
// homework simulator of the lottery scheduling chapter, in the
// ostep-homework repository, cpu-sched-lottery/lottery.py) prints with -c:
// the first line of each is the command that wrote the rest, run with
// Python 3.11. TestLotteryPython runs each job list as a proc script under
// config rng = "python" and checks that proc draws what lottery.py draws.
//
// The mapping: lottery.py's job i is the i-th process the script spawns
// (pid and tid i+2: main is 1, and ends once it has spawned them all, so
// it never takes part in a draw; a main that waited for them would wake,
// and draw with them, when the first it waits for ends), with the job's tickets and `compute` of its
// length. Every cost but compute is 0, so a time slice of the script is a
// step of lottery.py, and the quantum is lottery.py's -q. lottery.py walks
// its jobs in list order; proc walks the ready threads in tid order, which
// is the same order.
//
// What differs, and what the test checks instead:
//   - lottery.py draws at every slice, even when one job is left; proc
//     draws only when two or more threads are ready. Those draws of
//     lottery.py cannot change who runs (its jobs all arrive at time 0), so
//     the winners are the same, and proc's draws are lottery.py's up to the
//     slice in which the next-to-last job ends.
//   - lottery.py charges a whole quantum to a job that needs less of it and
//     ends; in proc the next thread gets the rest. With lengths that are
//     multiples of the quantum (or a quantum of 1) the finish times are the
//     same; otherwise each finish time is the sum of the CPU the slices up
//     to it used, which the test computes from lottery.py's winners.
//   - Without -l, lottery.py draws the job list from the same generator
//     before the lottery; a script cannot do that, so every case gives -l.

// lotteryCase is what one lottery.py run says.
type lotteryCase struct {
	cmd     string
	quantum int64
	seed    int64
	lengths []int64
	tickets []int64
	draws   []lotteryDraw // every slice's draw
	done    map[int]int64 // job -> finish time
}

type lotteryDraw struct {
	random, ticket, total int64
	job                   int
}

var (
	lotteryArg  = regexp.MustCompile(`^ARG (quantum|seed) (-?\d+)$`)
	lotteryJob  = regexp.MustCompile(`^  Job (\d+) \( length = (\d+), tickets = (\d+) \)$`)
	lotteryRun  = regexp.MustCompile(`^Random (\d+) -> Winning ticket (\d+) \(of (\d+)\) -> Run (\d+)$`)
	lotteryDone = regexp.MustCompile(`^--> JOB (\d+) DONE at time (\d+)$`)
	procDraw    = regexp.MustCompile(`^\s*\d+ \[(\d+)/\d+\] lottery: random (\d+) -> winning ticket (\d+) \(of (\d+)\)$`)
)

func atoi64(t *testing.T, s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func parseLottery(t *testing.T, text string) lotteryCase {
	c := lotteryCase{done: map[int]int64{}}
	lines := strings.Split(text, "\n")
	c.cmd = strings.TrimPrefix(lines[0], "# ")
	for _, l := range lines[1:] {
		if m := lotteryArg.FindStringSubmatch(l); m != nil {
			if m[1] == "quantum" {
				c.quantum = atoi64(t, m[2])
			} else {
				c.seed = atoi64(t, m[2])
			}
		} else if m := lotteryJob.FindStringSubmatch(l); m != nil {
			c.lengths = append(c.lengths, atoi64(t, m[2]))
			c.tickets = append(c.tickets, atoi64(t, m[3]))
		} else if m := lotteryRun.FindStringSubmatch(l); m != nil {
			c.draws = append(c.draws, lotteryDraw{atoi64(t, m[1]), atoi64(t, m[2]), atoi64(t, m[3]), int(atoi64(t, m[4]))})
		} else if m := lotteryDone.FindStringSubmatch(l); m != nil {
			c.done[int(atoi64(t, m[1]))] = atoi64(t, m[2])
		}
	}
	if c.quantum == 0 || len(c.lengths) == 0 || len(c.draws) == 0 || len(c.done) != len(c.lengths) {
		t.Fatalf("%s: not a whole lottery.py -c output", c.cmd)
	}
	return c
}

// script is the proc script that runs c's jobs.
func (c lotteryCase) script() string {
	var b strings.Builder
	fmt.Fprintf(&b, "config sched = \"lottery\"\nconfig rng = \"python\"\nconfig seed = %d\nconfig quantum = %d\n", c.seed, c.quantum)
	for _, k := range []string{"cost_insn", "cost_spawn", "cost_switch_process", "cost_switch_thread"} {
		fmt.Fprintf(&b, "config %s = 0\n", k)
	}
	b.WriteString(testkit.HWOff)
	b.WriteString("func job(n) { compute n }\n")
	for i, n := range c.lengths {
		fmt.Fprintf(&b, "spawn job(%d) with {tickets: %d}\n", n, c.tickets[i])
	}
	return b.String()
}

func TestLotteryPython(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/ostep/lottery/*.txt")
	if err != nil || len(files) < 10 {
		t.Fatalf("%d cases, want at least 10 (%v)", len(files), err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			c := parseLottery(t, string(data))
			prog, err := Load("lottery.proc", []byte(c.script()))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			s, err := NewSession(prog, Options{Trace: runtime.CatSched, Gantt: true, Stdout: &out, Stderr: &out})
			if err != nil {
				t.Fatal(err)
			}
			s.Run()

			// What lottery.py's winners give: who runs each slice, how
			// long, and when each job ends.
			left := append([]int64(nil), c.lengths...)
			var wantRuns []int // tid of each slice
			wantEnd := map[int]int64{}
			var clock, waste int64
			live := len(c.lengths)
			var wantDraws []lotteryDraw // the draws proc makes too
			for _, d := range c.draws {
				if live >= 2 {
					wantDraws = append(wantDraws, d)
				}
				run := min(left[d.job], c.quantum)
				left[d.job] -= run
				clock += run
				waste += c.quantum - run
				wantRuns = append(wantRuns, d.job+2)
				if left[d.job] == 0 {
					wantEnd[d.job] = clock
					live--
					if clock+waste != c.done[d.job] {
						// Only the leftovers of quanta may part the two clocks.
						t.Fatalf("%s: job %d ends at %d replayed (+%d of leftovers), %d in lottery.py", c.cmd, d.job, clock, waste, c.done[d.job])
					}
				}
			}

			// proc's draws, from the trace.
			var gotDraws []lotteryDraw
			for _, l := range strings.Split(out.String(), "\n") {
				if m := procDraw.FindStringSubmatch(l); m != nil {
					gotDraws = append(gotDraws, lotteryDraw{atoi64(t, m[2]), atoi64(t, m[3]), atoi64(t, m[4]), int(atoi64(t, m[1])) - 2})
				}
			}
			if fmt.Sprint(gotDraws) != fmt.Sprint(wantDraws) {
				t.Errorf("%s:\nproc draws      %v\nlottery.py draws %v", c.cmd, gotDraws, wantDraws)
			}

			// proc's slices, from the timeline: a run of one thread is
			// as many slices as it holds quanta, the last maybe cut short.
			rows, _ := s.M.Timeline()
			type run struct {
				from, to int64
				tid      int
			}
			var runs []run
			for _, r := range rows {
				for _, sp := range r.Spans {
					if sp.State == "running" && sp.To > sp.From {
						runs = append(runs, run{sp.From, sp.To, r.TID})
					}
				}
			}
			gotEnd := map[int]int64{}
			var gotRuns []int
			for at := int64(0); ; {
				found := false
				for _, r := range runs {
					if r.from == at {
						for n := (r.to - r.from + c.quantum - 1) / c.quantum; n > 0; n-- {
							gotRuns = append(gotRuns, r.tid)
						}
						at, found = r.to, true
						gotEnd[r.tid-2] = r.to
						break
					}
				}
				if !found {
					break
				}
			}
			if fmt.Sprint(gotRuns) != fmt.Sprint(wantRuns) {
				t.Errorf("%s:\nproc runs       %v\nlottery.py runs %v", c.cmd, gotRuns, wantRuns)
			}
			if fmt.Sprint(gotEnd) != fmt.Sprint(wantEnd) {
				t.Errorf("%s: finish times: proc %v, lottery.py %v (lottery.py says %v)", c.cmd, gotEnd, wantEnd, c.done)
			}
			for _, st := range s.M.Stats() {
				if job := st.PID - 2; job >= 0 && st.Finish != wantEnd[job] {
					t.Errorf("%s: job %d (pid %d) finishes at %d, want %d", c.cmd, job, st.PID, st.Finish, wantEnd[job])
				}
			}
		})
	}
}
