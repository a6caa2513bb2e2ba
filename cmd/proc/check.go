package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"proc/grammar"
)

// maxCapture bounds the stdout kept of one run. A golden file is a trace a
// person reads; a run that prints more has gone wrong, and keeping all of it
// for every parallel job would only exhaust memory.
const maxCapture = 16 << 20

// runIn runs a script as proc run does; a variable so that tests can make a
// run panic and see proc test survive it.
var runIn = runScript

// checkOptions are the settings of proc test that apply to every script.
type checkOptions struct {
	// update rewrites the goldens that differ.
	update bool
	// sets are the command line's --set overrides: the teacher's word,
	// which wins over every script's config lines and header.
	sets []string
	// header, when set, replaces every script's own header (the
	// --header-from file).
	header *grammar.Header
	// grade reads the grading lines of the headers (`# points:`,
	// `# visibility:`), for --format=gradescope.
	grade bool
	// gradeHeader, when set, replaces every script's own grading lines
	// (the --header-from file's).
	gradeHeader *gradeHeader
}

// now is the clock that times each script. Tests of proc test replace it
// with a frozen one, so that their expected output holds fixed times.
var now = time.Now

// testResult is the outcome of checking one script against its golden.
type testResult struct {
	goldenScript
	// Pass reports whether the output and the exit status were the
	// expected ones (after -update rewrote the golden, if it did).
	Pass    bool
	Elapsed time.Duration
	// Exit is the exit status of the run, -1 if the script did not run.
	Exit int
	// WantExit is the exit status the `# exit:` header expects.
	WantExit int
	// Problems say why the script failed, besides the diff: one line each.
	Problems []string
	// Stderr is what the run printed on stderr when its exit status was
	// not the expected one: the syntax error, the step-limit message, a
	// fault report. Problems[0] is then that exit status.
	Stderr string
	// Diff is the unified diff from the golden to the actual stdout.
	Diff string
	// Updated reports that -update rewrote (or wrote) the golden file.
	Updated bool
	// Points is what the script is worth and Visibility who sees its
	// result, from the grading lines of its header (gradeHeader); read
	// only for --format=gradescope.
	Points     float64
	Visibility string
}

// Reason is a one-line summary of why the script failed.
func (r *testResult) Reason() string {
	if len(r.Problems) > 0 {
		return r.Problems[0]
	}
	if r.Diff != "" {
		return "output differs from " + r.Name + ".golden"
	}
	return ""
}

