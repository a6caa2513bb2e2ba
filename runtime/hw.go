package runtime

import (
	"fmt"
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
	lost map[uint64]int
}

// lru is a fully associative cache of keys, replacing the least
// recently used. vals holds, for the TLB, the frame of a page. The slots
// are kept on a list from the most recently used (head) to the least
// (tail), so that a hit and a replacement take the same few steps
// whatever the size.
type lru struct {
	size       int
	keys       []uint64
	vals       []uint64
	owner      []int32 // the tid that brought each entry in
	prev, next []int32 // the list, by slot; -1 ends it
	head, tail int32
	at         map[uint64]int
	// memo remembers the slot of recently found keys by a hash of the
	// key (slot+1; 0 for none), so that most lookups need no map.
	memo [64]int32
}

// memoIndex is the place of key in memo.
func memoIndex(key uint64) int { return int(key * 0x9E3779B97F4A7C15 >> 58) }

func newLRU(size int) lru {
	return lru{size: size, at: make(map[uint64]int, min(size, 1024)), head: -1, tail: -1}
}

// unlink takes slot i off the list.
func (c *lru) unlink(i int32) {
	p, n := c.prev[i], c.next[i]
	if p >= 0 {
		c.next[p] = n
	} else {
		c.head = n
	}
	if n >= 0 {
		c.prev[n] = p
	} else {
		c.tail = p
	}
}

// front puts slot i at the head of the list.
func (c *lru) front(i int32) {
	c.prev[i], c.next[i] = -1, c.head
	if c.head >= 0 {
		c.prev[c.head] = i
	} else {
		c.tail = i
	}
	c.head = i
}

// find returns the slot of key, marking it used.
func (c *lru) find(key uint64) (int, bool) {
	if c.head >= 0 && c.keys[c.head] == key {
		return int(c.head), true
	}
	j := memoIndex(key)
	i := int(c.memo[j]) - 1
	if i < 0 || i >= len(c.keys) || c.keys[i] != key {
		var ok bool
		if i, ok = c.at[key]; !ok {
			return -1, false
		}
		c.memo[j] = int32(i + 1)
	}
	c.unlink(int32(i))
	c.front(int32(i))
	return i, true
}

// put brings key in, replacing the least recently used entry when full;
// it returns the key replaced and whether there was one.
func (c *lru) put(key, val uint64, tid int) (old uint64, oldOwner int, evicted bool) {
	i := int32(len(c.keys))
	if int(i) < c.size {
		c.keys = append(c.keys, key)
		c.vals = append(c.vals, val)
		c.owner = append(c.owner, int32(tid))
		c.prev = append(c.prev, -1)
		c.next = append(c.next, -1)
	} else {
		i = c.tail
		old, oldOwner, evicted = c.keys[i], int(c.owner[i]), true
		delete(c.at, old)
		c.unlink(i)
		c.keys[i], c.vals[i], c.owner[i] = key, val, int32(tid)
	}
	c.front(i)
	c.at[key] = int(i)
	c.memo[memoIndex(key)] = i + 1
	return old, oldOwner, evicted
}

// flush empties the cache, and returns what it held (valid until the
// next put: the arrays are kept for what comes in next).
func (c *lru) flush() []uint64 {
	keys := c.keys
	c.keys, c.vals, c.owner = c.keys[:0], c.vals[:0], c.owner[:0]
	c.prev, c.next = c.prev[:0], c.next[:0]
	c.head, c.tail = -1, -1
	clear(c.at)
	c.memo = [64]int32{}
	return keys
}

