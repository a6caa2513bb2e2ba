// Package web is proc's page: the machine drawn in a browser, its engine
// (the interpreter compiled to WebAssembly) and the server of its files.
package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"proc/grammar"
	"proc/interp"
	"proc/interp/explore"
	"proc/interp/tape"
	"proc/runtime"
)

// Engine answers the page's requests: one JSON request in, one JSON
// response out. It holds the run the page is looking at: the last one
// loaded without an error. It reads and writes no file of the host: a
// script comes in a request, and a file name only names it.
//
// The requests (op), and what each answers besides "ok":
//
//	load      {file, source, sets, schedule, choose}: records the run
//	          -> steps, ticks, events, gantt, stats, output, exit,
//	             stopped, schedule, choice, truncated
//	snapshot  {step}: the machine at a step of the loaded run -> snapshot
//	seek      {step, by: "line", tid, dir: 1 or -1}: the next or previous
//	          step at which thread tid moved to another line -> step
//	explore   {file, source, sets, preemptions, max_schedules}: the
//	          outcomes of the script's schedules -> outcomes, schedules,
//	          complete, stop, races
//
// A failed request answers {"ok":false,"error":{...}}: file, line and col
// (0 when it has none), message, and text, what proc run or proc explore
// prints on stderr for it. Fields a request does not need are ignored. A
// load that fails leaves the run loaded before. Load and explore apply the
// --set settings of the script's `# args:` header, as proc run does, before
// the request's sets.
type Engine struct {
	mu sync.Mutex
	tp *tape.Tape
}

// NewEngine returns an engine with no run loaded.
func NewEngine() *Engine { return &Engine{} }

// The bounds of an explore request: what a page may ask of one search.
const (
	// MaxSchedules is the most schedules a search tries, and how many
	// when the request does not say (proc explore's default).
	MaxSchedules = explore.DefaultMaxSchedules
	// MaxTotalSteps bounds the instructions of a search's runs together:
	// a fifteenth of proc explore's bound, since the page runs the
	// engine in WebAssembly, about three times slower, and waits for
	// it. The search of two threads that add to a counter a hundred
	// times each (example 15) stops after about a second natively,
	// some 150,000 states in.
	MaxTotalSteps = explore.DefaultMaxSteps / 15
	// DefaultPreemptions bounds the preemptions of a schedule when the
	// request does not say: no bound, as proc explore.
	DefaultPreemptions = -1
	// MaxRequestBytes bounds a request: a script and its settings.
	MaxRequestBytes = tape.MaxSourceBytes + 64<<10
)

// request is any request; each op reads the fields it needs.
type request struct {
	Op           string   `json:"op"`
	File         string   `json:"file"`
	Source       *string  `json:"source"`
	Sets         []string `json:"sets"`
	Schedule     *string  `json:"schedule"`
	Choose       bool     `json:"choose"`
	Step         *int64   `json:"step"`
	By           string   `json:"by"`
	TID          int      `json:"tid"`
	Dir          int      `json:"dir"`
	Preemptions  *int     `json:"preemptions"`
	MaxSchedules int      `json:"max_schedules"`
}

// failure is the error of a failed request.
type failure struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
	Text    string `json:"text"`
}

// Call answers one request. It never fails: a request it cannot answer
// (malformed, unknown, or one that fails) gets {"ok":false,"error":...}.
func (e *Engine) Call(req []byte) (resp []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	defer func() {
		// A bug must not take the page's engine down with it.
		if r := recover(); r != nil {
			resp = failed(&failure{Message: fmt.Sprintf("internal error: %v", r), Text: fmt.Sprintf("proc: internal error: %v\n", r)})
		}
	}()
	if len(req) > MaxRequestBytes {
		return failed(message(fmt.Sprintf("the request has %d bytes, more than %d", len(req), MaxRequestBytes)))
	}
	var r request
	dec := json.NewDecoder(bytes.NewReader(req))
	if err := dec.Decode(&r); err != nil {
		return failed(message("malformed request: " + err.Error()))
	}
	if dec.More() {
		return failed(message("malformed request: more than one JSON value"))
	}
	switch r.Op {
	case "load":
		return e.load(&r)
	case "snapshot":
		return e.snapshot(&r)
	case "seek":
		return e.seek(&r)
	case "explore":
		return explorer(&r)
	}
	return failed(message(fmt.Sprintf("unknown op %q (want load, snapshot, seek or explore)", r.Op)))
}

// message is a failure that is only words.
func message(msg string) *failure { return &failure{Message: msg, Text: msg + "\n"} }

