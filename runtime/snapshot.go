package runtime

import (
	"fmt"
	"slices"
	"sort"

	"proc/runtime/mem"
)

// Snapshot is the machine at one moment, as data: every process with its
// address space, globals and heap, every thread with its frames, and the
// kernel's objects. It is the one shape `proc run --snapshot-at`, the web
// page and time travel read; docs/snapshot.md documents its JSON, field by
// field.
//
// Everything in it is a copy: it stays as it was when the machine goes on.
// Its size is bounded whatever the machine holds (the Snap* limits below):
// a list cut short says how much it left out in a field of its own, named
// after it ("fields_omitted").
type Snapshot struct {
	// Ev is "snapshot", so that the record reads as one of a JSON trace.
	Ev string `json:"ev"`
	// Step is how many instructions the machine had executed; Tick the
	// simulated time.
	Step int64 `json:"step"`
	Tick int64 `json:"tick"`
	// Ended is set when this is the machine at the end of the run, after
	// its last instruction (every thread ended, or the run stopped).
	Ended bool `json:"ended"`
	// Stopped says why the run stopped early (a deadlock, a limit), when
	// it did.
	Stopped string `json:"stopped,omitempty"`
	// Running lists the threads on a CPU now.
	Running   []int         `json:"running"`
	Processes []SnapProcess `json:"processes"`
	// ProcessesOmitted counts the processes past SnapMaxProcs.
	ProcessesOmitted int          `json:"processes_omitted,omitempty"`
	Threads          []SnapThread `json:"threads"`
	// ThreadsOmitted counts the threads past SnapMaxThreads.
	ThreadsOmitted int        `json:"threads_omitted,omitempty"`
	Kernel         SnapKernel `json:"kernel"`
	// Cut is set when any list was cut short, by its own limit or by
	// SnapMaxRecords.
	Cut bool `json:"cut,omitempty"`
}

// The bounds of a snapshot. Each list is cut at its own limit, and the
// whole snapshot at SnapMaxRecords listed items (segments, globals,
// blocks, fields, frames, slots, kernel objects...), so that a program
// with a huge array or thousands of threads gives a snapshot of a few
// megabytes at most, never one as large as its memory.
const (
	SnapMaxProcs   = 128   // processes
	SnapMaxThreads = 256   // threads
	SnapMaxSegs    = 128   // segments of one process
	SnapMaxGlobals = 128   // globals of one process
	SnapMaxFiles   = 64    // descriptors of one process
	SnapMaxBlocks  = 128   // live heap blocks of one process
	SnapMaxFree    = 128   // free chunks of one heap
	SnapMaxFields  = 32    // fields or elements of one heap block
	SnapMaxFrames  = 32    // frames of one thread, the innermost
	SnapMaxSlots   = 32    // slots of one frame
	SnapMaxWords   = 32    // non-zero words of one shared mapping
	SnapMaxPages   = 32    // copy-on-write pages of one segment
	SnapMaxObjects = 256   // kernel objects of one kind
	SnapMaxItems   = 32    // messages of a queue, waiters or holders of an object
	SnapMaxRecords = 40000 // items listed in the whole snapshot
)

// SnapValue is a word's value. K is its kind: int, bool, str, nil, ptr or
// handle; V its text as the trace and show stack write it. A pointer has
// Ptr, and either To, the id of what it points into in this process, or
// Dangling; a handle has Obj, the id of its kernel object.
type SnapValue struct {
	K        string `json:"k"`
	V        string `json:"v"`
	Ptr      string `json:"ptr,omitempty"`
	To       string `json:"to,omitempty"`
	Dangling bool   `json:"dangling,omitempty"`
	Obj      string `json:"obj,omitempty"`

	// raw is the value itself, resolved once the whole snapshot is
	// listed (To needs every id).
	raw mem.Value
}

// SnapProcess is one process of a Snapshot: a process that has not been
// reaped. A zombie has no memory left: only its exit status.
type SnapProcess struct {
	ID     string `json:"id"` // "p1"
	PID    int    `json:"pid"`
	PPID   int    `json:"ppid"`
	Name   string `json:"name"`
	Host   string `json:"host"`
	State  string `json:"state"` // as show ps
	Exit   *int   `json:"exit"`  // its exit status, once it ended
	Signal string `json:"signal,omitempty"`
	Zombie bool   `json:"zombie"`
	// Threads are the tids of its live threads, the first SnapMaxThreads.
	Threads         []int         `json:"threads"`
	ThreadsOmitted  int           `json:"threads_omitted,omitempty"`
	Segments        []SnapSegment `json:"segments"`
	SegmentsOmitted int           `json:"segments_omitted,omitempty"`
	Globals         []SnapGlobal  `json:"globals"`
	GlobalsOmitted  int           `json:"globals_omitted,omitempty"`
	Heap            *SnapHeap     `json:"heap"`
	Files           []SnapFD      `json:"files"`
	FilesOmitted    int           `json:"files_omitted,omitempty"`
}

// SnapSegment is a mapped range of an address space, as show maps lists
// it.
type SnapSegment struct {
	ID    string `json:"id"`   // "p1:seg:0x400000"
	Kind  string `json:"kind"` // text, data, bss, heap, stack, guard, shm, file
	Name  string `json:"name"`
	Start string `json:"start"`
	End   string `json:"end"`
	Size  uint64 `json:"size"`
	Perm  string `json:"perm"`
	Note  string `json:"note"`
	// TID is the thread a stack belongs to, or whose stack a guard page
	// protects; 0 for other segments.
	TID int `json:"tid"`
	// SP is, for a stack, the lowest address of its live frames.
	SP string `json:"sp,omitempty"`
	// Shared is the id of the shared object a shared mapping shows;
	// CopyOf that of the file a private mapping copies.
	Shared string `json:"shared,omitempty"`
	CopyOf string `json:"copy_of,omitempty"`
	// COWPages are the pages still shared copy-on-write.
	COWPages   []string `json:"cow_pages,omitempty"`
	COWOmitted int      `json:"cow_omitted,omitempty"`
	// Words are the non-zero words of a shm or file mapping.
	Words        []SnapWord `json:"words,omitempty"`
	WordsOmitted int        `json:"words_omitted,omitempty"`
}

