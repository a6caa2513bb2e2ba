package tape

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"proc/grammar"
	"proc/interp"
	"proc/interp/explore"
	"proc/runtime"
)

// MaxSourceBytes bounds a script, as proc run bounds the file it reads.
const MaxSourceBytes = 1 << 20

// What a tape keeps is bounded besides by the run's own limits
// (max_trace bounds the events, max_output the output), since a person
// may raise those: past these bounds the tape keeps the beginning of
// the run and says it is Truncated.
const (
	// MaxEvents bounds the events kept.
	MaxEvents = 1 << 20
	// MaxOutputBytes bounds the program output kept.
	MaxOutputBytes = 16 << 20
	// MaxMarks bounds the step and tick pairs kept for the timeline's
	// cursor (Gantt.Marks).
	MaxMarks = 1 << 14
	// MaxSpans bounds the spans of the timeline: a longer one is drawn
	// in buckets of several ticks (Gantt.Bucket).
	MaxSpans = 1 << 16
)

// Options are the settings of a run: what proc run's flags say, less what
// only shows a run (json, stats, gantt, chrome).
type Options struct {
	// Sets are KEY=VALUE settings, as proc run's --set gives them: they
	// win over the script's config lines and may raise a limit.
	Sets []string
	// ScriptSets are KEY=VALUE settings of the script's own `# args:`
	// header, as proc run applies them: after the script's config lines
	// and before Sets, and they may lower a limit, never raise it.
	ScriptSets []string
	// Schedule, when not nil, is a schedule to replay as --schedule does
	// (ParseSchedule; empty: the empty schedule). Nil leaves the choice
	// of who runs to the scheduling policy.
	Schedule []int
	// Choose is scheduler mode: the run follows Schedule and stops at the
	// first scheduling point after it where more than one thread could
	// run (Tape.Choice).
	Choose bool
	// Trace names the categories recorded, as --trace does; "" records
	// all but insn. Output and reports are always recorded.
	Trace string
}

// Event is one event of the run's trace.
type Event struct {
	// Step is the count of instructions when it was written, T its tick.
	Step, T  int64
	PID, TID int
	// Cat names its categories ("sched", "proc,thread", "output" for
	// output and the reports always shown), Ev is its name in JSON,
	// Text and More its lines in the text trace.
	Cat, Ev, Text string
	More          []string
	// Cost is the ticks paid for it ("+N ticks"), 0 when none.
	Cost int64
	// CPU is 1 + the CPU it happened on, on a machine of several; 0
	// otherwise.
	CPU int
}

// Choice is where a run in scheduler mode stopped: a scheduling point
// where more than one thread could run.
type Choice struct {
	// Step is the step the run stopped at, Schedule the schedule that led
	// there (as explore prints it).
	Step     int64
	Schedule string
	// Options are the threads that could run, by tid.
	Options []Option
	// Last is the thread that ran before and could go on (no
	// preemption), 0 when it cannot.
	Last int
}

// Option is one thread that could run at a Choice.
type Option struct {
	TID, PID int
	Name     string
	// Line is the source line of its next operation, Next the operation
	// as the insn trace names it ("loadg counter").
	Line int
	Next string
}

// Error is a run that could not start for its settings (a --set, a
// --schedule, the size of the script): Text is what proc run prints on
// stderr for it. A syntax or name error is a *grammar.Error instead.
type Error struct {
	Text string
}

func (e *Error) Error() string { return strings.TrimSuffix(e.Text, "\n") }

// Tape is a recorded run.
type Tape struct {
	prog *interp.Program
	opts Options
	mask runtime.Category

	steps, ticks int64
	// events are kept in pieces of eventChunk, nevents of them; flat is
	// them in one list, made when Events asks.
	events    [][]Event
	nevents   int
	flat      []Event
	output    strings.Builder
	res       interp.Result
	stats     []byte
	gantt     Gantt
	choice    *Choice
	truncated bool
	// firstRan is, by tid, the step at which each thread ran its first
	// instruction (SeekLine).
	firstRan map[int]int64

	// cache is the machine last run, paused at a step, that a later step
	// continues.
	cache *machine
}

