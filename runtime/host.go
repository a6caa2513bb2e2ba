package runtime

import (
	"sort"

	"proc/runtime/mem"
)

// Host is one simulated computer of the network. Names of message queues,
// shared memory segments, named semaphores, files and ports are per host,
// so processes on different hosts can talk only over sockets.
type Host struct {
	Name      string
	MQueues   map[string]*MQueue
	Shm       map[string]*SharedObject
	Files     map[string]*SharedObject
	Sems      map[string]*Sem
	listeners map[int64]*Listener
}

// host returns the host with the given name, creating it.
func (m *Machine) host(name string) *Host {
	if m.hosts == nil {
		m.hosts = map[string]*Host{}
	}
	h, ok := m.hosts[name]
	if !ok {
		h = &Host{Name: name, MQueues: map[string]*MQueue{}, Shm: map[string]*SharedObject{},
			Files: map[string]*SharedObject{}, Sems: map[string]*Sem{}, listeners: map[int64]*Listener{}}
		m.hosts[name] = h
	}
	return h
}

// Hosts returns the hosts by name.
func (m *Machine) Hosts() []*Host {
	var out []*Host
	for _, h := range m.hosts {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// SharedObject is the memory behind a shared memory segment or a file of a
// host's virtual file system: words that every shared mapping shares.
type SharedObject struct {
	Name string
	Size uint64
	// Shared holds the words; its mappings point to it.
	*mem.Shared
	// maps counts the mappings of it that exist.
	maps int
	// frames are the physical pages that hold it, one for each page of
	// its size (at least one): every shared mapping maps these.
	frames []mem.Frame
}

// queueTimer wakes a queue's waiters at a tick (socket deliveries).
type queueTimer struct {
	at int64
	q  *WaitQueue
}

// wakeQueueAt wakes every thread waiting on q at tick t.
func (m *Machine) wakeQueueAt(q *WaitQueue, t int64) {
	m.clockUsed = true
	m.qtimers = append(m.qtimers, queueTimer{t, q})
}

// moveToHost puts a new process on another host. Descriptors do not cross
// hosts: it keeps only those that are the terminal, so it can reach the
// parent's host only over sockets. 0, 1 and 2 are not always the terminal:
// a pipe made after close 1 is descriptor 1.
func (m *Machine) moveToHost(p *Process, host string) {
	if host == p.Host {
		return
	}
	// In descriptor order: closing may wake threads, and the order they
	// become ready in is the order they run in.
	for n := 0; n < len(p.fds); n++ {
		if f := p.fds[n]; f != nil && f.Kind != FDStd {
			m.closeFD(p, n)
		}
	}
	p.Host = host
	m.host(host)
}
