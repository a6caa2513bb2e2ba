package runtime

import (
	"fmt"
	"math/bits"
	"strconv"

	"proc/runtime/mem"
)

// The memory hardware under the kernel: each CPU has a TLB, which caches
// the translations of virtual pages to physical frames, and a data cache,
// which holds recently used lines of physical memory.
//
// Every load and store of a program's data (its globals, the slots of
// its frames, what a pointer points at) goes through them: the TLB gives
// the frame of the page, or misses and the page table is walked
// (tlb_miss_cost ticks); the cache holds the physical line, or misses and
// memory is read (cache_miss_cost ticks). Instruction fetches are not
// modelled: code is read through neither.
//
// Both are fully associative and replace the least recently used entry.
// The TLB is tagged with the address space (asid = on): translations of
// several processes live side by side, and a process switch keeps them;
// without ASIDs (asid = off, the default) a switch to another process
// flushes the TLB, for its translations belong to the process that ran.
// A switch between threads of one process never flushes: they share one
// page table. The cache is physically tagged: a frame shared by two
// processes (code, shared memory, a page still shared copy-on-write) is
// one set of lines for both, and no switch flushes it; another process
// running only evicts lines by using its own.
//
// A miss on an entry that another thread's run took away (a flush at a
// process switch, or an eviction by another thread's access) is the
// indirect cost of switching, which --stats reports apart from the
// direct cost (cost_switch_*).
//
// The slots of the running frame are translated each time the VM comes
// back to the frame's code from anything else (a call, a return, an
// operation of the kernel, the start of a turn), rather than at each
// load and store of a local in between: a local's page stays the most
// recently used while its function runs.

// CPU is one processor, with its TLB and cache.
type CPU struct {
	ID    int
	TLB   lru
	Cache lru
	// asid is the address space whose translations the TLB holds when
	// it is untagged: the process that last ran.
	asid int
	// lost records what another thread's run took away from the TLB and
	// the cache: the key, and who took it (the tid, or -1 for a flush).
	lost keyTable
	// win is what the frames' touches on one page need to be done
	// without a lookup (TouchFrame).
	win frameWindow
	// sched is what the scheduler keeps of the CPU when the machine has
	// several (cpus.go).
	sched cpuSched
	// warm is the threads whose working sets the CPU's cache holds, the
	// newest first (warm.go).
	warm []*Thread
}

// frameWindow is a page of a process whose translation the TLB holds,
// with the lines of its frame the cache holds, and the touches of frames
// on it, all hits, that are not yet applied to the order of the TLB and
// the cache.
//
// A touch of lines the cache holds on a page the TLB holds is a hit in
// both wherever the page and the lines are in their lists, and changes
// nothing but the counts and the order: it moves the page to the front
// of the TLB, and the lines to the front of the cache, the last touched
// first. A run of such touches, with nothing else in between, leaves the
// page at the front of the TLB and the lines touched at the front of the
// cache in the order of their last touches, the rest in the order they
// were in: that is what settle does, once for the run. The counts go to
// the thread at once. Everything else that looks at the TLB or the cache,
// or changes them, settles first; the window is kept up to date by the
// misses that bring lines of its frame in or take them out, and dropped
// when its page leaves the TLB.
type frameWindow struct {
	proc  *Process // nil: no window
	vpage uint64   // the page number (address >> 12)
	tkey  uint64   // the page's key in the TLB
	tslot int32    // the page's slot in the TLB
	frame uint64   // the physical address of its frame
	in    uint64   // bit l: the cache holds line l of the frame
	slots [64]int32
	// log holds the touches not yet settled, each its lowest and its
	// highest line (6 bits each); all is the lines they touched, a bit
	// each.
	log [256]uint16
	n   int
	all uint64
}

