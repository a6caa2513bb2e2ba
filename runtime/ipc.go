package runtime

import (
	"fmt"
	"sort"
	"strings"

	"proc/runtime/mem"
)

// FDKind says what a file descriptor refers to.
type FDKind uint8

// Kinds of file descriptors.
const (
	FDStd FDKind = iota // 0, 1, 2
	FDPipeRead
	FDPipeWrite
	FDMQueue
	FDListener
	FDSocket
)

// File is an open file description; descriptors in several processes (after
// spawn or fork) share one.
type File struct {
	Kind     FDKind
	Pipe     *Pipe
	MQ       *MQueue
	Listener *Listener
	Sock     *Socket
	refs     int
	// fwd is its copy while Clone copies the machine.
	fwd    *File
	fwdGen uint64
}

// FDTable maps descriptor numbers to open files: the file of descriptor
// n at index n, nil where n is not open. A process takes the lowest free
// number (newFD), so the table is dense, and ranging over it visits the
// descriptors in order.
type FDTable []*File

// Get returns the file of descriptor n, if n is open.
func (t FDTable) Get(n int) (*File, bool) {
	if n < 0 || n >= len(t) || t[n] == nil {
		return nil, false
	}
	return t[n], true
}

// Len returns how many descriptors are open.
func (t FDTable) Len() int {
	k := 0
	for _, f := range t {
		if f != nil {
			k++
		}
	}
	return k
}

// set opens descriptor n on f.
func (t *FDTable) set(n int, f *File) {
	for len(*t) <= n {
		*t = append(*t, nil)
	}
	(*t)[n] = f
}

// del closes descriptor n, and drops the closed ones at the table's end.
func (t *FDTable) del(n int) {
	if n < 0 || n >= len(*t) {
		return
	}
	(*t)[n] = nil
	k := len(*t)
	for k > 0 && (*t)[k-1] == nil {
		k--
	}
	*t = (*t)[:k]
}

// Describe names what a descriptor refers to.
func (f *File) Describe() string {
	switch f.Kind {
	case FDPipeRead:
		return fmt.Sprintf("read end of pipe %d", f.Pipe.ID)
	case FDPipeWrite:
		return fmt.Sprintf("write end of pipe %d", f.Pipe.ID)
	case FDMQueue:
		return "mqueue /" + f.MQ.Name
	case FDListener:
		return fmt.Sprintf("socket listening on port %d", f.Listener.port)
	case FDSocket:
		return fmt.Sprintf("socket %s", f.Sock.Describe())
	}
	return "terminal"
}

// initFDs gives a new process its standard descriptors.
func initFDs() FDTable {
	std := &File{Kind: FDStd, refs: 3}
	return FDTable{std, std, std}
}

// inheritFDs copies a parent's descriptor table (spawn and fork): both
// processes then share the open files.
func (m *Machine) inheritFDs(parent *Process) FDTable {
	t := make(FDTable, len(parent.fds))
	for n, f := range parent.fds {
		if f == nil {
			continue
		}
		f.refs++
		m.openEnd(f)
		t[n] = f
	}
	m.meter.Charge(ObjectCost * int64(t.Len()))
	return t
}

// openEnd counts one more descriptor on a pipe end.
func (m *Machine) openEnd(f *File) {
	switch f.Kind {
	case FDPipeRead:
		f.Pipe.readers++
	case FDPipeWrite:
		f.Pipe.writers++
	}
}

// MaxFDs is how many descriptors a process may hold, as RLIMIT_NOFILE's
// usual 1024 on Linux: past it, the calls that open one fail (EMFILE).
const MaxFDs = 1024

// FDRoom reports whether p may open n more descriptors.
func (p *Process) FDRoom(n int) bool { return p.fds.Len()+n <= MaxFDs }