// SnapWord is a word of a mapping: its offset in the mapping, its address
// and its value.
type SnapWord struct {
	Off   uint64    `json:"off"`
	Addr  string    `json:"addr"`
	Value SnapValue `json:"value"`
}

// SnapGlobal is a global variable and its word in data or bss.
type SnapGlobal struct {
	ID    string    `json:"id"` // "p1:var:0x401000"
	Name  string    `json:"name"`
	Addr  string    `json:"addr"`
	Seg   string    `json:"seg"` // data or bss
	Value SnapValue `json:"value"`
}

// SnapHeap is a process's heap, as show heap shows it.
type SnapHeap struct {
	Base     string `json:"base"`
	Top      string `json:"top"`
	Size     uint64 `json:"size"`
	InUse    uint64 `json:"in_use"`
	Policy   string `json:"policy"`
	Align    int64  `json:"align"`
	Header   int64  `json:"header"`
	Coalesce bool   `json:"coalesce"`
	// Blocks are the live blocks, in address order.
	Blocks        []SnapBlock `json:"blocks"`
	BlocksOmitted int         `json:"blocks_omitted,omitempty"`
	// Free is the free list, in address order.
	Free          []SnapChunk `json:"free"`
	FreeOmitted   int         `json:"free_omitted,omitempty"`
	FreeBytes     uint64      `json:"free_bytes"`
	LargestFree   uint64      `json:"largest_free"`
	Fragmentation int         `json:"fragmentation"` // percent, as show heap
}

// SnapBlock is a live heap block.
type SnapBlock struct {
	ID    string `json:"id"`   // "p1:block:0x402010"
	Addr  string `json:"addr"` // what alloc returned
	Start string `json:"start"`
	End   string `json:"end"`
	Size  uint64 `json:"size"`
	Site  string `json:"site,omitempty"`
	Kind  string `json:"kind"` // object, array or block
	// Leaked is set when no chain of pointers from a root reaches it.
	Leaked        bool        `json:"leaked"`
	Fields        []SnapField `json:"fields"`
	FieldsOmitted int         `json:"fields_omitted,omitempty"`
}

// SnapField is a word of a heap block: an object's field, an element.
type SnapField struct {
	Name  string    `json:"name"`
	Addr  string    `json:"addr"`
	Value SnapValue `json:"value"`
}

// SnapChunk is a free chunk of a heap.
type SnapChunk struct {
	Start string `json:"start"`
	Size  uint64 `json:"size"`
}

// SnapFD is an open descriptor of a process.
type SnapFD struct {
	FD     int    `json:"fd"`
	Kind   string `json:"kind"`             // tty, pipe-r, pipe-w, mqueue, listener, socket
	Object string `json:"object,omitempty"` // the kernel object's id
	Text   string `json:"text"`
}

// SnapThread is a live thread.
type SnapThread struct {
	ID    string `json:"id"` // "t2"
	TID   int    `json:"tid"`
	PID   int    `json:"pid"`
	Name  string `json:"name"`
	State string `json:"state"` // running, ready, blocked, sleeping
	// WaitingFor says what a blocked or sleeping thread waits for, as
	// show threads; WaitsOn is the id of the object it waits on.
	WaitingFor string `json:"waiting_for,omitempty"`
	WaitsOn    string `json:"waits_on,omitempty"`
	// CPU is, on a machine of several, the CPU the thread runs on, or
	// ran on last (absent before it first ran, and with one CPU).
	CPU           *int        `json:"cpu,omitempty"`
	Line          int         `json:"line"`
	Where         string      `json:"where,omitempty"`
	Stack         *SnapStack  `json:"stack"`
	Frames        []SnapFrame `json:"frames"`
	FramesOmitted int         `json:"frames_omitted,omitempty"`
}

// SnapStack is the range of a thread's stack and its stack pointer.
type SnapStack struct {
	Start string `json:"start"`
	End   string `json:"end"`
	SP    string `json:"sp"`
}

// SnapFrame is one frame of a thread's stack, as show stack shows it.
type SnapFrame struct {
	Func    string `json:"func"`
	Line    int    `json:"line"`
	FP      string `json:"fp"`
	SavedFP string `json:"saved_fp"`
	Ret     string `json:"ret"`
	RetNote string `json:"ret_note"`
	// Slots are its parameters and locals.
	Slots        []SnapSlot `json:"slots"`
	SlotsOmitted int        `json:"slots_omitted,omitempty"`
}

// SnapSlot is a named word of a frame.
type SnapSlot struct {
	ID    string    `json:"id"` // "p1:var:0x7fffffffefe8"
	Name  string    `json:"name"`
	Addr  string    `json:"addr"`
	Value SnapValue `json:"value"`
}

// SnapKernel holds the kernel's objects in a Snapshot.
type SnapKernel struct {
	Pipes      []SnapPipe     `json:"pipes"`
	Queues     []SnapQueue    `json:"queues"`
	Mutexes    []SnapMutex    `json:"mutexes"`
	Semaphores []SnapSem      `json:"semaphores"`
	Conds      []SnapCond     `json:"conds"`
	Sockets    []SnapSocket   `json:"sockets"`
	Listeners  []SnapListener `json:"listeners"`
	Shm        []SnapShared   `json:"shm"`
	Files      []SnapShared   `json:"files"`
	// Omitted counts the objects left out, of every kind.
	Omitted int `json:"omitted,omitempty"`
}

// SnapEnd is a descriptor that holds a kernel object.
type SnapEnd struct {
	PID int `json:"pid"`
	FD  int `json:"fd"`
}

// SnapPipe is a pipe: the bytes it holds, who holds its ends, who waits.
type SnapPipe struct {
	ID       string    `json:"id"` // "pipe:1"
	Bytes    int       `json:"bytes"`
	Capacity int       `json:"capacity"`
	Data     string    `json:"data"` // the bytes buffered, quoted as the trace does
	Readers  []SnapEnd `json:"readers"`
	Writers  []SnapEnd `json:"writers"`
	// ReadWaiters wait for bytes, WriteWaiters for room.
	ReadWaiters  []int `json:"read_waiters"`
	WriteWaiters []int `json:"write_waiters"`
}

