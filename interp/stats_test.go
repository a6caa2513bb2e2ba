package interp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// statsTable is the statistics table as a reader sees it: the process
// rows, the thread rows and the totals, by column name.
type statsTable struct {
	procs, threads []map[string]string
	busy           int64
	switches       int64
}

// parseStats reads every statistics table in out (a run's closing table
// and the tables of show stats); it fails the test when a table has no
// thread rows.
func parseStats(t *testing.T, out string) []statsTable {
	t.Helper()
	var tables []statsTable
	var cur *statsTable
	var head []string
	var rows *[]map[string]string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 2 && f[0] == "PID" && f[1] == "NAME":
			tables = append(tables, statsTable{})
			cur = &tables[len(tables)-1]
			head, rows = f, &cur.procs
		case cur != nil && len(f) > 2 && f[0] == "TID":
			head, rows = f, &cur.threads
		case cur != nil && rows != nil && len(f) == len(head) && isNumber(f[0]):
			row := map[string]string{}
			for i, h := range head {
				row[h] = f[i]
			}
			*rows = append(*rows, row)
		case cur != nil && len(f) > 3 && f[0] == "ticks":
			// ticks N: busy B (P% CPU utilization), idle I, switching S
			cur.busy = atoi(t, f[3])
			if ticks, idle, sw := atoi(t, f[1]), atoi(t, f[len(f)-3]), atoi(t, f[len(f)-1]); cur.busy+idle+sw != ticks {
				t.Errorf("busy + idle + switching is not the ticks: %s", line)
			}
			rows = nil
		case cur != nil && len(f) > 6 && f[0] == "switches:":
			// switches: P process (cost C each), T thread (cost C each); ...
			cur.switches = atoi(t, f[1]) + atoi(t, f[6])
			cur = nil
		}
	}
	for _, tb := range tables {
		if len(tb.threads) == 0 {
			t.Fatalf("a statistics table has no thread rows:\n%s", out)
		}
	}
	return tables
}

func isNumber(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(strings.TrimRight(s, ",;:"), 10, 64)
	if err != nil {
		t.Fatalf("not a number in the statistics: %q", s)
	}
	return n
}

// checkAddsUp checks what the documentation promises a reader can check:
// each thread's LIFE is END - START and CPU + READY + BLOCKED + SLEEPING;
// a process's WAIT and CPU are the sums of its threads' READY and CPU;
// the threads' CPU adds up to the busy ticks and their switches to the
// machine's.
func checkAddsUp(t *testing.T, name string, tb statsTable) {
	t.Helper()
	n := func(row map[string]string, col string) int64 {
		v, ok := row[col]
		if !ok {
			t.Fatalf("%s: no column %s in %v", name, col, row)
		}
		return atoi(t, v)
	}
	ready, cpu, count := map[string]int64{}, map[string]int64{}, map[string]int{}
	var busy, switches int64
	for _, r := range tb.threads {
		life := n(r, "LIFE")
		if n(r, "END")-n(r, "START") != life {
			t.Errorf("%s: thread %s: END - START = %d, LIFE %d", name, r["TID"], n(r, "END")-n(r, "START"), life)
		}
		if sum := n(r, "CPU") + n(r, "READY") + n(r, "BLOCKED") + n(r, "SLEEPING"); sum != life {
			t.Errorf("%s: thread %s: CPU + READY + BLOCKED + SLEEPING = %d, LIFE %d: %v", name, r["TID"], sum, life, r)
		}
		pid := r["PID"]
		ready[pid] += n(r, "READY")
		cpu[pid] += n(r, "CPU")
		count[pid]++
		busy += n(r, "CPU")
		switches += n(r, "SWITCHES")
	}
	for _, p := range tb.procs {
		pid := p["PID"]
		if count[pid] == 0 {
			t.Errorf("%s: process %s has no thread rows", name, pid)
			continue
		}
		if n(p, "WAIT") != ready[pid] {
			t.Errorf("%s: process %s: WAIT %d, its threads' READY add up to %d", name, pid, n(p, "WAIT"), ready[pid])
		}
		if n(p, "CPU") != cpu[pid] {
			t.Errorf("%s: process %s: CPU %d, its threads' CPU add up to %d", name, pid, n(p, "CPU"), cpu[pid])
		}
		if n(p, "TURN") != n(p, "FINISH")-n(p, "ARRIVAL") || n(p, "RESP") != n(p, "FIRST")-n(p, "ARRIVAL") {
			t.Errorf("%s: process %s: TURN or RESP is not measured from ARRIVAL: %v", name, pid, p)
		}
	}
	if busy != tb.busy {
		t.Errorf("%s: the threads' CPU adds up to %d, busy %d", name, busy, tb.busy)
	}
	if switches != tb.switches {
		t.Errorf("%s: the threads' SWITCHES add up to %d, the machine switched %d times", name, switches, tb.switches)
	}
}

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
	more, _ := filepath.Glob("../exercises/*/solution.proc")
	files = append(files, more...)
	if len(files) < 30 {
		t.Fatalf("found %d scripts", len(files))
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			for _, tb := range parseStats(t, runStats(t, f, src, "max_steps=200000")) {
				checkAddsUp(t, f, tb)
			}
		})
	}
	for name, src := range statsScripts {
		t.Run(name, func(t *testing.T) {
			out := runStats(t, "t.proc", []byte(src), "max_steps=100000")
			tables := parseStats(t, out)
			if name == "mid-run" && len(tables) != 3 {
				t.Fatalf("want 3 tables (two show stats and the closing one), got %d:\n%s", len(tables), out)
			}
			for _, tb := range tables {
				checkAddsUp(t, name, tb)
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
	tb := parseStats(t, out)[0]
	byName := map[string]map[string]string{}
	for _, r := range tb.threads {
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
	checkAddsUp(t, "named threads", tb)

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
