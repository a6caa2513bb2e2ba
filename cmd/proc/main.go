// Command proc runs .proc scripts on a simulated machine and prints a
// deterministic trace of what its processes and threads do. It also
// explores a script's schedules (proc explore), keeps a machine open to
// type into (proc repl), serves a page that draws the machine in a
// browser (proc web), checks scripts against their golden files (proc
// test) and formats them (proc fmt); the usage below lists them all.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"proc/grammar"
	"proc/interp"
	"proc/interp/explore"
	"proc/runtime"
)

// version is the release of proc.
const version = "0.1.0"

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		// Every run is bounded by max_memory and max_copy; this keeps the
		// collector from letting garbage pile up on top of that, so that
		// a run stays well within the memory its limits promise.
		debug.SetMemoryLimit(768 << 20)
	}
	if os.Getenv("GOGC") == "" {
		// Most of what a run allocates stays live to its end (every
		// process and thread is kept for the statistics), so each
		// collection marks the whole machine again for little garbage:
		// collecting when the heap has grown five times over instead of
		// twice marks it a third as often, and the limit above still
		// bounds the memory.
		debug.SetGCPercent(400)
	}
	os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `proc runs .proc scripts on a simulated machine: processes, threads,
memory and IPC, with a deterministic trace of everything that happens.

Usage:
  proc run FILE.proc [flags]     run a script: trace and program output on stdout
  proc FILE.proc [flags]         the same as proc run
  proc explore FILE.proc [flags] run it under every schedule; list the outcomes
  proc repl [FILE.proc]          an interactive machine, one statement at a time
  proc web [FILE.proc] [flags]   the machine drawn in a browser, step by step
  proc test [flags] [PATH...]    run scripts and compare with their golden files
  proc tour [N] [flags]          a guided tour, lesson by lesson (--lang=ko: 한국어)
  proc fmt [-w|-l|-d] [PATH...]  format scripts in the one canonical layout
  proc completion bash|zsh|fish  print a shell completion script
  proc version                   print the version
  proc help [COMMAND]            print this help, or a command's

Run 'proc help COMMAND' or 'proc COMMAND -h' (run, test, explore, repl,
web, tour, fmt, completion) for the flags of each. Every run is bounded
by limits a script may lower, never raise (see the README's Limits).
Exit status: 0 the run ended and no assert failed; 1 it was stopped
(deadlock, a limit) or an assert failed; 2 the script could not start.
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
		return cmdHelp(args[1:], stdout, stderr)
	case "test":
		return cmdTest(args[1:], stdout, stderr)
	case "explore":
		return cmdExplore(args[1:], stdout, stderr)
	case "repl":
		return cmdRepl(args[1:], stdin, stdout, stderr)
	case "web":
		return cmdWeb(args[1:], stdout, stderr)
	case "tour":
		return cmdTour(args[1:], stdin, stdout, stderr)
	case "fmt":
		return cmdFmt(args[1:], stdin, stdout, stderr)
	case "completion":
		return cmdCompletion(args[1:], stdout, stderr)
	}
	if strings.HasSuffix(args[0], ".proc") || !strings.HasPrefix(args[0], "-") && fileExists(args[0]) {
		return cmdRun(args, stdout, stderr)
	}
	fmt.Fprintf(stderr, "proc: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// helpTopics are the commands 'proc help COMMAND' knows.
var helpTopics = map[string]string{
	"run": runUsage, "test": testUsage, "explore": exploreUsage,
	"repl": replUsage, "web": webUsage, "tour": tourUsage,
	"fmt": fmtUsage, "completion": completionUsage,
}

// cmdHelp prints the usage, or with a command's name, that command's.
func cmdHelp(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if text, ok := helpTopics[args[0]]; ok && len(args) == 1 {
		fmt.Fprint(stdout, text)
		return 0
	}
	fmt.Fprintf(stderr, "proc help: no help for %q; the commands are run, test, explore, repl, web, tour, fmt and completion\n", strings.Join(args, " "))
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
                     sched,proc,thread,call,mem,ipc,sync,fault,insn,tlb,cache
                     (insn, tlb and cache are not part of all). With none,
                     stdout is exactly the program's output; reports go to
                     stderr.
  --json             JSON Lines events instead of text; the last line is the
                     stats record
  --stats            print the statistics table after the run
  --set KEY=VALUE    override a config key (repeatable; wins over the
                     script's config lines)
  --seed N           the same as --set seed=N
  --gantt            print a timeline after the run: one row per thread;
                     # running, - ready, . blocked, z sleeping (with cpus = N:
                     the number of the CPU it ran on, and a row per CPU)
  --chrome FILE      also write the run to FILE as a Chrome trace (JSON), for
                     ui.perfetto.dev or chrome://tracing; 1 tick = 1 us
  --schedule S       replay the exact interleaving S printed by proc explore
  --race             report data races: accesses of two threads to one address,
                     one a write, that no lock, join, message or semaphore orders
  --snapshot-at N    with --json: after the run, one more record, the machine
                     as it was after N instructions (processes, memory,
                     threads, kernel objects; docs/snapshot.md). N at or past
                     the end of the run gives the machine at its end, with
                     "ended": true and the step it had

FILE's own '# args:' header applies, as under proc test: the script runs
with those flags first, and each flag the command line gives wins over
the header's (--trace=all shows the whole trace of a script whose header
says --trace=none; --stats=false drops the header's --stats). A header
may not name a file to write (--chrome).

Every run is bounded: max_steps, max_ticks, max_slices, max_output,
max_trace, max_memory, max_copy, max_procs, max_threads, heap_max and
stack_size (see the README's Limits). A script's config lines and its
'# args:' header may lower a limit; only --set on the command line raises
one. FILE must be a regular file of at most 1 MiB.
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
	return runScript(runJob{args: args, follow: true, ownHeader: true}, stdout, stderr)
}

// runJob is one run of a script, from proc run's command line or from proc
// test.
type runJob struct {
	// dir is the folder FILE (and a relative --chrome path) is taken from;
	// "" is the working directory. It lets proc test run the scripts of
	// many folders at once, in parallel, without changing the working
	// directory of the whole process.
	dir string
	// args are FILE and the flags of the command line: the word of the
	// person running proc.
	args []string
	// header are the flags of the script's own `# args:` header: the
	// script's word, which may change how the run is shown and lower a
	// limit, but never write a file or raise a limit.
	header []string
	// src, when not nil, is the script itself, and FILE only its name: a
	// lesson of proc tour, which the binary carries.
	src []byte
	// follow lets FILE be a symbolic link (proc run: the user named it);
	// proc test reads only regular files.
	follow bool
	// ownHeader takes header from FILE's own `# args:` lines (proc run), so
	// that a lesson runs under the command a student types as it does
	// under proc test; proc test passes the header it chose instead.
	ownHeader bool
}

