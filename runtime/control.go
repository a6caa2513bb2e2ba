package runtime

import (
	"fmt"
	"strings"
)

// Running the machine a stretch at a time, for the REPL and for time
// travel: until a condition holds, for a number of instructions, with one
// thread in the foreground. Between two stretches the machine is simply
// paused: the thread that had the CPU keeps it and the rest of its turn,
// and the executor what it knows of that turn, so stepping through a run
// shows the same schedule, the same trace, as running it in one go.
//
// The REPL uses the methods of this file (RunUntil, Park, ReportDeadlock,
// ReportBlocked), and ClearHalt and ResetBudgets besides; time travel
// uses RunUntil and ReportDeadlock to run a script to a step. A script
// otherwise runs with Run, once.

// Leg says how far RunUntil runs the machine.
type Leg struct {
	// Foreground, when set, runs whenever it is ready, with no time slice,
	// and no policy preempts it: the REPL's shell thread while it runs a
	// typed statement.
	Foreground *Thread
	// Pause, when not 0, pauses the machine after that many instructions:
	// RunUntil returns LegPaused, and the next RunUntil resumes the run
	// where it paused.
	Pause int64
	// Before moves the pause to just before the next instruction: what
	// the kernel does between the last instruction of Pause and the one
	// after (a switch, a wake-up, the next thread's first call) has then
	// happened, or, when no instruction follows, the run has ended. An
	// event of the run is then before the pause exactly when the count
	// of instructions was at most the pause's when it was written. With
	// Before, a Pause of 0 pauses in front of the next instruction.
	Before bool
	// Limit, when not 0, stops the machine after that many instructions,
	// as max_steps stops a run; it takes max_steps' place for the leg.
	// With Limit 0, max_steps bounds the leg as it bounds Run.
	Limit int64
	// Done is asked before every scheduling decision; RunUntil returns as
	// soon as it reports true.
	Done func() bool
	// OnTurn, when set, is told after each turn which thread ran and how
	// many instructions it executed.
	OnTurn func(t *Thread, steps int64)
}

// LegEnd says why RunUntil returned.
type LegEnd uint8

// The ends of a leg.
const (
	LegDone    LegEnd = iota // Done reported true
	LegPaused                // Pause instructions ran
	LegStuck                 // no thread is ready and no timer is pending
	LegStopped               // the machine halted: Halted says why
)

// legChunk bounds how many instructions run between two checks of Done,
// so that a Done that watches for Ctrl-C answers quickly even under a
// policy without time slices. Pausing and resuming is invisible in the
// trace: the paused thread resumes its turn where it was (Resuming).
const legChunk = 1 << 16