// failed encodes a failure.
func failed(f *failure) []byte {
	b, err := json.Marshal(struct {
		OK    bool     `json:"ok"`
		Error *failure `json:"error"`
	}{false, f})
	if err != nil {
		return []byte(`{"ok":false,"error":{"message":"the error could not be encoded"}}`)
	}
	return b
}

// answer encodes a response: ok and v's fields.
func answer(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return failed(message("the response could not be encoded: " + err.Error()))
	}
	// v's fields go after "ok": v is a struct, its JSON an object.
	return append([]byte(`{"ok":true,`), b[1:]...)
}

// loadFailure turns an error of loading a script read from src into a
// failure, with the text proc run prints for it.
func loadFailure(file string, src []byte, err error) *failure {
	var ge *grammar.Error
	var te *tape.Error
	switch {
	case errors.As(err, &ge):
		return &failure{File: ge.Pos.File, Line: ge.Pos.Line, Col: ge.Pos.Col, Message: ge.Msg, Text: interp.ErrorText(file, src, err)}
	case errors.As(err, &te):
		return &failure{File: file, Message: te.Error(), Text: te.Text}
	}
	return &failure{File: file, Message: err.Error(), Text: interp.ErrorText(file, src, err)}
}

type wireOption struct {
	TID  int    `json:"tid"`
	PID  int    `json:"pid"`
	Name string `json:"name"`
	Line int    `json:"line"`
	Next string `json:"next"`
	// Schedule is the schedule that picks this thread here: the one to
	// load next.
	Schedule string `json:"schedule"`
}

type wireChoice struct {
	Step     int64        `json:"step"`
	Schedule string       `json:"schedule"`
	Options  []wireOption `json:"options"`
	Last     int          `json:"last"`
}

// load records the run of a script and makes it the engine's.
func (e *Engine) load(r *request) []byte {
	if r.Source == nil {
		return failed(message("load: want a source"))
	}
	file := r.File
	if file == "" {
		file = "script.proc"
	}
	opts := tape.Options{Sets: r.Sets, Choose: r.Choose}
	if r.Schedule != nil && *r.Schedule != "" {
		s, err := explore.ParseSchedule(*r.Schedule)
		if err != nil {
			return failed(&failure{File: file, Message: err.Error(), Text: fmt.Sprintf("proc run: --schedule: %v\n", err)})
		}
		opts.Schedule = s
		if opts.Schedule == nil {
			opts.Schedule = []int{}
		}
	} else if r.Choose {
		opts.Schedule = []int{}
	}
	src := []byte(*r.Source)
	sets, f := scriptSets(file, src)
	if f != nil {
		return failed(f)
	}
	opts.ScriptSets = sets
	tp, err := tape.Load(file, src, opts)
	if err != nil {
		// The run loaded before, if any, stays: the page may go on
		// showing it beside the error.
		return failed(loadFailure(file, src, err))
	}
	e.tp = tp
	return loadResponse(tp)
}

