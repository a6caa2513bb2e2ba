package runtime

import (
	"cmp"
	"fmt"
	"slices"
)

// Several CPUs (cpus = N): N threads run at the same simulated time.
//
// Each CPU has a clock of its own, the thread it ran last and, with
// sched_queues = percpu, a ready queue of its own. The machine runs one
// CPU at a time, always the one whose clock is the earliest (ties: the
// lowest number), and only until its clock passes the next CPU's: then
// that one runs. So everything the CPUs do comes in the order of time,
// and the instructions of threads on different CPUs interleave as they
// would on real ones that share memory (sequential consistency: every
// load sees the last store before it in time; a store of one tick comes
// before a load of a later tick). A turn that gives way to another CPU
// in this way is not ended: the thread keeps its CPU and the rest of
// its slice, and goes on when its CPU's clock is the earliest again.
// What the scheduler decides for a CPU's thread (a quantum's end, a
// timer, a pick) it decides only while that CPU's clock is the earliest,
// so that it sees what the other CPUs did before: a stretch that ends
// past the next CPU's clock waits (Thread.deferred, in turn).
//
// A CPU with nothing to run idles, and takes no part until a thread is
// made ready that it may run: it then wakes at the tick of the wake-up
// (or of the timer that fires). With one shared queue (global, the
// default) an idle CPU runs the thread the policy picks from it; with a
// queue per CPU (percpu) a thread goes back to the queue of the CPU it
// ran on last (affinity: its cache is warm there). How the queues share
// the load is the balance key: with "idle" (the default) a new thread
// goes to the CPU with the fewest threads (its queue and the one it
// runs), and a CPU whose queue is empty steals the last thread of the
// longest queue (migration); with "peek" (OSTEP's multi.py) a new thread
// goes to the shortest queue, and every peek_interval ticks each CPU
// whose queue is empty takes the first thread of a random other CPU's
// queue; with "none" nothing moves. A thread pinned to a CPU (with {cpu:
// N}) or given CPUs (with {cpus: "..."}) runs only there; a pinned one
// is never stolen, and under peek neither is one given CPUs.
//
// Some things happen on every CPU at one tick: the interrupts of a
// periodic timer (timer = "periodic") and the peeks. The CPUs meet there
// (turns give way at it, turnBound), and the kernel does them once, for
// all, before any CPU picks a thread at that tick (timerTick).
//
// With one CPU none of this runs: Run's loop is the machine's.

// cpuHot is what the scheduler reads of a CPU at every round (Machine.hot).
type cpuHot struct {
	clock int64
	idle  bool
}

// MaxCPUs bounds the cpus key.
const MaxCPUs = 64

// cpuSched is what the scheduler keeps of one CPU of several.
type cpuSched struct {
	// cur is the thread it ran last, yielded whether that one yielded:
	// while the CPU runs they live in the Machine's cur and yielded (its
	// clock, in the Machine's clock; else in Machine.hot).
	cur     *Thread
	yielded bool
	// run is the thread whose turn gave way to another CPU's (or that
	// RunUntil paused): it still holds the CPU.
	run *Thread
	// idleAt is the tick since which it has had nothing to run, while
	// it idles (Machine.hot).
	idleAt int64
	// ready is the CPU's queue with sched_queues = percpu (in the
	// Machine's ready while it runs).
	ready []*Thread
	// busy and switching are its ticks running a thread and switching
	// (--stats); the rest of the machine's ticks it idled.
	busy, switching int64
	// lastSlice is the index in the timeline of its last stretch, -1.
	lastSlice int
	// warmTicks is its ticks of compute with a warm cache (warm.go).
	warmTicks int64
}

// GiveWay reports, on a machine of several CPUs, whether the running
// CPU's turn should end at tick clock: another CPU's clock is behind it
// (a wake-up that woke an idle CPU brings that nearer). The executor asks
// where it looks at its budget.
func (m *Machine) GiveWay(clock int64) bool { return m.multi && clock >= m.tickBound }

// WayLeft is, on a machine of several CPUs, the ticks from clock until the
// running CPU's turn gives way (GiveWay); a great many on one CPU. An
// executor whose instructions cost nothing (cost_insn = 0) does not give
// way between them, so that a thread's free instructions after its
// compute run in the tick its compute ends, as on one CPU; a compute
// stops there.
func (m *Machine) WayLeft(clock int64) int64 {
	if !m.multi {
		return 1 << 62
	}
	return max(m.tickBound-clock, 0)
}

