package runtime

import (
	"fmt"
	"sort"

	"proc/runtime/mem"
)

// Mutex is a lock with FIFO hand-off: unlock gives it straight to the
// first waiter, so no thread can overtake one that waits.
type Mutex struct {
	ID      int
	owner   *Thread
	waiters WaitQueue
	// lostHolder, when set, is the thread ("1/2") that held the mutex when
	// lostFork ("1/3") forked the process this copy belongs to: fork did
	// not copy the holder, so the copy stays locked with no thread to
	// unlock it.
	lostHolder, lostFork string
}

// LostHolder returns the thread ("1/2") that held the mutex when a
// thread forked the process this copy belongs to, or "": the copy stays
// locked with no thread to unlock it.
func (mu *Mutex) LostHolder() string { return mu.lostHolder }

// Sem is a counting semaphore. Named ones are shared by every process of a
// host; anonymous ones belong to the process that made them.
type Sem struct {
	ID      int
	Name    string
	count   int64
	waiters WaitQueue
}

// Count returns the semaphore's value: how many downs it grants before one
// blocks.
func (s *Sem) Count() int64 { return s.count }

// Cond is a condition variable.
type Cond struct {
	ID      int
	waiters WaitQueue
}

// SyncObject is what a handle value refers to.
type SyncObject struct {
	Mutex *Mutex
	Sem   *Sem
	Cond  *Cond
}

// Handle kinds, as mem.Value.S of a Handle value.
const (
	HandleMutex = "mutex"
	HandleSem   = "sem"
	HandleCond  = "cond"
)

// NewMutex makes a mutex in t's process, as pthread_mutex_init(3), and
// returns its handle. It fails with ENOMEM when the machine's memory has
// no room for it.
func (m *Machine) NewMutex(t *Thread) (mem.Value, Errno) {
	if err := m.Room(t, 2, 0); err != OK {
		return mem.NilValue, err
	}
	m.meter.Charge(ObjectCost)
	m.syncIDs++
	mu := &Mutex{ID: m.syncIDs}
	t.Proc.syncObjs[mu.ID] = &SyncObject{Mutex: mu}
	return mem.Value{K: mem.Handle, N: int64(mu.ID), S: HandleMutex}, OK
}

// NewCond makes a condition variable in t's process, as
// pthread_cond_init(3), and returns its handle. It fails with ENOMEM when
// the machine's memory has no room for it.
func (m *Machine) NewCond(t *Thread) (mem.Value, Errno) {
	if err := m.Room(t, 2, 0); err != OK {
		return mem.NilValue, err
	}
	m.meter.Charge(ObjectCost)
	m.syncIDs++
	c := &Cond{ID: m.syncIDs}
	t.Proc.syncObjs[c.ID] = &SyncObject{Cond: c}
	return mem.Value{K: mem.Handle, N: int64(c.ID), S: HandleCond}, OK
}

// NewSem makes an anonymous semaphore of value n in t's process, as
// sem_init(3), or opens the named one of t's host, as sem_open(3),
// creating it with value n. It returns its handle and the semaphore, or
// fails with ENOMEM when the machine's memory has no room for it.
func (m *Machine) NewSem(t *Thread, name string, n int64) (mem.Value, *Sem, Errno) {
	if err := m.Room(t, 2, 0); err != OK {
		return mem.NilValue, nil, err
	}
	h, s := m.newSem(t.Proc, name, n)
	return h, s, OK
}

// newSem makes an anonymous semaphore in p, or opens (creating it with n)
// the named semaphore of p's host.
func (m *Machine) newSem(p *Process, name string, n int64) (mem.Value, *Sem) {
	if name != "" {
		h := m.host(p.Host)
		s, ok := h.Sems[name]
		if !ok {
			m.meter.Charge(ObjectCost) // the host keeps it
			m.syncIDs++
			s = &Sem{ID: m.syncIDs, Name: name, count: n}
			h.Sems[name] = s
		}
		if _, had := p.syncObjs[s.ID]; !had {
			m.meter.Charge(ObjectCost)
		}
		p.syncObjs[s.ID] = &SyncObject{Sem: s}
		return mem.Value{K: mem.Handle, N: int64(s.ID), S: HandleSem}, s
	}
	m.meter.Charge(ObjectCost)
	m.syncIDs++
	s := &Sem{ID: m.syncIDs, count: n}
	p.syncObjs[s.ID] = &SyncObject{Sem: s}
	return mem.Value{K: mem.Handle, N: int64(s.ID), S: HandleSem}, s
}

