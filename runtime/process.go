package runtime

import (
	"fmt"
	"strings"

	"proc/runtime/mem"
)

// ProcState is the life-cycle state of a process.
type ProcState uint8

// Process states.
const (
	ProcRunning ProcState = iota // has at least one live thread
	ProcZombie                   // ended, waiting for its parent to wait
	ProcReaped                   // ended and waited for
)

func (s ProcState) String() string {
	switch s {
	case ProcRunning:
		return "running"
	case ProcZombie:
		return "zombie"
	}
	return "reaped"
}

// Signal is a simulated signal, with Linux numbers.
type Signal int

// The signals a simulated process can die of.
const (
	SIGABRT Signal = 6
	SIGFPE  Signal = 8
	SIGKILL Signal = 9
	SIGSEGV Signal = 11
	SIGPIPE Signal = 13
)

func (s Signal) String() string {
	switch s {
	case SIGABRT:
		return "SIGABRT"
	case SIGFPE:
		return "SIGFPE"
	case SIGKILL:
		return "SIGKILL"
	case SIGSEGV:
		return "SIGSEGV"
	case SIGPIPE:
		return "SIGPIPE"
	case 0:
		return ""
	}
	return "SIG?"
}

// Image is what a process is created from: the sizes and initial contents of
// its program's segments.
type Image struct {
	TextSize uint64      // bytes of text (4 an instruction)
	Data     []mem.Value // initial values of the initialized globals
	BssWords int         // number of uninitialized globals
	// TextRoom, DataRoom and BssRoom, when not 0, are the bytes kept for
	// the text, data and bss segments to grow into while the program runs
	// (the REPL adds code and globals to a running program): the next
	// segment starts after the room rather than right after the segment.
	TextRoom, DataRoom, BssRoom uint64
}

// Process is a simulated process: an address space, threads, and the
// bookkeeping the statistics need.
type Process struct {
	PID     int
	PPID    int
	Name    string
	Host    string
	State   ProcState
	Space   *mem.AddressSpace
	Text    *mem.Segment
	Data    *mem.Segment
	Bss     *mem.Segment
	Stack   *mem.Segment // the main thread's stack
	Guard   *mem.Segment // the guard page below the main stack
	Heap    *mem.Heap
	Threads []*Thread // live and ended threads, in creation order
	Image   *Image    // the program the process runs

	ExitStatus int
	Signal     Signal
	Killed     bool // ended by a signal

	// Statistics (--stats and the stats record).
	arrival  int64
	firstRun int64 // -1 until a thread of it runs
	finish   int64
	heapPeak uint64
	leaked   uint64
	copied   int64
	cow      int64

	// Ctx is the interpreter's per-process state (allocation sites, object
	// shapes); the kernel only carries it.
	Ctx any

	// exited is the queue of parents waiting for this process to end.
	exited WaitQueue
	// children are the processes this one created (or adopted).
	children []*Process
	// mmapNext is where the next mapping of the mmap area ends (it grows
	// down from MmapBase, or from where the parent's was at a fork).
	mmapNext uint64
	// fds is the descriptor table.
	fds FDTable
	// syncObjs holds the process's mutexes, semaphores and condition
	// variables, by handle id.
	syncObjs map[int]*SyncObject
}

// SyncObject returns the mutex, semaphore or condition variable behind
// handle id in p, and whether there is one.
func (p *Process) SyncObject(id int) (*SyncObject, bool) {
	o, ok := p.syncObjs[id]
	return o, ok
}

// Live reports whether the process still has running threads.
func (p *Process) Live() bool { return p.State == ProcRunning }

// ThreadState is the scheduling state of a thread.
type ThreadState uint8

// Thread states.
const (
	ThreadReady ThreadState = iota
	ThreadRunning
	ThreadBlocked
	ThreadDone
)

func (s ThreadState) String() string {
	switch s {
	case ThreadReady:
		return "ready"
	case ThreadRunning:
		return "running"
	case ThreadBlocked:
		return "blocked"
	}
	return "done"
}

// Status is the thread's state as the views name it: running, ready,
// blocked (on an event, or a device in io), sleeping (in sleep: it waits
// for time alone and wakes by itself) or done.
func (t *Thread) Status() string {
	if t.State == ThreadBlocked && t.asleep {
		return "sleeping"
	}
	return t.State.String()
}