// loadResponse writes the answer to a load, by hand (jsonWriter):
//
//	{"ok":true,"steps","ticks",
//	 "events":[{"i","step","t","pid","tid","cat","ev","text","more","cost"}],
//	 "gantt":{"ticks","cut","bucket","rows":[{"tid","pid","name",
//	          "spans":[{"from","to","state"[,"cpu"]}]}],"marks":[[step,tick]]},
//	 "stats","output","exit","stopped","schedule","choice","truncated"}
//
// A schedule is written as explore prints it ("-" for the empty one); a
// choice's options each carry the schedule that picks them, the one to
// load next. An event's "more" and "cost" are left out when it has none;
// "choice" is null but in scheduler mode at a choice:
// {"step","schedule","last","options":[{"tid","pid","name","line","next",
// "schedule"}]}, "last" the thread that ran before when it could go on.
func loadResponse(tp *tape.Tape) []byte {
	w := &jsonWriter{b: make([]byte, 0, 256+160*tp.NumEvents())}
	w.raw(`{"ok":true`)
	w.key("steps", false)
	w.int(tp.Steps())
	w.key("ticks", false)
	w.int(tp.Ticks())
	w.key("events", false)
	w.raw("[")
	tp.EachEvent(func(i int, e *tape.Event) {
		if i > 0 {
			w.raw(",")
		}
		w.raw(`{"i":`)
		w.int(int64(i))
		w.key("step", false)
		w.int(e.Step)
		w.key("t", false)
		w.int(e.T)
		w.key("pid", false)
		w.int(int64(e.PID))
		w.key("tid", false)
		w.int(int64(e.TID))
		w.key("cat", false)
		w.str(e.Cat)
		w.key("ev", false)
		w.str(e.Ev)
		w.key("text", false)
		w.str(e.Text)
		if len(e.More) > 0 {
			w.key("more", false)
			w.strs(e.More)
		}
		if e.Cost != 0 {
			w.key("cost", false)
			w.int(e.Cost)
		}
		if e.CPU != 0 {
			w.key("cpu", false)
			w.int(int64(e.CPU - 1))
		}
		w.raw("}")
	})
	w.raw("]")
	g := tp.Gantt()
	w.key("gantt", false)
	w.raw("{")
	w.key("ticks", true)
	w.int(g.Ticks)
	w.key("cut", false)
	w.int(g.CutAt)
	w.key("bucket", false)
	w.int(g.Bucket)
	w.key("rows", false)
	w.raw("[")
	for i, row := range g.Rows {
		if i > 0 {
			w.raw(",")
		}
		w.raw("{")
		w.key("tid", true)
		w.int(int64(row.TID))
		w.key("pid", false)
		w.int(int64(row.PID))
		w.key("name", false)
		w.str(row.Name)
		w.key("spans", false)
		w.raw("[")
		for k, sp := range row.Spans {
			if k > 0 {
				w.raw(",")
			}
			w.raw(`{"from":`)
			w.int(sp.From)
			w.raw(`,"to":`)
			w.int(sp.To)
			w.raw(`,"state":`)
			w.str(sp.State)
			if sp.CPU != 0 {
				w.raw(`,"cpu":`)
				w.int(int64(sp.CPU - 1))
			}
			w.raw("}")
		}
		w.raw("]}")
	}
	w.raw("]")
	w.key("marks", false)
	w.raw("[")
	for i, mk := range g.Marks {
		if i > 0 {
			w.raw(",")
		}
		w.raw("[")
		w.int(mk.Step)
		w.raw(",")
		w.int(mk.Tick)
		w.raw("]")
	}
	w.raw("]}")
	w.key("stats", false)
	w.raw(string(tp.Stats()))
	w.key("output", false)
	w.str(tp.Output())
	w.key("exit", false)
	w.int(int64(tp.ExitCode()))
	w.key("stopped", false)
	w.str(tp.Stopped())
	w.key("schedule", false)
	w.str(tp.Schedule())
	w.key("choice", false)
	if c := tp.Choice(); c != nil {
		wc := wireChoice{Step: c.Step, Schedule: c.Schedule, Last: c.Last, Options: make([]wireOption, len(c.Options))}
		for i, o := range c.Options {
			next := explore.FormatSchedule(append(slices.Clone(tp.ScheduleTIDs()), o.TID))
			wc.Options[i] = wireOption{TID: o.TID, PID: o.PID, Name: o.Name, Line: o.Line, Next: o.Next, Schedule: next}
		}
		b, err := json.Marshal(wc)
		if err != nil {
			return failed(message("the response could not be encoded: " + err.Error()))
		}
		w.b = append(w.b, b...)
	} else {
		w.raw("null")
	}
	w.key("truncated", false)
	w.bool(tp.Truncated())
	w.raw("}")
	return w.b
}

// snapshot answers the machine at a step of the loaded run.
func (e *Engine) snapshot(r *request) []byte {
	if e.tp == nil {
		return failed(message("snapshot: no run is loaded"))
	}
	if r.Step == nil || *r.Step < 0 {
		return failed(message("snapshot: want a step of 0 or more"))
	}
	s, err := e.tp.Snapshot(*r.Step)
	if err != nil {
		return failed(message("snapshot: " + err.Error()))
	}
	return answer(struct {
		Snapshot *runtime.Snapshot `json:"snapshot"`
	}{s})
}

// seek answers the next or previous step at which a thread moved to
// another source line.
func (e *Engine) seek(r *request) []byte {
	switch {
	case e.tp == nil:
		return failed(message("seek: no run is loaded"))
	case r.Step == nil || *r.Step < 0:
		return failed(message("seek: want a step of 0 or more"))
	case r.By != "line":
		return failed(message(fmt.Sprintf("seek: by %q: the steps are sought by line", r.By)))
	case r.Dir != 1 && r.Dir != -1:
		return failed(message(fmt.Sprintf("seek: dir is 1 or -1, not %d", r.Dir)))
	}
	step, err := e.tp.SeekLine(*r.Step, r.TID, r.Dir)
	if err != nil {
		return failed(message("seek: " + err.Error()))
	}
	return answer(struct {
		Step int64 `json:"step"`
	}{step})
}

type wireOutcome struct {
	Output    string   `json:"output"`
	Exits     []string `json:"exits"`
	Faults    []string `json:"faults"`
	Deadlock  bool     `json:"deadlock"`
	Stopped   string   `json:"stopped"`
	Schedules int      `json:"schedules"`
	Schedule  string   `json:"schedule"`
	Failed    bool     `json:"failed"`
}

type wireRace struct {
	Text     []string `json:"text"`
	Schedule string   `json:"schedule"`
}

