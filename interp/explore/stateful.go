package explore

import (
	"math"
	"slices"

	"proc/runtime/mem"
)

// The stateful search.
//
// At each point where more than one thread may run, the search takes a
// fingerprint of the whole state (interp.VM.HashState: every word of
// memory, every thread's registers, frames and operand stack, every
// kernel object, the instructions run so far, the output so far, and the
// clock when the program can tell the time) and keeps it in a visited
// set. A run that reaches a state already in the set stops there: every
// outcome reachable from that state was found from it before.
//
// Four things make that sound together with the rest of the search:
//
//   - No state is reached twice on one path: the count of instructions
//     run is part of every state and grows with each step, so the state
//     graph has no cycles and a state is fully explored before the search
//     meets it on another path (depth first). A state still open on the
//     current path is not matched (the open flag), a guard that never
//     fires.
//
//   - Sleep sets (explore.go) leave out, at a state, the threads whose
//     next step an explored interleaving already covered. A state stored
//     with sleep set Z1 had every other thread tried from it. Reached
//     again with sleep set Z2, the threads still owed are those in Z1
//     and not in Z2: the run goes on from the state trying only those,
//     the ones tried before counting as explored siblings, and the stored
//     set becomes Z1 ∩ Z2. When Z1 ⊆ Z2 nothing is owed and the run
//     stops. This is how Godefroid's 1996 thesis on partial-order methods
//     combines sleep sets with state matching; in a graph without cycles
//     it needs no further proviso (SPIN's reduction proviso is about
//     cycles).
//
//   - A join or a wait whose thread or child process has not ended only
//     parks its thread until that end: nothing another thread can see
//     changes (the race detector orders a join when it returns), and the
//     state where the thread waits differs from the one where it has not
//     asked yet in that alone. So while another thread can go, such a
//     thread is not tried (explorer.postpone, cand.waits); it is once
//     what it waits for has ended, or when no other thread can go (it
//     blocks then, and a deadlock is found as before). Every schedule in
//     which it blocks early has one in which it asks later with the same
//     outcome, and the search tries that one: the states of a main
//     thread waiting for its workers, about half of a counter's, go.
//     Three things would tell the two apart. After a yield another
//     thread runs first, and a join that blocks is one, after which the
//     thread that yielded may run again: nothing is left for later in a
//     program with a yield. A join that blocked is made again when it
//     wakes, one instruction more, which decides what happens at
//     max_steps: a run that comes within reach of it starts the search
//     again without leaving any (errPostpone; the count of joins and
//     waits made is part of the state, so that the runs looked at stand
//     for every schedule). And a switch away from a thread whose next
//     step would block counts as no preemption, in every search, so
//     that a preemption bound allows the same either way. Not while a
//     thread sleeps: then every step's ticks count.
//
//   - With a preemption bound the threads tried from a state depend on
//     the preemptions left: a state is stored with the fewest preemptions
//     it was reached with, and reached again with fewer it is explored
//     again.
//
// The tick is left out of the state while nothing in the program has
// read it: two interleavings of the same steps differ in the switches
// they paid for and so in their ticks, and nothing else. A run that
// reads the clock (now(), a socket's latency) or stops at max_ticks
// restarts the search with the tick in every state and no reduction
// (errClock): no two steps of different threads commute when the order
// decides which switches are paid. A sleep needs less: the ticks left to
// each wake-up are in the state (runtime.Machine.HashState), a sleep
// commutes with nothing, and while a thread sleeps no step commutes with
// another (node.timed), as with the clock; before and after, steps
// commute as usual.
//
// The data race detector runs in every run as in the stateless search,
// and sees the whole run up to where it stops, a visited state included.
//
// A run does not start from the program's first instruction: along the
// path, a point where another run will part from this one keeps a copy
// of the whole session (interp.Session.Clone: the machine, the
// interpreter's threads, the race detector, the output so far), at most
// one every snapEvery instructions, and a run starts from the last copy
// before the point where it parts, replaying the choices from there
// (explorer.resume). A copy runs on exactly as the original would, so
// what a run finds does not depend on where it started; the stateless
// search, the reference the tests hold this one to, always starts from
// the beginning. A run from the beginning is a copy too, of the machine
// before it ran. Each copy is made in a session the search no longer
// uses (a run that ended, a copy let go of: explorer.spare), whose
// blocks it writes over rather than allocating new ones
// (interp.Session.CloneInto).

// seenState is what the visited set keeps of a state. It holds no
// pointer, nor does the map of them, so the collector never walks the
// visited set: it is most of what a long search keeps.
type seenState struct {
	// sleepAt and sleepN place, in explorer.sleeps, the threads not
	// tried from the state (it was reached with them asleep), by tid.
	sleepAt, sleepN int32
	// preempts is the fewest preemptions the state was reached with.
	preempts int32
	// open is set while the state's node is on the search's stack.
	open bool
}

// fpTable is the exact visited set: the index in explorer.seen of each
// fingerprint stored, in a table of open addressing (linear probing)
// rather than a Go map. A fingerprint is already well mixed: its first
// word is the slot to look in first, with no hash to compute, and a
// lookup reads one slot of 24 bytes where a map reads a group's control
// word and then the key. It holds no pointer either.
type fpTable struct {
	slots []fpSlot
	n     int // slots in use
}

