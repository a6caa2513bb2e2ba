package shell

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"

	"proc/runtime"
)

// Going back (:back) is running the session again. The machine is
// deterministic: the same inputs, settings and Ctrl-C stops give the same
// machine, instruction for instruction. So the shell keeps what was done
// to it (the acts below), and Back boots a new machine and does it all
// again, printing nothing, up to the step it goes back to. Nothing is
// undone in place: there is no log of old values to get wrong.
//
// The machine can stop between any two instructions of :step and :run,
// where the shell thread waits at the prompt and only the other threads
// run (a :step of fewer instructions stops there). It cannot stop inside
// a statement of the shell thread: the REPL has no prompt for a statement
// half run. A step inside one goes back to before it: an input typed is
// then undone as if Ctrl-C had dropped it (its lines keep their numbers),
// a statement of a loaded file goes back to the queue.

// gate passes what the shell says to w: the REPL's output, or nothing
// while Back runs the session again.
type gate struct{ w io.Writer }

func (g *gate) Write(p []byte) (int, error) { return g.w.Write(p) }

// actKind is what an act did.
type actKind uint8

const (
	actInput actKind = iota // Input
	actDrop                 // Drop
	actLoad                 // Load
	actNext                 // Next
	actStep                 // Step
	actRun                  // Run
	actSet                  // Set
	actTrace                // SetTrace
	actAlive                // Vars, which makes a fresh shell process when the last died
)

// act is one call that may change the machine, kept to be done again.
type act struct {
	kind actKind
	text string // Input, Drop: what was typed; Set: KEY=VALUE; Trace: the categories
	line int    // Input: the number of its first line
	took bool   // Input: it compiled (it declared or ran something)
	file string // Load: the file's name, its text and its header
	src  []byte
	args ScriptArgs
	n    int64 // Next, Step: how many were asked for

	from, to int64 // the machine's steps before and after
	// hits are the reads of the Ctrl-C flag (stopAsked) that found it
	// set, counted from the act's start. The reads come in the same order
	// when the act is done again, so it stops where it stopped.
	hits []int
	// marks (Next) are the steps after the fresh shell process it may have
	// made, then after each statement; notes say each statement.
	marks []int64
	notes []string
	// dead (Step, Run) is the step at which the shell process was found
	// dead in the leg, 0 when it lived: past it, the machine is not at a
	// prompt until a fresh shell takes over.
	dead int64
}

// history is what a Shell keeps for Back.
type history struct {
	acts  []act
	cur   *act // the act under way; nil between acts
	reads int  // reads of the Ctrl-C flag since cur began
	// replay is set while Back runs the session again in this shell.
	replay *replay
	// redone, when set, is told after Back has done each act again in ns
	// (for tests: a Ctrl-C at a known point of the replay).
	redone func(ns *Shell, i int)
}

// replay is the state of a session being run again.
type replay struct {
	abort   *atomic.Bool // the Ctrl-C flag of the shell Back works for
	aborted bool
	hits    []int // the hits of the act being done again
}

// begin starts keeping an act, unless one is under way (Load sets the
// trace as part of its own act). end takes what begin returned.
func (s *Shell) begin(a act) *act {
	h := &s.hist
	if h.cur != nil {
		return nil
	}
	a.from = s.m.Steps()
	h.cur, h.reads = &a, 0
	return &a
}

// end closes the act begin started.
func (s *Shell) end(a *act) {
	if a == nil {
		return
	}
	a.to = s.m.Steps()
	s.hist.acts = append(s.hist.acts, *a)
	s.hist.cur = nil
}

// mark notes a step at which the act under way is at a prompt.
func (s *Shell) mark() {
	if c := s.hist.cur; c != nil {
		c.marks = append(c.marks, s.m.Steps())
	}
}

// note says what the act under way runs next (a statement of a file).
func (s *Shell) note(what string) {
	if c := s.hist.cur; c != nil {
		c.notes = append(c.notes, what)
	}
}

// watchShell returns what a leg of :step or :run calls after each turn to
// note when the shell process dies. Only a thread of its own process can
// kill it (a fault, exit), and that thread's turn ends there.
func (s *Shell) watchShell() func() {
	c := s.hist.cur
	if c == nil {
		return func() {}
	}
	if s.t.State == runtime.ThreadDone {
		c.dead = c.from
		return func() {}
	}
	return func() {
		if c.dead == 0 && s.t.State == runtime.ThreadDone {
			c.dead = s.m.Steps()
		}
	}
}

// stopAsked reports whether Ctrl-C asked the machine to stop. Every read
// of the flag goes through it: a read that found it set is kept with the
// act, so that Back, doing the act again, stops at the same read.
func (s *Shell) stopAsked() bool {
	h := &s.hist
	i := h.reads
	h.reads++
	var hit bool
	if r := h.replay; r != nil {
		if r.abort.Load() {
			// Ctrl-C during Back: this machine is thrown away.
			r.aborted = true
			return true
		}
		hit = slices.Contains(r.hits, i)
	} else {
		hit = s.interrupted.Load()
	}
	if hit && h.cur != nil {
		h.cur.hits = append(h.cur.hits, i)
	}
	return hit
}

