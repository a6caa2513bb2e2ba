package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"proc/interp"
	"proc/interp/explore"
	"proc/runtime"
)

const exploreUsage = `Usage: proc explore FILE.proc [flags]

Runs FILE.proc under every distinct schedule and lists the distinct
outcomes — program output and exit status of every process, faults,
deadlock — with how many schedules reach each. Each outcome comes with a
schedule that 'proc run --schedule=S' replays exactly, one with the
fewest preemptions the search could find. Only operations
another thread can observe are scheduling points; interleavings that
differ only in the order of independent operations are run once, and a
join or wait for a thread or process still running is left until it
has ended.

The search remembers the states it has explored (all of memory, every
thread's registers and stack, every kernel object, the output so far): a
schedule that reaches a state seen before stops there, since everything
that can follow was found from it already. It counts the schedules run to
their end, the states stored and the states matched again.

The full search of most scripts with threads would never end, so it is
bounded; when a bound cuts it short, the last line says the search is
incomplete, which bound did it, and the flag that raises it. The --max
flags take a number of 1 or more, or none for no bound.

Flags:
  --preemptions K      explore only schedules with at most K preemptions
                       (a switch away from a thread that could have gone
                       on, not one about to wait in join or wait);
                       default: no bound
  --max-schedules N    stop after N schedules (default 10000)
  --max-total-steps N  stop once the runs together executed N instructions
                       (default 30000000; each run also stops at max_steps);
                       64 words of memory read for a state's fingerprint
                       count as one
  --max-depth N        record at most N choices in one schedule; past them
                       a run goes on without preemption (default 10000)
  --max-memory MIB     stop when what the search keeps (the states stored,
                       outcomes, races, the choices of a schedule)
                       reaches MIB MiB (default 64); the copies of the
                       machine schedules start from take at most half as
                       much again
  --timeout DURATION   stop after DURATION of wall time (e.g. 30s, 2m;
                       default 0: no time bound). What a search finds
                       before its time runs out depends on how fast the
                       machine is: the other bounds give the same report
                       on every machine, this one does not
  --stateless          remember no states: run every schedule to its end
                       (slower; the same outcomes)
  --bitstate MIB       remember states as bits in a table of MIB MiB, as
                       SPIN's supertrace does: memory is fixed however
                       many states there are, but two states may share
                       their bits, so coverage is probabilistic and the
                       search never says it is complete
  --json               one JSON record per outcome, then a summary record
  --set KEY=VALUE      override a config key (repeatable)

FILE's '# args:' header applies its --set and --seed, under the command
line's --set, and may lower a limit, never raise one. Its other flags are
about a single run and are ignored: the search shows no trace (--trace,
--json, --stats, --gantt), always looks for data races (--race) and runs
every schedule (--schedule).

On a terminal, a search that takes more than a second shows its progress
on stderr (states, schedules, outcomes, races, states a second, time
taken).
Ctrl-C stops the search: it prints what it found so far, and
the last line says it was interrupted. A second Ctrl-C ends proc at once.

Exit status: 0 the search found no failure (fault, failed assert, deadlock,
limit), complete or cut short by a bound; 1 it found one (interrupted or
not); 2 the script could not start; 130 it was interrupted before it found
a failure.
`

// exploreFlags are the flags of proc explore.
type exploreFlags struct {
	preemptions                                 int
	maxSchedules, maxSteps, maxDepth, maxMemory boundFlag
	json, stateless                             bool
	bitstate                                    int64
	timeout                                     time.Duration
	sets                                        setFlag
}

// flagSet returns a flag set that parses proc explore's flags into f, with
// their defaults.
func (f *exploreFlags) flagSet(out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("explore", flag.ContinueOnError)
	fs.SetOutput(out)
	// Usage goes to stdout for -h (below) and to stderr after a bad flag.
	fs.Usage = func() {}
	fs.IntVar(&f.preemptions, "preemptions", -1, "")
	f.maxSchedules = boundFlag{n: explore.DefaultMaxSchedules, max: math.MaxInt32}
	fs.Var(&f.maxSchedules, "max-schedules", "")
	f.maxSteps = boundFlag{n: explore.DefaultMaxSteps, max: math.MaxInt64}
	fs.Var(&f.maxSteps, "max-total-steps", "")
	f.maxDepth = boundFlag{n: explore.DefaultMaxDepth, max: math.MaxInt32}
	fs.Var(&f.maxDepth, "max-depth", "")
	f.maxMemory = boundFlag{n: explore.DefaultMaxMemory >> 20, max: 1 << 30}
	fs.Var(&f.maxMemory, "max-memory", "")
	fs.BoolVar(&f.json, "json", false, "")
	fs.BoolVar(&f.stateless, "stateless", false, "")
	fs.Int64Var(&f.bitstate, "bitstate", 0, "")
	fs.DurationVar(&f.timeout, "timeout", 0, "")
	fs.Var(&f.sets, "set", "")
	return fs
}

