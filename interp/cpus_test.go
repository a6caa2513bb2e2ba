package interp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"proc/interp/internal/testkit"
	"proc/runtime"
)

// multiConfigs are the machines of several CPUs the tests run scripts on.
var multiConfigs = [][]string{
	{"cpus=2"},
	{"cpus=3", "sched_queues=percpu", "tlb_entries=16", "cache_lines=64"},
	{"cpus=4", "sched=mlfq", "quantum=2"},
	{"cpus=3", "sched_queues=percpu", "balance=peek", "peek_interval=7", "timer=periodic", "quantum=5", "warm_cache=100", "rng=python"},
	{"cpus=2", "timer=periodic", "quantum=3", "warm_cache=50", "warm_time=0", "warm_rate=3"},
	{"cpus=4", "sched_queues=percpu", "balance=none", "sched=lottery"},
}

// TestCPUsRunEverything runs every example, exercise solution and
// statistics script on machines of several CPUs: each run ends, twice the
// same bytes, and its statistics add up (with each CPU's row).
func TestCPUsRunEverything(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../examples/*.proc")
	ostep, _ := filepath.Glob("../examples/ostep/*.proc")
	more, _ := filepath.Glob("../exercises/*/solution.proc")
	files = append(append(files, ostep...), more...)
	scripts := map[string][]byte{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		scripts[filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f)] = src
	}
	for name, src := range statsScripts {
		scripts[name] = []byte(src)
	}
	for name, src := range scripts {
		for _, sets := range multiConfigs {
			sets := append([]string{"max_steps=200000"}, sets...)
			out := runStats(t, name, src, sets...)
			if again := runStats(t, name, src, sets...); again != out {
				t.Errorf("%s with %v: two runs differ", name, sets)
				continue
			}
			tables := testkit.ParseStats(t, out)
			for _, tb := range tables {
				if tb.CPUs == 0 {
					t.Errorf("%s with %v: no CPU rows in the statistics:\n%s", name, sets, out)
				}
				testkit.CheckAddsUp(t, name+" "+strings.Join(sets, " "), tb)
			}
		}
	}
}

// jsonEvents runs src with every category in JSON and returns the events.
func jsonEvents(t *testing.T, src string, sets ...string) []map[string]any {
	t.Helper()
	prog, err := Load("t.proc", []byte(src))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	var out bytes.Buffer
	s, err := NewSession(prog, Options{Trace: runtime.CatAll | runtime.CatInsn, JSON: true, Sets: sets, Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	s.Run()
	var evs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var e map[string]any
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("not JSON: %s", l)
		}
		evs = append(evs, e)
	}
	return evs
}

const fourWorkers = `func work(n) {
    let s = 0
    for i in 0..n {
        s = s + i
    }
    return s
}
let a = thread work(40)
let b = thread work(40)
let c = thread work(40) with {cpu: 1}
let d = thread work(40)
print join a, join b, join c, join d
`

// TestCPUsPin: a thread pinned with {cpu: N} runs on CPU N only, under
// one shared queue and a queue per CPU; the others run on every CPU.
func TestCPUsPin(t *testing.T) {
	t.Parallel()
	for _, q := range []string{"global", "percpu"} {
		ran := map[float64]map[float64]bool{} // tid -> CPUs it ran on
		for _, e := range jsonEvents(t, fourWorkers, "cpus=3", "sched_queues="+q) {
			if e["ev"] == "stats" {
				continue
			}
			cpu, ok := e["cpu"].(float64)
			if !ok {
				t.Fatalf("%s: an event of the run without its CPU: %v", q, e)
			}
			tid, _ := e["tid"].(float64)
			if e["ev"] == "insn" {
				if ran[tid] == nil {
					ran[tid] = map[float64]bool{}
				}
				ran[tid][cpu] = true
			}
		}
		if len(ran[4]) != 1 || !ran[4][1] {
			t.Errorf("%s: the pinned thread ran on %v, want only cpu 1", q, ran[4])
		}
		used := map[float64]bool{}
		for _, cpus := range ran {
			for c := range cpus {
				used[c] = true
			}
		}
		if len(used) != 3 {
			t.Errorf("%s: the threads ran on CPUs %v, want all three", q, used)
		}
	}
	_, errw, _ := run(t, `let t = thread f() with {cpu: 2}
func f() { }
join t
`, "cpus=2")
	if !strings.Contains(errw, "with cpu: want a CPU from 0 to 1 (cpus = 2), not 2") || !strings.Contains(errw, "killed by SIGABRT") {
		t.Errorf("a CPU the machine lacks should be refused:\n%s", errw)
	}
}

