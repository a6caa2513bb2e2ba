//go:build !js

package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The tests of the page itself (index.html, app.js, editor.js): what a
// student does with it, in a real browser, with the real engine. What
// the page shows is checked against the same requests asked of the
// engine compiled for this computer.

// appState is ProcApp.state: where the page is.
type appState struct {
	Mode         string `json:"mode"`
	Step         int64  `json:"step"`
	Steps        int64  `json:"steps"`
	Event        int    `json:"event"`
	Events       int    `json:"events"`
	Schedule     string `json:"schedule"`
	File         string `json:"file"`
	LineTID      int    `json:"lineTid"`
	SnapshotStep *int64 `json:"snapshotStep"`
}

// wireEvent is an event of a load's answer, as far as the page uses it.
type wireEvent struct {
	Step int64  `json:"step"`
	T    int64  `json:"t"`
	TID  int    `json:"tid"`
	Ev   string `json:"ev"`
	Text string `json:"text"`
}

// wireLoad is the answer to a load, as far as these tests read it.
type wireLoad struct {
	OK       bool        `json:"ok"`
	Steps    int64       `json:"steps"`
	Events   []wireEvent `json:"events"`
	Schedule string      `json:"schedule"`
	Choice   *struct {
		Step     int64  `json:"step"`
		Schedule string `json:"schedule"`
		Options  []struct {
			TID      int    `json:"tid"`
			Line     int    `json:"line"`
			Next     string `json:"next"`
			Schedule string `json:"schedule"`
		} `json:"options"`
	} `json:"choice"`
	Error *struct {
		Line    int    `json:"line"`
		Message string `json:"message"`
		Text    string `json:"text"`
	} `json:"error"`
}

// native asks the engine compiled for this computer, and decodes its
// answer into out.
func native(t *testing.T, e *Engine, req any, out any) {
	t.Helper()
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(e.Call(b), out); err != nil {
		t.Fatalf("%s: the answer is not JSON: %v", b, err)
	}
}

// loadReq is the load request the page makes for src.
func loadReq(file, src, schedule string, choose bool) map[string]any {
	return map[string]any{"op": "load", "file": file, "source": src, "sets": []string{}, "schedule": schedule, "choose": choose}
}

// settle waits until the page has run its script (or failed to) and
// has no request in flight, and everything it was asked is drawn.
func settle(p *page) {
	p.t.Helper()
	p.mustEval(`new Promise((resolve) => {
		const done = () => window.ProcApp && ["ready", "error"].includes(document.body.dataset.state);
		const wait = () => done() ? ProcApp.idle().then(() => resolve(true)) : setTimeout(wait, 20);
		wait();
	})`, nil)
}

// state returns ProcApp.state once the page has settled.
func state(p *page) appState {
	p.t.Helper()
	settle(p)
	var s appState
	p.mustEval(`ProcApp.state`, &s)
	return s
}

// key presses a key with modifiers (chromedp.ModifierShift, ...) where the
// focus is; the page's keys work anywhere but in a text field.
func key(p *page, k string, mods ...chromedp.Modifier) {
	p.t.Helper()
	var opts []chromedp.KeyOption
	for _, m := range mods {
		opts = append(opts, chromedp.KeyModifiers(m))
	}
	if err := chromedp.Do(p.ctx, chromedp.KeyEvent(k, opts...)); err != nil {
		p.t.Fatalf("key %q: %v", k, err)
	}
}

// example reads a script of examples/.
func example(t *testing.T, name string) Script {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	return Script{File: name, Source: string(b)}
}

// openScript serves the page with s and opens it, run.
func openScript(t *testing.T, s Script) *page {
	t.Helper()
	p := openPage(t, servePage(t, &s))
	settle(p)
	return p
}

