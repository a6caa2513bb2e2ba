package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	goruntime "runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"proc/grammar"
	"proc/interp"
)

// workIters is the "little work" every worker does: a loop of 10
// iterations of s = s + i (under a hundred instructions with the call).
const workIters = 10

// scaleSets are the --set overrides of every scaling run: limits raised so
// that the configurations fit.
var scaleSets = []string{"max_procs=20000", "max_threads=200000", "max_steps=1000000000000",
	"max_memory=4294967296", "max_slices=1000000000", "max_trace=1099511627776", "max_copy=1099511627776"}

// extraSets are the overrides given with -set, passed on to each child.
var extraSets []string

// figures are what one configuration measured, printed by the child as
// JSON.
type figures struct {
	Config     string  `json:"config"`
	Procs      int     `json:"procs,omitempty"`
	Threads    int     `json:"threads,omitempty"` // worker threads a process (0: the main thread works)
	Lines      int     `json:"lines,omitempty"`
	ParseMS    float64 `json:"parse_ms"`
	CompileMS  float64 `json:"compile_ms"`
	BootMS     float64 `json:"boot_ms"`
	RunMS      float64 `json:"run_ms"`
	CPUMS      float64 `json:"cpu_ms"` // user+system CPU of the whole configuration, GC threads included
	Steps      int64   `json:"steps"`
	Ticks      int64   `json:"ticks"`
	Switches   int64   `json:"switches"`
	RSSBaseKB  int64   `json:"rss_base_kb"`
	RSSPeakKB  int64   `json:"rss_peak_kb"`
	HeapSysMB  float64 `json:"heap_sys_mb"`
	AllocMB    float64 `json:"total_alloc_mb"`
	NumGC      uint32  `json:"num_gc"`
	ResultOK   bool    `json:"ok"`
	ResultText string  `json:"result"`
}

// scaleSeries are the configurations of each series, as child specs.
var scaleSeries = map[string][]string{
	"procs":   {"procs:10", "procs:100", "procs:1000", "procs:10000"},
	"threads": {"threads:100:1", "threads:100:10", "threads:100:100"},
	"target":  {"threads:10000:10"},
	"lines":   {"lines:100", "lines:1000", "lines:10000", "lines:100000"},
}

// runScale runs each configuration of the series in a subprocess of this
// program, so that the peak resident set (VmHWM) is that configuration's
// alone, and prints the tables.
func runScale(series []string, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Println("each configuration runs in a fresh subprocess; peak RSS is its VmHWM, the Go runtime's own baseline included")
	fmt.Printf("a worker does %d iterations of s = s + i; --trace=none; --set %s\n\n", workIters, strings.Join(scaleSets, " --set "))
	var all []figures
	for _, s := range series {
		specs, ok := scaleSeries[s]
		if !ok {
			return fmt.Errorf("unknown series %q (want procs, threads, target, lines)", s)
		}
		for _, spec := range specs {
			f, err := runChildProcess(self, spec, timeout)
			if err != nil {
				fmt.Fprintf(os.Stderr, "bench: %s: %v\n", spec, err)
				f = figures{Config: spec, ResultText: err.Error()}
			}
			all = append(all, f)
			fmt.Fprintf(os.Stderr, "  %s done\n", spec)
		}
	}
	printScale(all)
	return nil
}

// runChildProcess runs `self -child spec` and decodes its figures.
func runChildProcess(self, spec string, timeout time.Duration) (figures, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var out, errw bytes.Buffer
	args := []string{"-info=false", "-child", spec}
	for _, v := range extraSets {
		args = append(args, "-set", v)
	}
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Stdout, cmd.Stderr = &out, &errw
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return figures{}, fmt.Errorf("timed out after %s", time.Since(t0).Round(time.Second))
		}
		return figures{}, fmt.Errorf("%v: %s", err, strings.TrimSpace(errw.String()))
	}
	var f figures
	if err := json.Unmarshal(out.Bytes(), &f); err != nil {
		return figures{}, fmt.Errorf("bad output %q: %v", out.String(), err)
	}
	return f, nil
}

