package main

import (
	"fmt"
	"math/rand"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestUnifiedDiff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"equal", "a\nb\n", "a\nb\n", ""},
		{"both empty", "", "", ""},
		{"from empty", "", "a\nb\n", "@@ -0,0 +1,2 @@\n+a\n+b\n"},
		{"to empty", "a\n", "", "@@ -1 +0,0 @@\n-a\n"},
		{"one line", "a\nb\nc\n", "a\nB\nc\n", "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"},
		{"newline added", "a\nb", "a\nb\n", "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"},
		{"newline dropped", "a\n", "a", "@@ -1 +1 @@\n-a\n+a\n\\ No newline at end of file\n"},
		{"crlf", "a\r\nb\r\n", "a\nb\n", "@@ -1,2 +1,2 @@\n-a^M\n-b^M\n+a\n+b\n"},
		{"carriage return inside", "a\rb\n", "ab\n", "@@ -1 +1 @@\n-a^Mb\n+ab\n"},
		{
			"context and two hunks",
			"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n",
			"1\nTWO\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n",
			"@@ -1,5 +1,5 @@\n 1\n-2\n+TWO\n 3\n 4\n 5\n@@ -10,3 +10,4 @@\n 10\n 11\n 12\n+13\n",
		},
		{
			"changes six lines apart share a hunk",
			"1\n2\n3\n4\n5\n6\n7\n8\n",
			"X\n2\n3\n4\n5\n6\n7\nY\n",
			"@@ -1,8 +1,8 @@\n-1\n+X\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+Y\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := unifiedDiff("old", "new", tc.old, tc.new)
			want := tc.want
			if want != "" {
				want = "--- old\n+++ new\n" + want
			}
			if got != want {
				t.Errorf("diff:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestLineEndNote: a difference in line endings alone is named, since the
// diff's lines would otherwise look the same.
func TestLineEndNote(t *testing.T) {
	t.Parallel()
	const crlfNote = ` (\r\n, as Windows editors save them), the output's lines in \n: ^M in the diff marks each \r`
	for _, c := range []struct{ golden, output, want string }{
		{"a\nb\n", "a\nb\n", ""},
		{"a\nb\n", "a\nc\n", ""},
		{"a\r\nb\r\n", "a\nb\n", "g.golden has CRLF line endings" + crlfNote + "; apart from that, the output matches"},
		{"a\r\nb\r\n", "a\nc\n", "g.golden has CRLF line endings" + crlfNote},
		{"a\r\nb\n", "a\nb\n", "1 of the 2 lines of g.golden ends in CRLF" + crlfNote + "; apart from that, the output matches"},
		{"a\r\nb\r\nc\n", "a\nb\nc\n", "2 of the 3 lines of g.golden end in CRLF" + crlfNote + "; apart from that, the output matches"},
		{"a\r\nb\r\n", "a\r\nb\r\n!", ""},
		{"a\nb", "a\nb\n", "g.golden does not end with a newline, and the output does; apart from that, the output matches"},
		{"a\nc", "a\nb\n", "g.golden does not end with a newline, and the output does"},
		{"", "a\n", ""},
	} {
		if got := lineEndNote("g.golden", c.golden, c.output); got != c.want {
			t.Errorf("lineEndNote(%q, %q) = %q, want %q", c.golden, c.output, got, c.want)
		}
	}
}

// TestProcTestLineEndings: proc test says why a golden saved with CRLF
// endings, or without its last newline, fails, and its diff shows it.
func TestProcTestLineEndings(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"crlf.proc":   "# args: --trace=none\nprint \"a\"\nprint \"b\"\n",
		"crlf.golden": "a\r\nb\r\n",
		"nonl.proc":   "# args: --trace=none\nprint \"a\"\n",
		"nonl.golden": "a",
	})
	out, _, code := runTest(t, dir)
	want := `FAIL crlf  0.000s
    crlf.golden has CRLF line endings (\r\n, as Windows editors save them), the output's lines in \n: ^M in the diff marks each \r; apart from that, the output matches
    --- crlf.golden
    +++ crlf (actual)
    @@ -1,2 +1,2 @@
    -a^M
    -b^M
    +a
    +b
FAIL nonl  0.000s
    nonl.golden does not end with a newline, and the output does; apart from that, the output matches
    --- nonl.golden
    +++ nonl (actual)
    @@ -1 +1 @@
    -a
    \ No newline at end of file
    +a
0 passed, 2 failed
`
	if code != 1 || out != want {
		t.Errorf("exit status %d, output:\n%s\nwant:\n%s", code, out, want)
	}
}

// TestUnifiedDiffApplies checks, on random texts, that every diff is a
// correct patch (applying it to the old text gives the new one) and that its
// edit script is as short as the longest common subsequence allows.
func TestUnifiedDiffApplies(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 2000; i++ {
		a := randomText(rng)
		b := randomText(rng)
		d := unifiedDiff("a", "b", a, b)
		if a == b {
			if d != "" {
				t.Fatalf("equal texts gave a diff:\n%s", d)
			}
			continue
		}
		got, err := applyPatch(a, d)
		if err != nil || got != b {
			t.Fatalf("patch does not apply (%v)\nold %q\nnew %q\ndiff:\n%s\ngot %q", err, a, b, d, got)
		}
		la, lb := splitLines(a), splitLines(b)
		edits := diffLines(la, lb)
		changes := 0
		for _, e := range edits {
			if e.kind != editKeep {
				changes++
			}
		}
		if want := len(la) + len(lb) - 2*lcsLen(la, lb); changes != want {
			t.Fatalf("%d edits, want %d\nold %q\nnew %q", changes, want, a, b)
		}
	}
}

func randomText(rng *rand.Rand) string {
	words := []string{"a", "b", "c", "d", ""}
	var sb strings.Builder
	for n := rng.Intn(12); n > 0; n-- {
		sb.WriteString(words[rng.Intn(len(words))])
		sb.WriteByte('\n')
	}
	s := sb.String()
	if s != "" && rng.Intn(4) == 0 {
		s = s[:len(s)-1]
	}
	return s
}

// lcsLen is the textbook dynamic program, the reference for minimality.
func lcsLen(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}

var hunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$`)

// applyPatch applies a unified diff as patch would, checking every context
// and removed line and every hunk's counts on the way.
func applyPatch(old, diff string) (string, error) {
	a := splitLines(old)
	lines := strings.Split(strings.TrimSuffix(diff, "\n"), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "--- ") || !strings.HasPrefix(lines[1], "+++ ") {
		return "", fmt.Errorf("no header")
	}
	var out []string
	ai := 0
	lines = lines[2:]
	for len(lines) > 0 {
		m := hunkHeader.FindStringSubmatch(lines[0])
		if m == nil {
			return "", fmt.Errorf("bad hunk header %q", lines[0])
		}
		num := func(s string, def int) int {
			if s == "" {
				return def
			}
			n, _ := strconv.Atoi(s)
			return n
		}
		aStart, aLen := num(m[1], 0), num(m[2], 1)
		bStart, bLen := num(m[3], 0), num(m[4], 1)
		from := aStart - 1
		if aLen == 0 {
			from = aStart
		}
		if from < ai {
			return "", fmt.Errorf("hunks overlap")
		}
		out = append(out, a[ai:from]...)
		if want := bStart - 1; bLen > 0 && len(out) != want || bLen == 0 && len(out) != bStart {
			return "", fmt.Errorf("hunk %q starts at new line %d", lines[0], len(out)+1)
		}
		ai = from
		lines = lines[1:]
		seenA, seenB := 0, 0
		for len(lines) > 0 && !strings.HasPrefix(lines[0], "@@") {
			l := lines[0]
			lines = lines[1:]
			text := l[1:] + "\n"
			if len(lines) > 0 && lines[0] == `\ No newline at end of file` {
				text = l[1:]
				lines = lines[1:]
			}
			switch l[0] {
			case ' ', '-':
				if ai >= len(a) || a[ai] != text {
					return "", fmt.Errorf("line %d does not match %q", ai+1, l)
				}
				ai++
				seenA++
				if l[0] == ' ' {
					out = append(out, text)
					seenB++
				}
			case '+':
				out = append(out, text)
				seenB++
			default:
				return "", fmt.Errorf("bad line %q", l)
			}
		}
		if seenA != aLen || seenB != bLen {
			return "", fmt.Errorf("hunk counts -%d +%d, lines -%d +%d", aLen, bLen, seenA, seenB)
		}
	}
	out = append(out, a[ai:]...)
	return strings.Join(out, ""), nil
}

// TestUnifiedDiffLarge checks that outputs with nothing in common, too many
// to diff line by line, still give a quick diff of bounded size.
func TestUnifiedDiffLarge(t *testing.T) {
	t.Parallel()
	var a, b strings.Builder
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&a, "old line %d\n", i)
		fmt.Fprintf(&b, "new line %d\n", i)
	}
	start := time.Now()
	d := unifiedDiff("a", "b", a.String(), b.String())
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("diff took %v", el)
	}
	if !strings.HasSuffix(d, fmt.Sprintf("... diff truncated after %d lines\n", diffMaxLines)) {
		t.Errorf("diff not truncated: ends %q", d[max(len(d)-80, 0):])
	}
	if n := strings.Count(d, "\n"); n > diffMaxLines+4 {
		t.Errorf("diff has %d lines", n)
	}
	if !strings.HasPrefix(d, "--- a\n+++ b\n@@ -1,20000 +1,20000 @@\n-old line 0\n") {
		t.Errorf("diff starts %q", d[:80])
	}
}

func TestUnifiedDiffLongLine(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 2000) // two bytes a rune: the cut must not split one
	d := unifiedDiff("a", "b", "x\n", long+"\n")
	if !strings.Contains(d, "... (3000 more bytes)\n") {
		t.Errorf("long line not cut: %q", d[max(len(d)-60, 0):])
	}
	if !utf8Valid(d) {
		t.Error("cut split a rune")
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
