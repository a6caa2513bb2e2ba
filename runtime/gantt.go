package runtime

import (
	"fmt"
	"strings"
)

// What a thread does in a stretch of the timeline: the marks of its row.
// The ways of waiting follow the order of Waiting, so that a recorded
// wait's state maps to its mark by adding ganttReady.
const (
	ganttRun = iota
	ganttReady
	ganttBlocked
	ganttSleeping
	ganttKinds
)

var ganttMarks = [ganttKinds]byte{'#', '-', '.', 'z'}

// Gantt renders the run as a timeline: one row per thread, one column per
// bucket of ticks. A cell shows what the thread did for most of its
// column: '#' ran, '-' was ready, '.' was blocked, 'z' slept; ' ' it did
// not exist then. The machine has one CPU, so a column has at most one
// '#', for one of the threads that ran in it (ganttOwners says which).
// Any other thread that ran in the column was runnable and
// waited for the CPU the rest of it, so its running counts as ready; a
// tie between ways of waiting goes to ready, then blocked, then sleeping.
func (m *Machine) Gantt(width int) []string {
	if width < 10 {
		width = 10
	}
	if m.multi {
		return m.ganttMulti(width)
	}
	total := m.clock
	if total <= 0 {
		return []string{"timeline: nothing ran"}
	}
	bucket := (total + int64(width) - 1) / int64(width)
	cols := int((total + bucket - 1) / bucket)
	// Past a stretch that did not fit, what is left would show a thread
	// waiting where it ran: nothing is shown from there on.
	shown := total
	if m.timelineCut {
		shown = min(shown, m.timelineCutAt)
	}
	owner := m.ganttOwners(bucket, cols, shown)

	rows := m.threads
	more := 0
	if len(rows) > MaxReportRows {
		rows, more = rows[:MaxReportRows], len(rows)-MaxReportRows
	}
	byRow := m.ganttIndex(rows)

	labelW := 0
	labels := make([]string, len(rows))
	for i, t := range rows {
		labels[i] = fmt.Sprintf("%d/%d %s", t.Proc.PID, t.TID, t.Name)
		labelW = max(labelW, len(labels[i]))
	}
	unit := "ticks"
	if bucket == 1 {
		unit = "tick"
	}
	out := []string{fmt.Sprintf("timeline: ticks 0-%d, one column = %d %s; # running, - ready, . blocked, z sleeping", total, bucket, unit)}
	if bucket > 1 {
		out = append(out, "a cell is what the thread did most of its column; one CPU, so one # a column: the threads share the # as they shared the CPU")
	}
	out = append(out, ganttRuler(labelW, cols, bucket))
	out = append(out, m.ganttCutNote(shown)...)
	cells := make([][ganttKinds]int64, cols)
	row := make([]byte, cols)
	for i, t := range rows {
		clear(cells)
		add := func(kind int, start, end int64) {
			end = min(end, shown)
			for start < end {
				c := start / bucket
				ce := min(end, (c+1)*bucket)
				cells[c][kind] += ce - start
				start = ce
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
		// The stretch it was in when the run ended.
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
		for c := range row {
			row[c] = ganttCell(cells[c], owner[c] == t.TID)
		}
		out = append(out, fmt.Sprintf("%-*s |%s", labelW, labels[i], strings.TrimRight(string(row), " ")))
	}
	if more > 0 {
		out = append(out, fmt.Sprintf("... and %d more threads", more))
	}
	return out
}

// ganttRuler is the line above the rows: a mark every 10 columns, at
// the tick the column starts.
func ganttRuler(labelW, cols int, bucket int64) string {
	var ruler strings.Builder
	for c := 0; c < cols; c += 10 {
		mark := fmt.Sprint(int64(c) * bucket)
		ruler.WriteString(mark)
		if pad := 10 - len(mark); pad > 0 && c+10 < cols {
			ruler.WriteString(strings.Repeat(" ", pad))
		}
	}
	return strings.Repeat(" ", labelW) + " |" + ruler.String()
}

// ganttCutNote says, when the timeline did not keep every stretch, where
// it stops (shown).
func (m *Machine) ganttCutNote(shown int64) []string {
	if !m.timelineCut {
		return nil
	}
	return []string{fmt.Sprintf("(the timeline keeps the first %d stretches of the run: it stops at tick %d)", MaxSlicesRecorded, shown)}
}

// ganttCell is the mark of a thread in a column where it ran, was ready,
// blocked and asleep so many ticks; owns says it ran most of the column.
func ganttCell(n [ganttKinds]int64, owns bool) byte {
	if owns {
		return ganttMarks[ganttRun]
	}
	n[ganttReady] += n[ganttRun]
	best := ganttReady
	for k := ganttBlocked; k < ganttKinds; k++ {
		if n[k] > n[best] {
			best = k
		}
	}
	if n[best] == 0 {
		return ' '
	}
	return ganttMarks[best]
}

// ganttOwners gives each column the tid of one thread that ran in it (0
// when none ran): the one furthest behind, whose CPU up to the end of the
// column exceeds most what its earlier columns stand for (each the ticks
// that ran in it); on a tie, the one that ran most of the column, then
// the first to run in it. The threads' # then share the columns as they
// shared the CPU, as the statistics say. The thread that ran most of each
// column would be simpler, but threads that take turns in step with the
// columns (four threads, two turns a column) would leave the same ones
// out of every column, as if they never ran. The runs are in time order
// and never overlap, so the columns fill one after another.
func (m *Machine) ganttOwners(bucket int64, cols int, shown int64) []int {
	owner := make([]int, cols)
	col := -1
	var order []int           // the threads that ran in col, in order of their first run
	ran := map[int]int64{}    // and how long each ran in it
	behind := map[int]int64{} // each thread's CPU so far, less what its columns stand for
	settle := func() {
		best := 0
		var all int64
		for _, tid := range order {
			all += ran[tid]
			behind[tid] += ran[tid]
			if best == 0 || behind[tid] > behind[best] || behind[tid] == behind[best] && ran[tid] > ran[best] {
				best = tid
			}
		}
		owner[col] = best
		behind[best] -= all
		order = order[:0]
		clear(ran)
	}
	for _, s := range m.slices {
		start, end := s.Start, min(s.End, shown)
		for start < end {
			c := int(start / bucket)
			if c != col {
				if col >= 0 {
					settle()
				}
				col = c
			}
			ce := min(end, int64(c+1)*bucket)
			if _, ok := ran[s.TID]; !ok {
				order = append(order, s.TID)
			}
			ran[s.TID] += ce - start
			start = ce
		}
	}
	if col >= 0 {
		settle()
	}
	return owner
}

// ganttIndex lists, for each row, the stretches of its thread: an index
// into Slices, or past them into Waits. One pass counts and one places,
// so the rows cost what the stretches do and no more.
func (m *Machine) ganttIndex(rows []*Thread) [][]int {
	rowOf := make(map[int]int, len(rows))
	for i, t := range rows {
		rowOf[t.TID] = i
	}
	count := make([]int, len(rows))
	each := func(f func(k, tid int)) {
		for k, s := range m.slices {
			f(k, s.TID)
		}
		for k, w := range m.waits {
			f(len(m.slices)+k, w.TID)
		}
	}
	each(func(_, tid int) {
		if i, ok := rowOf[tid]; ok {
			count[i]++
		}
	})
	flat := make([]int, 0, len(m.slices)+len(m.waits))
	byRow := make([][]int, len(rows))
	for i, n := range count {
		byRow[i] = flat[len(flat) : len(flat) : len(flat)+n]
		flat = flat[:len(flat)+n]
	}
	each(func(k, tid int) {
		if i, ok := rowOf[tid]; ok {
			byRow[i] = append(byRow[i], k)
		}
	})
	return byRow
}
