package runtime

import (
	"fmt"

	"proc/runtime/mem"
)

// The system calls that make, end and wait for processes and threads.

// Spawn says what thread Start makes.
type Spawn struct {
	// Creator is the thread whose call makes the new one: a new process
	// inherits its descriptors, and the call's cost (cost_spawn,
	// cost_thread, cost_fork) moves the clock. Nil for a process the
	// machine starts with (it costs nothing).
	Creator *Thread
	// Image, when set, makes a new process running it, whose main thread
	// is the new thread. When nil (and Fork is not set) the new thread
	// joins its creator's process.
	Image *Image
	// Fork makes a copy of the creator's process, as fork(2), whose only
	// thread is a copy of the creator; Image, Name, Host and Sched are
	// then not used: the copy takes its creator's.
	Fork bool
	// Name names the new thread, and the new process it starts.
	Name string
	// Host, when set, is the host a new process runs on. Descriptors do
	// not cross hosts: it keeps only those of its creator's that are the
	// terminal.
	Host string
	// Sched are the new thread's scheduling attributes; Tickets 0 means
	// DefaultTickets.
	Sched SchedAttrs
	// Unlimited makes a new process even past max_procs and max_threads
	// (the REPL's shell, which a session always has).
	Unlimited bool
}

// Started is what Start did.
type Started struct {
	// Thread is the new thread, ready to run; nil when a limit refused
	// it.
	Thread *Thread
	// Limit names the limit that refused it: "max_procs=256".
	Limit string
	// At is the tick the call was made at, and Cost the ticks it cost:
	// the clock is at At+Cost, where the new thread's life begins.
	At, Cost int64
}

// Start makes a thread and returns it ready to run, as spawn (a new
// process running an image), thread (a thread of the creator's process)
// or fork (a copy of the creator's process) say. A new process and a
// thread of one are refused past max_procs and max_threads, and when the
// machine's memory (or, for a fork, the copy budget) has no room for
// them.
//
// ctx, when not nil, makes the executor's state of the new thread, and of
// its process when the call makes one (nil otherwise), which the kernel
// keeps in Thread.Ctx and Process.Ctx. It is called once the thread
// exists, before it is made ready.
func (m *Machine) Start(s Spawn, ctx func(t *Thread) (thread, process any)) Started {
	at := m.clock
	var t *Thread
	var cost int64
	switch {
	case s.Fork:
		_, t = m.fork(s.Creator)
		cost = m.cfg.CostFork
	case s.Image == nil:
		t = m.newThread(s.Creator.Proc, s.Name, s.Creator)
		cost = m.cfg.CostThread
	default:
		var parent *Process
		if s.Creator != nil {
			parent = s.Creator.Proc
			cost = m.cfg.CostSpawn
		}
		if p := m.newProcess(parent, s.Image, s.Name, s.Unlimited); p != nil {
			if s.Host != "" {
				m.moveToHost(p, s.Host)
			}
			t = m.newThread(p, s.Name, s.Creator)
		}
	}
	if t == nil {
		return Started{Limit: m.noRoom(!s.Fork && s.Image == nil), At: at}
	}
	if !s.Fork {
		t.sched.Priority, t.sched.Burst = s.Sched.Priority, s.Sched.Burst
		if s.Sched.Pin > 0 && s.Sched.Pin <= len(m.cpus) {
			t.sched.Pin = s.Sched.Pin
			m.pins = true
		}
		if s.Sched.CPUSet != 0 {
			t.sched.CPUSet = s.Sched.CPUSet
			m.pins = true
		}
		t.sched.WSet = s.Sched.WSet
		if s.Sched.Tickets != 0 {
			t.sched.Tickets = s.Sched.Tickets
		}
	}
	if ctx != nil {
		tc, pc := ctx(t)
		t.Ctx = tc
		if pc != nil {
			t.Proc.Ctx = pc
		}
	}
	m.clock += cost
	m.MakeReady(t)
	return Started{Thread: t, At: at, Cost: cost}
}

// JoinResult is what a join did.
type JoinResult struct {
	// Target is the thread joined, when there is one.
	Target *Thread
	// Value is what the target's function returned.
	Value mem.Value
	// Blocked says the target has not ended: the thread is parked until
	// it does, and makes the call again then.
	Blocked bool
	// Resumed says the call had blocked and completes now.
	Resumed bool
	// Err is ESRCH (no thread tid), EPERM (it belongs to another
	// process), EDEADLK (it is the calling thread) or EINVAL (it is the
	// main thread: its end is the process's end).
	Err Errno
}

