package main

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The unified diff that proc test prints when a script's output differs from
// its golden file. It reads like `diff -u` (GNU conventions for hunk ranges
// and for a last line without a newline), so a reader already knows it.

const (
	// diffContext is the number of unchanged lines shown around a change.
	diffContext = 3
	// diffMaxEdits bounds the search for a shortest edit script. Beyond it
	// the differing middle is shown as all removed then all added: the
	// outputs have little in common, and a short diff would not help.
	diffMaxEdits = 1000
	// diffMaxLines bounds the printed diff: a trace that went wrong early
	// differs everywhere, and the first screens say what went wrong.
	diffMaxLines = 400
	// diffMaxLineBytes bounds one printed line, for scripts that print
	// very long strings.
	diffMaxLineBytes = 1000
)

// editKind is what an edit does to a line.
type editKind uint8

const (
	editKeep editKind = iota // the line is in both texts
	editDel                  // the line is only in the old text
	editIns                  // the line is only in the new text
)

// edit is one step of an edit script: a line of the old text (a) kept or
// deleted, or a line of the new text (b) inserted. ai and bi are the
// positions in a and b before the step.
type edit struct {
	kind   editKind
	ai, bi int
}

// unifiedDiff returns the unified diff that turns old into new, with file
// names oldName and newName in the header, or "" if the texts are equal.
func unifiedDiff(oldName, newName, old, new string) string {
	if old == new {
		return ""
	}
	a, b := splitLines(old), splitLines(new)
	edits := diffLines(a, b)
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", oldName, newName)
	printed := 0
	for _, h := range hunks(edits) {
		if printed >= diffMaxLines {
			fmt.Fprintf(&sb, "... diff truncated after %d lines\n", diffMaxLines)
			break
		}
		first, last := edits[h[0]], edits[h[1]-1]
		aStart, bStart := first.ai, first.bi
		aEnd, bEnd := last.ai, last.bi
		switch last.kind {
		case editKeep:
			aEnd, bEnd = aEnd+1, bEnd+1
		case editDel:
			aEnd++
		case editIns:
			bEnd++
		}
		fmt.Fprintf(&sb, "@@ -%s +%s @@\n", hunkRange(aStart, aEnd-aStart), hunkRange(bStart, bEnd-bStart))
		for _, e := range edits[h[0]:h[1]] {
			if printed >= diffMaxLines {
				fmt.Fprintf(&sb, "... diff truncated after %d lines\n", diffMaxLines)
				return sb.String()
			}
			switch e.kind {
			case editKeep:
				writeDiffLine(&sb, ' ', a[e.ai])
			case editDel:
				writeDiffLine(&sb, '-', a[e.ai])
			case editIns:
				writeDiffLine(&sb, '+', b[e.bi])
			}
			printed++
		}
	}
	return sb.String()
}

// hunkRange formats one side of a hunk header: "l,n" for n lines from line
// l, "l" when n is 1, and for an empty side the line before it with ",0",
// as diff -u does.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

// writeDiffLine writes one line of a hunk. A line without its newline is the
// last line of a text that does not end in one, and says so as diff does.
// A carriage return is written ^M, as git diff shows it: a line of a golden
// saved with CRLF endings would otherwise look the same as the line of the
// output it differs from.
func writeDiffLine(sb *strings.Builder, mark byte, line string) {
	text, hasNL := strings.CutSuffix(line, "\n")
	text = strings.ReplaceAll(text, "\r", "^M")
	sb.WriteByte(mark)
	if len(text) > diffMaxLineBytes {
		cut := diffMaxLineBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		fmt.Fprintf(sb, "%s... (%d more bytes)", text[:cut], len(text)-cut)
	} else {
		sb.WriteString(text)
	}
	sb.WriteByte('\n')
	if !hasNL {
		sb.WriteString("\\ No newline at end of file\n")
	}
}

// lineEndNote explains a difference in line endings between a golden and
// the output, which the diff shows but a reader can miss: CRLF endings
// (a golden saved on Windows), or a golden that lacks its final newline.
// It returns "" when the endings agree.
func lineEndNote(goldenName, golden, output string) string {
	var note string
	crlf := strings.Count(golden, "\r\n")
	switch lines := strings.Count(golden, "\n"); {
	case crlf > 0 && !strings.Contains(output, "\r\n"):
		what := goldenName + " has CRLF line endings"
		switch {
		case crlf == 1 && lines > 1:
			what = fmt.Sprintf("1 of the %d lines of %s ends in CRLF", lines, goldenName)
		case crlf < lines:
			what = fmt.Sprintf("%d of the %d lines of %s end in CRLF", crlf, lines, goldenName)
		}
		note = what + ` (\r\n, as Windows editors save them), the output's lines in \n: ^M in the diff marks each \r`
		golden = strings.ReplaceAll(golden, "\r\n", "\n")
	case golden != "" && !strings.HasSuffix(golden, "\n") && strings.HasSuffix(output, "\n"):
		note = goldenName + " does not end with a newline, and the output does"
		golden += "\n"
	default:
		return ""
	}
	if golden == output {
		note += "; apart from that, the output matches"
	}
	return note
}

