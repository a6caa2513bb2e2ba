package runtime

import (
	"fmt"

	"proc/runtime/mem"
)

// The limits of a run. Every run is bounded, whatever its script does, so
// that a teacher can run a hundred submissions unread: in instructions
// (max_steps), simulated time (max_ticks), time slices (max_slices),
// program output (max_output), trace (max_trace), memory (max_memory) and
// bytes copied (max_copy). Work that a limit does not count is bounded by
// one that does: every turn of the scheduler follows an instruction or the
// end of a time slice, every event an instruction or a turn.
//
// A limit that a system call can meet is met as the call would be on a
// real system: alloc, spawn, fork, thread, pipe, shm... return nil when
// the memory is spent. The others halt the run, and Halted says which.

// What the memory meter counts for what the kernel keeps, besides the
// bytes of memory itself.
const (
	// ProcessCost is a process's record: its descriptor table, its
	// counters, kept for the statistics when it has ended.
	ProcessCost = 2048
	// ThreadCost is a thread's record: its registers, its frames' list.
	ThreadCost = 1024
	// ObjectCost is one kernel object: a descriptor, a mutex, a
	// semaphore, a condition variable, a queue, a listener.
	ObjectCost = 128
	// MessageCost is a message in a queue or a packet on the wire,
	// besides its bytes.
	MessageCost = 32
)

// MaxSlicesRecorded bounds the timeline kept for --gantt and --chrome: a
// run that switches more often than this keeps the beginning of it.
const MaxSlicesRecorded = 1 << 20

// budgets are the counters of the limits that a run spends, from where
// the current stretch of it began (the REPL starts one at every input).
type budgets struct {
	tickBase    int64 // the clock when the stretch began
	tickEnd     int64 // the last tick the stretch may reach (max_ticks)
	slicesLeft  int64 // time slices that may still run out (max_slices)
	copied      int64 // bytes copied
	copyRefused bool  // the last process refused was refused by max_copy
}

// ResetBudgets starts a new stretch of the run for the limits that count
// per stretch (the REPL's inputs): output, time, slices, trace, copies.
func (m *Machine) ResetBudgets() {
	m.output = 0
	m.budgets = budgets{tickBase: m.clock, tickEnd: m.clock + m.cfg.MaxTicks, slicesLeft: m.cfg.MaxSlices}
	m.trace.ResetBudget(m.cfg.MaxTrace)
	m.meter.Max = m.cfg.MaxMemory
	m.meter.Over = m.meter.Used > m.meter.Max
	m.alarm = m.meter.Over
}

// RecordTimeline makes the machine keep the timeline of who ran when
// (Slices), for --gantt and --chrome, and with waits of who waited when,
// and how (Waits), for --gantt.
func (m *Machine) RecordTimeline(slices, waits bool) {
	m.recordSlices, m.recordWaits = slices, waits
}

// SetConfig makes cfg the machine's settings from now on: the REPL's
// :set changes them between two stretches of a run. The limits that
// count per stretch take them at the next ResetBudgets.
func (m *Machine) SetConfig(cfg Config) {
	old := m.cfg
	// The CPUs are made with the machine.
	cfg.CPUs, cfg.PerCPU = old.CPUs, old.PerCPU
	m.cfg = cfg
	// The window's page is named by a key that depends on asid.
	m.settleHW()
	m.win.proc = nil
	if old.TLBEntries != cfg.TLBEntries || old.CacheLines != cfg.CacheLines {
		m.initHW()
	}
}

// Memory returns the meter of the machine's memory.
func (m *Machine) Memory() *mem.Meter { return m.meter }

// Fits reports whether n more bytes of memory fit in max_memory.
func (m *Machine) Fits(n int64) bool { return m.meter.Fits(n) }

// Copy counts n bytes that the run copies (a string built, an address
// space forked, data moved through the kernel). It reports false, and
// stops the run, once max_copy is spent.
func (m *Machine) Copy(n int64) bool {
	m.budgets.copied += n
	if m.budgets.copied > m.cfg.MaxCopy {
		m.Halt(HaltCopy, fmt.Sprintf("copy limit reached (max_copy=%d bytes): the run built or copied more than that", m.cfg.MaxCopy))
		return false
	}
	return true
}

// CopyFits reports whether n more bytes may be copied.
func (m *Machine) CopyFits(n int64) bool { return m.budgets.copied+n <= m.cfg.MaxCopy }

// Copied returns the bytes copied so far.
func (m *Machine) Copied() int64 { return m.budgets.copied }

// overLimit stops the run when a limit that is charged rather than
// refused has been passed: memory, time, trace. It reports whether the
// run is stopped. It is asked at every turn of the scheduler, so the
// common answer is a few comparisons the compiler inlines.
func (m *Machine) overLimit() bool {
	if !m.alarm && m.clock <= m.budgets.tickEnd && m.halt == NotHalted {
		return false
	}
	return m.stopAtLimit()
}

