package interp

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"proc/interp/internal/testkit"
)

// multiCase is a run of OSTEP's multiprocessor scheduling simulator
// (cpu-sched-multi/multi.py): its options and its jobs.
type multiCase struct {
	cpus, quantum, peek, warmup, rate, cache int
	seed                                     int64
	percpu                                   bool
	jobs                                     [][3]string       // name, run time, working set
	affinity                                 map[string]string // job: its CPUs, "0,2"
}

// parseMultiArgs reads the arguments of multi.py that
// testdata/ostep/multi.txt uses.
func parseMultiArgs(t *testing.T, args []string) multiCase {
	c := multiCase{cpus: 2, quantum: 10, peek: 30, warmup: 10, rate: 2, cache: 100, affinity: map[string]string{}}
	num := func(s string) int {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			t.Fatalf("bad number %q", s)
		}
		return n
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "-p" {
			c.percpu = true
			continue
		}
		if i+1 >= len(args) {
			t.Fatalf("%s wants a value", a)
		}
		i++
		v := args[i]
		switch a {
		case "-n":
			c.cpus = num(v)
		case "-q":
			c.quantum = num(v)
		case "-P":
			c.peek = num(v)
		case "-w":
			c.warmup = num(v)
		case "-r":
			c.rate = num(v)
		case "-M":
			c.cache = num(v)
		case "-s":
			c.seed = int64(num(v))
		case "-L":
			for _, j := range strings.Split(v, ",") {
				f := strings.Split(j, ":")
				if len(f) != 3 {
					t.Fatalf("bad job %q", j)
				}
				c.jobs = append(c.jobs, [3]string{f[0], f[1], f[2]})
			}
		case "-A":
			for _, j := range strings.Split(v, ",") {
				f := strings.Split(j, ":")
				if len(f) != 2 {
					t.Fatalf("bad affinity %q", j)
				}
				c.affinity[f[0]] = strings.ReplaceAll(f[1], ".", ",")
			}
		default:
			t.Fatalf("unknown argument %q", a)
		}
	}
	return c
}

// script is the run in proc, as docs/OSTEP.md maps it: a process a job,
// spawned in the job list's order by a main that then ends, computing
// its run time (a job of run time 0 still runs a tick in multi.py: a
// compute 1) with its working set (with {wset}) and its affinity (with
// {cpus}); rr with timer = "periodic" (multi.py's time slices end on
// every CPU at once, every quantum ticks); per-CPU queues with balance =
// "peek" (or "none" for -P 0), the peeks drawing from Python's
// generator; the working-set cache as -M, -w and -r; every cost but
// compute at 0 and the line cache and TLB off.
func (c multiCase) script() string {
	var b strings.Builder
	fmt.Fprintf(&b, "config cpus = %d\nconfig sched = \"rr\"\nconfig quantum = %d\nconfig timer = \"periodic\"\n", c.cpus, c.quantum)
	if c.percpu {
		b.WriteString("config sched_queues = \"percpu\"\n")
		if c.peek > 0 {
			fmt.Fprintf(&b, "config balance = \"peek\"\nconfig peek_interval = %d\n", c.peek)
		} else {
			b.WriteString("config balance = \"none\"\n")
		}
	}
	fmt.Fprintf(&b, "config warm_cache = %d\nconfig warm_time = %d\nconfig warm_rate = %d\n", c.cache, c.warmup, c.rate)
	fmt.Fprintf(&b, "config rng = \"python\"\nconfig seed = %d\n", c.seed)
	b.WriteString("config cost_insn = 0\nconfig cost_spawn = 0\nconfig cost_switch_process = 0\nconfig cost_switch_thread = 0\n")
	b.WriteString(testkit.HWOff)
	b.WriteString("func job(n) {\n    compute n\n}\n")
	for _, j := range c.jobs {
		run, _ := strconv.Atoi(j[1])
		fmt.Fprintf(&b, "spawn job(%d) with {name: %q, wset: %s", max(run, 1), j[0], j[2])
		if cpus, ok := c.affinity[j[0]]; ok {
			fmt.Fprintf(&b, ", cpus: %q", cpus)
		}
		b.WriteString("}\n")
	}
	return b.String()
}

