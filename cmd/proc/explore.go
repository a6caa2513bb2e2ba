package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"proc/interp"
	"proc/runtime"
)

const exploreUsage = `Usage: proc explore FILE.proc [flags]

Runs FILE.proc under every distinct schedule (stateless model checking:
each run replays the script from the start with a forced prefix of
choices) and lists the distinct outcomes — program output and exit status
of every process, faults, deadlock — with how many schedules reach each.
Each outcome comes with a schedule that 'proc run --schedule=S' replays
exactly. Only operations another thread can observe are scheduling points;
interleavings that differ only in the order of independent operations are
run once.

Flags:
  --preemptions K    explore only schedules with at most K preemptions
                     (a switch away from a thread that could have gone on)
  --max-schedules N  stop after N schedules; the result is then incomplete
  --json             one JSON record per outcome, then a summary record
  --set KEY=VALUE    override a config key (repeatable)

Exit status: 0 the search found no failure (fault, failed assert, deadlock,
limit); 1 it found one; 2 the script could not start.
`

func cmdExplore(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("explore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	// Usage goes to stdout for -h (below) and to stderr after a bad flag.
	fs.Usage = func() {}
	preemptions := fs.Int("preemptions", -1, "")
	maxSchedules := fs.Int("max-schedules", 0, "")
	jsonOut := fs.Bool("json", false, "")
	var sets setFlag
	fs.Var(&sets, "set", "")
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
	ceil, err := interp.Ceiling(sets)
	if err != nil {
		fmt.Fprintf(stderr, "proc explore: --set: %v\n", err)
		return 2
	}
	prog, _ := loadScript("", file, true, ceil, stderr)
	if prog == nil {
		return 2
	}
	start := time.Now()
	res, err := interp.Explore(prog, interp.ExploreOptions{Preemptions: *preemptions, MaxSchedules: *maxSchedules, Sets: sets})
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
	if *jsonOut {
		writeExploreJSON(stdout, res)
	} else {
		writeExploreText(stdout, file, res, elapsed)
	}
	if failed {
		return 1
	}
	return 0
}

func writeExploreText(w io.Writer, file string, res *interp.ExploreResult, elapsed time.Duration) {
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
		complete = "incomplete: the search was bounded (--preemptions or --max-schedules)"
	}
	rate := float64(res.Schedules) / elapsed.Seconds()
	fmt.Fprintf(w, "%d %s, %d %s, %d %s, %s; %.0f schedules/s\n", res.Schedules, plural(res.Schedules, "schedule"),
		len(res.Outcomes), plural(len(res.Outcomes), "outcome"), len(res.Races), plural(len(res.Races), "data race"), complete, rate)
}

func plural(n int, w string) string {
	if n == 1 {
		return w
	}
	return w + "s"
}

func writeExploreJSON(w io.Writer, res *interp.ExploreResult) {
	for _, o := range res.Outcomes {
		exit := 0
		for _, e := range o.Exits {
			if strings.HasPrefix(e, "1=") {
				exit, _ = strconv.Atoi(strings.TrimPrefix(e, "1="))
			}
		}
		fmt.Fprintf(w, `{"ev":"outcome","output":%s,"exit":%d,"exits":%s,"faults":%s,"deadlock":%t,"schedules":%d,"schedule":%s}`+"\n",
			jsonString(o.Output), exit, jsonStrings(o.Exits), jsonStrings(o.Faults), o.Deadlock, o.Schedules, jsonString(o.Schedule))
	}
	var races []string
	for _, r := range res.Races {
		races = append(races, fmt.Sprintf(`{"text":%s,"schedule":%s}`, jsonStrings(r.Text), jsonString(r.Schedule)))
	}
	fmt.Fprintf(w, `{"ev":"explore","schedules":%d,"outcomes":%d,"complete":%t,"races":[%s]}`+"\n", res.Schedules, len(res.Outcomes), res.Complete, strings.Join(races, ","))
}

func jsonStrings(ss []string) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = jsonString(s)
	}
	return "[" + strings.Join(parts, ",") + "]"
}
