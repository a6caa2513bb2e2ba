package runtime

// Running ahead.
//
// On a machine of several CPUs a turn gives way when its clock reaches
// the next CPU's (boundFor): the CPUs take turns tick by tick, and the
// actions of all of them come in the order of (tick, CPU number). Most
// instructions of a turn touch only the thread's operand stack and its
// frame's slots (the executor's fast path, without calls and returns):
// nothing another thread does changes what they do, and nothing they do
// is seen by another thread. A stretch of them may then run at once past
// the bound — the thread runs ahead — provided that every action of
// another CPU that could see the thread or change it first brings the
// thread back to where the tick-by-tick machine would have it at that
// action (settleAhead). The executor keeps the thread's pc, operand
// stack and slots as they were when it went ahead, and the machine the
// tick it went ahead at and the instructions it ran since; settling
// takes back those that started after the action's tick (at the same
// tick: on a CPU of a higher number), from the thread (Rewinder) and
// from the clocks and counts they went into. So the trace, the output
// and every statistic are those of the machine that gives way at every
// bound; only the host's time differs.
//
// What brings a thread back: a halt (a limit, or halt), the end of the
// thread (an exit or a fault of its process on another CPU), and a load
// or store through a pointer into its stack (SettleAddr). Whatever else
// could see or change it is ruled out before any thread runs ahead: by
// the language, for the program as a whole (the interpreter allows no
// address of a local, no fork, no timer, no view, no builtin), and by the
// machine (aheadAllowed, AheadWindow): several CPUs, instructions that
// cost ticks, a policy that never preempts, no working sets, no periodic
// ticks or peeks, no chooser, no pause or watch (RunUntil, time travel),
// no timer pending, and the step limit out of reach of anything the
// CPUs can run meanwhile.

// aheadMost bounds the instructions of one stretch run ahead.
const aheadMost = 4096

// Rewinder is what a language that lets threads run ahead provides: the
// thread, which ran ahead on cpu, put back where it went ahead, then n of
// the instructions it ran since run again.
type Rewinder interface {
	Rewind(t *Thread, cpu int, n int64)
}

// aheadRun is a thread's stretch run ahead: the tick it went ahead at,
// the instructions it ran since, and the CPU it holds.
type aheadRun struct {
	on      bool
	from, n int64
	cpu     *CPU
}

// aheadState is the machine's part.
type aheadState struct {
	// aheadOff is set when running ahead is switched off (to compare);
	// aheadOK when the machine allows it for the run in progress.
	aheadOff, aheadOK bool
	// aheadEnd is the tick the running turn's budget ends at, before
	// the bound cut it.
	aheadEnd int64
	// aheadList holds the threads that run ahead.
	aheadList []*Thread
	// actAt is the tick of the running CPU's action in progress: the
	// start of the instruction it runs, or of its turn (settleAhead);
	// pickAt the running CPU's clock when its turn came.
	actAt, pickAt int64
	// aheadRuns counts the stretches run ahead, aheadTaken those that
	// an action of another CPU cut short (AheadStats).
	aheadRuns, aheadTaken int64
}

// AheadStats returns how many stretches threads ran ahead and how many
// of them were cut short by another CPU's action: what the tests and
// benchmarks look at.
func (m *Machine) AheadStats() (runs, taken int64) { return m.aheadRuns, m.aheadTaken }

// SetRunAhead turns running ahead on (the default) or off. Off, every
// turn gives way at its bound: the same run, more slowly.
func (m *Machine) SetRunAhead(on bool) { m.aheadOff = !on }

// aheadAllowed reports whether the machine lets threads run ahead in the
// run that begins.
func (m *Machine) aheadAllowed() bool {
	if !m.multi || m.aheadOff || m.cfg.CostInsn <= 0 || m.Preemptive() || m.cfg.WakePreempts ||
		m.cfg.WarmCache > 0 || m.ticks() || m.chooser != nil {
		return false
	}
	_, ok := m.lang.(Rewinder)
	return ok
}

// AheadWindow returns how many instructions the running thread, whose
// turn reached its bound at clock with executed instructions not yet
// counted, may run ahead: 0 when it may not.
func (m *Machine) AheadWindow(clock, executed int64) int64 {
	if !m.aheadOK || m.bounded || m.watch != nil || m.legLimit != 0 || m.halt != NotHalted || m.alarm ||
		len(m.sleepers) > 0 || len(m.qtimers) > 0 {
		return 0
	}
	cost := m.cfg.CostInsn
	n := min((m.aheadEnd-clock)/cost, aheadMost)
	if n <= 0 {
		return 0
	}
	// While it is ahead, the other CPUs run at most up to its clock, from
	// no earlier than where this one was when its turn came (its clock
	// was the earliest): no step limit may be reached meanwhile, whoever
	// counts first.
	reach := int64(len(m.cpus)+1) * ((clock+n*cost-m.pickAt)/cost + 2)
	if m.steps+executed+reach >= m.cfg.MaxSteps {
		return 0
	}
	return n
}

