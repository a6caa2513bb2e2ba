package interp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"proc/runtime"
)

// watchedRun runs prog as traceRun does, with the timeline too, and with
// a watch at step at (none when at < 0) that takes a snapshot of the
// machine. It returns the run's output and the snapshot's JSON.
func watchedRun(prog *Program, sets []string, at int64) (string, string) {
	return watchedRunWith(prog, Options{Sets: sets}, at)
}

// watchedRunWith is watchedRun with more options: the race detector, a
// chooser.
func watchedRunWith(prog *Program, opts Options, at int64) (string, string) {
	var out bytes.Buffer
	opts.Trace, opts.Stats, opts.Gantt, opts.Stdout, opts.Stderr = runtime.CatAll, true, true, &out, &out
	s, err := NewSession(prog, opts)
	if err != nil {
		return "session: " + err.Error(), ""
	}
	var snap []byte
	if at >= 0 {
		s.M.Watch(at, func() {
			if snap, err = json.Marshal(s.M.Snapshot()); err != nil {
				panic(err)
			}
		})
	}
	res := s.Run()
	return fmt.Sprintf("%s\nexit %d steps %d", out.String(), res.ExitCode(), s.M.Steps()), string(snap)
}

// TestWatchChangesNothing runs every example and exercise, and the fast
// path's cases, under several configurations, with a watch that takes a
// snapshot at one step (the first, here and there, the last, past the
// end): the trace, the output, the timeline and the statistics are those
// of the run with no watch; and the snapshot is the one RunTo stops at.
func TestWatchChangesNothing(t *testing.T) {
	t.Parallel()
	progs := corpus(t)
	configs := [][]string{nil, {"sched=fifo"}, {"quantum=1"}, {"sched=mlfq"}, {"quantum=3", "cost_insn=2"}, {"sched=lottery"}, {"cpus=2"}, {"cpus=3", "sched_queues=percpu"}}
	if testing.Short() {
		configs = configs[:2]
	}
	for name, src := range progs {
		for _, sets := range configs {
			prog, err := Load(name, src)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			sets := append([]string{"max_steps=200000"}, sets...)
			want, _ := watchedRun(prog, sets, -1)
			var total int64
			if i := strings.LastIndex(want, "steps "); i >= 0 {
				fmt.Sscan(want[i+len("steps "):], &total)
			}
			for _, at := range []int64{0, 1, 2, 3, total / 7, total / 3, total / 2, total - 1, total, total + 1} {
				got, snap := watchedRun(prog, sets, at)
				if got != want {
					t.Errorf("%s with %s watched at %d: the run changes\n%s", name, strings.Join(sets, " "), at, firstDiff(want, got))
					continue
				}
				if (snap != "") != (at < total) {
					t.Errorf("%s with %s watched at %d of %d: snapshot %t", name, strings.Join(sets, " "), at, total, snap != "")
				}
			}
		}
	}
}

// takeTurns is a chooser that runs the enabled threads in turn, as a
// replayed schedule of explore would pick them.
type takeTurns struct{ n int }

func (c *takeTurns) Choose(enabled []*runtime.Thread, last *runtime.Thread, yielded bool) int {
	c.n++
	return c.n % len(enabled)
}

// TestWatchChangesNothingRaceChooser watches runs with the race detector
// on, and runs whose every scheduling point a chooser decides: a watch
// changes neither.
func TestWatchChangesNothingRaceChooser(t *testing.T) {
	t.Parallel()
	for name, src := range corpus(t) {
		prog, err := Load(name, src)
		if err != nil {
			t.Fatal(err)
		}
		sets := []string{"max_steps=100000"}
		for _, mode := range []string{"race", "chooser"} {
			opts := func() Options {
				if mode == "race" {
					return Options{Sets: sets, Race: true}
				}
				return Options{Sets: sets, Chooser: &takeTurns{}}
			}
			want, _ := watchedRunWith(prog, opts(), -1)
			var total int64
			if i := strings.LastIndex(want, "steps "); i >= 0 {
				fmt.Sscan(want[i+len("steps "):], &total)
			}
			for _, at := range []int64{0, 1, total / 3, total / 2, total - 1} {
				if got, snap := watchedRunWith(prog, opts(), at); got != want || snap == "" {
					t.Errorf("%s under %s watched at %d: the run changes or no snapshot\n%s", name, mode, at, firstDiff(want, got))
				}
			}
		}
	}
}
