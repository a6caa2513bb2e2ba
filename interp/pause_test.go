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
		{sets: []string{"cpus=2"}},
		{sets: []string{"cpus=3", "sched_queues=percpu", "tlb_entries=16", "cache_lines=64"}},
		{sets: []string{"cpus=3", "sched_queues=percpu", "balance=peek", "peek_interval=5", "timer=periodic", "warm_cache=64", "rng=python"}},
		{sets: []string{"timer=periodic", "quantum=3", "warm_cache=64", "warm_time=2"}},
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

// stepSink counts the events and notes the count of instructions at
// which each was written.
type stepSink struct {
	m     *runtime.Machine
	steps []int64
}

func (s *stepSink) Emit(e *runtime.Event) {
	var n int64
	if s.m != nil {
		n = s.m.Steps()
	}
	s.steps = append(s.steps, n)
}

func (s *stepSink) Flush() error { return nil }

// TestEventSteps checks that an event is written when the machine's
// count of instructions says: the events of a run paused in front of
// instruction k+1 (Leg.Before) are exactly those written at step k or
// before, whichever instruction wrote them (a call, a return, a fault, a
// copy on write, a race, a system call) or the kernel between two.
func TestEventSteps(t *testing.T) {
	t.Parallel()
	progs := corpus(t)
	for name, src := range progs {
		prog, err := Load(name, src)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, race := range []bool{false, true} {
			run := func(pause int64) []int64 {
				sink := &stepSink{}
				s, err := NewSession(prog, Options{Trace: runtime.CatAll, Sets: []string{"max_steps=20000"}, Sink: sink, Race: race})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				sink.m = s.M
				if pause < 0 {
					s.Run()
				} else if s.M.RunUntil(runtime.Leg{Pause: pause, Before: true}) == runtime.LegStuck && s.M.LiveThreads() > 0 {
					// The end of the run: its deadlock, as Run reports it.
					s.M.ReportDeadlock()
				}
				return sink.steps
			}
			all := run(-1)
			for i := 1; i < len(all); i++ {
				if all[i] < all[i-1] {
					t.Fatalf("%s: event %d at step %d after one at step %d", name, i, all[i], all[i-1])
				}
			}
			// Every step an event was written at, and the one before.
			seen := map[int64]bool{}
			for _, k := range all {
				for _, p := range []int64{k, k - 1} {
					if p < 0 || seen[p] {
						continue
					}
					seen[p] = true
					want := 0
					for want < len(all) && all[want] <= p {
						want++
					}
					if got := len(run(p)); got != want {
						t.Errorf("%s (race %v): paused in front of instruction %d, the run wrote %d events, want %d", name, race, p+1, got, want)
					}
				}
			}
		}
	}
}