// TestPageOpensRunning: opened with a script, the page runs it at once
// and shows the start of the run: the slider over every step, the trace
// (only the rows in view are drawn), each thread's line.
func TestPageOpensRunning(t *testing.T) {
	s := example(t, "15-race.proc")
	p := openScript(t, s)
	var want wireLoad
	native(t, NewEngine(), loadReq(s.File, s.Source, "", false), &want)
	if !want.OK {
		t.Fatalf("the script does not load natively: %+v", want.Error)
	}
	got := state(p)
	if got.Steps != want.Steps || got.Events != len(want.Events) || got.Step != 0 {
		t.Errorf("state %+v; want step 0 of %d, %d events", got, want.Steps, len(want.Events))
	}
	if got.SnapshotStep == nil || *got.SnapshotStep != 0 {
		t.Errorf("the machine drawn is of step %v, want 0", got.SnapshotStep)
	}
	if f := p.text("#file-name"); f != s.File {
		t.Errorf("file name %q, want %q", f, s.File)
	}
	var src string
	p.mustEval(`document.getElementById("source").value`, &src)
	if src != s.Source {
		t.Errorf("the editor holds %q", src)
	}
	var slider struct{ Max, Value string }
	p.mustEval(`({Max: document.getElementById("slider").max, Value: document.getElementById("slider").value})`, &slider)
	if slider.Max != fmt.Sprint(want.Steps) || slider.Value != "0" {
		t.Errorf("slider %+v, want 0 of %d", slider, want.Steps)
	}
	var rows int
	p.mustEval(`document.querySelectorAll("#trace .trace-row").length`, &rows)
	if rows == 0 || rows >= len(want.Events) {
		t.Errorf("%d trace rows drawn for %d events: want only those in view", rows, len(want.Events))
	}
	var first string
	p.mustEval(`document.querySelector('#trace .trace-row[data-i="0"] .tr-x').textContent`, &first)
	if first != want.Events[0].Text {
		t.Errorf("the first trace row says %q, want %q", first, want.Events[0].Text)
	}
	// Thread 1 is at its first line, marked in the gutter.
	var tags []string
	p.mustEval(`[...document.querySelectorAll(".ed-tag")].map((e) => e.textContent)`, &tags)
	if len(tags) == 0 || !strings.Contains(strings.Join(tags, " "), "1") {
		t.Errorf("no thread marked in the editor: %q", tags)
	}
	p.checkLocal()
}

// TestPageMoves: the keys, the buttons, the slider, the trace and the
// timeline all move in time, and the machine drawn follows.
func TestPageMoves(t *testing.T) {
	s := example(t, "15-race.proc")
	p := openScript(t, s)
	eng := NewEngine()
	var run wireLoad
	native(t, eng, loadReq(s.File, s.Source, "", false), &run)

	p.click("#step-fwd") // the focus leaves the editor: keys move in time
	for range 2 {
		key(p, kb.ArrowRight)
	}
	if got := state(p); got.Step != 3 || got.SnapshotStep == nil || *got.SnapshotStep != 3 {
		t.Errorf("after three steps forward: %+v", got)
	}
	before := state(p)
	key(p, kb.ArrowRight, chromedp.ModifierShift)
	got := state(p)
	if got.Event != before.Event+1 || got.Step != run.Events[got.Event].Step {
		t.Errorf("Shift+Right from event %d: %+v", before.Event, got)
	}
	key(p, kb.ArrowLeft)
	if g := state(p); g.Step != got.Step-1 {
		t.Errorf("Left from step %d: step %d", got.Step, g.Step)
	}
	key(p, kb.End)
	if g := state(p); g.Step != run.Steps || g.Event != len(run.Events)-1 {
		t.Errorf("End: %+v", g)
	}
	key(p, kb.Home)
	if g := state(p); g.Step != 0 {
		t.Errorf("Home: %+v", g)
	}

	// The slider: a drag is many moves, of which the last one counts.
	p.mustEval(`(() => {
		const r = document.getElementById("slider");
		for (const v of [10, 200, 400, 500]) { r.value = String(v); r.dispatchEvent(new Event("input")); }
		return true;
	})()`, nil)
	if g := state(p); g.Step != 500 || g.SnapshotStep == nil || *g.SnapshotStep != 500 {
		t.Errorf("after a drag to 500: %+v", g)
	}

	// A trace row: its event becomes the current one. Only the rows in
	// view exist: the list goes back to its top first.
	clickRow(p, 5)
	if g := state(p); g.Event != 5 || g.Step != run.Events[5].Step {
		t.Errorf("a click on event 5: %+v, want step %d", g, run.Events[5].Step)
	}
	var cls string
	p.mustEval(`document.querySelector('#trace .trace-row[data-i="5"]').className`, &cls)
	if !strings.Contains(cls, "current") {
		t.Errorf("the row clicked is not marked current: %q", cls)
	}

	// By line: the step the engine's seek gives.
	from := state(p).Step
	var seek struct {
		OK   bool  `json:"ok"`
		Step int64 `json:"step"`
	}
	native(t, eng, map[string]any{"op": "seek", "step": from, "by": "line", "tid": 1, "dir": 1}, &seek)
	p.click("#line-fwd")
	if g := state(p); g.Step != seek.Step {
		t.Errorf("line forward from %d: step %d, want %d", from, g.Step, seek.Step)
	}

	// The timeline: a click in the middle goes to the middle of the run.
	p.mustEval(`(() => {
		const svg = document.querySelector("#gantt svg.gantt-svg");
		const r = svg.getBoundingClientRect();
		svg.dispatchEvent(new MouseEvent("click", {clientX: r.right - 40, clientY: r.top + r.height / 2, bubbles: true}));
		return true;
	})()`, nil)
	if g := state(p); g.Step < run.Steps/2 {
		t.Errorf("a click near the timeline's end went to step %d of %d", g.Step, run.Steps)
	}
}