// runFlags are the flags of proc run.
type runFlags struct {
	trace    string
	json     bool
	stats    bool
	sets     setFlag
	seed     string
	gantt    bool
	chrome   string
	schedule string
	race     bool
	// snapshotAt is the step of --snapshot-at.
	snapshotAt int64
	// given holds the names of the flags that were given.
	given map[string]bool
}

// flagSet returns a flag set that parses proc run's flags into f.
func (f *runFlags) flagSet(out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(out)
	// Usage goes to stdout for -h and to stderr after a bad flag, by the
	// callers, so it is never printed twice.
	fs.Usage = func() {}
	fs.StringVar(&f.trace, "trace", "all", "")
	fs.BoolVar(&f.json, "json", false, "")
	fs.BoolVar(&f.stats, "stats", false, "")
	fs.Var(&f.sets, "set", "")
	fs.StringVar(&f.seed, "seed", "", "")
	fs.BoolVar(&f.gantt, "gantt", false, "")
	fs.StringVar(&f.chrome, "chrome", "", "")
	fs.StringVar(&f.schedule, "schedule", "", "")
	fs.BoolVar(&f.race, "race", false, "")
	fs.Int64Var(&f.snapshotAt, "snapshot-at", 0, "")
	return fs
}

// parse parses args with fs and notes which flags were given. It returns
// the positional arguments.
func (f *runFlags) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return nil, err
	}
	f.given = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.given[fl.Name] = true })
	if f.seed != "" {
		f.sets = append(f.sets, "seed="+f.seed)
	}
	return pos, nil
}

// parseRunFlags parses proc run's command line: its flags and its one
// FILE. A code of 0 or more means proc run is done (help, or a usage
// error printed on stderr); -1 that it goes on.
func parseRunFlags(args []string, stdout, stderr io.Writer) (*runFlags, string, int) {
	f := &runFlags{}
	pos, err := f.parse(f.flagSet(stderr), args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, runUsage)
			return nil, "", 0
		}
		fmt.Fprint(stderr, runUsage)
		return nil, "", 2
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "proc run: want one script, got %d\n\n%s", len(pos), runUsage)
		return nil, "", 2
	}
	return f, pos[0], -1
}

// headerWriters are the flags that write a file: a script's header may not
// give them, or a submission could overwrite the grader's files.
var headerWriters = []string{"chrome"}

// parseHeaderFlags parses the flags of a script's `# args:` header. Its
// errors name the script and the header.
func parseHeaderFlags(file string, args []string) (*runFlags, error) {
	f := &runFlags{}
	pos, err := f.parse(f.flagSet(io.Discard), args)
	if errors.Is(err, flag.ErrHelp) {
		err = errors.New("-h is not a flag a script can give itself")
	}
	if err != nil {
		return nil, fmt.Errorf("%s: # args: %v", file, err)
	}
	if len(pos) > 0 {
		return nil, fmt.Errorf("%s: # args: takes flags only, not %q", file, pos[0])
	}
	for _, w := range headerWriters {
		if f.given[w] {
			return nil, fmt.Errorf("%s: # args: --%s writes a file, and a script's header may not name a file to write (give --%s on the command line)", file, w, w)
		}
	}
	return f, nil
}

