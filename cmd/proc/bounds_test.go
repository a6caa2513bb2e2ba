package main

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"proc/interp"
	procrt "proc/runtime"
)

// TestBounds checks the promise of the README's "Limits": with the default
// limits, any script ends within boundWall, stays under boundRSS, and
// prints at most outputBound bytes; and whatever it does, proc neither
// crashes nor reports an internal error. The scripts are the hostile ones
// in testdata/hostile and mutants of the lessons (mutate_test.go).
//
// It measures wall time, so it only runs when asked:
//
//	PROC_BOUNDS=1 go test -run TestBounds -timeout 0 -v ./cmd/proc
//
// PROC_BOUNDS_MUTANTS=N runs the first N mutants (default 300; 0 or "all"
// for every one of mutantCount), PROC_BOUNDS_RUN=REGEX only the scripts
// whose name matches, PROC_BOUNDS_J=N runs N at once (default 2: the
// promise is for a 2-core machine), PROC_BOUNDS_KILL=DURATION changes the
// hard kill (default 60s), and PROC_BOUNDS_KEEP=DIR writes every mutant
// that broke a bound to DIR, to be run again by hand.

// boundsChildEnv makes the test binary act as proc (see TestMain).
const boundsChildEnv = "PROC_BOUNDS_CHILD"

const (
	boundWall = 10 * time.Second
	boundRSS  = 1_000_000_000 // bytes
	// reportSlack is room for what comes after the limits stop a run:
	// the stop message, leak reports and the like.
	reportSlack = 64 << 10
	// rssCap kills a run that would otherwise take the whole machine down;
	// it is far enough above boundRSS to show by how much a run breaks it.
	rssCap = 4 << 30
	// defaultKill is when a run is killed: long enough to see how far
	// past boundWall it goes, short enough to run them all.
	defaultKill = 60 * time.Second
)

// outputBound is the most that stdout and stderr together may carry: the
// program's output, the trace and views, and the final reports.
func outputBound() int64 {
	return procrt.DefaultConfig().MaxOutput + procrt.DefaultConfig().MaxTrace + reportSlack
}

// boundsJob is one run of one script.
type boundsJob struct {
	name  string // the script's file name
	what  string // for a mutant: where it came from and how it was changed
	file  string // absolute path
	trace string // "all" or "none"
	src   []byte // for a mutant, to keep it
}

type boundsResult struct {
	job      boundsJob
	wall     time.Duration
	rss      int64 // bytes
	out      int64 // bytes on stdout and stderr
	exit     int   // -1 when a signal ended it
	signal   syscall.Signal
	killed   string // why the harness killed it, or ""
	goTrace  string // the first line of a Go stack trace on stderr, or ""
	startErr error
}

