package runtime

import (
	"maps"
	"slices"
	"sort"
	"sync/atomic"

	"proc/runtime/mem"
)

// Clone returns a copy of the machine that runs on independently of it:
// every process, thread, segment, kernel object and count, with the same
// sharing among them (two processes that map one shared memory map one
// shared memory in the copy). The copy writes its events to sink, runs
// its threads' code with lang, and has no chooser; the caller gives the
// language's part of each process and thread (Process.Ctx, Thread.Ctx)
// through the Remap, which maps the original's objects to the copy's,
// and then calls its Finish.
//
// A machine can be copied where it is between two turns: where a chooser
// is asked which thread runs next (then the copy asks its own chooser
// again as it runs on, for the same choice), or before it first runs.
// It reports false, and makes no copy, when the machine holds something
// a copy is not made for: a trace with more than one sink, a watch, the
// REPL's foreground thread, a pause of RunUntil, several CPUs, working sets. explore copies machines to
// start each run where its parent state was, and replays from the start
// when Clone says no.
func (m *Machine) Clone(sink Sink, lang Lang) (*Machine, *Remap, bool) {
	return m.CloneInto(nil, sink, lang)
}

// cloneBlocks are the blocks a copy of a machine is made of, beyond the
// Machine itself: a copy keeps them, and a copy made into it (CloneInto)
// once it is no longer used takes them again.
type cloneBlocks struct {
	threads []Thread
	procs   []Process
	cpus    []CPU
	remap   *Remap
	mem     mem.Blocks
	objs    objSlabs
	// cowFns are the processes' hooks of copy on write (Space.OnCOW),
	// by index, with the process each was made for.
	cowFns []cowHook
}

// cowHook is a process's hook of copy on write (Machine.cowTracer).
type cowHook struct {
	p  *Process
	fn func(uint64)
}

// slab returns n entries of old when it has room for them, or else new
// ones with room for more; the entries past n are cleared.
func slab[T any](old []T, n int) []T {
	if cap(old) < n {
		return make([]T, n, n+n/2+2)
	}
	clear(old[n:cap(old)])
	return old[:n]
}