// scriptHeader reads the `# args:` header of a script: the flags the
// script asks to be run with, under the same rules as under proc test.
func scriptHeader(file string, src []byte) (*runFlags, error) {
	h, err := grammar.ParseHeader(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	return parseHeaderFlags(file, h.Args)
}

// runScript runs one script as proc run does.
func runScript(job runJob, stdout, stderr io.Writer) int {
	cli, file, code := parseRunFlags(job.args, stdout, stderr)
	if code >= 0 {
		return code
	}
	src, err := job.src, error(nil)
	if src == nil {
		if src, err = readScriptIn(job.dir, file, job.follow); err != nil {
			fmt.Fprintf(stderr, "proc: %v\n", err)
			return 2
		}
	}
	var hdr *runFlags
	if job.ownHeader {
		hdr, err = scriptHeader(file, src)
	} else {
		hdr, err = parseHeaderFlags(file, job.header)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	// The command line wins over the header, flag by flag: what it does
	// not give, the header may.
	trace := cli.trace
	if !cli.given["trace"] && hdr.given["trace"] {
		trace = hdr.trace
	}
	schedule := cli.schedule
	if !cli.given["schedule"] && hdr.given["schedule"] {
		schedule = hdr.schedule
	}
	on := func(name string, cliOn, hdrOn bool) bool {
		if cli.given[name] {
			return cliOn
		}
		return hdrOn
	}
	// --snapshot-at: the step, -1 when no snapshot is asked for.
	snapAt := int64(-1)
	switch {
	case cli.given["snapshot-at"]:
		snapAt = cli.snapshotAt
	case hdr.given["snapshot-at"]:
		snapAt = hdr.snapshotAt
	}
	if cli.given["snapshot-at"] || hdr.given["snapshot-at"] {
		if snapAt < 0 {
			fmt.Fprintf(stderr, "proc run: --snapshot-at: want a step of 0 or more, got %d\n", snapAt)
			return 2
		}
		if !on("json", cli.json, hdr.json) {
			fmt.Fprintln(stderr, "proc run: --snapshot-at needs --json: the snapshot is a JSON record, the last of the run's")
			return 2
		}
	}
	var choices []int
	if schedule != "" {
		if choices, err = explore.ParseSchedule(schedule); err != nil {
			fmt.Fprintf(stderr, "proc run: --schedule: %v\n", err)
			return 2
		}
		if choices == nil {
			choices = []int{}
		}
	}
	cats, err := runtime.ParseCategories(trace)
	if err != nil {
		fmt.Fprintf(stderr, "proc run: --trace: %v\n", err)
		return 2
	}
	ceil, err := interp.Ceiling(cli.sets)
	if err != nil {
		fmt.Fprintf(stderr, "proc run: --set: %v\n", err)
		return 2
	}
	if err := interp.CheckScriptSets(hdr.sets, ceil); err != nil {
		fmt.Fprintf(stderr, "%s: # args: --set %v\n", file, err)
		return 2
	}
	prog := compileScript(file, src, ceil, stderr)
	if prog == nil {
		return 2
	}
	if choices != nil {
		// Check the schedule fits before anything is printed.
		if err := explore.CheckSchedule(prog, append(append([]string(nil), hdr.sets...), cli.sets...), choices); err != nil {
			fmt.Fprintf(stderr, "proc run: --schedule: %v\n", err)
			return 2
		}
	}
	opts := interp.Options{Trace: cats, JSON: on("json", cli.json, hdr.json), Stats: on("stats", cli.stats, hdr.stats),
		Gantt: on("gantt", cli.gantt, hdr.gantt), ScriptSets: hdr.sets, Sets: cli.sets, Stdout: stdout, Stderr: stderr,
		Race: on("race", cli.race, hdr.race)}
	if choices != nil {
		opts.Chooser = explore.Replay(choices)
	}
	var chromeFile *os.File
	if cli.chrome != "" {
		// Like FILE, a relative path is taken from the script's folder
		// when proc test runs it.
		name := cli.chrome
		if job.dir != "" && !filepath.IsAbs(name) {
			name = filepath.Join(job.dir, name)
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
	var snap *runtime.Snapshot
	if snapAt >= 0 {
		// The machine is looked at from inside the run, which goes on
		// unchanged: the trace is the one without --snapshot-at.
		sess.M.Watch(snapAt, func() { snap = sess.M.Snapshot() })
	}
	res := sess.Run()
	code = res.ExitCode()
	if snapAt >= 0 {
		if snap == nil {
			// The run ended after snapAt instructions or fewer: the
			// machine at its end.
			snap = sess.M.Snapshot()
		}
		if err := writeJSONLine(stdout, snap); err != nil {
			fmt.Fprintf(stderr, "proc run: --snapshot-at: %v\n", err)
			code = max(code, 1)
		}
	}
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

// writeJSONLine writes v as one line of JSON.
func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
