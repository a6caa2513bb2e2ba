package explore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"proc/interp"
	"proc/runtime"
	"proc/runtime/mem"
)

// The bounds of a search whose options leave them 0. The full search of
// most scripts with threads never ends, so a search always has bounds:
// these stop the examples after 10,000 schedules (under 25 million
// instructions, seconds), two threads that spin to the step limit after
// three runs, and hold a run's choices to a few MiB.
const (
	DefaultMaxSchedules       = 10000
	DefaultMaxSteps     int64 = 30_000_000
	DefaultMaxDepth           = 10000
	DefaultMaxMemory    int64 = 64 << 20
)

// Options bound the search. In each Max field 0 means the default
// bound and a negative number no bound.
type Options struct {
	// Preemptions bounds the switches away from a thread that could have
	// gone on (-1: no bound).
	Preemptions int
	// MaxSchedules stops the search after that many schedules.
	MaxSchedules int
	// MaxSteps stops the search once its runs together executed that
	// many instructions (each run is bounded by max_steps on its own).
	MaxSteps int64
	// MaxDepth bounds the choices recorded in one schedule: past them the
	// run goes on without preemption, as a replay past the end of its
	// schedule does, and the search is incomplete.
	MaxDepth int
	// MaxMemory bounds, in bytes, what the search keeps: the outcomes and
	// races found and the choices of the current schedule. A run that
	// would pass it goes on without preemption, and the search stops
	// after it.
	MaxMemory int64
	// Stateless turns off the visited set: every schedule is run to its
	// end, even one that reaches a state explored before (the search of
	// older versions, kept to compare with).
	Stateless bool
	// Bitstate, when more than 0, keeps the visited set as that many
	// bytes of bits, as SPIN's supertrace does: three bits a state, with
	// no room for what the state was reached with (its sleep set and
	// preemptions are part of its fingerprint instead). A state whose
	// bits happen to be set by others is taken as seen, so coverage is
	// probabilistic and the search never reports itself complete; in
	// exchange the memory is fixed whatever the number of states.
	Bitstate int64
	// Progress, when set, is called after each schedule with what the
	// search has found so far (to read, not to keep: it changes).
	Progress func(*Result)
	// Session holds the options each run of the program is made with:
	// its Sets (config overrides, KEY=VALUE) and Engine. The search takes
	// the events of each run (Sink), turns the race detector on, and
	// turns off what shows a run (Trace, JSON, Stats, Gantt, Chrome) and
	// the options' Chooser.
	Session interp.Options
	// copyEvery, when more than 0, replaces snapEvery (the tests copy
	// runs at every point, to test the copies on small programs); less
	// than 0, it turns the copies off (to measure them).
	copyEvery int64
	// noPostpone turns off leaving a join or wait that would block until
	// what it waits for ends (the tests compare the search without it).
	noPostpone bool
}

// bound reads a Max option: 0 asks for the default, a negative number for
// no bound.
func bound[T int | int64](v T, def int64) int64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return math.MaxInt64
	}
	return int64(v)
}

// Outcome is one distinct result of the program.
type Outcome struct {
	Output   string   // program output of all processes, in order
	Exits    []string // "pid=status" for every process, by pid
	Faults   []string // "pid: SIGNAL kind: what" for each fault
	Deadlock bool
	Stopped  string // a step or output limit stopped the run
	// Schedules counts the runs that reached it; Schedule is one of them,
	// with the fewest preemptions (Preemptions) and, among those, the
	// fewest choices that the search found.
	Schedules   int
	Schedule    string
	Preemptions int
	choices     int
}

// Failed reports whether the outcome is a failure: a fault (an assert
// included), a deadlock or a limit.
func (o *Outcome) Failed() bool {
	return len(o.Faults) > 0 || o.Deadlock || o.Stopped != ""
}

func (o *Outcome) key() string {
	return o.Output + "\x00" + strings.Join(o.Exits, ",") + "\x00" + strings.Join(o.Faults, "\x01") +
		"\x00" + strconv.FormatBool(o.Deadlock) + "\x00" + o.Stopped
}

// Result is what a search found.
type Result struct {
	// Outcomes are the distinct results, those whose schedule has the
	// fewest preemptions first (then the fewest choices), in the order
	// first reached among equals.
	Outcomes  []*Outcome
	Schedules int
	Pruned    int // runs cut short because they repeated an explored interleaving
	// Complete says that every schedule was covered: no bound cut the
	// search short.
	Complete bool
	// Stop says why the search ended before it ran out of schedules.
	Stop Stop
	// Deep counts the schedules that went past MaxDepth choices and were
	// followed only one way from there.
	Deep int
	// Steps counts the instructions of every run, and the work of
	// taking the fingerprints of states: WordsPerStep words of state
	// count as one instruction, so that MaxSteps bounds a search of a
	// program with a large memory too.
	Steps int64
	// Races are the data races found in any schedule, each with a
	// schedule that shows it.
	Races []Race
	// States counts the distinct states stored in the visited set;
	// Matched the times a run reached one of them again and stopped
	// there (0 in a stateless search).
	States, Matched int64
	// Clock says that the program's behaviour could depend on the
	// tick, so that the clock was part of every state.
	Clock bool
	// Hardware says that the runs had the TLB and the cache as the
	// program's config has them. Without the clock and without a sleep
	// they change nothing but the tick, and the search runs without them
	// (hardwareOff), which is faster.
	Hardware bool
	// Bitstate says that the visited set was a bitstate hash
	// (Options.Bitstate): States counts the states whose bits were not
	// all set yet, and the search is not complete however it ended.
	Bitstate bool
	// StateBytes is the memory the visited set held at the end: counted
	// for an exact one, the size of the bits for a bitstate one.
	StateBytes int64
	// Copies counts the runs that started from a copy of the run before
	// them, where the two part, rather than from the program's start.
	Copies int64
}

