package interp

import (
	"strings"
	"testing"

	"proc/interp/internal/testkit"
	"proc/runtime"
)

// schedRun runs src with the sched and proc trace and returns it. The
// TLB and the cache are off (testkit.HWOff): the ticks the tests look for
// are worked out from compute and io alone, as the textbook's are.
func schedRun(t *testing.T, src string, sets ...string) string {
	t.Helper()
	prog, err := Load("s.proc", []byte(testkit.HWOff+src))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	s, err := NewSession(prog, Options{Trace: runtime.CatSched | runtime.CatProc, Sets: sets, Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	if res := s.Run(); res.ExitCode() != 0 {
		t.Fatalf("exit %d:\n%s", res.ExitCode(), out.String())
	}
	return out.String()
}

// lineAt reports whether the trace has a line at tick tick that holds
// text.
func lineAt(trace string, tick, text string) bool {
	for _, l := range strings.Split(trace, "\n") {
		f := strings.Fields(l)
		if len(f) > 0 && f[0] == tick && strings.Contains(l, text) {
			return true
		}
	}
	return false
}

const ioAndCPU = `config cost_insn = 0
config cost_spawn = 0
config cost_switch_process = 0
config sched = "fifo"
func ioer() {
    compute 2
    io 5
    compute 2
}
func cpu() {
    compute 6
}
let a = spawn ioer()
let b = spawn cpu()
wait a
wait b
`

// multiprogramming = false: while a process waits for its I/O the CPU
// idles, and it runs on after it; by default the other process runs.
func TestMultiprogramming(t *testing.T) {
	tr := schedRun(t, ioAndCPU)
	if !lineAt(tr, "2", "[3/3] compute 6") {
		t.Errorf("by default the other process does not run during the I/O:\n%s", tr)
	}
	tr = schedRun(t, ioAndCPU, "multiprogramming=false")
	if !lineAt(tr, "2", "idle") || !lineAt(tr, "7", "[2/2] compute 2") || !lineAt(tr, "9", "[3/3] compute 6") {
		t.Errorf("without multiprogramming: want idle at 2, process 2 on at 7 and 3 at 9:\n%s", tr)
	}
}

// wake_preempts: the thread whose I/O ends takes the CPU at once.
func TestWakePreempts(t *testing.T) {
	tr := schedRun(t, ioAndCPU, "wake_preempts=true")
	if !lineAt(tr, "7", "preempted by a thread whose I/O ended") || !lineAt(tr, "7", "[2/2] compute 2") {
		t.Errorf("the I/O's end does not preempt:\n%s", tr)
	}
	if tr := schedRun(t, ioAndCPU); strings.Contains(tr, "preempted") {
		t.Errorf("preempted by default:\n%s", tr)
	}
}

// ready_order: the ready queue in order, or the first ready thread after
// the one that ran last in tid order, round (process-run's scan of its
// pids). When 4 ends at 6, 3 has been ready since 1 and 2 since 4.
func TestReadyOrder(t *testing.T) {
	src := `config cost_insn = 0
config cost_spawn = 0
config cost_switch_process = 0
config sched = "fifo"
func a() {
    io 4
    compute 1
}
func b() {
    io 1
    compute 2
}
func c() {
    compute 6
}
spawn a()
spawn b()
spawn c()
`
	if tr := schedRun(t, src); !lineAt(tr, "6", "[3/3] compute 2") || !lineAt(tr, "8", "[2/2] compute 1") {
		t.Errorf("ready_order = queue: want 3 at 6 (ready first), then 2:\n%s", tr)
	}
	if tr := schedRun(t, src, "ready_order=tid"); !lineAt(tr, "6", "[2/2] compute 1") || !lineAt(tr, "7", "[3/3] compute 2") {
		t.Errorf("ready_order = tid: want 2 at 6 (the next after 4, round), then 3:\n%s", tr)
	}
}

// wake_preempts: a thread whose I/O ends in the tick the running one
// ends goes before the threads that were ready.
func TestWakePreemptsFreeCPU(t *testing.T) {
	src := `config cost_insn = 0
config cost_spawn = 0
config cost_switch_process = 0
config sched = "fifo"
func a() {
    io 4
    compute 1
}
func b() {
    compute 4
}
func c() {
    compute 1
}
spawn a()
spawn b()
spawn c()
`
	if tr := schedRun(t, src); !lineAt(tr, "4", "[4/4] compute 1") {
		t.Errorf("by default the thread ready first runs at 4:\n%s", tr)
	}
	for _, order := range []string{"queue", "tid"} {
		if tr := schedRun(t, src, "wake_preempts=true", "ready_order="+order); !lineAt(tr, "4", "[2/2] compute 1") || !lineAt(tr, "5", "[4/4] compute 1") {
			t.Errorf("wake_preempts, ready_order = %s: want 2, whose I/O ended, at 4, then 4:\n%s", order, tr)
		}
	}
}

// reparent: orphans go to process 1, or to their grandparent.
func TestReparent(t *testing.T) {
	src := `func grandchild() {
    sleep 50
}
func child() {
    let g = spawn grandchild()
    return 0
}
func middle() {
    let c = spawn child()
    wait c
    sleep 100
}
let m = spawn middle()
wait m
`
	if tr := schedRun(t, src); !strings.Contains(tr, "adopted by process 1") {
		t.Errorf("not adopted by process 1:\n%s", tr)
	}
	if tr := schedRun(t, src, "reparent=parent"); !strings.Contains(tr, "adopted by process 2") {
		t.Errorf("reparent=parent: not adopted by the exiting process's parent:\n%s", tr)
	}
}

// mlfq_io_bump: a thread whose I/O ends goes back to the top level.
func TestMLFQIOBump(t *testing.T) {
	src := `config sched = "mlfq"
config cost_insn = 0
config cost_thread = 0
config cost_switch_thread = 0
config mlfq_quanta = "2,2,2"
func hog() {
    compute 30
}
func ioer() {
    compute 6
    io 1
    compute 1
}
let a = thread hog()
let b = thread ioer()
join a
join b
`
	plain := schedRun(t, src)
	bump := schedRun(t, src, "mlfq_io_bump=true")
	if !lineAt(bump, "13", "preempted") || lineAt(plain, "13", "preempted") {
		t.Errorf("the thread whose I/O ended does not preempt from the top level:\n%s\nwithout mlfq_io_bump:\n%s", bump, plain)
	}
	if err := new(runtime.Config).SetString("mlfq_quanta", "10,x"); err == nil || !strings.Contains(err.Error(), "comma list of quanta") {
		t.Errorf("a bad mlfq_quanta: %v", err)
	}
}
