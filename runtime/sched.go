package runtime

import "slices"

// The scheduler: which ready thread runs next, for how long, and whether a
// thread that just became ready should take the CPU from the running one.
// Every policy is deterministic; lottery draws from a PRNG seeded by `seed`.

// SchedPolicy is a scheduling policy: the value of the sched config key,
// parsed once when the key is set, so that the scheduler switches on a
// small number at every pick.
type SchedPolicy uint8

// The scheduling policies, in the order the sched key lists them.
const (
	SchedFIFO     SchedPolicy = iota // first come, first served; a thread runs until it blocks, yields or ends
	SchedRR                          // round robin: a quantum each, in turn
	SchedSJF                         // shortest expected burst first, not preemptive
	SchedSTCF                        // shortest time to completion first, preemptive
	SchedPriority                    // highest priority first, preemptive
	SchedMLFQ                        // multi-level feedback queue, preemptive
	SchedLottery                     // a draw weighted by tickets, a quantum each
)

var schedNames = [...]string{
	SchedFIFO: "fifo", SchedRR: "rr", SchedSJF: "sjf", SchedSTCF: "stcf",
	SchedPriority: "priority", SchedMLFQ: "mlfq", SchedLottery: "lottery",
}

// ParseSchedPolicy returns the policy a sched value names ("rr", "mlfq"...);
// it reports false for any other text.
func ParseSchedPolicy(s string) (SchedPolicy, bool) {
	for p, name := range schedNames {
		if s == name {
			return SchedPolicy(p), true
		}
	}
	return SchedRR, false
}

// String returns the policy's sched value, such as "rr".
func (p SchedPolicy) String() string {
	if int(p) < len(schedNames) {
		return schedNames[p]
	}
	return "sched(" + itoa(int(p)) + ")"
}

// SchedAttrs are what the scheduling policies know of a thread: what its
// creator gave it (priority, tickets, expected burst) and what the
// scheduler keeps (its MLFQ level, the CPU it had). A new thread gets them
// from whoever creates it; a forked one copies its parent's.
type SchedAttrs struct {
	Priority int64 // priority: higher runs first
	Tickets  int64 // lottery tickets
	Burst    int64 // expected CPU ticks (sjf, stcf); 0 when not given
	Level    int   // current MLFQ level, 0 the highest
	// Used is the CPU the thread has had (stcf's remaining time is
	// Burst - Used); LevelUsed is its CPU at its current MLFQ level.
	Used      int64
	LevelUsed int64
	// Pin is 1 + the CPU the thread may only run on (with {cpu: N}); 0
	// lets it run on any.
	Pin int
	// CPUSet is the CPUs the thread may run on, a bit each (with {cpus:
	// "0,2"}); 0 lets it run on any. A thread with either is never
	// stolen under balance = "peek".
	CPUSet uint64
	// WSet is the size of the thread's working set (with {wset: N}), in
	// the units of warm_cache (warm.go).
	WSet int64
}

// DefaultTickets is a thread's lottery tickets when its creator gives none.
const DefaultTickets = 100

// MaxTickets bounds the tickets a thread may be given, so that the sum the
// lottery draws from fits 64 bits whatever the number of threads.
const MaxTickets = 1_000_000

// prng is splitmix64: tiny, fast, and the same on every machine.
type prng struct{ s uint64 }