// TestPageError: a script that does not compile shows the command
// line's message, at its line.
func TestPageError(t *testing.T) {
	s := Script{File: "typo.proc", Source: "let count = 1\nprint cuont\n"}
	p := openPage(t, servePage(t, &s))
	settle(p)
	var want wireLoad
	native(t, NewEngine(), loadReq(s.File, s.Source, "", false), &want)
	if want.OK || want.Error == nil {
		t.Fatalf("the script loads natively: %+v", want)
	}
	var shown string
	p.mustEval(`document.getElementById("error").textContent`, &shown)
	if shown != want.Error.Text {
		t.Errorf("the page says %q, want %q", shown, want.Error.Text)
	}
	var marked []int
	p.mustEval(`[...document.querySelectorAll(".ed-gl")].flatMap((row, i) => row.querySelector(".ed-err-mark") ? [i + 1] : [])`, &marked)
	if len(marked) != 1 || marked[0] != want.Error.Line {
		t.Errorf("error marks at lines %v, want %d", marked, want.Error.Line)
	}
}

// TestPageScheduler: in scheduler mode the page asks which thread runs
// next, and the choices made are a schedule that replays.
func TestPageScheduler(t *testing.T) {
	s := example(t, "35-explore-lost-update.proc")
	p := openScript(t, s)
	eng := NewEngine()
	var first wireLoad
	native(t, eng, loadReq(s.File, s.Source, "", true), &first)
	if first.Choice == nil || len(first.Choice.Options) < 2 {
		t.Fatalf("natively, no choice to make: %+v", first)
	}

	p.click("#mode-sched")
	var tids []string
	settle(p)
	p.mustEval(`[...document.querySelectorAll("#sched-choices .sched-choice")].map((b) => b.dataset.tid)`, &tids)
	if len(tids) != len(first.Choice.Options) {
		t.Fatalf("choices %q, want %d", tids, len(first.Choice.Options))
	}
	if g := state(p); g.Step != first.Choice.Step {
		t.Errorf("the machine is at step %d, want the choice's step %d", g.Step, first.Choice.Step)
	}
	pick := tids[len(tids)-1]
	p.click(`#sched-choices .sched-choice[data-tid="` + pick + `"]`)
	schedule := first.Choice.Options[len(tids)-1].Schedule
	var next wireLoad
	native(t, eng, loadReq(s.File, s.Source, schedule, true), &next)
	got := state(p)
	wantSchedule := schedule
	if next.Choice != nil {
		wantSchedule = next.Choice.Schedule
	} else if next.Schedule != "" {
		wantSchedule = next.Schedule
	}
	if got.Schedule != wantSchedule || p.text("#schedule") != wantSchedule {
		t.Errorf("schedule %q (shown %q), want %q", got.Schedule, p.text("#schedule"), wantSchedule)
	}
	if cmd, want := p.text("#schedule-cmd"), "proc run --schedule="+wantSchedule+" "+s.File; cmd != want {
		t.Errorf("command %q, want %q", cmd, want)
	}

	p.click("#sched-undo")
	if g := state(p); g.Schedule != first.Choice.Schedule || g.Step != first.Choice.Step {
		t.Errorf("after undo: %+v, want the first choice again", g)
	}

	// A failing schedule: the first failed outcome of explore.
	var ex struct {
		Outcomes []struct {
			Schedule string `json:"schedule"`
			Failed   bool   `json:"failed"`
		} `json:"outcomes"`
	}
	native(t, eng, map[string]any{"op": "explore", "file": s.File, "source": s.Source, "sets": []string{}, "max_schedules": 2000}, &ex)
	want := ""
	for _, o := range ex.Outcomes {
		if o.Failed {
			want = o.Schedule
			break
		}
	}
	if want == "" {
		t.Fatalf("natively, no outcome failed: %+v", ex)
	}
	p.click("#sched-failing")
	if g := state(p); g.Schedule != want {
		t.Errorf("the failing schedule loaded is %q, want %q", g.Schedule, want)
	}

	// The command the page gives replays the run it shows: the same
	// output, the same exit status.
	g := moveTo(p, state(p).Steps)
	var output string
	p.mustEval(`document.getElementById("output").textContent`, &output)
	m := regexp.MustCompile(`exit status (\d+)`).FindStringSubmatch(p.text("#status"))
	if m == nil {
		t.Fatalf("the page does not say how the run of schedule %q ended: %q", g.Schedule, p.text("#status"))
	}
	args := strings.Fields(p.text("#schedule-cmd"))
	if len(args) != 4 || args[0] != "proc" || args[1] != "run" || args[2] != "--schedule="+g.Schedule || args[3] != s.File {
		t.Fatalf("the command shown is %q", args)
	}
	cmd := exec.Command(procCommand(t), args[1:]...)
	cmd.Dir = filepath.Join("..", "examples")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	code := 0
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("%s: %v", args, err)
		}
		code = exit.ExitCode()
	}
	if stdout.String() != output+"\n" || fmt.Sprint(code) != m[1] {
		t.Errorf("%s prints %q and exits with %d (stderr %q); the page shows %q and exit status %s",
			strings.Join(args, " "), stdout.String(), code, stderr.String(), output, m[1])
	}
}