// statusRank orders the thread states from the most active: a process
// takes the state of its most active thread.
func statusRank(t *Thread) int {
	switch {
	case t.State == ThreadRunning:
		return 0
	case t.State == ThreadReady:
		return 1
	case t.State == ThreadBlocked && t.asleep:
		return 2
	case t.State == ThreadBlocked:
		return 3
	}
	return 4
}

// Status is the process's state as the views name it: zombie or reaped
// once it ended; else the state of its most active thread (running, then
// ready, sleeping, blocked), which is returned too, so that a view can say
// what a waiting process waits for. A process runs when any of its
// threads does, and waits only when all of them wait.
func (p *Process) Status() (string, *Thread) {
	if p.State != ProcRunning {
		return p.State.String(), nil
	}
	var best *Thread
	for _, t := range p.Threads {
		if t.State != ThreadDone && (best == nil || statusRank(t) < statusRank(best)) {
			best = t
		}
	}
	if best == nil {
		return p.State.String(), nil
	}
	return best.Status(), best
}

// Thread is a simulated thread: its own stack and registers (kept by the
// interpreter in Ctx), sharing its process's address space.
type Thread struct {
	TID   int
	Proc  *Process
	Name  string
	State ThreadState
	Stack *mem.Segment
	Guard *mem.Segment
	// Ctx is the interpreter's state for this thread (frames, pc, operand
	// stack): explicit data, so the thread can stop after any instruction.
	Ctx any

	// waitingFor says what a blocked thread waits for, in words.
	waitingFor string
	// sched holds the scheduling attributes (priority, tickets, burst,
	// MLFQ level) and the CPU used.
	sched SchedAttrs
	// ended is the queue of threads joining this one.
	ended WaitQueue
	// Result is the value the thread's function returned (for join).
	Result mem.Value
	// created is the tick the thread was created; CreatedBy the thread that
	// created it (nil for process 1's main thread).
	created   int64
	CreatedBy *Thread
	// endedAt is the tick the thread ended.
	endedAt int64

	// times are where its life went (--stats); since is when the stretch
	// it is in (ready, running, blocked) began; started is set once it
	// was first made ready, the start of its life.
	times ThreadTimes
	// hw counts what its loads and stores cost in the TLB and cache;
	// switchDirect the ticks of the switches to it.
	hw           HWStats
	switchDirect int64
	since        int64
	started      bool
	seq          int64 // order in which it became ready, for ties
	wakeAt       int64 // for a sleeping thread: the tick it wakes
	sleepSeq     int64 // order in which it went to sleep, for ties
	sleepIdx     int   // its place in the sleepers' heap
	sleeping     bool
	asleep       bool       // blocked in sleep, not on an event or a device
	inReady      bool       // in Machine.ready
	ioDone       bool       // with wake_preempts: its I/O ended, and it has not run since
	queue        *WaitQueue // the queue a blocked thread is on
	holders      Holders    // who could release it (deadlock report)
	// detail, when set, gives more lines about what a blocked thread
	// waits for (for the deadlock report).
	detail  *blockDetail
	granted bool // a semaphore unit was handed to it while it waited
	// call is the system call it is in the middle of (syscall.go).
	call pendingCall
	// slice, when not 0, is the rest of a turn that a stop left (the
	// REPL runs on after one), or the foreground's unbounded turn: the
	// next dispatch gives the thread that much instead of a new slice.
	slice int64
	// paused is set when RunUntil paused the thread in its turn, with
	// pausedSlice what was left of its slice (none or less when it ran
	// alone past it); resuming is set while the next dispatch resumes
	// that turn, so that the executor goes on as if it had never stopped
	// (Resuming).
	paused      bool
	pausedSlice int64
	resuming    bool
	// ranOn is 1 + the CPU the thread ran on last, 0 before it first
	// runs; queuedOn, with a queue per CPU, 1 + the CPU whose queue
	// holds it (cpus.go).
	ranOn, queuedOn int
	// deferred is set when a turn on one of several CPUs ran past the
	// others' clocks and gave way before looking at why its executor
	// stopped; deferredSlice is what was left of its slice (dispatch).
	deferred      bool
	deferredSlice int64
	// gaveWay is set from a turn giving way to another CPU until the
	// executor runs the thread again: it holds its CPU all along, and
	// its frame is still where it was in the TLB and the cache.
	gaveWay bool
	// deferredCut is set when the stop deferred ended a budget that a
	// timer or a boost cut; touchDue, on a machine of several CPUs, when
	// the executor's next run comes back to the thread's frame from the
	// kernel (a turn begins, a quantum ends, a timer or a system call):
	// not after giving way, which leaves the CPU as it was.
	deferredCut bool
	touchDue    bool
	// ahead is set while the thread's turn ran past its bound through
	// instructions no other thread can observe (ahead.go).
	ahead aheadRun
	// warming is, for each CPU, 1 + the ticks the thread has yet to
	// compute there before its working set is in that CPU's cache, 0
	// when it is not warming it (warm.go).
	warming []int64
}