// TouchFrame passes t's accesses to the lines from the one that holds
// hi-1 down to the one that holds lo through the TLB and the cache,
// exactly as Touch at an address in each (the top of the line, lo in the
// lowest) would, and returns the ticks their misses cost. It is how the
// VM touches a frame: when the lines are on the window's page and the
// cache holds them, they are all hits, counted at once and logged (see
// frameWindow); else touchLines does them.
func (m *Machine) TouchFrame(t *Thread, lo, hi uint64) int64 {
	w := m.win
	// The lines' places in the page: out of it, they are 64 or more.
	l0, l1 := lo>>lineBits-w.vpage<<6, (hi-1)>>lineBits-w.vpage<<6
	mask := (uint64(2)<<(l1-l0) - 1) << l0
	if l0|l1 >= 64 || w.in&mask != mask || w.proc != t.Proc || w.n == len(w.log) {
		return m.touchLines(t, lo, hi)
	}
	w.log[w.n] = uint16(l0 | l1<<6)
	w.n++
	w.all |= mask
	st := &t.hw
	st.TLBHits += int64(l1 - l0 + 1)
	st.CacheHits += int64(l1 - l0 + 1)
	return 0
}

// settle applies the window's touches to the order of the TLB and the
// cache (see frameWindow).
func (cpu *CPU) settle() {
	w := &cpu.win
	if w.n == 0 {
		return
	}
	cpu.TLB.toFront(w.tslot)
	// The lines by their last touch, the most recent first: the log from
	// its end, each touch from its lowest line, which it touched last.
	// Once every line the log touched is seen, the touches before can
	// only touch them again, earlier: the walk stops there.
	var order [64]uint8
	k := 0
	var seen uint64
	for j := w.n - 1; j >= 0 && seen != w.all; j-- {
		e := w.log[j]
		l0, l1 := uint64(e&63), uint64(e>>6)
		for fresh := (uint64(2)<<(l1-l0) - 1) << l0 &^ seen; fresh != 0; fresh &= fresh - 1 {
			order[k] = uint8(bits.TrailingZeros64(fresh))
			k++
		}
		seen |= (uint64(2)<<(l1-l0) - 1) << l0
	}
	for k--; k >= 0; k-- {
		cpu.Cache.toFront(w.slots[order[k]])
	}
	w.n, w.all = 0, 0
}

// settleHW settles the window of each CPU.
func (m *Machine) settleHW() {
	for _, cpu := range m.cpus {
		cpu.settle()
	}
}

// learn makes the window the page of [lo, hi), which t just touched,
// when the range is on one page the TLB holds, and notes which of its
// lines the cache holds.
func (m *Machine) learn(cpu *CPU, t *Thread, lo, hi uint64) {
	w := &cpu.win
	if lo>>12 != (hi-1)>>12 {
		return
	}
	if w.proc != t.Proc || w.vpage != lo>>12 {
		asid := 0
		if m.cfg.ASID {
			asid = t.Proc.PID
		}
		key := tlbKey(asid, lo)
		ts := cpu.TLB.slot(key)
		if ts < 0 {
			return // not mapped
		}
		// (The log is empty: touchLines settled it. The slots of the
		// lines not in are never read.)
		w.proc, w.vpage, w.tkey, w.tslot, w.frame, w.in = t.Proc, lo>>12, key, ts, cpu.TLB.nodes[ts].val, 0
	}
	for l := lo >> lineBits; l <= (hi-1)>>lineBits; l++ {
		if i := cpu.Cache.slot(lineKey(w.frame | (l&63)<<lineBits)); i >= 0 {
			w.in |= 1 << (l & 63)
			w.slots[l&63] = i
		}
	}
}

// lru is a fully associative cache of keys, replacing the least
// recently used. A node's val holds, for the TLB, the frame of a page.
// The nodes are kept on a list from the most recently used (head) to the
// least (tail), so that a hit and a replacement take the same few steps
// whatever the size.
type lru struct {
	size       int
	nodes      []lruNode
	head, tail int32 // -1 when empty
	at         keyTable
	// memo remembers the slot of recently found keys by a hash of the
	// key (slot+1; 0 for none), so that most lookups need no map.
	memo [64]int32
}