// newFD installs f at the lowest free descriptor of p. The caller made
// sure a descriptor fits in memory (objectFits).
func (m *Machine) newFD(p *Process, f *File) int {
	m.meter.Charge(ObjectCost)
	for n := 0; ; n++ {
		if _, used := p.fds.Get(n); !used {
			p.fds.set(n, f)
			return n
		}
	}
}

// FD returns the open file behind descriptor n of p.
func (p *Process) FD(n int64) (*File, bool) {
	if n < 0 || n > 1<<20 {
		return nil, false
	}
	return p.fds.Get(int(n))
}

// file returns the open file behind descriptor fd of t's process, when it
// is of the kind a call takes: EBADF when fd is not open, EINVAL when it
// is of another kind.
func file(t *Thread, fd int64, kind FDKind) (*File, Errno) {
	f, ok := t.Proc.FD(fd)
	if !ok {
		return nil, EBADF
	}
	if f.Kind != kind {
		return f, EINVAL
	}
	return f, OK
}

// Close closes descriptor fd of t's process, as close(2). It returns the
// file the descriptor was (what it is: File.Describe), or EBADF when fd
// is not open. The last descriptor of a pipe's end wakes the other end:
// readers see end of file, writers a broken pipe; a socket's last one
// closes the connection.
func (m *Machine) Close(t *Thread, fd int64) (*File, Errno) {
	f, ok := t.Proc.FD(fd)
	if !ok {
		return nil, EBADF
	}
	m.closeFD(t.Proc, int(fd))
	return f, OK
}

// closeFD closes descriptor n of p. It reports false when n is not open.
func (m *Machine) closeFD(p *Process, n int) bool {
	f, ok := p.fds.Get(n)
	if !ok {
		return false
	}
	p.fds.del(n)
	m.meter.Release(ObjectCost)
	f.refs--
	switch f.Kind {
	case FDPipeRead:
		f.Pipe.readers--
		if f.Pipe.readers == 0 {
			m.wakeAll(&f.Pipe.notFull) // writers now get SIGPIPE
		}
	case FDPipeWrite:
		f.Pipe.writers--
		if f.Pipe.writers == 0 {
			m.wakeAll(&f.Pipe.notEmpty) // readers now see end of file
		}
	case FDSocket:
		if f.refs == 0 {
			m.closeSocket(f.Sock)
		}
	case FDListener:
		if f.refs == 0 {
			delete(m.host(f.Listener.Host).listeners, f.Listener.port)
			m.wakeAll(&f.Listener.pending)
		}
	}
	return true
}

// closeAll closes every descriptor of p (at exit).
func (m *Machine) closeAll(p *Process) {
	// In descriptor order: closing may wake threads, and the order they
	// become ready in is the order they run in. (Closing the last one
	// shortens the table.)
	for n := 0; n < len(p.fds); n++ {
		m.closeFD(p, n)
	}
}

// copyCost is what moving n bytes through the kernel costs: cost_copy
// ticks per 64 bytes, at least one unit per operation.
func (m *Machine) copyCost(n int) int64 {
	units := int64((n + 63) / 64)
	if units < 1 {
		units = 1
	}
	return units * m.cfg.CostCopy
}

// Pipe is a byte stream of pipe_cap bytes between descriptors.
type Pipe struct {
	ID       int
	buf      []byte
	capacity int
	readers  int // open read descriptors
	writers  int // open write descriptors
	notEmpty WaitQueue
	notFull  WaitQueue
}

// NewPipe makes a pipe in t's process, as pipe(2), and returns its read
// and write descriptors. It fails with EMFILE when the process has no room
// for two more descriptors, ENOMEM when the machine's memory has none for
// the pipe.
func (m *Machine) NewPipe(t *Thread) (r, w int, err Errno) {
	if !t.Proc.FDRoom(2) {
		return 0, 0, EMFILE
	}
	if !m.objectFits(3) {
		return 0, 0, ENOMEM
	}
	r, w = m.newPipe(t.Proc)
	return r, w, OK
}

