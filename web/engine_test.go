package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"proc/interp"
	"proc/interp/explore"
	"proc/interp/tape"
)

// call sends req to e and decodes the answer, which must be valid JSON
// with "ok" as said.
func call(t *testing.T, e *Engine, req any, ok bool) map[string]any {
	t.Helper()
	var b []byte
	switch r := req.(type) {
	case string:
		b = []byte(r)
	default:
		var err error
		if b, err = json.Marshal(r); err != nil {
			t.Fatal(err)
		}
	}
	out := e.Call(b)
	if !json.Valid(out) {
		t.Fatalf("%s: the answer is not JSON: %.300s", b, out)
	}
	var resp map[string]any
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	if resp["ok"] != ok {
		t.Fatalf("%.200s: ok %v, want %v: %.500s", b, resp["ok"], ok, out)
	}
	if !ok {
		f, _ := resp["error"].(map[string]any)
		if f == nil || f["message"] == "" || f["text"] == nil {
			t.Fatalf("%.200s: a failure without its error: %s", b, out)
		}
	}
	return resp
}

func source(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../examples/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestLoad checks the answer to a load against the tape it made: every
// event, field for field, the timeline, the statistics and how the run
// ended.
func TestLoad(t *testing.T) {
	e := NewEngine()
	for _, name := range []string{"01-hello.proc", "07-double-free.proc", "15-race.proc", "21-sched-mlfq.proc", "30-dining-philosophers.proc"} {
		src := source(t, name)
		resp := call(t, e, map[string]any{"op": "load", "file": name, "source": src}, true)
		tp, err := tape.Load(name, []byte(src), tape.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if resp["steps"] != float64(tp.Steps()) || resp["ticks"] != float64(tp.Ticks()) || resp["output"] != tp.Output() ||
			resp["exit"] != float64(tp.ExitCode()) || resp["stopped"] != tp.Stopped() || resp["choice"] != nil || resp["truncated"] != false {
			t.Errorf("%s: %v %v %q %v %q %v", name, resp["steps"], resp["ticks"], resp["output"], resp["exit"], resp["stopped"], resp["choice"])
		}
		events := resp["events"].([]any)
		if len(events) != tp.NumEvents() {
			t.Fatalf("%s: %d events, the tape has %d", name, len(events), tp.NumEvents())
		}
		for i, ev := range tp.Events() {
			got := events[i].(map[string]any)
			var more []any
			for _, m := range ev.More {
				more = append(more, m)
			}
			want := map[string]any{"i": float64(i), "step": float64(ev.Step), "t": float64(ev.T), "pid": float64(ev.PID), "tid": float64(ev.TID),
				"cat": ev.Cat, "ev": ev.Ev, "text": ev.Text}
			if more != nil {
				want["more"] = more
			}
			if ev.Cost != 0 {
				want["cost"] = float64(ev.Cost)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s: event %d is %v, want %v", name, i, got, want)
			}
		}
		var stats, want map[string]any
		b, _ := json.Marshal(resp["stats"])
		json.Unmarshal(b, &stats)
		json.Unmarshal(tp.Stats(), &want)
		if fmt.Sprint(stats) != fmt.Sprint(want) || stats["ev"] != "stats" {
			t.Errorf("%s: stats %v, want %v", name, stats, want)
		}
		g := resp["gantt"].(map[string]any)
		rows := g["rows"].([]any)
		if len(rows) != len(tp.Gantt().Rows) || g["ticks"] != float64(tp.Ticks()) || g["bucket"] != float64(1) || g["cut"] != float64(-1) {
			t.Errorf("%s: gantt %v", name, g)
		}
		for i, r := range rows {
			row, spans := r.(map[string]any), tp.Gantt().Rows[i].Spans
			if row["tid"] != float64(tp.Gantt().Rows[i].TID) || len(row["spans"].([]any)) != len(spans) {
				t.Fatalf("%s: row %d: %v", name, i, row)
			}
			s0 := row["spans"].([]any)[0].(map[string]any)
			if s0["from"] != float64(spans[0].From) || s0["to"] != float64(spans[0].To) || s0["state"] != spans[0].State {
				t.Errorf("%s: row %d: first span %v, want %+v", name, i, s0, spans[0])
			}
		}
		marks := g["marks"].([]any)
		if last := marks[len(marks)-1].([]any); last[0] != float64(tp.Steps()) || last[1] != float64(tp.Ticks()) {
			t.Errorf("%s: last mark %v", name, last)
		}
	}
}

// TestLoadStrings: whatever a script prints, the answer is JSON (and
// JavaScript) that gives it back.
func TestLoadStrings(t *testing.T) {
	e := NewEngine()
	text := "quote \" backslash \\ tab \t cr \r bell \x07 del \x7f line\u2028para\u2029 é 😀 end"
	// The script holds the control characters as they are, the rest
	// with the language's escapes.
	src := "print \"" + strings.NewReplacer("\\", "\\\\", "\"", "\\\"", "\t", "\\t").Replace(text) + "\"\n"
	out := e.Call(mustJSON(t, map[string]any{"op": "load", "file": "s.proc", "source": src}))
	if bytes.Contains(out, []byte("\u2028")) || bytes.Contains(out, []byte("\u2029")) {
		t.Errorf("the answer holds U+2028 or U+2029 unescaped")
	}
	var r map[string]any
	if err := json.Unmarshal(out, &r); err != nil || r["ok"] != true {
		t.Fatalf("%v: %.300s", err, out)
	}
	if r["output"] != text+"\n" {
		t.Errorf("output %q, want %q", r["output"], text+"\n")
	}
}

// TestJSONStrings: the strings the answers are written with read back as
// they were, a byte that is not UTF-8 as U+FFFD.
func TestJSONStrings(t *testing.T) {
	for _, s := range []string{"", "plain", "\"\\/", "\x00\x01\x1f\x7f\n\r\t", "\u2028\u2029", "é😀", "bad \xff\xfe\xc3 end", "\xe2\x80"} {
		w := &jsonWriter{}
		w.str(s)
		var got string
		if err := json.Unmarshal(w.b, &got); err != nil || got != valid(s) {
			t.Errorf("%q written %s, read back %q (%v)", s, w.b, got, err)
		}
		if bytes.ContainsAny(w.b, "\u2028\u2029") || !utf8.Valid(w.b) {
			t.Errorf("%q written %q", s, w.b)
		}
	}
}

// valid is s with each byte that is not UTF-8 made U+FFFD.
func valid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r)
		i += n
	}
	return b.String()
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// txtarFile returns a file of a txtar archive.
func txtarFile(t *testing.T, archive, name string) string {
	t.Helper()
	b, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n-- "+name+" --\n")
	if !ok {
		t.Fatalf("%s: no file %s", archive, name)
	}
	body, _, _ := strings.Cut(rest, "\n-- ")
	return body + "\n"
}