// SyncOf returns the object behind handle v in p, or an error text.
func (m *Machine) SyncOf(p *Process, v mem.Value, kind string) (*SyncObject, string) {
	if v.K != mem.Handle || v.S != kind {
		return nil, fmt.Sprintf("%s is not a %s", m.lang.Quote(v), kind)
	}
	o, ok := p.syncObjs[int(v.N)]
	if !ok {
		return nil, fmt.Sprintf("%s does not exist in process %d (handles are per process; share named semaphores, or threads)", m.lang.Quote(v), p.PID)
	}
	return o, ""
}

// cloneSync copies a parent's sync objects for a fork by t, whose copy
// in the child is ct. Mutexes, condition variables and anonymous
// semaphores live in memory, which fork copies, so the child gets its own
// copy of each in the state it was in: a mutex t held is held by ct, and
// one another thread held stays locked, by a holder the child does not
// have. Nobody waits on the copies (the waiters were other threads).
// Named semaphores stay shared.
func cloneSync(parent *Process, t, ct *Thread) map[int]*SyncObject {
	out := map[int]*SyncObject{}
	for id, o := range parent.syncObjs {
		switch {
		case o.Mutex != nil:
			mu := &Mutex{ID: o.Mutex.ID, lostHolder: o.Mutex.lostHolder, lostFork: o.Mutex.lostFork}
			switch owner := o.Mutex.owner; {
			case owner == t:
				mu.owner = ct
			case owner != nil:
				mu.lostHolder = fmt.Sprintf("%d/%d", owner.Proc.PID, owner.TID)
				mu.lostFork = fmt.Sprintf("%d/%d", t.Proc.PID, t.TID)
			}
			out[id] = &SyncObject{Mutex: mu}
		case o.Cond != nil:
			out[id] = &SyncObject{Cond: &Cond{ID: o.Cond.ID}}
		case o.Sem != nil && o.Sem.Name != "":
			out[id] = o
		case o.Sem != nil:
			out[id] = &SyncObject{Sem: &Sem{ID: o.Sem.ID, count: o.Sem.count}}
		}
	}
	return out
}

// LockResult is what a lock did.
type LockResult struct {
	// Blocked says another thread holds the mutex: the thread is parked
	// until it is handed the mutex, and makes the call again then.
	Blocked bool
	// Resumed says the call had blocked and completes now.
	Resumed bool
	// Err is EDEADLK when the thread holds the mutex already (a mutex is
	// not recursive).
	Err Errno
}

// Lock takes mu for t, as pthread_mutex_lock(3), or parks t until the
// mutex is handed to it: waiters get it in the order they came. call is
// the call as the trace shows it, for what a parked thread waits for.
func (m *Machine) Lock(t *Thread, mu *Mutex, call string) LockResult {
	if mu.owner == t && !t.call.blocked {
		t.endCall()
		return LockResult{Err: EDEADLK}
	}
	if !m.lock(t, mu, call) {
		return LockResult{Blocked: true}
	}
	return LockResult{Resumed: t.endCall()}
}

// lock acquires mu for t, or parks t in its call (FIFO). It reports
// whether t holds the lock now.
func (m *Machine) lock(t *Thread, mu *Mutex, what string) bool {
	if mu.lostHolder != "" {
		m.parkCall(t, fmt.Sprintf("%s: mutex#%d is held by %s, which fork did not copy", what, mu.ID, mu.lostHolder), &mu.waiters, Holders{})
		t.detail = &blockDetail{mutex: mu, pid: t.Proc.PID}
		return false
	}
	if mu.owner == nil || mu.owner == t {
		mu.owner = t
		return true
	}
	owner := mu.owner
	m.parkCall(t, fmt.Sprintf("%s: mutex#%d is held by %d/%d", what, mu.ID, owner.Proc.PID, owner.TID), &mu.waiters,
		Holders{kind: holdersMutex, mutex: mu})
	return false
}

// UnlockResult is what an unlock did.
type UnlockResult struct {
	// Next is the waiter the mutex was handed to, if any.
	Next *Thread
	// Holder, when Err is EPERM, is the thread that holds the mutex (nil
	// when none does: see Mutex.lostHolder for one fork did not copy).
	Holder *Thread
	// Err is EPERM when t does not hold the mutex.
	Err Errno
}

// Unlock releases mu, as pthread_mutex_unlock(3), handing it straight to
// the first waiter.
func (m *Machine) Unlock(t *Thread, mu *Mutex) UnlockResult {
	holder := mu.owner
	if !m.unlock(t, mu) {
		return UnlockResult{Holder: holder, Err: EPERM}
	}
	return UnlockResult{Next: mu.owner}
}

// unlock releases mu, handing it to the first waiter. It reports false
// when t does not hold it.
func (m *Machine) unlock(t *Thread, mu *Mutex) bool {
	if mu.owner != t {
		return false
	}
	mu.owner = nil
	if next := m.wakeOne(&mu.waiters); next != nil {
		mu.owner = next
	}
	return true
}