// Back goes back n instructions of the machine, as :step counts them: it
// returns a shell whose machine is the one this shell had n instructions
// ago, or the latest before that where the REPL can stop (see the top of
// this file), and says where it is. The trace of what was undone is not
// shown again. Inputs typed since are undone, but keep their line
// numbers; what :set and :trace changed since stays. On an error, or
// Ctrl-C while it runs the session again, it says so and returns s,
// unchanged.
func (s *Shell) Back(n int64) *Shell {
	now := s.m.Steps()
	ran := now - s.start
	switch {
	case n <= 0:
		s.say(":back wants a positive number of instructions")
		return s
	case ran == 0:
		s.say("nothing to undo: no instruction has run since the machine started")
		return s
	case n > ran:
		s.say("only %s ran since the machine started: :back %d goes back to its start", plural(int(ran), "instruction"), ran)
		return s
	}
	target := now - n
	s.interrupted.Store(false)
	ns, err := newShell(s.opts, &gate{w: io.Discard})
	if err != nil {
		// The same options booted s.
		s.say("cannot go back: %v", err)
		return s
	}
	r := &replay{abort: &s.interrupted}
	ns.hist.replay = r
	ns.hist.acts = make([]act, 0, len(s.hist.acts))
	redo := func(i int, a act) {
		if r.abort.Load() {
			// Ctrl-C between two acts; one within an act is read there.
			r.aborted = true
		}
		if r.aborted {
			return
		}
		r.hits = a.hits
		ns.do(a)
		if s.hist.redone != nil && !r.aborted {
			s.hist.redone(ns, i)
		}
	}
	acts := s.hist.acts
	c := 0
	for c < len(acts) && acts[c].to <= target {
		redo(c, acts[c])
		c++
	}
	at, why := target, ""
	var undone []string
	kept := false
	if c < len(acts) {
		var short *act
		short, at, why = acts[c].cutAt(target)
		if short != nil {
			redo(c, *short)
		}
		if acts[c].kind == actLoad {
			undone = append(undone, ":load "+acts[c].file)
		}
		var lines []string
		if a := acts[c]; a.kind == actInput && a.took && why == "" {
			// Undone from its very start: nothing says so yet.
			lines = append(lines, fmt.Sprint(a.line))
		}
		for i := c + 1; i < len(acts); i++ {
			a := acts[i]
			switch a.kind {
			case actInput, actDrop:
				// Undone, but typed: the lines keep their numbers.
				redo(i, act{kind: actDrop, text: a.text})
				if a.kind == actInput && a.took {
					lines = append(lines, fmt.Sprint(a.line))
				}
			case actSet, actTrace:
				redo(i, a)
				kept = true
			case actLoad:
				undone = append(undone, ":load "+a.file)
			}
		}
		if len(lines) > 0 {
			undone = append([]string{"the inputs at lines " + strings.Join(lines, ", ")}, undone...)
			if len(lines) == 1 {
				undone[0] = "the input at line " + lines[0]
			}
		}
	}
	if r.aborted {
		io.WriteString(s.out, "\n")
		s.say("interrupted: the machine stays where it was, at step %d", now)
		return s
	}
	if got := ns.m.Steps(); got != at {
		// The session did not run again as it ran: keep the machine as
		// it is rather than show a wrong one.
		s.say("cannot go back: running the session again reached step %d, not %d; please report this with the session", got, at)
		return s
	}
	ns.hist.replay = nil
	ns.Flush()
	ns.gate.w = s.gate.w
	if why != "" {
		ns.say("%s", why)
	}
	ns.say("back %s: step %d -> %d, tick %d -> %d", plural(int(now-at), "instruction"), now, at, s.m.Now(), ns.m.Now())
	for _, t := range ns.m.Threads() {
		if t != ns.t {
			ns.sayWhere(t)
		}
	}
	if len(undone) > 0 {
		ns.say("also undone: %s", strings.Join(undone, "; "))
	}
	if kept {
		ns.say("what :set and :trace changed since stays")
	}
	ns.sayNext()
	return ns
}

// do does an act again.
func (s *Shell) do(a act) {
	switch a.kind {
	case actInput:
		s.Input(a.text)
	case actDrop:
		s.Drop(a.text)
	case actLoad:
		s.Load(a.file, a.src, a.args)
	case actNext:
		s.Next(int(a.n))
	case actStep:
		s.Step(a.n)
	case actRun:
		s.Run()
	case actSet:
		s.Set(a.text)
	case actTrace:
		s.SetTrace(a.text)
	case actAlive:
		s.Vars()
	}
}

// cutAt says how much of a to do again to stop at step t, where a.from <=
// t < a.to: the act cut short (nil: none of it), the step where that
// stops, and, when that is before t, a sentence that says why.
func (a *act) cutAt(t int64) (short *act, at int64, why string) {
	inside := func(what string) string {
		return fmt.Sprintf("step %d is inside %s, which cannot stop halfway: back to step %d, before it", t, what, at)
	}
	at = a.from
	switch a.kind {
	case actStep, actRun:
		// Any step of the leg, while the shell process lives.
		stop := a.to - 1
		if a.dead != 0 {
			stop = a.dead - 1
		}
		at = max(min(t, stop), a.from)
		if at > a.from {
			short = &act{kind: actStep, n: at - a.from}
		}
		if at < t {
			why = fmt.Sprintf("at step %d the shell process had died and no fresh one had taken over: back to step %d, before it died", t, at)
		}
	case actNext:
		i := 0
		for i < len(a.marks) && a.marks[i] <= t {
			i++
		}
		if i == 0 {
			if t > a.from {
				why = inside("the start of a fresh shell process")
			}
			return nil, at, why
		}
		at = a.marks[i-1]
		short = &act{kind: actNext, n: int64(i - 1), hits: a.hits}
		if at < t && i-1 < len(a.notes) {
			why = inside(a.notes[i-1])
		}
	case actInput:
		short = &act{kind: actDrop, text: a.text}
		if t > a.from {
			first, _, _ := strings.Cut(a.text, "\n")
			why = inside(fmt.Sprintf("the input at line %d (%s)", a.line, strings.TrimSpace(first)))
		}
	default:
		// Load and :vars run only the start of a fresh shell process.
		if t > a.from {
			why = inside("the start of a fresh shell process")
		}
	}
	return short, at, why
}