// SnapQueue is a message queue of a host.
type SnapQueue struct {
	ID              string        `json:"id"` // "mq:local:jobs"
	Name            string        `json:"name"`
	Host            string        `json:"host"`
	Capacity        int           `json:"capacity"`
	Messages        []SnapMessage `json:"messages"`
	MessagesOmitted int           `json:"messages_omitted,omitempty"`
	RecvWaiters     []int         `json:"recv_waiters"`
	SendWaiters     []int         `json:"send_waiters"`
	OpenedBy        []SnapEnd     `json:"opened_by"`
	OpenedByOmitted int           `json:"opened_by_omitted,omitempty"`
}

// SnapMessage is a message waiting in a queue, first to be received
// first. Its value lives in no address space: a pointer in it has neither
// To nor Dangling.
type SnapMessage struct {
	Value SnapValue `json:"value"`
	Prio  int64     `json:"prio"`
	From  int       `json:"from"` // the sender's pid
}

// SnapMutex is a mutex of a process.
type SnapMutex struct {
	ID     string `json:"id"` // "p1:mutex:3"
	PID    int    `json:"pid"`
	Handle string `json:"handle"` // as the program prints it: "mutex#3"
	Owner  int    `json:"owner"`  // the tid holding it, 0 for none
	// LostHolder is the thread ("1/2") that held it when the process
	// was forked from its parent: the copy stays locked by nobody.
	LostHolder string `json:"lost_holder,omitempty"`
	Waiters    []int  `json:"waiters"`
}

// SnapSem is a semaphore: a named one of a host, or an anonymous one of a
// process.
type SnapSem struct {
	ID      string `json:"id"` // "sem:local:full" or "p1:sem:4"
	Name    string `json:"name,omitempty"`
	Host    string `json:"host,omitempty"`
	PID     int    `json:"pid"` // 0 for a named one
	Handle  string `json:"handle"`
	Count   int64  `json:"count"`
	Waiters []int  `json:"waiters"`
	// OpenedBy lists the processes that opened a named one.
	OpenedBy []int `json:"opened_by,omitempty"`
}

// SnapCond is a condition variable of a process.
type SnapCond struct {
	ID      string `json:"id"` // "p1:cond:5"
	PID     int    `json:"pid"`
	Handle  string `json:"handle"`
	Waiters []int  `json:"waiters"`
}

// SnapSocket is one end of a connection.
type SnapSocket struct {
	ID   string `json:"id"` // "socket:2"
	Host string `json:"host"`
	Port int64  `json:"port"`
	Peer string `json:"peer,omitempty"` // the other end's id
	// PeerHost is the host of the other end.
	PeerHost string `json:"peer_host,omitempty"`
	// Bytes have arrived and wait to be read; InFlight are still on the
	// way (they arrive net_latency ticks after they were sent).
	Bytes    int  `json:"bytes"`
	InFlight int  `json:"in_flight"`
	Closed   bool `json:"closed"`
	// EOF is set once the peer's close has arrived.
	EOF     bool      `json:"eof"`
	Waiters []int     `json:"waiters"`
	HeldBy  []SnapEnd `json:"held_by"`
}

// SnapListener is a socket listening on a port.
type SnapListener struct {
	ID      string    `json:"id"` // "listener:server:80"
	Host    string    `json:"host"`
	Port    int64     `json:"port"`
	Pending []string  `json:"pending"` // the connections waiting for accept
	Waiters []int     `json:"waiters"`
	HeldBy  []SnapEnd `json:"held_by"`
}

// SnapShared is a shared memory segment or a file of a host.
type SnapShared struct {
	ID   string `json:"id"` // "shm:local:buffer", "file:local:data"
	Host string `json:"host"`
	Name string `json:"name"`
	Size uint64 `json:"size"`
	// Mappings counts its shared mappings; MappedBy lists the processes
	// that map it shared.
	Mappings int   `json:"mappings"`
	MappedBy []int `json:"mapped_by"`
}

// snapper builds a Snapshot: it lists the machine's state within the
// bounds, then resolves every value once every id is known.
type snapper struct {
	m    *Machine
	s    *Snapshot
	left int // items the snapshot may still list
	// procs are the processes listed, with what their values resolve
	// against.
	procs []*snapProc
	// waits names the object behind each wait queue a thread may be on.
	waits map[*WaitQueue]string
	// syncIDs names the kernel object behind each listed sync object.
	syncIDs map[any]string
	// sharedIDs names the shared object behind the words of a shared
	// mapping.
	sharedIDs map[*mem.Shared]string
}

// snapProc is what the values of one process resolve against.
type snapProc struct {
	p   *Process
	out *SnapProcess
	// vars are the addresses of the words listed with an id: globals
	// and frame slots.
	vars map[uint64]bool
	// blocks are the addresses of the heap blocks listed.
	blocks map[uint64]bool
}

// take returns how many of n items a list may hold under its limit and
// the whole snapshot's, and counts them; a cut marks the snapshot.
func (b *snapper) take(n, limit int) int {
	k := min(n, limit, max(b.left, 0))
	b.left -= k
	if k < n {
		b.s.Cut = true
	}
	return k
}

