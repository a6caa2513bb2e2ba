package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	goruntime "runtime"

	"proc/grammar"
	"proc/interp"
)

const testUsage = `Usage: proc test [flags] [PATH...]

Runs every NAME.proc that has a NAME.golden beside it, under each PATH
(default .; folders are searched recursively, a .proc file is taken as it
is), and compares its stdout with the golden byte for byte and its exit
status with its '# exit: N' header (default 0). Each script runs as
'cd DIR && proc run NAME.proc' would: with the flags of its '# args:'
header, which proc run applies too. Only regular files are read: a
script or golden that is a symbolic link, a folder, a device or a FIFO
fails.

A script's header is its own word: it may pick the trace, --json, --stats
and the like, and lower a limit, but it cannot name a file to write
(--chrome) or raise a limit above what proc test's command line allows.

Flags:
  -update            rewrite the goldens that differ or are missing (only
                     when the exit status is the expected one)
  -run REGEX         check only the scripts whose name matches REGEX
  -j N               check N scripts at a time (default 1); the report
                     keeps the sorted order
  --format=FORMAT    text (default), tap, junit, json or gradescope
                     (Gradescope's results.json: a script is worth the
                     points of its '# points: N' header line, 1 without
                     one; '# visibility: V' sets who sees its result)
  --set KEY=VALUE    override a config key for every script (repeatable);
                     wins over the scripts' config lines and headers, and
                     is the only way to raise a limit
  --header-from FILE take the '# args:' and '# exit:' lines (and with
                     gradescope, '# points:' and '# visibility:') from
                     FILE (the exercise as you wrote it) for every
                     script, ignoring the scripts' own headers: for
                     grading submissions

Text output: a line per script, 'ok   NAME  0.012s' or 'FAIL NAME  0.012s',
the reasons and a unified diff under each failure, and a last line
'N passed, N failed'.

Exit status: 0 every script passed; 1 a script failed, or none was found;
2 usage error (bad flag, no such PATH).
`

// testFlags are the flags of proc test.
type testFlags struct {
	update     bool
	run        string
	jobs       int
	format     string
	sets       setFlag
	headerFrom string
}

// flagSet returns a flag set that parses proc test's flags into f.
func (f *testFlags) flagSet(out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(out)
	// The flag package prints its error itself; the usage follows it below,
	// on stderr for a bad flag and on stdout for -h, so it is never printed
	// twice.
	fs.Usage = func() {}
	fs.BoolVar(&f.update, "update", false, "")
	fs.StringVar(&f.run, "run", "", "")
	fs.IntVar(&f.jobs, "j", 1, "")
	fs.StringVar(&f.format, "format", "text", "")
	fs.Var(&f.sets, "set", "")
	fs.StringVar(&f.headerFrom, "header-from", "", "")
	return fs
}

// cmdTest is `proc test`: golden tests of scripts (docs/GRADING.md).
func cmdTest(args []string, stdout, stderr io.Writer) int {
	var f testFlags
	fs := f.flagSet(stderr)
	paths, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, testUsage)
			return 0
		}
		fmt.Fprint(stderr, testUsage)
		return 2
	}
	rep := newReporter(f.format, stdout, stderr)
	if rep == nil {
		fmt.Fprintf(stderr, "proc test: --format=%s: want %s\n", f.format, orList(testFormats))
		return 2
	}
	if f.jobs < 1 {
		fmt.Fprintf(stderr, "proc test: -j %d: want at least 1\n", f.jobs)
		return 2
	}
	var filter *regexp.Regexp
	if f.run != "" {
		if filter, err = regexp.Compile(f.run); err != nil {
			fmt.Fprintf(stderr, "proc test: -run: %v\n", err)
			return 2
		}
	}
	opts := checkOptions{update: f.update, sets: f.sets, grade: f.format == "gradescope"}
	if _, err := interp.Ceiling(f.sets); err != nil {
		fmt.Fprintf(stderr, "proc test: --set: %v\n", err)
		return 2
	}
	if f.headerFrom != "" {
		src, err := readScript(f.headerFrom, true)
		if err != nil {
			fmt.Fprintf(stderr, "proc test: --header-from: %v\n", err)
			return 2
		}
		h, err := grammar.ParseHeader(src)
		if err != nil {
			fmt.Fprintf(stderr, "proc test: --header-from: %s: %v\n", f.headerFrom, err)
			return 2
		}
		if _, err := parseHeaderFlags(f.headerFrom, h.Args); err != nil {
			fmt.Fprintf(stderr, "proc test: --header-from: %v\n", err)
			return 2
		}
		opts.header = &h
		if opts.grade {
			g, err := parseGradeHeader(src)
			if err != nil {
				fmt.Fprintf(stderr, "proc test: --header-from: %s: %v\n", f.headerFrom, err)
				return 2
			}
			opts.gradeHeader = &g
		}
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	found, err := findScripts(paths)
	if err != nil {
		fmt.Fprintf(stderr, "proc test: %v\n", err)
		return 2
	}
	scripts := found[:0:0]
	for _, s := range found {
		if filter == nil || filter.MatchString(s.Name) {
			scripts = append(scripts, s)
		}
	}

	start := now()
	rep.Start(len(scripts))
	passed, failed := 0, 0
	for r := range checkAll(scripts, opts, min(f.jobs, goruntime.GOMAXPROCS(0))) {
		if r.Pass {
			passed++
		} else {
			failed++
		}
		rep.Result(r)
	}
	rep.Finish(passed, failed, now().Sub(start))

	switch {
	case len(found) == 0:
		// A misspelt PATH in a CI job must not look like a clean pass.
		fmt.Fprintln(stderr, "proc test: no scripts found (a golden test is NAME.proc with NAME.golden beside it)")
		return 1
	case len(scripts) == 0:
		fmt.Fprintf(stderr, "proc test: no script name matches -run %q\n", f.run)
		return 1
	case failed > 0:
		return 1
	}
	return 0
}

// checkAll checks the scripts with up to jobs of them at a time, and yields
// the results in the order of scripts as soon as each one and all before it
// are done, so that the report streams and never depends on timing.
func checkAll(scripts []goldenScript, opts checkOptions, jobs int) func(yield func(*testResult) bool) {
	return func(yield func(*testResult) bool) {
		results := make([]testResult, len(scripts))
		done := make([]chan struct{}, len(scripts))
		work := make(chan int, len(scripts))
		for i := range scripts {
			done[i] = make(chan struct{})
			work <- i
		}
		close(work)
		quit := make(chan struct{})
		defer close(quit)
		for range min(jobs, len(scripts)) {
			go func() {
				for i := range work {
					select {
					case <-quit:
						return
					default:
					}
					results[i] = checkScript(scripts[i], opts)
					close(done[i])
				}
			}()
		}
		for i := range scripts {
			<-done[i]
			if !yield(&results[i]) {
				return
			}
		}
	}
}