// lruNode is an entry of an lru and its place on the list.
type lruNode struct {
	key, val   uint64
	owner      int32 // the tid that brought it in
	prev, next int32 // the list; -1 ends it
}

// memoIndex is the place of key in memo.
func memoIndex(key uint64) int { return int(key * 0x9E3779B97F4A7C15 >> 58) }

func newLRU(size int) lru {
	return lru{size: size, at: newKeyTable(min(size, 1024)), head: -1, tail: -1}
}

// unlink takes slot i off the list.
func (c *lru) unlink(i int32) {
	n := &c.nodes[i]
	p, x := n.prev, n.next
	if p >= 0 {
		c.nodes[p].next = x
	} else {
		c.head = x
	}
	if x >= 0 {
		c.nodes[x].prev = p
	} else {
		c.tail = p
	}
}

// front puts slot i, off the list, at its head.
func (c *lru) front(i int32) {
	n := &c.nodes[i]
	n.prev, n.next = -1, c.head
	if c.head >= 0 {
		c.nodes[c.head].prev = i
	} else {
		c.tail = i
	}
	c.head = i
}

// slot returns the slot of key, or -1, without marking it used.
func (c *lru) slot(key uint64) int32 {
	j := memoIndex(key)
	i := c.memo[j] - 1
	if i >= 0 && int(i) < len(c.nodes) && c.nodes[i].key == key {
		return i
	}
	i, ok := c.at.get(key)
	if !ok {
		return -1
	}
	c.memo[j] = i + 1
	return i
}

// find returns the slot of key, marking it used, or -1.
func (c *lru) find(key uint64) int32 {
	if c.head >= 0 && c.nodes[c.head].key == key {
		return c.head
	}
	i := c.slot(key)
	if i >= 0 {
		c.unlink(i)
		c.front(i)
	}
	return i
}

// toFront marks slot i used.
func (c *lru) toFront(i int32) {
	if i != c.head {
		c.unlink(i)
		c.front(i)
	}
}

// put brings key, which it does not hold, in, replacing the least
// recently used entry when full; it returns the key replaced, who
// brought it in, and whether there was one.
func (c *lru) put(key, val uint64, tid int) (old uint64, oldOwner int, evicted bool) {
	i := int32(len(c.nodes))
	if int(i) < c.size {
		c.nodes = append(c.nodes, lruNode{key: key, val: val, owner: int32(tid), prev: -1, next: -1})
	} else {
		i = c.tail
		n := &c.nodes[i]
		// (A slot dropped is at the tail, and holds nothing to evict.)
		old, oldOwner, evicted = n.key, int(n.owner), n.owner != droppedOwner
		c.at.del(old)
		c.unlink(i)
		n.key, n.val, n.owner = key, val, int32(tid)
	}
	c.front(i)
	c.at.put(key, i)
	c.memo[memoIndex(key)] = i + 1
	return old, oldOwner, evicted
}

// droppedOwner is the owner of a slot whose entry was dropped.
const droppedOwner = -2

// drop takes slot i's entry out: the slot goes to the tail, empty (no
// key: 0, owned by droppedOwner), the first to be filled.
func (c *lru) drop(i int32) {
	n := &c.nodes[i]
	c.at.del(n.key)
	n.key, n.owner = 0, droppedOwner
	c.unlink(i)
	n.prev, n.next = c.tail, -1
	if c.tail >= 0 {
		c.nodes[c.tail].next = i
	} else {
		c.head = i
	}
	c.tail = i
}

// flush empties the cache (its array is kept for what comes in next).
func (c *lru) flush() {
	c.nodes = c.nodes[:0]
	c.head, c.tail = -1, -1
	c.at.clear()
	c.memo = [64]int32{}
}