func (m *Machine) stopAtLimit() bool {
	switch {
	case m.halt != NotHalted:
	case m.meter.Over:
		m.Halt(HaltMemory, fmt.Sprintf("memory limit reached (max_memory=%d bytes): the machine holds %d", m.cfg.MaxMemory, m.meter.Used))
	case m.clock > m.budgets.tickEnd:
		m.Halt(HaltTicks, fmt.Sprintf("tick limit reached (max_ticks=%d)", m.cfg.MaxTicks))
	case m.trace.Full():
		m.Halt(HaltTrace, fmt.Sprintf("trace limit reached (max_trace=%d bytes)", m.cfg.MaxTrace))
	}
	return m.halt != NotHalted
}

// Over reports whether the run has met a limit and must stop (Halted
// says which): the executor asks after operations that spend memory,
// copies or trace.
func (m *Machine) Over() bool { return m.overLimit() }

// sliceEnded counts a time slice that ran out; past max_slices the run
// stops.
func (m *Machine) sliceEnded() {
	if m.budgets.slicesLeft--; m.budgets.slicesLeft < 0 {
		m.slicesSpent()
	}
}

func (m *Machine) slicesSpent() {
	m.Halt(HaltSlices, fmt.Sprintf("slice limit reached (max_slices=%d): the scheduler took the CPU back that many times", m.cfg.MaxSlices))
}

// ticksLeft is how many more ticks the stretch may run.
func (m *Machine) ticksLeft() int64 {
	return m.budgets.tickEnd - m.clock
}

// recordSlice adds a stretch of a thread's time to the timeline, while it
// has room.
func (m *Machine) recordSlice(s Slice) {
	if len(m.slices) >= MaxSlicesRecorded {
		m.slicesCut = true
		m.cutTimeline(s.Start)
		return
	}
	m.slices = append(m.slices, s)
}

// recordWait adds a stretch of a thread's waiting to the timeline, while
// it has room (as many as of runs).
func (m *Machine) recordWait(w Wait) {
	if len(m.waits) >= MaxSlicesRecorded {
		m.cutTimeline(w.Start)
		return
	}
	m.waits = append(m.waits, w)
}

// cutTimeline notes that a stretch from tick at on is missing from the
// timeline: what it shows from there on would be partial.
func (m *Machine) cutTimeline(at int64) {
	if !m.timelineCut || at < m.timelineCutAt {
		m.timelineCut, m.timelineCutAt = true, at
	}
}

// forkFootprint is what forking t's process copies: the words of every
// private segment the child gets, every thread's stack among them.
func (m *Machine) forkFootprint(t *Thread) int64 {
	p := t.Proc
	var n int64
	for _, s := range p.Space.Segments() {
		if s.Perm&mem.PermShared != 0 {
			continue
		}
		n += s.Footprint()
	}
	for _, s := range []*mem.Segment{p.Data, p.Bss, p.Space.HeapSeg} {
		if s.End == s.Start {
			n += s.Footprint() // not mapped, cloned all the same
		}
	}
	return n
}

// releaseMemory gives back the memory of an ended process: its words, its
// heap, its synchronization objects. Its record stays, for the statistics.
func (m *Machine) releaseMemory(p *Process) {
	for _, s := range p.Space.Segments() {
		if s.Perm&mem.PermShared == 0 {
			s.Release()
		}
	}
	for _, s := range []*mem.Segment{p.Data, p.Bss, p.Space.HeapSeg} {
		s.Release()
	}
	p.Heap.Release()
	m.meter.Release(ObjectCost * int64(len(p.syncObjs)))
	p.syncObjs = map[int]*SyncObject{}
}

// objectFits reports whether n more kernel objects fit in memory. The
// system calls that make them (pipe, mqueue, mutex, sem, cond, listen,
// connect, accept) fail, returning nil, when they do not.
func (m *Machine) objectFits(n int) bool { return m.meter.Fits(ObjectCost * int64(n)) }

// noRoom names the limit that kept a process (or, with thread, a thread)
// from being made: "max_procs=256", "max_memory=67108864"...
func (m *Machine) noRoom(thread bool) string {
	switch {
	case !thread && int64(m.LiveProcs()) >= m.cfg.MaxProcs:
		return fmt.Sprintf("max_procs=%d", m.cfg.MaxProcs)
	case int64(m.LiveThreads()) >= m.cfg.MaxThreads:
		return fmt.Sprintf("max_threads=%d", m.cfg.MaxThreads)
	case m.budgets.copyRefused:
		return fmt.Sprintf("max_copy=%d", m.cfg.MaxCopy)
	}
	return fmt.Sprintf("max_memory=%d", m.cfg.MaxMemory)
}

// refuse notes that a process could not be made for want of memory or
// of copy budget, for noRoom, and reports false.
func (m *Machine) refuse(copyFits bool) bool {
	m.budgets.copyRefused = !copyFits
	return false
}