// TakeTouch reports, on a machine of several CPUs, whether the executor
// comes back to t's frame from the kernel (see touchDue), and forgets it.
func (t *Thread) TakeTouch() bool {
	d := t.touchDue
	t.touchDue = false
	return d
}

// CPU returns the CPU the thread ran on last, or -1 before it first ran.
func (t *Thread) CPU() int { return t.ranOn - 1 }

// Resuming reports whether the executor's Run continues a turn of t that
// RunUntil paused at a step bound: the executor then goes on with what it
// kept of that turn (its budget, where its time slice falls), and the
// pause is invisible in the run.
func (t *Thread) Resuming() bool { return t.resuming }

// WaitQueue is a list of threads blocked on one object.
type WaitQueue struct {
	waiters []*Thread
	// fwd is its copy while Clone copies the machine.
	fwd    *WaitQueue
	fwdGen uint64
}

// Len is the number of threads waiting.
func (q *WaitQueue) Len() int { return len(q.waiters) }

// Waiters returns the threads waiting, in the order they blocked.
func (q *WaitQueue) Waiters() []*Thread { return q.waiters }

func (q *WaitQueue) remove(t *Thread) {
	for i, w := range q.waiters {
		if w == t {
			q.waiters = append(q.waiters[:i], q.waiters[i+1:]...)
			return
		}
	}
}

// Holders says which threads could release a blocked thread, for the
// deadlock report. It is data, not a function, so that a copy of the
// machine (Clone) can point it at its own objects. The zero Holders names
// no one.
type Holders struct {
	kind   holdersKind
	pipe   *Pipe
	end    FDKind // the pipe's end whose holders could release it
	thread *Thread
	proc   *Process
	mutex  *Mutex
}

type holdersKind uint8

const (
	holdersNone    holdersKind = iota
	holdersPipe                // the threads that hold an end of a pipe open
	holdersThread              // one thread (join)
	holdersProcess             // a process's live threads (wait)
	holdersMutex               // a mutex's owner
)

// holderList returns the threads h names.
func (m *Machine) holderList(h Holders) []*Thread {
	switch h.kind {
	case holdersPipe:
		return m.holderThreads(h.pipe, h.end)
	case holdersThread:
		return []*Thread{h.thread}
	case holdersProcess:
		return liveThreads(h.proc)
	case holdersMutex:
		if h.mutex.owner != nil {
			return []*Thread{h.mutex.owner}
		}
	}
	return nil
}

// blockDetail is what the deadlock report says more about a blocked
// thread: the processes that hold a pipe's write end open, or a mutex
// whose holder fork did not copy.
type blockDetail struct {
	pipe  *Pipe
	mutex *Mutex
	pid   int
}

// detailLines returns the lines d adds to the deadlock report.
func (m *Machine) detailLines(d *blockDetail) []string {
	if d.pipe != nil {
		return []string{"write end still open in: " + strings.Join(m.holderNames(d.pipe, FDPipeWrite), ", ")}
	}
	mu := d.mutex
	return []string{fmt.Sprintf("%s called fork while %s held mutex#%d: fork copies only the calling thread, so no thread of process %d holds it, and none can ever unlock it",
		mu.lostFork, mu.lostHolder, mu.ID, d.pid)}
}
