package interp

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"proc/runtime"
)

// turnChooser is a chooser that takes the threads in turn, the next tid
// after the one that ran: a schedule of its own, with choices all along.
type turnChooser struct{}

func (turnChooser) Choose(enabled []*runtime.Thread, last *runtime.Thread, yielded bool) int {
	if last == nil {
		return 0
	}
	for i, t := range enabled {
		if t.TID > last.TID {
			return i
		}
	}
	return 0
}

// TestPauseSameRun runs every example, every exercise and the fast path
// cases under several configurations in one go, then paused every few
// instructions (Leg.Pause, after the instructions or in front of the
// next one, Leg.Before) and resumed, and requires the same bytes: the
// full trace in JSON, with the events' fields, and the statistics. A
// pause must be invisible in the run: time travel goes back to a step by
// running to it again, and on from it by resuming.
func TestPauseSameRun(t *testing.T) {
	t.Parallel()
	progs := corpus(t)
	type config struct {
		sets    []string
		chooser bool
		race    bool
	}
	configs := []config{
		{},
		{sets: []string{"sched=fifo"}},
		{sets: []string{"quantum=3", "cost_insn=2"}},
		{sets: []string{"sched=mlfq", "quantum=2"}},
		{sets: []string{"sched=lottery", "seed=7"}},
		{sets: []string{"sched=stcf"}},
		{chooser: true, race: true},
	}
	periods := []int64{1, 3, 1000}
	if testing.Short() {
		configs, periods = configs[:2], periods[1:]
	}
	for name, src := range progs {
		prog, err := Load(name, src)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, c := range configs {
			sets := append([]string{"max_steps=30000"}, c.sets...)
			run := func(pause int64, before bool) string {
				var out bytes.Buffer
				opts := Options{Trace: runtime.CatAll, JSON: true, Sets: sets, Stdout: &out, Stderr: &out, Race: c.race}
				if c.chooser {
					opts.Chooser = turnChooser{}
				}
				s, err := NewSession(prog, opts)
				if err != nil {
					return "session: " + err.Error()
				}
				if pause == 0 {
					code := s.Run().ExitCode()
					return fmt.Sprintf("%s\nexit %d", out.String(), code)
				}
				m := s.M
				end := runtime.LegPaused
				for end == runtime.LegPaused {
					end = m.RunUntil(runtime.Leg{Pause: pause, Before: before})
				}
				if end == runtime.LegStuck && m.LiveThreads() > 0 {
					m.ReportDeadlock()
				}
				code := s.Finish().ExitCode()
				return fmt.Sprintf("%s\nexit %d", out.String(), code)
			}
			want := run(0, false)
			for _, p := range periods {
				for _, before := range []bool{false, true} {
					if got := run(p, before); got != want {
						t.Errorf("%s with %s, chooser %v, paused every %d (before %v): the pauses change the run\n%s",
							name, strings.Join(sets, " "), c.chooser, p, before, firstDiff(want, got))
					}
				}
			}
		}
	}
}