// Snapshot returns the machine as it is now. It reads the machine and
// changes nothing of it, so that it may be taken in the middle of a run
// (Watch).
func (m *Machine) Snapshot() *Snapshot {
	s := &Snapshot{Ev: "snapshot", Step: m.steps, Tick: m.clock, Running: []int{}}
	b := &snapper{m: m, s: s, left: SnapMaxRecords, waits: map[*WaitQueue]string{}, syncIDs: map[any]string{},
		sharedIDs: map[*mem.Shared]string{}}
	for _, h := range m.Hosts() {
		for name, o := range h.Shm {
			b.sharedIDs[o.Shared] = "shm:" + h.Name + ":" + name
		}
		for name, o := range h.Files {
			b.sharedIDs[o.Shared] = "file:" + h.Name + ":" + name
		}
	}
	if m.halt != NotHalted && m.halt != HaltWatch {
		s.Stopped = m.haltText
	}
	s.Ended = (m.halt != NotHalted && m.halt != HaltWatch) || m.LiveThreads() == 0
	living := m.Living()
	n := b.take(len(living), SnapMaxProcs)
	s.ProcessesOmitted = len(living) - n
	s.Processes = make([]SnapProcess, n)
	for i, p := range living[:n] {
		b.process(p, &s.Processes[i])
	}
	// The live threads of the processes listed: a thread's values are
	// read in its process.
	listed := map[*Process]bool{}
	for _, p := range living[:n] {
		listed[p] = true
	}
	var live []*Thread
	for _, t := range m.threads {
		if t.State == ThreadDone {
			continue
		}
		if t.State == ThreadRunning {
			s.Running = append(s.Running, t.TID)
		}
		if listed[t.Proc] {
			live = append(live, t)
		} else {
			s.ThreadsOmitted++
			s.Cut = true
		}
	}
	n = b.take(len(live), SnapMaxThreads)
	s.ThreadsOmitted += len(live) - n
	s.Threads = make([]SnapThread, n)
	for i, t := range live[:n] {
		b.thread(t, &s.Threads[i])
	}
	b.kernel()
	b.resolveAll()
	return s
}

// kindNames are the value kinds as a snapshot names them.
var kindNames = [...]string{mem.Int: "int", mem.Bool: "bool", mem.Str: "str", mem.Nil: "nil", mem.Ptr: "ptr", mem.Handle: "handle"}

func kindName(k mem.Kind) string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return k.String()
}

// value records v, to be resolved with the rest (resolveAll).
func (b *snapper) value(v mem.Value) SnapValue { return SnapValue{raw: v} }

// segKinds are the segment kinds as a snapshot names them.
var segKinds = [...]string{mem.SegText: "text", mem.SegData: "data", mem.SegBss: "bss", mem.SegHeap: "heap",
	mem.SegStack: "stack", mem.SegGuard: "guard", mem.SegShm: "shm", mem.SegFile: "file"}

func segKind(k mem.SegKind) string {
	if int(k) < len(segKinds) {
		return segKinds[k]
	}
	return fmt.Sprintf("segment(%d)", k)
}

func segID(p *Process, s *mem.Segment) string {
	return fmt.Sprintf("p%d:seg:%s", p.PID, mem.Hex(s.Start))
}

func varID(pid int, addr uint64) string { return fmt.Sprintf("p%d:var:%s", pid, mem.Hex(addr)) }

func blockID(pid int, addr uint64) string { return fmt.Sprintf("p%d:block:%s", pid, mem.Hex(addr)) }

// process lists p: its memory unless it is a zombie, and its descriptors.
func (b *snapper) process(p *Process, out *SnapProcess) {
	m := b.m
	state, _ := p.Status()
	*out = SnapProcess{ID: fmt.Sprintf("p%d", p.PID), PID: p.PID, PPID: p.PPID, Name: p.Name, Host: p.Host, State: state,
		Zombie: p.State == ProcZombie, Threads: []int{}, Segments: []SnapSegment{}, Globals: []SnapGlobal{}, Files: []SnapFD{}}
	sp := &snapProc{p: p, out: out, vars: map[uint64]bool{}, blocks: map[uint64]bool{}}
	b.procs = append(b.procs, sp)
	b.waits[&p.exited] = out.ID
	for _, t := range p.Threads {
		if t.State == ThreadDone {
			continue
		}
		if len(out.Threads) == SnapMaxThreads {
			out.ThreadsOmitted++
			b.s.Cut = true
			continue
		}
		out.Threads = append(out.Threads, t.TID)
	}
	if p.State != ProcRunning {
		// Its memory was released when it ended.
		st := p.ExitStatus
		out.Exit = &st
		out.Signal = p.Signal.String()
		return
	}
	b.segments(sp)
	gs := m.lang.Globals(p)
	n := b.take(len(gs), SnapMaxGlobals)
	out.GlobalsOmitted = len(gs) - n
	for _, g := range gs[:n] {
		seg := "data"
		if p.Bss != nil && g.Addr >= p.Bss.Start && g.Addr < p.Bss.End {
			seg = "bss"
		}
		w := p.Data
		if seg == "bss" {
			w = p.Bss
		}
		sp.vars[g.Addr] = true
		out.Globals = append(out.Globals, SnapGlobal{ID: varID(p.PID, g.Addr), Name: g.Name, Addr: mem.Hex(g.Addr), Seg: seg, Value: b.value(w.Get(g.Addr))})
	}
	out.Heap = b.heap(sp)
	fds := make([]int, 0, len(p.fds))
	for fd, f := range p.fds {
		if f != nil {
			fds = append(fds, fd)
		}
	}
	n = b.take(len(fds), SnapMaxFiles)
	out.FilesOmitted = len(fds) - n
	for _, fd := range fds[:n] {
		f := p.fds[fd]
		e := SnapFD{FD: fd, Text: f.Describe()}
		switch f.Kind {
		case FDStd:
			e.Kind = "tty"
		case FDPipeRead:
			e.Kind, e.Object = "pipe-r", pipeID(f.Pipe)
		case FDPipeWrite:
			e.Kind, e.Object = "pipe-w", pipeID(f.Pipe)
		case FDMQueue:
			e.Kind, e.Object = "mqueue", mqID(f.MQ)
		case FDListener:
			e.Kind, e.Object = "listener", listenerID(f.Listener)
		case FDSocket:
			e.Kind, e.Object = "socket", socketID(f.Sock)
		}
		out.Files = append(out.Files, e)
	}
}

func pipeID(pp *Pipe) string        { return fmt.Sprintf("pipe:%d", pp.ID) }
func mqID(q *MQueue) string         { return fmt.Sprintf("mq:%s:%s", q.Host, q.Name) }
func listenerID(l *Listener) string { return fmt.Sprintf("listener:%s:%d", l.Host, l.port) }
func socketID(s *Socket) string     { return fmt.Sprintf("socket:%d", s.ID) }

