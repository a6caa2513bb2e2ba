package tape

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"proc/grammar"
	"proc/interp"
	"proc/interp/explore"
	"proc/interp/internal/testkit"
	"proc/runtime"
)

// examples returns the examples' sources, by file name, in order.
func examples(t testing.TB) ([]string, map[string][]byte) {
	t.Helper()
	files, err := filepath.Glob("../../examples/*.proc")
	if err != nil || len(files) < 30 {
		t.Fatalf("examples: %d files, %v", len(files), err)
	}
	srcs := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs[f] = b
	}
	return files, srcs
}

func load(t testing.TB, file string, src []byte, opts Options) *Tape {
	t.Helper()
	tp, err := Load(filepath.Base(file), src, opts)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return tp
}

// textOf writes events as proc run's text trace writes them.
func textOf(events []Event) string {
	var b []byte
	for _, e := range events {
		b = runtime.FormatEvent(b, &runtime.Event{T: e.T, PID: e.PID, TID: e.TID, Ev: e.Ev, Text: e.Text, More: e.More, Cost: e.Cost, CPU: e.CPU})
	}
	return string(b)
}

// plainRun runs a script as proc run does with the settings of opts and
// returns its text trace, its stats record and how it ended.
func plainRun(t testing.TB, file string, src []byte, opts Options) (trace string, stats []byte, res interp.Result) {
	t.Helper()
	ceil, err := interp.Ceiling(opts.Sets)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := interp.LoadLimited(filepath.Base(file), src, ceil)
	if err != nil {
		t.Fatal(err)
	}
	cats, err := runtime.ParseCategories(opts.Trace)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	o := interp.Options{Trace: cats, Sets: opts.Sets, Stdout: &out, Stderr: &out}
	if opts.Schedule != nil {
		o.Chooser = explore.Replay(opts.Schedule)
	}
	s, err := interp.NewSession(prog, o)
	if err != nil {
		t.Fatal(err)
	}
	res = s.Run()
	return out.String(), bytes.TrimSuffix(s.M.StatsJSON(), []byte("\n")), res
}

// TestTapeIsTheRun checks that a tape records the run proc run makes:
// its events are the trace, event for event, and its output, its end
// and its statistics are the run's, for every example under a few
// settings.
func TestTapeIsTheRun(t *testing.T) {
	t.Parallel()
	files, srcs := examples(t)
	for _, f := range files {
		for _, opts := range []Options{{}, {Sets: []string{"sched=mlfq", "quantum=2"}}, {Trace: "none"}, {Trace: "sched,mem"}} {
			tp := load(t, f, srcs[f], opts)
			trace, stats, res := plainRun(t, f, srcs[f], opts)
			// (With none, proc run writes the output bare and the
			// reports apart: the events are the same, the text not.)
			if got := textOf(tp.Events()); got != trace && opts.Trace != "none" {
				t.Errorf("%s %+v: the tape's events are not the trace\n%s", f, opts, firstDiff(trace, got))
			}
			var out strings.Builder
			for _, e := range tp.Events() {
				if e.Ev == "print" {
					out.WriteString(e.Text + "\n")
				}
			}
			if tp.Output() != out.String() {
				t.Errorf("%s %+v: Output %q, its print events %q", f, opts, tp.Output(), out.String())
			}
			if !bytes.Equal(tp.Stats(), stats) {
				t.Errorf("%s %+v: stats\n%s\nthe run's\n%s", f, opts, tp.Stats(), stats)
			}
			if tp.ExitCode() != res.ExitCode() || tp.Stopped() != res.Stopped {
				t.Errorf("%s %+v: exit %d %q, the run's %d %q", f, opts, tp.ExitCode(), tp.Stopped(), res.ExitCode(), res.Stopped)
			}
			if tp.Choice() != nil || tp.Truncated() {
				t.Errorf("%s %+v: choice %v, truncated %v", f, opts, tp.Choice(), tp.Truncated())
			}
		}
	}
}

// firstDiff shows the first line where a and b differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n  want: %s\n  got:  %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("lengths differ: %d and %d lines", len(al), len(bl))
}

