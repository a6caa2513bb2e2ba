// Package testkit holds what the tests of interp and of the packages over
// it (interp/shell, interp/explore) share: scripts they all run and the
// reader of the statistics table. Only tests import it.
package testkit

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"proc/grammar"
)

// CounterScript is two threads that each add 1 to a global n times,
// under a mutex when locked.
func CounterScript(n int, locked bool) string {
	body := "counter = counter + 1"
	if locked {
		body = "lock m\n        counter = counter + 1\n        unlock m"
	}
	return fmt.Sprintf(`global counter = 0
func inc(m) {
    for i in 0..%d {
        %s
    }
}
let m = mutex()
let a = thread inc(m)
let b = thread inc(m)
join a
join b
print counter
`, n, body)
}

// ChainScript returns head, then link repeated to fill a mebibyte with
// tail, then tail: the longest single line a script may have.
func ChainScript(head, link, tail string) (src string, n int) {
	n = (1<<20 - len(head) - len(tail)) / len(link)
	return head + strings.Repeat(link, n) + tail, n
}

// StatsTable is the statistics table as a reader sees it: the process
// rows, the thread rows and the totals, by column name.
type StatsTable struct {
	Procs, Threads []map[string]string
	Busy           int64
	Switches       int64
	// HWProcs and HWThreads are the rows of the TLB and cache table, when
	// the machine has them; SwitchTicks the switching ticks of the machine,
	// and SwitchCost the direct and indirect totals the table gives.
	HWProcs, HWThreads     []map[string]string
	SwitchTicks            int64
	SwitchDirect, Indirect int64
	HasHW                  bool
	// CPUs is the number of CPUs of a machine of several (0 with one),
	// and the rest the sums of the rows of its CPUs.
	CPUs                           int
	CPURows                        int
	CPUBusy, CPUIdle, CPUSwitching int64
}

// ParseStats reads every statistics table in out (a run's closing table
// and the tables of show stats); it fails the test when a table has no
// thread rows.
func ParseStats(t testing.TB, out string) []StatsTable {
	t.Helper()
	var tables []StatsTable
	var cur *StatsTable
	var head []string
	var rows *[]map[string]string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 2 && f[0] == "PID" && f[1] == "NAME" && f[2] == "TLB-HIT" && len(tables) > 0:
			// The TLB and cache table, after the table it belongs to.
			cur = &tables[len(tables)-1]
			cur.HasHW = true
			head, rows = f, &cur.HWProcs
		case cur != nil && cur.HasHW && len(f) > 2 && f[0] == "TID" && f[2] == "TLB-HIT":
			head, rows = f, &cur.HWThreads
		case cur != nil && cur.HasHW && len(f) == 10 && f[0] == "switch" && f[1] == "cost:":
			// switch cost: D ticks direct + I indirect = S
			cur.SwitchDirect, cur.Indirect = Atoi(t, f[2]), Atoi(t, f[6])
			if cur.SwitchDirect+cur.Indirect != Atoi(t, f[9]) {
				t.Errorf("direct + indirect is not the switch cost: %s", line)
			}
			cur, rows = nil, nil
		case len(f) > 2 && f[0] == "PID" && f[1] == "NAME":
			tables = append(tables, StatsTable{})
			cur = &tables[len(tables)-1]
			head, rows = f, &cur.Procs
		case cur != nil && len(f) > 2 && f[0] == "TID":
			head, rows = f, &cur.Threads
		case cur != nil && rows != nil && len(f) == len(head) && isNumber(f[0]):
			row := map[string]string{}
			for i, h := range head {
				row[h] = f[i]
			}
			*rows = append(*rows, row)
		case cur != nil && len(f) > 12 && f[0] == "ticks" && f[2] == "on":
			// ticks N on C CPUs (T CPU ticks): busy B (P% utilization), idle I, switching S
			cpus, all := Atoi(t, f[3]), Atoi(t, strings.TrimPrefix(f[5], "("))
			cur.Busy = Atoi(t, f[9])
			cur.SwitchTicks = Atoi(t, f[len(f)-1])
			cur.CPUs = int(cpus)
			if ticks := Atoi(t, f[1]); all != ticks*cpus {
				t.Errorf("the CPU ticks are not ticks x CPUs: %s", line)
			}
			if idle := Atoi(t, f[len(f)-3]); cur.Busy+idle+cur.SwitchTicks != all {
				t.Errorf("busy + idle + switching is not the CPU ticks: %s", line)
			}
		case cur != nil && cur.CPUs > 0 && len(f) > 8 && strings.HasPrefix(f[0], "cpu") && strings.HasSuffix(f[0], ":"):
			// cpuN: busy B (P% utilization), idle I, switching S
			busy, idle, sw := Atoi(t, f[2]), Atoi(t, f[len(f)-3]), Atoi(t, f[len(f)-1])
			cur.CPUBusy += busy
			cur.CPUSwitching += sw
			cur.CPUIdle += idle
			cur.CPURows++
		case cur != nil && len(f) > 3 && f[0] == "ticks":
			// ticks N: busy B (P% CPU utilization), idle I, switching S
			cur.Busy = Atoi(t, f[3])
			cur.SwitchTicks = Atoi(t, f[len(f)-1])
			if ticks, idle, sw := Atoi(t, f[1]), Atoi(t, f[len(f)-3]), Atoi(t, f[len(f)-1]); cur.Busy+idle+sw != ticks {
				t.Errorf("busy + idle + switching is not the ticks: %s", line)
			}
			rows = nil
		case cur != nil && len(f) > 6 && f[0] == "switches:":
			// switches: P process (cost C each), T thread (cost C each); ...
			cur.Switches = Atoi(t, f[1]) + Atoi(t, f[6])
			if !strings.Contains(out, "TLB-HIT") {
				cur = nil
			}
		}
	}
	for _, tb := range tables {
		if len(tb.Threads) == 0 {
			t.Fatalf("a statistics table has no thread rows:\n%s", out)
		}
	}
	return tables
}