// printScale prints the runs table and the script-size table (each only
// when it has rows).
func printScale(all []figures) {
	var runs, sizes int
	for _, f := range all {
		if strings.HasPrefix(f.Config, "lines:") {
			sizes++
		} else {
			runs++
		}
	}
	if runs > 0 {
		printRuns(all)
	}
	if sizes > 0 {
		printSizes(all)
	}
	fmt.Println("load = parse + compile; boot = NewSession; total = load + boot + run (wall time);")
	fmt.Println("CPU = user+system time of the subprocess from the start of the configuration (GC workers included).")
	fmt.Println("peak RSS = VmHWM of the subprocess; base RSS = its VmHWM before the configuration started.")
	fmt.Println("parse and compile of the script sizes are the medians of 3 runs in one subprocess.")
}

// printRuns prints the table of the process and thread configurations.
func printRuns(all []figures) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "processes\tworker threads/proc\tinstructions\tticks\tswitches\tload\tboot\trun\ttotal\tCPU\tpeak RSS\tbase RSS\tGo heap sys\tallocated\tresult\t")
	for _, f := range all {
		if strings.HasPrefix(f.Config, "lines:") {
			continue
		}
		threads := strconv.Itoa(f.Threads)
		if f.Threads == 0 {
			threads = "0 (main works)"
		}
		load := f.ParseMS + f.CompileMS
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%d\t%.1f ms\t%.1f ms\t%.1f ms\t%.3f s\t%.3f s\t%.0f MB\t%.0f MB\t%.0f MB\t%.0f MB\t%s\t\n",
			f.Procs, threads, f.Steps, f.Ticks, f.Switches, load, f.BootMS, f.RunMS, (load+f.BootMS+f.RunMS)/1000, f.CPUMS/1000,
			float64(f.RSSPeakKB)/1024, float64(f.RSSBaseKB)/1024, f.HeapSysMB, f.AllocMB, resultWord(f))
	}
	tw.Flush()
	fmt.Println()
}

// printSizes prints the table of the script sizes.
func printSizes(all []figures) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "script lines\tparse\tcompile\tparse+compile\tper 1,000 lines\tpeak RSS\tallocated\tresult\t")
	for _, f := range all {
		if !strings.HasPrefix(f.Config, "lines:") {
			continue
		}
		pc := f.ParseMS + f.CompileMS
		per := 0.0
		if f.Lines > 0 {
			per = pc / float64(f.Lines) * 1000
		}
		fmt.Fprintf(tw, "%d\t%.1f ms\t%.1f ms\t%.1f ms\t%.1f ms\t%.0f MB\t%.0f MB\t%s\t\n",
			f.Lines, f.ParseMS, f.CompileMS, pc, per, float64(f.RSSPeakKB)/1024, f.AllocMB, resultWord(f))
	}
	tw.Flush()
	fmt.Println()
}

func resultWord(f figures) string {
	if f.ResultOK {
		return "ok"
	}
	if f.ResultText == "" {
		return "FAILED"
	}
	return "FAILED: " + f.ResultText
}

