package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestProcTestExamples checks the examples the way a teacher checks a
// folder: `proc test ../../examples`, in parallel, examples/ostep
// included. Every example must pass.
func TestProcTestExamples(t *testing.T) {
	t.Parallel()
	goldens, _ := filepath.Glob("../../examples/*.golden")
	ostep, _ := filepath.Glob("../../examples/ostep/*.golden")
	goldens = append(goldens, ostep...)
	if len(goldens) == 0 {
		t.Fatal("no examples with goldens found")
	}
	var stdout, stderr bytes.Buffer
	code := Main([]string{"test", "-j", "4", "../../examples"}, nil, &stdout, &stderr)
	summary := strconv.Itoa(len(goldens)) + " passed, 0 failed\n"
	if code != 0 || !strings.HasSuffix(stdout.String(), summary) {
		t.Errorf("proc test ../../examples: exit status %d, want 0 and %q last\n%s%s", code, summary, stdout.String(), stderr.String())
	}
}

// writeFiles creates files under dir from a map of slash paths to contents.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// formatFixture is a folder with a pass, a diff, a syntax error, a step
// limit and a golden full of bytes that markup and JSON must escape.
func formatFixture(t *testing.T) string {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"pass.proc":        "# args: --trace=none\nprint \"<ok & fine>\"\n",
		"pass.golden":      "<ok & fine>\n",
		"diff.proc":        "# args: --trace=none\nprint \"new\"\n",
		"diff.golden":      "old \"quoted\" <tag> & 'apos'\n",
		"syntax.proc":      "print x +\n",
		"syntax.golden":    "",
		"loop.proc":        "# args: --trace=none\nconfig max_steps = 100\nwhile true { }\n",
		"loop.golden":      "",
		"sub/bytes.proc":   "# args: --trace=none\nprint \"clean\"\n",
		"sub/bytes.golden": "bell \x07 bad \xff\xfe cr \r tab \t ]]> end\n",
		"sub/a&b'q.proc":   "# args: --trace=none\nprint \"x\"\n",
		"sub/a&b'q.golden": "x\n",
	})
	return dir
}

