package tape

import (
	"fmt"
	"io"
	"slices"

	"proc/interp"
	"proc/interp/explore"
	"proc/runtime"
)

// never is a step no run reaches.
const never = int64(1) << 62

// maxFirstRan bounds the threads whose first instruction a tape keeps
// (Tape.firstRan), as a person may raise max_threads.
const maxFirstRan = 1 << 16

// machine is one run of the tape's script: the recording run, or a run
// again to a step.
type machine struct {
	sess *interp.Session
	// stepper is the chooser in scheduler mode.
	stepper *explore.Stepper
	// rec records the run, on the recording run only.
	rec *recorder
	// ended is set once the run is over, with res how it ended.
	ended bool
	res   interp.Result
}

// boot makes a machine for the script, with the tape's settings, ready
// at step 0. The recording run records what it does, its trace counted
// as proc run's text trace is (max_trace). A run again writes no trace:
// what the machine does never depends on it but for that count, which
// matters only to a run that max_trace stopped; that one writes its
// trace to nowhere, counted as the recording's was, so that max_trace
// stops both at the same place.
func (tp *Tape) boot(record bool) (*machine, error) {
	mc := &machine{}
	var opts interp.Options
	switch {
	case record:
		text := runtime.NewTextSink(io.Discard, io.Discard, tp.mask == 0)
		mc.rec = &recorder{tp: tp, text: text, stride: 1}
		opts = interp.Options{Trace: tp.mask, Sets: tp.opts.Sets, ScriptSets: tp.opts.ScriptSets, Sink: mc.rec}
	case tp.res.Halt == runtime.HaltTrace:
		opts = interp.Options{Trace: tp.mask, Sets: tp.opts.Sets, ScriptSets: tp.opts.ScriptSets, Sink: runtime.NewTextSink(io.Discard, io.Discard, tp.mask == 0)}
	default:
		opts = interp.Options{Trace: 0, Sets: tp.opts.Sets, ScriptSets: tp.opts.ScriptSets, Sink: nowhere{}}
	}
	switch {
	case tp.opts.Choose:
		mc.stepper = explore.NewStepper(tp.opts.Schedule)
		opts.Chooser = mc.stepper
	case tp.opts.Schedule != nil:
		opts.Chooser = explore.Replay(tp.opts.Schedule)
	}
	sess, err := interp.NewSession(tp.prog, opts)
	if err != nil {
		return nil, err
	}
	mc.sess = sess
	if mc.rec != nil {
		mc.rec.m = sess.M
	}
	return mc, nil
}

// advance runs the machine to step to, paused in front of the next
// instruction, or to the end of the run when it has fewer steps.
func (mc *machine) advance(to int64) {
	m := mc.sess.M
	if mc.ended {
		return
	}
	leg := runtime.Leg{Pause: max(to-m.Steps(), 0), Before: true}
	if to >= never {
		leg.Pause, leg.Before = 0, false
	}
	if mc.rec != nil {
		leg.OnTurn = mc.rec.turn
	}
	mc.finish(m.RunUntil(leg))
}

// finish ends the run when a leg did: what Run does when no thread can
// run (a deadlock), then the closing reports.
func (mc *machine) finish(end runtime.LegEnd) {
	m := mc.sess.M
	switch end {
	case runtime.LegPaused, runtime.LegDone:
		return
	case runtime.LegStuck:
		if m.LiveThreads() > 0 {
			m.ReportDeadlock()
		}
	}
	if mc.stepper != nil {
		if cands, _ := mc.stepper.Choice(); cands != nil {
			// Stopped for a choice, not for a reason to report.
			m.ClearHalt()
		}
	}
	mc.ended = true
	mc.res = mc.sess.Finish()
}

// machineAt returns a machine at step: the one last run when it is not
// past step, else a new one.
func (tp *Tape) machineAt(step int64) (*machine, error) {
	step = min(max(step, 0), tp.steps)
	mc := tp.cache
	if mc == nil || mc.sess.M.Steps() > step || mc.ended && mc.sess.M.Steps() < step {
		var err error
		if mc, err = tp.boot(false); err != nil {
			return nil, err
		}
	}
	if step == tp.steps {
		// The last step is the end of the run, past whatever the kernel
		// does after the last instruction.
		mc.advance(never)
	} else {
		mc.advance(step)
	}
	if got := mc.sess.M.Steps(); got != step {
		// The run is deterministic: running again takes the recorded
		// steps, or something is wrong with the machine.
		return nil, fmt.Errorf("running again reached step %d, not %d", got, step)
	}
	tp.cache = mc
	return mc, nil
}