// segments lists p's address space as show maps does, with what a page
// needs besides: the shared object a mapping shows, the pages still
// shared copy-on-write, the words of a mapping.
func (b *snapper) segments(sp *snapProc) {
	m, p, out := b.m, sp.p, sp.out
	var segs []*mem.Segment
	for _, s := range p.Space.Segments() {
		if s.End > s.Start {
			segs = append(segs, s)
		}
	}
	n := b.take(len(segs), SnapMaxSegs)
	out.SegmentsOmitted = len(segs) - n
	cow := p.Space.SharedCOWPages()
	for i, s := range segs[:n] {
		name := s.Name
		if s.Kind == mem.SegStack && s.End != mem.StackTop {
			name = fmt.Sprintf("[stack:%d]", s.TID)
		}
		e := SnapSegment{ID: segID(p, s), Kind: segKind(s.Kind), Name: name, Start: mem.Hex(s.Start), End: mem.Hex(s.End),
			Size: s.End - s.Start, Perm: s.Perm.String(), Note: segNote(p, s, m.lang)}
		switch s.Kind {
		case mem.SegStack:
			e.TID, e.SP = s.TID, mem.Hex(s.SP)
		case mem.SegGuard:
			// A guard page lies right below the stack it protects.
			if i+1 < len(segs) && segs[i+1].Kind == mem.SegStack && segs[i+1].Start == s.End {
				e.TID = segs[i+1].TID
			}
		case mem.SegShm, mem.SegFile:
			e.Shared = b.sharedIDs[s.Shared]
			if s.Shared == nil && s.Kind == mem.SegFile {
				if h, ok := m.hosts[p.Host]; ok && h.Files[s.Name] != nil {
					e.CopyOf = "file:" + h.Name + ":" + s.Name
				}
			}
			b.mappingWords(s, &e)
		}
		// The pages of cow in this segment, cow being in address order.
		lo := sort.Search(len(cow), func(i int) bool { return cow[i]+mem.PageSize > s.Start })
		hi := sort.Search(len(cow), func(i int) bool { return cow[i] >= s.End })
		if hi > lo {
			k := b.take(hi-lo, SnapMaxPages)
			e.COWOmitted = hi - lo - k
			for _, pg := range cow[lo : lo+k] {
				e.COWPages = append(e.COWPages, mem.Hex(pg))
			}
		}
		out.Segments = append(out.Segments, e)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// mappingWords lists the non-zero words of a shm or file mapping.
func (b *snapper) mappingWords(s *mem.Segment, e *SnapSegment) {
	var addrs []uint64
	for i, w := range s.Words {
		if w != (mem.Value{}) {
			addrs = append(addrs, s.AddrOf(i))
		}
	}
	for a, w := range s.Odd {
		if w != (mem.Value{}) {
			addrs = append(addrs, a)
		}
	}
	slices.Sort(addrs)
	n := b.take(len(addrs), SnapMaxWords)
	e.WordsOmitted = len(addrs) - n
	for _, a := range addrs[:n] {
		e.Words = append(e.Words, SnapWord{Off: a - s.Start, Addr: mem.Hex(a), Value: b.value(s.Get(a))})
	}
}

// heap lists p's heap as show heap does, each block with its fields.
func (b *snapper) heap(sp *snapProc) *SnapHeap {
	m, p := b.m, sp.p
	hp := p.Heap
	cfg := m.cfg
	out := &SnapHeap{Base: mem.Hex(hp.Base()), Top: mem.Hex(hp.Top()), Size: hp.Size(), InUse: hp.InUse(),
		Policy: cfg.HeapPolicy.String(), Align: cfg.HeapAlign, Header: cfg.HeapHeader, Coalesce: cfg.HeapCoalesce,
		Blocks: []SnapBlock{}, Free: []SnapChunk{}}
	live := hp.Live()
	reach := m.lang.Reachable(p)
	hs := p.Space.HeapSeg
	n := b.take(len(live), SnapMaxBlocks)
	out.BlocksOmitted = len(live) - n
	for _, blk := range live[:n] {
		e := SnapBlock{ID: blockID(p.PID, blk.Addr), Addr: mem.Hex(blk.Addr), Start: mem.Hex(blk.Start), End: mem.Hex(blk.End),
			Size: blk.Size, Site: m.lang.AllocSite(p, blk.ID), Leaked: !reach[blk.ID], Fields: []SnapField{}}
		sp.blocks[blk.Addr] = true
		kind, fields, total := m.lang.BlockFields(p, blk, SnapMaxFields)
		e.Kind = kind
		k := b.take(len(fields), SnapMaxFields)
		e.FieldsOmitted = total - k
		if e.FieldsOmitted > 0 {
			b.s.Cut = true
		}
		for _, f := range fields[:k] {
			e.Fields = append(e.Fields, SnapField{Name: f.Name, Addr: mem.Hex(f.Addr), Value: b.value(hs.Get(f.Addr))})
		}
		out.Blocks = append(out.Blocks, e)
	}
	free := hp.FreeList()
	for _, c := range free {
		out.FreeBytes += c.Size
		out.LargestFree = max(out.LargestFree, c.Size)
	}
	if out.FreeBytes > 0 {
		out.Fragmentation = int(100 - out.LargestFree*100/out.FreeBytes)
	}
	n = b.take(len(free), SnapMaxFree)
	out.FreeOmitted = len(free) - n
	for _, c := range free[:n] {
		out.Free = append(out.Free, SnapChunk{Start: mem.Hex(c.Start), Size: c.Size})
	}
	return out
}

// thread lists t: its state, where it is, and its frames as show stack
// shows them.
func (b *snapper) thread(t *Thread, out *SnapThread) {
	m := b.m
	*out = SnapThread{ID: fmt.Sprintf("t%d", t.TID), TID: t.TID, PID: t.Proc.PID, Name: t.Name, State: t.Status(),
		WaitingFor: t.waitingFor, Line: m.lang.Line(t), Where: m.lang.Where(t), Frames: []SnapFrame{}}
	if m.multi && t.ranOn > 0 {
		cpu := t.ranOn - 1
		out.CPU = &cpu
	}
	b.waits[&t.ended] = out.ID
	if t.Stack == nil {
		return
	}
	w := t.Stack
	out.Stack = &SnapStack{Start: mem.Hex(w.Start), End: mem.Hex(w.End), SP: mem.Hex(w.SP)}
	var sp *snapProc
	for _, x := range b.procs {
		if x.p == t.Proc {
			sp = x
		}
	}
	frames := m.lang.Frames(t)
	n := b.take(len(frames), SnapMaxFrames)
	out.FramesOmitted = len(frames) - n
	for _, fr := range frames[:n] {
		f := SnapFrame{Func: fr.Func, Line: fr.Line, FP: mem.Hex(fr.FP), SavedFP: m.lang.Format(w.Get(fr.FP)),
			Ret: mem.Hex(fr.Ret), RetNote: retNote(fr.Ret, m.lang), Slots: []SnapSlot{}}
		k := b.take(len(fr.Slots), SnapMaxSlots)
		f.SlotsOmitted = len(fr.Slots) - k
		for _, s := range fr.Slots[:k] {
			if sp != nil {
				sp.vars[s.Addr] = true
			}
			f.Slots = append(f.Slots, SnapSlot{ID: varID(t.Proc.PID, s.Addr), Name: s.Name, Addr: mem.Hex(s.Addr), Value: b.value(w.Get(s.Addr))})
		}
		out.Frames = append(out.Frames, f)
	}
}

// waiters lists the threads blocked on q, at most SnapMaxItems.
func (b *snapper) waiters(q *WaitQueue, id string) []int {
	b.waits[q] = id
	out := []int{}
	for _, t := range q.waiters {
		if len(out) == SnapMaxItems {
			b.s.Cut = true
			break
		}
		if t.State == ThreadBlocked && t.queue == q {
			out = append(out, t.TID)
		}
	}
	return out
}

// kernel lists the kernel's objects: those the living processes hold by
// descriptor or handle, and those their hosts keep by name.
func (b *snapper) kernel() {
	k := &b.s.Kernel
	*k = SnapKernel{Pipes: []SnapPipe{}, Queues: []SnapQueue{}, Mutexes: []SnapMutex{}, Semaphores: []SnapSem{},
		Conds: []SnapCond{}, Sockets: []SnapSocket{}, Listeners: []SnapListener{}, Shm: []SnapShared{}, Files: []SnapShared{}}
	living := b.m.Living()
	h := b.descriptors(living)
	b.pipes(h)
	b.queues(h)
	b.syncObjects(living)
	b.sockets(h)
	b.shared(living)
}

// holders is what the descriptors of the living processes hold, in the
// order first met (by pid, then descriptor), and which descriptors hold
// each object.
type holders struct {
	pipes     []*Pipe
	pipeEnds  map[*Pipe]*[2][]SnapEnd // read ends, write ends
	socks     []*Socket
	sockHeld  map[*Socket][]SnapEnd
	listeners []*Listener
	lisHeld   map[*Listener][]SnapEnd
	mqHeld    map[*MQueue][]SnapEnd
}

// addSock notes a socket, held or not.
func (h *holders) addSock(s *Socket) {
	if s == nil {
		return
	}
	if _, ok := h.sockHeld[s]; !ok {
		h.sockHeld[s] = nil
		h.socks = append(h.socks, s)
	}
}

// descriptors collects what the descriptors of the living processes hold.
func (b *snapper) descriptors(living []*Process) *holders {
	h := &holders{pipeEnds: map[*Pipe]*[2][]SnapEnd{}, sockHeld: map[*Socket][]SnapEnd{},
		lisHeld: map[*Listener][]SnapEnd{}, mqHeld: map[*MQueue][]SnapEnd{}}
	for _, p := range living {
		for fd, f := range p.fds {
			if f == nil {
				continue
			}
			end := SnapEnd{PID: p.PID, FD: fd}
			switch f.Kind {
			case FDPipeRead, FDPipeWrite:
				e, ok := h.pipeEnds[f.Pipe]
				if !ok {
					e = &[2][]SnapEnd{}
					h.pipeEnds[f.Pipe] = e
					h.pipes = append(h.pipes, f.Pipe)
				}
				i := 0
				if f.Kind == FDPipeWrite {
					i = 1
				}
				e[i] = append(e[i], end)
			case FDSocket:
				h.addSock(f.Sock)
				h.sockHeld[f.Sock] = append(h.sockHeld[f.Sock], end)
			case FDListener:
				if _, ok := h.lisHeld[f.Listener]; !ok {
					h.listeners = append(h.listeners, f.Listener)
				}
				h.lisHeld[f.Listener] = append(h.lisHeld[f.Listener], end)
			case FDMQueue:
				h.mqHeld[f.MQ] = append(h.mqHeld[f.MQ], end)
			}
		}
	}
	return h
}

// ends bounds a list of descriptors at SnapMaxItems.
func (b *snapper) ends(ends []SnapEnd) []SnapEnd {
	if len(ends) > SnapMaxItems {
		b.s.Cut = true
		ends = ends[:SnapMaxItems]
	}
	if ends == nil {
		ends = []SnapEnd{}
	}
	return ends
}

// pipes lists the pipes, by id.
func (b *snapper) pipes(h *holders) {
	k := &b.s.Kernel
	sort.Slice(h.pipes, func(i, j int) bool { return h.pipes[i].ID < h.pipes[j].ID })
	n := b.take(len(h.pipes), SnapMaxObjects)
	k.Omitted += len(h.pipes) - n
	for _, pp := range h.pipes[:n] {
		id := pipeID(pp)
		e := h.pipeEnds[pp]
		k.Pipes = append(k.Pipes, SnapPipe{ID: id, Bytes: len(pp.buf), Capacity: pp.capacity,
			Data: b.m.lang.Quote(mem.StrValue(string(pp.buf))), Readers: b.ends(e[0]), Writers: b.ends(e[1]),
			ReadWaiters: b.waiters(&pp.notEmpty, id), WriteWaiters: b.waiters(&pp.notFull, id)})
	}
}

// queues lists the message queues of every host, by host and name.
func (b *snapper) queues(h *holders) {
	k := &b.s.Kernel
	var queues []*MQueue
	for _, host := range b.m.Hosts() {
		for _, name := range sortedKeys(host.MQueues) {
			queues = append(queues, host.MQueues[name])
		}
	}
	n := b.take(len(queues), SnapMaxObjects)
	k.Omitted += len(queues) - n
	for _, q := range queues[:n] {
		id := mqID(q)
		e := SnapQueue{ID: id, Name: q.Name, Host: q.Host, Capacity: q.capacity, Messages: []SnapMessage{},
			RecvWaiters: b.waiters(&q.notEmpty, id), SendWaiters: b.waiters(&q.notFull, id)}
		held := h.mqHeld[q]
		e.OpenedBy = b.ends(held)
		e.OpenedByOmitted = len(held) - len(e.OpenedBy)
		c := b.take(len(q.msgs), SnapMaxItems)
		e.MessagesOmitted = len(q.msgs) - c
		for _, msg := range q.msgs[:c] {
			e.Messages = append(e.Messages, SnapMessage{Value: b.value(msg.Val), Prio: msg.Prio, From: msg.Sender})
		}
		k.Queues = append(k.Queues, e)
	}
}

// syncObjects lists the mutexes, semaphores and condition variables: a
// process's own by process and id, a named semaphore once, as its
// host's.
func (b *snapper) syncObjects(living []*Process) {
	k := &b.s.Kernel
	type procSync struct {
		p *Process
		o *SyncObject
	}
	var mus, conds, anon []procSync
	openers := map[*Sem][]int{}
	for _, p := range living {
		ids := make([]int, 0, len(p.syncObjs))
		for id := range p.syncObjs {
			ids = append(ids, id)
		}
		sort.Ints(ids)
		for _, id := range ids {
			ps := procSync{p, p.syncObjs[id]}
			switch o := ps.o; {
			case o.Mutex != nil:
				mus = append(mus, ps)
			case o.Cond != nil:
				conds = append(conds, ps)
			case o.Sem != nil && o.Sem.Name == "":
				anon = append(anon, ps)
			case o.Sem != nil:
				if len(openers[o.Sem]) < SnapMaxItems {
					openers[o.Sem] = append(openers[o.Sem], p.PID)
				}
			}
		}
	}
	n := b.take(len(mus), SnapMaxObjects)
	k.Omitted += len(mus) - n
	for _, ps := range mus[:n] {
		mu := ps.o.Mutex
		id := fmt.Sprintf("p%d:mutex:%d", ps.p.PID, mu.ID)
		b.syncIDs[ps.o] = id
		owner := 0
		if mu.owner != nil {
			owner = mu.owner.TID
		}
		k.Mutexes = append(k.Mutexes, SnapMutex{ID: id, PID: ps.p.PID, Handle: fmt.Sprintf("%s#%d", HandleMutex, mu.ID),
			Owner: owner, LostHolder: mu.lostHolder, Waiters: b.waiters(&mu.waiters, id)})
	}
	// Named semaphores first, by host and name; then anonymous ones.
	type namedSem struct {
		host string
		s    *Sem
	}
	var named []namedSem
	for _, h := range b.m.Hosts() {
		for _, name := range sortedKeys(h.Sems) {
			named = append(named, namedSem{h.Name, h.Sems[name]})
		}
	}
	n = b.take(len(named), SnapMaxObjects)
	k.Omitted += len(named) - n
	for _, ns := range named[:n] {
		s := ns.s
		id := "sem:" + ns.host + ":" + s.Name
		b.syncIDs[s] = id
		k.Semaphores = append(k.Semaphores, SnapSem{ID: id, Name: s.Name, Host: ns.host, Handle: fmt.Sprintf("%s#%d", HandleSem, s.ID),
			Count: s.count, Waiters: b.waiters(&s.waiters, id), OpenedBy: openers[s]})
	}
	n = b.take(len(anon), SnapMaxObjects)
	k.Omitted += len(anon) - n
	for _, ps := range anon[:n] {
		s := ps.o.Sem
		id := fmt.Sprintf("p%d:sem:%d", ps.p.PID, s.ID)
		b.syncIDs[s] = id
		k.Semaphores = append(k.Semaphores, SnapSem{ID: id, PID: ps.p.PID, Handle: fmt.Sprintf("%s#%d", HandleSem, s.ID),
			Count: s.count, Waiters: b.waiters(&s.waiters, id)})
	}
	n = b.take(len(conds), SnapMaxObjects)
	k.Omitted += len(conds) - n
	for _, ps := range conds[:n] {
		c := ps.o.Cond
		id := fmt.Sprintf("p%d:cond:%d", ps.p.PID, c.ID)
		b.syncIDs[ps.o] = id
		k.Conds = append(k.Conds, SnapCond{ID: id, PID: ps.p.PID, Handle: fmt.Sprintf("%s#%d", HandleCond, c.ID), Waiters: b.waiters(&c.waiters, id)})
	}
}

// sockets lists the sockets (those held, those waiting on a listener to
// be accepted, and the other end of each), by id, then the listeners, by
// host and port.
func (b *snapper) sockets(h *holders) {
	k := &b.s.Kernel
	clock := b.m.clock
	sort.Slice(h.listeners, func(i, j int) bool {
		if h.listeners[i].Host != h.listeners[j].Host {
			return h.listeners[i].Host < h.listeners[j].Host
		}
		return h.listeners[i].port < h.listeners[j].port
	})
	for _, l := range h.listeners {
		for _, s := range l.queue {
			h.addSock(s)
		}
	}
	for i := 0; i < len(h.socks); i++ {
		h.addSock(h.socks[i].peer)
	}
	socks := h.socks
	sort.Slice(socks, func(i, j int) bool { return socks[i].ID < socks[j].ID })
	n := b.take(len(socks), SnapMaxObjects)
	k.Omitted += len(socks) - n
	for _, s := range socks[:n] {
		id := socketID(s)
		e := SnapSocket{ID: id, Host: s.Host, Port: s.port, Closed: s.closed, HeldBy: b.ends(h.sockHeld[s]),
			EOF: len(s.in) == 0 && s.eofAt >= 0 && s.eofAt <= clock, Waiters: b.waiters(&s.readers, id)}
		if s.peer != nil {
			e.Peer, e.PeerHost = socketID(s.peer), s.peer.Host
		}
		for _, seg := range s.in {
			if seg.at <= clock {
				e.Bytes += len(seg.data)
			} else {
				e.InFlight += len(seg.data)
			}
		}
		k.Sockets = append(k.Sockets, e)
	}
	n = b.take(len(h.listeners), SnapMaxObjects)
	k.Omitted += len(h.listeners) - n
	for _, l := range h.listeners[:n] {
		id := listenerID(l)
		e := SnapListener{ID: id, Host: l.Host, Port: l.port, Pending: []string{}, Waiters: b.waiters(&l.pending, id), HeldBy: b.ends(h.lisHeld[l])}
		for _, s := range l.queue {
			if len(e.Pending) == SnapMaxItems {
				b.s.Cut = true
				break
			}
			e.Pending = append(e.Pending, socketID(s))
		}
		k.Listeners = append(k.Listeners, e)
	}
}

// shared lists the shared memory segments and the files of every host,
// by host and name, with the processes that map them shared.
func (b *snapper) shared(living []*Process) {
	k := &b.s.Kernel
	mappedBy := map[*mem.Shared][]int{}
	for _, p := range living {
		if p.State != ProcRunning {
			continue
		}
		for _, s := range p.Space.Segments() {
			if pids := mappedBy[s.Shared]; s.Shared != nil && len(pids) < SnapMaxItems && !slices.Contains(pids, p.PID) {
				mappedBy[s.Shared] = append(pids, p.PID)
			}
		}
	}
	list := func(kind string, h *Host, objs map[string]*SharedObject) []SnapShared {
		var out []SnapShared
		names := sortedKeys(objs)
		n := b.take(len(names), SnapMaxObjects)
		k.Omitted += len(names) - n
		for _, name := range names[:n] {
			o := objs[name]
			out = append(out, SnapShared{ID: kind + ":" + h.Name + ":" + name, Host: h.Name, Name: name, Size: o.Size,
				Mappings: o.maps, MappedBy: append([]int{}, mappedBy[o.Shared]...)})
		}
		return out
	}
	for _, h := range b.m.Hosts() {
		k.Shm = append(k.Shm, list("shm", h, h.Shm)...)
		k.Files = append(k.Files, list("file", h, h.Files)...)
	}
}

// resolveAll writes every value's text, and where a pointer points in
// its process or a handle's object, now that every id is known.
func (b *snapper) resolveAll() {
	byPID := map[int]*snapProc{}
	for _, sp := range b.procs {
		byPID[sp.p.PID] = sp
		out := sp.out
		for i := range out.Globals {
			b.resolve(sp, &out.Globals[i].Value)
		}
		for i := range out.Segments {
			for j := range out.Segments[i].Words {
				b.resolve(sp, &out.Segments[i].Words[j].Value)
			}
		}
		if out.Heap != nil {
			for i := range out.Heap.Blocks {
				for j := range out.Heap.Blocks[i].Fields {
					b.resolve(sp, &out.Heap.Blocks[i].Fields[j].Value)
				}
			}
		}
	}
	for i := range b.s.Threads {
		t := &b.s.Threads[i]
		sp := byPID[t.PID]
		for j := range t.Frames {
			for k := range t.Frames[j].Slots {
				b.resolve(sp, &t.Frames[j].Slots[k].Value)
			}
		}
		if th := b.m.Thread(t.TID); th != nil && th.State == ThreadBlocked && th.queue != nil {
			t.WaitsOn = b.waits[th.queue]
		}
	}
	for i := range b.s.Kernel.Queues {
		for j := range b.s.Kernel.Queues[i].Messages {
			b.resolve(nil, &b.s.Kernel.Queues[i].Messages[j].Value)
		}
	}
}

// resolve fills v from its raw value as seen by process sp (nil: by none).
func (b *snapper) resolve(sp *snapProc, v *SnapValue) {
	raw := v.raw
	v.K, v.V = kindName(raw.K), b.m.lang.Quote(raw)
	switch raw.K {
	case mem.Ptr:
		a := uint64(raw.N)
		v.Ptr = mem.Hex(a)
		if sp == nil {
			return
		}
		if to := b.target(sp, a); to != "" {
			v.To = to
		} else {
			v.Dangling = true
		}
	case mem.Handle:
		if sp == nil {
			return
		}
		if o, ok := sp.p.syncObjs[int(raw.N)]; ok {
			var key any = o
			if o.Sem != nil {
				key = o.Sem
			}
			v.Obj = b.syncIDs[key]
		}
	}
}

// target returns the id of what address a points into in sp's process,
// for a load through it: the heap block whose bytes hold it, the global
// or frame slot whose word holds it, else the segment; "" when a load
// would fault (dangling).
func (b *snapper) target(sp *snapProc, a uint64) string {
	p := sp.p
	segs := p.Space.Segments()
	i := sort.Search(len(segs), func(i int) bool { return segs[i].End > a })
	if i == len(segs) || a < segs[i].Start {
		return ""
	}
	s := segs[i]
	switch s.Kind {
	case mem.SegGuard:
		return ""
	case mem.SegHeap:
		blk, st := p.Heap.Find(a)
		if st != mem.AddrLive {
			return ""
		}
		if sp.blocks[blk.Addr] {
			return blockID(p.PID, blk.Addr)
		}
	case mem.SegStack:
		if a < s.SP {
			return ""
		}
		if sp.vars[a&^7] {
			return varID(p.PID, a&^7)
		}
	case mem.SegData, mem.SegBss:
		if sp.vars[a&^7] {
			return varID(p.PID, a&^7)
		}
	}
	if s.Perm&mem.PermR == 0 {
		return ""
	}
	return segID(p, s)
}