// entries returns the keys and values held, most recently used first.
func (c *lru) entries() (keys, vals []uint64) {
	for i := c.head; i >= 0; i = c.nodes[i].next {
		if c.nodes[i].owner == droppedOwner {
			continue
		}
		keys = append(keys, c.nodes[i].key)
		vals = append(vals, c.nodes[i].val)
	}
	return keys, vals
}

// HWStats counts what a thread's loads and stores cost in the TLB and
// the cache.
type HWStats struct {
	TLBHits, TLBMisses     int64
	CacheHits, CacheMisses int64
	// Stall is the ticks the misses cost; Indirect the part of them on
	// entries another thread's run took away (the indirect cost of
	// switching).
	Stall, Indirect int64
	// Coherence counts the misses on lines a store of another CPU took
	// out of this CPU's cache (several CPUs).
	Coherence int64
}

func (s *HWStats) add(o HWStats) {
	s.TLBHits += o.TLBHits
	s.TLBMisses += o.TLBMisses
	s.CacheHits += o.CacheHits
	s.CacheMisses += o.CacheMisses
	s.Stall += o.Stall
	s.Indirect += o.Indirect
	s.Coherence += o.Coherence
}

// tlbKey names a page of an address space in the TLB: the page number
// and, with ASIDs, the process.
func tlbKey(asid int, page uint64) uint64 { return page>>12 | uint64(asid)<<40 }

// lineBits is the log2 of the cache's line size.
const lineBits = 6

// LineSize is the size of a cache line in bytes.
const LineSize = 1 << lineBits

// HW reports whether the machine models a TLB or a cache.
func (m *Machine) HW() bool { return m.hw }

// initHW makes the CPUs.
func (m *Machine) initHW() {
	m.hw = m.cfg.TLBEntries > 0 || m.cfg.CacheLines > 0
	n := max(int(m.cfg.CPUs), 1)
	if len(m.cpus) == n {
		// The REPL changed the TLB or the cache: the CPUs keep their
		// place in the run (cpus.go), with new TLBs and caches.
		for _, c := range m.cpus {
			c.TLB, c.Cache, c.lost, c.asid, c.win = newLRU(int(m.cfg.TLBEntries)), newLRU(int(m.cfg.CacheLines)), newKeyTable(64), -1, frameWindow{}
		}
	} else {
		m.cpus = make([]*CPU, n)
		for i := range m.cpus {
			m.cpus[i] = &CPU{ID: i, TLB: newLRU(int(m.cfg.TLBEntries)), Cache: newLRU(int(m.cfg.CacheLines)), lost: newKeyTable(64), asid: -1,
				sched: cpuSched{lastSlice: -1}}
		}
		m.hot = make([]cpuHot, n)
		for i := 1; i < n; i++ {
			m.hot[i].idle = true
		}
		m.multi = n > 1
		if m.multi {
			m.trace.cpu = 1
		}
	}
	if m.cpu == nil || m.cpu.ID >= n {
		m.cpu = m.cpus[0]
	}
	m.cpu = m.cpus[m.cpu.ID]
	m.win = &m.cpu.win
}

// maxLost bounds what a CPU remembers of the entries taken from it.
const maxLost = 1 << 16

// Touch passes a load or store of t at addr through the TLB and the cache
// of t's CPU and returns the ticks their misses cost. It is called only
// when the machine models them (HW).
func (m *Machine) Touch(t *Thread, addr uint64) int64 {
	cpu := m.cpu
	cpu.settle()
	p := t.Proc
	var cost int64
	st := &t.hw
	var pa uint64
	ok := true
	if cpu.TLB.size > 0 {
		asid := 0
		if m.cfg.ASID {
			asid = p.PID
		}
		key := tlbKey(asid, addr)
		if i := cpu.TLB.find(key); i >= 0 {
			st.TLBHits++
			pa = cpu.TLB.nodes[i].val | addr&(mem.PageSize-1)
		} else {
			var c int64
			pa, ok, c = m.tlbMiss(cpu, t, key, addr)
			cost += c
		}
	} else {
		pa, ok = p.Space.Translate(addr)
	}
	if ok && cpu.Cache.size > 0 {
		line := lineKey(pa)
		if cpu.Cache.find(line) >= 0 {
			st.CacheHits++
		} else {
			cost += m.cacheMiss(cpu, t, addr, pa, line)
		}
	}
	st.Stall += cost
	return cost
}

