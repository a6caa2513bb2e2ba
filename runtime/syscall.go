package runtime

// The system calls' common ground: how a call fails, what the kernel keeps
// of a call a thread is in the middle of, and the clock and counters the
// executor moves through the kernel.
//
// A call that must wait parks its thread and reports Blocked; the executor
// keeps the call's operands and makes the same call again when the thread
// wakes. What carries over from one try to the next (how much of a pipe
// write went through, whether a cwait has let go of its mutex, whether the
// call blocked at all) is the thread's pending call, which only the kernel
// reads and writes. A call's result says Resumed when the call had blocked
// before it completed, so that the trace can show its completion the way
// strace does, as resumed.

// Errno says why a system call failed.
type Errno uint8

// The ways a system call fails, with the names Linux gives them.
const (
	OK           Errno = iota // the call did not fail
	EBADF                     // the descriptor is not open
	EINVAL                    // the descriptor or thread is not of a kind the call takes
	EMFILE                    // the process holds MaxFDs descriptors
	ENOMEM                    // the machine's memory has no room for the object
	EPIPE                     // a write with no reader left: the writer dies of SIGPIPE
	EADDRINUSE                // the port is taken
	ECONNREFUSED              // nobody listens on the port
	EDEADLK                   // the call would wait for the calling thread itself
	EPERM                     // not the caller's: a mutex it does not hold, another process's thread
	EOVERFLOW                 // a semaphore is at SemValueMax
	ESRCH                     // no such thread
	ECHILD                    // no such child process
)

var errnoNames = [...]string{OK: "OK", EBADF: "EBADF", EINVAL: "EINVAL", EMFILE: "EMFILE", ENOMEM: "ENOMEM",
	EPIPE: "EPIPE", EADDRINUSE: "EADDRINUSE", ECONNREFUSED: "ECONNREFUSED", EDEADLK: "EDEADLK", EPERM: "EPERM",
	EOVERFLOW: "EOVERFLOW", ESRCH: "ESRCH", ECHILD: "ECHILD"}

// String is the errno's name, as "EBADF".
func (e Errno) String() string {
	if int(e) < len(errnoNames) {
		return errnoNames[e]
	}
	return "E?"
}

// pendingCall is what the kernel keeps of the system call a thread is in
// the middle of, from one try of it to the next.
type pendingCall struct {
	// blocked is set when the call parked the thread: its completion is
	// traced as resumed.
	blocked bool
	// sent counts the bytes of a pipe write taken so far: a write larger
	// than the room in the pipe completes in parts.
	sent int
	// cwait is set between a cwait's release of the mutex and its return.
	cwait bool
}

// parkCall parks t in a system call until q wakes it (see Block): the
// call runs again then, and its completion is traced as resumed.
func (m *Machine) parkCall(t *Thread, what string, q *WaitQueue, holders Holders) {
	t.call.blocked = true
	m.Block(t, what, q, holders)
}

// endCall ends t's system call, done or failed, and reports whether it
// had blocked.
func (t *Thread) endCall() bool {
	resumed := t.call.blocked
	t.call = pendingCall{}
	return resumed
}

// copyThrough moves n bytes through the kernel for t's process: the cost
// in ticks is paid now, the bytes are counted against the process and
// against max_copy (past it the run stops after this call). It returns
// the cost.
func (m *Machine) copyThrough(t *Thread, n int) int64 {
	cost := m.copyCost(n)
	m.clock += cost
	t.Proc.copied += int64(n)
	m.Copy(int64(n))
	return cost
}

// AdvanceTo moves the clock to tick now, which is never before it: the
// executor keeps the time in a register while it runs instructions and
// hands it back before anything reads it, and when the thread stops.
func (m *Machine) AdvanceTo(now int64) { m.clock = now }

// CountSteps adds n instructions the executor ran to the machine's count.
func (m *Machine) CountSteps(n int64) { m.steps += n }

// EmitAt sends an event stamped with tick at and t's ids. A call that
// costs time is traced at the tick it was made, though its cost has moved
// the clock since (the results of such calls say when: Started.At).
func (m *Machine) EmitAt(t *Thread, at int64, e *Event) {
	e.T = at
	if t != nil {
		e.PID, e.TID = t.Proc.PID, t.TID
	}
	m.trace.Emit(e)
}

// Room reports whether t's process may make objects more kernel objects,
// fds of them descriptors: ENOMEM when the machine's memory has no room
// for them, else EMFILE when the process has no room for the descriptors,
// else OK. The calls that make them check the same; an executor asks
// first when a failure for want of room must come before its own checks
// of the call's arguments. A failure ends the call t was in.
func (m *Machine) Room(t *Thread, objects, fds int) Errno {
	if !m.objectFits(objects) {
		t.endCall()
		return ENOMEM
	}
	if !t.Proc.FDRoom(fds) {
		t.endCall()
		return EMFILE
	}
	return OK
}