// Stop says why a search stopped.
type Stop uint8

// The ways a search stops.
const (
	StopEnded        Stop = iota // it ran out of schedules
	StopMaxSchedules             // MaxSchedules
	StopMaxSteps                 // MaxSteps
	StopMaxMemory                // MaxMemory
	StopInterrupted              // its context was cancelled
	StopTimeout                  // its context's deadline passed
)

// WordsPerStep is how many words of state taking a fingerprint reads for
// the work of one instruction (Result.Steps).
const WordsPerStep = 64

// interrupted is how a search whose context is done stops: at its
// deadline, a time bound (StopTimeout), otherwise told to (Ctrl-C).
func interrupted(ctx context.Context) Stop {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return StopTimeout
	}
	return StopInterrupted
}

// Race is a data race and a schedule in which it happens.
type Race struct {
	interp.Race
	Schedule string
	// Preemptions counts those of Schedule.
	Preemptions int
	choices     int
}

// cand is one thread that may run at a scheduling point.
type cand struct {
	tid   int
	fp    interp.Footprint
	done  bool // explored from this point already
	sleep bool // an equivalent interleaving runs it later
	// waits says its step is a join or wait that would block, left until
	// what it waits for ends (explorer.postpone).
	waits bool
}

// node is one scheduling point of the search. Only points where more than
// one thread could run are kept on the stack: at the others replay has
// nothing to choose, so a run that makes millions of steps alone keeps
// nothing.
type node struct {
	cands []cand // by tid
	// only, when not -1, is the one candidate worth trying: its step
	// touches nothing another thread sees.
	only        int
	chosen      int // index into cands
	last        int // the thread that ran before, or 0
	lastEnabled bool
	preempts    int // preemptions before this point
	// seen is 1 + the index of the state's entry in the visited set
	// (explorer.seen), 0 for none.
	seen int
	// timed says a thread slept at this point: no two steps commute
	// (runtime.Machine.TimersPending).
	timed bool
	// snap, when set, is a copy of the run as it was at this point,
	// before the choice, with snapSink its output so far: the run that
	// tries the next candidate starts from a copy of it rather than
	// from the program's start (stateful search). snapBytes is what it
	// is taken to hold.
	snap      *interp.Session
	snapSink  *outcomeSink
	snapBytes int64
	// steps is the count of instructions the run had made at this point.
	steps int64
}

// enabled reports whether candidate i may be tried at n at all.
func (n *node) enabled(i int) bool { return n.only < 0 || n.only == i }

func (n *node) chosenTID() int { return n.cands[n.chosen].tid }

// explorer is the Chooser of one run of the search.
type explorer struct {
	vm     *interp.VM
	m      *runtime.Machine
	stack  []*node // the points with a choice, in the order the run meets them
	depth  int     // how many of stack this run has replayed
	prev   *node   // the point before, where this run goes its own way
	pruned bool
	bound  int
	// A run that reaches maxDepth choices, or would make the search hold
	// more than maxMemory bytes, goes on one way: deep says it did, full
	// that memory was the reason.
	maxDepth   int64
	maxMemory  int64
	held       int64 // bytes of the outcomes and races found
	stackBytes int64 // bytes of stack, by nodeBytes
	deep, full bool
	// stop is set when the search's context is done; cancelled says that
	// this run was stopped by it.
	stop      *atomic.Bool
	cancelled bool
	// scratch holds the points with one candidate, which are needed only
	// by the point after them: two, so that prev is never overwritten.
	scratch [2]node

	// visited, when not nil, is the stateful search's set of explored
	// states (see stateful.go); sink is the run's output, part of each
	// state; clock says whether the tick is.
	visited *fpTable // index in seen
	seen    []seenState
	sleeps  []int32  // the sleep sets of seen
	bits    []uint64 // the bitstate visited set, when not nil
	sink    *outcomeSink
	clock   bool
	// hwOff says the runs are without the TLB and the cache; slept that
	// a thread slept in this run, which makes them matter (errHardware).
	hwOff, slept bool
	// reduce turns on the partial-order reductions (a local step first
	// alone, sleep sets): off when the clock matters, since then no two
	// steps of different threads commute (the order decides which
	// switches are paid, and so every tick after).
	reduce bool
	// postpone, in a stateful search, leaves a join or a wait that would
	// block untried while another thread can go (see stateful.go).
	postpone bool
	hasher   mem.Hasher
	matched  bool
	yielded  bool // the last thread yielded
	// probe, when set, makes the run the probe (search): every choice
	// round robin, recorded here, the preemptions counted in probePre.
	probe    *[]int
	probePre int
	probeRan map[int]int // observable steps each thread made
	states   int64
	nmatch   int64
	// hashed counts the words read for fingerprints, not yet counted in
	// Steps; budget is what is left of MaxSteps when the run began:
	// past it, overWork stops the run.
	hashed   int64
	budget   int64
	overWork bool
	// stateBytes is what the exact visited set is taken to hold.
	stateBytes int64
	// sess is the run's session. With snaps set, a point with more than
	// one candidate keeps a copy of it (node.snap), within snapBudget
	// bytes of copies held at once (snapHeld).
	sess                 *interp.Session
	snaps                bool
	snapHeld, snapBudget int64
	snapEvery            int64
	// snapAt holds the indexes in stack of the points with a copy.
	snapAt []int
	// copies counts the runs started from a copy, not from the start.
	copies int64
	// spare holds sessions no longer used, runs that ended and copies
	// let go of: a copy is made in one of them (interp.Session.CloneInto)
	// rather than in new memory.
	spare []*interp.Session
	// spareSizes are what each of them holds (sessionBytes), spareBytes
	// their sum.
	spareSizes []int64
	spareBytes int64
	// nodes holds nodes no longer used (freeNode).
	nodes []*node
}