// newPipe creates a pipe and returns its read and write descriptors in p.
func (m *Machine) newPipe(p *Process) (int, int) {
	m.pipes++
	pp := &Pipe{ID: m.pipes, capacity: int(m.cfg.PipeCap)}
	r := m.newFD(p, &File{Kind: FDPipeRead, Pipe: pp, refs: 1})
	w := m.newFD(p, &File{Kind: FDPipeWrite, Pipe: pp, refs: 1})
	pp.readers, pp.writers = 1, 1
	return r, w
}

// holderNames lists the processes (and descriptor numbers) that hold an end
// of the pipe, for the deadlock report: "write end open in process 1 (fd
// 4)" is how a forgotten close shows itself.
func (m *Machine) holderNames(pp *Pipe, kind FDKind) []string {
	var out []string
	for _, p := range m.procs {
		if p.State != ProcRunning {
			continue
		}
		for n, f := range p.fds {
			if f != nil && f.Kind == kind && f.Pipe == pp {
				out = append(out, fmt.Sprintf("process %d (fd %d)", p.PID, n))
			}
		}
	}
	return out
}

// holderThreads lists the live threads of the processes holding an end.
func (m *Machine) holderThreads(pp *Pipe, kind FDKind) []*Thread {
	var out []*Thread
	for _, p := range m.procs {
		if p.State != ProcRunning {
			continue
		}
		for _, f := range p.fds {
			if f != nil && f.Kind == kind && f.Pipe == pp {
				for _, t := range p.Threads {
					if t.State != ThreadDone {
						out = append(out, t)
					}
				}
				break
			}
		}
	}
	return out
}

// blockOnPipe parks t in its call until the pipe has data (read) or room
// (write).
func (m *Machine) blockOnPipe(t *Thread, fd int64, pp *Pipe, read bool) {
	if read {
		m.parkCall(t, fmt.Sprintf("recv(%d): pipe %d is empty and its write end is open", fd, pp.ID), &pp.notEmpty,
			Holders{kind: holdersPipe, pipe: pp, end: FDPipeWrite})
		t.detail = &blockDetail{pipe: pp}
		return
	}
	m.parkCall(t, fmt.Sprintf("send(%d): pipe %d is full (%d bytes)", fd, pp.ID, pp.capacity), &pp.notFull,
		Holders{kind: holdersPipe, pipe: pp, end: FDPipeRead})
}

// MQueue is a named message queue of a host: messages keep their
// boundaries; higher priority first, FIFO within a priority.
type MQueue struct {
	Name     string
	Host     string
	capacity int
	msgs     []Message
	notEmpty WaitQueue
	notFull  WaitQueue
	seq      int64
	meter    *mem.Meter
}

// msgCost is what a queued message counts in memory.
func msgCost(msg Message) int64 { return MessageCost + int64(len(msg.Val.S)) }

// Message is one message of a queue.
type Message struct {
	Val  mem.Value
	Prio int64
	seq  int64
	// Sender is the pid that sent it (for the trace).
	Sender int
}

// OpenMQueue opens the named queue of t's host, as mq_open(3), creating it
// with room for capacity messages (mqueue_cap when 0), and returns a
// descriptor for it. It fails with ENOMEM or EMFILE (see Room).
func (m *Machine) OpenMQueue(t *Thread, name string, capacity int64) (int, *MQueue, Errno) {
	if err := m.Room(t, 2, 1); err != OK {
		return 0, nil, err
	}
	fd, q := m.openMQueue(t.Proc, name, capacity)
	return fd, q, OK
}

// openMQueue opens or creates the named queue on p's host and returns a
// descriptor for it.
func (m *Machine) openMQueue(p *Process, name string, cap int64) (int, *MQueue) {
	h := m.host(p.Host)
	q, ok := h.MQueues[name]
	if !ok {
		if cap <= 0 {
			cap = m.cfg.MQCap
		}
		m.meter.Charge(ObjectCost) // the host keeps it
		q = &MQueue{Name: name, Host: p.Host, capacity: int(cap), meter: m.meter}
		h.MQueues[name] = q
	}
	return m.newFD(p, &File{Kind: FDMQueue, MQ: q, refs: 1}), q
}