// runTest runs proc test with the clock frozen. It sets the package's
// clock, so the tests that call it do not run in parallel.
func runTest(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	old := now
	now = frozenClock
	defer func() { now = old }()
	var stdout, stderr bytes.Buffer
	code := Main(append([]string{"test"}, args...), nil, &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

// TestJUnitParses checks that the JUnit report is well-formed XML that an
// XML parser reads back with the totals, names and failure texts intact.
func TestJUnitParses(t *testing.T) {
	dir := formatFixture(t)
	out, _, code := runTest(t, "--format=junit", dir)
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	type failure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Time      string   `xml:"time,attr"`
		Failure   *failure `xml:"failure"`
	}
	type testsuite struct {
		Name     string     `xml:"name,attr"`
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	var doc struct {
		XMLName  xml.Name    `xml:"testsuites"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Suites   []testsuite `xml:"testsuite"`
	}
	d := xml.NewDecoder(strings.NewReader(out))
	d.Strict = true
	if err := d.Decode(&doc); err != nil {
		t.Fatalf("not valid XML: %v\n%s", err, out)
	}
	if doc.Tests != 6 || doc.Failures != 4 || len(doc.Suites) != 1 {
		t.Fatalf("testsuites: tests=%d failures=%d suites=%d, want 6, 4, 1", doc.Tests, doc.Failures, len(doc.Suites))
	}
	s := doc.Suites[0]
	if s.Name != "proc" || s.Tests != 6 || s.Failures != 4 {
		t.Errorf("testsuite %q tests=%d failures=%d", s.Name, s.Tests, s.Failures)
	}
	var names []string
	byName := map[string]testcase{}
	for _, c := range s.Cases {
		names = append(names, c.Name)
		byName[c.Name] = c
		if c.Time != "0.000" {
			t.Errorf("%s: time %q", c.Name, c.Time)
		}
	}
	if got, want := strings.Join(names, " "), "diff loop pass sub/a&b'q sub/bytes syntax"; got != want {
		t.Errorf("testcases %q, want %q", got, want)
	}
	if c := byName["sub/a&b'q"]; c.Classname != "proc.sub" || c.Failure != nil {
		t.Errorf("sub/a&b'q: classname %q, failure %v", c.Classname, c.Failure)
	}
	if f := byName["diff"].Failure; f == nil || f.Message != "output differs from diff.golden" ||
		!strings.Contains(f.Text, "-old \"quoted\" <tag> & 'apos'\n+new\n") {
		t.Errorf("diff: failure %+v", f)
	}
	if f := byName["syntax"].Failure; f == nil || f.Message != "exit status 2, want 0" ||
		!strings.Contains(f.Text, "syntax.proc:1:10: expected expression") {
		t.Errorf("syntax: failure %+v", f)
	}
	if f := byName["loop"].Failure; f == nil || !strings.Contains(f.Text, "step limit reached (max_steps=100)") {
		t.Errorf("loop: failure %+v", f)
	}
	// XML cannot carry a bell or a stray byte; they become U+FFFD. A
	// carriage return is ^M, as in every diff.
	if f := byName["sub/bytes"].Failure; f == nil || !strings.Contains(f.Text, "-bell \uFFFD bad \uFFFD\uFFFD cr ^M tab \t ]]> end\n") {
		t.Errorf("sub/bytes: failure %+v", f)
	}
}

// TestJSONLinesParse checks that every line of the JSON report is an object
// with the fixed fields, in sorted order, and the last is the summary.
func TestJSONLinesParse(t *testing.T) {
	dir := formatFixture(t)
	out, _, code := runTest(t, "--format=json", dir)
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 7 {
		t.Fatalf("%d lines, want 7:\n%s", len(lines), out)
	}
	fields := []string{"name", "status", "time", "exit", "want_exit", "diff", "error"}
	var names []string
	for _, line := range lines[:6] {
		var raw map[string]any
		if err := json.Unmarshal([]byte(line), &raw); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, line)
		}
		for _, f := range fields {
			if _, ok := raw[f]; !ok {
				t.Errorf("%s: no field %q", line, f)
			}
		}
		var r jsonResult
		json.Unmarshal([]byte(line), &r)
		names = append(names, r.Name)
		switch r.Name {
		case "pass":
			if r.Status != "pass" || r.Diff != "" || r.Error != "" || r.Exit != 0 {
				t.Errorf("pass: %+v", r)
			}
		case "diff":
			if r.Status != "fail" || !strings.HasPrefix(r.Diff, "--- diff.golden\n+++ diff (actual)\n@@ -1 +1 @@\n") {
				t.Errorf("diff: %+v", r)
			}
		case "syntax":
			if r.Exit != 2 || r.WantExit != 0 || !strings.Contains(r.Error, "syntax.proc:1:10:") || r.Diff != "" {
				t.Errorf("syntax: %+v", r)
			}
		case "loop":
			if r.Exit != 1 || !strings.Contains(r.Error, "step limit reached") {
				t.Errorf("loop: %+v", r)
			}
		}
	}
	if got, want := strings.Join(names, " "), "diff loop pass sub/a&b'q sub/bytes syntax"; got != want {
		t.Errorf("records %q, want %q", got, want)
	}
	var sum map[string]int
	if err := json.Unmarshal([]byte(lines[6]), &sum); err != nil || sum["passed"] != 2 || sum["failed"] != 4 || len(sum) != 2 {
		t.Errorf("summary %s (%v)", lines[6], err)
	}
}

// TestTAPStructure checks the TAP report line by line: version, plan,
// numbered test points, and YAML blocks only after failures.
func TestTAPStructure(t *testing.T) {
	dir := formatFixture(t)
	out, _, code := runTest(t, "--format=tap", dir)
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	point := regexp.MustCompile(`^(ok|not ok) (\d+) - (.+)$`)
	sc := bufio.NewScanner(strings.NewReader(out))
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) < 3 || lines[0] != "TAP version 13" || lines[1] != "1..6" {
		t.Fatalf("no TAP header:\n%s", out)
	}
	n, failed := 0, 0
	for i := 2; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "# ") && i == len(lines)-1 {
			if l != "# 2 passed, 4 failed" {
				t.Errorf("summary %q", l)
			}
			continue
		}
		m := point.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("line %d: not a test point: %q", i+1, l)
		}
		n++
		if m[2] != strconv.Itoa(n) {
			t.Errorf("test point %s, want %d", m[2], n)
		}
		if m[1] == "ok" {
			continue
		}
		failed++
		if i+1 >= len(lines) || lines[i+1] != "  ---" {
			t.Fatalf("%s: no YAML block", m[3])
		}
		j := i + 2
		for j < len(lines) && lines[j] != "  ..." {
			if !strings.HasPrefix(lines[j], "  ") {
				t.Errorf("%s: YAML line not indented: %q", m[3], lines[j])
			}
			j++
		}
		if j == len(lines) {
			t.Fatalf("%s: YAML block not closed", m[3])
		}
		block := strings.Join(lines[i+2:j], "\n")
		if !strings.Contains(block, "  message: ") || !strings.Contains(block, "  exit: ") {
			t.Errorf("%s: YAML block without message or exit:\n%s", m[3], block)
		}
		if m[3] == "sub/bytes" && !strings.Contains(block, `  diff: "--- sub/bytes.golden\n`) {
			// Text YAML cannot hold in a literal block is quoted.
			t.Errorf("sub/bytes: diff not quoted:\n%s", block)
		}
		i = j
	}
	if n != 6 || failed != 4 {
		t.Errorf("%d test points, %d failed; want 6, 4", n, failed)
	}
}

// TestUpdateRewritesOnlyDiffering checks that -update leaves a golden that
// matches untouched: not even written again.
func TestUpdateRewritesOnlyDiffering(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"same.proc":      "# args: --trace=none\nprint \"same\"\n",
		"same.golden":    "same\n",
		"changed.proc":   "# args: --trace=none\nprint \"new\"\n",
		"changed.golden": "old\n",
	})
	past := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range []string{"same.golden", "changed.golden"} {
		if err := os.Chtimes(filepath.Join(dir, f), past, past); err != nil {
			t.Fatal(err)
		}
	}
	out, _, code := runTest(t, "-update", dir)
	if code != 0 || out != "ok   changed  0.000s\nupdated changed.golden\nok   same  0.000s\n2 passed, 0 failed\n" {
		t.Errorf("exit status %d, output:\n%s", code, out)
	}
	if st, _ := os.Stat(filepath.Join(dir, "same.golden")); !st.ModTime().Equal(past) {
		t.Error("same.golden was written again")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "changed.golden")); string(b) != "new\n" {
		t.Errorf("changed.golden = %q", b)
	}
}