// CPUs returns the number of CPUs.
func (m *Machine) CPUs() int { return len(m.cpus) }

// percpu reports whether each CPU has a queue of its own.
func (m *Machine) percpu() bool { return m.multi && m.cfg.PerCPU }

// saveCPU keeps the running CPU's state in its cpuSched.
func (m *Machine) saveCPU() {
	c := m.cpu
	m.hot[c.ID].clock, c.sched.cur, c.sched.yielded = m.clock, m.cur, m.yielded
	if m.percpu() {
		c.sched.ready = m.ready
	}
}

// loadCPU makes c the CPU that runs.
func (m *Machine) loadCPU(c *CPU) {
	if c == m.cpu {
		return
	}
	m.saveCPU()
	m.cpu = c
	m.clock, m.cur, m.yielded = m.hot[c.ID].clock, c.sched.cur, c.sched.yielded
	if m.percpu() {
		m.ready = c.sched.ready
	}
	m.win = &c.win
	m.trace.cpu = c.ID + 1
}

// clockOf is c's tick.
func (m *Machine) clockOf(c *CPU) int64 {
	if c == m.cpu {
		return m.clock
	}
	return m.hot[c.ID].clock
}

// queueOf is c's ready queue (percpu).
func (m *Machine) queueOf(c *CPU) *[]*Thread {
	if c == m.cpu {
		return &m.ready
	}
	return &c.sched.ready
}

// allowed reports whether t may run on c.
func allowed(c *CPU, t *Thread) bool {
	if t.sched.Pin != 0 {
		return t.sched.Pin == c.ID+1
	}
	return t.sched.CPUSet == 0 || t.sched.CPUSet&(1<<uint(c.ID)) != 0
}

// affine reports whether t may run only on some CPUs.
func affine(t *Thread) bool { return t.sched.Pin != 0 || t.sched.CPUSet != 0 }

// homeCPU is the CPU whose queue a thread made ready joins (percpu): the
// one it is pinned to, else the one it ran on last, else, of those it
// may run on, the one with the fewest threads (balance idle) or the
// shortest queue (peek, none).
func (m *Machine) homeCPU(t *Thread) *CPU {
	if t.sched.Pin > 0 && t.sched.Pin <= len(m.cpus) {
		return m.cpus[t.sched.Pin-1]
	}
	if t.ranOn > 0 && t.ranOn <= len(m.cpus) {
		return m.cpus[t.ranOn-1]
	}
	var best *CPU
	bestLoad := 0
	for _, c := range m.cpus {
		if !allowed(c, t) {
			continue
		}
		// Its queue, and the thread it runs (the running CPU's, when
		// it is in a turn; another's, when it does not idle); with
		// balance peek or none, its queue alone.
		load := len(*m.queueOf(c))
		if m.cfg.Balance == BalanceIdle && (c == m.cpu && m.inTurn || c != m.cpu && !m.hot[c.ID].idle) {
			load++
		}
		if best == nil || load < bestLoad {
			best, bestLoad = c, load
		}
	}
	return best
}

// enqueue adds t, made ready, to the tail of the queue it joins.
func (m *Machine) enqueue(t *Thread) {
	if !m.percpu() {
		m.appendReady(t)
		return
	}
	c := m.homeCPU(t)
	q := m.queueOf(c)
	*q = append(*q, t)
	t.queuedOn = c.ID + 1
}

// kick wakes an idle CPU that may run t, just made ready, when there is
// one: the CPU t ran on last, else the idle one of the lowest number. The
// running CPU's turn then gives way at the woken one's tick.
func (m *Machine) kick(t *Thread) {
	var c *CPU
	if m.percpu() && m.cfg.Balance != BalanceIdle {
		// Only the CPU whose queue it joined may take it.
		if x := t.queuedOn; x > 0 && m.cpus[x-1] != m.cpu && m.hot[x-1].idle {
			c = m.cpus[x-1]
		}
	} else if t.ranOn > 0 {
		if x := m.cpus[t.ranOn-1]; x != m.cpu && m.hot[x.ID].idle && allowed(x, t) {
			c = x
		}
	}
	if c == nil && !(m.percpu() && m.cfg.Balance != BalanceIdle) {
		for _, x := range m.cpus {
			if x != m.cpu && m.hot[x.ID].idle && allowed(x, t) {
				c = x
				break
			}
		}
	}
	if c == nil {
		return
	}
	m.wakeCPU(c, m.clock)
	b := m.hot[c.ID].clock
	if c.ID > m.cpu.ID {
		b++
	}
	m.tickBound = min(m.tickBound, b)
}