func (r *prng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// drawPython is the lottery of rng = "python", which draws as OSTEP's
// lottery.py does: a random number r = int(random() * 1000001) from
// Python's generator, the winning ticket r % total, and the winner the
// first thread, walking the ready ones in tid (creation) order, whose
// running sum of tickets exceeds the winning ticket. A thread alone in the
// ready queue runs without a draw: lottery.py draws even for its last
// job, but such a draw cannot change who runs. It returns the winner's
// index in the ready queue.
func (m *Machine) drawPython() int {
	if len(m.ready) == 1 {
		return 0
	}
	order := append(m.pyOrder[:0], m.ready...)
	slices.SortFunc(order, func(a, b *Thread) int { return a.TID - b.TID })
	var total int64
	for _, t := range order {
		total += max(t.sched.Tickets, 1)
	}
	r := int64(m.py.float() * 1000001)
	win := r % total
	w := order[len(order)-1]
	var sum int64
	for _, t := range order {
		sum += max(t.sched.Tickets, 1)
		if sum > win {
			w = t
			break
		}
	}
	clear(order)
	m.pyOrder = order[:0]
	if m.trace.On(CatSched) {
		m.Emit(w, &Event{Cat: CatSched, Ev: "draw",
			Text:   "lottery: random " + itoa(int(r)) + " -> winning ticket " + itoa(int(win)) + " (of " + itoa(int(total)) + ")",
			Fields: []Field{{"random", r}, {"ticket", win}, {"tickets", total}}})
	}
	return slices.Index(m.ready, w)
}

// Preemptive reports whether the policy takes the CPU away when a better
// thread becomes ready.
func (m *Machine) Preemptive() bool {
	switch m.cfg.Sched {
	case SchedSTCF, SchedPriority, SchedMLFQ:
		return true
	}
	return false
}

// sliceFor is how many ticks t may run before the scheduler looks again.
func (m *Machine) sliceFor(t *Thread) int64 {
	if t.paused {
		// The rest of a turn that RunUntil paused, resumed.
		t.paused, t.resuming = false, true
		return t.pausedSlice
	}
	if t.slice > 0 {
		// The rest of a turn a stop left, or the foreground's turn.
		s := t.slice
		t.slice = 0
		return s
	}
	switch m.cfg.Sched {
	case SchedFIFO, SchedSJF, SchedSTCF:
		return 1 << 62
	case SchedMLFQ:
		// The rest of the quantum the thread is in at its level.
		q := m.mlfqQuantum(t.sched.Level)
		return q - t.sched.LevelUsed%q
	}
	if m.cfg.Periodic {
		// The timer interrupts every quantum ticks of the clock: a
		// thread that starts between two gets the rest of the period.
		return m.cfg.Quantum - m.clock%m.cfg.Quantum
	}
	return m.cfg.Quantum
}

// mlfqLevels is the number of MLFQ levels: one per mlfq_quanta entry,
// else mlfq_levels.
func (m *Machine) mlfqLevels() int {
	if q, _ := ParseQuanta(m.cfg.MLFQQuanta); len(q) > 0 {
		return len(q)
	}
	return int(m.cfg.MLFQLevels)
}

// mlfqQuantum is the quantum of MLFQ level l (0 the top): mlfq_quanta's
// entry, else quantum doubled at each level down.
func (m *Machine) mlfqQuantum(l int) int64 {
	if m.cfg.MLFQQuanta != "" {
		if m.quanta == nil || m.quantaOf != m.cfg.MLFQQuanta {
			m.quanta, _ = ParseQuanta(m.cfg.MLFQQuanta)
			m.quantaOf = m.cfg.MLFQQuanta
		}
		if len(m.quanta) > 0 {
			return m.quanta[min(l, len(m.quanta)-1)]
		}
	}
	return m.cfg.Quantum << uint(l)
}

// mlfqAllotment is the ticks a thread may use at level l before it moves
// down: mlfq_allotment quanta.
func (m *Machine) mlfqAllotment(l int) int64 {
	return max(m.cfg.MLFQAllotment, 1) * m.mlfqQuantum(l)
}

// remaining is stcf's time to completion.
func remaining(t *Thread) int64 {
	if t.sched.Burst == 0 {
		return 0
	}
	r := t.sched.Burst - t.sched.Used
	if r < 0 {
		r = 0
	}
	return r
}

// better reports whether a should run before b under the policy (ties go
// to the thread that became ready first, which the caller handles by
// scanning the ready queue in order).
func (m *Machine) better(a, b *Thread) bool {
	switch m.cfg.Sched {
	case SchedSJF:
		return a.sched.Burst < b.sched.Burst
	case SchedSTCF:
		return remaining(a) < remaining(b)
	case SchedPriority:
		return a.sched.Priority > b.sched.Priority
	case SchedMLFQ:
		return a.sched.Level < b.sched.Level
	}
	return false
}

// ioHolder is, with multiprogramming = false, the process that keeps the
// CPU: the last one to run, as long as one of its threads waits for an
// I/O or is ready (the CPU goes to another process only when it ends or
// waits for something else, as process-run's SWITCH_ON_END). It is nil
// otherwise.
func (m *Machine) ioHolder() *Process {
	if m.cfg.Multiprogramming || m.cur == nil || m.cur.Proc.State != ProcRunning {
		return nil
	}
	for _, t := range m.cur.Proc.Threads {
		if t.sleeping && !t.asleep || t.inReady {
			return t.Proc
		}
	}
	return nil
}

// pick removes and returns the next thread to run, or nil.
func (m *Machine) pick() *Thread {
	if i := m.pickIndex(); i >= 0 {
		return m.take(i)
	}
	return nil
}

// pickIndex returns the place in the ready queue of the next thread to
// run, or -1.
func (m *Machine) pickIndex() int {
	if len(m.ready) == 0 {
		return -1
	}
	if hold := m.ioHolder(); hold != nil {
		// Only the process that waits for its I/O may have the CPU:
		// its other threads, or nobody.
		for i, t := range m.ready {
			if t.Proc == hold {
				return i
			}
		}
		return -1
	}
	best := 0
	switch m.cfg.Sched {
	case SchedLottery:
		if m.py != nil {
			// The generator is chosen, as it is seeded, when the
			// machine starts (rng, seed).
			best = m.drawPython()
			break
		}
		var total uint64
		for _, t := range m.ready {
			total += uint64(max(t.sched.Tickets, 1))
		}
		win := m.rng.next() % total
		for i, t := range m.ready {
			w := uint64(max(t.sched.Tickets, 1))
			if win < w {
				best = i
				break
			}
			win -= w
		}
	case SchedFIFO, SchedRR:
	case SchedSJF:
		b := m.ready[0].sched.Burst
		for i, t := range m.ready {
			if t.sched.Burst < b {
				best, b = i, t.sched.Burst
			}
		}
	case SchedSTCF:
		b := remaining(m.ready[0])
		for i, t := range m.ready {
			if r := remaining(t); r < b {
				best, b = i, r
			}
		}
	case SchedPriority:
		b := m.ready[0].sched.Priority
		for i, t := range m.ready {
			if t.sched.Priority > b {
				best, b = i, t.sched.Priority
			}
		}
	case SchedMLFQ:
		b := m.ready[0].sched.Level
		for i, t := range m.ready {
			if t.sched.Level < b {
				best, b = i, t.sched.Level
			}
		}
	}
	if m.cfg.ReadyTID && m.cfg.Sched != SchedLottery {
		// ready_order = "tid": among the threads the policy ranks
		// equal, the one that comes first after the thread that ran
		// last.
		for i, t := range m.ready {
			if b := m.ready[best]; !m.better(b, t) && !m.better(t, b) && m.tieBefore(t, b) {
				best = i
			}
		}
	}
	return best
}

// tieBefore is ready_order = "tid"'s order of two threads the policy
// ranks equal: a thread whose I/O ended with wake_preempts and that has
// not run since first, then the first in tid order after the thread
// that ran last, wrapping round, as process-run's scan of its pids.
func (m *Machine) tieBefore(a, b *Thread) bool {
	if a.ioDone != b.ioDone {
		return a.ioDone
	}
	return m.tidAfter(a) < m.tidAfter(b)
}

// tidAfter is how far t comes after the thread that ran last, in tid
// order round: 1 for the next tid, the most for that thread itself.
func (m *Machine) tidAfter(t *Thread) int64 {
	d := int64(t.TID - tidOf(m.cur))
	if d <= 0 {
		d += 1 << 40
	}
	return d
}

// take removes the ready thread at index i from the queue and returns it.
func (m *Machine) take(best int) *Thread {
	t := m.ready[best]
	t.inReady, t.queuedOn = false, 0
	if best == 0 && len(m.ready) > 64 {
		// The head of a long queue (always the head, under fifo and rr)
		// leaves it without moving the rest; appends later reallocate
		// the queue about once per queue length. A short queue moves
		// down instead, which keeps its array.
		m.ready[0] = nil
		m.ready = m.ready[1:]
	} else {
		m.ready = append(m.ready[:best], m.ready[best+1:]...)
		m.ready[:len(m.ready)+1][len(m.ready)] = nil
	}
	return t
}

// appendReady puts t at the end of the ready queue. The head of a long
// queue leaves it by moving the queue's start up its array (take): when
// the queue reaches the array's end with half of the array free before
// it, it moves down to the array's start; when not, it moves into an
// array twice its length. A queue of a hundred thousand threads taking
// turns then allocates nothing.
func (m *Machine) appendReady(t *Thread) {
	q, a := m.ready, m.readyArr
	if n := len(q); n > 0 && n == cap(q) {
		if cap(a) >= 2*n && &a[:cap(a)][cap(a)-1] == &q[n-1] {
			copy(a, q)
			clear(a[n:cap(a)])
			q = a[:n]
		} else {
			a = make([]*Thread, n, 2*n)
			copy(a, q)
			m.readyArr = a[:cap(a)]
			q = a
		}
	}
	c := cap(q)
	q = append(q, t)
	if cap(q) != c {
		// A new array (from an empty queue), which the queue starts.
		m.readyArr = q[:cap(q)]
	}
	m.ready = q
}

// shouldPreempt reports whether a ready thread should take the CPU from t.
func (m *Machine) shouldPreempt(t *Thread) bool {
	if !m.Preemptive() || t == m.foreground {
		return false
	}
	for _, r := range m.ready {
		if m.better(r, t) {
			return true
		}
	}
	return false
}

// charge records that t ran for used ticks.
func (m *Machine) charge(t *Thread, used int64) {
	t.sched.Used += used
	t.sched.LevelUsed += used
}

// demote moves t one MLFQ level down once it used its whole allotment,
// whatever it does next: run on, block, yield. (A thread that starts an
// I/O in the very tick its allotment runs out has used it: were it not
// moved down, it would keep a fresh allotment for ever.)
func (m *Machine) demote(t *Thread) {
	if m.cfg.Sched != SchedMLFQ || t.State == ThreadDone {
		return
	}
	if t.sched.LevelUsed < m.mlfqAllotment(t.sched.Level) {
		return
	}
	if t.sched.Level < m.mlfqLevels()-1 {
		t.sched.Level++
		if m.trace.On(CatSched) {
			what := "quantum"
			if m.cfg.MLFQAllotment > 1 {
				what = "allotment"
			}
			m.Emit(t, &Event{Cat: CatSched, Ev: "demote", Text: "mlfq: used its " + what + ", down to level " + itoa(t.sched.Level),
				Fields: []Field{{"level", t.sched.Level}}})
		}
	}
	t.sched.LevelUsed = 0
}

// leaveCPU is the policy's part of t giving up the CPU before its slice
// ends (it blocks or yields): under mlfq a thread whose allotment ran
// out moves down; with mlfq_io_reset one that gave up the CPU before
// that starts its allotment afresh (the gameable rule).
func (m *Machine) leaveCPU(t *Thread) {
	if m.cfg.Sched != SchedMLFQ || t.State == ThreadDone {
		return
	}
	if t.sched.LevelUsed >= m.mlfqAllotment(t.sched.Level) {
		m.demote(t)
	} else if m.cfg.MLFQIOReset {
		t.sched.LevelUsed = 0
	}
}

// boostDue reports whether an MLFQ priority boost is due.
func (m *Machine) boostDue() bool {
	return m.cfg.Sched == SchedMLFQ && m.cfg.MLFQBoost > 0 && m.clock >= m.nextBoost
}

// boost moves every thread to the top MLFQ level every mlfq_boost ticks,
// with its allotment afresh. The ready queue is ordered as the textbook's
// simulator orders its queues then: the threads already at the top keep
// their places, and behind them come the others, the lowest level's
// first, each level's in its order. running, when not nil, is the thread
// whose slice the boost cut: it goes back to the ready queue at the head
// of its level's threads.
func (m *Machine) boost(running *Thread) {
	if !m.boostDue() {
		return
	}
	// However many boost ticks have passed since the last look, no
	// thread ran in between: one boost does what all of them would.
	m.nextBoost += ((m.clock-m.nextBoost)/m.cfg.MLFQBoost + 1) * m.cfg.MLFQBoost
	if running != nil {
		m.MakeReady(running)
		// To the head of its level: it was the head of its queue.
		n := len(m.ready) - 1
		i := 0
		for i < n && m.ready[i].sched.Level != running.sched.Level {
			i++
		}
		copy(m.ready[i+1:], m.ready[i:n])
		m.ready[i] = running
	}
	moved := 0
	for _, t := range m.threads {
		if t.State != ThreadDone && t.sched.Level != 0 {
			moved++
		}
	}
	if moved > 0 {
		slices.SortStableFunc(m.ready, func(a, b *Thread) int { return boostRank(a) - boostRank(b) })
		if m.percpu() {
			for _, c := range m.cpus {
				if c != m.cpu {
					slices.SortStableFunc(c.sched.ready, func(a, b *Thread) int { return boostRank(a) - boostRank(b) })
				}
			}
		}
	}
	for _, t := range m.threads {
		if t.State != ThreadDone {
			t.sched.Level, t.sched.LevelUsed = 0, 0
		}
	}
	if moved > 0 && m.trace.On(CatSched) {
		m.trace.Emit(&Event{T: m.clock, Cat: CatSched, Ev: "boost", Text: "mlfq: priority boost, every thread back to level 0",
			Fields: []Field{{"threads", moved}}})
	}
}

// boostRank orders the ready queue at a boost: the top level first, then
// the lowest level, up to level 1.
func boostRank(t *Thread) int {
	if t.sched.Level == 0 {
		return 0
	}
	return 1<<20 - t.sched.Level
}

// Computer is an executor that can tell how many more ticks a thread will
// spend in a compute without doing anything else, and burn ticks of it at
// once. A thread alone on the CPU in a long compute then costs one step of
// the scheduler, not one a quantum.
type Computer interface {
	ComputeLeft(t *Thread) int64
	Burn(t *Thread, n int64)
}

// computeAlone lets t, alone on the CPU at the start of a new quantum of
// q ticks, compute through the whole quanta that nothing can interrupt: no
// thread is ready, no timer is pending, and the policy keeps no state from
// one quantum to the next (mlfq moves a thread down; that is left to the
// quantum-by-quantum path, and max_slices bounds it). The quantum
// boundaries land where they would have, one by one.
func (m *Machine) computeAlone(t *Thread, q int64) {
	c, ok := m.lang.(Computer)
	if !ok || q <= 0 || m.multi || len(m.ready) > 0 || len(m.sleepers) > 0 || len(m.qtimers) > 0 ||
		m.chooser != nil || m.cfg.Sched == SchedMLFQ || t.slice > 0 || m.WarmOn() {
		return
	}
	left := c.ComputeLeft(t)
	k := (left - 1) / q // leave the last quantum to the ordinary path
	k = min(k, max(m.ticksLeft(), 0)/q)
	if k <= 0 {
		return
	}
	n := k * q
	c.Burn(t, n)
	m.clock += n
	m.charge(t, n)
}

// Alone reports whether, at a quantum boundary, the scheduler would give
// the CPU straight back to the running thread: no other thread is ready,
// no timer is pending, and the policy keeps no per-quantum state (mlfq's
// levels, lottery's draws). The executor then runs on without a round trip
// through the scheduler.
func (m *Machine) Alone() bool {
	return !m.multi && len(m.ready) == 0 && len(m.sleepers) == 0 && len(m.qtimers) == 0 && m.chooser == nil &&
		m.cfg.Sched != SchedMLFQ && m.cfg.Sched != SchedLottery && m.halt == NotHalted && !m.cfg.Periodic
}