func isNumber(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

// Atoi reads a number of the statistics table, with the punctuation
// that follows it there; it fails the test when s is none.
func Atoi(t testing.TB, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(strings.TrimRight(s, ",;:"), 10, 64)
	if err != nil {
		t.Fatalf("not a number in the statistics: %q", s)
	}
	return n
}

// CheckAddsUp checks what the documentation promises a reader can check:
// each thread's LIFE is END - START and CPU + READY + BLOCKED + SLEEPING;
// a process's WAIT and CPU are the sums of its threads' READY and CPU;
// the threads' CPU adds up to the busy ticks and their switches to the
// machine's.
func CheckAddsUp(t testing.TB, name string, tb StatsTable) {
	t.Helper()
	n := func(row map[string]string, col string) int64 {
		v, ok := row[col]
		if !ok {
			t.Fatalf("%s: no column %s in %v", name, col, row)
		}
		return Atoi(t, v)
	}
	ready, cpu, count := map[string]int64{}, map[string]int64{}, map[string]int{}
	var busy, switches int64
	for _, r := range tb.Threads {
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
	for _, p := range tb.Procs {
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
	if busy != tb.Busy {
		t.Errorf("%s: the threads' CPU adds up to %d, busy %d", name, busy, tb.Busy)
	}
	if switches != tb.Switches {
		t.Errorf("%s: the threads' SWITCHES add up to %d, the machine switched %d times", name, switches, tb.Switches)
	}
	if tb.HasHW {
		checkHW(t, name, tb)
	}
	if tb.CPUs > 0 {
		if tb.CPURows != tb.CPUs {
			t.Errorf("%s: %d CPUs, %d rows of them", name, tb.CPUs, tb.CPURows)
		}
		// The turns in progress count in the busy total, not in a
		// CPU's row: the rows add up to the machine's at the end.
		if tb.CPUBusy > tb.Busy || tb.CPUSwitching != tb.SwitchTicks {
			t.Errorf("%s: the CPUs' rows add up to busy %d, switching %d; the machine's %d and %d", name, tb.CPUBusy, tb.CPUSwitching, tb.Busy, tb.SwitchTicks)
		}
	}
}

// checkHW checks the TLB and cache table: a process's row adds up its
// threads', STALL holds the indirect part, the direct costs add up to the
// machine's switching ticks, and the totals to the rows.
func checkHW(t testing.TB, name string, tb StatsTable) {
	t.Helper()
	n := func(r map[string]string, k string) int64 { return Atoi(t, r[k]) }
	cols := []string{"TLB-HIT", "TLB-MISS", "CACHE-HIT", "CACHE-MISS", "STALL", "SW-DIRECT", "SW-INDIRECT"}
	if len(tb.HWThreads) != len(tb.Threads) || len(tb.HWProcs) != len(tb.Procs) {
		t.Errorf("%s: the TLB and cache table has %d processes and %d threads, the statistics %d and %d", name, len(tb.HWProcs), len(tb.HWThreads), len(tb.Procs), len(tb.Threads))
		return
	}
	pidOf := map[string]string{}
	for _, r := range tb.Threads {
		pidOf[r["TID"]] = r["PID"]
	}
	sum := map[string]map[string]int64{}
	var direct, indirect int64
	for _, r := range tb.HWThreads {
		pid := pidOf[r["TID"]]
		if sum[pid] == nil {
			sum[pid] = map[string]int64{}
		}
		for _, c := range cols {
			sum[pid][c] += n(r, c)
		}
		if n(r, "SW-INDIRECT") > n(r, "STALL") {
			t.Errorf("%s: thread %s: more indirect cost than stall: %v", name, r["TID"], r)
		}
		direct += n(r, "SW-DIRECT")
		indirect += n(r, "SW-INDIRECT")
	}
	for _, p := range tb.HWProcs {
		for _, c := range cols {
			if n(p, c) != sum[p["PID"]][c] {
				t.Errorf("%s: process %s: %s %d, its threads add up to %d", name, p["PID"], c, n(p, c), sum[p["PID"]][c])
			}
		}
	}
	if direct != tb.SwitchTicks || direct != tb.SwitchDirect || indirect != tb.Indirect {
		t.Errorf("%s: SW-DIRECT adds up to %d and SW-INDIRECT to %d; the machine switched for %d ticks, the table says %d + %d", name, direct, indirect, tb.SwitchTicks, tb.SwitchDirect, tb.Indirect)
	}
}

// HeaderSets returns the --set values of a script's # args: header (none
// when the header cannot be read).
func HeaderSets(src []byte) []string {
	h, err := grammar.ParseHeader(src)
	if err != nil {
		return nil
	}
	var sets []string
	for i := 0; i < len(h.Args); i++ {
		a := h.Args[i]
		switch {
		case a == "--set" && i+1 < len(h.Args):
			sets = append(sets, h.Args[i+1])
			i++
		case strings.HasPrefix(a, "--set="):
			sets = append(sets, strings.TrimPrefix(a, "--set="))
		}
	}
	return sets
}

// HWOff is the config lines that take the TLB and the data cache out of
// a script: a test that compares with a textbook simulator, or that works
// out ticks by counting instructions, runs without them, for their misses
// add ticks the textbook and the count do not have.
const HWOff = "config tlb_entries = 0\nconfig cache_lines = 0\n"

// HWOffSets is HWOff as --set values.
var HWOffSets = []string{"tlb_entries=0", "cache_lines=0"}