// CloneInto is Clone, the copy made in dst when it is not nil: a machine
// that is no longer used, nor anything of it (its processes, threads,
// memory, kernel objects), whose blocks the copy takes again where they
// have room instead of allocating new ones. A search that copies a
// machine at every run makes each copy in a machine of a run that ended.
// The copy is dst, or a new machine.
func (m *Machine) CloneInto(dst *Machine, sink Sink, lang Lang) (*Machine, *Remap, bool) {
	if len(m.trace.tees) > 0 || m.watch != nil || m.foreground != nil || m.bounded || m.legLimit != 0 || m.multi || m.WarmOn() || m.warmUsed {
		return nil, nil, false
	}
	if dst == m {
		return nil, nil, false
	}
	n := dst
	// What the copy takes again of dst, before it is overwritten.
	var old struct {
		blocks      cloneBlocks
		trace       *Tracer
		meter       *mem.Meter
		phys        *mem.Phys
		textFrames  []imageFrames
		cpus        []*CPU
		threads     []*Thread
		procs       []*Process
		ready, woke []*Thread
		running     []*Process
		sleepers    sleepHeap
		hosts       map[string]*Host
		enabled     []*Thread
		hot         []cpuHot
	}
	if n == nil {
		n = new(Machine)
	} else {
		old.blocks, old.trace, old.meter, old.phys, old.textFrames = n.blocks, n.trace, n.meter, n.phys, n.textFrames
		old.cpus, old.threads, old.procs = n.cpus, n.threads, n.procs
		old.ready, old.woke, old.running, old.sleepers, old.hosts = n.ready, n.woke, n.running, n.sleepers, n.hosts
		old.enabled, old.hot = n.enabled, n.hot
	}
	*n = *m
	gen := cloneGen.Add(1)
	r := old.blocks.remap
	if r == nil {
		r = new(Remap)
	}
	// Room for every wait queue of the threads and processes, without
	// growing the list.
	*r = Remap{m: n, old: m, gen: gen, queues: slab(r.queues, len(m.threads)+len(m.procs)+8)[:0], files: r.files[:0], objs: r.objs, mem: r.mem,
		fdMaps: r.fdMaps, syncMaps: r.syncMaps, lists: r.lists}
	clear(r.objs)
	n.blocks = cloneBlocks{remap: r}
	n.lang = lang
	n.chooser = nil
	// The chooser's list is made again at every choice.
	n.enabled = old.enabled[:0]
	clear(old.enabled[:cap(old.enabled)])
	n.pyOrder = nil
	tr := old.trace
	if tr == nil || tr == m.trace {
		tr = new(Tracer)
	}
	*tr = *m.trace
	tr.sink = sink
	tr.counter, _ = sink.(ByteCounter)
	if tr.counter != nil && m.trace.counter != nil {
		// The stretch's trace budget goes on where it was.
		tr.base = tr.counter.TraceBytes() - (m.trace.counter.TraceBytes() - m.trace.base)
	}
	tr.alarm = &n.alarm
	n.trace = tr
	n.meter = mem.CopyMeterInto(old.meter, m.meter, &n.alarm)
	n.phys = m.phys.CopyInto(old.phys)
	if r.mem == nil {
		r.mem = mem.NewCopier(n.meter, n.phys)
	} else {
		r.mem.Restart(n.meter, n.phys)
	}
	r.mem.Reuse(old.blocks.mem)
	// Each list of frames in the array the machine written over held at
	// the same place (in a search: the same program, loaded first).
	tf := old.textFrames[:0]
	for i, f := range m.textFrames {
		var fs []mem.Frame
		if i < len(old.textFrames) {
			fs = old.textFrames[i].frames[:0]
		}
		tf = append(tf, imageFrames{img: f.img, frames: append(fs, f.frames...)})
	}
	clear(tf[len(tf):cap(tf)])
	n.textFrames = tf
	if m.py != nil {
		py := *m.py
		n.py = &py
	}
	n.cpus = slab(old.cpus, len(m.cpus))
	cpus := old.blocks.cpus
	if cap(cpus) < len(m.cpus) {
		cpus = make([]CPU, len(m.cpus))
	}
	cpus = cpus[:len(m.cpus)]
	n.blocks.cpus = cpus[:cap(cpus)]
	for i, c := range m.cpus {
		cc := &cpus[i]
		// The TLB's and the cache's lists and maps, and the map of
		// what was lost, of the CPU in whose place this one is made.
		tlbNodes, tlbAt := cc.TLB.nodes, cc.TLB.at
		cacheNodes, cacheAt := cc.Cache.nodes, cc.Cache.at
		lost := cc.lost
		*cc = *c
		cc.TLB.ownLists(&c.TLB, tlbNodes, tlbAt)
		cc.Cache.ownLists(&c.Cache, cacheNodes, cacheAt)
		cc.lost = c.lost.copyInto(lost)
		n.cpus[i] = cc
	}

	n.cpu = n.cpus[m.cpu.ID]
	n.hot = nil
	if m.hot != nil {
		n.hot = append(old.hot[:0], m.hot...)
		clear(n.hot[len(n.hot):cap(n.hot)])
	}
	n.slices = append([]Slice(nil), m.slices...)
	n.waits = append([]Wait(nil), m.waits...)
	if m.deadlockEvent != nil {
		ev := *m.deadlockEvent
		n.deadlockEvent = &ev
	}

	// Every thread and process first, so that what points at them can
	// be mapped; then what they hold.
	n.threads = slab(old.threads, len(m.threads))
	// Every entry taken is overwritten; those past them are reached
	// from nothing but the blocks.
	threads := old.blocks.threads
	if cap(threads) < len(m.threads) {
		threads = make([]Thread, len(m.threads), len(m.threads)+len(m.threads)/2+2)
	}
	threads = threads[:len(m.threads)]
	n.blocks.threads = threads[:cap(threads)]
	r.lists = r.lists[:0]
	for i, t := range m.threads {
		// The list of the threads waiting for this one's end, of the
		// thread in whose place this one is made, to make the copy's in.
		r.lists = append(r.lists, threads[i].ended.waiters)
		threads[i] = *t
		n.threads[i] = &threads[i]
	}
	n.procs = slab(old.procs, len(m.procs))
	procs := old.blocks.procs
	if cap(procs) < len(m.procs) {
		procs = make([]Process, len(m.procs), len(m.procs)+len(m.procs)/2+2)
	}
	procs = procs[:len(m.procs)]
	n.blocks.procs = procs[:cap(procs)]
	// The maps of descriptors and of objects of the processes in whose
	// places these are made.
	r.fdMaps, r.syncMaps = r.fdMaps[:0], r.syncMaps[:0]
	for i, p := range m.procs {
		r.fdMaps = append(r.fdMaps, procs[i].fds)
		r.syncMaps = append(r.syncMaps, procs[i].syncObjs)
		r.lists = append(r.lists, procs[i].Threads)
		procs[i] = *p
		n.procs[i] = &procs[i]
	}
	r.slabs = old.blocks.objs.empty()
	n.hosts = old.hosts
	if n.hosts == nil {
		n.hosts = make(map[string]*Host, len(m.hosts))
	}
	clear(n.hosts)
	for name, h := range m.hosts {
		n.hosts[name] = r.host(h)
	}
	// The hooks told of pages copied on write, kept with the blocks: a
	// process made in the same place of the same machine takes its hook
	// again rather than a new one.
	cowFns := old.blocks.cowFns[:0]
	for i, p := range m.procs {
		c := n.procs[i]
		r.process(p, c, r.fdMaps[i], r.syncMaps[i], r.lists[len(m.threads)+i])
		var fn func(uint64)
		if i < len(old.blocks.cowFns) && old.blocks.cowFns[i].p == c {
			fn = old.blocks.cowFns[i].fn
		}
		if c.Space != nil && p.Space.OnCOW != nil {
			if fn == nil {
				fn = n.cowTracer(c)
			}
			c.Space.OnCOW = fn
		}
		cowFns = append(cowFns, cowHook{p: c, fn: fn})
	}
	clear(cowFns[len(cowFns):cap(cowFns)])
	n.blocks.cowFns = cowFns
	clear(r.fdMaps)
	clear(r.syncMaps)

	for i, t := range m.threads {
		r.thread(t, n.threads[i], r.lists[i])
	}
	clear(r.lists)
	n.running = r.procListInto(old.running, m.running)
	n.ready = r.threadListInto(old.ready, m.ready)
	n.readyArr = nil // the original's
	n.sleepers = sleepHeap(r.threadListInto(old.sleepers, m.sleepers))
	n.woke = r.threadListInto(old.woke, m.woke)
	n.quanta = slices.Clone(m.quanta)
	for i, c := range m.cpus {
		n.cpus[i].win.proc = r.Process(c.win.proc)
		if m.win == &c.win {
			n.win = &n.cpus[i].win
		}
	}
	if m.win != nil && n.win == m.win {
		r.bad = true // a window of no CPU
	}
	n.cur = r.Thread(m.cur)
	// Last, the queues threads wait on: every owner of one is copied.
	for i, t := range m.threads {
		n.threads[i].queue = r.queue(t.queue)
	}
	n.qtimers = make([]queueTimer, len(m.qtimers))
	for i, qt := range m.qtimers {
		n.qtimers[i] = queueTimer{at: qt.at, q: r.queue(qt.q)}
	}
	n.blocks.mem = r.mem.Blocks()
	n.blocks.objs = r.slabs.done()
	if r.bad || r.mem.Bad {
		r.Finish()
		return nil, nil, false
	}
	return n, r, true
}