// procCommand builds the proc command into the test's folder and returns
// its path; it skips the test when there is no go command to build it.
func procCommand(t *testing.T) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build proc with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "proc")
	if out, err := exec.Command(goCmd, "build", "-o", bin, "../cmd/proc").CombinedOutput(); err != nil {
		t.Fatalf("building proc: %v\n%s", err, out)
	}
	return bin
}

// TestPageExplore: explore lists the outcomes; a click on one loads a
// schedule that gives it.
func TestPageExplore(t *testing.T) {
	s := example(t, "35-explore-lost-update.proc")
	p := openScript(t, s)
	eng := NewEngine()
	var ex struct {
		Outcomes []struct {
			Output   string `json:"output"`
			Schedule string `json:"schedule"`
		} `json:"outcomes"`
	}
	native(t, eng, map[string]any{"op": "explore", "file": s.File, "source": s.Source, "sets": []string{}, "max_schedules": 2000}, &ex)
	p.click("#mode-explore")
	settle(p)
	var outs []string
	p.mustEval(`[...document.querySelectorAll("#outcomes .outcome .oc-out")].map((e) => e.textContent)`, &outs)
	if len(outs) != len(ex.Outcomes) {
		t.Fatalf("%d outcomes shown, want %d", len(outs), len(ex.Outcomes))
	}
	for i, o := range ex.Outcomes {
		if outs[i] != strings.TrimSuffix(o.Output, "\n") {
			t.Errorf("outcome %d shows %q, want %q", i+1, outs[i], o.Output)
		}
	}
	last := len(ex.Outcomes) - 1
	p.click(fmt.Sprintf(`#outcomes .outcome[data-i="%d"]`, last))
	var run wireLoad
	native(t, eng, loadReq(s.File, s.Source, ex.Outcomes[last].Schedule, false), &run)
	if g := state(p); g.Schedule != ex.Outcomes[last].Schedule || g.Steps != run.Steps {
		t.Errorf("outcome %d loaded %+v, want schedule %q, %d steps", last+1, g, ex.Outcomes[last].Schedule, run.Steps)
	}
	var output string
	p.mustEval(`ProcApp.setStep(ProcApp.state.steps), ProcApp.idle().then(() => document.getElementById("output").textContent)`, &output)
	if want := strings.TrimSuffix(ex.Outcomes[last].Output, "\n"); output != want {
		t.Errorf("the output at the end is %q, want %q", output, want)
	}
}

