package runtime

import (
	"slices"
	"sync"

	"proc/runtime/mem"
)

// StateHasher adds what the language keeps of a thread or a process
// (its Ctx) to a machine's fingerprint (Machine.HashState).
type StateHasher interface {
	HashThread(h *mem.Hasher, t *Thread)
	HashProcess(h *mem.Hasher, p *Process)
}

// UseClock marks the clock as read by the program: from then on what
// happens may depend on the tick, and a search that left it out of a
// state must keep it in (ClockUsed).
func (m *Machine) UseClock() { m.clockUsed = true }

// ClockUsed reports whether anything in the run so far could make what
// happens depend on the tick itself: now(), a socket's latency. (A sleep
// depends only on the ticks to its end, which HashState keeps.)
func (m *Machine) ClockUsed() bool { return m.clockUsed }

// TimersPending reports whether a thread sleeps: until it wakes, how many
// ticks each step takes (the switches paid) decides what runs when.
func (m *Machine) TimersPending() bool { return len(m.sleepers) > 0 || len(m.qtimers) > 0 }

// HashState adds to h the state of the machine that decides what it may
// do next: every process's memory (each word of each segment, the heap
// allocator, the pages shared copy-on-write), descriptors and
// synchronization objects; every thread's state, what it waits for and,
// through lang, its registers, frames and operand stack; every kernel
// object of every host; the count of instructions run and of output and
// memory used (the limits read them). Whether the last thread yielded is
// the chooser's to add if its choices depend on it. The clock, the
// thread on the CPU (what the next switch costs) and what the TLB and
// the cache hold (what the next loads and stores cost) are added only
// when clock is set: a program that never reads the clock behaves the
// same whatever the tick, and two interleavings of the same steps differ
// in their ticks (the switches they paid for, the misses they met) and
// nothing else. The TLB and the cache are on by default, and keeping
// them in every state would tell such interleavings apart and multiply
// the states a search visits for nothing. While a thread sleeps the
// ticks to its wake-up decide what runs when, and the thread on the CPU,
// the TLB and the cache are added then too.
//
// What is only shown (times, statistics, the trace and timeline, the
// scheduling policy's bookkeeping, which a chooser overrides) is left out.
func (m *Machine) HashState(h *mem.Hasher, lang StateHasher, clock bool) {
	h.Int(m.steps)
	if clock {
		// What the next switch costs, and so the ticks to come, depends
		// on the thread on the CPU.
		h.Word(1)
		h.Int(m.clock)
		h.Int(int64(tidOf(m.cur)))
		// The frames, which paddr and show pagetable read: they follow
		// the order of every process's allocations, as the tick does.
		m.phys.HashState(h)
		m.hashHW(h)
	} else {
		h.Word(0)
	}
	h.Int(m.output)
	h.Int(m.meter.Used)
	h.Int(m.budgets.copied)
	h.Word(uint64(m.halt))
	h.Int(int64(m.lastID))
	h.Int(int64(m.pipes))
	h.Int(int64(m.sockets))
	h.Int(int64(m.syncIDs))
	h.Word(m.rng.s)
	if m.py != nil {
		h.Int(int64(m.py.pos))
		for _, w := range m.py.mt {
			h.Word(uint64(w))
		}
	}
	if !clock && m.TimersPending() {
		// The ticks to each wake-up are kept (below), and what the next
		// switch costs moves them, and so do the misses of the loads and
		// stores to come: what the TLB and the cache hold, and the frames
		// the cache's lines are of. Only while a thread sleeps: else the
		// TLB and the cache change nothing but the tick, which is left
		// out, and keeping them would tell apart states that differ in
		// nothing a program can see.
		h.Int(int64(tidOf(m.cur)))
		if m.HW() {
			m.phys.HashState(h)
			m.hashHW(h)
		}
	}

	// What was met before, in sets kept from one fingerprint to the
	// next: a fingerprint of a machine of a few objects allocates
	// nothing.
	sc := hashScratchPool.Get().(*hashScratch)
	defer sc.put()
	shared, seen := &sc.shared, &sc.seen
	sharedID := func(s *mem.Shared) int {
		id, ok := shared.index(s)
		if !ok {
			s.HashState(h)
		}
		return id
	}

	h.Word(uint64(len(m.procs)))
	for _, p := range m.procs {
		h.Pair(int64(p.PID), int64(p.PPID))
		h.Str(p.Name)
		h.Str(p.Host)
		state := int64(p.State)
		if p.Killed {
			state |= 1 << 8
		}
		h.Pair(state, int64(p.Signal))
		h.Int(int64(p.ExitStatus))
		h.Word(p.mmapNext)
		hashWaiters(h, &p.exited)
		h.Word(uint64(len(p.children)))
		for _, c := range p.children {
			h.Int(int64(c.PID))
		}
		if p.Space != nil {
			h.Word(1)
			p.Space.HashState(h, sharedID)
		} else {
			h.Word(0)
		}
		h.Word(uint64(p.fds.Len()))
		for fd, f := range p.fds {
			if f != nil {
				h.Int(int64(fd))
				m.hashFile(h, f, seen)
			}
		}
		var idBuf [16]int
		ids := mem.SortedKeys(p.syncObjs, idBuf[:0])
		h.Word(uint64(len(ids)))
		for _, id := range ids {
			h.Int(int64(id))
			hashSync(h, p.syncObjs[id], seen)
		}
		if lang != nil {
			lang.HashProcess(h, p)
		}
	}

	h.Word(uint64(len(m.threads)))
	for _, t := range m.threads {
		h.Pair(int64(t.TID), int64(t.Proc.PID))
		h.Str(t.Name)
		h.Pair(threadBits(t), int64(tidOf(t.CreatedBy)))
		h.Str(t.waitingFor)
		h.Pair(t.sched.Priority, t.sched.Tickets)
		h.Int(t.sched.Burst)
		hashWaiters(h, &t.ended)
		h.Value(t.Result)
		if t.sleeping {
			if clock {
				h.Int(t.wakeAt)
			} else {
				h.Int(t.wakeAt - m.clock) // the ticks left
			}
		}
		h.Int(int64(t.call.sent))
		if lang != nil && t.State != ThreadDone {
			lang.HashThread(h, t)
		}
	}

	// Who wakes first among sleepers at one tick depends on when each
	// went to sleep: their order is part of the state.
	h.Word(uint64(len(m.sleepers)))
	if len(m.sleepers) > 0 {
		sl := slices.Clone(m.sleepers)
		slices.SortFunc(sl, func(a, b *Thread) int {
			if a.wakeAt != b.wakeAt {
				return int(a.wakeAt - b.wakeAt)
			}
			return int(a.sleepSeq - b.sleepSeq)
		})
		for _, t := range sl {
			h.Int(int64(t.TID))
		}
	}
	h.Word(uint64(len(m.qtimers)))
	for _, qt := range m.qtimers {
		if clock {
			h.Int(qt.at)
		} else {
			h.Int(qt.at - m.clock)
		}
		hashWaiters(h, qt.q)
	}

	var nameBuf [4]string
	names := mem.SortedKeys(m.hosts, nameBuf[:0])
	h.Word(uint64(len(names)))
	for _, name := range names {
		m.hashHost(h, m.hosts[name], sharedID, seen)
	}
}