// RunUntil runs the machine until leg.Done reports true, leg.Pause
// instructions have run, no thread can run, or the machine halts
// (leg.Limit or max_steps, the output limit). Unlike Run it does not call
// "no thread can run" a deadlock: the REPL's shell thread waits for input
// blocked, and the caller knows what that means (ReportDeadlock). Under
// a chooser (SetChooser) the chooser picks who runs, as under Run.
func (m *Machine) RunUntil(leg Leg) LegEnd {
	m.foreground = leg.Foreground
	if leg.Limit > 0 {
		m.legLimit, m.legLimitAt = leg.Limit, m.steps+leg.Limit
	}
	defer func() {
		m.stepBound, m.bounded = 0, false
		m.foreground = nil
		m.legLimit, m.legLimitAt = 0, 0
	}()
	const never = int64(1) << 62
	pauseAt := never
	if leg.Pause > 0 || leg.Before {
		pauseAt = m.steps + leg.Pause
	}
	limitAt, _ := m.stepLimit()
	fg := leg.Foreground
	if c := m.cur; fg != nil && c != nil && c != fg && c.State == ThreadRunning {
		// A thread paused mid-turn gives the CPU to the foreground, as if
		// preempted: its turn ends here.
		c.slice, c.paused = 0, false
		m.MakeReady(c)
	}
	for m.halt == NotHalted {
		if m.overLimit() {
			break
		}
		if leg.Done != nil && leg.Done() {
			return LegDone
		}
		if m.steps >= pauseAt && (!leg.Before || m.nextIsInsn()) {
			// (Before: the thread that runs the next instruction holds
			// the CPU, stopped in front of it; until then the kernel
			// goes on, and the executor stops at once.)
			return LegPaused
		}
		if m.multi && fg == nil {
			if end, ok := m.legMulti(leg, pauseAt, limitAt); !ok {
				return end
			}
			continue
		}
		var t *Thread
		switch {
		case m.cur != nil && m.cur.State == ThreadRunning:
			// Paused mid-turn: it still holds the CPU, and dispatch left
			// the rest of its turn in t.slice.
			t = m.cur
		case fg != nil && fg.State == ThreadReady:
			m.unready(fg)
			t = fg
			fg.slice = never
		default:
			m.boost(nil)
			m.fireTimers()
			if m.chooser != nil {
				// As Run: the chooser, not the policy, picks.
				t = m.choose()
				if m.halt != NotHalted {
					return LegStopped
				}
			} else {
				t = m.pick()
			}
			if t == nil {
				if m.idle() {
					continue
				}
				return LegStuck
			}
		}
		// The executor stops at the pause, at the limit (dispatch then
		// halts the run), and with a Done to ask, every legChunk steps.
		target := min(pauseAt, limitAt)
		if leg.Done != nil {
			target = min(target, m.steps+legChunk)
		}
		m.stepBound, m.bounded = target, true
		steps := m.steps
		m.dispatch(t)
		if leg.OnTurn != nil {
			leg.OnTurn(t, m.steps-steps)
		}
	}
	if m.multi {
		m.endMulti()
	}
	return LegStopped
}

// legMulti is a turn of RunUntil's leg on a machine of several CPUs: the
// CPU whose clock is the earliest runs its thread, or finds one, or
// idles. It reports false, with how the leg ends, when no CPU can run.
func (m *Machine) legMulti(leg Leg, pauseAt, limitAt int64) (LegEnd, bool) {
	// A turn paused mid-way goes on first, as it would have without
	// the pause.
	c := m.pausedOn
	m.pausedOn = nil
	if c == nil {
		c = m.nextCPU()
	}
	if c == nil {
		m.endMulti()
		return LegStuck, false
	}
	m.loadCPU(c)
	if m.ticks() && m.clock >= m.nextTick && !c.paused() {
		m.timerTick(c)
		return 0, true
	}
	t := m.cpuTurn(c)
	if m.halt != NotHalted {
		m.endMulti()
		return LegStopped, false
	}
	if t == nil {
		return 0, true
	}
	target := min(pauseAt, limitAt)
	if leg.Done != nil {
		target = min(target, m.steps+legChunk)
	}
	m.stepBound, m.bounded = target, true
	m.tickBound = m.turnBound(c)
	steps := m.steps
	m.inTurn = true
	m.dispatch(t)
	m.inTurn = false
	m.endTurn(c, t)
	if t.paused {
		m.pausedOn = c
	}
	if leg.OnTurn != nil {
		leg.OnTurn(t, m.steps-steps)
	}
	return 0, true
}

// nextIsInsn reports whether what the machine does next is an instruction
// of a thread that holds its CPU: with one CPU, the running thread's;
// with several, that of the CPU whose turn comes next, when neither a
// timer nor the scheduler acts first.
func (m *Machine) nextIsInsn() bool {
	if !m.multi {
		return m.cur != nil && m.cur.State == ThreadRunning
	}
	if m.pausedOn != nil {
		return true
	}
	var best *CPU
	var at int64
	for _, c := range m.cpus {
		if t := m.clockOf(c); !m.hot[c.ID].idle && (best == nil || t < at) {
			best, at = c, t
		}
	}
	if best == nil {
		return false
	}
	if next := m.nextTimer(); next >= 0 && next <= at {
		return false
	}
	if m.ticks() && at >= m.nextTick {
		return false // the CPUs meet first (timerTick)
	}
	t := best.sched.run
	if t == nil || t.State != ThreadRunning || t.deferred || t.touchDue && m.hw {
		return false
	}
	// The executor may have something to write first (a thread's first
	// call, a fault it found before its first instruction).
	p, ok := m.lang.(interface{ Pending(t *Thread) bool })
	return !ok || !p.Pending(t)
}