// runChild runs one configuration and prints its figures as JSON. With
// cpuProf or memProf set, it also writes a CPU or heap profile of it.
func runChild(spec, cpuProf, memProf string) error {
	// The collector as proc's main sets it (cmd/proc/main.go), so that
	// the figures are those of proc run.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(768 << 20)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	f := figures{Config: spec}
	f.RSSBaseKB = vmHWM()
	cpu0 := cpuTime()
	if memProf != "" {
		goruntime.MemProfileRate = 64 << 10
	}
	if cpuProf != "" {
		pf, err := os.Create(cpuProf)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	parts := strings.Split(spec, ":")
	nums := make([]int, len(parts)-1)
	for i, p := range parts[1:] {
		n, err := strconv.Atoi(p)
		if err != nil {
			return fmt.Errorf("bad spec %q", spec)
		}
		nums[i] = n
	}
	var err error
	switch {
	case parts[0] == "procs" && len(nums) == 1:
		f.Procs = nums[0]
		err = runWorkers(&f, procsScript(nums[0]), nums[0])
	case parts[0] == "threads" && len(nums) == 2:
		f.Procs, f.Threads = nums[0], nums[1]
		err = runWorkers(&f, threadsScript(nums[0], nums[1]), nums[0])
	case parts[0] == "lines" && len(nums) == 1:
		err = runLines(&f, nums[0])
	default:
		return fmt.Errorf("bad spec %q (want procs:N, threads:N:T or lines:N)", spec)
	}
	if err != nil {
		return err
	}
	if memProf != "" {
		pf, err := os.Create(memProf)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.Lookup("allocs").WriteTo(pf, 0); err != nil {
			return err
		}
	}
	f.CPUMS = msf(cpuTime() - cpu0)
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	f.RSSPeakKB = vmHWM()
	f.HeapSysMB = float64(ms.HeapSys) / (1 << 20)
	f.AllocMB = float64(ms.TotalAlloc) / (1 << 20)
	f.NumGC = ms.NumGC
	return json.NewEncoder(os.Stdout).Encode(f)
}

// workFunc is the worker every configuration runs.
const workFunc = `func work(n) {
	let s = 0
	for i in 0..n { s = s + i }
	return s
}
`

// procsScript spawns procs processes whose main thread does the work, all
// before waiting for any, and prints how many exited with the right sum.
func procsScript(procs int) string {
	return workFunc + fmt.Sprintf(`let ps = alloc %[1]d * 8
for i in 0..%[1]d { ps[i] = spawn work(%[2]d) }
let good = 0
for i in 0..%[1]d {
	let st = wait ps[i]
	if st == %[3]d { good = good + 1 }
}
free ps
print good
`, procs, workIters, workIters*(workIters-1)/2)
}

// threadsScript spawns procs processes, each of which starts threads
// worker threads, joins them and exits with 1 when every sum was right.
func threadsScript(procs, threads int) string {
	return workFunc + fmt.Sprintf(`func team(t, n) {
	let ts = alloc t * 8
	for j in 0..t { ts[j] = thread work(n) }
	let s = 0
	for j in 0..t {
		let r = join ts[j]
		s = s + r
	}
	free ts
	if s == t * %[4]d { return 1 }
	return 0
}
let ps = alloc %[1]d * 8
for i in 0..%[1]d { ps[i] = spawn team(%[2]d, %[3]d) }
let good = 0
for i in 0..%[1]d {
	let st = wait ps[i]
	good = good + st
}
free ps
print good
`, procs, threads, workIters, workIters*(workIters-1)/2)
}

// runWorkers loads, boots and runs a worker script, expecting it to print
// procs (every process did its work right).
func runWorkers(f *figures, src string, procs int) error {
	t0 := time.Now()
	s, err := grammar.Parse("scale.proc", []byte(src))
	if err != nil {
		return err
	}
	t1 := time.Now()
	prog, err := interp.Compile(s)
	if err != nil {
		return err
	}
	t2 := time.Now()
	var out, errw bytes.Buffer
	sess, err := interp.NewSession(prog, interp.Options{Trace: 0, Sets: scaleSets, Stdout: &out, Stderr: &errw})
	if err != nil {
		return err
	}
	t3 := time.Now()
	res := sess.Run()
	t4 := time.Now()
	f.ParseMS, f.CompileMS, f.BootMS, f.RunMS = msf(t1.Sub(t0)), msf(t2.Sub(t1)), msf(t3.Sub(t2)), msf(t4.Sub(t3))
	f.Steps, f.Ticks = sess.M.Steps(), sess.M.Now()
	th, ps := sess.M.Switches()
	f.Switches = th + ps
	f.ResultText = strings.TrimSpace(out.String())
	if res.ExitCode() != 0 {
		f.ResultText += fmt.Sprintf(" exit %d %s %s", res.ExitCode(), res.Stopped, strings.TrimSpace(errw.String()))
	}
	f.ResultOK = res.ExitCode() == 0 && f.ResultText == strconv.Itoa(procs)
	return nil
}

// runLines parses and compiles a generated script of about lines lines,
// three times, and keeps the median of each step.
func runLines(f *figures, lines int) error {
	src := generatedScript(lines)
	f.Lines = strings.Count(string(src), "\n")
	var parse, compile []time.Duration
	for k := 0; k < 3; k++ {
		t0 := time.Now()
		s, err := grammar.Parse("lines.proc", src)
		if err != nil {
			return err
		}
		t1 := time.Now()
		if _, err := interp.Compile(s); err != nil {
			return err
		}
		t2 := time.Now()
		parse, compile = append(parse, t1.Sub(t0)), append(compile, t2.Sub(t1))
	}
	f.ParseMS, f.CompileMS = msf(median(parse)), msf(median(compile))
	f.ResultOK, f.ResultText = true, "compiled"
	return nil
}

// cpuTime returns the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// msf converts a duration to milliseconds.
func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// vmHWM returns the process's peak resident set size in KiB (VmHWM in
// /proc/self/status), or 0 where that file does not exist.
func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fs := strings.Fields(rest)
			if len(fs) > 0 {
				n, _ := strconv.ParseInt(fs[0], 10, 64)
				return n
			}
		}
	}
	return 0
}