// TestCPUsAffinity: with a queue per CPU a thread migrates only when an
// idle CPU steals it, and each migration follows a steal; with the shared
// queue the same threads migrate all along.
func TestCPUsAffinity(t *testing.T) {
	t.Parallel()
	src := strings.Replace(fourWorkers, " with {cpu: 1}", "", 1)
	count := func(q string) (migrations, steals int) {
		stolen := map[float64]bool{}
		for _, e := range jsonEvents(t, src, "cpus=2", "sched_queues="+q) {
			tid, _ := e["tid"].(float64)
			switch e["ev"] {
			case "steal":
				stolen[tid] = true
				steals++
			case "migrate":
				migrations++
				if q == "percpu" && !stolen[tid] {
					t.Errorf("percpu: thread %v migrated without being stolen: %v", tid, e)
				}
				delete(stolen, tid)
			}
		}
		return migrations, steals
	}
	pm, ps := count("percpu")
	gm, gs := count("global")
	if ps == 0 || gs != 0 || pm > ps || gm < 4*max(pm, 1) {
		t.Errorf("percpu: %d migrations, %d steals; global: %d migrations, %d steals", pm, ps, gm, gs)
	}
}

// TestCPUsParallel: four threads of work on four CPUs end in about a
// quarter of the time they take on one, and the statistics say each CPU
// was busy.
func TestCPUsParallel(t *testing.T) {
	t.Parallel()
	src := strings.Replace(fourWorkers, " with {cpu: 1}", "", 1)
	ticks := func(cpus string) int64 {
		out := runStats(t, "t.proc", []byte(src), "cpus="+cpus)
		tb := testkit.ParseStats(t, out)[0]
		for _, r := range tb.Procs {
			return testkit.Atoi(t, r["FINISH"])
		}
		return 0
	}
	one, four := ticks("1"), ticks("4")
	if four*3 > one {
		t.Errorf("four CPUs take %d ticks, one %d: want about a quarter", four, one)
	}
}

// TestCPUsCoherence: two threads on two CPUs that store into one cache
// line miss on it at nearly every access (false sharing); a line apart,
// they do not.
func TestCPUsCoherence(t *testing.T) {
	t.Parallel()
	src := func(pad int) string {
		var b strings.Builder
		b.WriteString("global a = 0\n")
		for i := range pad {
			b.WriteString("global pad" + string(rune('a'+i)) + " = 0\n")
		}
		b.WriteString(`global b = 0
func fa(n) { for i in 0..n { a = a + 1 } }
func fb(n) { for i in 0..n { b = b + 1 } }
let x = thread fa(50)
let y = thread fb(50)
join x
join y
`)
		return b.String()
	}
	coherence := func(pad int) (n int64) {
		evs := jsonEvents(t, src(pad), "cpus=2", "cache_lines=256", "tlb_entries=32")
		var rec struct {
			HW struct {
				Threads []struct {
					TID       int   `json:"tid"`
					Coherence int64 `json:"coherence"`
				} `json:"threads"`
			} `json:"hw"`
		}
		last, _ := json.Marshal(evs[len(evs)-1])
		if err := json.Unmarshal(last, &rec); err != nil || len(rec.HW.Threads) != 3 {
			t.Fatalf("no hardware statistics: %s", last)
		}
		for _, th := range rec.HW.Threads {
			n += th.Coherence
		}
		return n
	}
	if near, far := coherence(0), coherence(7); near < 60 || far != 0 {
		t.Errorf("coherence misses: %d with both counters in one line, %d a line apart", near, far)
	}
}