// stepLimit returns the count of Steps at which the run stops, and the
// max_steps its report names: max_steps, or the Limit of RunUntil's leg.
func (m *Machine) stepLimit() (at, said int64) {
	if m.legLimit != 0 {
		return m.legLimitAt, m.legLimit
	}
	return m.cfg.MaxSteps, m.cfg.MaxSteps
}

// Park takes t off the CPU, the ready queue and whatever it waits for,
// forgets the system call it was in, and leaves it blocked on nothing,
// waiting for what says what: the REPL parks its shell thread this way
// when it abandons a statement.
func (m *Machine) Park(t *Thread, what string) {
	if t.State == ThreadDone {
		return
	}
	m.unready(t)
	t.slice, t.paused = 0, false
	t.detail = nil
	t.call = pendingCall{}
	m.Block(t, what, nil, Holders{})
}

// ReportDeadlock stops the machine with the deadlock report Run prints
// when no thread can ever run again: the REPL's, when what its shell
// thread waits for can never come.
func (m *Machine) ReportDeadlock() { m.deadlock() }

// ReportBlocked reports, when no thread can run but idle (the REPL's
// parked shell thread), the threads that are blocked: where each is and
// what it waits for, and the cycle of waits when there is one. A cycle is
// a deadlock that nothing idle does can undo; it reports whether there is
// one. Unlike a deadlock, the report does not stop the machine.
func (m *Machine) ReportBlocked(idle *Thread) bool {
	var blocked []*Thread
	for _, t := range m.threads {
		if t.State == ThreadBlocked && t != idle {
			blocked = append(blocked, t)
		}
	}
	more := m.blockedLines(blocked)
	cycle := m.findCycle(blocked, idle)
	text := fmt.Sprintf("no thread can run but the shell: %d %s blocked", len(blocked), pluralThreads(len(blocked)))
	switch {
	case len(cycle) == 1:
		text = fmt.Sprintf("deadlock: %d %s blocked and none can ever run", len(blocked), pluralThreads(len(blocked)))
		more = append(more, fmt.Sprintf("cycle: %d/%d waits for itself", cycle[0].Proc.PID, cycle[0].TID))
	case len(cycle) > 1:
		text = fmt.Sprintf("deadlock: %d %s blocked and none can ever run", len(blocked), pluralThreads(len(blocked)))
		var cyc []string
		for _, t := range cycle {
			cyc = append(cyc, fmt.Sprintf("%d/%d", t.Proc.PID, t.TID))
		}
		more = append(more, "cycle: "+strings.Join(cyc, " -> ")+" -> "+cyc[0])
	default:
		more = append(more, "no cycle: only the shell could still release them, if anything can")
	}
	m.trace.Emit(&Event{T: m.clock, Cat: CatOutput, Ev: "blocked", Text: text, More: more})
	return len(cycle) > 0
}

// findCycle follows the "waits for" edges from each blocked thread (to a
// blocked thread that holds what it waits for) and returns the first
// cycle found. With an idle thread (the REPL's shell, which may still
// run), no thread that idle could release takes part; with idle nil,
// every blocked thread may.
func (m *Machine) findCycle(blocked []*Thread, idle *Thread) []*Thread {
	for _, start := range blocked {
		var path []*Thread
		onPath := map[*Thread]int{}
		t := start
		for t != nil && t.State == ThreadBlocked && t != idle {
			if i, ok := onPath[t]; ok {
				return path[i:]
			}
			onPath[t] = len(path)
			path = append(path, t)
			var next *Thread
			if t.holders.kind != holdersNone {
				for _, h := range m.holderList(t.holders) {
					if h == idle {
						next = nil
						break
					}
					if next == nil && h.State == ThreadBlocked {
						next = h
					}
				}
			}
			t = next
		}
	}
	return nil
}
