package interp

import "testing"

// TestTimelineAddsUp checks the timeline as data (Machine.Timeline)
// against the statistics, for every example and exercise under a few
// policies: each thread's spans are in order and do not overlap, two in
// a row never share a state, and the ticks in each state add up to the
// thread's CPU, ready, blocked and sleeping times.
func TestTimelineAddsUp(t *testing.T) {
	t.Parallel()
	spans := 0
	for name, src := range corpus(t) {
		prog, err := Load(name, src)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, sets := range [][]string{nil, {"sched=mlfq"}, {"sched=fifo", "quantum=3"}} {
			s, err := NewSession(prog, Options{Sink: &stepSink{}, Sets: append([]string{"max_steps=50000"}, sets...)})
			if err != nil {
				t.Fatal(err)
			}
			s.M.RecordTimeline(true, true)
			s.Run()
			rows, cutAt := s.M.Timeline()
			if cutAt >= 0 {
				continue
			}
			if len(rows) != len(s.M.Threads()) {
				t.Fatalf("%s: %d rows for %d threads", name, len(rows), len(s.M.Threads()))
			}
			for i, row := range rows {
				th := s.M.Threads()[i]
				times, _ := s.M.TimesNow(th)
				sum := map[string]int64{}
				for k, sp := range row.Spans {
					if sp.To <= sp.From || k > 0 && (sp.From < row.Spans[k-1].To || sp.From == row.Spans[k-1].To && sp.State == row.Spans[k-1].State) {
						t.Fatalf("%s %v: thread %d: span %d %+v after %+v", name, sets, row.TID, k, sp, row.Spans[max(k-1, 0)])
					}
					sum[sp.State] += sp.To - sp.From
					spans++
				}
				want := map[string]int64{"running": times.CPU, "ready": times.Ready, "blocked": times.Blocked, "sleeping": times.Sleeping}
				for _, st := range []string{"running", "ready", "blocked", "sleeping"} {
					if sum[st] != want[st] {
						t.Errorf("%s %v: thread %d %s %d ticks in its spans, %d in its times", name, sets, row.TID, st, sum[st], want[st])
					}
				}
			}
		}
	}
	if spans < 1000 {
		t.Errorf("only %d spans in all the runs", spans)
	}
}
