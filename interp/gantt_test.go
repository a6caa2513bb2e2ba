package interp

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"proc/interp/internal/testkit"
)

// ganttRows runs src with --gantt and --stats and returns the timeline's
// header lines, its rows by label ("1/2 name") and everything written.
func ganttRows(t *testing.T, file string, src []byte, sets ...string) (head []string, rows map[string]string, labels []string, out string) {
	t.Helper()
	prog, err := Load(file, src)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var buf bytes.Buffer
	s, err := NewSession(prog, Options{Trace: 0, Gantt: true, Stats: true, Sets: sets, Stdout: &buf, Stderr: &buf})
	if err != nil {
		t.Fatal(err)
	}
	s.Run()
	out = buf.String()
	rows = map[string]string{}
	in, ruler := false, false
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(strings.TrimSpace(line), "timeline:"):
			in, ruler = true, false
			head = append(head, strings.TrimSpace(line))
		case in && !ruler && strings.Contains(line, " |0"):
			ruler = true
		case in && !ruler:
			head = append(head, strings.TrimSpace(line))
		case in && ruler && strings.Contains(line, " |"):
			i := strings.Index(line, " |")
			label := strings.TrimSpace(line[:i])
			rows[label] = line[i+2:]
			labels = append(labels, label)
		case in && ruler:
			in = false
		}
	}
	if len(head) == 0 || len(rows) == 0 {
		t.Fatalf("%s: no timeline:\n%s", file, out)
	}
	return head, rows, labels, out
}

// TestGanttOneCPU: the machine has one CPU, so no column of any timeline
// marks more than one thread running, and every cell is one of the marks
// of the legend.
func TestGanttOneCPU(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../examples/*.proc")
	more, _ := filepath.Glob("../exercises/*/solution.proc")
	files = append(files, more...)
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		head, rows, labels, out := ganttRows(t, f, src, "max_steps=200000", "cpus=1")
		if !strings.Contains(head[0], "# running, - ready, . blocked, z sleeping") {
			t.Errorf("%s: no legend in %q", f, head[0])
		}
		width := 0
		for _, r := range rows {
			width = max(width, len(r))
		}
		for c := 0; c < width; c++ {
			var running []string
			for _, l := range labels {
				if c < len(rows[l]) && rows[l][c] == '#' {
					running = append(running, l)
				}
			}
			if len(running) > 1 {
				t.Errorf("%s: column %d has %d threads running at once (%v):\n%s", f, c, len(running), running, out)
				break
			}
		}
		for _, l := range labels {
			if s := strings.Trim(rows[l], "#-.z "); s != "" {
				t.Errorf("%s: row %s has marks not in the legend: %q", f, l, rows[l])
			}
		}
	}
}

