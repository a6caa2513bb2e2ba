package tape

import "proc/runtime"

// Gantt is a run's timeline: for each thread, what it did when, in
// ticks, and where the steps fall on it.
type Gantt struct {
	// Ticks is the tick the run ended at.
	Ticks int64
	// CutAt is the tick from which the timeline is partial (the machine
	// keeps runtime.MaxSlicesRecorded stretches), -1 when it is whole.
	CutAt int64
	// Bucket is the ticks one span stands for at least: 1 when the spans
	// are exact, more when the run had more than MaxSpans of them and
	// each bucket shows what its thread did most of it.
	Bucket int64
	// Rows are the threads, by tid (at most runtime.MaxReportRows).
	Rows []runtime.TimelineRow
	// Marks are step and tick pairs, both increasing, at ends of turns
	// (all of them, or one in a few on a long run): between two, the
	// steps and the ticks go on together closely enough for a cursor.
	// The last is the end of the run.
	Marks []Mark
}

// Mark is a step of the run and the tick it was at.
type Mark struct {
	Step, Tick int64
}

// timeline builds the tape's Gantt from the machine at the end of the
// recording run.
func (tp *Tape) timeline(m *runtime.Machine, marks []Mark) Gantt {
	rows, cutAt := m.Timeline()
	if len(rows) > runtime.MaxReportRows {
		rows = rows[:runtime.MaxReportRows]
		tp.truncated = true
	}
	g := Gantt{Ticks: m.Now(), CutAt: cutAt, Bucket: 1, Rows: rows, Marks: marks}
	end := Mark{Step: m.Steps(), Tick: m.Now()}
	if n := len(g.Marks); n == 0 || g.Marks[n-1] != end {
		g.Marks = append(g.Marks, end)
	}
	spans := 0
	for _, r := range rows {
		spans += len(r.Spans)
	}
	if spans > MaxSpans {
		g.Bucket = bucketFor(g.Ticks, len(rows))
		for i := range g.Rows {
			g.Rows[i].Spans = coarsen(g.Rows[i].Spans, g.Bucket)
		}
	}
	return g
}

// bucketFor is the ticks a bucket stands for so that rows rows of
// buckets of a run of ticks ticks hold no more than MaxSpans spans.
func bucketFor(ticks int64, rows int) int64 {
	per := int64(MaxSpans / max(rows, 1))
	if per < 1 {
		per = 1
	}
	return max((ticks+per-1)/per, 1)
}

// spanKinds orders the states: a tie in a bucket goes to the first.
var spanKinds = []string{"running", "ready", "blocked", "sleeping"}

// coarsen redraws spans in buckets of b ticks: each bucket is the state
// the thread was in most of it, and buckets in the same state in a row are one span.
func coarsen(spans []runtime.Span, b int64) []runtime.Span {
	var out []runtime.Span
	var cell [4]int64
	col := int64(-1)
	flush := func() {
		if col < 0 {
			return
		}
		best := -1
		for k, n := range cell {
			if n > 0 && (best < 0 || n > cell[best]) {
				best = k
			}
		}
		cell = [4]int64{}
		if best < 0 {
			return
		}
		from, to := col*b, (col+1)*b
		if n := len(out); n > 0 && out[n-1].State == spanKinds[best] && out[n-1].To == from {
			out[n-1].To = to
			return
		}
		out = append(out, runtime.Span{From: from, To: to, State: spanKinds[best]})
	}
	for _, s := range spans {
		k := 0
		for k < len(spanKinds) && spanKinds[k] != s.State {
			k++
		}
		if k == len(spanKinds) {
			continue
		}
		for from := s.From; from < s.To; {
			c := from / b
			if c != col {
				flush()
				col = c
			}
			to := min(s.To, (c+1)*b)
			cell[k] += to - from
			from = to
		}
	}
	flush()
	return out
}
