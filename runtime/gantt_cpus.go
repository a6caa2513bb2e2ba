package runtime

import (
	"fmt"
	"strings"
)

// cpuMark is the mark of CPU i in a thread's row of the timeline.
func cpuMark(i int) byte {
	switch {
	case i < 10:
		return byte('0' + i)
	case i < 36:
		return byte('a' + i - 10)
	}
	return '*'
}

// ganttMulti is Gantt on a machine of several CPUs: a row per thread,
// whose cell is the number of the CPU it ran on where it ran most of the
// column, or how it waited; then a row per CPU, '#' where it ran threads
// at least half of the column, '+' less, '.' where it idled or switched.
func (m *Machine) ganttMulti(width int) []string {
	total := m.clock
	if total <= 0 {
		return []string{"timeline: nothing ran"}
	}
	bucket := (total + int64(width) - 1) / int64(width)
	cols := int((total + bucket - 1) / bucket)
	shown := total
	if m.timelineCut {
		shown = min(shown, m.timelineCutAt)
	}
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
	for _, c := range m.cpus {
		labelW = max(labelW, len(fmt.Sprintf("cpu%d", c.ID)))
	}
	unit := "ticks"
	if bucket == 1 {
		unit = "tick"
	}
	out := []string{fmt.Sprintf("timeline: ticks 0-%d on %d CPUs, one column = %d %s; 0-9 running on that CPU, - ready, . blocked, z sleeping", total, len(m.cpus), bucket, unit)}
	if bucket > 1 {
		out = append(out, "a cell is what the thread did most of its column; the CPU rows: # running threads at least half of it, + less, . idle or switching")
	}
	out = append(out, ganttRuler(labelW, cols, bucket))
	out = append(out, m.ganttCutNote(shown)...)
	spread := func(start, end int64, f func(c int, n int64)) {
		end = min(end, shown)
		for start < end {
			c := start / bucket
			ce := min(end, (c+1)*bucket)
			f(int(c), ce-start)
			start = ce
		}
	}
	cells := make([][ganttKinds]int64, cols)
	onCPU := make([][]int64, cols) // ticks run on each CPU, in the row's column
	for c := range onCPU {
		onCPU[c] = make([]int64, len(m.cpus))
	}
	row := make([]byte, cols)
	for i, t := range rows {
		clear(cells)
		for c := range onCPU {
			clear(onCPU[c])
		}
		for _, k := range byRow[i] {
			if k < len(m.slices) {
				s := m.slices[k]
				spread(s.Start, s.End, func(c int, n int64) {
					cells[c][ganttRun] += n
					onCPU[c][s.CPU] += n
				})
			} else {
				w := m.waits[k-len(m.slices)]
				spread(w.Start, w.End, func(c int, n int64) { cells[c][ganttReady+int(w.State)] += n })
			}
		}
		if t.State != ThreadDone && t.started && t.State != ThreadRunning {
			kind := ganttBlocked
			switch {
			case t.State == ThreadReady:
				kind = ganttReady
			case t.asleep:
				kind = ganttSleeping
			}
			spread(t.since, m.clock, func(c int, n int64) { cells[c][kind] += n })
		}
		for c := range row {
			n := cells[c]
			best := -1
			var most int64
			for k := range ganttKinds {
				if n[k] > most {
					best, most = k, n[k]
				}
			}
			switch {
			case best < 0:
				row[c] = ' '
			case best == ganttRun:
				cpu := 0
				for j, x := range onCPU[c] {
					if x > onCPU[c][cpu] {
						cpu = j
					}
				}
				row[c] = cpuMark(cpu)
			default:
				row[c] = ganttMarks[best]
			}
		}
		out = append(out, fmt.Sprintf("%-*s |%s", labelW, labels[i], strings.TrimRight(string(row), " ")))
	}
	if more > 0 {
		out = append(out, fmt.Sprintf("... and %d more threads", more))
	}
	ran := make([][]int64, len(m.cpus))
	for i := range ran {
		ran[i] = make([]int64, cols)
	}
	for _, s := range m.slices {
		spread(s.Start, s.End, func(c int, n int64) { ran[s.CPU][c] += n })
	}
	for i, c := range m.cpus {
		for col := range row {
			width := min((int64(col)+1)*bucket, total) - int64(col)*bucket
			switch n := ran[i][col]; {
			case n*2 >= width && n > 0:
				row[col] = '#'
			case n > 0:
				row[col] = '+'
			default:
				row[col] = '.'
			}
		}
		out = append(out, fmt.Sprintf("%-*s |%s", labelW, fmt.Sprintf("cpu%d", c.ID), string(row)))
	}
	return out
}