// releaseLocks frees the mutexes a dead thread held.
func (m *Machine) releaseLocks(t *Thread) {
	// In the order the mutexes were made: each unlock may wake a thread,
	// and the order they become ready in is the order they run in.
	var held []int
	for id, o := range t.Proc.syncObjs {
		if o.Mutex != nil && o.Mutex.owner == t {
			held = append(held, id)
		}
	}
	sort.Ints(held)
	for _, id := range held {
		m.unlock(t, t.Proc.syncObjs[id].Mutex)
	}
}

// SemResult is what a down or an up did.
type SemResult struct {
	// Value is the semaphore's value once the call is done.
	Value int64
	// Blocked says the semaphore is 0: the thread is parked until an up
	// hands it a unit, and makes the call again then.
	Blocked bool
	// Resumed says the call had blocked and completes now.
	Resumed bool
	// Err is EOVERFLOW when an up finds the semaphore at SemValueMax.
	Err Errno
}

// Down decrements s, as sem_wait(3), or parks t until an up hands it a
// unit. call is the call as the trace shows it, for what a parked thread
// waits for.
func (m *Machine) Down(t *Thread, s *Sem, call string) SemResult {
	switch {
	case t.granted:
		t.granted = false
	case s.count > 0:
		s.count--
	default:
		m.parkCall(t, fmt.Sprintf("%s: %s is 0", call, s.Describe()), &s.waiters, Holders{})
		return SemResult{Value: s.count, Blocked: true}
	}
	return SemResult{Value: s.count, Resumed: t.endCall()}
}

// SemValueMax is the largest value a semaphore may hold, SEM_VALUE_MAX of
// Linux: a count past it would wrap to a negative one.
const SemValueMax = 1<<31 - 1

// Up increments s, as sem_post(3), or hands the unit straight to the
// first waiter. It fails with EOVERFLOW, changing nothing, when s is
// already at SemValueMax.
func (m *Machine) Up(t *Thread, s *Sem) SemResult {
	if !m.up(s) {
		return SemResult{Value: s.count, Err: EOVERFLOW, Resumed: t.endCall()}
	}
	return SemResult{Value: s.count, Resumed: t.endCall()}
}

// up increments s, or hands the unit straight to the first waiter. It
// reports false, changing nothing, when s is already at SemValueMax.
func (m *Machine) up(s *Sem) bool {
	if next := m.wakeOne(&s.waiters); next != nil {
		next.granted = true
		return true
	}
	if s.count >= SemValueMax {
		return false
	}
	s.count++
	return true
}

// CondWaitResult is what a cwait did.
type CondWaitResult struct {
	// Released says this try let go of the mutex: the thread is parked
	// until a signal, and then takes the mutex back.
	Released bool
	// Blocked says the thread is parked, waiting for a signal or for the
	// mutex, and makes the call again when it wakes.
	Blocked bool
	// Resumed says the call had blocked and completes now.
	Resumed bool
	// Err is EPERM when the thread does not hold the mutex.
	Err Errno
}

// CondWait releases mu and waits on c, as pthread_cond_wait(3); once
// signalled, the thread takes mu back before the call returns (it may
// wait for it). call is the call as the trace shows it, for what a parked
// thread waits for.
func (m *Machine) CondWait(t *Thread, c *Cond, mu *Mutex, call string) CondWaitResult {
	if !t.call.cwait {
		// Release the mutex and sleep on the condition.
		if !m.unlock(t, mu) {
			t.endCall()
			return CondWaitResult{Err: EPERM}
		}
		t.call.cwait = true
		m.parkCall(t, fmt.Sprintf("%s: waiting for a signal on cond#%d", call, c.ID), &c.waiters, Holders{})
		return CondWaitResult{Released: true, Blocked: true}
	}
	// Signalled: take the mutex back (it may wait for it).
	if !m.lock(t, mu, call+" (taking the mutex back)") {
		return CondWaitResult{Blocked: true}
	}
	return CondWaitResult{Resumed: t.endCall()}
}

// CondSignal wakes the first thread waiting on c, as
// pthread_cond_signal(3), and returns how many woke (0 or 1).
func (m *Machine) CondSignal(t *Thread, c *Cond) int {
	if m.wakeOne(&c.waiters) != nil {
		return 1
	}
	return 0
}

// CondBroadcast wakes every thread waiting on c, as
// pthread_cond_broadcast(3), and returns how many woke.
func (m *Machine) CondBroadcast(t *Thread, c *Cond) int {
	n := c.waiters.Len()
	m.wakeAll(&c.waiters)
	return n
}

// Describe names the semaphore.
func (s *Sem) Describe() string {
	if s.Name != "" {
		return fmt.Sprintf("sem#%d (%q)", s.ID, s.Name)
	}
	return fmt.Sprintf("sem#%d", s.ID)
}