// TestLoadErrors: a script that cannot run gets the words proc run
// prints for it, caret and all, and the run loaded before stays.
func TestLoadErrors(t *testing.T) {
	e := NewEngine()
	call(t, e, map[string]any{"op": "load", "file": "hello.proc", "source": source(t, "01-hello.proc")}, true)

	archive := "../cmd/proc/testdata/script/errors.txtar"
	bad, want := txtarFile(t, archive, "bad.proc"), txtarFile(t, archive, "bad.want")
	resp := call(t, e, map[string]any{"op": "load", "file": "bad.proc", "source": bad}, false)
	f := resp["error"].(map[string]any)
	if f["text"] != want || f["file"] != "bad.proc" || f["line"] != float64(2) || f["col"] != float64(10) || f["message"] != "expected expression, found end of line" {
		t.Errorf("a syntax error: %v, want the text %q", f, want)
	}
	undefined := txtarFile(t, archive, "undefined.proc")
	resp = call(t, e, map[string]any{"op": "load", "file": "undefined.proc", "source": undefined}, false)
	if text := resp["error"].(map[string]any)["text"].(string); !strings.HasPrefix(text, "undefined.proc:2:7: undefined: y\n") {
		t.Errorf("a name error: %q", text)
	}
	for _, c := range []struct {
		req  map[string]any
		text string
	}{
		{map[string]any{"op": "load", "file": "a.proc", "source": "print 1\n", "sets": []string{"bogus=1"}}, "proc run: --set: "},
		{map[string]any{"op": "load", "file": "a.proc", "source": "print 1\n", "schedule": "1.x"}, "proc run: --schedule: "},
		{map[string]any{"op": "load", "file": "a.proc", "source": "print 1\n", "schedule": "2.2"}, "proc run: --schedule: the schedule does not fit the script"},
		{map[string]any{"op": "load", "file": "a.proc"}, "load: want a source"},
		{map[string]any{"op": "load", "file": "a.proc", "source": strings.Repeat(" ", tape.MaxSourceBytes+1)}, "proc: a.proc: 1048577 bytes is too large for a script"},
	} {
		resp := call(t, e, c.req, false)
		if text := resp["error"].(map[string]any)["text"].(string); !strings.HasPrefix(text, c.text) || !strings.HasSuffix(text, "\n") {
			t.Errorf("%v: %q, want %q...", c.req["sets"], text, c.text)
		}
	}
	// hello.proc is still the run loaded.
	resp = call(t, e, map[string]any{"op": "snapshot", "step": 0}, true)
	if s := resp["snapshot"].(map[string]any); s["step"] != float64(0) {
		t.Errorf("the snapshot after the failed loads: %v", s)
	}
}