func cmdExplore(args []string, stdout, stderr io.Writer) int {
	var f exploreFlags
	fs := f.flagSet(stderr)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, exploreUsage)
			return 0
		}
		fmt.Fprint(stderr, exploreUsage)
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "proc explore: want one script, got %d\n\n%s", len(pos), exploreUsage)
		return 2
	}
	file := pos[0]
	ceil, err := interp.Ceiling(f.sets)
	if err != nil {
		fmt.Fprintf(stderr, "proc explore: --set: %v\n", err)
		return 2
	}
	src, err := readScript(file, true)
	if err != nil {
		fmt.Fprintf(stderr, "proc: %v\n", err)
		return 2
	}
	// Of the header, only the settings concern a search: it shows no
	// trace, always looks for races and runs every schedule.
	hdr, err := scriptHeader(file, src)
	if err != nil {
		fmt.Fprintln(stderr, err)
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
	start := time.Now()
	opts := explore.Options{
		Preemptions:  f.preemptions,
		MaxSchedules: int(f.maxSchedules.n),
		MaxSteps:     f.maxSteps.n,
		MaxDepth:     int(f.maxDepth.n),
		MaxMemory:    f.maxMemory.n << 20,
		Stateless:    f.stateless,
		// The command line's settings come last: they win.
		Session: interp.Options{Sets: append(append([]string(nil), hdr.sets...), f.sets...)},
	}
	if f.bitstate < 0 || f.bitstate > 1<<16 {
		fmt.Fprintf(stderr, "proc explore: --bitstate %d: want a size in MiB from 1 to %d (0: store states exactly)\n", f.bitstate, 1<<16)
		return 2
	}
	opts.Bitstate = f.bitstate << 20
	if f.timeout < 0 {
		fmt.Fprintf(stderr, "proc explore: --timeout %v: want a duration of 0 or more (0: no time bound)\n", f.timeout)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	// Once the search is told to stop, Ctrl-C is Go's again: a second one
	// ends proc at once.
	context.AfterFunc(ctx, stop)
	var bar *progress
	if isTerminal(stderr) {
		bar = &progress{w: stderr, start: start}
		opts.Progress = bar.show
	}
	tuneCollector(opts.MaxMemory)
	res, err := explore.Run(ctx, prog, opts)
	// Before the report: stdout may be the same terminal.
	bar.clear()
	if err != nil {
		fmt.Fprintf(stderr, "proc explore: %v\n", err)
		return 2
	}
	elapsed := time.Since(start)
	failed := false
	for _, o := range res.Outcomes {
		if o.Failed() {
			failed = true
		}
	}
	if f.json {
		writeExploreJSON(stdout, res, opts)
	} else {
		writeExploreText(stdout, file, res, opts, elapsed)
	}
	switch {
	case failed:
		return 1
	case res.Stop == explore.StopInterrupted:
		// As a program killed by SIGINT: the search did not say there is
		// no failure.
		return 130
	}
	return 0
}

// progress keeps a line on a terminal up to date while a search runs, so
// that a long one does not sit silent. It is never written elsewhere: a
// pipe or a file gets the same bytes every time.
type progress struct {
	w     io.Writer
	start time.Time
	last  time.Time
	shown bool
}

// show rewrites the line at most five times a second, and only once the
// search has taken a second: a short one leaves no trace of it.
func (p *progress) show(res *explore.Result) {
	now := time.Now()
	if now.Sub(p.start) < time.Second || now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last, p.shown = now, true
	elapsed := now.Sub(p.start)
	line := fmt.Sprintf("exploring: %d %s, %d %s, %d %s, %d %s; %s, %s (Ctrl-C stops)",
		res.States, plural(int(res.States), "state"), res.Schedules, plural(res.Schedules, "schedule"),
		len(res.Outcomes), plural(len(res.Outcomes), "outcome"), len(res.Races), plural(len(res.Races), "race"),
		rate(res, elapsed), elapsed.Truncate(time.Second))
	// One row: a line that wrapped would leave its first row behind
	// when it is wiped.
	if f, ok := p.w.(*os.File); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 1 && len(line) >= w {
			line = line[:w-1]
		}
	}
	// The cursor goes back to the start of the line: the terminal's echo
	// of Ctrl-C ("^C") then lands on the line, not after it, where a
	// line of the terminal's width would wrap and leave a row behind.
	fmt.Fprintf(p.w, "\r%s\x1b[K\r", line)
}

