package interp

import (
	"fmt"
	"strings"
	"testing"

	"proc/interp/internal/testkit"
)

func TestRaceDetector(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src string
		race      bool
		want      []string
	}{
		{"unlocked counter", testkit.CounterScript(2, false), true, []string{"data race on global counter", "by thread 1/3", "previous write", "created by 1/1 at main"}},
		{"mutex", testkit.CounterScript(2, true), false, nil},
		{"ordered by join", `global g = 0
func w() { g = 1 }
let t = thread w()
join t
g = 2
print g`, false, nil},
		{"heap object", `func w(o) { o.n = o.n + 1 }
let o = {n: 0}
let a = thread w(o)
let b = thread w(o)
join a
join b`, true, []string{"heap block of 8 bytes", "allocated at main, line 2"}},
		{"ordered by semaphore", `global g = 0
func w(s) { g = 1
  up(s) }
let s = sem(0)
let t = thread w(s)
down(s)
print g`, false, nil},
		{"ordered by a pipe", `global g = 0
func writer(fd) { g = 1
  send fd, "x" }
let r, w = pipe()
let t = thread writer(w)
let m = recv r
print g`, false, nil},
		{"processes do not share", `global g = 0
func w() { g = 1 }
let p = spawn w()
g = 2
wait p`, false, nil},
		{"shared memory does", `func w() { let s = shm("x", 8)
  s[0] = 1 }
let s = shm("x", 8)
let p = spawn w()
s[0] = 2
wait p`, true, []string{"/dev/shm/x"}},
		{"a forked child shares a shared mapping", `let s = shm("x", 8)
let c = fork
if c == 0 {
  s[0] = 1
  exit 0
}
s[0] = 2
wait c`, true, []string{"/dev/shm/x"}},
		{"a file mapped shared by two processes", `func w() { let f = mmap("f", 8)
  f[0] = 1 }
let f = mmap("f", 8)
let p = spawn w()
f[0] = 2
wait p`, true, []string{"f"}},
		{"a private file mapping is copied by fork", `let f = mmap("f", 8, "private")
let c = fork
if c == 0 {
  f[0] = 1
  exit 0
}
f[0] = 2
wait c`, false, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prog, err := Load("r.proc", []byte(c.src))
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			s, _ := NewSession(prog, Options{Trace: 0, Stdout: &out, Stderr: &out, Race: true, Sets: []string{"quantum=3"}})
			s.Run()
			got := strings.Contains(out.String(), "data race")
			if got != c.race {
				t.Errorf("race reported: %v, want %v\n%s", got, c.race, out.String())
			}
			for _, w := range c.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("report lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// mutexScript has n threads take turns on one mutex, iters times each, to
// add to a shared counter: every increment is a lock, a load, a store and
// an unlock, and the threads are all alive together.
func mutexScript(n, iters int) string {
	return fmt.Sprintf(`global counter = 0

func inc(m, n) {
    for i in 0..n {
        lock m
        counter = counter + 1
        unlock m
    }
}

let m = mutex()
let ts = alloc %[1]d * 8
for i in 0..%[1]d {
    ts[i] = thread inc(m, %[2]d)
}
for i in 0..%[1]d {
    join ts[i]
}
free ts
print counter
`, n, iters)
}

// BenchmarkRaceMutex runs 1,000 threads contending on one mutex, with and
// without the race detector: the ratio of the two is what --race costs.
func BenchmarkRaceMutex(b *testing.B) {
	const n, iters = 1000, 10
	prog, err := Load("mutex.proc", []byte(mutexScript(n, iters)))
	if err != nil {
		b.Fatal(err)
	}
	want := fmt.Sprintf("%d\n", n*iters)
	for _, race := range []bool{false, true} {
		b.Run(fmt.Sprintf("race=%v", race), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var out, errw strings.Builder
				s, err := NewSession(prog, Options{Trace: 0, Race: race, Stdout: &out, Stderr: &errw})
				if err != nil {
					b.Fatal(err)
				}
				if res := s.Run(); res.ExitCode() != 0 || out.String() != want || errw.Len() > 0 {
					b.Fatalf("exit %d, output %q, stderr %q", res.ExitCode(), out.String(), errw.String())
				}
			}
		})
	}
}

// TestRaceReportSameEveryRun: a write that races with reads of three
// threads is reported against the first reader, every time.
func TestRaceReportSameEveryRun(t *testing.T) {
	t.Parallel()
	src := `global g = 0
func r() { let x = g
  sleep 100 }
func w() { sleep 50
  g = 1 }
let a = thread r()
let b = thread r()
let c = thread r()
let d = thread w()
join a
join b
join c
join d`
	prog, err := Load("r.proc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		var out strings.Builder
		s, _ := NewSession(prog, Options{Trace: 0, Stdout: &out, Stderr: &out, Race: true})
		s.Run()
		if !strings.Contains(out.String(), "previous read at 0x401000 by thread 1/2:") {
			t.Fatalf("the report does not name the first reader, 1/2:\n%s", out.String())
		}
	}
}

// raceRun runs src with --race and returns the detector.
func raceRun(t *testing.T, src string, sets ...string) *raceDetector {
	t.Helper()
	prog, err := Load("r.proc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	s, err := NewSession(prog, Options{Trace: 0, Stdout: &out, Stderr: &out, Race: true, Sets: sets})
	if err != nil {
		t.Fatal(err)
	}
	if res := s.Run(); res.ExitCode() != 0 || strings.Contains(out.String(), "data race") {
		t.Fatalf("exit %d:\n%s", res.ExitCode(), out.String())
	}
	return s.VM.race.(*raceDetector)
}

// TestRaceCostLinear: with threads taking turns on one mutex, the
// detector's work grows with the number of threads, not with its square.
// Work is the clock entries and shadow accesses it visits, which the
// machine's speed does not change; the reference detector, whose clocks
// hold every thread ever created, is measured the same way for contrast.
func TestRaceCostLinear(t *testing.T) {
	t.Parallel()
	work := func(n int) (det, ref int64) {
		prog, err := Load("mutex.proc", []byte(mutexScript(n, 2)))
		if err != nil {
			t.Fatal(err)
		}
		newRace, tees := withReference(compactMin)
		var out strings.Builder
		s, _ := NewSession(prog, Options{Trace: 0, Stdout: &out, Stderr: &out, Race: true, newRace: newRace})
		s.Run()
		if out.String() != fmt.Sprintf("%d\n", 2*n) {
			t.Fatalf("output %q", out.String())
		}
		return (*tees)[0].det.(*raceDetector).work, (*tees)[0].ref.work
	}
	det100, ref100 := work(100)
	det1000, ref1000 := work(1000)
	t.Logf("work for 100 and 1,000 threads: %d and %d (%.1fx); reference: %d and %d (%.1fx)",
		det100, det1000, float64(det1000)/float64(det100), ref100, ref1000, float64(ref1000)/float64(ref100))
	if det1000 > 15*det100 {
		t.Errorf("10x the threads cost %.1fx the work (%d, then %d): more than linear", float64(det1000)/float64(det100), det100, det1000)
	}
	if ref1000 < 50*ref100 {
		t.Errorf("the reference's work grew only %.1fx: this test no longer tells linear from quadratic", float64(ref1000)/float64(ref100))
	}
}

// TestRaceStateBounded: the detector's state stays the same size however
// long a script runs, when what it keeps could no longer make a
// difference: threads created and joined one after another, threads that
// are never joined, and one thread touching many words.
func TestRaceStateBounded(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src string
	}{
		{"create and join", `global g = 0
func w(a, k) {
    g = g + 1
    a[k % 64] = a[k % 64] + k
}
let a = alloc 512
for i in 0..N {
    let t = thread w(a, i)
    join t
}
free a`},
		{"never joined", `global g = 0
func w(m) {
    lock m
    g = g + 1
    unlock m
}
let m = mutex()
for i in 0..N {
    let t = thread w(m)
    yield
}`},
		{"many words", `let a = alloc 8 * 4096
for i in 0..N {
    a[i % 4096] = i
}
free a`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			small := raceRun(t, strings.Replace(c.src, "N", "2000", 1))
			large := raceRun(t, strings.Replace(c.src, "N", "20000", 1))
			t.Logf("largest state: %d for 2,000, %d for 20,000; work %d and %d", small.peak, large.peak, small.work, large.work)
			if large.peak == 0 || large.peak > 2*max(small.peak, compactMin) {
				t.Errorf("the state grows with the run: at most %d entries for 2,000, %d for 20,000", small.peak, large.peak)
			}
			// Every thread has ended: a last look leaves nothing of them.
			large.compact()
			if n := len(large.live) + len(large.objs) + len(large.mems); n > 0 {
				t.Errorf("%d threads, sync objects and shadows kept at the end", n)
			}
		})
	}
}
