package interp

import (
	"regexp"
	"strings"
	"testing"

	"proc/grammar"
	"proc/runtime"
)

// viewRows runs src with only the views shown and returns, for each row
// of the views, its words: the header rows are left out.
func viewRows(t *testing.T, src string) [][]string {
	t.Helper()
	out, _ := runTraced(t, src, runtime.CatOutput)
	var rows [][]string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] == "PID" || !regexp.MustCompile(`^[0-9]+$`).MatchString(f[0]) {
			continue
		}
		rows = append(rows, f)
	}
	return rows
}

// TestPsStates: show ps gives each process the state a teacher would: the
// one showing is running, one that can run is ready, one in sleep is
// sleeping, one in recv is blocked (and says on what), one that ended
// and was not waited for is a zombie.
func TestPsStates(t *testing.T) {
	t.Parallel()
	src := `config sched = "fifo"
func nap() { sleep 1000 }
func reader(r) { return recv r }
func quick() { return 0 }
let r, w = pipe()
let a = spawn nap()
let b = spawn reader(r)
let c = spawn quick()
sleep 100
let d = spawn quick()
show ps
send w, "x"
wait a
wait b
wait c
wait d
`
	rows := viewRows(t, src)
	want := map[string]string{"1": "running", "2": "sleeping", "3": "blocked", "4": "zombie", "5": "ready"}
	seen := 0
	for _, r := range rows {
		if len(r) < 3 {
			continue
		}
		w, ok := want[r[0]]
		if !ok {
			continue
		}
		seen++
		if r[2] != w {
			t.Errorf("process %s is %s in show ps, want %s: %v", r[0], r[2], w, r)
		}
		switch r[0] {
		case "2":
			if !strings.Contains(strings.Join(r, " "), "sleep(1000)") {
				t.Errorf("the sleeping process does not say until when: %v", r)
			}
		case "3":
			if !strings.Contains(strings.Join(r, " "), "recv(") {
				t.Errorf("the blocked process does not say on what: %v", r)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("show ps listed %d of the %d processes:\n%v", seen, len(want), rows)
	}
}

// TestThreadStates: show threads tells a sleeping thread from one blocked
// on an event, and a thread in io is blocked (on its device).
func TestThreadStates(t *testing.T) {
	t.Parallel()
	src := `func nap() { sleep 1000 }
func disk() { io 1000 }
func locker(m) { lock m }
let m = mutex()
lock m
let a = thread nap()
let b = thread disk()
let c = thread locker(m)
sleep 10
show threads
unlock m
join a
join b
join c
`
	want := map[string]string{"1": "running", "2": "sleeping", "3": "blocked", "4": "blocked"}
	for _, r := range viewRows(t, src) {
		if len(r) < 3 {
			continue
		}
		if w, ok := want[r[1]]; ok && r[2] != w {
			t.Errorf("thread %s is %s in show threads, want %s: %v", r[1], r[2], w, r)
		}
	}
}

// TestProcessStateOrder: a process is running when one of its threads
// runs, else ready when one can, else sleeping when one sleeps, else
// blocked.
func TestProcessStateOrder(t *testing.T) {
	t.Parallel()
	src := `func nap() { sleep 1000 }
func forever(m) { lock m }
func two() {
    let m = mutex()
    lock m
    let a = thread forever(m)
    let b = thread nap()
    join a
}
let p = spawn two()
sleep 50
show ps
exit 0
`
	for _, r := range viewRows(t, src) {
		if r[0] == "2" && r[2] != "sleeping" {
			t.Errorf("a process with a thread asleep and the others blocked is %s, want sleeping: %v", r[2], r)
		}
	}
}

// TestEveryShowTargetIsAView: each word show accepts compiles and shows a
// view titled after it, so that the one list of the words and the views
// of the kernel cannot part.
func TestEveryShowTargetIsAView(t *testing.T) {
	t.Parallel()
	for _, w := range grammar.ShowTargets {
		out, _ := runTraced(t, "show "+w, runtime.CatOutput)
		if !strings.Contains(out, "show "+w) {
			t.Errorf("show %s shows no view titled after it:\n%s", w, out)
		}
	}
}
