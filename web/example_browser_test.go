//go:build !js

package web

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The tests of the page over the examples: every one of them runs in it,
// what it draws at an event is what the command line shows there, and
// going back in time shows what going forward showed.

// examples returns the scripts of examples/, in name order.
func examples(t *testing.T) []Script {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("..", "examples", "*.proc"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatal("no example found in examples/")
	}
	var out []Script
	for _, n := range names {
		out = append(out, example(t, filepath.Base(n)))
	}
	return out
}

// runInPage puts src into the page's editor, as typing would (an input
// event), runs it as the Run button does and waits until the page has
// settled. It returns the page's state.
func runInPage(p *page, src string) appState {
	p.t.Helper()
	js, err := json.Marshal(src)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mustEval(`(() => {
		const ta = document.getElementById("source");
		ta.value = `+string(js)+`;
		ta.dispatchEvent(new Event("input", {bubbles: true}));
		return true;
	})()`, nil)
	p.click("#run")
	return state(p)
}

// moveTo shows step in the page, as ProcApp.setStep, and waits until it
// is drawn.
func moveTo(p *page, step int64) appState {
	p.t.Helper()
	p.mustEval(fmt.Sprintf(`ProcApp.setStep(%d), true`, step), nil)
	return state(p)
}

// shownOutput is what the output panel shows when the events up to
// event (an index into events, -1 for none) have happened: the lines
// printed so far, the last 500 of them at most.
func shownOutput(events []wireEvent, event int) string {
	var lines []string
	for i := 0; i <= event && i < len(events); i++ {
		if events[i].Ev == "print" {
			lines = append(lines, events[i].Text)
		}
	}
	if len(lines) == 0 {
		return "(nothing printed yet)"
	}
	if n := len(lines); n > 500 {
		return fmt.Sprintf("… %d earlier lines\n", n-500) + strings.Join(lines[n-500:], "\n")
	}
	return strings.Join(lines, "\n")
}

// lastEventAt is the index of the last event at or before step, -1 for
// none, as the page picks the current event.
func lastEventAt(events []wireEvent, step int64) int {
	return sort.Search(len(events), func(i int) bool { return events[i].Step > step }) - 1
}

// runOutput is the load answer's output field.
type runOutput struct {
	wireLoad
	Output string `json:"output"`
	Exit   int    `json:"exit"`
}

// TestPageRunsEveryExample: each example, typed into one page and run,
// loads without an error of the page, and its output panel shows the
// run's output at the end and what was printed so far in the middle.
func TestPageRunsEveryExample(t *testing.T) {
	all := examples(t)
	p := openScript(t, all[0])
	file := state(p).File
	eng := NewEngine()
	for _, s := range all {
		var want runOutput
		native(t, eng, loadReq(file, s.Source, "", false), &want)
		if !want.OK {
			t.Errorf("%s: does not load natively: %+v", s.File, want.Error)
			continue
		}
		got := runInPage(p, s.Source)
		var body string
		p.mustEval(`document.body.dataset.state`, &body)
		if body != "ready" || got.Steps != want.Steps || got.Events != len(want.Events) || got.Step != 0 {
			t.Errorf("%s: page %s, state %+v; want ready at step 0 of %d, %d events", s.File, body, got, want.Steps, len(want.Events))
			continue
		}
		// The output printed, joined as the page joins it, is the run's.
		if full := shownOutput(want.Events, len(want.Events)-1); want.Output != "" && !strings.HasPrefix(full, "… ") &&
			full != strings.TrimSuffix(want.Output, "\n") {
			t.Errorf("%s: the print events say %q, the run's output is %q", s.File, full, want.Output)
		}
		for _, step := range []int64{want.Steps, want.Steps / 2} {
			g := moveTo(p, step)
			if g.Step != step || g.SnapshotStep == nil || *g.SnapshotStep != step {
				t.Errorf("%s: moved to step %d: %+v", s.File, step, g)
			}
			var out string
			p.mustEval(`document.getElementById("output").textContent`, &out)
			if w := shownOutput(want.Events, lastEventAt(want.Events, step)); out != w {
				t.Errorf("%s at step %d of %d: the output panel shows %q, want %q", s.File, step, want.Steps, out, w)
			}
		}
		if strings.Contains(p.text("#memory")+p.text("#kernel"), "failed to draw") {
			t.Errorf("%s: the machine did not draw", s.File)
		}
	}
}