// Explanation is why the script failed, besides the diff: the problems,
// with the run's stderr right after the exit status it explains.
func (r *testResult) Explanation() string {
	var b strings.Builder
	for i, p := range r.Problems {
		b.WriteString(p)
		b.WriteByte('\n')
		if i == 0 && r.Stderr != "" {
			b.WriteString(r.Stderr)
			if !strings.HasSuffix(r.Stderr, "\n") {
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
}

// Details is the full explanation of a failure: the explanation, then the
// diff.
func (r *testResult) Details() string { return r.Explanation() + r.Diff }

// checkScript runs one script as `cd DIR && proc run NAME.proc ARGS` would,
// with ARGS from its `# args:` header, and compares its stdout with the
// golden file byte for byte and its exit status with the `# exit:` header.
// With update, a golden that differs or is missing is rewritten, but only
// when the exit status is the expected one: a golden records a run its
// header agrees with.
func checkScript(s goldenScript, opts checkOptions) (r testResult) {
	r = testResult{goldenScript: s, Exit: -1, Points: 1}
	if opts.gradeHeader != nil {
		r.Points, r.Visibility = opts.gradeHeader.Points, opts.gradeHeader.Visibility
	}
	start := now()
	defer func() {
		// One broken script must not take the others down with it.
		if p := recover(); p != nil {
			r.Problems = append(r.Problems, fmt.Sprintf("internal error: %v (please report this with the script)", p))
		}
		r.Pass = len(r.Problems) == 0 && r.Diff == ""
		r.Elapsed = now().Sub(start)
	}()
	update := opts.update
	src, err := readScript(s.ScriptPath(), false)
	if err != nil {
		r.Problems = append(r.Problems, err.Error())
		return r
	}
	h := opts.header
	if h == nil {
		own, err := grammar.ParseHeader(src)
		if err != nil {
			r.Problems = append(r.Problems, fmt.Sprintf("%s: %v", s.File, err))
			return r
		}
		h = &own
	}
	if opts.grade && opts.gradeHeader == nil {
		g, err := parseGradeHeader(src)
		if err != nil {
			r.Problems = append(r.Problems, fmt.Sprintf("%s: %v", s.File, err))
			return r
		}
		r.Points, r.Visibility = g.Points, g.Visibility
	}
	r.WantExit = h.Exit
	var stdout, stderr cappedBuffer
	stdout.limit, stderr.limit = maxCapture, maxCapture
	args := []string{s.File}
	for _, kv := range opts.sets {
		args = append(args, "--set", kv)
	}
	r.Exit = runIn(runJob{dir: s.Dir, args: args, header: h.Args}, &stdout, &stderr)
	exitOK := r.Exit == r.WantExit
	if !exitOK {
		r.Problems = append(r.Problems, fmt.Sprintf("exit status %d, want %d", r.Exit, r.WantExit))
		r.Stderr = stderr.String()
		if r.Stderr == "" {
			// With a full trace the reason a run stopped is on its last
			// line; say it unless a diff will show it anyway.
			defer func() {
				if last := lastLine(stdout.String()); r.Diff == "" && last != "" {
					r.Problems = append(r.Problems, "last line of output: "+last)
				}
			}()
		}
		if r.Exit == 2 {
			// The script did not start; its error says all there is to say,
			// and a diff against empty output would only bury it.
			return r
		}
	}
	if stdout.over {
		r.Problems = append(r.Problems, fmt.Sprintf("output is larger than %d MiB; not compared", maxCapture>>20))
		return r
	}
	goldenName := s.Name + ".golden"
	want, err := readRegular(s.GoldenPath(), false, maxGoldenBytes, "golden file")
	_, statErr := os.Lstat(s.GoldenPath())
	missing := errors.Is(statErr, os.ErrNotExist)
	if err != nil && !missing {
		r.Problems = append(r.Problems, err.Error())
		return r
	}
	if !missing && bytes.Equal(want, stdout.Bytes()) {
		return r
	}
	if update && exitOK {
		if err := os.WriteFile(s.GoldenPath(), stdout.Bytes(), 0o644); err != nil {
			r.Problems = append(r.Problems, friendlyFileError(err).Error())
			return r
		}
		r.Updated = true
		return r
	}
	if update {
		r.Problems = append(r.Problems, goldenName+" not updated: the exit status is not the one the header expects")
	}
	if missing {
		r.Problems = append(r.Problems, "no golden file "+goldenName+" (proc test -update writes it)")
		return r
	}
	r.Diff = unifiedDiff(goldenName, s.Name+" (actual)", string(want), stdout.String())
	if note := lineEndNote(goldenName, string(want), stdout.String()); note != "" {
		r.Problems = append(r.Problems, note)
	}
	return r
}

// lastLine returns the last non-empty line of text.
func lastLine(text string) string {
	text = strings.TrimRight(text, "\n")
	return strings.TrimSpace(text[strings.LastIndexByte(text, '\n')+1:])
}

// cappedBuffer keeps the first limit bytes written to it and notes whether
// more came. It never fails a write, so the run goes on to its end and its
// exit status stays meaningful.
type cappedBuffer struct {
	bytes.Buffer
	limit int
	over  bool
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if room := c.limit - c.Len(); len(p) > room {
		c.over = true
		c.Buffer.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return c.Buffer.Write(p)
}