// maxSpare bounds the sessions kept for copies to be made in.
const maxSpare = 8

// maxSpareBytes bounds what the spare sessions hold, counted as copies
// are (sessionBytes): a program of a large memory keeps fewer of them.
const maxSpareBytes = 16 << 20

// sessionBytes is what a copy of a run, or a spare session, is taken to
// hold.
func sessionBytes(s *interp.Session) int64 {
	cfg := s.M.Config()
	return snapBase + s.M.Memory().Used + hwEntryBytes*(cfg.TLBEntries+cfg.CacheLines)
}

// recycle keeps s, which nothing uses any more, for a copy to be made in
// (only when the search copies runs).
func (e *explorer) recycle(s *interp.Session) {
	if s == nil || !e.snaps || len(e.spare) >= maxSpare {
		return
	}
	if b := sessionBytes(s); e.spareBytes+b <= maxSpareBytes {
		e.spare = append(e.spare, s)
		e.spareSizes = append(e.spareSizes, b)
		e.spareBytes += b
	}
}

// clone returns a copy of s, with its events going to sink, made in a
// spare session when there is one.
func (e *explorer) clone(s *interp.Session, sink *outcomeSink) (*interp.Session, bool) {
	var dst *interp.Session
	if k := len(e.spare); k > 0 {
		dst = e.spare[k-1]
		e.spare[k-1] = nil
		e.spare = e.spare[:k-1]
		e.spareBytes -= e.spareSizes[k-1]
		e.spareSizes = e.spareSizes[:k-1]
	}
	return s.CloneInto(dst, sink)
}

// nodeBytes is what a node with k candidates is taken to hold: a count,
// not a measure, so that where the search stops is the same everywhere.
func nodeBytes(k int) int64 { return 96 + 48*int64(k) }

// keepRunning is the choice where nothing is explored: the thread that
// ran before when it may go on, else the lowest tid.
func keepRunning(cands []*runtime.Thread, last *runtime.Thread) *runtime.Thread {
	if slices.Contains(cands, last) {
		return last
	}
	return cands[0]
}

// laggard is the probe's choice: the thread that made the fewest
// observable steps so far, the first after the one that ran last (by tid,
// going round) among equals. Threads keep level, as when each of five
// philosophers takes its left fork before any takes its right one.
func (e *explorer) laggard(cands []*runtime.Thread, last *runtime.Thread) *runtime.Thread {
	start := 0
	if last != nil {
		for start < len(cands) && cands[start].TID <= last.TID {
			start++
		}
	}
	var best *runtime.Thread
	for j := range cands {
		t := cands[(start+j)%len(cands)]
		if best == nil || e.probeRan[t.TID] < e.probeRan[best.TID] {
			best = t
		}
	}
	return best
}

// candidates filters the enabled threads: after a yield, another thread
// runs first when there is one (fairness, so spin loops end).
func candidates(enabled []*runtime.Thread, last *runtime.Thread, yielded bool) []*runtime.Thread {
	if yielded && last != nil && len(enabled) > 1 {
		var out []*runtime.Thread
		for _, t := range enabled {
			if t != last {
				out = append(out, t)
			}
		}
		return out
	}
	return enabled
}