// threadBits is a thread's state and flags in one number.
func threadBits(t *Thread) int64 {
	b := int64(t.State)
	for i, f := range [...]bool{t.started, t.sleeping, t.asleep, t.inReady, t.granted, t.call.blocked, t.call.cwait} {
		if f {
			b |= 1 << (8 + i)
		}
	}
	return b
}

// hashScratch is what HashState keeps between two fingerprints.
type hashScratch struct{ shared, seen seenSet }

var hashScratchPool = sync.Pool{New: func() any { return new(hashScratch) }}

// put empties sc, so that it holds on to no machine, and gives it back.
func (sc *hashScratch) put() {
	sc.shared.reset()
	sc.seen.reset()
	hashScratchPool.Put(sc)
}

// reset empties s.
func (s *seenSet) reset() {
	clear(s.list)
	s.list, s.m = s.list[:0], nil
}

// seenSet is a set of the objects a fingerprint met, each numbered in the
// order it was first met: a list while it is short (most machines have a
// few objects), a map past that.
type seenSet struct {
	list []any
	m    map[any]int
}

// seenListMax is the most objects a seenSet looks up in its list.
const seenListMax = 32

// index returns the number of o, and whether it was met before; o is
// met from then on.
func (s *seenSet) index(o any) (int, bool) {
	if s.m != nil {
		if i, ok := s.m[o]; ok {
			return i, true
		}
		s.m[o] = len(s.m)
		return len(s.m) - 1, false
	}
	for i, x := range s.list {
		if x == o {
			return i, true
		}
	}
	s.list = append(s.list, o)
	if len(s.list) > seenListMax {
		s.m = make(map[any]int, 2*len(s.list))
		for i, x := range s.list {
			s.m[x] = i
		}
	}
	return len(s.list) - 1, false
}

// met reports whether o was met before; o is met from then on.
func (s *seenSet) met(o any) bool {
	_, ok := s.index(o)
	return ok
}

func tidOf(t *Thread) int {
	if t == nil {
		return 0
	}
	return t.TID
}

// hashWaiters adds the threads waiting on q, in the order they wait: the
// order they wake in.
func hashWaiters(h *mem.Hasher, q *WaitQueue) {
	h.Word(uint64(len(q.waiters)))
	for _, t := range q.waiters {
		h.Int(int64(t.TID))
	}
}