// kickLeft wakes idle CPUs for the threads still ready after the running
// CPU picked one, each the first it may run.
func (m *Machine) kickLeft() {
	if !m.anyIdle() {
		return
	}
	if !m.percpu() {
		for _, t := range m.ready {
			m.kick(t)
			if !m.anyIdle() {
				return
			}
		}
		return
	}
	for _, c := range m.cpus {
		for _, t := range *m.queueOf(c) {
			m.kick(t)
			if !m.anyIdle() {
				return
			}
		}
	}
}

// anyIdle reports whether a CPU idles.
func (m *Machine) anyIdle() bool {
	for i := range m.hot {
		if m.hot[i].idle {
			return true
		}
	}
	return false
}

// wakeCPU ends c's idling at tick at (or where its clock is, if later).
func (m *Machine) wakeCPU(c *CPU, at int64) {
	h := &m.hot[c.ID]
	h.idle = false
	h.clock = max(at, c.sched.idleAt)
	if c == m.cpu {
		m.clock = h.clock
	}
}

// goIdle lets the running CPU idle: it has nothing to run.
func (m *Machine) goIdle() {
	c := m.cpu
	m.hot[c.ID].idle, c.sched.idleAt = true, m.clock
	if m.liveThreads > 0 && m.trace.On(CatSched) {
		m.trace.Emit(&Event{T: m.clock, Cat: CatSched, Ev: "idle", Text: "idle: no thread is ready for this CPU"})
	}
}

// nextCPU returns the CPU to run next: the one of the earliest clock
// (ties: the lowest number) that has something to do, or an idle one
// woken for a timer that comes before that; nil when every CPU idles
// and no timer is pending.
func (m *Machine) nextCPU() *CPU {
	c, _ := m.nextCPUBound()
	return c
}

// nextCPUBound is nextCPU, with the tick at which the CPU's turn gives
// way to another (boundFor) as the clocks are now, or -1 when a timer
// woke a CPU and the bound must be found again.
func (m *Machine) nextCPUBound() (*CPU, int64) {
	const far = int64(1) << 62
	var best *CPU
	var at int64
	// before is the least clock of the CPUs before best in number,
	// after the least of those after it, plus one (boundFor).
	before, after := far, far
	running := m.cpu.ID
	for i := range m.hot {
		h := &m.hot[i]
		if h.idle {
			continue
		}
		t := h.clock
		if i == running {
			t = m.clock
		}
		if best == nil || t < at {
			c := m.cpus[i]
			if best != nil {
				before = min(before, at, after-1)
				after = far
			}
			best, at = c, t
		} else {
			after = min(after, t+1)
		}
	}
	bound := min(before, after)
	if next := m.nextTimer(); next >= 0 && (best == nil || next < at) {
		for _, c := range m.cpus {
			if m.hot[c.ID].idle {
				m.wakeCPU(c, next)
				if t := m.hot[c.ID].clock; best == nil || t < at || t == at && c.ID < best.ID {
					best, at = c, t
				}
				break
			}
		}
		bound = -1
	}
	return best, bound
}

// boundFor is the tick at which c's turn gives way to another CPU's.
func (m *Machine) boundFor(c *CPU) int64 {
	b := int64(1) << 62
	for _, x := range m.cpus {
		if x == c || m.hot[x.ID].idle {
			continue
		}
		v := m.clockOf(x)
		if x.ID > c.ID {
			v++
		}
		b = min(b, v)
	}
	return b
}

// turnBound is the tick at which c's turn gives way: to another CPU
// (boundFor), or to a tick where the CPUs meet (timerTick).
func (m *Machine) turnBound(c *CPU) int64 {
	b := m.boundFor(c)
	if m.ticks() {
		b = min(b, m.nextTick)
	}
	return b
}

// paused reports whether the thread c holds was paused in its turn by
// RunUntil.
func (c *CPU) paused() bool { return c.sched.run != nil && c.sched.run.paused }