// push adds a message in priority order.
func (q *MQueue) push(msg Message) {
	q.meter.Charge(msgCost(msg))
	q.seq++
	msg.seq = q.seq
	i := sort.Search(len(q.msgs), func(i int) bool {
		return q.msgs[i].Prio < msg.Prio
	})
	q.msgs = append(q.msgs, Message{})
	copy(q.msgs[i+1:], q.msgs[i:])
	q.msgs[i] = msg
}

// pop removes the first message.
func (q *MQueue) pop() Message {
	msg := q.msgs[0]
	q.msgs = q.msgs[1:]
	q.meter.Release(msgCost(msg))
	return msg
}

// Listener is a socket listening on a port of a host.
type Listener struct {
	Host    string
	port    int64
	queue   []*Socket // connections waiting for accept (the server ends)
	pending WaitQueue
}

// Capacity returns how many messages the queue holds at most.
func (q *MQueue) Capacity() int { return q.capacity }

// Len returns how many messages wait in the queue.
func (q *MQueue) Len() int { return len(q.msgs) }

// Peer returns the other end of the connection.
func (s *Socket) Peer() *Socket { return s.peer }

// Socket is one end of a connection: a byte stream both ways; bytes sent
// arrive at the peer net_latency ticks later.
type Socket struct {
	ID      int
	Host    string
	peer    *Socket
	in      []segment // bytes in flight or arrived, in order
	closed  bool      // this end was closed
	eofAt   int64     // tick the peer's close arrives (-1: not closed)
	readers WaitQueue
	port    int64
}

// segment is bytes that arrive at a tick.
type segment struct {
	at   int64
	data string
}

// Describe names the connection.
func (s *Socket) Describe() string {
	peer := "?"
	if s.peer != nil {
		peer = s.peer.Host
	}
	return fmt.Sprintf("%d (%s <-> %s, port %d)", s.ID, s.Host, peer, s.port)
}

// Listen opens a listening socket on a port of t's host, as socket(2),
// bind(2) and listen(2) together, and returns its descriptor. It fails
// with EADDRINUSE when the port is taken, or ENOMEM or EMFILE (see Room).
func (m *Machine) Listen(t *Thread, port int64) (int, Errno) {
	if err := m.Room(t, 2, 1); err != OK {
		return 0, err
	}
	p := t.Proc
	h := m.host(p.Host)
	if _, taken := h.listeners[port]; taken {
		return 0, EADDRINUSE
	}
	l := &Listener{Host: p.Host, port: port}
	h.listeners[port] = l
	return m.newFD(p, &File{Kind: FDListener, Listener: l, refs: 1}), OK
}

// Connect connects t's process to a port of a host, as connect(2), and
// returns the descriptor of its end. The server's end waits on the
// listener until accepted. It fails with ECONNREFUSED when nobody listens
// there, or ENOMEM or EMFILE (see Room).
func (m *Machine) Connect(t *Thread, host string, port int64) (int, Errno) {
	if err := m.Room(t, 2, 1); err != OK {
		return 0, err
	}
	p := t.Proc
	h := m.host(host)
	l, ok := h.listeners[port]
	if !ok {
		return 0, ECONNREFUSED
	}
	m.sockets += 2
	c := &Socket{ID: m.sockets - 1, Host: p.Host, eofAt: -1, port: port}
	s := &Socket{ID: m.sockets, Host: host, eofAt: -1, port: port}
	c.peer, s.peer = s, c
	l.queue = append(l.queue, s)
	m.wakeAll(&l.pending)
	return m.newFD(p, &File{Kind: FDSocket, Sock: c, refs: 1}), OK
}

