package runtime

// The timeline as data, for a page to draw: what Gantt draws as text,
// span by span instead of column by column.

// Span is one stretch of a thread's timeline: from tick From to tick To
// the thread was in State.
type Span struct {
	From, To int64
	// State is "running", "ready", "blocked" or "sleeping".
	State string
	// CPU is, on a machine of several, 1 + the CPU a running span ran
	// on; 0 otherwise.
	CPU int
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
		// The thread's runs and its waits are each in time order (a
		// run is recorded when it ends, a wait too, and neither
		// overlaps another of the thread's): merged, they are the row.
		var runs, waits []Span
		for _, k := range byRow[i] {
			if k < len(m.slices) {
				if s := m.slices[k]; min(s.End, shown) > s.Start {
					sp := Span{From: s.Start, To: min(s.End, shown), State: spanStates[ganttRun]}
					if m.multi {
						sp.CPU = s.CPU + 1
					}
					runs = append(runs, sp)
				}
			} else if w := m.waits[k-len(m.slices)]; min(w.End, shown) > w.Start {
				waits = append(waits, Span{From: w.Start, To: min(w.End, shown), State: spanStates[ganttReady+int(w.State)]})
			}
		}
		row.Spans = make([]Span, 0, len(runs)+len(waits)+1)
		add := func(s Span) {
			if n := len(row.Spans); n > 0 && row.Spans[n-1].State == s.State && row.Spans[n-1].CPU == s.CPU && row.Spans[n-1].To == s.From {
				row.Spans[n-1].To = s.To
				return
			}
			row.Spans = append(row.Spans, s)
		}
		for len(runs) > 0 || len(waits) > 0 {
			if len(waits) == 0 || len(runs) > 0 && runs[0].From < waits[0].From {
				add(runs[0])
				runs = runs[1:]
			} else {
				add(waits[0])
				waits = waits[1:]
			}
		}
		// The stretch it is in now, up to now.
		if t.State != ThreadDone && t.started && min(m.clock, shown) > t.since {
			kind := ganttBlocked
			switch {
			case t.State == ThreadRunning:
				kind = ganttRun
			case t.State == ThreadReady:
				kind = ganttReady
			case t.asleep:
				kind = ganttSleeping
			}
			sp := Span{From: t.since, To: min(m.clock, shown), State: spanStates[kind]}
			if kind == ganttRun && m.multi {
				sp.CPU = t.ranOn
			}
			add(sp)
		}
		rows = append(rows, row)
	}
	return rows, cutAt
}