// TestEventSteps checks the steps of the events: they never decrease,
// none is past the last step, and a run again to step k has written
// exactly the tape's events at step k or before.
func TestEventSteps(t *testing.T) {
	t.Parallel()
	files, srcs := examples(t)
	for _, f := range files {
		tp := load(t, f, srcs[f], Options{})
		evs := tp.Events()
		for i, e := range evs {
			if i > 0 && e.Step < evs[i-1].Step || e.Step > tp.Steps() {
				t.Fatalf("%s: event %d %q at step %d (before it %d, last step %d)", f, i, e.Text, e.Step, evs[max(i-1, 0)].Step, tp.Steps())
			}
		}
		for _, k := range []int64{0, 1, tp.Steps() / 3, tp.Steps() / 2, tp.Steps() - 1, tp.Steps()} {
			k = max(k, 0)
			again := &Tape{prog: tp.prog, opts: tp.opts, mask: tp.mask, firstRan: map[int]int64{}}
			mc, err := again.boot(true)
			if err != nil {
				t.Fatal(err)
			}
			if k == tp.Steps() {
				mc.advance(never)
			} else {
				mc.advance(k)
			}
			n := 0
			for n < len(evs) && evs[n].Step <= k {
				n++
			}
			got := (&Tape{events: mc.rec.chunks, nevents: mc.rec.n}).Events()
			if len(got) != n || !slices.EqualFunc(got, evs[:n], func(a, b Event) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
				t.Errorf("%s: run again to step %d wrote %d events, the tape has %d up to it", f, k, len(got), n)
			}
		}
	}
}

