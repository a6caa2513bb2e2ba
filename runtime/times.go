package runtime

// Where each thread's time goes, for the statistics and the timeline.
// From the tick a thread can first run to the tick it ends, every tick is
// in exactly one of four totals: CPU (it ran), Ready (it waited for the
// CPU, the switch to it included), Blocked (it waited for an event or a
// device) and Sleeping (it waited in sleep). The totals are kept at each
// change of state, so that they add up by construction of the state
// machine and not by subtraction.

// ThreadTimes is what a thread did with its life, in ticks.
type ThreadTimes struct {
	// Start is the tick it could first run: its creator's spawn, fork or
	// thread plus the cost of the creation, which the creator paid.
	Start int64
	// CPU, Ready, Blocked and Sleeping add up to its life: its end (or
	// now) minus Start.
	CPU, Ready, Blocked, Sleeping int64
	// Switches counts the context switches that gave it the CPU; their
	// cost is part of its Ready.
	Switches int64
	// Migrations counts the times it ran on another CPU than the one it
	// ran on last.
	Migrations int64
}

// Waiting is how a thread waits in a stretch of its life.
type Waiting uint8

// The ways a thread waits.
const (
	WaitReady Waiting = iota
	WaitBlocked
	WaitSleeping
)

// Wait is one stretch of time a thread waited (for --gantt), as Slice is
// one it ran.
type Wait struct {
	TID        int
	State      Waiting
	Start, End int64
}

// start marks the first time t is made ready: its life begins.
func (t *Thread) start(at int64) {
	t.started = true
	t.times.Start = at
}

// settle ends t's current stretch of waiting at tick now and adds it to
// the total of its state. A running thread's ticks are counted by
// dispatch, which knows where its turn began and ended.
func (m *Machine) settle(t *Thread, now int64) {
	if m.multi && now < t.since {
		// Another CPU, whose clock is behind the thread's, acts on it:
		// the thread's time goes on from where it is.
		now = t.since
	}
	switch {
	case !t.started || now <= t.since:
	case t.State == ThreadReady:
		m.waited(t, WaitReady, now)
	case t.State == ThreadBlocked && t.asleep:
		m.waited(t, WaitSleeping, now)
	case t.State == ThreadBlocked:
		m.waited(t, WaitBlocked, now)
	}
	t.since = now
}

// waited adds the stretch from t.since to now to t's total for s, and
// records it for the timeline when one is kept.
func (m *Machine) waited(t *Thread, s Waiting, now int64) {
	n := now - t.since
	switch s {
	case WaitReady:
		t.times.Ready += n
	case WaitBlocked:
		t.times.Blocked += n
	case WaitSleeping:
		t.times.Sleeping += n
	}
	if m.recordWaits {
		m.recordWait(Wait{TID: t.TID, State: s, Start: t.since, End: now})
	}
}

// TimesNow returns t's times as of now, with the stretch it is in counted
// up to now, and the tick its life ends (now for a thread still alive).
func (m *Machine) TimesNow(t *Thread) (ThreadTimes, int64) {
	tt := t.times
	if !t.started {
		return ThreadTimes{Start: t.created}, t.created
	}
	if t.State == ThreadDone {
		return tt, t.endedAt
	}
	now := m.clock
	if m.multi {
		// A thread of another CPU may be ahead of this one's clock.
		now = max(now, t.since)
	}
	n := max(now-t.since, 0)
	switch {
	case t.State == ThreadRunning:
		// In the middle of its turn, or paused at its end (since is then
		// the end, and n is 0).
		tt.CPU += n
	case t.State == ThreadReady:
		tt.Ready += n
	case t.asleep:
		tt.Sleeping += n
	default:
		tt.Blocked += n
	}
	return tt, now
}