// cpuTurn finds what the running CPU c does next: the thread whose turn
// gave way, or the one the policy picks (or the chooser) after the
// timers fired. It returns nil, with c idle, when there is none.
func (m *Machine) cpuTurn(c *CPU) *Thread {
	if t := c.sched.run; t != nil {
		c.sched.run = nil
		if t.State == ThreadRunning {
			return t
		}
	}
	m.looking = true
	m.boost(nil)
	m.fireTimers()
	t := m.pickCPU()
	m.looking = false
	if t == nil {
		m.goIdle()
		// A thread the timers woke that this CPU may not run (pinned
		// elsewhere) wakes a CPU that may.
		m.kickLeft()
		return nil
	}
	if t.since > m.clock {
		// It became ready at a later tick of another CPU (a creation
		// or a system call that CPU paid for): this one waits for it.
		m.clock = t.since
	}
	m.kickLeft()
	return t
}

// pickCPU is pick for the running CPU of several: from the shared queue
// the threads it may run, or its own queue, else a thread stolen.
func (m *Machine) pickCPU() *Thread {
	if m.percpu() {
		if t := m.pick(); t != nil {
			return t
		}
		if m.cfg.Balance != BalanceIdle {
			return nil // it waits for the next peek, if any
		}
		return m.steal()
	}
	if !m.pins {
		return m.pick()
	}
	// Only the threads that may run on this CPU take part.
	all := m.ready
	sub := m.pickSub[:0]
	idx := m.pickIdx[:0]
	for i, t := range all {
		if allowed(m.cpu, t) {
			sub = append(sub, t)
			idx = append(idx, i)
		}
	}
	m.ready = sub
	i := m.pickIndex()
	m.ready = all
	clear(sub)
	m.pickSub, m.pickIdx = sub[:0], idx[:0]
	if i < 0 {
		return nil
	}
	return m.take(idx[i])
}

// steal takes, for the running CPU whose queue is empty, the last thread
// of the longest other queue that it may run (ties: the lowest number).
func (m *Machine) steal() *Thread {
	var from *CPU
	at := -1
	for _, c := range m.cpus {
		if c == m.cpu {
			continue
		}
		q := *m.queueOf(c)
		for i := len(q) - 1; i >= 0; i-- {
			if allowed(m.cpu, q[i]) {
				if from == nil || len(q) > len(*m.queueOf(from)) {
					from, at = c, i
				}
				break
			}
		}
	}
	if from == nil {
		return nil
	}
	q := m.queueOf(from)
	t := (*q)[at]
	*q = append((*q)[:at], (*q)[at+1:]...)
	t.inReady, t.queuedOn = false, 0
	if m.trace.On(CatSched) {
		m.Emit(t, &Event{Cat: CatSched, Ev: "steal", Text: fmt.Sprintf("stolen from the queue of cpu%d, the longest (%d threads)", from.ID, len(*q)+1),
			Fields: []Field{{"from", from.ID}}})
	}
	return t
}

// endTurn is what the running CPU keeps after t's turn: t itself when its
// turn gave way to another CPU's or was paused.
func (m *Machine) endTurn(c *CPU, t *Thread) {
	if t.State == ThreadRunning {
		c.sched.run = t
	}
}

// runMulti is Run on several CPUs.
func (m *Machine) runMulti() {
	defer m.endMulti()
	m.aheadOK = m.aheadAllowed()
	for m.halt == NotHalted {
		if m.overLimit() {
			return
		}
		c, bound := m.nextCPUBound()
		if c == nil {
			if m.LiveThreads() > 0 {
				m.trace.cpu = 0
				m.clock = m.lastTick()
				m.deadlock()
			}
			return
		}
		m.loadCPU(c)
		m.actAt, m.pickAt = m.clock, m.clock
		if t := c.sched.run; t != nil && t.ahead.on {
			// Its clock is the earliest: every other CPU is past the
			// stretch it ran ahead.
			m.dropAhead(t)
		}
		if m.ticks() && m.clock >= m.nextTick {
			// A tick of the periodic timer, or a peek: every CPU is
			// there (or idles); each may then run something else, the
			// lowest number first.
			m.timerTick(c)
			continue
		}
		run := c.sched.run
		t := m.cpuTurn(c)
		if m.halt != NotHalted {
			return
		}
		if t == nil {
			continue
		}
		if t == run && bound >= 0 {
			// The turn that gave way goes on, and no clock moved since
			// the bound was found.
			if m.ticks() {
				bound = min(bound, m.nextTick)
			}
			m.tickBound = bound
		} else {
			m.tickBound = m.turnBound(c)
		}
		m.inTurn = true
		m.dispatch(t)
		m.inTurn = false
		m.endTurn(c, t)
	}
}