// Load compiles the script and records its run, with the limits and the
// settings proc run gives it: a script's config lines may lower a limit,
// Sets may raise one. A syntax or name error is a *grammar.Error; a
// setting or a schedule that does not fit is an *Error.
func Load(file string, src []byte, opts Options) (*Tape, error) {
	if len(src) > MaxSourceBytes {
		return nil, &Error{Text: fmt.Sprintf("proc: %s: %d bytes is too large for a script (at most %d)\n", file, len(src), MaxSourceBytes)}
	}
	mask, err := runtime.ParseCategories(opts.Trace)
	if err != nil {
		return nil, &Error{Text: fmt.Sprintf("proc run: --trace: %v\n", err)}
	}
	ceil, err := interp.Ceiling(opts.Sets)
	if err != nil {
		return nil, &Error{Text: fmt.Sprintf("proc run: --set: %v\n", err)}
	}
	if err := interp.CheckScriptSets(opts.ScriptSets, ceil); err != nil {
		return nil, &Error{Text: fmt.Sprintf("%s: # args: --set: %v\n", file, err)}
	}
	prog, err := interp.LoadLimited(file, src, ceil)
	if err != nil {
		var ge *grammar.Error
		if errors.As(err, &ge) {
			return nil, ge
		}
		return nil, &Error{Text: interp.ErrorText(file, src, err)}
	}
	if opts.Schedule != nil && !opts.Choose {
		if err := explore.CheckSchedule(prog, append(append([]string(nil), opts.ScriptSets...), opts.Sets...), opts.Schedule); err != nil {
			return nil, &Error{Text: fmt.Sprintf("proc run: --schedule: %v\n", err)}
		}
	}
	tp := &Tape{prog: prog, opts: opts, mask: mask, firstRan: map[int]int64{}}
	mc, err := tp.boot(true)
	if err != nil {
		return nil, &Error{Text: fmt.Sprintf("proc run: --set: %v\n", err)}
	}
	mc.sess.M.RecordTimeline(true, true)
	mc.advance(never)
	if mc.stepper != nil {
		if err := mc.stepper.Err(); err != nil {
			return nil, &Error{Text: fmt.Sprintf("proc run: --schedule: %v\n", err)}
		}
	}
	m := mc.sess.M
	tp.steps, tp.ticks, tp.res = m.Steps(), m.Now(), mc.res
	tp.stats = bytes.TrimSuffix(m.StatsJSON(), []byte("\n"))
	tp.truncated = mc.rec.truncated
	tp.gantt = tp.timeline(m, mc.rec.marks)
	tp.events, tp.nevents = mc.rec.chunks, mc.rec.n
	if mc.stepper != nil {
		tp.choice = tp.makeChoice(mc)
	}
	// The recording machine is not kept for the steps to come: it holds
	// the run's whole timeline, and a run again is quick.
	return tp, nil
}

// Steps returns the count of instructions of the run: its last step.
func (tp *Tape) Steps() int64 { return tp.steps }

// Ticks returns the tick the run ended at.
func (tp *Tape) Ticks() int64 { return tp.ticks }

// Events returns the run's events, in the order they were written; their
// steps never decrease.
func (tp *Tape) Events() []Event {
	if tp.flat == nil {
		tp.flat = make([]Event, 0, tp.nevents)
		for _, c := range tp.events {
			tp.flat = append(tp.flat, c...)
		}
	}
	return tp.flat
}

// NumEvents returns the count of the run's events.
func (tp *Tape) NumEvents() int { return tp.nevents }

// EachEvent calls f with each event in order, and its index, without
// putting them in one list (Events).
func (tp *Tape) EachEvent(f func(i int, e *Event)) {
	i := 0
	for _, c := range tp.events {
		for k := range c {
			f(i, &c[k])
			i++
		}
	}
}

// Output returns what the program printed.
func (tp *Tape) Output() string { return tp.output.String() }

// ExitCode is the status proc run exits with after the run: 0 it ran to
// its end and no assert failed, 1 it was stopped or an assert failed.
func (tp *Tape) ExitCode() int { return tp.res.ExitCode() }

// Stopped says why the run was stopped (a deadlock, a limit), "" when it
// ran to its end or to a Choice.
func (tp *Tape) Stopped() string { return tp.res.Stopped }

// Stats returns the statistics record, as the last line of proc run
// --json writes it.
func (tp *Tape) Stats() []byte { return tp.stats }

// Gantt returns the run's timeline.
func (tp *Tape) Gantt() *Gantt { return &tp.gantt }

// Choice returns where a run in scheduler mode stopped for a choice; nil
// when it did not (it ended, or was stopped, with no choice left).
func (tp *Tape) Choice() *Choice { return tp.choice }

// Schedule returns the schedule the run followed, as explore prints it,
// "" when the policy chose.
func (tp *Tape) Schedule() string {
	if tp.opts.Schedule == nil {
		return ""
	}
	return explore.FormatSchedule(tp.opts.Schedule)
}

// ScheduleTIDs returns the schedule the run followed, nil when the
// policy chose.
func (tp *Tape) ScheduleTIDs() []int { return tp.opts.Schedule }

// Truncated reports whether the tape kept only the beginning of the
// events, the output or the timeline (MaxEvents, MaxOutputBytes,
// MaxSpans).
func (tp *Tape) Truncated() bool { return tp.truncated }

// makeChoice describes where the stepper stopped the run, if it did.
func (tp *Tape) makeChoice(mc *machine) *Choice {
	cands, last := mc.stepper.Choice()
	if cands == nil {
		return nil
	}
	c := &Choice{Step: mc.sess.M.Steps(), Schedule: explore.FormatSchedule(tp.opts.Schedule)}
	if last != nil {
		c.Last = last.TID
	}
	for _, t := range cands {
		o := Option{TID: t.TID, PID: t.Proc.PID, Name: t.Name}
		o.Line, o.Next, _ = mc.sess.VM.NextOp(t)
		c.Options = append(c.Options, o)
	}
	return c
}