// AcceptResult is what an accept did.
type AcceptResult struct {
	// FD is the descriptor of the connection taken.
	FD int
	// File is the listening socket's descriptor's file, when it is open
	// (for the error of one that is not a listener: File.Describe).
	File *File
	// Blocked says no connection is waiting: the thread is parked until
	// one comes, and makes the call again then.
	Blocked bool
	// Resumed says the call had blocked and completes now.
	Resumed bool
	// Err is EBADF (fd is not open), EINVAL (it is not a listening
	// socket), ENOMEM or EMFILE (see Room).
	Err Errno
}

// Accept takes the first connection waiting on the listening socket fd
// of t's process, as accept(2), or parks t until one comes. call is the
// call as the trace shows it, for what a parked thread waits for.
func (m *Machine) Accept(t *Thread, fd int64, call func() string) AcceptResult {
	if err := m.Room(t, 2, 1); err != OK {
		return AcceptResult{Err: err, Resumed: t.endCall()}
	}
	f, err := file(t, fd, FDListener)
	if err != OK {
		return AcceptResult{File: f, Err: err, Resumed: t.endCall()}
	}
	l := f.Listener
	if len(l.queue) == 0 {
		m.parkCall(t, fmt.Sprintf("%s: no connection is waiting on port %d", call(), l.port), &l.pending, Holders{})
		return AcceptResult{File: f, Blocked: true}
	}
	s := l.queue[0]
	l.queue = l.queue[1:]
	return AcceptResult{FD: m.newFD(t.Proc, &File{Kind: FDSocket, Sock: s, refs: 1}), File: f, Resumed: t.endCall()}
}

// socketRecv returns the bytes that have arrived (at most max, 0 for
// all), whether any did or the end of file did, and whether the peer's
// close has arrived (end of file).
func (m *Machine) socketRecv(s *Socket, max int) (data string, got bool, eof bool) {
	var b strings.Builder
	for len(s.in) > 0 && s.in[0].at <= m.clock {
		seg := s.in[0]
		if max > 0 && b.Len()+len(seg.data) > max {
			take := max - b.Len()
			b.WriteString(seg.data[:take])
			s.in[0].data = seg.data[take:]
			m.meter.Release(int64(take))
			break
		}
		b.WriteString(seg.data)
		s.in = s.in[1:]
		m.meter.Release(MessageCost + int64(len(seg.data)))
		if max > 0 && b.Len() == max {
			break
		}
	}
	if b.Len() > 0 {
		return b.String(), true, false
	}
	if len(s.in) == 0 && s.eofAt >= 0 && s.eofAt <= m.clock {
		return "", true, true
	}
	return "", false, false
}

// closeSocket closes one end: the peer sees end of file once the bytes in
// flight have arrived.
func (m *Machine) closeSocket(s *Socket) {
	if s.closed {
		return
	}
	s.closed = true
	if p := s.peer; p != nil {
		at := m.clock + m.cfg.NetLatency
		if n := len(p.in); n > 0 && p.in[n-1].at > at {
			at = p.in[n-1].at
		}
		p.eofAt = at
		m.wakeQueueAt(&p.readers, at)
	}
}

// SendResult is what a send did.
type SendResult struct {
	// File is the descriptor's file, when it is open: its Kind says which
	// of the fields below tell what the send did.
	File *File
	// Taken is the bytes this try of a write to a pipe took; Total the
	// bytes of the data that the tries of the call took so far.
	Taken, Total int
	// Queued is the number of messages in a queue once the send is done.
	Queued int
	// Arrives is the tick the bytes sent on a socket arrive at the peer.
	Arrives int64
	// Cost is the ticks the copy through the kernel took: the clock has
	// moved by them.
	Cost int64
	// Blocked says the pipe or the queue is full: the thread is parked
	// until there is room, and makes the call again then (a pipe write
	// that took part of the data goes on with the rest).
	Blocked bool
	// Resumed says the call had blocked and completes now.
	Resumed bool
	// Err is EBADF (fd is not open), EINVAL (it is neither a pipe's
	// write end, nor a queue, nor a socket) or EPIPE (nobody can read
	// what it sends: the caller is to die of SIGPIPE).
	Err Errno
}