// lastTick is the latest clock of the CPUs.
func (m *Machine) lastTick() int64 {
	last := m.clock
	for _, c := range m.cpus {
		last = max(last, m.clockOf(c))
	}
	return last
}

// endMulti ends a run on several CPUs: the machine's tick is the latest
// CPU's, and the events after it (reports, statistics) belong to no CPU.
func (m *Machine) endMulti() {
	if len(m.aheadList) > 0 {
		m.settleAll()
	}
	m.saveCPU()
	m.clock = m.lastTick()
	m.trace.cpu = 0
}

// CPUTicks returns, for each CPU, its ticks running threads, idle and
// switching, up to the machine's tick.
func (m *Machine) CPUTicks() (busy, idle, switching []int64) {
	for _, c := range m.cpus {
		s := c.sched
		b, sw := s.busy, s.switching
		if !m.multi {
			b, sw = m.busyTicks, m.switchTicks
		}
		busy = append(busy, b)
		switching = append(switching, sw)
		idle = append(idle, max(m.clock-b-sw, 0))
	}
	return busy, idle, switching
}

// onCPU notes that t runs on the running CPU: a thread that ran on
// another one last migrates, and finds neither its translations nor its
// lines in this CPU's TLB and cache.
func (m *Machine) onCPU(t *Thread) {
	id := m.cpu.ID + 1
	if t.ranOn != 0 && t.ranOn != id {
		t.times.Migrations++
		if m.trace.On(CatSched) {
			m.Emit(t, &Event{Cat: CatSched, Ev: "migrate", Text: fmt.Sprintf("migrates from cpu%d to cpu%d", t.ranOn-1, id-1),
				Fields: []Field{{"from", t.ranOn - 1}, {"to", id - 1}}})
		}
	}
	t.ranOn = id
}

// cpuLines are the statistics' lines of the CPUs of a machine of several:
// their ticks together, then each one's.
func (m *Machine) cpuLines(busy int64) []string {
	b, idle, sw := m.CPUTicks()
	var allSw int64
	for i := range m.cpus {
		allSw += sw[i]
	}
	all := m.clock * int64(len(m.cpus))
	pct := func(n, of int64) float64 {
		if of <= 0 {
			return 0
		}
		return 100 * float64(n) / float64(of)
	}
	// The turns in progress count as busy (BusyNow): the idle ticks are
	// what is left.
	allIdle := max(all-busy-allSw, 0)
	out := []string{fmt.Sprintf("ticks %d on %d CPUs (%d CPU ticks): busy %d (%.1f%% utilization), idle %d, switching %d",
		m.clock, len(m.cpus), all, busy, pct(busy, all), allIdle, allSw)}
	for i, c := range m.cpus {
		out = append(out, fmt.Sprintf("  cpu%d: busy %d (%.1f%% utilization), idle %d, switching %d", c.ID, b[i], pct(b[i], m.clock), idle[i], sw[i]))
	}
	return out
}

// IdleTicks is the ticks no thread ran and no switch was paid, of every
// CPU together.
func (m *Machine) IdleTicks() int64 {
	if !m.multi {
		return m.idleTicks
	}
	var sw int64
	for _, c := range m.cpus {
		sw += c.sched.switching
	}
	return max(m.clock*int64(len(m.cpus))-m.BusyNow()-sw, 0)
}

// oneCPU makes a machine of several CPUs, before it runs, a machine of
// one (SetChooser): the threads ready on any CPU are ready on it, in the
// order they became ready.
func (m *Machine) oneCPU() {
	m.saveCPU()
	var ready []*Thread
	for _, c := range m.cpus {
		if m.percpu() {
			ready = append(ready, c.sched.ready...)
		}
		c.sched = cpuSched{lastSlice: -1}
	}
	m.hot = m.hot[:1]
	m.hot[0] = cpuHot{}
	if m.percpu() {
		slices.SortStableFunc(ready, func(a, b *Thread) int { return cmp.Compare(a.seq, b.seq) })
		m.ready = ready
	}
	for _, t := range m.ready {
		t.queuedOn = 0
	}
	m.cpus = m.cpus[:1]
	m.cpu = m.cpus[0]
	m.win = &m.cpu.win
	m.multi = false
	m.cfg.CPUs = 1
	m.trace.cpu = 0
}