// TestMultiAsOSTEP runs in proc what OSTEP's multi.py ran and requires
// the simulator's -c -t answer tick for tick: in each tick the job each
// CPU runs (so every job's finish time), the finish time of the whole,
// and each CPU's utilization and the share of its ticks run with a warm
// cache. Under one queue and per-CPU queues, with and without affinity,
// peeks at every interval and none, warm-up times, warm rates, cache
// sizes and quanta.
//
// multi.py is not run here: testdata/ostep/multi.txt holds its
// arguments and answers, for the chapter's questions and the README's
// example and for job lists it drew with -s. Two of its behaviours are
// not taken: -o (CPUs taking jobs in a random order), and the test it
// makes when it steals, which compares the CPU with the job's run time
// and working set instead of its affinity list; proc never steals a
// job that has an affinity, which is what multi.py's test does unless
// a job's run time or working set happens to equal the CPU's number.
func TestMultiAsOSTEP(t *testing.T) {
	n := 0
	for _, line := range ostepLines(t, "multi.txt") {
		fields := ostepFields(t, line, 4)
		args := fields[0]
		c := parseMultiArgs(t, strings.Fields(args))
		if got := jobList(c); got != fields[1] {
			t.Fatalf("%s: jobs %s, the data says %s", args, got, fields[1])
		}
		want := strings.Fields(fields[2])
		wantStats := strings.Fields(fields[3])
		got, gotStats := runMulti(t, c)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			for k := 0; k < max(len(got), len(want)); k++ {
				g, w := "(none)", "(none)"
				if k < len(got) {
					g = got[k]
				}
				if k < len(want) {
					w = want[k]
				}
				if g != w {
					t.Errorf("%s: tick %d: proc runs %s, multi.py %s (%d ticks against %d)", args, k, g, w, len(got), len(want))
					break
				}
			}
			continue
		}
		if strings.Join(gotStats, " ") != strings.Join(wantStats, " ") {
			t.Errorf("%s: statistics %v, multi.py %v", args, gotStats, wantStats)
		}
		n++
	}
	if n < 40 && !t.Failed() {
		t.Fatalf("only %d runs compared", n)
	}
}

// jobList is c's jobs as the data lists them.
func jobList(c multiCase) string {
	var parts []string
	for _, j := range c.jobs {
		parts = append(parts, strings.Join(j[:], ":"))
	}
	return strings.Join(parts, ",")
}

// runMulti runs c in proc and returns its timeline as multi.py prints
// it (a word a tick: the job each CPU runs, "-" for none) and its
// statistics (the finish time, then utilization/warm of each CPU).
func runMulti(t *testing.T, c multiCase) (ticks, stats []string) {
	t.Helper()
	prog, err := Load("multi.proc", []byte(c.script()))
	if err != nil {
		t.Fatalf("%v\n%s", err, c.script())
	}
	s, err := NewSession(prog, Options{Stdout: new(strings.Builder), Stderr: new(strings.Builder)})
	if err != nil {
		t.Fatal(err)
	}
	s.M.RecordTimeline(true, false)
	if res := s.Run(); res.ExitCode() != 0 {
		t.Fatalf("exit %d\n%s", res.ExitCode(), c.script())
	}
	rows, cutAt := s.M.Timeline()
	if cutAt >= 0 {
		t.Fatalf("timeline cut at %d", cutAt)
	}
	end := s.M.Now()
	cells := make([][]string, end)
	for k := range cells {
		cells[k] = make([]string, c.cpus)
		for i := range cells[k] {
			cells[k][i] = "-"
		}
	}
	for _, r := range rows {
		if r.PID == 1 {
			continue // main, which runs in no tick
		}
		for _, sp := range r.Spans {
			if sp.State != "running" {
				continue
			}
			cpu := max(sp.CPU-1, 0)
			for k := sp.From; k < sp.To; k++ {
				if cells[k][cpu] != "-" {
					t.Fatalf("tick %d: cpu%d runs %s and %s", k, cpu, cells[k][cpu], r.Name)
				}
				cells[k][cpu] = r.Name
			}
		}
	}
	for _, w := range cells {
		ticks = append(ticks, strings.Join(w, ","))
	}
	busy, _, _ := s.M.CPUTicks()
	warm := s.M.WarmTicks()
	stats = append(stats, strconv.FormatInt(end, 10))
	for i := range busy {
		stats = append(stats, fmt.Sprintf("%.2f/%.2f", 100*float64(busy[i])/float64(end), 100*float64(warm[i])/float64(end)))
	}
	return ticks, stats
}
