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
}

// FDTable maps descriptor numbers to open files.
type FDTable map[int]*File

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
		return fmt.Sprintf("socket listening on port %d", f.Listener.Port)
	case FDSocket:
		return fmt.Sprintf("socket %s", f.Sock.Describe())
	}
	return "terminal"
}

// initFDs gives a new process its standard descriptors.
func initFDs() FDTable {
	std := &File{Kind: FDStd, refs: 3}
	return FDTable{0: std, 1: std, 2: std}
}

// inheritFDs copies a parent's descriptor table (spawn and fork): both
// processes then share the open files.
func (m *Machine) inheritFDs(parent *Process) FDTable {
	t := FDTable{}
	for n, f := range parent.FDs {
		f.refs++
		m.openEnd(f)
		t[n] = f
	}
	m.Mem.Charge(ObjectCost * int64(len(t)))
	return t
}

// openEnd counts one more descriptor on a pipe end.
func (m *Machine) openEnd(f *File) {
	switch f.Kind {
	case FDPipeRead:
		f.Pipe.Readers++
	case FDPipeWrite:
		f.Pipe.Writers++
	}
}

// MaxFDs is how many descriptors a process may hold, as RLIMIT_NOFILE's
// usual 1024 on Linux: past it, the calls that open one fail (EMFILE).
const MaxFDs = 1024

// FDRoom reports whether p may open n more descriptors.
func (p *Process) FDRoom(n int) bool { return len(p.FDs)+n <= MaxFDs }

// newFD installs f at the lowest free descriptor of p. The caller made
// sure a descriptor fits in memory (ObjectFits).
func (m *Machine) newFD(p *Process, f *File) int {
	m.Mem.Charge(ObjectCost)
	for n := 0; ; n++ {
		if _, used := p.FDs[n]; !used {
			p.FDs[n] = f
			return n
		}
	}
}

// FD returns the open file behind descriptor n of p.
func (p *Process) FD(n int64) (*File, bool) {
	if n < 0 || n > 1<<20 {
		return nil, false
	}
	f, ok := p.FDs[int(n)]
	return f, ok
}

// Close closes descriptor n of p. It reports false when n is not open.
func (m *Machine) Close(p *Process, n int) bool {
	f, ok := p.FDs[n]
	if !ok {
		return false
	}
	delete(p.FDs, n)
	m.Mem.Release(ObjectCost)
	f.refs--
	switch f.Kind {
	case FDPipeRead:
		f.Pipe.Readers--
		if f.Pipe.Readers == 0 {
			m.WakeAll(&f.Pipe.NotFull) // writers now get SIGPIPE
		}
	case FDPipeWrite:
		f.Pipe.Writers--
		if f.Pipe.Writers == 0 {
			m.WakeAll(&f.Pipe.NotEmpty) // readers now see end of file
		}
	case FDSocket:
		if f.refs == 0 {
			m.closeSocket(f.Sock)
		}
	case FDListener:
		if f.refs == 0 {
			delete(m.host(f.Listener.Host).Listeners, f.Listener.Port)
			m.WakeAll(&f.Listener.Pending)
		}
	}
	return true
}

// closeAll closes every descriptor of p (at exit).
func (m *Machine) closeAll(p *Process) {
	var ns []int
	for n := range p.FDs {
		ns = append(ns, n)
	}
	sort.Ints(ns)
	for _, n := range ns {
		m.Close(p, n)
	}
}

// CopyCost is what moving n bytes through the kernel costs: cost_copy
// ticks per 64 bytes, at least one unit per operation.
func (m *Machine) CopyCost(n int) int64 {
	units := int64((n + 63) / 64)
	if units < 1 {
		units = 1
	}
	return units * m.Cfg.CostCopy
}

// Pipe is a byte stream of pipe_cap bytes between descriptors.
type Pipe struct {
	ID       int
	Buf      []byte
	Cap      int
	Readers  int // open read descriptors
	Writers  int // open write descriptors
	NotEmpty WaitQueue
	NotFull  WaitQueue
}