// Snapshot returns the machine at step: after step instructions, in
// front of the next (the last step is the end of the run). A step past
// the last is the last.
func (tp *Tape) Snapshot(step int64) (*runtime.Snapshot, error) {
	mc, err := tp.machineAt(step)
	if err != nil {
		return nil, err
	}
	return mc.sess.M.Snapshot(), nil
}

// nowhere is the sink of a run again that writes no trace.
type nowhere struct{}

func (nowhere) Emit(*runtime.Event) {}
func (nowhere) Flush() error        { return nil }
func (nowhere) TextOnly()           {}

// recorder is the sink of the recording run: it keeps the events with
// their steps, and passes them on to a text sink that counts the trace's
// bytes as proc run's does.
type recorder struct {
	tp   *Tape
	text *runtime.TextSink
	// m is the machine, once booted (events before it are at step 0).
	m *runtime.Machine
	// marks are step and tick pairs at the ends of turns; one turn in
	// stride is kept, and when they are full every other one goes and
	// stride doubles.
	marks     []Mark
	stride    int64
	turns     int64
	truncated bool
	// chunks hold the events, n of them.
	chunks [][]Event
	n      int
}

// Emit implements runtime.Sink.
func (r *recorder) Emit(e *runtime.Event) {
	r.text.Emit(e)
	tp := r.tp
	if e.Ev == "print" {
		if tp.output.Len()+len(e.Text)+1 <= MaxOutputBytes {
			tp.output.WriteString(e.Text)
			tp.output.WriteByte('\n')
		} else {
			r.truncated = true
		}
	}
	if r.n >= MaxEvents {
		r.truncated = true
		return
	}
	var step int64
	if r.m != nil {
		step = r.m.Steps()
	}
	if n := len(r.chunks); n == 0 || len(r.chunks[n-1]) == cap(r.chunks[n-1]) {
		r.chunks = append(r.chunks, make([]Event, 0, eventChunk))
	}
	c := &r.chunks[len(r.chunks)-1]
	*c = append(*c, Event{Step: step, T: e.T, PID: e.PID, TID: e.TID, Cat: catName(e.Cat), Ev: e.Ev, Text: e.Text, More: slices.Clone(e.More), Cost: e.Cost, CPU: e.CPU})
	r.n++
}

// eventChunk is how many events a recorder keeps in one piece, so that
// they are never moved as a growing list outgrowing its room would be.
const eventChunk = 4096

// TextOnly implements runtime.TextOnlySink: the tape keeps the events'
// text, not their JSON fields.
func (r *recorder) TextOnly() {}

// Flush implements runtime.Sink.
func (r *recorder) Flush() error { return r.text.Flush() }

// TraceBytes implements runtime.ByteCounter: the text trace's count, for
// max_trace.
func (r *recorder) TraceBytes() int64 { return r.text.TraceBytes() }

// turn notes the step and tick at the end of a turn, and the first
// instruction of each thread.
func (r *recorder) turn(t *runtime.Thread, steps int64) {
	if steps > 0 && len(r.tp.firstRan) < maxFirstRan {
		if _, ok := r.tp.firstRan[t.TID]; !ok {
			r.tp.firstRan[t.TID] = r.m.Steps() - steps + 1
		}
	}
	r.turns++
	if r.turns%r.stride != 0 {
		return
	}
	mk := Mark{Step: r.m.Steps(), Tick: r.m.Now()}
	if n := len(r.marks); n > 0 && (r.marks[n-1] == mk || mk.Tick < r.marks[n-1].Tick) {
		// (With several CPUs a turn may end at an earlier tick than
		// another CPU's before it: the marks keep going up.)
		return
	}
	if len(r.marks) >= MaxMarks {
		kept := r.marks[:0]
		for i := 1; i < len(r.marks); i += 2 {
			kept = append(kept, r.marks[i])
		}
		r.marks = kept
		r.stride *= 2
	}
	r.marks = append(r.marks, mk)
}

// catName names the categories of an event.
func catName(c runtime.Category) string {
	if c&runtime.CatOutput != 0 {
		return "output"
	}
	return runtime.FormatCategories(c)
}
