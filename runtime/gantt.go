package runtime

import (
	"fmt"
	"strings"
)

// Gantt renders the run as a timeline: one row per thread, one column per
// bucket of ticks. '#' the thread ran in that bucket, '.' it existed but
// waited (ready or blocked), ' ' it did not exist yet or had ended.
func (m *Machine) Gantt(width int) []string {
	if width < 10 {
		width = 10
	}
	total := m.Clock
	if total <= 0 {
		return []string{"timeline: nothing ran"}
	}
	bucket := (total + int64(width) - 1) / int64(width)
	cols := int((total + bucket - 1) / bucket)
	ran := map[int][]bool{}
	for _, s := range m.Slices {
		row := ran[s.TID]
		if row == nil {
			row = make([]bool, cols)
			ran[s.TID] = row
		}
		for c := s.Start / bucket; c*bucket < s.End && int(c) < cols; c++ {
			row[c] = true
		}
	}
	labelW := 0
	labels := make([]string, len(m.threads))
	for i, t := range m.threads {
		labels[i] = fmt.Sprintf("%d/%d %s", t.Proc.PID, t.TID, t.Name)
		labelW = max(labelW, len(labels[i]))
	}
	unit := "ticks"
	if bucket == 1 {
		unit = "tick"
	}
	out := []string{fmt.Sprintf("timeline: ticks 0-%d, one column = %d %s; # running, . waiting", total, bucket, unit)}
	// A ruler with a mark every 10 columns.
	var ruler strings.Builder
	for c := 0; c < cols; c += 10 {
		mark := fmt.Sprint(int64(c) * bucket)
		ruler.WriteString(mark)
		if pad := 10 - len(mark); pad > 0 && c+10 < cols {
			ruler.WriteString(strings.Repeat(" ", pad))
		}
	}
	out = append(out, strings.Repeat(" ", labelW)+" |"+ruler.String())
	if m.SlicesCut {
		out = append(out, fmt.Sprintf("(the timeline keeps the first %d stretches of the run; later ones are not shown)", MaxSlicesRecorded))
	}
	for i, t := range m.threads {
		if i == MaxReportRows {
			out = append(out, fmt.Sprintf("... and %d more threads", len(m.threads)-i))
			break
		}
		end := t.EndedAt
		if t.State != ThreadDone {
			end = total
		}
		row := make([]byte, cols)
		for c := range row {
			lo, hi := int64(c)*bucket, int64(c+1)*bucket
			switch {
			case ran[t.TID] != nil && ran[t.TID][c]:
				row[c] = '#'
			case hi > t.Created && lo < end:
				row[c] = '.'
			default:
				row[c] = ' '
			}
		}
		out = append(out, fmt.Sprintf("%-*s |%s", labelW, labels[i], strings.TrimRight(string(row), " ")))
	}
	return out
}
