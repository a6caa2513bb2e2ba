package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// reporter prints the results of proc test in one of its formats. Results
// arrive in the sorted order of the scripts, whatever order they ran in.
type reporter interface {
	// Start is called once, before any result, with the number of scripts.
	Start(n int)
	// Result is called once per script.
	Result(r *testResult)
	// Finish is called once, after the last result, with the totals and
	// the time the whole run took.
	Finish(passed, failed int, elapsed time.Duration)
}

// newReporter returns the reporter for a --format value, or nil if there is
// none of that name. Machine-readable formats keep stdout to the format and
// send notes (such as `updated NAME.golden`) to stderr.
func newReporter(format string, stdout, stderr io.Writer) reporter {
	switch format {
	case "text":
		return &textReporter{w: stdout}
	case "tap":
		return &tapReporter{w: stdout, notes: stderr}
	case "junit":
		return &junitReporter{w: stdout, notes: stderr}
	case "json":
		return newJSONReporter(stdout, stderr)
	case "gradescope":
		return &gradescopeReporter{w: stdout, notes: stderr}
	}
	return nil
}

// testFormats are the values of proc test's --format, in the order the
// usage lists them.
var testFormats = []string{"text", "tap", "junit", "json", "gradescope"}

// seconds formats a duration as seconds with millisecond precision.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.3f", d.Seconds())
}

// textReporter prints the format people read, in the manner of go test:
//
//	ok   NAME  0.012s
//	FAIL NAME  0.034s
//	    exit status 1, want 0
//	    --- NAME.golden
//	    +++ NAME (actual)
//	    @@ -3,4 +3,4 @@
//	    ...
//	updated NAME.golden
//	2 passed, 1 failed
//
// A result line is the status padded to four columns, a space, the name, two
// spaces and the time. The details of a failure follow it, each line
// indented by four spaces, so that every line that starts in the first
// column is a result, a note or the summary.
type textReporter struct {
	w io.Writer
}

func (t *textReporter) Start(int) {}

func (t *textReporter) Result(r *testResult) {
	status := "ok"
	if !r.Pass {
		status = "FAIL"
	}
	fmt.Fprintf(t.w, "%-4s %s  %ss\n", status, r.Name, seconds(r.Elapsed))
	if !r.Pass {
		io.WriteString(t.w, indent(r.Details(), "    "))
	}
	if r.Updated {
		fmt.Fprintf(t.w, "updated %s.golden\n", r.Name)
	}
}

func (t *textReporter) Finish(passed, failed int, _ time.Duration) {
	fmt.Fprintf(t.w, "%d passed, %d failed\n", passed, failed)
}

// indent puts prefix before every non-empty line of text.
func indent(text, prefix string) string {
	if text == "" {
		return ""
	}
	var b strings.Builder
	for _, line := range strings.SplitAfter(strings.TrimSuffix(text, "\n"), "\n") {
		if line != "\n" {
			b.WriteString(prefix)
		}
		b.WriteString(line)
	}
	b.WriteByte('\n')
	return b.String()
}

// orList joins words as a sentence does: "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