// Remap maps the objects of a machine to those of its copy (Clone).
type Remap struct {
	m, old *Machine
	mem    *mem.Copier
	gen    uint64
	// The originals copied, whose forwarding Finish clears.
	queues []*WaitQueue
	files  []*File
	// objs maps kernel objects (pipes, queues, sockets, listeners,
	// semaphores, mutexes, condition variables, shared objects, files)
	// to their copies.
	objs map[any]any
	bad  bool
	// fdMaps and syncMaps hold the maps of the processes a copy is made
	// in place of, by index; slabs are the blocks kernel objects are
	// copied into.
	fdMaps   []FDTable
	syncMaps []map[int]*SyncObject
	slabs    objSlabs
	// lists hold the lists of the threads and processes a copy is made
	// in place of, to make the copy's in: each thread's waiters for its
	// end, by index, then each process's threads.
	lists [][]*Thread
}

// objSlabs are the blocks the open files and the handles' objects of a
// copy are made in, each taken in order (its length is the room taken).
// Not the mutexes, semaphores and condition variables: the race detector
// names them by their address, and keeps the names of those a machine no
// longer holds (interp's ctxCopier.key), which a block made again would
// give to other ones.
type objSlabs struct {
	files []File
	syncs []SyncObject
}

// empty returns the blocks with no room taken.
func (o objSlabs) empty() objSlabs {
	return objSlabs{files: o.files[:0], syncs: o.syncs[:0]}
}