// Send sends to descriptor fd of t's process, as write(2), mq_send(3) or
// send(2): data to a pipe's write end or a socket, v itself with priority
// prio to a message queue (data is v's bytes, what the kernel copies).
// A pipe takes what it has room for, and the thread waits for room for
// the rest; a full queue makes it wait; a socket's bytes arrive at the
// peer net_latency ticks later. call is the call as the trace shows it,
// for what a parked thread waits for. What happened is written to *r
// (the caller's variable: a send is hot, and a result this size costs
// more returned than written in place).
func (m *Machine) Send(t *Thread, fd int64, data string, v mem.Value, prio int64, call func() string, r *SendResult) {
	f, ok := t.Proc.FD(fd)
	if !ok {
		*r = SendResult{Err: EBADF, Resumed: t.endCall()}
		return
	}
	*r = SendResult{File: f}
	switch f.Kind {
	case FDPipeWrite:
		pp := f.Pipe
		if pp.readers == 0 {
			r.Err = EPIPE
			t.endCall()
			return
		}
		rest := data[t.call.sent:]
		room := pp.capacity - len(pp.buf)
		if room == 0 {
			m.blockOnPipe(t, fd, pp, false)
			r.Blocked, r.Total = true, t.call.sent
			return
		}
		k := min(room, len(rest))
		pp.buf = append(pp.buf, rest[:k]...)
		m.meter.Charge(int64(k))
		t.call.sent += k
		r.Taken, r.Total = k, t.call.sent
		r.Cost = m.copyThrough(t, k)
		m.wakeAll(&pp.notEmpty)
		if k < len(rest) {
			// A partial write: the rest waits for room.
			m.blockOnPipe(t, fd, pp, false)
			r.Blocked = true
			return
		}
	case FDMQueue:
		q := f.MQ
		if len(q.msgs) >= q.capacity {
			m.parkCall(t, fmt.Sprintf("%s: mqueue /%s is full (%d messages)", call(), q.Name, q.capacity), &q.notFull, Holders{})
			r.Blocked = true
			return
		}
		q.push(Message{Val: v, Prio: prio, Sender: t.Proc.PID})
		r.Cost = m.copyThrough(t, len(data))
		m.wakeAll(&q.notEmpty)
		r.Queued = len(q.msgs)
	case FDSocket:
		s := f.Sock
		if s.peer == nil || s.peer.closed {
			r.Err = EPIPE
			t.endCall()
			return
		}
		r.Arrives = m.clock + m.cfg.NetLatency
		m.meter.Charge(MessageCost + int64(len(data)))
		s.peer.in = append(s.peer.in, segment{r.Arrives, data})
		m.wakeQueueAt(&s.peer.readers, r.Arrives)
		r.Cost = m.copyThrough(t, len(data))
	default:
		r.Err = EINVAL
	}
	r.Resumed = t.endCall()
	return
}

// RecvResult is what a recv did.
type RecvResult struct {
	// File is the descriptor's file, when it is open: its Kind says which
	// of the fields below tell what the recv did.
	File *File
	// Value is what was received: a queue's message, or the bytes of a
	// pipe or a socket as a string.
	Value mem.Value
	// Bytes is the bytes the kernel copied.
	Bytes int
	// Prio and Sender are a message's priority and the pid that sent it.
	Prio   int64
	Sender int
	// EOF says the end of file came: every write end of the pipe is
	// closed, or the peer's close has arrived on the socket.
	EOF bool
	// Cost is the ticks the copy through the kernel took: the clock has
	// moved by them.
	Cost int64
	// Blocked says nothing is there yet: the thread is parked until
	// something comes, and makes the call again then.
	Blocked bool
	// Resumed says the call had blocked and completes now.
	Resumed bool
	// Err is EBADF (fd is not open) or EINVAL (it is neither a pipe's
	// read end, nor a queue, nor a socket).
	Err Errno
}