// ticks reports whether the CPUs of a machine of several meet at ticks
// of the clock: the periodic timer's (timer = "periodic", under a policy
// with a quantum), or balance = "peek"'s with a queue per CPU.
func (m *Machine) ticks() bool {
	return m.multi && (m.periodic() || m.percpu() && m.cfg.Balance == BalancePeek)
}

// periodic reports whether time slices end at the periodic timer's
// ticks: timer = "periodic" under rr, priority or lottery.
func (m *Machine) periodic() bool {
	switch m.cfg.Sched {
	case SchedRR, SchedPriority, SchedLottery:
		return m.cfg.Periodic
	}
	return false
}

// tickAfter is the first tick after at where the CPUs meet (ticks).
func (m *Machine) tickAfter(at int64) int64 {
	next := int64(1) << 62
	if m.periodic() {
		q := m.cfg.Quantum
		next = (at/q + 1) * q
	}
	if m.percpu() && m.cfg.Balance == BalancePeek {
		p := m.cfg.PeekInterval
		next = min(next, (at/p+1)*p)
	}
	return next
}

// timerTick is what the kernel does at a tick where the CPUs meet, once
// the earliest CPU, c, reached it: at a tick of the periodic timer, each
// CPU (the lowest number first) whose thread's slice ends there puts it
// back in the ready queue; at a peek, each CPU whose queue is empty
// looks into another's (peek). The CPUs then look for a thread to run,
// in the order of their numbers: an idle one may take a thread put back
// by another. So a tick is the same whatever the order in which the
// CPUs reached it: it is OSTEP multi.py's (interrupts, then stealing,
// then every idle CPU in turn takes a job).
func (m *Machine) timerTick(c *CPU) {
	at := m.clock
	m.nextTick = m.tickAfter(at)
	if at == 0 {
		return
	}
	if m.periodic() && at%m.cfg.Quantum == 0 {
		for _, x := range m.cpus {
			t := x.sched.run
			if m.hot[x.ID].idle || t == nil || m.clockOf(x) != at || t.State != ThreadRunning || !t.deferred || t.deferredSlice > 0 {
				continue
			}
			m.loadCPU(x)
			t.deferred, t.deferredCut, t.gaveWay, t.slice = false, false, false, 0
			t.touchDue = true
			x.sched.run = nil
			m.sliceEnded()
			m.demote(t)
			m.MakeReady(t)
		}
	}
	if m.percpu() && m.cfg.Balance == BalancePeek && at%m.cfg.PeekInterval == 0 {
		m.peek(at)
	}
	m.loadCPU(c)
	m.kickLeft()
}

// peek is balance = "peek" at tick at: each CPU whose queue is empty,
// the lowest number first, picks one other CPU at random and moves the
// first thread of that one's queue that may run anywhere (no cpu or
// cpus given) to its own queue. It draws from the machine's generator
// (rng), as multi.py draws from Python's with random.choice.
func (m *Machine) peek(at int64) {
	for _, x := range m.cpus {
		if len(*m.queueOf(x)) > 0 {
			continue
		}
		k := m.randBelow(len(m.cpus) - 1)
		if k >= x.ID {
			k++
		}
		y := m.cpus[k]
		q := m.queueOf(y)
		for i, t := range *q {
			if affine(t) {
				continue
			}
			*q = append((*q)[:i], (*q)[i+1:]...)
			xq := m.queueOf(x)
			*xq = append(*xq, t)
			t.queuedOn = x.ID + 1
			if m.hot[x.ID].idle {
				m.wakeCPU(x, at)
			}
			if m.trace.On(CatSched) {
				was := m.trace.cpu
				m.trace.cpu = x.ID + 1
				m.EmitAt(t, at, &Event{Cat: CatSched, Ev: "steal", Text: fmt.Sprintf("stolen from the queue of cpu%d (peeked at, chosen at random)", y.ID),
					Fields: []Field{{"from", y.ID}}})
				m.trace.cpu = was
			}
			break
		}
	}
}

// randBelow draws a number from 0 to n-1 from the machine's generator:
// with rng = "python", as Python's random.choice picks from n things.
func (m *Machine) randBelow(n int) int {
	if n <= 1 && m.py == nil {
		return 0
	}
	if m.py != nil {
		return m.py.below(n)
	}
	return int(m.rng.next() % uint64(n))
}