// done clears the room not taken: nothing of the objects made in it
// before stays reachable.
func (o objSlabs) done() objSlabs {
	clear(o.files[len(o.files):cap(o.files)])
	clear(o.syncs[len(o.syncs):cap(o.syncs)])
	return o
}

// take returns the next entry of the block *b, cleared, from a new block
// when it has no room left.
func take[T any](b *[]T) *T {
	l := *b
	if len(l) == cap(l) {
		l = make([]T, 0, max(8, 2*cap(l)))
	}
	l = l[:len(l)+1]
	*b = l
	p := &l[len(l)-1]
	var zero T
	*p = zero
	return p
}

// cloneGen numbers the copies of machines: a wait queue being copied
// points at its copy (WaitQueue.fwd) while fwdGen is its copy's number.
var cloneGen atomic.Uint64

// Finish ends the copy: the originals no longer point at their copies,
// and the Remap must not be used again.
func (r *Remap) Finish() {
	for _, q := range r.queues {
		q.fwd, q.fwdGen = nil, 0
	}
	for _, f := range r.files {
		f.fwd, f.fwdGen = nil, 0
	}
	// The lists stay, empty, for the next copy made with this Remap.
	clear(r.queues)
	clear(r.files)
	r.queues, r.files = r.queues[:0], r.files[:0]
	clear(r.objs)
	r.m, r.old = nil, nil
	r.mem.Finish()
}

// Thread returns the copy of t (nil for nil).
func (r *Remap) Thread(t *Thread) *Thread {
	if t == nil {
		return nil
	}
	ts := r.old.threads
	if len(ts) > 0 {
		// The tids are in order and most often one after another: the
		// place they give is tried before a search.
		if i := t.TID - ts[0].TID; i >= 0 && i < len(ts) && ts[i] == t {
			return r.m.threads[i]
		}
	}
	i := sort.Search(len(ts), func(i int) bool { return ts[i].TID >= t.TID })
	if i == len(ts) || ts[i] != t {
		r.bad = true
		return nil
	}
	return r.m.threads[i]
}

// Process returns the copy of p (nil for nil).
func (r *Remap) Process(p *Process) *Process {
	if p == nil {
		return nil
	}
	ps := r.old.procs
	if len(ps) > 0 {
		if i := p.PID - ps[0].PID; i >= 0 && i < len(ps) && ps[i] == p {
			return r.m.procs[i]
		}
	}
	i := sort.Search(len(ps), func(i int) bool { return ps[i].PID >= p.PID })
	if i == len(ps) || ps[i] != p {
		r.bad = true
		return nil
	}
	return r.m.procs[i]
}

// obj returns the copy of a kernel object made before, if any.
func (r *Remap) obj(o any) (any, bool) {
	c, ok := r.objs[o]
	return c, ok
}

// keep records c as the copy of the kernel object o.
func (r *Remap) keep(o, c any) {
	if r.objs == nil {
		r.objs = map[any]any{}
	}
	r.objs[o] = c
}

