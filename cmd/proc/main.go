// Command proc runs .proc scripts on a simulated machine and prints a
// deterministic trace of what its processes and threads do.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"proc/interp"
	"proc/runtime"
)

// version is the release of proc.
const version = "0.1.0"

func main() {
	os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `proc runs .proc scripts on a simulated machine: processes, threads,
memory and IPC, with a deterministic trace of everything that happens.

Usage:
  proc run FILE.proc [flags]     run a script: trace and program output on stdout
  proc FILE.proc [flags]         the same as proc run
  proc explore FILE.proc [flags] run it under every schedule; list the outcomes
  proc repl [FILE.proc]          an interactive machine, one statement at a time
  proc test [flags] [PATH...]    run scripts and compare with their golden files
  proc version                   print the version
  proc help                      print this help

Run 'proc run -h' for the flags of run, 'proc test -h' for those of test.
Exit status: 0 the run ended and no assert failed; 1 it was stopped
(deadlock, step limit) or an assert failed; 2 the script could not start.
`

// Main is proc's entry point, separated from main for tests.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		// A bug in proc must not print a Go stack trace at a student.
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "proc: internal error: %v\nplease report this with the script that caused it\n", r)
			code = 3
		}
	}()
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:], stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "proc %s\n", version)
		return 0
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return 0
	case "test":
		return cmdTest(args[1:], stdout, stderr)
	case "explore":
		return cmdExplore(args[1:], stdout, stderr)
	case "repl":
		return cmdRepl(args[1:], stdin, stdout, stderr)
	}
	if strings.HasSuffix(args[0], ".proc") || !strings.HasPrefix(args[0], "-") && fileExists(args[0]) {
		return cmdRun(args, stdout, stderr)
	}
	fmt.Fprintf(stderr, "proc: unknown command %q\n\n%s", args[0], usage)
	return 2
}

func fileExists(name string) bool {
	st, err := os.Stat(name)
	return err == nil && !st.IsDir()
}

// setFlag collects repeated --set KEY=VALUE flags.
type setFlag []string

func (s *setFlag) String() string     { return strings.Join(*s, ",") }
func (s *setFlag) Set(v string) error { *s = append(*s, v); return nil }

const runUsage = `Usage: proc run FILE.proc [flags]

Runs FILE.proc as process 1 and prints its trace and output on stdout.

Flags:
  --trace=CATS       all (default), none, or a comma list of
                     sched,proc,thread,call,mem,ipc,sync,fault,insn
                     (insn is not part of all). With none, stdout is exactly
                     the program's output; reports go to stderr.
  --json             JSON Lines events instead of text; the last line is the
                     stats record
  --stats            print the statistics table after the run
  --set KEY=VALUE    override a config key (repeatable; wins over the
                     script's config lines)
  --seed N           the same as --set seed=N
  --gantt            print a timeline after the run: one row per thread
  --chrome FILE      also write the run to FILE as a Chrome trace (JSON), for
                     ui.perfetto.dev or chrome://tracing; 1 tick = 1 us
  --schedule S       replay the exact interleaving S printed by proc explore
  --race             report data races: accesses of two threads to one address,
                     one a write, that no lock, join, message or semaphore orders
`

// parseInterleaved parses flags that may come before or after positional
// arguments, as `proc run FILE --trace=none` needs.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	return cmdRunIn("", args, stdout, stderr)
}

// cmdRunIn is cmdRun with FILE read from dir ("" is the current directory).
// It lets proc test run the scripts of many folders at once, in parallel,
// without changing the working directory of the whole process.
func cmdRunIn(dir string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	// Usage goes to stdout for -h (below) and to stderr after a bad flag.
	fs.Usage = func() {}
	trace := fs.String("trace", "all", "")
	jsonOut := fs.Bool("json", false, "")
	stats := fs.Bool("stats", false, "")
	var sets setFlag
	fs.Var(&sets, "set", "")
	seed := fs.String("seed", "", "")
	gantt := fs.Bool("gantt", false, "")
	chrome := fs.String("chrome", "", "")
	schedule := fs.String("schedule", "", "")
	race := fs.Bool("race", false, "")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, runUsage)
			return 0
		}
		fmt.Fprint(stderr, runUsage)
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "proc run: want one script, got %d\n\n%s", len(pos), runUsage)
		return 2
	}
	var choices []int
	if *schedule != "" {
		if choices, err = interp.ParseSchedule(*schedule); err != nil {
			fmt.Fprintf(stderr, "proc run: --schedule: %v\n", err)
			return 2
		}
		if choices == nil {
			choices = []int{}
		}
	}
	if *seed != "" {
		sets = append(sets, "seed="+*seed)
	}
	cats, err := runtime.ParseCategories(*trace)
	if err != nil {
		fmt.Fprintf(stderr, "proc run: --trace: %v\n", err)
		return 2
	}
	file := pos[0]
	prog, _ := loadScript(dir, file, stderr)
	if prog == nil {
		return 2
	}
	if choices != nil {
		// Check the schedule fits before anything is printed.
		if err := interp.CheckSchedule(prog, sets, choices); err != nil {
			fmt.Fprintf(stderr, "proc run: --schedule: %v\n", err)
			return 2
		}
	}
	opts := interp.Options{Trace: cats, JSON: *jsonOut, Stats: *stats, Gantt: *gantt, Sets: sets, Stdout: stdout, Stderr: stderr, Schedule: choices, Race: *race}
	var chromeFile *os.File
	if *chrome != "" {
		// Like FILE, a relative path is taken from the script's folder
		// when proc test runs it.
		name := *chrome
		if dir != "" && !filepath.IsAbs(name) {
			name = filepath.Join(dir, name)
		}
		if chromeFile, err = os.Create(name); err != nil {
			fmt.Fprintf(stderr, "proc run: --chrome: %v\n", friendlyFileError(err))
			return 2
		}
		opts.Chrome = chromeFile
	}
	sess, err := interp.NewSession(prog, opts)
	if err != nil {
		if chromeFile != nil {
			chromeFile.Close()
			os.Remove(chromeFile.Name())
		}
		fmt.Fprintf(stderr, "proc run: --set: %v\n", err)
		return 2
	}
	res := sess.Run()
	code := res.ExitCode()
	if chromeFile != nil {
		err := res.ChromeErr
		if cerr := chromeFile.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			fmt.Fprintf(stderr, "proc run: --chrome: %v\n", err)
			code = max(code, 1)
		}
	}
	return code
}

func friendlyFileError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s: no such file", pe.Path)
		}
		return fmt.Errorf("%s: %v", pe.Path, pe.Err)
	}
	return err
}