// fpSlot is one slot of an fpTable: idx is 1 + the index, 0 when empty.
type fpSlot struct {
	key mem.Fingerprint
	idx int32
}

func newFPTable() *fpTable { return &fpTable{slots: make([]fpSlot, 1024)} }

// get returns the index stored for key.
func (t *fpTable) get(key mem.Fingerprint) (int32, bool) {
	mask := uint64(len(t.slots) - 1)
	for i := key.A & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.idx == 0 {
			return 0, false
		}
		if s.key == key {
			return s.idx - 1, true
		}
	}
}

// put stores idx for key, which the table does not hold.
func (t *fpTable) put(key mem.Fingerprint, idx int32) {
	if 4*(t.n+1) > 3*len(t.slots) {
		old := t.slots
		t.slots = make([]fpSlot, 2*len(old))
		for _, s := range old {
			if s.idx != 0 {
				t.insert(s)
			}
		}
	}
	t.insert(fpSlot{key: key, idx: idx + 1})
	t.n++
}

func (t *fpTable) insert(s fpSlot) {
	mask := uint64(len(t.slots) - 1)
	i := s.key.A & mask
	for t.slots[i].idx != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = s
}

// stateBytes is what one stored state is taken to hold: the map's entry
// (a 16-byte fingerprint and an index, with the map's overhead) and the
// seenState.
const stateBytes = 64

// sleepOf returns the threads asleep in st.
func (e *explorer) sleepOf(st *seenState) []int32 {
	return e.sleeps[st.sleepAt : st.sleepAt+st.sleepN]
}

// visit looks n's state up in the visited set, and stores it when it is
// new. It reports false when nothing is left to try from it; otherwise
// the candidates tried before are marked done.
func (e *explorer) visit(n *node) bool {
	h := &e.hasher
	h.Reset()
	e.vm.HashState(h, e.clock)
	out := e.sink.hash.Sum()
	h.Word(out.A)
	h.Word(out.B)
	if e.postpone {
		h.Int(e.m.WaitCalls())
	}
	// Which thread ran last changes what may run next only after a
	// yield (candidates), and the preemptions counted under a bound.
	if n.last != 0 && (e.bound >= 0 || e.yielded) {
		h.Int(int64(n.last))
		h.Bool(n.lastEnabled)
		h.Bool(e.yielded)
	}
	if e.hashed += int64(h.Words()); e.hashed/WordsPerStep > e.budget {
		e.overWork, e.matched = true, true
		return false
	}
	if e.bits != nil {
		return e.visitBits(n, h)
	}
	key := h.Sum()
	idx, ok := e.visited.get(key)
	if !ok {
		if e.held+e.stackBytes+stateBytes > e.maxMemory || len(e.seen) >= math.MaxInt32 {
			// No room to store it: the run goes on as in a stateless
			// search, and the search stops after it.
			e.full = true
			return true
		}
		st := seenState{preempts: int32(n.preempts), open: true, sleepAt: int32(len(e.sleeps))}
		for i := range n.cands {
			if n.cands[i].sleep {
				e.sleeps = append(e.sleeps, int32(n.cands[i].tid))
				st.sleepN++
			}
		}
		e.visited.put(key, int32(len(e.seen)))
		n.seen = len(e.seen) + 1
		e.seen = append(e.seen, st)
		e.states++
		b := stateBytes + 4*int64(st.sleepN)
		e.held += b
		e.stateBytes += b
		return true
	}
	st := &e.seen[idx]
	if st.open {
		return true
	}
	if e.bound >= 0 {
		if n.preempts >= int(st.preempts) {
			e.nmatch++
			return false
		}
		st.preempts = int32(n.preempts)
		st.open = true
		n.seen = int(idx) + 1
		return true
	}
	owed := false
	sleep := e.sleepOf(st)
	for i := range n.cands {
		c := &n.cands[i]
		if c.sleep || c.waits {
			continue
		}
		if slices.Contains(sleep, int32(c.tid)) {
			owed = true
		} else {
			c.done = true
		}
	}
	if !owed {
		e.nmatch++
		return false
	}
	// What stays asleep is what sleeps on both visits: filtered in
	// place, the set only shrinks.
	keep := sleep[:0]
	for _, tid := range sleep {
		if i := slices.IndexFunc(n.cands, func(c cand) bool { return c.tid == int(tid) }); i >= 0 && n.cands[i].sleep {
			keep = append(keep, tid)
		}
	}
	st.sleepN = int32(len(keep))
	st.open = true
	n.seen = int(idx) + 1
	return true
}

// visitBits is visit for a bitstate visited set: the state's fingerprint,
// with the threads asleep and, under a bound, the preemptions made, picks
// three bits; all set, the state counts as seen.
func (e *explorer) visitBits(n *node, h *mem.Hasher) bool {
	for i := range n.cands {
		if n.cands[i].sleep {
			h.Int(int64(n.cands[i].tid))
		}
	}
	if e.bound >= 0 {
		h.Int(int64(n.preempts))
	}
	key := h.Sum()
	nbits := uint64(len(e.bits)) * 64
	seen := true
	for i := range uint64(3) {
		bit := (key.A + i*key.B) % nbits
		w, m := bit/64, uint64(1)<<(bit%64)
		if e.bits[w]&m == 0 {
			seen = false
			e.bits[w] |= m
		}
	}
	if seen {
		e.nmatch++
		return false
	}
	e.states++
	return true
}
