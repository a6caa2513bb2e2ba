package main

import (
	"fmt"
	"io"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

// junitReporter prints JUnit XML, the report format GitLab, GitHub Actions
// (through test-report actions) and Jenkins read:
//
//	<?xml version="1.0" encoding="UTF-8"?>
//	<testsuites name="proc" tests="2" failures="1" errors="0" time="0.046">
//	  <testsuite name="proc" tests="2" failures="1" errors="0" skipped="0" time="0.046">
//	    <testcase name="hello" classname="proc" time="0.012"></testcase>
//	    <testcase name="alice/solution" classname="proc.alice" time="0.034">
//	      <failure message="exit status 1, want 0" type="golden">...</failure>
//	    </testcase>
//	  </testsuite>
//	</testsuites>
//
// The classname is "proc" followed by the folders of the name, dotted, so
// that tools that group by package group the scripts by folder. The body of a
// failure is what the text format prints under FAIL. The document needs the
// totals at its top, so it is written when the last script is done.
type junitReporter struct {
	w     io.Writer
	notes io.Writer
	cases strings.Builder
}

func (j *junitReporter) Start(int) {}

func (j *junitReporter) Result(r *testResult) {
	class := "proc"
	if dir := path.Dir(r.Name); dir != "." {
		class += "." + strings.ReplaceAll(dir, "/", ".")
	}
	fmt.Fprintf(&j.cases, `    <testcase name="%s" classname="%s" time="%s">`, xmlAttr(r.Name), xmlAttr(class), seconds(r.Elapsed))
	if !r.Pass {
		fmt.Fprintf(&j.cases, "\n      <failure message=\"%s\" type=\"golden\">%s</failure>\n    ",
			xmlAttr(r.Reason()), xmlText(r.Details()))
	}
	j.cases.WriteString("</testcase>\n")
	if r.Updated {
		fmt.Fprintf(j.notes, "updated %s.golden\n", r.Name)
	}
}

func (j *junitReporter) Finish(passed, failed int, elapsed time.Duration) {
	n, t := passed+failed, seconds(elapsed)
	fmt.Fprintf(j.w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
	fmt.Fprintf(j.w, "<testsuites name=\"proc\" tests=\"%d\" failures=\"%d\" errors=\"0\" time=\"%s\">\n", n, failed, t)
	fmt.Fprintf(j.w, "  <testsuite name=\"proc\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"0\" time=\"%s\">\n", n, failed, t)
	io.WriteString(j.w, j.cases.String())
	fmt.Fprintf(j.w, "  </testsuite>\n</testsuites>\n")
}

// xmlText escapes s for XML character data. Newlines and tabs stay as they
// are, so a diff reads well in the raw file.
func xmlText(s string) string { return xmlEscape(s, false) }

// xmlAttr escapes s for a double-quoted XML attribute value. Newlines and
// tabs become character references, or a parser would turn them into spaces.
func xmlAttr(s string) string { return xmlEscape(s, true) }

// xmlEscape escapes the markup characters of s, and replaces what XML 1.0
// cannot carry at all (invalid UTF-8, most control characters) with U+FFFD,
// so that a program's stray bytes never make the report unreadable.
func xmlEscape(s string, attr bool) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&quot;")
		case r == '\'':
			b.WriteString("&apos;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r == '\n' && attr:
			b.WriteString("&#xA;")
		case r == '\t' && attr:
			b.WriteString("&#x9;")
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20, r == 0xfffe, r == 0xffff:
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