// Join waits for thread tid of t's process to end, as pthread_join(3),
// and returns what its function returned.
func (m *Machine) Join(t *Thread, tid int64) JoinResult {
	m.waitCalls++
	target, err := m.joinTarget(t, tid)
	if err != OK {
		return JoinResult{Target: target, Err: err, Resumed: t.endCall()}
	}
	if target.State != ThreadDone {
		m.parkCall(t, fmt.Sprintf("join(%d): waiting for thread %d/%d to end", target.TID, target.Proc.PID, target.TID), &target.ended,
			Holders{kind: holdersThread, thread: target})
		return JoinResult{Target: target, Blocked: true}
	}
	return JoinResult{Target: target, Value: target.Result, Resumed: t.endCall()}
}

// joinTarget returns the thread t joining tid waits for, or why it
// cannot.
func (m *Machine) joinTarget(t *Thread, tid int64) (*Thread, Errno) {
	target := m.Thread(int(tid))
	switch {
	case target == nil:
		return nil, ESRCH
	case target.Proc != t.Proc:
		return target, EPERM
	case target == t:
		return target, EDEADLK
	case target.TID == target.Proc.PID:
		return target, EINVAL
	}
	return target, OK
}

// JoinBlocks reports whether t joining thread tid now would block: the
// thread is one t may join and has not ended.
func (m *Machine) JoinBlocks(t *Thread, tid int64) bool {
	target, err := m.joinTarget(t, tid)
	return err == OK && target.State != ThreadDone
}

// WaitBlocks reports whether t waiting for process pid now would block:
// it is a child of t's process that has not ended.
func (m *Machine) WaitBlocks(t *Thread, pid int64) bool {
	c := m.Proc(int(pid))
	return c != nil && c.PPID == t.Proc.PID && c.State == ProcRunning
}

// WaitCalls counts the joins and waits made so far, each time one is
// made again after it blocked included.
func (m *Machine) WaitCalls() int64 { return m.waitCalls }

// MaxSteps is the max_steps the machine runs with.
func (m *Machine) MaxSteps() int64 { return m.cfg.MaxSteps }

// WaitResult is what a wait did.
type WaitResult struct {
	// Child is the process waited for, when it exists and has not been
	// reaped.
	Child *Process
	// Status is its exit status, or 128 + the signal that killed it.
	Status int
	// Blocked says the child has not ended: the thread is parked until
	// it does, and makes the call again then.
	Blocked bool
	// Resumed says the call had blocked and completes now.
	Resumed bool
	// Err is ECHILD when there is no such process (Child is nil) or it
	// is not a child of t's process.
	Err Errno
}

// Wait waits for child process pid of t's process to end, as waitpid(2),
// reaps it and returns its status.
func (m *Machine) Wait(t *Thread, pid int64) WaitResult {
	m.waitCalls++
	c := m.Proc(int(pid))
	switch {
	case c == nil || c.State == ProcReaped:
		return WaitResult{Err: ECHILD, Resumed: t.endCall()}
	case c.PPID != t.Proc.PID:
		return WaitResult{Child: c, Err: ECHILD, Resumed: t.endCall()}
	}
	if c.State == ProcRunning {
		m.parkCall(t, fmt.Sprintf("wait(%d): waiting for child %d to exit", c.PID, c.PID), &c.exited,
			Holders{kind: holdersProcess, proc: c})
		return WaitResult{Child: c, Blocked: true}
	}
	status := m.reap(t, c)
	return WaitResult{Child: c, Status: status, Resumed: t.endCall()}
}

// NoteLeak records that p ended with n bytes of heap that nothing pointed
// at any more (its leak report's "definitely lost"), for the statistics.
func (m *Machine) NoteLeak(p *Process, n uint64) { p.leaked = n }

// liveThreads lists p's threads that have not ended.
func liveThreads(p *Process) []*Thread {
	var out []*Thread
	for _, t := range p.Threads {
		if t.State != ThreadDone {
			out = append(out, t)
		}
	}
	return out
}