func (p *progress) clear() {
	if p != nil && p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

// boundFlag is a bound of the search: a number from 1 to max, or none
// (-1). 0 is refused rather than read as no bound: a search without bounds
// may never end, and that has to be asked for in words.
type boundFlag struct{ n, max int64 }

func (b *boundFlag) String() string {
	if b.n < 0 {
		return "none"
	}
	return strconv.FormatInt(b.n, 10)
}

func (b *boundFlag) Set(v string) error {
	if v == "none" {
		b.n = -1
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 || n > b.max {
		return fmt.Errorf("want a number from 1 to %d, or none for no bound", b.max)
	}
	b.n = n
	return nil
}

// incomplete says why a search did not cover every schedule, a reason
// each, with the flag that lifts its bound; nil when it did. For text each
// reason is a phrase, for JSON the flag's name.
func incomplete(res *explore.Result, opts explore.Options, text bool) []string {
	var out []string
	add := func(flag, arg, why string) {
		if text {
			out = append(out, fmt.Sprintf("%s (--%s %s raises the bound)", why, flag, arg))
		} else {
			out = append(out, flag)
		}
	}
	switch res.Stop {
	case explore.StopMaxSchedules:
		add("max-schedules", "N", fmt.Sprintf("stopped after %d %s", res.Schedules, plural(res.Schedules, "schedule")))
	case explore.StopMaxSteps:
		add("max-total-steps", "N", fmt.Sprintf("stopped after %d instructions", res.Steps))
	case explore.StopMaxMemory:
		add("max-memory", "MIB", fmt.Sprintf("stopped when what it keeps reached %d MiB", opts.MaxMemory>>20))
	case explore.StopTimeout:
		add("timeout", "DURATION", fmt.Sprintf("stopped when its time ran out, after %d %s", res.Schedules, plural(res.Schedules, "schedule")))
	case explore.StopInterrupted:
		if text {
			out = append(out, fmt.Sprintf("interrupted after %d %s", res.Schedules, plural(res.Schedules, "schedule")))
		} else {
			out = append(out, "interrupted")
		}
	}
	if res.Deep > 0 {
		were := "were"
		if res.Deep == 1 {
			were = "was"
		}
		add("max-depth", "N", fmt.Sprintf("%d %s past %d choices %s followed one way", res.Deep, plural(res.Deep, "schedule"), opts.MaxDepth, were))
	}
	if res.Bitstate {
		if text {
			out = append(out, "states kept as bits: two may have shared them, so a schedule may have stopped at a state it had not seen (leave out --bitstate to store states exactly)")
		} else {
			out = append(out, "bitstate")
		}
	}
	if opts.Preemptions >= 0 {
		add("preemptions", "K", fmt.Sprintf("only schedules with at most %d %s", opts.Preemptions, plural(opts.Preemptions, "preemption")))
	}
	return out
}

func writeExploreText(w io.Writer, file string, res *explore.Result, opts explore.Options, elapsed time.Duration) {
	for i, o := range res.Outcomes {
		tag := ""
		if o.Failed() {
			tag = "  FAILED"
		}
		fmt.Fprintf(w, "outcome %d: %d %s%s\n", i+1, o.Schedules, plural(o.Schedules, "schedule"), tag)
		if o.Output == "" {
			fmt.Fprintln(w, "  (no output)")
		}
		for _, line := range strings.Split(strings.TrimSuffix(o.Output, "\n"), "\n") {
			if o.Output != "" {
				fmt.Fprintf(w, "  | %s\n", runtime.OneLine(line))
			}
		}
		fmt.Fprintf(w, "  exit: %s\n", strings.Join(o.Exits, " "))
		for _, f := range o.Faults {
			// An assert's message is the script's, as the output is: a
			// newline in either must not start a line of its own.
			fmt.Fprintf(w, "  fault: %s\n", runtime.OneLine(f))
		}
		if o.Deadlock {
			fmt.Fprintln(w, "  deadlock")
		}
		if o.Stopped != "" {
			fmt.Fprintf(w, "  stopped: %s\n", o.Stopped)
		}
		fmt.Fprintf(w, "schedule: %s\n", o.Schedule)
	}
	for _, r := range res.Races {
		fmt.Fprintf(w, "WARNING: %s\n", r.Text[0])
		for _, line := range r.Text[1:] {
			fmt.Fprintf(w, "  %s\n", line)
		}
		fmt.Fprintf(w, "schedule: %s\n", r.Schedule)
	}
	complete := "complete: every schedule was covered"
	if !res.Complete {
		complete = "incomplete: " + strings.Join(incomplete(res, opts, true), ", ")
	}
	// How much work it took first, and the verdict on the last line.
	switch {
	case opts.Stateless:
		fmt.Fprintf(w, "stateless search: %s, %s\n", rate(res, elapsed), elapsed.Round(time.Millisecond))
	case res.Bitstate:
		fmt.Fprintf(w, "%d %s stored in a %s bitstate table, %d matched again; %s, %s\n", res.States, plural(int(res.States), "state"),
			mibText(res.StateBytes), res.Matched, rate(res, elapsed), elapsed.Round(time.Millisecond))
	default:
		fmt.Fprintf(w, "%d %s stored (%s), %d matched again; %s, %s\n", res.States, plural(int(res.States), "state"), mibText(res.StateBytes), res.Matched,
			rate(res, elapsed), elapsed.Round(time.Millisecond))
	}
	fmt.Fprintf(w, "%d %s, %d %s, %d %s, %s\n", res.Schedules, plural(res.Schedules, "schedule"),
		len(res.Outcomes), plural(len(res.Outcomes), "outcome"), len(res.Races), plural(len(res.Races), "data race"), complete)
}

// mib writes a size in MiB, with one decimal below 10.
func mibText(n int64) string {
	if n < 10<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

// rate is how fast the search went: states a second, or schedules a
// second when it stores none.
func rate(res *explore.Result, elapsed time.Duration) string {
	if res.States > 0 {
		return fmt.Sprintf("%.0f states/s", float64(res.States)/elapsed.Seconds())
	}
	return fmt.Sprintf("%.0f schedules/s", float64(res.Schedules)/elapsed.Seconds())
}

func plural(n int, w string) string {
	if n == 1 {
		return w
	}
	return w + "s"
}

func writeExploreJSON(w io.Writer, res *explore.Result, opts explore.Options) {
	for _, o := range res.Outcomes {
		exit := 0
		for _, e := range o.Exits {
			// "1=blocked" (process 1 never ended) leaves exit at 0.
			if v, ok := strings.CutPrefix(e, "1="); ok {
				if n, err := strconv.Atoi(v); err == nil {
					exit = n
				}
			}
		}
		fmt.Fprintf(w, `{"ev":"outcome","output":%s,"exit":%d,"exits":%s,"faults":%s,"deadlock":%t,"schedules":%d,"schedule":%s,"preemptions":%d}`+"\n",
			jsonString(o.Output), exit, jsonStrings(o.Exits), jsonStrings(o.Faults), o.Deadlock, o.Schedules, jsonString(o.Schedule), o.Preemptions)
	}
	var races []string
	for _, r := range res.Races {
		races = append(races, fmt.Sprintf(`{"text":%s,"schedule":%s}`, jsonStrings(r.Text), jsonString(r.Schedule)))
	}
	// Why an incomplete search is incomplete, as the names of the flags
	// that lift its bounds; a complete one has no such field.
	why := ""
	if !res.Complete {
		why = `,"incomplete":` + jsonStrings(incomplete(res, opts, false))
	}
	fmt.Fprintf(w, `{"ev":"explore","schedules":%d,"outcomes":%d,"complete":%t%s,"stateful":%t,"bitstate":%t,"states":%d,"matched":%d,"state_bytes":%d,"races":[%s]}`+"\n",
		res.Schedules, len(res.Outcomes), res.Complete, why, !opts.Stateless, res.Bitstate, res.States, res.Matched, res.StateBytes, strings.Join(races, ","))
}

func jsonStrings(ss []string) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = jsonString(s)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// tuneCollector sets Go's garbage collector for a search, unless GOGC or
// GOMEMLIMIT says otherwise: every run of the program is a fresh machine,
// thrown away at its end, while what the search keeps grows slowly, so
// collecting when the heap has grown five times over instead of twice
// makes the search a third faster. The soft limit keeps that below 1 GiB
// beyond twice what --max-memory lets the search keep.
func tuneCollector(maxMemory int64) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" && maxMemory > 0 && maxMemory < 1<<40 {
		debug.SetMemoryLimit(1<<30 + 2*maxMemory)
	}
}