// Choose implements runtime.Chooser.
func (e *explorer) Choose(enabled []*runtime.Thread, last *runtime.Thread, yielded bool) int {
	if e.stop.Load() {
		// Here rather than between runs only: one run may take seconds.
		e.cancelled = true
		return -1
	}
	cands := candidates(enabled, last, yielded)
	e.yielded = yielded
	if e.hwOff && e.m.TimersPending() {
		e.slept = true
	}
	index := func(tid int) int {
		for i, t := range enabled {
			if t.TID == tid {
				return i
			}
		}
		return -1
	}
	if e.probe != nil {
		t := e.laggard(cands, last)
		if len(cands) > 1 {
			e.probeRan[t.TID]++
			*e.probe = append(*e.probe, t.TID)
			if fp := e.vm.Next(t); last != nil && t != last && e.couldGoOn(cands, last, yielded) && !fp.Local() {
				e.probePre++
			}
		}
		return index(t.TID)
	}
	if e.deep {
		return index(keepRunning(cands, last).TID)
	}
	if e.depth < len(e.stack) {
		if len(cands) == 1 {
			return index(cands[0].TID)
		}
		n := e.stack[e.depth]
		e.depth++
		e.prev = n
		return index(n.chosenTID())
	}
	var n *node
	if len(cands) > 1 {
		if int64(len(e.stack)) >= e.maxDepth || e.held+e.stackBytes+nodeBytes(len(cands)) > e.maxMemory {
			e.deep = true
			e.full = int64(len(e.stack)) < e.maxDepth
			return index(keepRunning(cands, last).TID)
		}
		n = e.newNode(len(cands))
	} else {
		n = &e.scratch[0]
		if n == e.prev {
			n = &e.scratch[1]
		}
		*n = node{cands: n.cands[:0]}
		n.cands = append(n.cands, cand{})
	}
	n.only = -1
	for i, t := range cands {
		n.cands[i] = cand{tid: t.TID, fp: e.vm.Next(t)}
	}
	// A step that touches nothing another thread sees commutes with every
	// other step: running it first is enough (a persistent set of one).
	// While a thread sleeps, the ticks each step takes (the switches it
	// pays) decide when it wakes: no step commutes with another then.
	n.timed = e.m.TimersPending()
	if e.postpone && !n.timed && len(n.cands) > 1 {
		k := 0
		for i, t := range cands {
			if e.vm.WaitsForEnd(t) {
				n.cands[i].waits = true
				k++
			}
		}
		if k == len(n.cands) {
			// None can go but by blocking: each is tried (a deadlock
			// is one of them blocking last).
			for i := range n.cands {
				n.cands[i].waits = false
			}
		}
	}
	for i := range n.cands {
		if n.cands[i].fp.Local() && e.reduce && !n.timed {
			n.only = i
			break
		}
	}
	if last != nil {
		n.last = last.TID
		n.lastEnabled = e.couldGoOn(cands, last, yielded)
	}
	if p := e.prev; p != nil {
		n.preempts = p.preempts
		c := &p.cands[p.chosen]
		if p.lastEnabled && c.tid != p.last && !c.fp.Local() {
			n.preempts++
		}
		if e.bound < 0 && e.reduce && !p.timed {
			// Sleep set: what the parent slept on or finished, unless
			// the step just taken depends on it. (Not with a preemption
			// bound: a sleeping thread may be the only one the bound
			// allows.) Both lists are sorted by tid.
			j := 0
			for i := range p.cands {
				q := &p.cands[i]
				if i == p.chosen || !(q.sleep || q.done) || interp.Dependent(&q.fp, &c.fp) {
					continue
				}
				for j < len(n.cands) && n.cands[j].tid < q.tid {
					j++
				}
				if j < len(n.cands) && n.cands[j].tid == q.tid {
					n.cands[j].sleep = true
				}
			}
		}
	}
	if (e.visited != nil || e.bits != nil) && len(cands) > 1 && n.only < 0 && !e.visit(n) {
		// A state explored before, by a path that tried at least what
		// this one would.
		e.matched = true
		e.freeNode(n)
		return -1
	}
	pick := e.next(n)
	if pick < 0 {
		// Every candidate sleeps: this interleaving was explored already.
		e.pruned = true
		e.freeNode(n)
		return -1
	}
	n.chosen = pick
	e.prev = n
	if len(cands) > 1 {
		e.stack = append(e.stack, n)
		e.stackBytes += nodeBytes(len(n.cands))
		e.depth++
		if e.snaps {
			n.steps = e.m.Steps()
			e.snapshot(n)
		}
	}
	return index(n.chosenTID())
}

// couldGoOn reports whether last, the thread that ran before a point
// with candidates cands, could have gone on there: a switch away from it
// is a preemption. Not after it yielded, nor when its next step is a
// join or a wait that would block (it stops there anyway).
func (e *explorer) couldGoOn(cands []*runtime.Thread, last *runtime.Thread, yielded bool) bool {
	return !yielded && slices.Contains(cands, last) && !e.vm.WaitsForEnd(last)
}

// next picks an untried candidate of n: the running thread first (no
// preemption), then the others in tid order, within the preemption bound.
// It returns an index into n.cands, or -1.
func (e *explorer) next(n *node) int {
	ok := func(i int) bool { return e.untried(n, i) }
	if n.lastEnabled {
		for i := range n.cands {
			if n.cands[i].tid == n.last && ok(i) {
				return i
			}
		}
	}
	for i := range n.cands {
		if ok(i) {
			return i
		}
	}
	return -1
}

// untried reports whether candidate i of n is still to be tried.
func (e *explorer) untried(n *node, i int) bool {
	c := &n.cands[i]
	if !n.enabled(i) || c.done || c.sleep || c.waits {
		return false
	}
	if e.bound >= 0 && n.lastEnabled && c.tid != n.last && n.preempts >= e.bound && !c.fp.Local() {
		return false
	}
	return true
}

// more reports whether a candidate of n besides the chosen one is still
// to be tried.
func (e *explorer) more(n *node) bool {
	for i := range n.cands {
		if i != n.chosen && e.untried(n, i) {
			return true
		}
	}
	return false
}

// snapshot keeps a copy of the run at n, the last point of the stack,
// when a run will come back to it to try another candidate, the run made
// snapEvery instructions or more since the last point with a copy (a
// copy costs what a few dozen instructions do: a run replays the
// instructions since the last copy), and the copies held leave room for
// it. A machine that cannot be copied turns the copies off for the
// search.
func (e *explorer) snapshot(n *node) {
	var since int64
	if k := len(e.snapAt); k > 0 {
		since = e.stack[e.snapAt[k-1]].steps
	}
	if n.steps-since < e.snapEvery || !e.more(n) {
		return
	}
	size := sessionBytes(e.sess)
	if e.snapHeld+size > e.snapBudget {
		return
	}
	sink := e.sink.copy()
	c, ok := e.clone(e.sess, sink)
	if !ok {
		e.snaps = false
		return
	}
	n.snap, n.snapSink, n.snapBytes = c, sink, size
	e.snapHeld += size
	e.snapAt = append(e.snapAt, len(e.stack)-1)
}