// TestPageThemeAndFont: the dark theme and the large font are remembered
// from one visit to the next.
func TestPageThemeAndFont(t *testing.T) {
	address := servePage(t, nil)
	p := openPage(t, address)
	settle(p)
	var before string
	p.mustEval(`document.documentElement.dataset.theme`, &before)
	p.click("#theme")
	p.click("#font")
	look := `[document.documentElement.dataset.theme, document.documentElement.classList.contains("large"), document.body.classList.contains("large")].join(" ")`
	var after string
	p.mustEval(look, &after)
	other := map[string]string{"light": "dark", "dark": "light"}[before]
	if want := other + " true true"; after != want {
		t.Fatalf("after the toggles: %q, want %q", after, want)
	}
	again := openPage(t, address)
	settle(again)
	var kept string
	again.mustEval(look, &kept)
	if kept != after {
		t.Errorf("on the next visit: %q, want %q", kept, after)
	}
}

// TestPageTimelineCPUs: on several CPUs the timeline has a row per CPU
// below the threads', each bar a stretch a thread ran there, titled with
// the CPU and the thread; on one CPU there are none.
func TestPageTimelineCPUs(t *testing.T) {
	p := openScript(t, example(t, "46-two-cpus.proc"))
	settle(p)
	var got struct {
		Labels []string   `json:"labels"`
		Bars   [][]string `json:"bars"`
		Rows   []string   `json:"rows"`
	}
	p.mustEval(`(() => {
		const rows = [...document.querySelectorAll("#gantt .g-cpu-row")];
		return {
			labels: rows.map((r) => r.querySelector(".g-label").textContent),
			bars: rows.map((r) => [...r.querySelectorAll("rect title")].map((t) => t.textContent)),
			rows: [...document.querySelectorAll("#gantt .g-row:not(.g-cpu-row) > title")].map((t) => t.textContent),
		};
	})()`, &got)
	if strings.Join(got.Labels, " ") != "cpu0 cpu1" {
		t.Fatalf("CPU rows %q, want cpu0 cpu1", got.Labels)
	}
	threads := map[string]bool{}
	for _, r := range got.Rows {
		threads[r] = true
	}
	for i, bars := range got.Bars {
		if len(bars) == 0 {
			t.Errorf("cpu%d: no bars", i)
		}
		for _, b := range bars {
			name, ok := strings.CutPrefix(b, fmt.Sprintf("cpu%d: ", i))
			name, _, _ = strings.Cut(name, ", ")
			if !ok || !threads[name] {
				t.Errorf("cpu%d: a bar titled %q (threads %v)", i, b, got.Rows)
			}
		}
	}

	one := openScript(t, example(t, "14-four-threads.proc"))
	settle(one)
	var n int
	one.mustEval(`document.querySelectorAll("#gantt .g-cpu-row").length`, &n)
	if n != 0 {
		t.Errorf("one CPU: %d CPU rows", n)
	}
}

// TestPageWarmCache: with working sets the statistics say how many ticks
// each CPU computed with a warm cache, as --stats does.
func TestPageWarmCache(t *testing.T) {
	src, err := os.ReadFile("../examples/ostep/cpu-sched-multi.proc")
	if err != nil {
		t.Fatal(err)
	}
	// With a queue per CPU, as its comment says to run it.
	source := strings.Replace(string(src), "config cpus = 2\n", "config cpus = 2\nconfig sched_queues = \"percpu\"\n", 1)
	p := openScript(t, Script{File: "cpu-sched-multi.proc", Source: source})
	settle(p)
	var text string
	p.mustEval(`document.getElementById("stats").textContent`, &text)
	if !strings.Contains(text, "computed warm") || !strings.Contains(text, "cpu0 35, cpu1 75") {
		t.Errorf("the statistics do not give the warm ticks of --stats (cpu0 35, cpu1 75):\n%s", text)
	}
}
