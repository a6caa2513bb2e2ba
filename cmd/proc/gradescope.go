package main

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// gradescopeReporter prints the results.json of a Gradescope autograder:
// one JSON document, written when the last script is done, since it starts
// with the total score.
//
//	{
//	  "score": 1,
//	  "output": "1 passed, 1 failed: 1 of 3 points",
//	  "output_format": "text",
//	  "visibility": "visible",
//	  "stdout_visibility": "hidden",
//	  "tests": [
//	    {"name": "a", "number": "1", "score": 1, "max_score": 1, "status": "passed", "output": "", "output_format": "text"},
//	    {"name": "b", "number": "2", "score": 0, "max_score": 2, "status": "failed", "output": "--- b.golden\n...", "output_format": "text", "visibility": "hidden"}
//	  ]
//	}
//
// A script is worth the points of its `# points:` header line (1 without
// one) and scores all of them when it passes, none when it fails. Its
// `# visibility:` line, when it has one, is the test's visibility; without
// it the test has none, and Gradescope applies the top-level "visible".
// The output of a failure is what the text format prints under FAIL.
type gradescopeReporter struct {
	w     io.Writer
	notes io.Writer
	tests []gradescopeTest
}

// gradescopeResults is Gradescope's results.json.
type gradescopeResults struct {
	Score            float64          `json:"score"`
	Output           string           `json:"output"`
	OutputFormat     string           `json:"output_format"`
	Visibility       string           `json:"visibility"`
	StdoutVisibility string           `json:"stdout_visibility"`
	Tests            []gradescopeTest `json:"tests"`
}

// gradescopeTest is one script.
type gradescopeTest struct {
	Name         string  `json:"name"`
	Number       string  `json:"number"`
	Score        float64 `json:"score"`
	MaxScore     float64 `json:"max_score"`
	Status       string  `json:"status"` // "passed" or "failed"
	Output       string  `json:"output"`
	OutputFormat string  `json:"output_format"`
	Visibility   string  `json:"visibility,omitempty"`
}

func (g *gradescopeReporter) Start(int) {}

func (g *gradescopeReporter) Result(r *testResult) {
	t := gradescopeTest{
		Name:         r.Name,
		Number:       strconv.Itoa(len(g.tests) + 1),
		MaxScore:     r.Points,
		Status:       "passed",
		OutputFormat: "text",
		Visibility:   r.Visibility,
	}
	if r.Pass {
		t.Score = r.Points
	} else {
		t.Status = "failed"
		t.Output = r.Details()
	}
	g.tests = append(g.tests, t)
	if r.Updated {
		fmt.Fprintf(g.notes, "updated %s.golden\n", r.Name)
	}
}

func (g *gradescopeReporter) Finish(passed, failed int, _ time.Duration) {
	res := gradescopeResults{OutputFormat: "text", Visibility: "visible", StdoutVisibility: "hidden",
		Tests: g.tests}
	if res.Tests == nil {
		res.Tests = []gradescopeTest{}
	}
	var total float64
	for _, t := range g.tests {
		res.Score += t.Score
		total += t.MaxScore
	}
	res.Output = fmt.Sprintf("%d passed, %d failed: %s of %s points", passed, failed, formatPoints(res.Score), formatPoints(total))
	enc := json.NewEncoder(g.w)
	// Traces are full of <, > and &; \u003c would only hide them from
	// whoever reads the file itself.
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	enc.Encode(res)
}

// formatPoints writes a number of points as JSON would: 2, 0.5.
func formatPoints(p float64) string { return strconv.FormatFloat(p, 'f', -1, 64) }

// gradeHeader is what a script's header says about its grading, for
// --format=gradescope: `# points: N` and `# visibility: V`. It is read
// here, beside the header lines every format reads (`# args:` and
// `# exit:`), and under the same rules: the leading block of comment and
// blank lines, the hash in the first column, one space, lower case; a
// line written another way is an error, never a comment quietly ignored.
type gradeHeader struct {
	// Points is what the script is worth; 1 when the header does not say.
	Points float64
	// Visibility is the test's visibility on Gradescope, "" for the
	// default.
	Visibility string
}

// maxPoints bounds what one script is worth: a typo such as 1e9 must not
// swamp a course's grades.
const maxPoints = 1000

// gradeVisibilities are the values Gradescope takes for a test's visibility.
var gradeVisibilities = []string{"visible", "hidden", "after_due_date", "after_published"}

var (
	// looksLikeGradeLine matches the grading lines written some other way.
	looksLikeGradeLine = regexp.MustCompile(`(?i)^\s*#\s*(points|visibility)\s*:`)
	// pointsValue is a number of points: digits, maybe a fraction.
	pointsValue = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
)

// parseGradeHeader reads the grading lines of a script's header.
func parseGradeHeader(src []byte) (gradeHeader, error) {
	g := gradeHeader{Points: 1}
	text := string(src)
	for n := 1; text != ""; n++ {
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		line = strings.TrimSuffix(line, "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		if !strings.HasPrefix(trimmed, "#") {
			break
		}
		switch {
		case strings.HasPrefix(line, "# points:"):
			v := strings.TrimSpace(strings.TrimPrefix(line, "# points:"))
			p, err := strconv.ParseFloat(v, 64)
			if !pointsValue.MatchString(v) || err != nil || p > maxPoints {
				return g, fmt.Errorf("line %d: # points: want a number of points from 0 to %d, got %q", n, maxPoints, v)
			}
			g.Points = p
		case strings.HasPrefix(line, "# visibility:"):
			v := strings.TrimSpace(strings.TrimPrefix(line, "# visibility:"))
			found := false
			for _, w := range gradeVisibilities {
				found = found || v == w
			}
			if !found {
				return g, fmt.Errorf("line %d: # visibility: want %s, got %q", n, strings.Join(gradeVisibilities, ", "), v)
			}
			g.Visibility = v
		case looksLikeGradeLine.MatchString(line):
			m := strings.ToLower(looksLikeGradeLine.FindStringSubmatch(line)[1])
			return g, fmt.Errorf("line %d: a header line is written %q: the hash in the first column, one space, then %s: in lower case", n, "# "+m+":", m)
		}
	}
	return g, nil
}