// snapEvery is the fewest instructions between two points with a copy
// of the run on one path. A copy made in a spare session costs what a
// few dozen instructions do: copying at points closer together than
// this costs more than it saves (the five philosophers, the counters of
// BenchmarkStateful), further apart the runs replay more and make more
// threads again.
const snapEvery = 8

// maxSnapBytes bounds the copies of runs held at once, whatever
// MaxMemory is: past it, a run replays from the start.
const maxSnapBytes = 256 << 20

// hwEntryBytes is what an entry of a TLB or a cache is taken to hold in
// a copy: its place on the list and in the map.
const hwEntryBytes = 64

// snapBase is what a copy of a run is taken to hold besides the memory
// its machine counts: its threads, processes and kernel objects.
const snapBase = 8 << 10

// drop lets go of the copy of the run at the last point of the stack.
func (e *explorer) drop(n *node) {
	if n.snap != nil {
		e.snapHeld -= n.snapBytes
		e.recycle(n.snap)
		n.snap, n.snapSink, n.snapBytes = nil, nil, 0
		e.snapAt = e.snapAt[:len(e.snapAt)-1]
	}
}

// resume returns a run that starts at the last point of the stack with a
// copy, from the copy, with its output so far, and the point's index: a
// copy of the copy while the point is to be come back to, the copy itself
// when the run tries the point's last candidate. The run replays the
// choices from that point on. It returns nil when no point has a copy.
func (e *explorer) resume() (*interp.Session, *outcomeSink, int) {
	k := len(e.snapAt)
	if k == 0 {
		return nil, nil, 0
	}
	at := e.snapAt[k-1]
	n := e.stack[at]
	if at == len(e.stack)-1 && !e.more(n) {
		s, sink := n.snap, n.snapSink
		n.snap = nil // the run's now, not to be recycled
		e.snapHeld -= n.snapBytes
		n.snapSink, n.snapBytes = nil, 0
		e.snapAt = e.snapAt[:len(e.snapAt)-1]
		return s, sink, at
	}
	sink := n.snapSink.copy()
	s, ok := e.clone(n.snap, sink)
	if !ok {
		return nil, nil, 0
	}
	return s, sink, at
}

// backtrack moves the search to the next unexplored choice; false when
// the search is complete.
func (e *explorer) backtrack() bool {
	for len(e.stack) > 0 {
		n := e.stack[len(e.stack)-1]
		n.cands[n.chosen].done = true
		if i := e.next(n); i >= 0 {
			n.chosen = i
			return true
		}
		e.stackBytes -= nodeBytes(len(n.cands))
		e.drop(n)
		if n.seen != 0 {
			e.seen[n.seen-1].open = false
		}
		e.stack[len(e.stack)-1] = nil
		e.stack = e.stack[:len(e.stack)-1]
		e.freeNode(n)
	}
	return false
}

// newNode returns a node with k candidates, made in one no longer used
// when there is one.
func (e *explorer) newNode(k int) *node {
	var n *node
	if j := len(e.nodes); j > 0 {
		n = e.nodes[j-1]
		e.nodes[j-1] = nil
		e.nodes = e.nodes[:j-1]
		c := n.cands[:0]
		if cap(c) < k {
			c = make([]cand, 0, k)
		}
		*n = node{cands: c[:k]}
		clear(n.cands)
		return n
	}
	return &node{cands: make([]cand, k)}
}

// freeNode keeps n, a node off the stack that nothing points to any
// more, for newNode. The points with one candidate are not kept: they
// are the explorer's own (scratch).
func (e *explorer) freeNode(n *node) {
	if n == &e.scratch[0] || n == &e.scratch[1] || len(e.nodes) >= maxFreeNodes {
		return
	}
	e.nodes = append(e.nodes, n)
}

// maxFreeNodes bounds the nodes kept for newNode.
const maxFreeNodes = 1024

// preemptions counts the preemptions of the run so far: the points where
// a thread that could have gone on was switched away from for a step
// another thread can observe.
func (e *explorer) preemptions() int {
	n := 0
	for _, nd := range e.stack[:e.depth] {
		c := &nd.cands[nd.chosen]
		if nd.lastEnabled && c.tid != nd.last && !c.fp.Local() {
			n++
		}
	}
	return n
}

// schedule is the schedule of the run so far: the thread chosen at each
// point with a choice, as replay reads it.
func (e *explorer) schedule() string {
	tids := make([]int, e.depth)
	for i, n := range e.stack[:e.depth] {
		tids[i] = n.chosenTID()
	}
	return FormatSchedule(tids)
}

// outcomeSink collects what a run printed and how its processes ended.
// Its hash is what it holds so far, part of the state of a stateful search.
type outcomeSink struct {
	out    strings.Builder
	faults []string
	hash   mem.Hasher
}

func (s *outcomeSink) Emit(e *runtime.Event) {
	switch e.Ev {
	case "print":
		s.out.WriteString(e.Text)
		s.out.WriteByte('\n')
		s.hash.Word(1)
		s.hash.Str(e.Text)
	case "fault":
		f := fmt.Sprintf("%d/%d: %s", e.PID, e.TID, e.Text)
		s.faults = append(s.faults, f)
		s.hash.Word(2)
		s.hash.Str(f)
	}
}