// MarkAhead records that t, on the running CPU, ran n instructions ahead
// from tick from.
func (m *Machine) MarkAhead(t *Thread, from, n int64) {
	t.ahead = aheadRun{on: true, from: from, n: n, cpu: m.cpu}
	m.aheadList = append(m.aheadList, t)
	m.aheadRuns++
}

// AheadCount is the number of threads that run ahead.
func (m *Machine) AheadCount() int { return len(m.aheadList) }

// SetActAt records the tick of the running CPU's action in progress: the
// executor calls it at each instruction that is not of the fast path.
func (m *Machine) SetActAt(at int64) { m.actAt = at }

// dropAhead forgets that t runs ahead: it settled, or its CPU's clock is
// the earliest again, every other CPU past its stretch.
func (m *Machine) dropAhead(t *Thread) {
	t.ahead = aheadRun{}
	for i, x := range m.aheadList {
		if x == t {
			last := len(m.aheadList) - 1
			m.aheadList[i] = m.aheadList[last]
			m.aheadList[last] = nil
			m.aheadList = m.aheadList[:last]
			return
		}
	}
}

// settleAhead brings t, which runs ahead, back to where it would be at the
// running CPU's action in progress: the instructions of its stretch that
// started before the action's tick (at that tick, when its CPU's number
// is lower) stay; the others are taken back.
func (m *Machine) settleAhead(t *Thread) {
	a := t.ahead
	m.dropAhead(t)
	c := a.cpu
	cost := m.cfg.CostInsn
	var n int64
	switch d := m.actAt - a.from; {
	case d > 0:
		n = (d + cost - 1) / cost
		if d%cost == 0 && c.ID < m.cpu.ID {
			n++
		}
	case d == 0 && c.ID < m.cpu.ID:
		n = 1
	}
	n = min(n, a.n)
	u := a.n - n
	if u == 0 {
		return
	}
	m.aheadTaken++
	m.lang.(Rewinder).Rewind(t, c.ID, n)
	du := u * cost
	end := m.hot[c.ID].clock
	m.hot[c.ID].clock -= du
	t.since -= du
	t.times.CPU -= du
	m.busyTicks -= du
	c.sched.busy -= du
	t.sched.Used -= du
	t.sched.LevelUsed -= du
	m.steps -= u
	t.deferredSlice += du
	t.deferredCut = false
	if i := c.sched.lastSlice; m.recordSlices && i >= 0 && i < len(m.slices) {
		if s := &m.slices[i]; s.TID == t.TID && s.CPU == c.ID && s.End == end {
			s.End -= du
		}
	}
	// The running CPU's turn gives way where that CPU now is.
	b := m.hot[c.ID].clock
	if c.ID > m.cpu.ID {
		b++
	}
	m.tickBound = min(m.tickBound, b)
}

// settleAll brings back every thread that runs ahead.
func (m *Machine) settleAll() {
	for len(m.aheadList) > 0 {
		m.settleAhead(m.aheadList[len(m.aheadList)-1])
	}
}

// AlarmAhead brings back every thread that runs ahead once the memory
// meter or the trace passed its limit, or the running CPU's clock (at
// clock) passed max_ticks: the run stops at the next look at the limits,
// which comes where the running turn would have given way to them, each
// thread ahead where it is at the running CPU's last instruction, which
// began at tick at. It reports whether one was brought back (the turn's
// bound may be nearer). The executor asks after each of its
// instructions, and the kernel as a turn goes on.
func (m *Machine) AlarmAhead(clock, at int64) bool {
	if len(m.aheadList) == 0 || !m.alarm && clock <= m.budgets.tickEnd {
		return false
	}
	return m.alarmAhead(at)
}

func (m *Machine) alarmAhead(at int64) bool {
	m.actAt = at
	m.settleAll()
	return true
}

// SettleAddr brings back the threads of p that run ahead and whose stack
// holds addr, before the running thread loads or stores there. It
// reports whether one was brought back (the running turn's bound may be
// nearer).
func (m *Machine) SettleAddr(p *Process, addr uint64) bool {
	settled := false
	for i := 0; i < len(m.aheadList); {
		t := m.aheadList[i]
		if t.Proc == p && t.Stack != nil && addr >= t.Stack.Start && addr < t.Stack.End {
			m.settleAhead(t)
			settled = true
			continue
		}
		i++
	}
	return settled
}

// CPUID is the number of the CPU that runs now.
func (m *Machine) CPUID() int { return m.cpu.ID }
