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
)

// runStats runs src with the statistics table at the end and returns
// everything it wrote.
func runStats(t *testing.T, file string, src []byte, sets ...string) string {
	t.Helper()
	prog, err := Load(file, src)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var out bytes.Buffer
	s, err := NewSession(prog, Options{Trace: 0, Stats: true, Sets: sets, Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	s.Run()
	return out.String()
}

// statsScripts are runs whose threads end in every way: killed while
// ready, blocked or asleep, left blocked by a deadlock, cut by a limit,
// and seen half way by show stats.
var statsScripts = map[string]string{
	"mid-run": `func nap(n) { sleep n }
func disk() { io 30 }
func spin() { compute 50 }
let m = mutex()
lock m
func locker(m) { lock m; unlock m }
let a = thread nap(40)
let b = thread disk()
let c = thread spin()
let d = thread locker(m)
let e = thread spin() with {name: "T5"}
compute 7
show stats
unlock m
join a
join b
show stats
join c
join d
join e
`,
	"exit kills waiting threads": `func nap() { sleep 100 }
func spin() { compute 100 }
func blocked(m) { lock m }
let m = mutex()
lock m
let a = thread nap()
let b = thread spin()
let c = thread spin()
let d = thread blocked(m)
compute 10
exit 3
`,
	"deadlock": `global m1
global m2
func one() { lock m1; sleep 5; lock m2 }
func two() { lock m2; sleep 5; lock m1 }
m1 = mutex()
m2 = mutex()
let a = thread one()
let b = thread two()
join a
`,
	"step limit": `func spin() { while true { } }
let a = thread spin()
let b = thread spin()
spin()
`,
	"processes and fork": `func child(n) { compute n; return n }
let a = spawn child(30)
let b = spawn child(10) with {name: "B"}
let pid = fork
if pid == 0 { sleep 20; exit 0 }
wait a
wait b
wait pid
`,
}

// TestStatsAddUp: in the table of every example, exercise and script
// above, the figures add up as the documentation says, for the closing
// table and for a table shown half way through a run.
func TestStatsAddUp(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../examples/*.proc")
	ostep, _ := filepath.Glob("../examples/ostep/*.proc")
	more, _ := filepath.Glob("../exercises/*/solution.proc")
	files = append(append(files, ostep...), more...)
	if len(files) < 30 {
		t.Fatalf("found %d scripts", len(files))
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			for _, tb := range testkit.ParseStats(t, runStats(t, f, src, "max_steps=200000")) {
				testkit.CheckAddsUp(t, f, tb)
			}
		})
	}
	for name, src := range statsScripts {
		t.Run(name, func(t *testing.T) {
			out := runStats(t, "t.proc", []byte(src), "max_steps=100000")
			tables := testkit.ParseStats(t, out)
			if name == "mid-run" && len(tables) != 3 {
				t.Fatalf("want 3 tables (two show stats and the closing one), got %d:\n%s", len(tables), out)
			}
			for _, tb := range tables {
				testkit.CheckAddsUp(t, name, tb)
			}
		})
	}
}

// TestStatsThreadRows: each thread has a row with its name, its process,
// and where its life went, in the table and in the JSON record.
func TestStatsThreadRows(t *testing.T) {
	t.Parallel()
	src := `func nap() { sleep 40 }
func work() { compute 20 }
let a = thread nap() with {name: "T1"}
let b = thread work() with {name: "T2"}
join a
join b
`
	out := runStats(t, "t.proc", []byte(src))
	tb := testkit.ParseStats(t, out)[0]
	byName := map[string]map[string]string{}
	for _, r := range tb.Threads {
		byName[r["NAME"]] = r
	}
	t1, t2 := byName["T1"], byName["T2"]
	if t1 == nil || t2 == nil || byName["main"] == nil {
		t.Fatalf("the threads' names are not in the table:\n%s", out)
	}
	// sleep 40 wakes 40 ticks after the instruction started, and the
	// instruction's own tick is CPU.
	if t1["SLEEPING"] != "39" || t1["PID"] != "1" || t2["CPU"] == "0" || byName["main"]["BLOCKED"] == "0" {
		t.Errorf("T1 should sleep 39 ticks, T2 compute, main block in join:\n%s", out)
	}
	testkit.CheckAddsUp(t, "named threads", tb)

	prog, err := Load("t.proc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	s, err := NewSession(prog, Options{JSON: true, Stdout: &buf, Stderr: &buf})
	if err != nil {
		t.Fatal(err)
	}
	s.Run()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	var rec struct {
		Ev    string           `json:"ev"`
		Procs []map[string]any `json:"procs"`
		// The threads, one object each.
		Threads []struct {
			TID, PID                                  int
			Name                                      string
			Start, End, CPU, Ready, Blocked, Sleeping int64
			Switches                                  int64
		} `json:"threads"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rec); err != nil {
		t.Fatalf("the stats record: %v\n%s", err, lines[len(lines)-1])
	}
	if rec.Ev != "stats" || len(rec.Procs) != 1 || len(rec.Threads) != 3 {
		t.Fatalf("the stats record should have one process and three threads:\n%s", lines[len(lines)-1])
	}
	for _, k := range []string{"pid", "name", "host", "exit", "signal", "arrival", "first_run", "finish", "turnaround",
		"response", "wait", "cpu", "threads", "heap_peak", "leaked", "copied_bytes", "cow_copies"} {
		if _, ok := rec.Procs[0][k]; !ok {
			t.Errorf("the process record lost its field %q", k)
		}
	}
	var ready, cpu int64
	for _, th := range rec.Threads {
		ready += th.Ready
		cpu += th.CPU
		if th.End-th.Start != th.CPU+th.Ready+th.Blocked+th.Sleeping {
			t.Errorf("thread %d (%s): its life does not add up: %+v", th.TID, th.Name, th)
		}
		if r := byName[th.Name]; r == nil || fmt.Sprint(th.CPU) != r["CPU"] || fmt.Sprint(th.Sleeping) != r["SLEEPING"] {
			t.Errorf("thread %d (%s) in JSON %+v, in the table %v", th.TID, th.Name, th, r)
		}
	}
	if fmt.Sprint(ready) != fmt.Sprint(rec.Procs[0]["wait"]) || fmt.Sprint(cpu) != fmt.Sprint(rec.Procs[0]["cpu"]) {
		t.Errorf("wait %v and cpu %v are not the sums of the threads' ready %d and cpu %d", rec.Procs[0]["wait"], rec.Procs[0]["cpu"], ready, cpu)
	}
}