// showRow scrolls the trace list until event i's row is drawn.
func showRow(p *page, i int) {
	p.t.Helper()
	var ok bool
	p.mustEval(fmt.Sprintf(`(() => {
		const box = document.getElementById("trace");
		const row = box.querySelector(".trace-row");
		const h = row ? row.getBoundingClientRect().height : 20;
		box.scrollTop = Math.max(0, %d * h - box.clientHeight / 2);
		box.dispatchEvent(new Event("scroll"));
		return new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() =>
			r(!!box.querySelector('.trace-row[data-i="%d"]')))));
	})()`, i, i), &ok)
	if !ok {
		p.t.Fatalf("the row of event %d is not drawn after scrolling to it", i)
	}
}

// clickRow brings the trace's row of event i into view and clicks it, in
// one go: the list draws only the rows in view and draws them again as it
// pleases, so a row found first and clicked after may be gone by then.
func clickRow(p *page, i int) {
	p.t.Helper()
	showRow(p, i)
	var ok bool
	p.mustEval(fmt.Sprintf(`(() => {
		const row = document.querySelector('#trace .trace-row[data-i="%d"]');
		if (row) row.click();
		return !!row;
	})()`, i), &ok)
	if !ok {
		p.t.Fatalf("the row of event %d is not drawn", i)
	}
}

// TestPageEventMatchesViews: a click on an event's row of the trace
// shows the machine of that event's step, as show maps, show heap and
// show stack print it.
func TestPageEventMatchesViews(t *testing.T) {
	cases := []struct {
		name  string
		event int
	}{
		{"03-stack-frames", 6},           // five frames deep
		{"04-heap-first-fit", 13},        // blocks between holes
		{"08-values-and-references", 13}, // a pointer into the stack
		{"10-threads-share", 24},         // three threads, three stacks
		{"11-fork-cow", 12},              // two processes, pages shared
		{"23-pipe", 14},                  // two processes and a pipe
	}
	s := example(t, cases[0].name+".proc")
	p := openScript(t, s)
	file := state(p).File
	eng := NewEngine()
	for _, c := range cases {
		src := example(t, c.name+".proc")
		var run wireLoad
		native(t, eng, loadReq(file, src.Source, "", false), &run)
		if c.event >= len(run.Events) {
			t.Fatalf("%s has %d events, not %d", c.name, len(run.Events), c.event+1)
		}
		runInPage(p, src.Source)
		clickRow(p, c.event)
		step := run.Events[c.event].Step
		if g := state(p); g.Event != c.event || g.Step != step || g.SnapshotStep == nil || *g.SnapshotStep != step {
			t.Errorf("%s: a click on event %d: %+v, want step %d", c.name, c.event, g, step)
			continue
		}
		var d drawn
		p.mustEval(readDrawing, &d)
		m, snap := machineAt(t, c.name, step)
		checkDrawing(t, fmt.Sprintf("%s at event %d (step %d)", c.name, c.event, step), m, snap, &d)
		frames, blocks := 0, 0
		for _, proc := range d.Procs {
			frames += len(proc.Frames)
			blocks += len(proc.Blocks)
		}
		if frames == 0 {
			t.Errorf("%s at event %d: no frame drawn: the comparison compared no stack", c.name, c.event)
		}
		if c.name == "04-heap-first-fit" && blocks == 0 {
			t.Errorf("%s at event %d: no heap block drawn", c.name, c.event)
		}
	}
}

// seen is what the page shows of the machine at a step: the memory and
// kernel panels' text and the editor's gutter, where the threads' lines
// are marked.
type seen struct {
	Step   int64
	Memory string
	Kernel string
	Gutter string
}

func look(p *page) seen {
	p.t.Helper()
	var v seen
	p.mustEval(`({
		Step: ProcApp.state.step,
		Memory: document.getElementById("memory").innerText,
		Kernel: document.getElementById("kernel").innerText,
		Gutter: document.querySelector("#editor .ed-gutter").innerHTML,
	})`, &v)
	return v
}

// clickTimes clicks the button sel n times, each once the page has
// settled after the one before.
func clickTimes(p *page, sel string, n int) {
	p.t.Helper()
	for range n {
		p.click(sel)
		settle(p)
	}
}

