package runtime

import "sort"

// The timeline as data, for a page to draw: what Gantt draws as text,
// span by span instead of column by column.

// Span is one stretch of a thread's timeline: from tick From to tick To
// the thread was in State.
type Span struct {
	From, To int64
	// State is "running", "ready", "blocked" or "sleeping".
	State string
}

// TimelineRow is the timeline of one thread.
type TimelineRow struct {
	TID, PID int
	Name     string
	// Spans are in time order, and never overlap; two that follow one
	// another in the same state are one.
	Spans []Span
}

var spanStates = [ganttKinds]string{"running", "ready", "blocked", "sleeping"}

// Timeline returns the run's timeline as it was recorded (RecordTimeline
// with waits): one row per thread, by tid, with the stretch each is in
// now counted up to now. When a stretch did not fit the record, cutAt is
// the tick from which the rows are partial and nothing past it is given;
// else cutAt is -1.
func (m *Machine) Timeline() (rows []TimelineRow, cutAt int64) {
	shown := m.clock
	cutAt = -1
	if m.timelineCut {
		shown = min(shown, m.timelineCutAt)
		cutAt = shown
	}
	byRow := m.ganttIndex(m.threads)
	rows = make([]TimelineRow, 0, len(m.threads))
	for i, t := range m.threads {
		row := TimelineRow{TID: t.TID, PID: t.Proc.PID, Name: t.Name}
		var spans []Span
		add := func(kind int, from, to int64) {
			to = min(to, shown)
			if to > from {
				spans = append(spans, Span{From: from, To: to, State: spanStates[kind]})
			}
		}
		for _, k := range byRow[i] {
			if k < len(m.slices) {
				s := m.slices[k]
				add(ganttRun, s.Start, s.End)
			} else {
				w := m.waits[k-len(m.slices)]
				add(ganttReady+int(w.State), w.Start, w.End)
			}
		}
		if t.State != ThreadDone && t.started {
			switch {
			case t.State == ThreadRunning:
				add(ganttRun, t.since, m.clock)
			case t.State == ThreadReady:
				add(ganttReady, t.since, m.clock)
			case t.asleep:
				add(ganttSleeping, t.since, m.clock)
			default:
				add(ganttBlocked, t.since, m.clock)
			}
		}
		// Runs and waits are recorded apart: put them in time order.
		sort.SliceStable(spans, func(a, b int) bool { return spans[a].From < spans[b].From })
		for _, s := range spans {
			if n := len(row.Spans); n > 0 && row.Spans[n-1].State == s.State && row.Spans[n-1].To == s.From {
				row.Spans[n-1].To = s.To
				continue
			}
			row.Spans = append(row.Spans, s)
		}
		rows = append(rows, row)
	}
	return rows, cutAt
}