// Mem is the copier of the machine's memory: the copies of address
// spaces, segments, heaps and shared memory.
func (r *Remap) Mem() *mem.Copier { return r.mem }

// Object returns the copy of a kernel object, a thread or a process, as
// the race detector keys them (any other value, not a pointer the machine
// knows, is returned as it is, and ok is false).
func (r *Remap) Object(o any) (any, bool) {
	switch x := o.(type) {
	case *Thread:
		return r.Thread(x), true
	case *Process:
		return r.Process(x), true
	case *mem.Shared:
		return r.mem.Shared(x), true
	}
	if c, ok := r.obj(o); ok {
		return c, true
	}
	return o, false
}

// Bad reports whether something could not be mapped: the copy must not be
// used.
func (r *Remap) Bad() bool { return r.bad || r.mem.Bad }

func (r *Remap) threadList(ts []*Thread) []*Thread { return r.threadListInto(nil, ts) }

// threadListInto is threadList, made in into when it has room: a list
// nothing uses any more.
func (r *Remap) threadListInto(into, ts []*Thread) []*Thread {
	if ts == nil {
		return nil
	}
	out := slab(into, len(ts))
	for i, t := range ts {
		out[i] = r.Thread(t)
	}
	return out
}

func (r *Remap) procList(ps []*Process) []*Process { return r.procListInto(nil, ps) }

// procListInto is procList, made in into when it has room: a list
// nothing uses any more.
func (r *Remap) procListInto(into, ps []*Process) []*Process {
	if ps == nil {
		return nil
	}
	out := slab(into, len(ps))
	for i, p := range ps {
		out[i] = r.Process(p)
	}
	return out
}

// waitQueue copies the waiters of q into c, and records that c is q's
// copy.
func (r *Remap) waitQueue(q, c *WaitQueue) { r.waitQueueInto(q, c, nil) }

// waitQueueInto is waitQueue, the list made in into when it has room: a
// list nothing uses any more.
func (r *Remap) waitQueueInto(q, c *WaitQueue, into []*Thread) {
	c.waiters = r.threadListInto(into, q.waiters)
	c.fwd, c.fwdGen = nil, 0
	q.fwd, q.fwdGen = c, r.gen
	r.queues = append(r.queues, q)
}

// queue returns the copy of a wait queue already copied with its owner.
func (r *Remap) queue(q *WaitQueue) *WaitQueue {
	if q == nil {
		return nil
	}
	if q.fwdGen != r.gen {
		r.bad = true
		return nil
	}
	return q.fwd
}

// process fills in c, the copy of p, with its maps made in fds and
// syncObjs when they are not nil: maps nothing uses any more.
func (r *Remap) process(p, c *Process, fds FDTable, syncObjs map[int]*SyncObject, threads []*Thread) {
	mc := r.mem
	c.Space = mc.Space(p.Space)
	c.Text, c.Data, c.Bss = mc.Segment(p.Text), mc.Segment(p.Data), mc.Segment(p.Bss)
	c.Stack, c.Guard = mc.Segment(p.Stack), mc.Segment(p.Guard)
	c.Heap = mc.Heap(p.Heap)
	c.Threads = r.threadListInto(threads, p.Threads)
	c.Ctx = nil
	r.waitQueue(&p.exited, &c.exited)
	c.children = r.procList(p.children)
	if p.fds != nil {
		if cap(fds) < len(p.fds) {
			fds = make(FDTable, len(p.fds))
		}
		// Past the table's end, nothing of the process this one
		// takes the place of.
		clear(fds[len(p.fds):cap(fds)])
		fds = fds[:len(p.fds)]
		for fd, f := range p.fds {
			if f != nil {
				fds[fd] = r.file(f)
			} else {
				fds[fd] = nil
			}
		}
		c.fds = fds
	}
	if p.syncObjs != nil {
		if syncObjs == nil {
			syncObjs = make(map[int]*SyncObject, len(p.syncObjs))
		}
		clear(syncObjs)
		c.syncObjs = syncObjs
		for id, o := range p.syncObjs {
			c.syncObjs[id] = r.syncObject(o)
		}
	}
}

