package interp

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"proc/runtime"
	"proc/runtime/mem"
)

// A happens-before data race detector, in the manner of ThreadSanitizer:
// vector clocks ordered by lock/unlock, thread create/join, spawn/wait,
// send/recv, sem up/down and cond signal/wait. Two accesses to one address
// from different threads, at least one a write, that no chain of these
// orders, are a race.
//
// Its cost follows the threads that still matter, not every thread ever
// created. A clock's entry for thread u is only ever compared with u's
// accesses in the shadow memory. Every entry for u anywhere is an epoch u
// has already published, and u stamps every later access with a larger
// one; so while the shadow holds no access of u, no entry for u can change
// an answer, now or later, and it is dropped. Clocks are sparse, and a
// join drops such entries from the clock it reads as it goes: when a
// thousand threads take turns on one mutex to add to a counter, the
// mutex's clock holds the counter's last writer, not a thousand threads.
//
// What is left to grow is removed when the state has grown by as much as
// it held after the last look, so that the cost of looking is spread over
// what was added since: the clocks of threads that ended;
// the shadow of processes that ended; and whatever every live thread
// already knows — an access that no live thread, nor any thread they
// create, can be unordered with, and a sync object's entry that acquiring
// could not teach any of them.

// raceThread is what the detector keeps of one thread.
type raceThread struct {
	t        *runtime.Thread
	tid, pid int
	// now is the thread's epoch: its accesses are stamped with it, and it
	// moves on each time the thread publishes what it knows (release,
	// creating a thread), so a published epoch is always below it.
	now int64
	// knows holds, for other threads, the last epoch of each that this
	// thread is ordered after. A thread missing from it counts as 0.
	knows vclock
	// refs counts this thread's accesses in the shadow memory.
	refs int
	// at is where the thread was created, when hasAt is set.
	at    site
	hasAt bool
	// fwd is its copy while the machine is copied (clone.go).
	fwd    *raceThread
	fwdGen uint64
}

// vclock maps threads to epochs: one entry a thread, in tid order. A
// list rather than a map: a clock holds the few threads a thread is
// ordered after, and a search copies every clock at every copy of a
// machine, which for a list is a copy of its entries.
type vclock []clockEntry

// clockEntry is one thread's epoch in a vclock.
type clockEntry struct {
	th    *raceThread
	epoch int64
}