// lineKey names the line of physical address pa in the cache. Line keys
// are set apart from page keys by their top bit, so that one map of lost
// entries serves both.
func lineKey(pa uint64) uint64 { return pa>>lineBits | 1<<63 }

// tlbMiss is a miss of t's access at addr in the TLB, which holds no key:
// the page table is walked, and the translation brought in when there is
// one. It returns the physical address, whether the page is mapped, and
// the ticks of the miss. It does not add them to the stall.
func (m *Machine) tlbMiss(cpu *CPU, t *Thread, key, addr uint64) (pa uint64, ok bool, cost int64) {
	t.hw.TLBMisses++
	cost = m.cfg.TLBMissCost
	m.lostCost(cpu, t, key, cost)
	pa, ok = t.Proc.Space.Translate(addr)
	if ok {
		if old, by, ev := cpu.TLB.put(key, pa&^(mem.PageSize-1), t.TID); ev {
			m.noteLost(cpu, t, old, by)
			if w := &cpu.win; old == w.tkey {
				w.proc = nil
			}
		}
	}
	if m.trace.On(CatTLB) {
		m.Emit(t, &Event{Cat: CatTLB, Ev: "tlb-miss", Cost: cost, Text: fmt.Sprintf("TLB miss: page %s -> frame %d (page walk)", mem.Hex(addr&^(mem.PageSize-1)), pa>>12)})
	}
	return pa, ok, cost
}

// cacheMiss is a miss of t's access at addr (physical pa) in the cache,
// which holds no line: the line is brought in. It returns the ticks of
// the miss, and does not add them to the stall.
func (m *Machine) cacheMiss(cpu *CPU, t *Thread, addr, pa, line uint64) int64 {
	t.hw.CacheMisses++
	c := m.cfg.CacheMissCost
	m.lostCost(cpu, t, line, c)
	w := &cpu.win
	if old, by, ev := cpu.Cache.put(line, 0, t.TID); ev {
		m.noteLost(cpu, t, old, by)
		if lineKey(w.frame)>>6 == old>>6 {
			w.in &^= 1 << (old & 63)
		}
	}
	if lineKey(w.frame)>>6 == line>>6 {
		w.in |= 1 << (line & 63)
		w.slots[line&63] = cpu.Cache.head
	}
	if m.trace.On(CatCache) {
		m.Emit(t, &Event{Cat: CatCache, Ev: "cache-miss", Cost: c, Text: fmt.Sprintf("cache miss: %s (physical %s)", mem.Hex(addr), mem.Hex(pa&^(LineSize-1)))})
	}
	return c
}