// explorer runs a bounded search of a script's schedules, as proc
// explore does.
func explorer(r *request) []byte {
	if r.Source == nil {
		return failed(message("explore: want a source"))
	}
	file := r.File
	if file == "" {
		file = "script.proc"
	}
	src := []byte(*r.Source)
	if len(src) > tape.MaxSourceBytes {
		text := fmt.Sprintf("proc: %s: %d bytes is too large for a script (at most %d)\n", file, len(src), tape.MaxSourceBytes)
		return failed(&failure{File: file, Message: strings.TrimSuffix(text, "\n"), Text: text})
	}
	ceil, err := interp.Ceiling(r.Sets)
	if err != nil {
		return failed(&failure{File: file, Message: err.Error(), Text: fmt.Sprintf("proc explore: --set: %v\n", err)})
	}
	sets, f := scriptSets(file, src)
	if f != nil {
		return failed(f)
	}
	if err := interp.CheckScriptSets(sets, ceil); err != nil {
		text := fmt.Sprintf("%s: # args: --set: %v\n", file, err)
		return failed(&failure{File: file, Message: strings.TrimSuffix(text, "\n"), Text: text})
	}
	prog, err := interp.LoadLimited(file, src, ceil)
	if err != nil {
		return failed(loadFailure(file, src, err))
	}
	preemptions := DefaultPreemptions
	if r.Preemptions != nil {
		preemptions = max(*r.Preemptions, -1)
	}
	maxSchedules := r.MaxSchedules
	switch {
	case maxSchedules <= 0, maxSchedules > MaxSchedules:
		maxSchedules = MaxSchedules
	}
	res, err := explore.Run(context.Background(), prog, explore.Options{
		Preemptions:  preemptions,
		MaxSchedules: maxSchedules,
		MaxSteps:     MaxTotalSteps,
		Session:      interp.Options{Sets: r.Sets, ScriptSets: sets},
	})
	if err != nil {
		return failed(&failure{File: file, Message: err.Error(), Text: fmt.Sprintf("proc explore: --set: %v\n", err)})
	}
	outcomes := make([]wireOutcome, len(res.Outcomes))
	for i, o := range res.Outcomes {
		outcomes[i] = wireOutcome{Output: o.Output, Exits: nonNil(o.Exits), Faults: nonNil(o.Faults), Deadlock: o.Deadlock, Stopped: o.Stopped,
			Schedules: o.Schedules, Schedule: o.Schedule, Failed: o.Failed()}
	}
	races := make([]wireRace, len(res.Races))
	for i, rc := range res.Races {
		races[i] = wireRace{Text: nonNil(rc.Text), Schedule: rc.Schedule}
	}
	return answer(struct {
		Outcomes  []wireOutcome `json:"outcomes"`
		Schedules int           `json:"schedules"`
		States    int64         `json:"states"`
		Complete  bool          `json:"complete"`
		Stop      string        `json:"stop"`
		Races     []wireRace    `json:"races"`
	}{outcomes, res.Schedules, res.States, res.Complete, stopName(res.Stop), races})
}

// stopName names why a search stopped before it ran out of schedules.
func stopName(s explore.Stop) string {
	switch s {
	case explore.StopMaxSchedules:
		return "max_schedules"
	case explore.StopMaxSteps:
		return "max_total_steps"
	case explore.StopMaxMemory:
		return "max_memory"
	case explore.StopInterrupted:
		return "interrupted"
	}
	return ""
}

// nonNil makes a nil list an empty one, for JSON's [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// scriptSets returns the settings a script's `# args:` header gives with
// --set, which proc run applies too, so that the page runs a script as
// proc run FILE does. The header's other flags choose how a run is shown
// or checked, which the page chooses itself.
func scriptSets(file string, src []byte) ([]string, *failure) {
	h, err := grammar.ParseHeader(src)
	if err != nil {
		text := fmt.Sprintf("%s: %v\n", file, err)
		return nil, &failure{File: file, Message: strings.TrimSuffix(text, "\n"), Text: text}
	}
	var sets []string
	for i := 0; i < len(h.Args); i++ {
		name, value, hasValue := strings.Cut(strings.TrimLeft(h.Args[i], "-"), "=")
		if name != "set" || !strings.HasPrefix(h.Args[i], "-") {
			continue
		}
		if !hasValue {
			if i+1 == len(h.Args) {
				text := fmt.Sprintf("%s: # args: flag needs an argument: -set\n", file)
				return nil, &failure{File: file, Message: strings.TrimSuffix(text, "\n"), Text: text}
			}
			i++
			value = h.Args[i]
		}
		sets = append(sets, value)
	}
	return sets, nil
}