// TestSnapshot: the snapshot at a step, going forward and back, is the
// tape's, and a step past the end is the end.
func TestSnapshot(t *testing.T) {
	e := NewEngine()
	call(t, e, map[string]any{"op": "snapshot", "step": 0}, false) // nothing loaded
	src := source(t, "28-mutex.proc")
	resp := call(t, e, map[string]any{"op": "load", "file": "28-mutex.proc", "source": src}, true)
	steps := int64(resp["steps"].(float64))
	tp, err := tape.Load("28-mutex.proc", []byte(src), tape.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []int64{0, steps / 2, steps / 2, steps/2 + 1, 3, steps, steps + 50} {
		out := e.Call(mustJSON(t, map[string]any{"op": "snapshot", "step": k}))
		snap, err := tp.Snapshot(k)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(map[string]any{"snapshot": snap})
		if err != nil {
			t.Fatal(err)
		}
		if got := append([]byte("{"), out[len(`{"ok":true,`):]...); !bytes.HasPrefix(out, []byte(`{"ok":true,`)) || !bytes.Equal(got, want) {
			t.Errorf("step %d: %.300s\nwant %.300s", k, out, want)
		}
	}
	for _, req := range []string{`{"op":"snapshot"}`, `{"op":"snapshot","step":-1}`, `{"op":"snapshot","step":"3"}`} {
		call(t, e, req, false)
	}
}

// TestSeek: the steps a seek finds are the tape's.
func TestSeek(t *testing.T) {
	e := NewEngine()
	call(t, e, map[string]any{"op": "seek", "step": 0, "by": "line", "tid": 1, "dir": 1}, false) // nothing loaded
	src := source(t, "15-race.proc")
	call(t, e, map[string]any{"op": "load", "file": "15-race.proc", "source": src}, true)
	tp, err := tape.Load("15-race.proc", []byte(src), tape.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		step     int64
		tid, dir int
	}{{0, 1, 1}, {40, 2, 1}, {40, 2, -1}, {300, 3, -1}, {tp.Steps(), 1, -1}} {
		resp := call(t, e, map[string]any{"op": "seek", "step": c.step, "by": "line", "tid": c.tid, "dir": c.dir}, true)
		want, err := tp.SeekLine(c.step, c.tid, c.dir)
		if err != nil {
			t.Fatal(err)
		}
		if resp["step"] != float64(want) {
			t.Errorf("%+v: step %v, want %d", c, resp["step"], want)
		}
	}
	for _, req := range []map[string]any{
		{"op": "seek", "step": 3, "by": "tick", "tid": 1, "dir": 1},
		{"op": "seek", "step": 3, "by": "line", "tid": 1, "dir": 0},
		{"op": "seek", "by": "line", "tid": 1, "dir": 1},
	} {
		call(t, e, req, false)
	}
}

// TestChoose: in scheduler mode a load stops at a choice; choosing each
// time and loading again reaches the end of the run, with the schedule
// that replays it.
func TestChoose(t *testing.T) {
	e := NewEngine()
	src := "global n = 0\nfunc inc() {\n    n = n + 1\n}\nlet a = thread inc()\nlet b = thread inc()\njoin a\njoin b\nprint n\n"
	schedule := ""
	var tids []int
	var resp map[string]any
	for i := 0; ; i++ {
		if i > 100 {
			t.Fatal("no end to the choices")
		}
		resp = call(t, e, map[string]any{"op": "load", "file": "c.proc", "source": src, "choose": true, "schedule": schedule}, true)
		c, _ := resp["choice"].(map[string]any)
		if c == nil {
			break
		}
		opts := c["options"].([]any)
		if len(opts) < 2 || c["step"] != resp["steps"] || (schedule != "" && c["schedule"] != schedule) {
			t.Fatalf("choice %v after %q", c, schedule)
		}
		last := opts[len(opts)-1].(map[string]any)
		if last["next"] == "" || last["line"].(float64) < 1 || last["name"] == "" {
			t.Fatalf("option %v", last)
		}
		tids = append(tids, int(last["tid"].(float64)))
		want := explore.FormatSchedule(tids)
		if last["schedule"] != want {
			t.Fatalf("option %v: its schedule is not %q", last, want)
		}
		schedule = want
	}
	replay := call(t, e, map[string]any{"op": "load", "file": "c.proc", "source": src, "schedule": schedule}, true)
	if replay["output"] != resp["output"] || replay["steps"] != resp["steps"] || resp["schedule"] != schedule {
		t.Errorf("schedule %s: the choices ran to %v %v, its replay to %v %v", schedule, resp["output"], resp["steps"], replay["output"], replay["steps"])
	}
}

// TestExplore: a bounded search, as proc explore's.
func TestExplore(t *testing.T) {
	e := NewEngine()
	src := "global n = 0\nfunc inc() {\n    n = n + 1\n}\nlet a = thread inc()\nlet b = thread inc()\njoin a\njoin b\nprint n\n"
	resp := call(t, e, map[string]any{"op": "explore", "file": "c.proc", "source": src}, true)
	var outputs []string
	for _, o := range resp["outcomes"].([]any) {
		oc := o.(map[string]any)
		outputs = append(outputs, oc["output"].(string))
		if oc["schedule"] == "" || oc["schedules"].(float64) < 1 || oc["failed"] != false {
			t.Errorf("outcome %v", oc)
		}
	}
	if fmt.Sprint(outputs) != "[2\n 1\n]" && fmt.Sprint(outputs) != "[1\n 2\n]" || resp["complete"] != true || len(resp["races"].([]any)) == 0 {
		t.Errorf("explore: %v", resp)
	}
	// Bounded, whatever the request asks.
	resp = call(t, e, map[string]any{"op": "explore", "file": "r.proc", "source": source(t, "15-race.proc"), "max_schedules": 1 << 30, "preemptions": 3}, true)
	if n := resp["schedules"].(float64); n > MaxSchedules || resp["complete"] == true && resp["stop"] != "" {
		t.Errorf("a search of %v schedules, stop %q", n, resp["stop"])
	}
	// The page waits for a search: it stops at the page's bound of
	// instructions, far below proc explore's.
	resp = call(t, e, map[string]any{"op": "explore", "file": "r.proc", "source": source(t, "15-race.proc")}, true)
	if resp["stop"] != "max_total_steps" || resp["complete"] != false || resp["states"].(float64) < 1000 {
		t.Errorf("example 15 with no bound asked: stop %q, %v states", resp["stop"], resp["states"])
	}
	resp = call(t, e, map[string]any{"op": "explore", "file": "r.proc", "source": source(t, "15-race.proc"), "max_schedules": 5}, true)
	if resp["schedules"] != float64(5) || resp["stop"] != "max_schedules" || resp["complete"] != false {
		t.Errorf("max_schedules 5: %v schedules, stop %q", resp["schedules"], resp["stop"])
	}
	f := call(t, e, map[string]any{"op": "explore", "file": "bad.proc", "source": "print (\n"}, false)["error"].(map[string]any)
	if !strings.HasPrefix(f["text"].(string), "bad.proc:2:1: expected expression") {
		t.Errorf("a syntax error: %v", f)
	}
	call(t, e, map[string]any{"op": "explore", "file": "a.proc", "source": "print 1\n", "sets": []string{"x"}}, false)
	call(t, e, map[string]any{"op": "explore", "file": "a.proc"}, false)
}

// TestMalformed: a request that is not one gets an error, never a panic.
func TestMalformed(t *testing.T) {
	e := NewEngine()
	for _, req := range []string{``, `{`, `[]`, `"load"`, `{"op":"load"} {"op":"load"}`, `{"op":"nope"}`, `{"op":1}`, `{"op":"load","source":3}`,
		`{"op":"seek","step":1e3}`, `null`, strings.Repeat(" ", MaxRequestBytes+1)} {
		call(t, e, req, false)
	}
}

// TestNoHostFiles: a file name names a script and is never read: with
// no source there is nothing to run, and with one, the file's content
// is not what runs.
func TestNoHostFiles(t *testing.T) {
	e := NewEngine()
	call(t, e, map[string]any{"op": "load", "file": "../examples/01-hello.proc"}, false)
	resp := call(t, e, map[string]any{"op": "load", "file": "../examples/01-hello.proc", "source": "print 7\n"}, true)
	if resp["output"] != "7\n" {
		t.Errorf("output %q", resp["output"])
	}
}

// TestScriptHeader: the page runs a script as proc run FILE does, with
// the settings of its `# args:` header, which may lower a limit but never
// raise one; explore takes them too.
func TestScriptHeader(t *testing.T) {
	e := NewEngine()
	loop := "# args: --trace=none --set max_steps=50\nlet i = 0\nwhile true {\n    i = i + 1\n}\n"
	r := call(t, e, map[string]any{"op": "load", "file": "loop.proc", "source": loop}, true)
	if stopped, _ := r["stopped"].(string); !strings.Contains(stopped, "max_steps=50") {
		t.Errorf("stopped %q: the header's max_steps=50 was not applied", stopped)
	}
	// The form with = and one dash reads the same.
	r = call(t, e, map[string]any{"op": "load", "file": "loop.proc", "source": strings.Replace(loop, "--set max_steps=50", "-set=max_steps=50", 1)}, true)
	if stopped, _ := r["stopped"].(string); !strings.Contains(stopped, "max_steps=50") {
		t.Errorf("stopped %q with -set=", stopped)
	}
	raise := "# args: --set max_steps=999999999999\nprint 1\n"
	r = call(t, e, map[string]any{"op": "load", "file": "raise.proc", "source": raise}, false)
	if text := r["error"].(map[string]any)["text"].(string); !strings.Contains(text, "raise.proc: # args: --set") {
		t.Errorf("a header that raises a limit: %q", text)
	}
	call(t, e, map[string]any{"op": "explore", "file": "raise.proc", "source": raise}, false)
	bad := "# args: --set\nprint 1\n"
	call(t, e, map[string]any{"op": "load", "file": "bad.proc", "source": bad}, false)
	call(t, e, map[string]any{"op": "load", "file": "bad.proc", "source": "#args: --stats\nprint 1\n"}, false)

	// Example 35 asks for a long quantum: the page's run is proc run's.
	src := source(t, "35-explore-lost-update.proc")
	r = call(t, e, map[string]any{"op": "load", "file": "35-explore-lost-update.proc", "source": src}, true)
	prog, err := interp.Load("35-explore-lost-update.proc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s, err := interp.NewSession(prog, interp.Options{ScriptSets: []string{"quantum=100"}, Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	s.Run()
	if got, want := int64(r["steps"].(float64)), s.M.Steps(); got != want {
		t.Errorf("the page ran %d instructions, proc run %d", got, want)
	}
	if got, want := int64(r["ticks"].(float64)), s.M.Now(); got != want {
		t.Errorf("the page's run took %d ticks, proc run's %d", got, want)
	}
}