// NewPipe creates a pipe and returns its read and write descriptors in p.
func (m *Machine) NewPipe(p *Process) (int, int) {
	m.pipes++
	pp := &Pipe{ID: m.pipes, Cap: int(m.Cfg.PipeCap)}
	r := m.newFD(p, &File{Kind: FDPipeRead, Pipe: pp, refs: 1})
	w := m.newFD(p, &File{Kind: FDPipeWrite, Pipe: pp, refs: 1})
	pp.Readers, pp.Writers = 1, 1
	return r, w
}

// Holders lists the processes (and descriptor numbers) that hold an end
// of the pipe, for the deadlock report: "write end open in process 1 (fd
// 4)" is how a forgotten close shows itself.
func (m *Machine) Holders(pp *Pipe, kind FDKind) []string {
	var out []string
	for _, p := range m.procs {
		if p.State != ProcRunning {
			continue
		}
		var fds []int
		for n, f := range p.FDs {
			if f.Kind == kind && f.Pipe == pp {
				fds = append(fds, n)
			}
		}
		sort.Ints(fds)
		for _, n := range fds {
			out = append(out, fmt.Sprintf("process %d (fd %d)", p.PID, n))
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
		for _, f := range p.FDs {
			if f.Kind == kind && f.Pipe == pp {
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

// BlockOnPipe parks t until the pipe has data (read) or room (write).
func (m *Machine) BlockOnPipe(t *Thread, fd int64, pp *Pipe, read bool) {
	if read {
		m.Block(t, fmt.Sprintf("recv(%d): pipe %d is empty and its write end is open", fd, pp.ID), &pp.NotEmpty,
			func() []*Thread { return m.holderThreads(pp, FDPipeWrite) })
		t.Detail = func() []string {
			return []string{"write end still open in: " + strings.Join(m.Holders(pp, FDPipeWrite), ", ")}
		}
		return
	}
	m.Block(t, fmt.Sprintf("send(%d): pipe %d is full (%d bytes)", fd, pp.ID, pp.Cap), &pp.NotFull,
		func() []*Thread { return m.holderThreads(pp, FDPipeRead) })
}

// MQueue is a named message queue of a host: messages keep their
// boundaries; higher priority first, FIFO within a priority.
type MQueue struct {
	Name     string
	Host     string
	Cap      int
	Msgs     []Message
	NotEmpty WaitQueue
	NotFull  WaitQueue
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

// OpenMQueue opens or creates the named queue on p's host and returns a
// descriptor for it.
func (m *Machine) OpenMQueue(p *Process, name string, cap int64) (int, *MQueue) {
	h := m.host(p.Host)
	q, ok := h.MQueues[name]
	if !ok {
		if cap <= 0 {
			cap = m.Cfg.MQCap
		}
		m.Mem.Charge(ObjectCost) // the host keeps it
		q = &MQueue{Name: name, Host: p.Host, Cap: int(cap), meter: m.Mem}
		h.MQueues[name] = q
	}
	return m.newFD(p, &File{Kind: FDMQueue, MQ: q, refs: 1}), q
}

// Push adds a message in priority order.
func (q *MQueue) Push(msg Message) {
	q.meter.Charge(msgCost(msg))
	q.seq++
	msg.seq = q.seq
	i := sort.Search(len(q.Msgs), func(i int) bool {
		return q.Msgs[i].Prio < msg.Prio
	})
	q.Msgs = append(q.Msgs, Message{})
	copy(q.Msgs[i+1:], q.Msgs[i:])
	q.Msgs[i] = msg
}

// Pop removes the first message.
func (q *MQueue) Pop() Message {
	msg := q.Msgs[0]
	q.Msgs = q.Msgs[1:]
	q.meter.Release(msgCost(msg))
	return msg
}

// Listener is a socket listening on a port of a host.
type Listener struct {
	Host    string
	Port    int64
	Queue   []*Socket // connections waiting for accept (the server ends)
	Pending WaitQueue
}

// Socket is one end of a connection: a byte stream both ways; bytes sent
// arrive at the peer net_latency ticks later.
type Socket struct {
	ID      int
	Host    string
	Peer    *Socket
	In      []segment // bytes in flight or arrived, in order
	Closed  bool      // this end was closed
	EOFAt   int64     // tick the peer's close arrives (-1: not closed)
	Readers WaitQueue
	Port    int64
}

// segment is bytes that arrive at a tick.
type segment struct {
	at   int64
	data string
}

// Describe names the connection.
func (s *Socket) Describe() string {
	peer := "?"
	if s.Peer != nil {
		peer = s.Peer.Host
	}
	return fmt.Sprintf("%d (%s <-> %s, port %d)", s.ID, s.Host, peer, s.Port)
}

// Listen opens a listener on a port of p's host. It returns -1 when the
// port is taken.
func (m *Machine) Listen(p *Process, port int64) int {
	h := m.host(p.Host)
	if _, taken := h.Listeners[port]; taken {
		return -1
	}
	l := &Listener{Host: p.Host, Port: port}
	h.Listeners[port] = l
	return m.newFD(p, &File{Kind: FDListener, Listener: l, refs: 1})
}

// Connect connects p to a port of a host; it returns -1 when nobody
// listens there. The server end waits on the listener until accepted.
func (m *Machine) Connect(p *Process, host string, port int64) int {
	h := m.host(host)
	l, ok := h.Listeners[port]
	if !ok {
		return -1
	}
	m.sockets += 2
	c := &Socket{ID: m.sockets - 1, Host: p.Host, EOFAt: -1, Port: port}
	s := &Socket{ID: m.sockets, Host: host, EOFAt: -1, Port: port}
	c.Peer, s.Peer = s, c
	l.Queue = append(l.Queue, s)
	m.WakeAll(&l.Pending)
	return m.newFD(p, &File{Kind: FDSocket, Sock: c, refs: 1})
}

// Accept takes the first waiting connection of a listener, or reports
// false when there is none.
func (m *Machine) Accept(p *Process, l *Listener) (int, bool) {
	if len(l.Queue) == 0 {
		return 0, false
	}
	s := l.Queue[0]
	l.Queue = l.Queue[1:]
	return m.newFD(p, &File{Kind: FDSocket, Sock: s, refs: 1}), true
}

// SocketSend puts bytes on the wire: the peer can read them net_latency
// ticks from now.
func (m *Machine) SocketSend(s *Socket, data string) {
	at := m.Clock + m.Cfg.NetLatency
	m.Mem.Charge(MessageCost + int64(len(data)))
	s.Peer.In = append(s.Peer.In, segment{at, data})
	m.WakeAt(&s.Peer.Readers, at)
}

// SocketReady returns the bytes that have arrived (at most max, 0 for
// all), whether more are in flight (and when the next arrives), and
// whether the peer's close has arrived (end of file).
func (m *Machine) SocketRecv(s *Socket, max int) (data string, got bool, eof bool) {
	var b strings.Builder
	for len(s.In) > 0 && s.In[0].at <= m.Clock {
		seg := s.In[0]
		if max > 0 && b.Len()+len(seg.data) > max {
			take := max - b.Len()
			b.WriteString(seg.data[:take])
			s.In[0].data = seg.data[take:]
			m.Mem.Release(int64(take))
			break
		}
		b.WriteString(seg.data)
		s.In = s.In[1:]
		m.Mem.Release(MessageCost + int64(len(seg.data)))
		if max > 0 && b.Len() == max {
			break
		}
	}
	if b.Len() > 0 {
		return b.String(), true, false
	}
	if len(s.In) == 0 && s.EOFAt >= 0 && s.EOFAt <= m.Clock {
		return "", true, true
	}
	return "", false, false
}

// closeSocket closes one end: the peer sees end of file once the bytes in
// flight have arrived.
func (m *Machine) closeSocket(s *Socket) {
	if s.Closed {
		return
	}
	s.Closed = true
	if p := s.Peer; p != nil {
		at := m.Clock + m.Cfg.NetLatency
		if n := len(p.In); n > 0 && p.In[n-1].at > at {
			at = p.In[n-1].at
		}
		p.EOFAt = at
		m.WakeAt(&p.Readers, at)
	}
}