// thread fills in c, the copy of t.
func (r *Remap) thread(t, c *Thread, waiters []*Thread) {
	c.Proc = r.Process(t.Proc)
	c.Stack, c.Guard = r.mem.Segment(t.Stack), r.mem.Segment(t.Guard)
	c.Ctx = nil
	r.waitQueueInto(&t.ended, &c.ended, waiters)
	c.CreatedBy = r.Thread(t.CreatedBy)
	h := t.holders
	c.holders = Holders{kind: h.kind, end: h.end, thread: r.Thread(h.thread), proc: r.Process(h.proc)}
	if h.pipe != nil {
		c.holders.pipe = r.pipe(h.pipe)
	}
	if h.mutex != nil {
		c.holders.mutex = r.mutex(h.mutex)
	}
	if d := t.detail; d != nil {
		nd := &blockDetail{pid: d.pid}
		if d.pipe != nil {
			nd.pipe = r.pipe(d.pipe)
		}
		if d.mutex != nil {
			nd.mutex = r.mutex(d.mutex)
		}
		c.detail = nd
	}
}

func (r *Remap) host(h *Host) *Host {
	c := &Host{Name: h.Name}
	if h.MQueues != nil {
		c.MQueues = make(map[string]*MQueue, len(h.MQueues))
		for k, q := range h.MQueues {
			c.MQueues[k] = r.mqueue(q)
		}
	}
	if h.Shm != nil {
		c.Shm = make(map[string]*SharedObject, len(h.Shm))
		for k, o := range h.Shm {
			c.Shm[k] = r.sharedObject(o)
		}
	}
	if h.Files != nil {
		c.Files = make(map[string]*SharedObject, len(h.Files))
		for k, o := range h.Files {
			c.Files[k] = r.sharedObject(o)
		}
	}
	if h.Sems != nil {
		c.Sems = make(map[string]*Sem, len(h.Sems))
		for k, s := range h.Sems {
			c.Sems[k] = r.sem(s)
		}
	}
	if h.listeners != nil {
		c.listeners = make(map[int64]*Listener, len(h.listeners))
		for k, l := range h.listeners {
			c.listeners[k] = r.listener(l)
		}
	}
	return c
}

func (r *Remap) sharedObject(o *SharedObject) *SharedObject {
	if c, ok := r.obj(o); ok {
		return c.(*SharedObject)
	}
	c := &SharedObject{Name: o.Name, Size: o.Size, Shared: r.mem.Shared(o.Shared), maps: o.maps, frames: append([]mem.Frame(nil), o.frames...)}
	r.keep(o, c)
	return c
}

func (r *Remap) file(f *File) *File {
	if f == nil {
		return nil
	}
	if f.fwdGen == r.gen {
		return f.fwd
	}
	c := take(&r.slabs.files)
	*c = File{Kind: f.Kind, refs: f.refs}
	f.fwd, f.fwdGen = c, r.gen
	r.files = append(r.files, f)
	if f.Pipe != nil {
		c.Pipe = r.pipe(f.Pipe)
	}
	if f.MQ != nil {
		c.MQ = r.mqueue(f.MQ)
	}
	if f.Listener != nil {
		c.Listener = r.listener(f.Listener)
	}
	if f.Sock != nil {
		c.Sock = r.socket(f.Sock)
	}
	return c
}

func (r *Remap) pipe(p *Pipe) *Pipe {
	if c, ok := r.obj(p); ok {
		return c.(*Pipe)
	}
	c := &Pipe{ID: p.ID, buf: append([]byte(nil), p.buf...), capacity: p.capacity, readers: p.readers, writers: p.writers}
	r.keep(p, c)
	r.waitQueue(&p.notEmpty, &c.notEmpty)
	r.waitQueue(&p.notFull, &c.notFull)
	return c
}