// TestPageBackIsForward: a step reached going back in time, by the step
// buttons, by events or at once, shows exactly what it showed when it
// was reached going forward.
func TestPageBackIsForward(t *testing.T) {
	cases := []struct {
		name   string
		events int // clicks on the next-event button, then
		steps  int // clicks on the next-step button
	}{
		{"03-stack-frames", 6, 1},
		{"14-four-threads", 20, 3},
	}
	p := openScript(t, example(t, cases[0].name+".proc"))
	for _, c := range cases {
		s := example(t, c.name+".proc")
		runInPage(p, s.Source)
		clickTimes(p, "#event-fwd", c.events)
		clickTimes(p, "#step-fwd", c.steps)
		fwd := look(p)
		if fwd.Step == 0 || fwd.Memory == "" || !strings.Contains(fwd.Gutter, "ed-tag") {
			t.Fatalf("%s: forward to step %d shows %+v", c.name, fwd.Step, fwd)
		}
		if c.name == "14-four-threads" && strings.Count(fwd.Gutter, "ed-tag") < 2 {
			t.Errorf("%s: at step %d only one thread is marked: %s", c.name, fwd.Step, fwd.Gutter)
		}
		if !strings.Contains(fwd.Memory, "changed by the last instruction") {
			t.Errorf("%s: at step %d no value is marked as changed: the marks are not compared", c.name, fwd.Step)
		}
		k := fwd.Step
		back := func(how string) {
			t.Helper()
			got := look(p)
			for _, f := range []struct{ what, got, want string }{
				{"step", fmt.Sprint(got.Step), fmt.Sprint(fwd.Step)},
				{"memory", got.Memory, fwd.Memory},
				{"kernel", got.Kernel, fwd.Kernel},
				{"gutter", strings.ReplaceAll(got.Gutter, "</div>", "</div>\n"), strings.ReplaceAll(fwd.Gutter, "</div>", "</div>\n")},
			} {
				if f.got != f.want {
					t.Errorf("%s, step %d reached %s: the %s differs from forward's: %s", c.name, k, how, f.what, firstDiff(f.got, f.want))
				}
			}
		}
		p.click("#to-end")
		if g := state(p); g.Step != g.Steps || g.Step <= k {
			t.Fatalf("%s: the end is %+v", c.name, g)
		}
		moveTo(p, k+3)
		clickTimes(p, "#step-back", 3)
		back("back by three steps")

		p.click("#to-end")
		settle(p)
		// Back event by event, from a few events later, to the last
		// event at or before k, then forward by steps to k.
		var run wireLoad
		native(t, NewEngine(), loadReq(state(p).File, s.Source, "", false), &run)
		target := lastEventAt(run.Events, k)
		later := min(target+4, len(run.Events)-1)
		p.mustEval(fmt.Sprintf(`ProcApp.setStep(%d, {ev: %d}), true`, run.Events[later].Step, later), nil)
		for state(p).Event > target {
			p.click("#event-back")
		}
		clickTimes(p, "#step-fwd", int(k-state(p).Step))
		back("back by events")

		p.click("#to-end")
		settle(p)
		moveTo(p, k)
		back("at once")
	}
}

// firstDiff describes where two texts first differ, by line.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl || i >= len(g) || i >= len(w) {
			return fmt.Sprintf("line %d is %q, want %q (%d lines, want %d)", i+1, gl, wl, len(g), len(w))
		}
	}
	return "the same lines"
}

// TestPageLeaksAtEnd: at the end of a run every process is gone, so the
// memory pane says what their heaps held at exit, as the leak checker
// reported it: the block lost, where it was allocated.
func TestPageLeaksAtEnd(t *testing.T) {
	p := openScript(t, example(t, "06-leak.proc"))
	p.click("#to-end")
	settle(p)
	var got struct {
		Lost  []string
		Other []string
	}
	p.mustEval(`({
		Lost: [...document.querySelectorAll('#memory .pm-exit[data-lost="true"]')].map((e) => e.textContent),
		Other: [...document.querySelectorAll('#memory .pm-exit:not([data-lost])')].map((e) => e.textContent),
	})`, &got)
	if len(got.Lost) != 1 || !strings.Contains(got.Lost[0], "100 bytes at 0x402050, allocated at main, line 17") {
		t.Errorf("the lost block at the end: %q", got.Lost)
	}
	if len(got.Other) != 0 {
		t.Errorf("reports that lose nothing: %q", got.Other)
	}
	// One step back, the process is there with the block marked leaked.
	p.click("#step-back")
	settle(p)
	var leaked []string
	p.mustEval(`[...document.querySelectorAll('#memory .pm-block[data-leak="leaked"]')].map((e) => e.dataset.addr)`, &leaked)
	if len(leaked) != 1 || leaked[0] != "0x402050" {
		t.Errorf("one step before the end, the blocks marked leaked: %q", leaked)
	}
}
