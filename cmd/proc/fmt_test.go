package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"proc/grammar"
)

// lessonScripts are the examples and the exercises' scripts.
func lessonScripts(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob("../../examples/*.proc")
	ostep, _ := filepath.Glob("../../examples/ostep/*.proc")
	more, _ := filepath.Glob("../../exercises/*/*.proc")
	files = append(append(files, ostep...), more...)
	if len(files) < 40 {
		t.Fatalf("only %d scripts found", len(files))
	}
	return files
}

// scramble lays a script out badly without changing its tokens: code
// lines indented with a tab and spaces, trailing spaces on every line,
// and each blank line tripled, which moves every line below it.
func scramble(src string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(src, "\n") {
		text, nl := strings.CutSuffix(line, "\n")
		trimmed := strings.TrimLeft(text, " \t")
		switch {
		case trimmed == "":
			b.WriteString(strings.Repeat(" \n", 3))
			continue
		case strings.HasPrefix(trimmed, "#"):
			b.WriteString(text)
		default:
			b.WriteString("\t  " + trimmed)
		}
		b.WriteString("   ")
		if nl {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// positions matches what a trace says about source positions.
var positions = regexp.MustCompile(`line \d+|"line":\d+|:\d+:\d+`)

// runFormatted runs the script src as NAME.proc in a folder of its own, with its
// header, as proc test would, and returns its stdout and exit status.
func runFormatted(t *testing.T, name, src string) (string, int) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := grammar.ParseHeader([]byte(src))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var stdout, stderr bytes.Buffer
	code := runScript(runJob{dir: dir, args: []string{name}, header: h.Args}, &stdout, &stderr)
	return stdout.String() + stderr.String(), code
}

// TestFmtTraces: formatting never changes what a lesson does. Each script
// is laid out badly (scramble), which must not change its trace but for
// the line numbers it moved; proc fmt of that must give the script back
// byte for byte, and its trace is again the same but for line numbers.
func TestFmtTraces(t *testing.T) {
	t.Parallel()
	moved := 0
	for _, f := range lessonScripts(t) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		bad := scramble(string(src))
		out, err := grammar.FormatSource(name, []byte(bad))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if !bytes.Equal(out, src) {
			t.Errorf("%s: proc fmt of the scrambled script is not the script:\n%s", f, unifiedDiff(f, "formatted", string(src), string(out)))
			continue
		}
		before, code1 := runFormatted(t, name, bad)
		after, code2 := runFormatted(t, name, string(out))
		if code1 != code2 {
			t.Errorf("%s: exit status %d before formatting, %d after", f, code1, code2)
		}
		if before != after {
			moved++
		}
		before = positions.ReplaceAllString(before, "line N")
		after = positions.ReplaceAllString(after, "line N")
		if before != after {
			t.Errorf("%s: formatting changed the trace:\n%s", f, unifiedDiff("before", "after", before, after))
		}
	}
	if moved == 0 {
		t.Errorf("no trace showed a line number that moved: the scramble or the normalization is broken")
	}
	t.Logf("%d traces differed in line numbers only", moved)
}

// TestFmtCommand: proc fmt's flags, its standard input, folders, and its
// errors.
func TestFmtCommand(t *testing.T) {
	dir := t.TempDir()
	ugly := "x=1    # one\nif x {\nprint x }\n"
	pretty := "x = 1  # one\nif x {\n    print x\n}\n"
	write := func(name, text string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	run := func(stdin string, args ...string) (string, string, int) {
		var stdout, stderr bytes.Buffer
		code := Main(append([]string{"fmt"}, args...), strings.NewReader(stdin), &stdout, &stderr)
		return stdout.String(), stderr.String(), code
	}
	a := write("a.proc", ugly, 0o640)
	b := write("sub/b.proc", pretty, 0o644)
	write(".hidden/c.proc", ugly, 0o644)
	write("sub/notes.txt", ugly, 0o644)

	if out, errs, code := run("", a); out != pretty || errs != "" || code != 0 {
		t.Errorf("proc fmt FILE: %q %q %d", out, errs, code)
	}
	if out, errs, code := run(ugly); out != pretty || errs != "" || code != 0 {
		t.Errorf("proc fmt < FILE: %q %q %d", out, errs, code)
	}
	if out, errs, code := run("", "-l", dir); out != a+"\n" || errs != "" || code != 0 {
		t.Errorf("proc fmt -l DIR: %q %q %d", out, errs, code)
	}
	if out, _, code := run(ugly, "-l"); out != stdinName+"\n" || code != 0 {
		t.Errorf("proc fmt -l < FILE: %q %d", out, code)
	}
	out, _, code := run("", "-d", a, b)
	if code != 0 || !strings.HasPrefix(out, "--- "+a+".orig\n+++ "+a+"\n@@ ") || !strings.Contains(out, "-x=1    # one\n+x = 1  # one\n") {
		t.Errorf("proc fmt -d: %d\n%s", code, out)
	}
	bInfo, _ := os.Stat(b)
	if out, errs, code := run("", "-w", "-l", a, b); out != a+"\n" || errs != "" || code != 0 {
		t.Errorf("proc fmt -w -l: %q %q %d", out, errs, code)
	}
	if got, _ := os.ReadFile(a); string(got) != pretty {
		t.Errorf("-w wrote %q", got)
	}
	if st, _ := os.Stat(a); st.Mode().Perm() != 0o640 {
		t.Errorf("-w changed the mode to %v", st.Mode().Perm())
	}
	if st, _ := os.Stat(b); !os.SameFile(st, bInfo) || !st.ModTime().Equal(bInfo.ModTime()) {
		t.Errorf("-w rewrote a file that was formatted")
	}
	if out, _, code := run("", "-l", dir); out != "" || code != 0 {
		t.Errorf("proc fmt -l after -w: %q %d", out, code)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".fmt-") {
			t.Errorf("-w left %s behind", e.Name())
		}
	}

	// A script that does not parse: the error proc run prints, exit 2,
	// and nothing written; the other scripts are still formatted.
	badSrc := "x = (1 +\nprint x\n"
	bad := write("bad.proc", badSrc, 0o644)
	c := write("c.proc", ugly, 0o644)
	out, errs, code := run("", "-w", bad, c)
	var runOut, runErr bytes.Buffer
	Main([]string{"run", bad}, nil, &runOut, &runErr)
	if code != 2 || out != "" || errs != runErr.String() || !strings.Contains(errs, "bad.proc:2:1: ") || !strings.Contains(errs, "^") {
		t.Errorf("proc fmt of a bad script: %q %q %d; proc run says %q", out, errs, code, runErr.String())
	}
	if got, _ := os.ReadFile(bad); string(got) != badSrc {
		t.Errorf("a script that does not parse was written: %q", got)
	}
	if got, _ := os.ReadFile(c); string(got) != pretty {
		t.Errorf("the script after a bad one was not formatted: %q", got)
	}
	if _, errs, code := run("  # args: --stats\nprint 1\n"); code != 2 || !strings.Contains(errs, "line 1: a header line is written") {
		t.Errorf("a bad header: %q %d", errs, code)
	}

	if _, errs, code := run("", "-w"); code != 2 || !strings.Contains(errs, "-w needs a file") {
		t.Errorf("-w without a file: %q %d", errs, code)
	}
	if _, errs, code := run("", filepath.Join(dir, "nothere.proc")); code != 2 || !strings.Contains(errs, "no such file") {
		t.Errorf("a missing file: %q %d", errs, code)
	}
	if _, errs, code := run("", "-x"); code != 2 || !strings.Contains(errs, "Usage: proc fmt") {
		t.Errorf("a bad flag: %q %d", errs, code)
	}
	if out, _, code := run("", "-h"); code != 0 || !strings.HasPrefix(out, "Usage: proc fmt") {
		t.Errorf("-h: %q %d", out, code)
	}
	var help bytes.Buffer
	Main([]string{"help"}, nil, &help, &bytes.Buffer{})
	if !strings.Contains(help.String(), "proc fmt [-w|-l|-d] [PATH...]") {
		t.Errorf("proc help does not list proc fmt")
	}
}