// problems lists the bounds a run broke.
func (r boundsResult) problems() []string {
	var p []string
	if r.startErr != nil {
		return []string{"could not start: " + r.startErr.Error()}
	}
	if r.wall > boundWall {
		p = append(p, fmt.Sprintf("wall %.1fs > %s", r.wall.Seconds(), boundWall))
	}
	if r.rss > boundRSS {
		p = append(p, fmt.Sprintf("RSS %s > 1 GB", mib(r.rss)))
	}
	if b := outputBound(); r.out > b {
		p = append(p, fmt.Sprintf("output %d bytes > %d", r.out, b))
	}
	if r.killed != "" {
		p = append(p, "killed by the harness: "+r.killed)
	} else if r.exit < 0 {
		p = append(p, "killed by signal "+r.signal.String())
	}
	if r.exit == 3 {
		p = append(p, "exit status 3 (internal error)")
	}
	if r.goTrace != "" {
		p = append(p, "Go stack trace on stderr: "+r.goTrace)
	}
	return p
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func TestBounds(t *testing.T) {
	if os.Getenv("PROC_BOUNDS") != "1" {
		t.Skip("measures wall time: run with PROC_BOUNDS=1 (see the comment on TestBounds)")
	}
	if runtime.GOOS != "linux" {
		t.Skip("peak memory is read the Linux way")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	nMutants := 300
	switch v := os.Getenv("PROC_BOUNDS_MUTANTS"); v {
	case "":
	case "0", "all":
		nMutants = mutantCount
	default:
		if nMutants, err = strconv.Atoi(v); err != nil || nMutants < 0 {
			t.Fatalf("PROC_BOUNDS_MUTANTS=%q: want a count or all", v)
		}
	}
	workers := 2
	if v := os.Getenv("PROC_BOUNDS_J"); v != "" {
		if workers, err = strconv.Atoi(v); err != nil || workers < 1 {
			t.Fatalf("PROC_BOUNDS_J=%q: want a count", v)
		}
	}
	kill := defaultKill
	if v := os.Getenv("PROC_BOUNDS_KILL"); v != "" {
		if kill, err = time.ParseDuration(v); err != nil {
			t.Fatalf("PROC_BOUNDS_KILL: %v", err)
		}
	}
	var filter *regexp.Regexp
	if v := os.Getenv("PROC_BOUNDS_RUN"); v != "" {
		if filter, err = regexp.Compile(v); err != nil {
			t.Fatalf("PROC_BOUNDS_RUN: %v", err)
		}
	}

	var scripts []boundsJob
	hostile, _ := filepath.Glob("testdata/hostile/*.proc")
	if len(hostile) == 0 {
		t.Fatal("no scripts in testdata/hostile")
	}
	for _, h := range hostile {
		abs, _ := filepath.Abs(h)
		scripts = append(scripts, boundsJob{name: filepath.Base(h), what: "hostile", file: abs})
	}
	ls, err := lessons("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, m := range makeMutants(mutantSeed, nMutants, ls) {
		file := filepath.Join(dir, m.Name+".proc")
		if err := os.WriteFile(file, m.Src, 0o644); err != nil {
			t.Fatal(err)
		}
		scripts = append(scripts, boundsJob{name: m.Name + ".proc", what: m.From + ": " + strings.Join(m.What, "; "), file: file, src: m.Src})
	}
	var jobs []boundsJob
	for _, s := range scripts {
		if filter != nil && !filter.MatchString(s.name) {
			continue
		}
		for _, tr := range []string{"all", "none"} {
			j := s
			j.trace = tr
			jobs = append(jobs, j)
		}
	}
	t.Logf("%d runs, %d at once; bounds: wall %s, RSS 1 GB, output %d bytes; killed at %s or %s RSS",
		len(jobs), workers, boundWall, outputBound(), kill, mib(rssCap))

	keep := os.Getenv("PROC_BOUNDS_KEEP")
	results := make([]boundsResult, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for i := range next {
				r := runBounded(exe, dir, jobs[i], kill)
				results[i] = r
				if p := r.problems(); len(p) > 0 {
					t.Errorf("%s [trace=%s] (%s): %s\n    wall %.1fs, RSS %s, output %d bytes, exit %s",
						r.job.name, r.job.trace, r.job.what, strings.Join(p, "; "),
						r.wall.Seconds(), mib(r.rss), r.out, exitText(r))
					if keep != "" && r.job.src != nil {
						if err := os.MkdirAll(keep, 0o755); err == nil {
							os.WriteFile(filepath.Join(keep, r.job.name), r.job.src, 0o644)
						}
					}
				}
			}
		})
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()

	exits := map[string]int{}
	for _, r := range results {
		if r.job.src != nil {
			exits[exitText(r)]++
		}
	}
	t.Logf("all runs took %s; mutant runs by exit: %v", time.Since(start).Round(time.Second), exits)
	t.Log("the slowest runs:\n" + boundsTable(results, 20))
}

func exitText(r boundsResult) string {
	switch {
	case r.killed != "":
		return "killed (" + r.killed + ")"
	case r.exit < 0:
		return r.signal.String()
	}
	return strconv.Itoa(r.exit)
}

// boundsTable shows the n slowest runs, so that the margins under the
// bounds can be seen, not only the runs that broke them.
func boundsTable(results []boundsResult, n int) string {
	rs := slices.Clone(results)
	slices.SortStableFunc(rs, func(a, b boundsResult) int { return cmp.Compare(b.wall, a.wall) })
	rs = rs[:min(n, len(rs))]
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "wall\tRSS\toutput\texit\t\t")
	for _, r := range rs {
		fmt.Fprintf(w, "%.2fs\t%s\t%d\t%s\t\t%s [trace=%s] %s\n", r.wall.Seconds(), mib(r.rss), r.out, exitText(r), r.job.name, r.job.trace, r.job.what)
	}
	w.Flush()
	return b.String()
}

// runBounded runs one job in a process of its own and measures it.
func runBounded(exe, dir string, j boundsJob, kill time.Duration) boundsResult {
	r := boundsResult{job: j}
	args := []string{"run", j.file}
	if j.trace != "all" {
		args = append(args, "--trace="+j.trace)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), boundsChildEnv+"=1")
	cmd.Dir = dir
	var stdout counter
	stderr := &stderrWatch{}
	cmd.Stdout = &stdout
	cmd.Stderr = stderr
	// After a kill, the copying of what is left in the pipes must not
	// hold the harness.
	cmd.WaitDelay = 5 * time.Second
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		r.startErr = err
		return r
	}
	var mu sync.Mutex
	done := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		deadline := time.NewTimer(kill)
		defer deadline.Stop()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-deadline.C:
				mu.Lock()
				r.killed = fmt.Sprintf("over %s", kill)
				mu.Unlock()
				cmd.Process.Kill()
				return
			case <-tick.C:
				if rss := currentRSS(cmd.Process.Pid); rss > rssCap {
					mu.Lock()
					r.killed = "over " + mib(rssCap) + " RSS"
					mu.Unlock()
					cmd.Process.Kill()
					return
				}
			}
		}
	}()
	cmd.Wait()
	r.wall = time.Since(begin)
	close(done)
	<-watched
	st := cmd.ProcessState
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		r.rss = ru.Maxrss << 10 // KiB on Linux
	}
	r.exit = st.ExitCode()
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		r.signal = ws.Signal()
	}
	r.out = stdout.n + stderr.n
	r.goTrace = stderr.goTrace()
	return r
}