// touchLines is TouchFrame outside the window (or with its log full).
// Nearly every line of a frame is a hit in both,
// on a page at the head of the TLB (which the cache's hits leave there)
// and on a line the memo finds: those lines take a few steps each, with
// no call, and the first line that is anything else goes the way of
// Touch, it and the lines after it.
func (m *Machine) touchLines(t *Thread, lo, hi uint64) int64 {
	cpu := m.cpu
	cpu.settle()
	tlb, cache := &cpu.TLB, &cpu.Cache
	a := (hi - 1) &^ (LineSize - 1)
	if tlb.head >= 0 && cache.head >= 0 {
		var asid uint64
		if m.cfg.ASID {
			asid = uint64(t.Proc.PID)
		}
		// The page at the head of the TLB stays there while only the
		// cache's order changes.
		page := tlb.nodes[tlb.head]
		nodes := cache.nodes
		n := int64(0) // lines done
		for {
			addr := max(a, lo)
			if tlbKey(int(asid), addr) != page.key {
				break
			}
			line := lineKey(page.val | addr&(mem.PageSize-1))
			if h := cache.head; nodes[h].key != line {
				i := cache.memo[memoIndex(line)] - 1
				if i < 0 || int(i) >= len(nodes) || nodes[i].key != line {
					break
				}
				// A hit off the head: it moves to the front.
				x := &nodes[i]
				p, nx := x.prev, x.next
				nodes[p].next = nx
				if nx >= 0 {
					nodes[nx].prev = p
				} else {
					cache.tail = p
				}
				x.prev, x.next = -1, h
				nodes[h].prev = i
				cache.head = i
			}
			n++
			if a <= lo {
				st := &t.hw
				st.TLBHits += n
				st.CacheHits += n
				m.learn(cpu, t, lo, hi)
				return 0
			}
			a -= LineSize
		}
		st := &t.hw
		st.TLBHits += n
		st.CacheHits += n
	}
	var c int64
	for ; ; a -= LineSize {
		c += m.Touch(t, max(a, lo))
		if a <= lo {
			break
		}
	}
	if tlb.size > 0 && cache.size > 0 {
		m.learn(cpu, t, lo, hi)
	}
	return c
}

// lostCost counts a miss on key as the indirect cost of a switch when
// another thread's run took key away.
func (m *Machine) lostCost(cpu *CPU, t *Thread, key uint64, c int64) {
	if by, ok := cpu.lost.get(key); ok {
		cpu.lost.del(key)
		if by == lostToStore {
			t.hw.Coherence++
		} else if int(by) != t.TID {
			t.hw.Indirect += c
		}
	}
}

// lostToStore marks, in a CPU's lost entries, a line that a store of
// another CPU took out of its cache.
const lostToStore = -2

// TouchStore is Touch for a store. With several CPUs and a cache, the
// store then takes the line out of every other CPU's cache (caches kept
// coherent by invalidation, as MESI's): their next access to it misses.
// Two threads on two CPUs that store into one line, even to different
// variables in it, take it from each other at every store: false
// sharing.
func (m *Machine) TouchStore(t *Thread, addr uint64) int64 {
	c := m.Touch(t, addr)
	if !m.multi || m.cfg.CacheLines == 0 {
		return c
	}
	pa, ok := t.Proc.Space.Translate(addr)
	if !ok {
		return c
	}
	key := lineKey(pa)
	for _, x := range m.cpus {
		if x == m.cpu {
			continue
		}
		x.settle()
		i := x.Cache.slot(key)
		if i < 0 {
			continue
		}
		x.Cache.drop(i)
		if w := &x.win; lineKey(w.frame)>>6 == key>>6 {
			w.in &^= 1 << (key & 63)
		}
		if x.lost.len() >= maxLost {
			x.lost.clear()
		}
		x.lost.put(key, lostToStore)
		if m.trace.On(CatCache) {
			m.Emit(t, &Event{Cat: CatCache, Ev: "invalidate", Text: fmt.Sprintf("store to %s takes its line out of cpu%d's cache", mem.Hex(addr), x.ID)})
		}
	}
	return c
}

// noteLost remembers that t's access evicted key, brought in by tid by.
func (m *Machine) noteLost(cpu *CPU, t *Thread, key uint64, by int) {
	if by == t.TID {
		return // a thread's own working set: no switch to blame
	}
	if cpu.lost.len() >= maxLost {
		cpu.lost.clear()
	}
	cpu.lost.put(key, int32(t.TID))
}