// Recv receives from descriptor fd of t's process, as read(2),
// mq_receive(3) or recv(2): what a pipe holds or what has arrived on a
// socket (at most max bytes, all when max is 0), or a queue's first
// message. call is the call as the trace shows it, for what a parked
// thread waits for. What happened is written to *r, as for Send.
func (m *Machine) Recv(t *Thread, fd int64, max int, call func() string, r *RecvResult) {
	f, ok := t.Proc.FD(fd)
	if !ok {
		*r = RecvResult{Err: EBADF, Resumed: t.endCall()}
		return
	}
	*r = RecvResult{File: f}
	switch f.Kind {
	case FDPipeRead:
		pp := f.Pipe
		if len(pp.buf) == 0 {
			if pp.writers > 0 {
				m.blockOnPipe(t, fd, pp, true)
				r.Blocked = true
				return
			}
			r.Value, r.EOF = mem.StrValue(""), true
			r.Cost = m.copyThrough(t, 0)
			break
		}
		k := len(pp.buf)
		if max > 0 && max < k {
			k = max
		}
		data := string(pp.buf[:k])
		pp.buf = pp.buf[k:]
		m.meter.Release(int64(k))
		r.Value, r.Bytes = mem.StrValue(data), k
		r.Cost = m.copyThrough(t, k)
		m.wakeAll(&pp.notFull)
	case FDMQueue:
		q := f.MQ
		if len(q.msgs) == 0 {
			m.parkCall(t, fmt.Sprintf("%s: mqueue /%s is empty", call(), q.Name), &q.notEmpty, Holders{})
			r.Blocked = true
			return
		}
		msg := q.pop()
		// The bytes copied out are the message as the language writes
		// it, as they were on the way in.
		size := len(m.lang.Format(msg.Val))
		r.Value, r.Bytes, r.Prio, r.Sender = msg.Val, size, msg.Prio, msg.Sender
		r.Cost = m.copyThrough(t, size)
		m.wakeAll(&q.notFull)
	case FDSocket:
		s := f.Sock
		data, got, eof := m.socketRecv(s, max)
		if !got {
			m.parkCall(t, fmt.Sprintf("%s: nothing has arrived on socket %d", call(), s.ID), &s.readers, Holders{})
			r.Blocked = true
			return
		}
		r.Value, r.Bytes, r.EOF = mem.StrValue(data), len(data), eof
		r.Cost = m.copyThrough(t, len(data))
	default:
		r.Err = EINVAL
	}
	r.Resumed = t.endCall()
	return
}

// Shm maps the named shared memory segment of t's host into t's process,
// as shm_open(3) and mmap(2) together, creating it with size bytes, and
// returns its address there; a segment keeps the size it was created
// with. Every process that maps it sees the same words, with no copy. It
// fails with ENOMEM when the machine's memory has no room for it.
func (m *Machine) Shm(t *Thread, name string, size int64) (uint64, Errno) {
	if err := m.Room(t, 2, 0); err != OK {
		return 0, err
	}
	a := m.shm(t.Proc, name, size)
	if a == 0 {
		return 0, ENOMEM
	}
	return a, OK
}

// Mmap maps a file of t's host's virtual file system into t's process, as
// mmap(2), creating it zero-filled or growing it to size bytes, and
// returns its address there. A shared mapping sees the file's words as
// every other shared one does; a private one starts as a copy and copies
// each page on its first write. It fails with ENOMEM when the machine's
// memory has no room for the file or the copy.
func (m *Machine) Mmap(t *Thread, name string, size int64, shared bool) (uint64, Errno) {
	if err := m.Room(t, 2, 0); err != OK {
		return 0, err
	}
	a := m.mmap(t.Proc, name, size, shared)
	if a == 0 {
		return 0, ENOMEM
	}
	return a, OK
}