// currentRSS reads a process's resident memory now, in bytes; 0 when it
// cannot be read.
func currentRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// counter counts the bytes written to it and keeps none: a run may print
// gigabytes.
type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// stderrWatch counts stderr and keeps its beginning and end, where a Go
// panic or fatal error would show.
type stderrWatch struct {
	n          int64
	head, tail []byte
}

const watchKeep = 64 << 10

func (w *stderrWatch) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	if room := watchKeep - len(w.head); room > 0 {
		w.head = append(w.head, p[:min(room, len(p))]...)
	}
	w.tail = append(w.tail, p...)
	if len(w.tail) > 2*watchKeep {
		w.tail = append([]byte(nil), w.tail[len(w.tail)-watchKeep:]...)
	}
	return len(p), nil
}

var goTraceLine = regexp.MustCompile(`(?m)^(panic: |fatal error: |goroutine \d+ \[).*$`)

func (w *stderrWatch) goTrace() string {
	for _, b := range [][]byte{w.head, w.tail} {
		if m := goTraceLine.Find(b); m != nil {
			return string(bytes.TrimSpace(m))
		}
	}
	return ""
}

// TestMutants checks, without running anything, that the mutants are the
// same on every machine and mostly scripts that load: a mutant that does
// not load tests nothing but the parser.
func TestMutants(t *testing.T) {
	t.Parallel()
	ls, err := lessons("../..")
	if err != nil {
		t.Fatal(err)
	}
	a := makeMutants(mutantSeed, mutantCount, ls)
	b := makeMutants(mutantSeed, mutantCount, ls)
	if len(a) != mutantCount {
		t.Fatalf("%d mutants, want %d", len(a), mutantCount)
	}
	if first := makeMutants(mutantSeed, 10, ls); !slices.EqualFunc(first, a[:10], sameMutant) {
		t.Errorf("the first 10 mutants depend on how many are made")
	}
	orig := map[string][]byte{}
	for _, l := range ls {
		orig[l.Path] = l.Src
	}
	kinds := map[string]int{}
	distinct := map[string]bool{}
	failed := 0
	for i := range a {
		if !sameMutant(a[i], b[i]) {
			t.Fatalf("mutant %d differs between two runs:\n%s\n%s", i, a[i], b[i])
		}
		if bytes.Equal(a[i].Src, orig[a[i].From]) {
			t.Errorf("%s is its lesson unchanged", a[i])
		}
		distinct[string(a[i].Src)] = true
		for _, w := range a[i].What {
			k, _, _ := strings.Cut(w, ":")
			kinds[k]++
		}
		if _, err := interp.Load(a[i].Name+".proc", a[i].Src); err != nil {
			failed++
		}
	}
	if failed*5 > len(a) {
		t.Errorf("%d of %d mutants do not load; want at most a fifth", failed, len(a))
	}
	// Small lessons have few places to change, so some mutants repeat.
	if len(distinct)*100 < len(a)*85 {
		t.Errorf("only %d distinct mutants of %d", len(distinct), len(a))
	}
	for _, k := range mutationKinds {
		if kinds[k.name] < 20 {
			t.Errorf("mutation %s applied %d times; want at least 20", k.name, kinds[k.name])
		}
	}
	t.Logf("%d mutants, %d distinct, %d do not load; mutations: %v", len(a), len(distinct), failed, kinds)
}

func sameMutant(a, b mutant) bool {
	return a.Name == b.Name && a.From == b.From && slices.Equal(a.What, b.What) && bytes.Equal(a.Src, b.Src)
}

// TestHostileScripts checks that each hostile script says what it attacks
// and loads: one that did not would attack only the parser. Those named
// config-* try to raise a limit with a config line, and must be refused.
func TestHostileScripts(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/hostile/*.proc")
	if len(files) == 0 {
		t.Fatal("no scripts in testdata/hostile")
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(src, []byte("# ")) {
			t.Errorf("%s: the first line should be a comment saying what it attacks", f)
		}
		_, err = interp.Load(filepath.Base(f), src)
		if strings.HasPrefix(filepath.Base(f), "config-") {
			if err == nil || !strings.Contains(err.Error(), "raises a limit") {
				t.Errorf("%s: raising a limit was not refused: %v", f, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