// switchHW is the hardware's part of a switch to t: without ASIDs the
// TLB is flushed when another process's translations are in it.
func (m *Machine) switchHW(t *Thread) {
	cpu := m.cpu
	cpu.settle()
	if cpu.TLB.size == 0 || m.cfg.ASID || cpu.asid == t.Proc.PID {
		cpu.asid = t.Proc.PID
		return
	}
	had := cpu.asid >= 0
	cpu.asid = t.Proc.PID
	held := cpu.TLB.nodes
	if cpu.lost.len()+len(held) > maxLost {
		cpu.lost.clear()
	}
	for i := range held {
		cpu.lost.put(held[i].key, -1)
	}
	cpu.TLB.flush()
	cpu.win.proc = nil
	if had && len(held) > 0 && m.trace.On(CatTLB) {
		n := fmt.Sprintf("%d translations", len(held))
		if len(held) == 1 {
			n = "1 translation"
		}
		m.Emit(t, &Event{Cat: CatTLB, Ev: "tlb-flush", Text: "TLB flushed: " + n + " of the last process dropped (no ASIDs)"})
	}
}

// HWStats returns what a thread's loads and stores cost in the TLB and
// the cache.
func (t *Thread) HWStats() HWStats { return t.hw }

// HWStats returns what the loads and stores of p's threads cost.
func (p *Process) HWStats() HWStats {
	var s HWStats
	for _, t := range p.Threads {
		s.add(t.hw)
	}
	return s
}

// TLBView renders the TLB of each CPU, most recently used first.
func (m *Machine) TLBView() []string {
	m.settleHW()
	var out []string
	for _, cpu := range m.cpus {
		if cpu.TLB.size == 0 {
			out = append(out, fmt.Sprintf("cpu %d: no TLB (tlb_entries=0)", cpu.ID))
			continue
		}
		keys, vals := cpu.TLB.entries()
		tag := "untagged: one process's translations"
		if m.cfg.ASID {
			tag = "tagged with ASIDs"
		}
		out = append(out, fmt.Sprintf("cpu %d: %d of %d entries, %s, most recently used first", cpu.ID, len(keys), cpu.TLB.size, tag))
		for i, k := range keys {
			page := (k & (1<<40 - 1)) << 12
			who := fmt.Sprintf("pid %d", cpu.asid)
			if m.cfg.ASID {
				who = fmt.Sprintf("asid %d", k>>40)
			}
			out = append(out, fmt.Sprintf("  %-12s -> frame %-5d %s", fmt.Sprintf("%08x", page), vals[i]>>12, who))
		}
	}
	return out
}

// hwRows is the hardware's part of the statistics: a row per process,
// then one per thread, with the direct cost of the switches to each.
func (m *Machine) hwRows() (procs, threads []hwRow) {
	for _, p := range m.procs {
		r := hwRow{ID: p.PID, PID: p.PID, Name: p.Name}
		for _, t := range p.Threads {
			r.HWStats.add(t.hw)
			r.Direct += t.switchDirect
		}
		procs = append(procs, r)
	}
	for _, t := range m.threads {
		threads = append(threads, hwRow{ID: t.TID, PID: t.Proc.PID, Name: t.Name, HWStats: t.hw, Direct: t.switchDirect})
	}
	return procs, threads
}

// hwRow is a row of the hardware statistics.
type hwRow struct {
	ID, PID int
	Name    string
	HWStats
	// Direct is the ticks of the switches to it (cost_switch_*).
	Direct int64
}

// ticksWord is n ticks, in words: "1 tick", "3 ticks".
func ticksWord(n int64) string {
	if n == 1 {
		return "1 tick"
	}
	return strconv.FormatInt(n, 10) + " ticks"
}