// find returns where u's entry is in v, or where it would go, and
// whether it is there.
func (v vclock) find(u *raceThread) (int, bool) {
	lo, hi := 0, len(v)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if v[m].th.tid < u.tid {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(v) && v[lo].th == u
}

// get returns the epoch of u in v, 0 when v has none.
func (v vclock) get(u *raceThread) int64 {
	if i, ok := v.find(u); ok {
		return v[i].epoch
	}
	return 0
}

// raise makes u's epoch in v at least e, and reports whether v had no
// entry for u.
func (v *vclock) raise(u *raceThread, e int64) bool {
	i, ok := v.find(u)
	if ok {
		if e > (*v)[i].epoch {
			(*v)[i].epoch = e
		}
		return false
	}
	*v = slices.Insert(*v, i, clockEntry{u, e})
	return true
}

// raceAccess is one load or store, remembered in the shadow of its word.
type raceAccess struct {
	th    *raceThread // nil: none
	epoch int64
	at    siteRef
}

// shadowCell is the shadow of one word: its last write and the reads since,
// one a thread, in the order the threads first read. A write that races
// with several of them is reported against the first.
type shadowCell struct {
	write raceAccess
	reads []raceAccess
	// index finds a thread's read among many.
	index map[*raceThread]int
}

// manyReads is the number of reads of one word from which a map finds a
// thread's read instead of a scan.
const manyReads = 8

// shadowMem is the shadow of one address space, or of one shared mapping.
type shadowMem struct {
	// owner is the process the space belongs to; nil for a shared mapping,
	// which any process may map.
	owner *runtime.Process
	cells map[uint64]*shadowCell
}

// Race is one report: two accesses that race.
type Race struct {
	Text []string // the report, a line each
	Key  string   // the pair of source sites, for deduplication
}

// raceChecker is what the VM tells a race detector: every event that
// orders threads, and every shared load and store. The tests run a plain
// vector-clock detector beside this package's through it.
type raceChecker interface {
	fork(parent, child *runtime.Thread, at site)
	acquire(t *runtime.Thread, obj any)
	release(t *runtime.Thread, obj any)
	access(th *threadCtx, addr uint64, write bool)
	// reports returns the races reported so far, in order.
	reports() []Race
}

// compactMin is the least growth of the detector's state, in clock
// entries, shadow accesses, cells and objects, that starts a compaction.
const compactMin = 4096

type raceDetector struct {
	vm *VM
	// live holds the threads not yet seen to have ended.
	live []*raceThread
	objs map[any]vclock
	mems map[any]*shadowMem
	// lastKey and lastMem are the shadow found last: most accesses in a
	// row are to one space.
	lastKey any
	lastMem *shadowMem
	seen    map[string]bool
	Races   []Race
	// memo, when set, is shared with the runs before: a pair of sites
	// one of them reported is not reported again.
	memo *RaceMemo

	// grown counts what was added to the state since the last compaction,
	// which runs when it passes limit.
	grown, limit int
	// minLimit is compactMin; the tests lower it to compact all the time.
	minLimit int
	// work counts the clock entries and shadow accesses visited: a measure
	// of the detector's cost that does not depend on the machine.
	work int64
	// peak is the largest state a compaction found.
	peak int
}

func newRaceDetector(vm *VM) *raceDetector {
	return &raceDetector{vm: vm, objs: map[any]vclock{}, mems: map[any]*shadowMem{}, seen: map[string]bool{},
		limit: compactMin, minLimit: compactMin}
}

func (r *raceDetector) reports() []Race { return r.Races }

// thread returns what the detector keeps of t.
func (r *raceDetector) thread(t *runtime.Thread) *raceThread {
	th := t.Ctx.(*threadCtx)
	if th.race == nil {
		// Only the first thread of the machine gets here: every other one
		// is created by fork, knowing what its creator knew.
		th.race = &raceThread{t: t, tid: t.TID, pid: t.Proc.PID, now: 1, knows: vclock{}}
		r.live = append(r.live, th.race)
		r.grown++
	}
	return th.race
}

// merge makes dst know what src knows, but for skip (a thread's clock does
// not hold the thread itself). Entries of threads with no access in the
// shadow are dropped from src on the way.
func (r *raceDetector) merge(dst, src *vclock, skip *raceThread) {
	kept := (*src)[:0]
	for _, x := range *src {
		r.work++
		if x.th.refs == 0 {
			continue
		}
		kept = append(kept, x)
	}
	clear((*src)[len(kept):])
	*src = kept
	// Both in tid order: the entries dst has are raised in one walk,
	// which counts the ones it lacks; those go in after.
	d := *dst
	j, missing := 0, 0
	for _, x := range kept {
		if x.th == skip {
			continue
		}
		for j < len(d) && d[j].th.tid < x.th.tid {
			j++
		}
		if j < len(d) && d[j].th == x.th {
			if x.epoch > d[j].epoch {
				d[j].epoch = x.epoch
			}
			continue
		}
		missing++
	}
	if missing == 0 {
		return
	}
	r.grown += missing
	// The two lists merged in one walk from the end of each (an
	// insertion at a time would move the rest each time), in dst's own
	// array when it has room: an entry is written at or past where it
	// was read from.
	var out vclock
	if n := len(d) + missing; n <= cap(d) {
		out = d[:n]
	} else {
		out = make(vclock, n, 2*n)
		copy(out, d)
		d = out[:len(d)]
	}
	i, j, k := len(kept)-1, len(d)-1, len(out)-1
	for k >= 0 {
		switch {
		case i >= 0 && kept[i].th == skip:
			i--
			continue
		case i >= 0 && (j < 0 || kept[i].th.tid > d[j].th.tid):
			out[k] = kept[i]
			i--
		case i >= 0 && kept[i].th == d[j].th:
			out[k] = d[j] // raised above
			i--
			j--
		default:
			out[k] = d[j]
			j--
		}
		k--
	}
	*dst = out
}

// publish puts t's own epoch in dst, unless the shadow holds no access of
// t: the entry could only ever be compared with those.
func (r *raceDetector) publish(dst *vclock, t *raceThread) {
	if t.refs == 0 {
		return
	}
	if dst.raise(t, t.now) {
		r.grown++
	}
}

// release publishes t's knowledge on a sync object (unlock, up, send,
// signal, thread end) and starts a new epoch of t.
func (r *raceDetector) release(t *runtime.Thread, obj any) {
	v := r.thread(t)
	o, ok := r.objs[obj]
	if !ok {
		o = make(vclock, 0, len(v.knows)+1)
		r.grown++
	}
	r.merge(&o, &v.knows, nil)
	r.publish(&o, v)
	r.objs[obj] = o
	v.now++
	r.maybeCompact()
}

// acquire makes t know what was published on obj (lock, down, recv,
// cwait, join, wait).
func (r *raceDetector) acquire(t *runtime.Thread, obj any) {
	o, ok := r.objs[obj]
	if !ok {
		return
	}
	v := r.thread(t)
	r.merge(&v.knows, &o, v)
	r.objs[obj] = o
	r.maybeCompact()
}

// fork makes a new thread start with its creator's knowledge.
func (r *raceDetector) fork(parent, child *runtime.Thread, at site) {
	p := r.thread(parent)
	c := &raceThread{t: child, tid: child.TID, pid: child.Proc.PID, now: 1, knows: make(vclock, 0, len(p.knows)+1), at: at, hasAt: true}
	r.merge(&c.knows, &p.knows, nil)
	r.publish(&c.knows, p)
	p.now++
	child.Ctx.(*threadCtx).race = c
	r.live = append(r.live, c)
	r.grown++
	r.maybeCompact()
}

// globalAddr is the address of the global a load or store of one names.
func globalAddr(th *threadCtx, in Instr) uint64 {
	seg := th.proc.data
	if in.B != 0 {
		seg = th.proc.bss
	}
	return seg.Start + 8*uint64(in.A)
}

// shadow returns the shadow of a space or shared mapping.
func (r *raceDetector) shadow(key any, owner *runtime.Process) *shadowMem {
	if r.lastMem != nil && key == r.lastKey {
		return r.lastMem
	}
	sm := r.mems[key]
	if sm == nil {
		sm = &shadowMem{owner: owner, cells: map[uint64]*shadowCell{}}
		r.mems[key] = sm
		r.grown++
	}
	r.lastKey, r.lastMem = key, sm
	return sm
}

// access checks one load or store against the shadow of its word.
func (r *raceDetector) access(th *threadCtx, addr uint64, write bool) {
	seg := th.proc.space.Find(addr)
	if seg != nil && seg.Kind == mem.SegStack && seg.TID == th.rt.TID {
		return // the thread's own stack
	}
	// A private word is named by its address space, a word of a shared
	// mapping by the shared memory it shows, wherever each process has it.
	var key any = th.proc.space
	off, owner := addr, th.rt.Proc
	if seg != nil && seg.Shared != nil && len(seg.Words) > 0 {
		key, off, owner = seg.Shared, addr-seg.Start, nil
	}
	sm := r.shadow(key, owner)
	c := sm.cells[off]
	if c == nil {
		c = &shadowCell{}
		sm.cells[off] = c
		r.grown++
	}
	v := th.race
	if v == nil {
		v = r.thread(th.rt)
	}
	a := raceAccess{th: v, epoch: v.now, at: th.here()}
	if w := c.write; w.th != nil && w.th != v && w.epoch > v.knows.get(w.th) {
		r.report(th, addr, seg, a, write, w, true)
	}
	if write {
		for _, rd := range c.reads {
			r.work++
			if rd.th != v && rd.epoch > v.knows.get(rd.th) {
				r.report(th, addr, seg, a, true, rd, false)
			}
			rd.th.refs--
		}
		if c.write.th != nil {
			c.write.th.refs--
		}
		c.write = a
		v.refs++
		if cap(c.reads) > manyReads {
			c.reads = nil
		} else {
			clear(c.reads)
			c.reads = c.reads[:0]
		}
		c.index = nil
	} else if i := c.find(v, &r.work); i >= 0 {
		c.reads[i] = a
	} else {
		c.addRead(a)
		v.refs++
		r.grown++
	}
	r.maybeCompact()
}

// find returns the position of t's read, or -1.
func (c *shadowCell) find(t *raceThread, work *int64) int {
	if c.index != nil {
		*work++
		if i, ok := c.index[t]; ok {
			return i
		}
		return -1
	}
	for i := range c.reads {
		*work++
		if c.reads[i].th == t {
			return i
		}
	}
	return -1
}

func (c *shadowCell) addRead(a raceAccess) {
	c.reads = append(c.reads, a)
	if c.index != nil {
		c.index[a.th] = len(c.reads) - 1
	} else if len(c.reads) > manyReads {
		c.reindex()
	}
}

func (c *shadowCell) reindex() {
	c.index = nil
	if len(c.reads) <= manyReads {
		return
	}
	c.index = make(map[*raceThread]int, len(c.reads))
	for i, rd := range c.reads {
		c.index[rd.th] = i
	}
}

func (r *raceDetector) maybeCompact() {
	if r.grown > r.limit {
		r.compact()
	}
}

// tally is what the live threads of a group know of one thread: the least
// epoch among them, and how many of them know it at all.
type tally struct {
	min int64
	n   int
}

// knownBy returns the epoch of u that all n threads of a group know.
func knownBy(k map[*raceThread]tally, n int, u *raceThread) int64 {
	if t := k[u]; t.n == n && n > 0 {
		return t.min
	}
	return 0
}

func note(k map[*raceThread]tally, u *raceThread, e int64) {
	t, ok := k[u]
	if !ok || e < t.min {
		t.min = e
	}
	t.n++
	k[u] = t
}

// compact removes what can no longer make a difference; see the top of
// the file. Threads are only created by live threads, knowing what their
// creator knows, so what every live thread knows, every future thread
// will know too.
func (r *raceDetector) compact() {
	size := 0
	live := r.live[:0]
	for _, t := range r.live {
		if t.t.State == runtime.ThreadDone {
			// It will never access, release or acquire again.
			t.knows = nil
			if th, ok := t.t.Ctx.(*threadCtx); ok && th.race == t {
				th.race = nil
			}
			continue
		}
		live = append(live, t)
	}
	clear(r.live[len(live):])
	r.live = live

	// What all live threads know, and what the live threads of each
	// process know: only they can touch its private memory.
	all := map[*raceThread]tally{}
	byProc := map[int]map[*raceThread]tally{}
	nProc := map[int]int{}
	for _, w := range r.live {
		pk := byProc[w.pid]
		if pk == nil {
			pk = map[*raceThread]tally{}
			byProc[w.pid] = pk
		}
		nProc[w.pid]++
		note(all, w, w.now)
		note(pk, w, w.now)
		n := len(w.knows)
		kept := w.knows[:0]
		for _, x := range w.knows {
			r.work++
			if x.th.refs == 0 {
				continue
			}
			kept = append(kept, x)
			note(all, x.th, x.epoch)
			note(pk, x.th, x.epoch)
		}
		clear(w.knows[len(kept):])
		size += n + 1
		w.knows = shrunk(kept, n)
	}

	for key, sm := range r.mems {
		if sm.owner != nil && sm.owner.State != runtime.ProcRunning {
			// An ended process's memory is never touched again.
			for _, c := range sm.cells {
				size += 1 + len(c.reads)
				r.work += int64(1 + len(c.reads))
				c.forget(func(raceAccess) bool { return true })
			}
			delete(r.mems, key)
			continue
		}
		k, n := all, len(r.live)
		if sm.owner != nil {
			k, n = byProc[sm.owner.PID], nProc[sm.owner.PID]
		}
		cells := len(sm.cells)
		for off, c := range sm.cells {
			size += 1 + len(c.reads)
			r.work += int64(1 + len(c.reads))
			if c.forget(func(a raceAccess) bool { return a.epoch <= knownBy(k, n, a.th) }) {
				delete(sm.cells, off)
			}
		}
		if len(sm.cells) == 0 {
			delete(r.mems, key)
		} else if len(sm.cells) < cells/4 {
			m := make(map[uint64]*shadowCell, len(sm.cells))
			for off, c := range sm.cells {
				m[off] = c
			}
			sm.cells = m
		}
	}
	r.lastKey, r.lastMem = nil, nil

	for obj, o := range r.objs {
		n := len(o)
		size += n + 1
		kept := o[:0]
		for _, x := range o {
			r.work++
			if x.th.refs == 0 || x.epoch <= knownBy(all, len(r.live), x.th) {
				continue
			}
			kept = append(kept, x)
		}
		clear(o[len(kept):])
		if len(kept) == 0 {
			delete(r.objs, obj)
		} else {
			r.objs[obj] = shrunk(kept, n)
		}
	}

	r.peak = max(r.peak, size)
	kept := len(r.live) + len(r.objs) + len(r.mems)
	for _, w := range r.live {
		kept += len(w.knows)
	}
	for _, o := range r.objs {
		kept += len(o)
	}
	for _, sm := range r.mems {
		for _, c := range sm.cells {
			kept += 1 + len(c.reads)
		}
	}
	r.grown, r.limit = 0, max(r.minLimit, kept)
}

// forget drops the accesses of c that gone says can no longer race, and
// reports whether c is left empty.
func (c *shadowCell) forget(gone func(raceAccess) bool) bool {
	if w := c.write; w.th != nil && gone(w) {
		w.th.refs--
		c.write = raceAccess{}
	}
	kept := c.reads[:0]
	for _, rd := range c.reads {
		if gone(rd) {
			rd.th.refs--
			continue
		}
		kept = append(kept, rd)
	}
	clear(c.reads[len(kept):])
	c.reads = kept
	if len(kept) != cap(kept) && cap(kept) > manyReads && len(kept) < cap(kept)/4 {
		c.reads = append([]raceAccess(nil), kept...)
	}
	c.reindex()
	return c.write.th == nil && len(c.reads) == 0
}

// shrunk returns v, or a copy of it when it holds far fewer entries than
// the n it had: its array keeps the room it once needed.
func shrunk(v vclock, n int) vclock {
	if n < 32 || len(v) >= n/4 {
		return v
	}
	return slices.Clone(v)
}

// report prints a race, once per pair of source lines.
func (r *raceDetector) report(th *threadCtx, addr uint64, seg *mem.Segment, cur raceAccess, curWrite bool, prev raceAccess, prevWrite bool) {
	if r.memo != nil && !r.memo.add(cur.at, prev.at) {
		return
	}
	curAt, prevAt := cur.at.site().String(), prev.at.site().String()
	k := []string{curAt, prevAt}
	sort.Strings(k)
	key := strings.Join(k, "|")
	if r.seen[key] {
		return
	}
	r.seen[key] = true
	kind := func(write bool) string {
		if write {
			return "write"
		}
		return "read"
	}
	lines := []string{
		fmt.Sprintf("%s of 8 bytes at %s by thread %d/%d:", kind(curWrite), mem.Hex(addr), cur.th.pid, cur.th.tid),
		"    " + curAt,
		fmt.Sprintf("previous %s at %s by thread %d/%d:", kind(prevWrite), mem.Hex(addr), prev.th.pid, prev.th.tid),
		"    " + prevAt,
		created(cur.th),
		created(prev.th),
	}
	what := r.vm.describeAddr(th, addr, seg)
	head := "data race on " + what
	r.Races = append(r.Races, Race{Text: append([]string{head}, lines...), Key: key})
	r.vm.m.Emit(th.rt, &runtime.Event{Cat: runtime.CatOutput, Ev: "race", Text: "WARNING: " + head, More: lines,
		Fields: []runtime.Field{{Key: "addr", Val: runtime.Addr(addr)}, {Key: "what", Val: what}}})
}

// created says where a thread was created.
func created(rt *raceThread) string {
	t := rt.t
	if t.CreatedBy == nil {
		return fmt.Sprintf("thread %d/%d is the main thread of process %d", t.Proc.PID, t.TID, t.Proc.PID)
	}
	where := ""
	if c, ok := t.CreatedBy.Ctx.(*threadCtx); ok {
		if rt.hasAt {
			where = " at " + rt.at.String()
		} else {
			where = " at " + c.where().String()
		}
	}
	return fmt.Sprintf("thread %d/%d was created by %d/%d%s", t.Proc.PID, t.TID, t.CreatedBy.Proc.PID, t.CreatedBy.TID, where)
}

// describeAddr says what lives at addr: a global, a heap block, a segment.
func (vm *VM) describeAddr(th *threadCtx, addr uint64, seg *mem.Segment) string {
	if seg == nil {
		return mem.Hex(addr)
	}
	switch seg.Kind {
	case mem.SegData, mem.SegBss:
		for _, g := range vm.prog.Globals {
			gs := th.proc.data
			if g.Bss {
				gs = th.proc.bss
			}
			if gs == seg && gs.Start+8*uint64(g.Index) == addr {
				return fmt.Sprintf("global %s (%s)", g.Name, mem.Hex(addr))
			}
		}
	case mem.SegHeap:
		if b, st := th.proc.heap.Find(addr); st == mem.AddrLive {
			where := ""
			if s, ok := th.proc.allocAt.get(b.ID); ok {
				where = ", allocated at " + s.String()
			}
			return fmt.Sprintf("%s, %d bytes into the heap block of %d bytes at %s%s", mem.Hex(addr), addr-b.Addr, b.Size, mem.Hex(b.Addr), where)
		}
	case mem.SegShm, mem.SegFile:
		return fmt.Sprintf("%s, %d bytes into %s", mem.Hex(addr), addr-seg.Start, seg.Name)
	case mem.SegStack:
		return fmt.Sprintf("%s, on the stack of thread %d", mem.Hex(addr), seg.TID)
	}
	return mem.Hex(addr)
}

// RaceMemo is the pairs of instructions a race was reported between, kept
// across the runs of one program (Options.RaceMemo).
type RaceMemo struct{ seen map[[2]siteRef]bool }

// NewRaceMemo returns an empty memo.
func NewRaceMemo() *RaceMemo { return &RaceMemo{seen: map[[2]siteRef]bool{}} }

// add records the pair a, b (in either order) and reports whether it is
// new.
func (m *RaceMemo) add(a, b siteRef) bool {
	if a.fn != nil && b.fn != nil && (a.fn.Index > b.fn.Index || a.fn.Index == b.fn.Index && a.pc > b.pc) {
		a, b = b, a
	}
	k := [2]siteRef{a, b}
	if m.seen[k] {
		return false
	}
	m.seen[k] = true
	return true
}