// hashFile adds what a descriptor refers to; an object met before (the
// other end of a pipe, a descriptor shared after fork) is named, not
// added again.
func (m *Machine) hashFile(h *mem.Hasher, f *File, seen *seenSet) {
	h.Word(uint64(f.Kind))
	h.Int(int64(f.refs))
	switch {
	case f.Pipe != nil:
		p := f.Pipe
		h.Int(int64(p.ID))
		if !seen.met(p) {
			h.Bytes(p.buf)
			h.Int(int64(p.capacity))
			h.Int(int64(p.readers))
			h.Int(int64(p.writers))
			hashWaiters(h, &p.notEmpty)
			hashWaiters(h, &p.notFull)
		}
	case f.MQ != nil:
		// Added with its host.
		h.Str(f.MQ.Host)
		h.Str(f.MQ.Name)
	case f.Listener != nil:
		h.Str(f.Listener.Host)
		h.Int(f.Listener.port)
	case f.Sock != nil:
		hashSocket(h, f.Sock, seen)
	}
}

func hashSocket(h *mem.Hasher, s *Socket, seen *seenSet) {
	h.Int(int64(s.ID))
	if seen.met(s) {
		return
	}
	h.Str(s.Host)
	if s.peer != nil {
		h.Int(int64(s.peer.ID))
	} else {
		h.Int(-1)
	}
	h.Word(uint64(len(s.in)))
	for _, seg := range s.in {
		// Arrival ticks are there only when the clock is part of the
		// state: sending is one of the things that mark it used.
		h.Int(seg.at)
		h.Str(seg.data)
	}
	h.Bool(s.closed)
	h.Int(s.eofAt)
	hashWaiters(h, &s.readers)
	h.Int(s.port)
}

func hashSync(h *mem.Hasher, o *SyncObject, seen *seenSet) {
	switch {
	case o.Mutex != nil:
		x := o.Mutex
		h.Word(1)
		h.Int(int64(x.ID))
		if seen.met(x) {
			return
		}
		h.Int(int64(tidOf(x.owner)))
		hashWaiters(h, &x.waiters)
		h.Str(x.lostHolder)
		h.Str(x.lostFork)
	case o.Sem != nil:
		hashSem(h, o.Sem, seen)
	case o.Cond != nil:
		x := o.Cond
		h.Word(3)
		h.Int(int64(x.ID))
		if seen.met(x) {
			return
		}
		hashWaiters(h, &x.waiters)
	default:
		h.Word(0)
	}
}

func hashSem(h *mem.Hasher, x *Sem, seen *seenSet) {
	h.Word(2)
	h.Int(int64(x.ID))
	h.Str(x.Name)
	if seen.met(x) {
		return
	}
	h.Int(x.count)
	hashWaiters(h, &x.waiters)
}

func (m *Machine) hashHost(h *mem.Hasher, host *Host, sharedID func(*mem.Shared) int, seen *seenSet) {
	h.Str(host.Name)
	var nameBuf [8]string
	names := mem.SortedKeys(host.MQueues, nameBuf[:0])
	h.Word(uint64(len(names)))
	for _, name := range names {
		q := host.MQueues[name]
		h.Str(name)
		h.Int(int64(q.capacity))
		h.Int(q.seq)
		h.Word(uint64(len(q.msgs)))
		for _, msg := range q.msgs {
			h.Value(msg.Val)
			h.Int(msg.Prio)
			h.Int(msg.seq)
			h.Int(int64(msg.Sender))
		}
		hashWaiters(h, &q.notEmpty)
		hashWaiters(h, &q.notFull)
	}
	for _, objs := range []map[string]*SharedObject{host.Shm, host.Files} {
		names = mem.SortedKeys(objs, nameBuf[:0])
		h.Word(uint64(len(names)))
		for _, name := range names {
			o := objs[name]
			h.Str(name)
			h.Word(o.Size)
			h.Int(int64(o.maps))
			if o.Shared != nil {
				h.Int(int64(sharedID(o.Shared)))
			} else {
				h.Int(-1)
			}
		}
	}
	names = mem.SortedKeys(host.Sems, nameBuf[:0])
	h.Word(uint64(len(names)))
	for _, name := range names {
		hashSem(h, host.Sems[name], seen)
	}
	var portBuf [8]int64
	ports := mem.SortedKeys(host.listeners, portBuf[:0])
	h.Word(uint64(len(ports)))
	for _, port := range ports {
		l := host.listeners[port]
		h.Int(port)
		h.Word(uint64(len(l.queue)))
		for _, s := range l.queue {
			hashSocket(h, s, seen)
		}
		hashWaiters(h, &l.pending)
	}
}

// hashHW adds to h what the TLB and the cache of every CPU hold, which
// decides what the next loads and stores cost, with the page tables of
// the processes on a CPU that their entries stand for. HashState adds it
// when the ticks to come matter: with the clock, or while a thread
// sleeps.
func (m *Machine) hashHW(h *mem.Hasher) {
	for _, cpu := range m.cpus {
		cpu.settle()
		h.Int(int64(cpu.asid))
		for _, c := range []*lru{&cpu.TLB, &cpu.Cache} {
			keys, vals := c.entries()
			h.Word(uint64(len(keys)))
			for i := range keys {
				h.Word(keys[i])
				h.Word(vals[i])
			}
		}
	}
	for _, p := range m.running {
		pt := p.Space.PageTable()
		h.Word(uint64(len(pt)))
		for _, e := range pt {
			h.Word(e.Page)
			h.Word(uint64(e.Frame))
		}
	}
}