// TestCPUsChooserRunsOnOne: under a chooser (explore, --schedule) a
// machine of several CPUs runs on one, and says nothing of CPUs.
func TestCPUsChooserRunsOnOne(t *testing.T) {
	t.Parallel()
	prog, err := Load("t.proc", []byte(fourWorkers))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s, err := NewSession(prog, Options{Trace: runtime.CatAll, Sets: []string{"cpus=4"}, Chooser: turnChooser{}, Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	s.Run()
	if s.M.CPUs() != 1 || strings.Contains(out.String(), "cpu1") {
		t.Errorf("a chooser's run should have one CPU, has %d:\n%s", s.M.CPUs(), out.String())
	}
}

// TestOneCPUIsTheDefault: cpus = 1 said aloud changes no byte.
func TestOneCPUIsTheDefault(t *testing.T) {
	t.Parallel()
	a, _ := runTraced(t, fourWorkers, runtime.CatAll)
	b, _ := runTraced(t, fourWorkers, runtime.CatAll, "cpus=1", "sched_queues=percpu")
	if a != b {
		t.Errorf("cpus=1 changes the run:\n%s", firstDiff(a, b))
	}
}

// TestCPUsPinnedWakeUp: a thread pinned to a CPU that idles, woken by a
// timer that another idle CPU fires, wakes the CPU it may run on (it was
// once left in the queue, and the run ended in a false deadlock).
func TestCPUsPinnedWakeUp(t *testing.T) {
	t.Parallel()
	src := `func f() {
    sleep 10
    print "woke"
}
let t = thread f() with {cpu: 1}
join t
print "done"
`
	for _, q := range []string{"global", "percpu"} {
		out, errw, res := run(t, src, "cpus=2", "sched_queues="+q)
		if out != "woke\ndone\n" || res.ExitCode() != 0 {
			t.Errorf("%s: exit %d, output %q\n%s", q, res.ExitCode(), out, errw)
		}
		evs := jsonEvents(t, src, "cpus=2", "sched_queues="+q)
		for _, e := range evs {
			if e["ev"] == "print" && e["text"] == "woke" && e["cpu"] != 1.0 {
				t.Errorf("%s: the pinned thread printed on cpu %v", q, e["cpu"])
			}
		}
	}
}

// TestCPUsAffinitySet: with {cpus: "..."} keeps a thread on the CPUs it
// names, under one queue and per-CPU queues, and bad sets are refused.
func TestCPUsAffinitySet(t *testing.T) {
	t.Parallel()
	src := `func f() { compute 20 }
let a = thread f() with {cpus: "1,2"}
let b = thread f() with {cpus: "2"}
let c = thread f()
let d = thread f()
join a
join b
join c
join d
`
	for _, q := range []string{"global", "percpu"} {
		for _, bal := range []string{"idle", "peek", "none"} {
			ran := map[float64]map[float64]bool{}
			for _, e := range jsonEvents(t, src, "cpus=3", "sched_queues="+q, "balance="+bal, "peek_interval=3", "quantum=2") {
				if e["ev"] != "insn" {
					continue
				}
				tid, _ := e["tid"].(float64)
				cpu, _ := e["cpu"].(float64)
				if ran[tid] == nil {
					ran[tid] = map[float64]bool{}
				}
				ran[tid][cpu] = true
			}
			if ran[2][0] || len(ran[2]) == 0 {
				t.Errorf("%s/%s: thread a (cpus 1,2) ran on %v", q, bal, ran[2])
			}
			if len(ran[3]) != 1 || !ran[3][2] {
				t.Errorf("%s/%s: thread b (cpus 2) ran on %v", q, bal, ran[3])
			}
		}
	}
	for _, bad := range []string{`"3"`, `"0,x"`, `""`, `"-1"`} {
		_, errw, _ := run(t, "let t = thread f() with {cpus: "+bad+"}\nfunc f() { }\njoin t\n", "cpus=3")
		if !strings.Contains(errw, "with cpus: want CPU numbers from 0 to 2 separated by commas (cpus = 3)") || !strings.Contains(errw, "killed by SIGABRT") {
			t.Errorf("cpus %s should be refused:\n%s", bad, errw)
		}
	}
	_, errw, _ := run(t, "let t = thread f() with {cpus: 1}\nfunc f() { }\njoin t\n", "cpus=3")
	if !strings.Contains(errw, "with cpus: want a string") {
		t.Errorf("an int for cpus should be refused:\n%s", errw)
	}
	_, errw, _ = run(t, "let t = thread f() with {wset: -1}\nfunc f() { }\njoin t\n")
	if !strings.Contains(errw, "with wset: want a working set from 0 to") {
		t.Errorf("a negative working set should be refused:\n%s", errw)
	}
}

// TestPeriodicTimer: with timer = "periodic" time slices end at the
// multiples of the quantum, on every CPU at once, wherever a thread
// started; one-shot slices count from the switch.
func TestPeriodicTimer(t *testing.T) {
	t.Parallel()
	src := `config cost_insn = 0
config cost_thread = 0
config cost_switch_thread = 0
func f() { compute 30 }
compute 3
let a = thread f()
let b = thread f()
let c = thread f()
join a
join b
join c
`
	prog, err := Load("p.proc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, cpus := range []string{"1", "2"} {
		for _, timer := range []string{"periodic", "oneshot"} {
			s, err := NewSession(prog, Options{Sets: []string{"cpus=" + cpus, "timer=" + timer, "quantum=10", "tlb_entries=0", "cache_lines=0"},
				Stdout: new(strings.Builder), Stderr: new(strings.Builder)})
			if err != nil {
				t.Fatal(err)
			}
			s.M.RecordTimeline(true, false)
			s.Run()
			rows, _ := s.M.Timeline()
			// The ends of the slices that a thread's end did not end.
			var ends []int64
			for _, r := range rows {
				var runs []int64
				for _, sp := range r.Spans {
					if sp.State == "running" {
						runs = append(runs, sp.To)
					}
				}
				if r.TID > 1 && len(runs) > 0 {
					ends = append(ends, runs[:len(runs)-1]...)
				}
			}
			aligned := len(ends) > 0
			for _, e := range ends {
				if e%10 != 0 {
					aligned = false
				}
			}
			if timer == "periodic" && !aligned {
				t.Errorf("cpus=%s: periodic slices end at %v, want multiples of the quantum", cpus, ends)
			}
			if timer == "oneshot" && aligned {
				t.Errorf("cpus=%s: one-shot slices end at %v, all multiples of the quantum", cpus, ends)
			}
		}
	}
}

// TestWarmCache: a thread alone on a CPU computes warm_rate times as fast
// once its working set is in the cache, never when it does not fit, and
// threads whose working sets do not fit together push each other out.
func TestWarmCache(t *testing.T) {
	t.Parallel()
	end := func(wset, cache, warmup, rate int, extra ...string) float64 {
		src := fmt.Sprintf(`config cost_insn = 0
config warm_cache = %d
config warm_time = %d
config warm_rate = %d
func f() { compute 100 }
let a = thread f() with {wset: %d}
join a
`, cache, warmup, rate, wset)
		var last float64
		for _, e := range jsonEvents(t, src, append([]string{"tlb_entries=0", "cache_lines=0", "cost_thread=0", "cost_switch_thread=0"}, extra...)...) {
			if e["ev"] == "exit" || e["ev"] == "stats" {
				continue
			}
			if e["tid"] == 2.0 {
				last, _ = e["t"].(float64)
			}
		}
		return last
	}
	// Cold 10 ticks (10 units), then 2 units a tick: 10 + 45.
	if got := end(50, 100, 10, 2); got != 55 {
		t.Errorf("warm after 10 ticks at rate 2: ends at %v, want 55", got)
	}
	if got := end(50, 100, 0, 4); got != 25 {
		t.Errorf("warm at once at rate 4: ends at %v, want 25", got)
	}
	if got := end(200, 100, 10, 2); got != 100 {
		t.Errorf("a working set larger than the cache: ends at %v, want 100", got)
	}
	if got := end(50, 0, 10, 2); got != 100 {
		t.Errorf("warm_cache = 0 (no model): ends at %v, want 100", got)
	}
	// Under a chooser (explore, --schedule) the model is off.
	prog, err := Load("w.proc", []byte("config cost_insn = 0\nconfig warm_cache = 100\nfunc f() { compute 100 }\nlet a = thread f() with {wset: 10}\njoin a\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSession(prog, Options{Chooser: turnChooser{}, Sets: []string{"tlb_entries=0", "cache_lines=0"}, Stdout: new(strings.Builder), Stderr: new(strings.Builder)})
	if err != nil {
		t.Fatal(err)
	}
	s.Run()
	if s.M.WarmOn() {
		t.Errorf("the working-set cache is on under a chooser")
	}
}

// TestWarmAndPeekEvents: the trace says when a working set comes into a
// CPU's cache and what it pushes out, and when a peek moves a thread.
func TestWarmAndPeekEvents(t *testing.T) {
	t.Parallel()
	src := `config cost_insn = 0
config warm_cache = 100
config warm_time = 5
func f(n) { compute n }
let a = thread f(40) with {wset: 60, cpus: "0"}
let b = thread f(40) with {wset: 60, cpus: "0"}
let c = thread f(20)
let d = thread f(20)
join a
join b
join c
join d
`
	var warm, pushed, steals int
	for _, e := range jsonEvents(t, src, "cpus=2", "sched_queues=percpu", "balance=peek", "peek_interval=10", "quantum=5",
		"tlb_entries=0", "cache_lines=0", "cost_thread=0", "cost_switch_thread=0") {
		text, _ := e["text"].(string)
		switch e["ev"] {
		case "warm":
			warm++
			if e["wset"] != 60.0 && e["wset"] != 0.0 || !strings.Contains(text, "is in the cache of cpu") {
				t.Errorf("a warm event: %v", e)
			}
			if strings.Contains(text, "pushed out") {
				pushed++
			}
		case "steal":
			steals++
			if !strings.Contains(text, "peeked at, chosen at random") || e["from"] == nil {
				t.Errorf("a steal event: %v", e)
			}
		}
	}
	// a and b (60 each) take turns on cpu0, whose cache holds one of them.
	if warm == 0 || pushed == 0 {
		t.Errorf("%d warm events, %d pushing out: want both", warm, pushed)
	}
	if steals == 0 {
		t.Errorf("no thread was stolen at a peek")
	}
}
