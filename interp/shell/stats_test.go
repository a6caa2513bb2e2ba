package shell

import (
	"strconv"
	"strings"
	"testing"
)

// The statistics table's reader, as interp's tests read it after a run.

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

// TestStatsAddUpInShell: in the REPL the machine is paused, stepped, run
// with the shell in the foreground, and the shell parked when an input is
// abandoned; the table adds up after each.
func TestStatsAddUpInShell(t *testing.T) {
	t.Parallel()
	s, _ := newTestShell(t, "quantum=3")
	check := func(when string) {
		t.Helper()
		for _, tb := range parseStats(t, strings.Join(s.Stats(), "\n")) {
			checkAddsUp(t, when, tb)
		}
	}
	s.Input("global c = 0\nfunc w(n) {\n for i in 0..n { c = c + 1 }\n sleep 5\n io 3\n return n\n}")
	s.Input("let a = thread w(20)\nlet b = thread w(30)\nlet p = spawn w(10)")
	check("after spawning")
	s.Step(7)
	check("paused in a turn")
	s.Input("c = c + 1")
	check("after a statement while paused")
	s.Input("let m = mutex()\nlock m\nlock m")
	check("after a fault")
	s.Input("let q = mutex()\nlock q\nlet r = thread w(2)\njoin r")
	s.Step(3)
	check("stepped again")
	s.Run()
	check("after running the others")
}