// entries returns the keys and values held, most recently used first.
func (c *lru) entries() (keys, vals []uint64) {
	for i := c.head; i >= 0; i = c.next[i] {
		keys = append(keys, c.keys[i])
		vals = append(vals, c.vals[i])
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
}

func (s *HWStats) add(o HWStats) {
	s.TLBHits += o.TLBHits
	s.TLBMisses += o.TLBMisses
	s.CacheHits += o.CacheHits
	s.CacheMisses += o.CacheMisses
	s.Stall += o.Stall
	s.Indirect += o.Indirect
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
	m.cpus = []*CPU{{ID: 0, TLB: newLRU(int(m.cfg.TLBEntries)), Cache: newLRU(int(m.cfg.CacheLines)), lost: map[uint64]int{}, asid: -1}}
}

// maxLost bounds what a CPU remembers of the entries taken from it.
const maxLost = 1 << 16

// Touch passes a load or store of t at addr through the TLB and the cache
// of t's CPU and returns the ticks their misses cost. It is called only
// when the machine models them (HW).
func (m *Machine) Touch(t *Thread, addr uint64) int64 {
	cpu := m.cpus[0]
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
		if i, hit := cpu.TLB.find(key); hit {
			st.TLBHits++
			pa = cpu.TLB.vals[i] | addr&(mem.PageSize-1)
		} else {
			st.TLBMisses++
			c := m.cfg.TLBMissCost
			cost += c
			m.lostCost(cpu, t, key, c)
			pa, ok = p.Space.Translate(addr)
			if ok {
				if old, by, ev := cpu.TLB.put(key, pa&^(mem.PageSize-1), t.TID); ev {
					m.noteLost(cpu, t, old, by)
				}
			}
			if m.trace.On(CatTLB) {
				m.Emit(t, &Event{Cat: CatTLB, Ev: "tlb-miss", Cost: c, Text: fmt.Sprintf("TLB miss: page %s -> frame %d (page walk)", mem.Hex(addr&^(mem.PageSize-1)), pa>>12)})
			}
		}
	} else {
		pa, ok = p.Space.Translate(addr)
	}
	if ok && cpu.Cache.size > 0 {
		// Line keys are set apart from page keys by their top bit, so
		// that one map of lost entries serves both.
		line := pa>>lineBits | 1<<63
		if _, hit := cpu.Cache.find(line); hit {
			st.CacheHits++
		} else {
			st.CacheMisses++
			c := m.cfg.CacheMissCost
			cost += c
			m.lostCost(cpu, t, line, c)
			if old, by, ev := cpu.Cache.put(line, 0, t.TID); ev {
				m.noteLost(cpu, t, old, by)
			}
			if m.trace.On(CatCache) {
				m.Emit(t, &Event{Cat: CatCache, Ev: "cache-miss", Cost: c, Text: fmt.Sprintf("cache miss: %s (physical %s)", mem.Hex(addr), mem.Hex(pa&^(LineSize-1)))})
			}
		}
	}
	st.Stall += cost
	return cost
}

// lostCost counts a miss on key as the indirect cost of a switch when
// another thread's run took key away.
func (m *Machine) lostCost(cpu *CPU, t *Thread, key uint64, c int64) {
	if by, ok := cpu.lost[key]; ok {
		delete(cpu.lost, key)
		if by != t.TID {
			t.hw.Indirect += c
		}
	}
}

// noteLost remembers that t's access evicted key, brought in by tid by.
func (m *Machine) noteLost(cpu *CPU, t *Thread, key uint64, by int) {
	if by == t.TID {
		return // a thread's own working set: no switch to blame
	}
	if len(cpu.lost) >= maxLost {
		clear(cpu.lost)
	}
	cpu.lost[key] = t.TID
}

// switchHW is the hardware's part of a switch to t: without ASIDs the
// TLB is flushed when another process's translations are in it.
func (m *Machine) switchHW(t *Thread) {
	cpu := m.cpus[0]
	if cpu.TLB.size == 0 || m.cfg.ASID || cpu.asid == t.Proc.PID {
		cpu.asid = t.Proc.PID
		return
	}
	had := cpu.asid >= 0
	cpu.asid = t.Proc.PID
	keys := cpu.TLB.flush()
	if len(cpu.lost)+len(keys) > maxLost {
		clear(cpu.lost)
	}
	for _, k := range keys {
		cpu.lost[k] = -1
	}
	if had && len(keys) > 0 && m.trace.On(CatTLB) {
		n := fmt.Sprintf("%d translations", len(keys))
		if len(keys) == 1 {
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

// hwTable is the hardware's part of the statistics table.
func (m *Machine) hwTable() []string {
	procs, threads := m.hwRows()
	head := func(id string) string {
		return fmt.Sprintf("%5s %-10s %8s %8s %9s %10s %6s %9s %11s", id, "NAME", "TLB-HIT", "TLB-MISS", "CACHE-HIT", "CACHE-MISS", "STALL", "SW-DIRECT", "SW-INDIRECT")
	}
	row := func(r hwRow) string {
		return fmt.Sprintf("%5d %-10s %8d %8d %9d %10d %6d %9d %11d", r.ID, r.Name, r.TLBHits, r.TLBMisses, r.CacheHits, r.CacheMisses, r.Stall, r.Direct, r.Indirect)
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
		fmt.Sprintf("TLB %d entries, miss %d ticks, asid %s; cache %d lines of %d bytes, miss %d ticks", m.cfg.TLBEntries, m.cfg.TLBMissCost, asid, m.cfg.CacheLines, LineSize, m.cfg.CacheMissCost),
		fmt.Sprintf("switch cost: %d ticks direct + %d indirect = %d", direct, tot.Indirect, direct+tot.Indirect))
	return out
}

// appendHWJSON adds the hardware's statistics to the stats record.
func (m *Machine) appendHWJSON(b []byte) []byte {
	procs, threads := m.hwRows()
	obj := func(b []byte, key string, r hwRow) []byte {
		b = fmt.Appendf(b, `{"%s":%d,"tlb_hits":%d,"tlb_misses":%d,"cache_hits":%d,"cache_misses":%d,"stall":%d,"switch_direct":%d,"switch_indirect":%d}`,
			key, r.ID, r.TLBHits, r.TLBMisses, r.CacheHits, r.CacheMisses, r.Stall, r.Direct, r.Indirect)
		return b
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