// splitLines splits text into lines, each with its "\n" kept, so that a last
// line without a newline differs from the same line with one.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// hunks groups an edit script into hunks: index ranges [start, end) of
// edits, each a run of changes with up to diffContext kept lines around it.
// Changes closer than twice the context share a hunk.
func hunks(edits []edit) [][2]int {
	var out [][2]int
	i := 0
	for {
		for i < len(edits) && edits[i].kind == editKeep {
			i++
		}
		if i == len(edits) {
			return out
		}
		start := max(i-diffContext, 0)
		// Extend over changes and short runs of kept lines.
		end := i
		for end < len(edits) {
			if edits[end].kind != editKeep {
				end++
				continue
			}
			run := end
			for run < len(edits) && edits[run].kind == editKeep {
				run++
			}
			if run == len(edits) || run-end > 2*diffContext {
				end = min(end+diffContext, len(edits))
				break
			}
			end = run
		}
		out = append(out, [2]int{start, end})
		i = end
	}
}

// diffLines returns an edit script from a to b: the lines they share at
// the start and the end are kept, and the middle is a shortest edit script
// (Myers' O(ND) algorithm) as long as it needs at most diffMaxEdits edits.
func diffLines(a, b []string) []edit {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	edits := make([]edit, 0, len(a)+len(b))
	for i := 0; i < pre; i++ {
		edits = append(edits, edit{editKeep, i, i})
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	mid, ok := myers(ma, mb, diffMaxEdits)
	if !ok {
		mid = mid[:0]
		for i := range ma {
			mid = append(mid, edit{editDel, i, 0})
		}
		for j := range mb {
			mid = append(mid, edit{editIns, len(ma), j})
		}
	}
	for _, e := range mid {
		e.ai += pre
		e.bi += pre
		edits = append(edits, e)
	}
	for k := 0; k < suf; k++ {
		edits = append(edits, edit{editKeep, len(a) - suf + k, len(b) - suf + k})
	}
	return edits
}

// myers finds a shortest edit script from a to b, or reports false if it
// needs more than maxD insertions and deletions. It keeps the furthest
// reaching x of every diagonal k = x - y for each number of edits d, then
// walks back from the end through those snapshots.
func myers(a, b []string, maxD int) ([]edit, bool) {
	n, m := len(a), len(b)
	maxD = min(maxD, n+m)
	off := maxD + 1
	v := make([]int32, 2*maxD+3)
	// trace[d] holds v[-d..d] as it was before round d.
	var trace [][]int32
	for d := 0; d <= maxD; d++ {
		trace = append(trace, append([]int32(nil), v[off-d:off+d+1]...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && v[off+k-1] < v[off+k+1] {
				x = int(v[off+k+1]) // down: insert b[y-1]
			} else {
				x = int(v[off+k-1]) + 1 // right: delete a[x-1]
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = int32(x)
			if x >= n && y >= m {
				return myersBacktrack(trace, n, m, d), true
			}
		}
	}
	return nil, false
}

// myersBacktrack turns the snapshots of myers into an edit script that
// reaches (n, m) in d edits.
func myersBacktrack(trace [][]int32, n, m, d int) []edit {
	var rev []edit
	x, y := n, m
	for ; d > 0; d-- {
		snap := trace[d] // v[-d..d] before round d, at index k+d
		k := x - y
		var prevK int
		if k == -d || k != d && snap[k-1+d] < snap[k+1+d] {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := int(snap[prevK+d])
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x--
			y--
			rev = append(rev, edit{editKeep, x, y})
		}
		if x == prevX {
			rev = append(rev, edit{editIns, x, prevY})
		} else {
			rev = append(rev, edit{editDel, prevX, y})
		}
		x, y = prevX, prevY
	}
	for x > 0 {
		x--
		y--
		rev = append(rev, edit{editKeep, x, y})
	}
	out := make([]edit, len(rev))
	for i, e := range rev {
		out[len(rev)-1-i] = e
	}
	return out
}
