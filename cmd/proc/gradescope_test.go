package main

import (
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"
)

// TestGradescopeResults checks that --format=gradescope writes one JSON
// document in the shape of Gradescope's results.json: the fields it reads,
// with their types, a test per script in sorted order, the score the sum
// of the passed tests' points, and each failure's reasons and diff as its
// output.
func TestGradescopeResults(t *testing.T) {
	dir := formatFixture(t)
	writeFiles(t, dir, map[string]string{
		"worth.proc":   "# args: --trace=none\n# points: 4\n# visibility: after_due_date\nprint \"w\"\n",
		"worth.golden": "w\n",
	})
	out, _, code := runTest(t, "--format=gradescope", dir)
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for key, kind := range map[string]string{"score": "number", "output": "string", "visibility": "string",
		"stdout_visibility": "string", "tests": "array"} {
		if got := jsonKind(raw[key]); got != kind {
			t.Errorf("top level %q is a %s, want a %s", key, got, kind)
		}
	}
	var res gradescopeResults
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil {
		t.Fatal(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Errorf("more than one document: %v", err)
	}
	if res.Score != 6 || res.Output != "3 passed, 4 failed: 6 of 10 points" || res.Visibility != "visible" || res.StdoutVisibility != "hidden" {
		t.Errorf("top level: score %v, output %q, visibility %q, stdout_visibility %q", res.Score, res.Output, res.Visibility, res.StdoutVisibility)
	}
	var names []string
	for i, test := range res.Tests {
		names = append(names, test.Name)
		if test.Number != strconv.Itoa(i+1) {
			t.Errorf("%s: number %q", test.Name, test.Number)
		}
		switch test.Status {
		case "passed":
			if test.Score != test.MaxScore || test.Output != "" {
				t.Errorf("%s: passed with score %v of %v, output %q", test.Name, test.Score, test.MaxScore, test.Output)
			}
		case "failed":
			if test.Score != 0 || test.Output == "" {
				t.Errorf("%s: failed with score %v, output %q", test.Name, test.Score, test.Output)
			}
		default:
			t.Errorf("%s: status %q", test.Name, test.Status)
		}
	}
	if got, want := strings.Join(names, " "), "diff loop pass sub/a&b'q sub/bytes syntax worth"; got != want {
		t.Errorf("tests %q, want %q", got, want)
	}
	byName := map[string]gradescopeTest{}
	for _, test := range res.Tests {
		byName[test.Name] = test
	}
	if w := byName["worth"]; w.MaxScore != 4 || w.Score != 4 || w.Visibility != "after_due_date" {
		t.Errorf("worth: %+v", w)
	}
	if d := byName["diff"]; d.MaxScore != 1 || d.Visibility != "" ||
		!strings.Contains(d.Output, "--- diff.golden\n+++ diff (actual)\n") || !strings.Contains(d.Output, "-old \"quoted\" <tag> & 'apos'\n+new\n") {
		t.Errorf("diff: %+v", d)
	}
	if s := byName["syntax"]; !strings.HasPrefix(s.Output, "exit status 2, want 0\nsyntax.proc:1:10: expected expression") {
		t.Errorf("syntax: output %q", s.Output)
	}
	if l := byName["loop"]; !strings.Contains(l.Output, "step limit reached (max_steps=100)") {
		t.Errorf("loop: output %q", l.Output)
	}
}

// TestGradescopeAllPass: a class that passes everything scores every point,
// and proc test exits 0.
func TestGradescopeAllPass(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.proc": "# args: --trace=none\n# points: 0.5\nprint \"a\"\n", "a.golden": "a\n",
		"b.proc": "# args: --trace=none\nprint \"b\"\n", "b.golden": "b\n",
	})
	out, _, code := runTest(t, "--format=gradescope", dir)
	var res gradescopeResults
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if code != 0 || res.Score != 1.5 || len(res.Tests) != 2 || res.Output != "2 passed, 0 failed: 1.5 of 1.5 points" {
		t.Errorf("exit status %d, %+v", code, res)
	}
}

// jsonKind names the JSON type of a decoded value.
func jsonKind(v any) string {
	switch v.(type) {
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case bool:
		return "bool"
	case nil:
		return "missing or null"
	}
	return "?"
}

// TestParseGradeHeader checks the grading lines: the default, the values
// taken, and the lines refused.
func TestParseGradeHeader(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		src        string
		points     float64
		visibility string
		err        string
	}{
		{src: "print 1\n", points: 1},
		{src: "# points: 3\n# visibility: hidden\nprint 1\n", points: 3, visibility: "hidden"},
		{src: "\n# a comment\n# points: 0\n", points: 0},
		{src: "# points: 12.25\r\n", points: 12.25},
		{src: "print 1\n# points: 3\n", points: 1},
		{src: "# points: -1\n", err: "line 1: # points: want a number of points from 0 to 1000"},
		{src: "# points: 1e3\n", err: "want a number of points"},
		{src: "# points: 1001\n", err: "want a number of points"},
		{src: "# visibility: secret\n", err: `line 1: # visibility: want visible, hidden, after_due_date, after_published, got "secret"`},
		{src: "#points: 2\n", err: `a header line is written "# points:"`},
		{src: "# Visibility: hidden\n", err: `a header line is written "# visibility:"`},
		{src: "  # points: 2\n", err: `a header line is written "# points:"`},
	} {
		g, err := parseGradeHeader([]byte(c.src))
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.src, err, c.err)
			}
		case err != nil:
			t.Errorf("%q: %v", c.src, err)
		case g.Points != c.points || g.Visibility != c.visibility:
			t.Errorf("%q: %+v, want %v %q", c.src, g, c.points, c.visibility)
		}
	}
}

// TestEveryFormatHasAReporter: the formats the usage and the completion
// offer are the ones proc test writes.
func TestEveryFormatHasAReporter(t *testing.T) {
	t.Parallel()
	for _, f := range testFormats {
		if newReporter(f, io.Discard, io.Discard) == nil {
			t.Errorf("--format=%s has no reporter", f)
		}
		if !strings.Contains(testUsage, f) {
			t.Errorf("the usage of proc test does not name --format=%s", f)
		}
	}
}