func (s *outcomeSink) Flush() error { return nil }

// copy returns a sink that holds what s holds and goes on on its own.
func (s *outcomeSink) copy() *outcomeSink {
	c := &outcomeSink{faults: slices.Clone(s.faults), hash: s.hash}
	c.out.WriteString(s.out.String())
	return c
}

// Run searches the schedules of prog. When ctx is done the search
// returns what it found before, with Stop set to StopInterrupted (StopTimeout
// when the context's deadline passed).
// (A run stops only at scheduling points: one without any, a thread
// computing alone, goes on to max_steps.)
func Run(ctx context.Context, prog *interp.Program, opts Options) (*Result, error) {
	var res *Result
	var err error
	for clock, hw := false, false; ; {
		res, err = search(ctx, prog, opts, clock, hw)
		switch {
		case errors.Is(err, errPostpone):
			// A run came near max_steps, where the instruction a
			// join or wait makes again after it blocked can decide
			// what happens. Start again without leaving them.
			opts.noPostpone = true
			continue
		case errors.Is(err, errHardware) && !hw:
			// A thread slept: when it wakes depends on the ticks,
			// which the TLB and the cache move. Start again with them.
			hw = true
			continue
		case errors.Is(err, errClock) && !clock:
			// The program reads the clock, or a run met max_ticks:
			// states that differ only in their tick were taken as
			// one, and steps that do not commute as commuting. Start
			// again with the tick in every state, no reduction, and
			// the TLB and the cache.
			clock, hw = true, true
			continue
		}
		break
	}
	if err != nil {
		return nil, err
	}
	if opts.Preemptions < 0 && res.Stop == StopEnded {
		fewest(ctx, prog, opts, res)
	}
	// The outcome a student expects, reached without preemption, first;
	// then those that take more and more of them.
	slices.SortStableFunc(res.Outcomes, func(a, b *Outcome) int {
		if a.Preemptions != b.Preemptions {
			return a.Preemptions - b.Preemptions
		}
		return a.choices - b.choices
	})
	return res, nil
}

// fewest gives each outcome and race of res a schedule with the fewest preemptions
// there are to it, by iterative context bounding (as CHESS does): it
// searches again with at most 0, 1, 2... preemptions, and an outcome
// first reached with at most k has a schedule with k and none with fewer.
// Students read short schedules. It runs after a search that ended (not
// one a bound or Ctrl-C stopped), with the bounds of the first one and at
// most as many instructions again, all its searches together: those it
// does not get to leave their schedules as the first search found them,
// the fewest preemptions among the runs that reached them.
func fewest(ctx context.Context, prog *interp.Program, opts Options, res *Result) {
	need := map[string]*Outcome{}
	needRace := map[string]*Race{}
	most := 0
	for _, o := range res.Outcomes {
		if o.Preemptions > 0 {
			need[o.key()] = o
			most = max(most, o.Preemptions)
		}
	}
	for i := range res.Races {
		if r := &res.Races[i]; r.Preemptions > 0 {
			needRace[r.Key] = r
			most = max(most, r.Preemptions)
		}
	}
	bounded := opts
	bounded.Progress = nil
	if opts.Progress != nil {
		bounded.Progress = func(*Result) { opts.Progress(res) }
	}
	budget := max(res.Steps, 1)
	// The first search with at most k preemptions that reaches an
	// outcome gives it its fewest (k, or fewer when the first search's
	// schedule has them), and the shortest schedule of its runs with
	// them.
	better := func(pre, choices, thanPre, thanChoices int) bool {
		return pre < thanPre || pre == thanPre && choices < thanChoices
	}
	for k := 0; k < most && len(need)+len(needRace) > 0 && budget > 0 && ctx.Err() == nil; k++ {
		bounded.Preemptions = k
		bounded.MaxSteps = budget
		r, err := search(ctx, prog, bounded, res.Clock, res.Hardware)
		if err != nil {
			return
		}
		res.Steps += r.Steps
		budget -= r.Steps
		for _, o := range r.Outcomes {
			if t := need[o.key()]; t != nil {
				if better(o.Preemptions, o.choices, t.Preemptions, t.choices) {
					t.Schedule, t.Preemptions, t.choices = o.Schedule, o.Preemptions, o.choices
				}
				delete(need, o.key())
			}
		}
		for _, r := range r.Races {
			if t := needRace[r.Key]; t != nil {
				if better(r.Preemptions, r.choices, t.Preemptions, t.choices) {
					t.Schedule, t.Preemptions, t.choices = r.Schedule, r.Preemptions, r.choices
				}
				delete(needRace, r.Key)
			}
		}
		if r.Stop != StopEnded {
			return
		}
	}
}

// errClock stops a stateful search that left the clock out of its
// states when a run shows that the clock matters.
var errClock = errors.New("the clock matters")

// errPostpone stops a search that leaves joins and waits that would block
// for later when a run comes near max_steps (nearStepLimit).
var errPostpone = errors.New("a run came near max_steps")