func (r *Remap) mqueue(q *MQueue) *MQueue {
	if c, ok := r.obj(q); ok {
		return c.(*MQueue)
	}
	c := new(MQueue)
	*c = *q
	c.msgs = append([]Message(nil), q.msgs...)
	if q.meter != nil {
		c.meter = r.m.meter
	}
	r.keep(q, c)
	r.waitQueue(&q.notEmpty, &c.notEmpty)
	r.waitQueue(&q.notFull, &c.notFull)
	return c
}

func (r *Remap) listener(l *Listener) *Listener {
	if c, ok := r.obj(l); ok {
		return c.(*Listener)
	}
	c := &Listener{Host: l.Host, port: l.port}
	r.keep(l, c)
	c.queue = make([]*Socket, len(l.queue))
	for i, s := range l.queue {
		c.queue[i] = r.socket(s)
	}
	r.waitQueue(&l.pending, &c.pending)
	return c
}

func (r *Remap) socket(s *Socket) *Socket {
	if s == nil {
		return nil
	}
	if c, ok := r.obj(s); ok {
		return c.(*Socket)
	}
	c := new(Socket)
	*c = *s
	r.keep(s, c)
	c.in = append([]segment(nil), s.in...)
	c.peer = r.socket(s.peer)
	r.waitQueue(&s.readers, &c.readers)
	return c
}

func (r *Remap) sem(s *Sem) *Sem {
	if c, ok := r.obj(s); ok {
		return c.(*Sem)
	}
	c := &Sem{ID: s.ID, Name: s.Name, count: s.count}
	r.keep(s, c)
	r.waitQueue(&s.waiters, &c.waiters)
	return c
}

func (r *Remap) mutex(mu *Mutex) *Mutex {
	if c, ok := r.obj(mu); ok {
		return c.(*Mutex)
	}
	c := new(Mutex)
	*c = *mu
	r.keep(mu, c)
	c.owner = r.Thread(mu.owner)
	r.waitQueue(&mu.waiters, &c.waiters)
	return c
}

func (r *Remap) cond(cv *Cond) *Cond {
	if c, ok := r.obj(cv); ok {
		return c.(*Cond)
	}
	c := &Cond{ID: cv.ID}
	r.keep(cv, c)
	r.waitQueue(&cv.waiters, &c.waiters)
	return c
}

func (r *Remap) syncObject(o *SyncObject) *SyncObject {
	if c, ok := r.obj(o); ok {
		return c.(*SyncObject)
	}
	c := take(&r.slabs.syncs)
	r.keep(o, c)
	if o.Mutex != nil {
		c.Mutex = r.mutex(o.Mutex)
	}
	if o.Sem != nil {
		c.Sem = r.sem(o.Sem)
	}
	if o.Cond != nil {
		c.Cond = r.cond(o.Cond)
	}
	return c
}

// copy returns a copy of the list, its entries and order.
func (c lru) copy() lru { return c.copyInto(lru{}) }

// copyInto is copy, made in the list and map of old, a list nothing uses
// any more, where they have room.
func (c lru) copyInto(old lru) lru {
	n := c
	n.nodes = nil
	if c.nodes != nil {
		n.nodes = append(old.nodes[:0], c.nodes...)
		clear(n.nodes[len(n.nodes):cap(n.nodes)])
	}
	n.at = c.at.copyInto(old.at)
	return n
}

// ownLists gives n, a copy of c made by assignment, a list and map of its
// own, made in nodes and at, those of a list nothing uses any more, where
// they have room: copyInto without copying the list's head again (its
// memo is a few hundred bytes).
func (n *lru) ownLists(c *lru, nodes []lruNode, at keyTable) {
	n.nodes = nil
	if c.nodes != nil {
		n.nodes = append(nodes[:0], c.nodes...)
		clear(n.nodes[len(n.nodes):cap(n.nodes)])
	}
	n.at = c.at.copyInto(at)
}

// copyMap returns a copy of m (nil for nil), made in old, a map nothing
// uses any more, when m is small: a large one is copied faster whole.
func copyMap[K comparable, V any](old, m map[K]V) map[K]V {
	if m == nil {
		return nil
	}
	if old == nil || len(m) > 8 {
		return maps.Clone(m)
	}
	clear(old)
	maps.Copy(old, m)
	return old
}