// fingerprint is the machine at its step, as the snapshot and the views
// show it.
func fingerprint(t testing.TB, mc *machine) string {
	t.Helper()
	m := mc.sess.M
	snap, err := json.Marshal(m.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%d %d\n%s", snap, m.Steps(), m.Now(), m.StatsJSON())
	for _, lines := range [][]string{m.PsView(), m.ThreadsView(), m.FilesView()} {
		b.WriteString(strings.Join(lines, "\n"))
	}
	for _, th := range m.Threads() {
		if th.State != runtime.ThreadDone {
			b.WriteString(strings.Join(m.StackView(th), "\n"))
		}
	}
	for _, p := range m.Running() {
		b.WriteString(strings.Join(m.MapsView(p), "\n"))
		b.WriteString(strings.Join(m.HeapView(p), "\n"))
	}
	return b.String()
}

// at returns the fingerprint of tp's machine at step.
func at(t testing.TB, tp *Tape, step int64) string {
	t.Helper()
	mc, err := tp.machineAt(step)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tp.Snapshot(step); err != nil {
		t.Fatal(err)
	}
	return fingerprint(t, mc)
}

// TestSnapshotBackAndForth checks that the machine at a step is the same
// however it was reached: run again from the start, stepped to from a
// step before (the run goes on), or gone back to from a step after (the
// run starts again), byte for byte.
func TestSnapshotBackAndForth(t *testing.T) {
	t.Parallel()
	files, srcs := examples(t)
	for _, f := range files {
		// (max_trace=3000 stops most examples: a run again must stop
		// where the recording did.)
		for _, opts := range []Options{{}, {Sets: []string{"sched=lottery", "quantum=3"}}, {Sets: []string{"max_trace=3000"}}} {
			tp := load(t, f, srcs[f], opts)
			n := tp.Steps()
			steps := []int64{0, 1, 2, n / 7, n / 3, n / 2, n - 2, n - 1, n}
			fresh := map[int64]string{}
			for _, k := range steps {
				k = min(max(k, 0), n)
				tp.cache = nil
				fresh[k] = at(t, tp, k)
				// A run again writes no trace (unless max_trace stopped
				// the run): the machine is the one the trace was
				// recorded from.
				traced := &Tape{prog: tp.prog, opts: tp.opts, mask: tp.mask, firstRan: map[int]int64{}}
				mc, err := traced.boot(true)
				if err != nil {
					t.Fatal(err)
				}
				if k == n {
					mc.advance(never)
				} else {
					mc.advance(k)
				}
				if fp := fingerprint(t, mc); fp != fresh[k] {
					t.Errorf("%s %+v: step %d run again differs from the run recorded\n%s", f, opts, k, firstDiff(fp, fresh[k]))
				}
			}
			// Forward, each from the one before.
			tp.cache = nil
			for k := int64(0); k <= n; k++ {
				want, ok := fresh[k]
				if !ok {
					if _, err := tp.machineAt(k); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if fp := at(t, tp, k); fp != want {
					t.Errorf("%s %+v: step %d stepped to from %d differs from a run again\n%s", f, opts, k, k-1, firstDiff(want, fp))
				}
			}
			// Backward, each from the one after.
			for i := len(steps) - 1; i > 0; i-- {
				k, after := min(max(steps[i-1], 0), n), min(max(steps[i], 0), n)
				at(t, tp, after)
				if fp := at(t, tp, k); fp != fresh[k] {
					t.Errorf("%s %+v: step %d gone back to from %d differs from a run again\n%s", f, opts, k, after, firstDiff(fresh[k], fp))
				}
			}
			s, err := tp.Snapshot(n + 100)
			if err != nil || s.Step != n || s.Tick != tp.Ticks() {
				t.Errorf("%s %+v: past the end: step %d tick %d, want %d %d (%v)", f, opts, s.Step, s.Tick, n, tp.Ticks(), err)
			}
		}
	}
}

// TestChooseReplays makes schedules by hand in scheduler mode, taking
// each time one of the threads offered, and checks each choice, then
// that the schedule made replays as proc run --schedule replays it to
// the same run, with the same events.
func TestChooseReplays(t *testing.T) {
	t.Parallel()
	_, srcs := examples(t)
	scripts := map[string][]byte{
		"counter.proc": []byte(testkit.CounterScript(2, false)),
		"locked.proc":  []byte(testkit.CounterScript(1, true)),
	}
	for _, f := range []string{"../../examples/37-flag-lock.proc", "../../examples/38-buffer-if.proc", "../../examples/29-bounded-buffer.proc"} {
		scripts[filepath.Base(f)] = srcs[f]
	}
	names := make([]string, 0, len(scripts))
	for name := range scripts {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		src := scripts[name]
		for _, pick := range []int{0, 1, 2} {
			schedule := []int{}
			var tp *Tape
			for choices := 0; ; choices++ {
				tp = load(t, name, src, Options{Schedule: schedule, Choose: true})
				c := tp.Choice()
				if c == nil || choices == 60 {
					break
				}
				if c.Step != tp.Steps() || c.Schedule != explore.FormatSchedule(schedule) || len(c.Options) < 2 {
					t.Fatalf("%s: choice %+v after %s at step %d", name, c, explore.FormatSchedule(schedule), tp.Steps())
				}
				for _, o := range c.Options {
					if o.Line <= 0 || o.Next == "" || o.Name == "" || o.PID <= 0 {
						t.Fatalf("%s: option %+v", name, o)
					}
				}
				if tp.Stopped() != "" || tp.ExitCode() != 0 {
					t.Errorf("%s: at a choice, stopped %q exit %d", name, tp.Stopped(), tp.ExitCode())
				}
				// The snapshot at the choice is the machine there.
				if s, err := tp.Snapshot(c.Step); err != nil || s.Step != c.Step {
					t.Fatalf("%s: the snapshot at the choice: %v", name, err)
				}
				schedule = append(schedule, c.Options[(pick+choices)%len(c.Options)].TID)
			}
			replay := load(t, name, src, Options{Schedule: schedule})
			trace, stats, res := plainRun(t, name, src, Options{Schedule: schedule})
			if got := textOf(replay.Events()); got != trace {
				t.Errorf("%s: schedule %s: the tape is not proc run --schedule's run\n%s", name, explore.FormatSchedule(schedule), firstDiff(trace, got))
			}
			if tp.Choice() != nil {
				// Cut short: the choices so far replay to the same step,
				// and the replay goes on from there.
				continue
			}
			if textOf(tp.Events()) != trace || !bytes.Equal(tp.Stats(), stats) || tp.Output() != replay.Output() || tp.ExitCode() != res.ExitCode() {
				t.Errorf("%s: schedule %s: the choices ran to another end than its replay\n%s", name, explore.FormatSchedule(schedule), firstDiff(trace, textOf(tp.Events())))
			}
		}
	}
}

// TestChooseErrors: a schedule that does not fit is an error, in
// scheduler mode too.
func TestChooseErrors(t *testing.T) {
	src := []byte(testkit.CounterScript(1, false))
	for _, opts := range []Options{{Schedule: []int{9}, Choose: true}, {Schedule: []int{9}}, {Schedule: slices.Repeat([]int{2}, 500), Choose: true}} {
		_, err := Load("c.proc", src, opts)
		var te *Error
		if !errors.As(err, &te) || !strings.HasPrefix(te.Text, "proc run: --schedule: the schedule does not fit the script") {
			t.Errorf("%+v: %v", opts, err)
		}
	}
}

// TestLoadErrors: what proc run refuses, a tape refuses with the same
// words.
func TestLoadErrors(t *testing.T) {
	_, err := Load("bad.proc", []byte("let x = 1\nprint x +\n"), Options{})
	var ge *grammar.Error
	if !errors.As(err, &ge) || ge.Pos.Line != 2 || ge.Pos.Col != 10 {
		t.Errorf("a syntax error: %v", err)
	}
	cases := []struct {
		src  string
		opts Options
		want string
	}{
		{"print 1\n", Options{Sets: []string{"nokey=1"}}, "proc run: --set: "},
		{"print 1\n", Options{Sets: []string{"quantum"}}, "proc run: --set: "},
		{"print 1\n", Options{Trace: "bogus"}, "proc run: --trace: unknown trace category"},
		{"config max_steps = 1000000000\nprint 1\n", Options{}, ""},
		{strings.Repeat("#\n", MaxSourceBytes/2+1), Options{}, "proc: big.proc: 1048578 bytes is too large for a script (at most 1048576)\n"},
	}
	for _, c := range cases {
		_, err := Load("big.proc", []byte(c.src), c.opts)
		if err == nil {
			t.Errorf("%q %+v: no error", c.src, c.opts)
			continue
		}
		text := interp.ErrorText("big.proc", []byte(c.src), err)
		var te *Error
		if errors.As(err, &te) {
			text = te.Text
		}
		if !strings.HasPrefix(text, c.want) || !strings.HasSuffix(text, "\n") {
			t.Errorf("%q %+v: %q, want %q...", c.src, c.opts, text, c.want)
		}
	}
}

// TestGanttMarks checks the step and tick pairs: both go up, and the
// last is the end of the run.
func TestGanttMarks(t *testing.T) {
	files, srcs := examples(t)
	for _, f := range files {
		tp := load(t, f, srcs[f], Options{})
		g := tp.Gantt()
		if g.Ticks != tp.Ticks() || g.Bucket != 1 || len(g.Rows) == 0 {
			t.Fatalf("%s: gantt %d ticks, bucket %d, %d rows", f, g.Ticks, g.Bucket, len(g.Rows))
		}
		for i, mk := range g.Marks {
			if i > 0 && (mk.Step < g.Marks[i-1].Step || mk.Tick < g.Marks[i-1].Tick) {
				t.Fatalf("%s: mark %d %+v after %+v", f, i, mk, g.Marks[i-1])
			}
		}
		if last := g.Marks[len(g.Marks)-1]; last != (Mark{tp.Steps(), tp.Ticks()}) {
			t.Errorf("%s: last mark %+v, the run ended at %d %d", f, last, tp.Steps(), tp.Ticks())
		}
	}
}

// TestCoarsen: spans drawn in buckets keep, in each bucket, the state the
// thread was in most of it.
func TestCoarsen(t *testing.T) {
	spans := []runtime.Span{{From: 0, To: 7, State: "running"}, {From: 7, To: 8, State: "ready"}, {From: 8, To: 13, State: "blocked"},
		{From: 13, To: 14, State: "running"}, {From: 14, To: 30, State: "sleeping"}}
	got := coarsen(spans, 5)
	// [5,10) has running and blocked 2 ticks each: the tie goes to
	// running.
	want := []runtime.Span{{From: 0, To: 10, State: "running"}, {From: 10, To: 15, State: "blocked"}, {From: 15, To: 30, State: "sleeping"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("coarsen: %v, want %v", got, want)
	}
	if b := bucketFor(1_000_000, 10); int64(MaxSpans/10)*b < 1_000_000 {
		t.Errorf("bucketFor: %d ticks a bucket leave more than %d spans", b, MaxSpans)
	}
}

// lineSteps finds, by running tp one instruction at a time, the steps at
// which thread tid moved to another source line, as SeekLine means it.
func lineSteps(t testing.TB, tp *Tape, tid int) []int64 {
	t.Helper()
	mc, err := tp.boot(false)
	if err != nil {
		t.Fatal(err)
	}
	m, vm := mc.sess.M, mc.sess.VM
	line := func() int {
		th := m.Thread(tid)
		if th == nil || th.State == runtime.ThreadDone {
			return 0
		}
		return vm.Line(th)
	}
	var out []int64
	ran := false
	mc.advance(0)
	for !mc.ended {
		cur := m.Current()
		mine := cur != nil && cur.TID == tid
		before := line()
		mc.advance(m.Steps() + 1)
		if mine && (!ran || line() != before) {
			out = append(out, m.Steps())
		}
		ran = ran || mine
	}
	return out
}

// TestSeekLine checks SeekLine, forward and backward from every step,
// against the steps found one instruction at a time, for the threads of
// a few examples; and on a small script, the lines a thread is at.
func TestSeekLine(t *testing.T) {
	t.Parallel()
	_, srcs := examples(t)
	for _, f := range []string{"../../examples/03-stack-frames.proc", "../../examples/15-race.proc", "../../examples/28-mutex.proc", "../../examples/12-zombie-orphan.proc", "../../examples/29-bounded-buffer.proc"} {
		tp := load(t, f, srcs[f], Options{})
		for tid := 1; tid <= 4; tid++ {
			want := lineSteps(t, tp, tid)
			for s := int64(0); s <= tp.Steps(); s++ {
				next, prev := tp.Steps(), int64(0)
				for _, k := range want {
					if k > s {
						next = k
						break
					}
				}
				for _, k := range want {
					if k < s {
						prev = k
					}
				}
				if got, err := tp.SeekLine(s, tid, 1); got != next || err != nil {
					t.Fatalf("%s: thread %d from step %d forward: %d, want %d (%v)", f, tid, s, got, next, err)
				}
				if got, err := tp.SeekLine(s, tid, -1); got != prev || err != nil {
					t.Fatalf("%s: thread %d from step %d backward: %d, want %d (%v)", f, tid, s, got, prev, err)
				}
			}
		}
	}
	src := []byte(`func f(n) {
    let a = n + 1
    return a
}
let x = 1
let y = f(x)
print y
`)
	tp := load(t, "f.proc", src, Options{})
	var lines []int
	for s := int64(0); s < tp.Steps(); {
		next, err := tp.SeekLine(s, 1, 1)
		if err != nil || next <= s {
			t.Fatalf("from %d: %d %v", s, next, err)
		}
		mc, _ := tp.machineAt(next)
		th := mc.sess.M.Thread(1)
		line := 0
		if th.State != runtime.ThreadDone {
			line = mc.sess.VM.Line(th)
		}
		lines = append(lines, line)
		s = next
	}
	// let x, the call's line, into f, its return, back to the call (the
	// value stored in y), print, main's own return (which has no line),
	// and the end of the run.
	if want := []int{5, 6, 2, 3, 6, 7, 0, 0}; !slices.Equal(lines, want) {
		t.Errorf("main went through lines %v, want %v", lines, want)
	}
	if _, err := tp.SeekLine(0, 1, 0); err == nil {
		t.Errorf("a seek with dir 0 is no error")
	}
}