// nearStepLimit reports whether the run on m stopped at max_steps, or
// came within reach of it by the instructions a search that postpones
// joins and waits may have saved: one for each join or wait made, which
// may have blocked and been made again, and one for each thread, whose
// last may have blocked with nothing to end it.
func nearStepLimit(m *runtime.Machine) bool {
	if h, _ := m.Halted(); h == runtime.HaltSteps {
		return true
	}
	return m.Steps()+m.WaitCalls()+int64(len(m.Threads())) >= m.MaxSteps()
}

// errHardware stops a search without the TLB and the cache when a thread
// sleeps: the ticks to its wake-up decide what runs when, and the misses
// move them.
var errHardware = errors.New("the TLB and the cache matter")

// hardwareOff is what a search without the TLB and the cache adds to the
// config of its runs. The hardware is on by default, and in a program
// that neither reads the clock nor sleeps it changes nothing but the
// ticks, which such a search leaves out of its states: the outcomes, the
// races and the schedules are the same without it, and the runs faster.
var hardwareOff = []string{"tlb_entries=0", "cache_lines=0"}

// search is Run, with the clock in each state or not, and with the TLB
// and the cache as configured (hw) or off.
func search(ctx context.Context, prog *interp.Program, opts Options, clock, hw bool) (*Result, error) {
	res := &Result{Clock: clock, Hardware: hw}
	byKey := map[string]*Outcome{}
	races := map[string]int{} // index in res.Races, by key
	maxSchedules := bound(opts.MaxSchedules, DefaultMaxSchedules)
	maxSteps := bound(opts.MaxSteps, DefaultMaxSteps)
	var stop atomic.Bool
	defer context.AfterFunc(ctx, func() { stop.Store(true) })()
	run := opts.Session
	run.Trace, run.JSON, run.Stats, run.Gantt, run.Chrome, run.Chooser, run.Race = 0, false, false, false, nil, nil, true
	run.RaceMemo = interp.NewRaceMemo()
	if !hw {
		run.Sets = append(slices.Clip(run.Sets), hardwareOff...)
	}
	e := &explorer{bound: opts.Preemptions, maxDepth: bound(opts.MaxDepth, DefaultMaxDepth), maxMemory: bound(opts.MaxMemory, DefaultMaxMemory), stop: &stop, clock: clock, reduce: !clock, hwOff: !hw}
	switch {
	case opts.Stateless:
	case opts.Bitstate > 0:
		e.bits = make([]uint64, max(opts.Bitstate/8, 1))
		res.Bitstate, res.StateBytes = true, 8*int64(len(e.bits))
	default:
		e.visited = newFPTable()
	}
	e.postpone = !opts.Stateless && e.reduce && !opts.noPostpone && !prog.Yields()
	// The stateful searches start a run from a copy of the one before,
	// where they part (the stateless one replays from the start: the
	// reference the others are tested against).
	e.snaps = !opts.Stateless && opts.copyEvery >= 0
	e.snapBudget = min(e.maxMemory/2, maxSnapBytes)
	e.snapEvery = snapEvery
	if opts.copyEvery > 0 {
		e.snapEvery = opts.copyEvery
	}
	if (e.visited != nil || e.bits != nil) && opts.Preemptions < 0 && ctx.Err() == nil {
		// First a probe: one run that switches thread at every point,
		// the interleaving a depth-first search that keeps the running
		// thread meets last. Deadlocks and lost updates show in it at
		// once (five philosophers each take their left fork). It stores
		// no state: the search proper explores everything after it.
		var tids []int
		e.probe, e.probeRan = &tids, map[int]int{}
		sink := &outcomeSink{}
		sink.hash.Reset()
		probe := run
		probe.Sink = sink
		// Races it finds are found again by the search, which may have a
		// shorter schedule for them.
		probe.RaceMemo = interp.NewRaceMemo()
		s, err := interp.NewSession(prog, probe)
		if err != nil {
			return nil, err
		}
		e.vm, e.m = s.VM, s.M
		s.M.SetChooser(e)
		s.M.Run()
		e.probe = nil
		res.Steps += s.M.Steps()
		if e.cancelled {
			res.Stop = interrupted(ctx)
			return res, nil
		}
		if !e.clock {
			if h, _ := s.M.Halted(); h == runtime.HaltTicks || s.M.ClockUsed() {
				return nil, errClock
			}
		}
		if e.slept {
			return nil, errHardware
		}
		o := finished(s, sink)
		res.Schedules++
		o.Schedules, o.Schedule, o.Preemptions, o.choices = 1, FormatSchedule(tids), e.probePre, len(tids)
		byKey[o.key()] = o
		res.Outcomes = append(res.Outcomes, o)
		e.held += int64(len(o.key())) + o.bytes()
		for _, r := range s.VM.Races() {
			if _, ok := races[r.Key]; !ok {
				races[r.Key] = len(res.Races)
				fr := Race{Race: r, Schedule: o.Schedule, Preemptions: e.probePre, choices: len(tids)}
				res.Races = append(res.Races, fr)
				e.held += fr.bytes()
			}
		}
		if opts.Progress != nil {
			opts.Progress(res)
		}
	}
	// In the stateful searches, a run that starts from the program's
	// start is a copy of one machine made for the first such run, before
	// it ran: a copy costs less than making the machine again.
	var start *interp.Session
	for {
		switch {
		case ctx.Err() != nil:
			res.Stop = interrupted(ctx)
		case int64(res.Schedules) >= maxSchedules:
			res.Stop = StopMaxSchedules
		case res.Steps >= maxSteps:
			res.Stop = StopMaxSteps
		case e.full || e.held+e.stackBytes >= e.maxMemory:
			res.Stop = StopMaxMemory
		}
		if res.Stop != StopEnded {
			return res, nil
		}
		// A run starts where the point it goes its own way at was,
		// from the copy kept there, or else from the program's start,
		// replaying the choices down to that point.
		s, sink, depth := e.resume()
		if s != nil {
			e.copies++
		} else {
			sink = &outcomeSink{}
			sink.hash.Reset()
			ok := false
			if start == nil && e.snaps {
				run.Sink = &outcomeSink{}
				var err error
				if start, err = interp.NewSession(prog, run); err != nil {
					return nil, err
				}
			}
			if start != nil {
				s, ok = e.clone(start, sink)
			}
			if !ok {
				run.Sink = sink
				var err error
				if s, err = interp.NewSession(prog, run); err != nil {
					return nil, err
				}
			}
		}
		e.sink, e.sess = sink, s
		e.vm, e.m, e.depth, e.prev, e.pruned, e.deep, e.matched = s.VM, s.M, depth, nil, false, false, false
		e.budget = maxSteps - res.Steps
		start := s.M.Steps()
		s.M.SetChooser(e)
		s.M.Run()
		res.Steps += s.M.Steps() - start + e.hashed/WordsPerStep
		e.hashed %= WordsPerStep
		if e.overWork {
			// Fingerprints of a large memory used up the budget.
			res.States, res.Matched = e.states, e.nmatch
			res.Stop = StopMaxSteps
			return res, nil
		}
		if !e.clock {
			if h, _ := s.M.Halted(); h == runtime.HaltTicks || s.M.ClockUsed() {
				return nil, errClock
			}
		}
		if e.slept {
			return nil, errHardware
		}
		if e.postpone && nearStepLimit(s.M) {
			return nil, errPostpone
		}
		res.States, res.Matched, res.Copies = e.states, e.nmatch, e.copies
		if e.visited != nil {
			res.StateBytes = e.stateBytes
		}
		if e.cancelled {
			res.Stop = interrupted(ctx)
			return res, nil
		}
		if e.deep && !e.full {
			res.Deep++
		}
		switch {
		case e.matched:
		case e.pruned:
			res.Pruned++
		default:
			res.Schedules++
			o := finished(s, sink)
			for _, r := range s.VM.Races() {
				pre, choices := e.preemptions(), e.depth
				if i, ok := races[r.Key]; ok {
					if old := &res.Races[i]; pre < old.Preemptions || pre == old.Preemptions && choices < old.choices {
						sched := e.schedule()
						e.held += int64(len(sched) - len(old.Schedule))
						old.Schedule, old.Preemptions, old.choices = sched, pre, choices
					}
					continue
				}
				races[r.Key] = len(res.Races)
				fr := Race{Race: r, Schedule: e.schedule(), Preemptions: pre, choices: choices}
				res.Races = append(res.Races, fr)
				e.held += fr.bytes()
			}
			k := o.key()
			pre, choices := e.preemptions(), e.depth
			if prev, ok := byKey[k]; ok {
				prev.Schedules++
				if pre < prev.Preemptions || pre == prev.Preemptions && choices < prev.choices {
					sched := e.schedule()
					e.held += int64(len(sched) - len(prev.Schedule))
					prev.Schedule, prev.Preemptions, prev.choices = sched, pre, choices
				}
			} else {
				o.Schedules = 1
				o.Schedule, o.Preemptions, o.choices = e.schedule(), pre, choices
				byKey[k] = o
				res.Outcomes = append(res.Outcomes, o)
				e.held += int64(len(k)) + o.bytes()
			}
			if opts.Progress != nil {
				opts.Progress(res)
			}
		}
		// Nothing of the run is used any more: a copy is made in it.
		e.recycle(s)
		if !e.backtrack() {
			if e.full {
				res.Stop = StopMaxMemory
			}
			res.Complete = opts.Preemptions < 0 && res.Stop == StopEnded && res.Deep == 0 && !res.Bitstate
			return res, nil
		}
	}
}