// TestXMLEscape checks the escaping on its own, for both places text goes.
func TestXMLEscape(t *testing.T) {
	t.Parallel()
	in := "a<b>&\"c'\n\t\r\x00\xff\uFFFE"
	if got, want := xmlText(in), "a&lt;b&gt;&amp;&quot;c&apos;\n\t&#xD;\uFFFD\uFFFD\uFFFD"; got != want {
		t.Errorf("xmlText = %q, want %q", got, want)
	}
	if got, want := xmlAttr(in), "a&lt;b&gt;&amp;&quot;c&apos;&#xA;&#x9;&#xD;\uFFFD\uFFFD\uFFFD"; got != want {
		t.Errorf("xmlAttr = %q, want %q", got, want)
	}
}

// TestPanicIsAFailure checks that a run that panics (a bug in proc) fails
// its own script only: the others are still checked and reported.
func TestPanicIsAFailure(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.proc": "# args: --trace=none\nprint \"a\"\n", "a.golden": "a\n",
		"b.proc": "# args: --trace=none\nprint \"b\"\n", "b.golden": "b\n",
		"c.proc": "# args: --trace=none\nprint \"c\"\n", "c.golden": "c\n",
	})
	old := runIn
	defer func() { runIn = old }()
	runIn = func(job runJob, stdout, stderr io.Writer) int {
		if job.args[0] == "b.proc" {
			panic("boom")
		}
		return old(job, stdout, stderr)
	}
	out, _, code := runTest(t, "-j", "2", dir)
	want := "ok   a  0.000s\nFAIL b  0.000s\n    internal error: boom (please report this with the script)\nok   c  0.000s\n2 passed, 1 failed\n"
	if code != 1 || out != want {
		t.Errorf("exit status %d, output:\n%s\nwant:\n%s", code, out, want)
	}
}