// TestGanttCPUs: on several CPUs, where a column is one tick, no CPU
// runs two threads in it, and a CPU's row is busy (#) exactly where a
// thread's cell names that CPU; every cell is a mark of the legend.
func TestGanttCPUs(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../examples/*.proc")
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, sets := range [][]string{{"cpus=2"}, {"cpus=3", "sched_queues=percpu"}} {
			head, rows, labels, out := ganttRows(t, f, src, append([]string{"max_steps=200000"}, sets...)...)
			if !strings.Contains(head[0], "0-9 running on that CPU, - ready, . blocked, z sleeping") {
				t.Errorf("%s %v: no legend in %q", f, sets, head[0])
				continue
			}
			oneTick := strings.Contains(head[0], "one column = 1 tick;")
			var cpuRows []string
			for _, l := range labels {
				if strings.HasPrefix(l, "cpu") {
					cpuRows = append(cpuRows, l)
					if s := strings.Trim(rows[l], "#+."); s != "" {
						t.Errorf("%s %v: row %s has marks not in the legend: %q", f, sets, l, rows[l])
					}
				} else if s := strings.Trim(rows[l], "0123456789-.z "); s != "" {
					t.Errorf("%s %v: row %s has marks not in the legend: %q", f, sets, l, rows[l])
				}
			}
			if len(cpuRows) != len(sets)+1 && len(cpuRows) != 3 {
				t.Errorf("%s %v: CPU rows %v", f, sets, cpuRows)
			}
			if !oneTick {
				continue
			}
			for i, cl := range cpuRows {
				mark := byte('0' + i)
				for c := 0; c < len(rows[cl]); c++ {
					n := 0
					for _, l := range labels {
						if !strings.HasPrefix(l, "cpu") && c < len(rows[l]) && rows[l][c] == mark {
							n++
						}
					}
					if n > 1 || (n == 1) != (rows[cl][c] == '#') {
						t.Errorf("%s %v: column %d: %d threads on %s, whose row says %q:\n%s", f, sets, c, n, cl, rows[cl][c], out)
						break
					}
				}
			}
		}
	}
}

// TestGanttTickByTick: when a column is one tick, each row is the
// thread's life tick by tick: as many # as its CPU, - as its READY, . as
// its BLOCKED and z as its SLEEPING in the statistics.
func TestGanttTickByTick(t *testing.T) {
	t.Parallel()
	src := `func nap() { sleep 15 }
func disk() { io 12 }
func spin() { compute 4 }
let a = thread nap()
let b = thread disk()
let c = thread spin()
let d = thread spin() with {name: "T4"}
join a
join b
join c
join d
`
	// Without the TLB and the cache the run is short enough for a column
	// of one tick.
	head, rows, labels, out := ganttRows(t, "t.proc", []byte(src), testkit.HWOffSets...)
	if !strings.Contains(head[0], "one column = 1 tick;") {
		t.Fatalf("the run should fit 72 columns of one tick:\n%s", out)
	}
	tb := testkit.ParseStats(t, out)[0]
	if len(tb.Threads) != len(labels) {
		t.Fatalf("%d rows in the timeline, %d threads in the table:\n%s", len(labels), len(tb.Threads), out)
	}
	for i, th := range tb.Threads {
		row := rows[labels[i]]
		if !strings.HasPrefix(labels[i], th["PID"]+"/"+th["TID"]+" "+th["NAME"]) {
			t.Fatalf("row %q is not thread %v", labels[i], th)
		}
		for mark, col := range map[string]string{"#": "CPU", "-": "READY", ".": "BLOCKED", "z": "SLEEPING"} {
			if got := strings.Count(row, mark); testkit.Atoi(t, th[col]) != int64(got) {
				t.Errorf("thread %s: %d %q in its row %q, %s %s", th["TID"], got, mark, row, col, th[col])
			}
		}
	}
	for _, mark := range []string{"-", ".", "z"} {
		if !strings.Contains(out, mark) {
			t.Errorf("no %q in the timeline:\n%s", mark, out)
		}
	}
}

// TestGanttShares: with coarse columns each column has one #, and the
// threads share the # as they shared the CPU, even when their turns fall
// in step with the columns; the others show what they did most of the
// column, their running counted as ready.
func TestGanttShares(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, src string }{
		// Three threads take turns of 4 ticks for 1,800 ticks while
		// main waits in join.
		{"three", `func spin() { compute 600 }
let a = thread spin()
let b = thread spin()
let c = thread spin()
join a
join b
join c
`},
		// Four threads of four turns of 4 ticks, a switch of 1 between:
		// a column of 10 ticks holds two turns, always of the same
		// two threads.
		{"in step", `func work(n) {
    let s = 0
    for i in 0..n { s = s + i }
    return s
}
let t1 = thread work(20)
let t2 = thread work(20)
let t3 = thread work(20)
let t4 = thread work(20)
join t1
join t2
join t3
join t4
`},
	} {
		t.Run(c.name, func(t *testing.T) {
			head, rows, labels, out := ganttRows(t, "t.proc", []byte(c.src))
			if len(head) < 2 || !strings.Contains(head[1], "most of its column") {
				t.Errorf("coarse columns need the rule that reads them:\n%s", strings.Join(head, "\n"))
			}
			var bucket int64
			if _, err := fmt.Sscanf(head[0][strings.Index(head[0], "one column = "):], "one column = %d", &bucket); err != nil || bucket < 2 {
				t.Fatalf("want coarse columns: %q", head[0])
			}
			tb := testkit.ParseStats(t, out)
			main := rows[labels[0]]
			if strings.Count(main, ".") < len(main)*8/10 {
				t.Errorf("main waits in join nearly all the time, so its row should be blocked: %q", main)
			}
			var cpu, marks int64
			for i, l := range labels {
				cpu += testkit.Atoi(t, tb[0].Threads[i]["CPU"])
				marks += int64(strings.Count(rows[l], "#"))
			}
			for i, l := range labels[1:] {
				th := tb[0].Threads[i+1]
				share := float64(testkit.Atoi(t, th["CPU"])*marks) / float64(cpu)
				got := float64(strings.Count(rows[l], "#"))
				if got < share-2 || got > share+2 {
					t.Errorf("thread %s had %s of %d ticks of CPU, so %.1f of the %d columns with a #, and has %v:\n%s", th["TID"], th["CPU"], cpu, share, marks, got, out)
				}
				if strings.Count(rows[l], "-") < strings.Count(rows[l], "#") {
					t.Errorf("threads that share the CPU are ready more often than they run: %q", rows[l])
				}
			}
		})
	}
}