// finished is the outcome of the run s, whose events went to sink.
func finished(s *interp.Session, sink *outcomeSink) *Outcome {
	o := &Outcome{Output: sink.out.String(), Faults: sink.faults, Deadlock: s.M.Deadlocked()}
	if h, why := s.M.Halted(); h != runtime.NotHalted && !o.Deadlock {
		o.Stopped = why
	}
	for _, p := range s.M.Procs() {
		if p.State == runtime.ProcRunning {
			o.Exits = append(o.Exits, fmt.Sprintf("%d=blocked", p.PID))
		} else {
			o.Exits = append(o.Exits, fmt.Sprintf("%d=%d", p.PID, p.ExitStatus))
		}
	}
	return o
}

// bytes is what an outcome is taken to hold, counted as nodeBytes is.
func (o *Outcome) bytes() int64 {
	n := 128 + len(o.Output) + len(o.Stopped) + len(o.Schedule)
	for _, s := range o.Exits {
		n += 16 + len(s)
	}
	for _, s := range o.Faults {
		n += 16 + len(s)
	}
	return int64(n)
}

// bytes is what a race is taken to hold, its key twice (the race and the
// set of races seen).
func (r *Race) bytes() int64 {
	n := 128 + 2*len(r.Key) + len(r.Schedule)
	for _, s := range r.Text {
		n += 16 + len(s)
	}
	return int64(n)
}