// hwTable is the hardware's part of the statistics table.
func (m *Machine) hwTable() []string {
	procs, threads := m.hwRows()
	head := func(id string) string {
		h := fmt.Sprintf("%5s %-10s %8s %8s %9s %10s %6s %9s %11s", id, "NAME", "TLB-HIT", "TLB-MISS", "CACHE-HIT", "CACHE-MISS", "STALL", "SW-DIRECT", "SW-INDIRECT")
		if m.multi {
			h += fmt.Sprintf(" %9s", "COHERENCE")
		}
		return h
	}
	row := func(r hwRow) string {
		s := fmt.Sprintf("%5d %-10s %8d %8d %9d %10d %6d %9d %11d", r.ID, r.Name, r.TLBHits, r.TLBMisses, r.CacheHits, r.CacheMisses, r.Stall, r.Direct, r.Indirect)
		if m.multi {
			s += fmt.Sprintf(" %9d", r.Coherence)
		}
		return s
	}
	out := []string{head("PID")}
	for i, r := range procs {
		if i == MaxReportRows {
			out = append(out, fmt.Sprintf("... and %d more processes", len(procs)-i))
			break
		}
		out = append(out, row(r))
	}
	out = append(out, head("TID"))
	for i, r := range threads {
		if i == MaxReportRows {
			out = append(out, fmt.Sprintf("... and %d more threads", len(threads)-i))
			break
		}
		out = append(out, row(r))
	}
	var tot HWStats
	var direct int64
	for _, r := range procs {
		tot.add(r.HWStats)
		direct += r.Direct
	}
	asid := "off: a process switch flushes the TLB"
	if m.cfg.ASID {
		asid = "on: a process switch keeps the TLB"
	}
	out = append(out,
		"STALL is the ticks lost to misses; SW-DIRECT the ticks of the switches to it (cost_switch_*), SW-INDIRECT the misses on entries another thread's run took away",
	)
	if m.multi {
		out = append(out, "COHERENCE is the misses on lines a store of another CPU took out of this CPU's cache (false sharing, when the threads use different variables of one line)")
	}
	out = append(out,
		fmt.Sprintf("TLB %d entries, miss %s, asid %s; cache %d lines of %d bytes, miss %s", m.cfg.TLBEntries, ticksWord(m.cfg.TLBMissCost), asid, m.cfg.CacheLines, LineSize, ticksWord(m.cfg.CacheMissCost)),
		fmt.Sprintf("switch cost: %d ticks direct + %d indirect = %d", direct, tot.Indirect, direct+tot.Indirect))
	return out
}

// appendHWJSON adds the hardware's statistics to the stats record.
func (m *Machine) appendHWJSON(b []byte) []byte {
	procs, threads := m.hwRows()
	obj := func(b []byte, key string, r hwRow) []byte {
		b = fmt.Appendf(b, `{"%s":%d,"tlb_hits":%d,"tlb_misses":%d,"cache_hits":%d,"cache_misses":%d,"stall":%d,"switch_direct":%d,"switch_indirect":%d`,
			key, r.ID, r.TLBHits, r.TLBMisses, r.CacheHits, r.CacheMisses, r.Stall, r.Direct, r.Indirect)
		if m.multi {
			b = fmt.Appendf(b, `,"coherence":%d`, r.Coherence)
		}
		return append(b, '}')
	}
	b = append(b, `,"hw":{"tlb_entries":`...)
	b = strconv.AppendInt(b, m.cfg.TLBEntries, 10)
	b = append(b, `,"cache_lines":`...)
	b = strconv.AppendInt(b, m.cfg.CacheLines, 10)
	b = append(b, `,"asid":`...)
	b = strconv.AppendBool(b, m.cfg.ASID)
	b = append(b, `,"procs":[`...)
	for i, r := range procs[:min(len(procs), MaxReportRows)] {
		if i > 0 {
			b = append(b, ',')
		}
		b = obj(b, "pid", r)
	}
	b = append(b, `],"threads":[`...)
	for i, r := range threads[:min(len(threads), MaxReportRows)] {
		if i > 0 {
			b = append(b, ',')
		}
		b = obj(b, "tid", r)
	}
	return append(b, "]}"...)
}
