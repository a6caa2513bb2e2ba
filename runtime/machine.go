package runtime

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"proc/runtime/mem"
)

// Stop says why the executor handed a thread back to the kernel.
type Stop uint8

// Reasons a thread stops running.
const (
	StopPreempt Stop = iota // its budget of ticks is used up
	StopYield               // it gave up the CPU
	StopBlock               // it blocked (the kernel already parked it)
	StopDead                // it or its process ended (the kernel knows)
	StopLimit               // the machine halted (Halted says why) or the thread reached the step bound
	StopResched             // it made another thread ready: the scheduler may preempt it
	StopPoint               // it reached an operation other threads can observe (explore)
)

// Chooser decides, at every scheduling point, which enabled thread runs
// next (stateless exploration and schedule replay). enabled is sorted by
// tid; last is the thread that ran before and yielded tells whether it
// gave up the CPU with yield. Choose returns an index into enabled, or -1
// to stop the run. enabled is the machine's own, valid only during the
// call.
type Chooser interface {
	Choose(enabled []*Thread, last *Thread, yielded bool) int
}

// Executor runs a thread's code: the interpreter implements it. Run executes
// instructions of t until budget ticks are used, the thread blocks, yields or
// ends, or Steps reaches StepBound; it moves the clock (AdvanceTo) and the
// count of steps (CountSteps) as it goes.
type Executor interface {
	Run(t *Thread, budget int64) Stop
}

// Slice is one stretch of time a thread held the CPU (for --gantt).
type Slice struct {
	TID, PID   int
	Start, End int64
	CPU        int // the CPU it ran on
}

// Machine is the simulated computer: clock, processes, threads and the
// scheduler, with a trace of everything that happens.
type Machine struct {
	cfg         Config
	trace       *Tracer
	clock       int64 // current tick
	steps       int64 // instructions executed
	busyTicks   int64 // ticks a thread ran
	idleTicks   int64 // ticks no thread could run
	switchTicks int64
	switches    [2]int64 // [thread, process]
	// slices records who ran when, for the timeline.
	slices []Slice

	procs   []*Process // by pid (pids and tids share one number space)
	running []*Process // the processes that have not ended, by pid
	threads []*Thread  // by tid, every one ever made
	ready   []*Thread
	// readyArr is the whole array ready last grew into (appendReady).
	readyArr []*Thread
	sleepers sleepHeap // by wake-up tick, then by when they went to sleep
	cur      *Thread   // the thread the CPU last ran
	seq      int64
	lastID   int
	// waitCalls counts the joins and waits made (WaitCalls).
	waitCalls int64

	rng prng
	// py is the generator of rng = "python" as the machine started, nil
	// under the default one;
	// pyOrder is pick's scratch list of the ready threads by tid.
	py        *pyRand
	pyOrder   []*Thread
	nextBoost int64
	// nextTick is the next tick where the CPUs of several meet (the
	// periodic timer's, a peek's: cpus.go).
	nextTick int64
	// warmUsed is set once a thread warmed a cache (warm.go): a copy
	// of the machine is not made for its working sets (Clone).
	warmUsed bool
	hosts    map[string]*Host
	qtimers  []queueTimer
	pipes    int
	sockets  int
	syncIDs  int

	liveProcs, liveThreads int
	// recordSlices keeps the timeline of who ran when (slices), for
	// --gantt and --chrome.
	recordSlices bool
	// recordWaits keeps the timeline of who waited when, and how (waits),
	// for --gantt.
	recordWaits bool
	// waits records who waited when: ready, blocked or asleep.
	waits []Wait
	// timelineCut is set when a stretch did not fit in slices or waits;
	// timelineCutAt is the earliest tick such a stretch began.
	timelineCut   bool
	timelineCutAt int64

	// halt is why the run stopped early, haltText the words that say so
	// (Halt, Halted).
	halt     Halt
	haltText string
	// deadlockEvent holds the report of a deadlock.
	deadlockEvent *Event
	// output counts bytes of program output.
	output int64
	// meter counts the memory the machine holds, against max_memory.
	meter *mem.Meter
	// slicesCut is set when the timeline (slices) ran out of room.
	slicesCut bool
	budgets   budgets
	// alarm is set when the memory meter or the trace passes its limit,
	// so that the scheduler watches one flag.
	alarm bool

	// lang runs the threads' code and answers for the language (Lang).
	lang Lang
	// stepBound, when bounded is set, is the count of Steps at which the
	// executor hands the running thread back, in place of max_steps:
	// where RunUntil pauses the machine or ends its stretch (StepBound).
	// It may be 0: a pause in front of the first instruction.
	stepBound int64
	bounded   bool
	// legLimit, when not 0, is the Limit of RunUntil's leg, and
	// legLimitAt the count of Steps where it stops the run: they take
	// max_steps' place for the leg (stepLimit).
	legLimit, legLimitAt int64
	// foreground, when set, is a thread that RunUntil runs whenever it is
	// ready, with no time slice, and that no policy preempts (Leg).
	foreground *Thread
	// watch, when set, is called once when the machine is at step
	// watchAt (Watch).
	watch   func()
	watchAt int64
	// chooser, when set, replaces the scheduling policy (SetChooser).
	chooser Chooser
	yielded bool
	// clockUsed is set once anything made what happens depend on the
	// tick (UseClock).
	clockUsed bool
	// enabled is the list choose hands the chooser, kept between calls:
	// under explore a run asks at every load of a global.
	enabled []*Thread
	// phys is the physical memory every address space takes its frames
	// from; textFrames holds the frames of each program's code, loaded
	// once for every process that runs it (a list: a machine runs a
	// program or a few).
	phys       *mem.Phys
	textFrames []imageFrames
	// cpus are the processors, each with its TLB and cache; hw is set
	// when they model either (HW).
	cpus []*CPU
	win  *frameWindow // the window of cpu
	hw   bool
	// cpu is the CPU that runs now: with one CPU always cpus[0]; with
	// several (multi), the one whose turn it is, whose clock, last
	// thread and queue are loaded in clock, cur, yielded and ready, and
	// tickBound the tick at which its turn gives way to the next CPU's
	// (cpus.go). looking is set while that CPU looks for a thread to
	// run: the first thread made ready then is its, and wakes no idle
	// CPU.
	cpu   *CPU
	multi bool
	// hot is, for each CPU, its clock (while another runs) and whether
	// it idles: what the choice of the next CPU reads every round, side
	// by side.
	hot       []cpuHot
	tickBound int64
	looking   bool
	// The threads that ran ahead of their turn's bound, and what that
	// needs (ahead.go).
	aheadState
	// pausedOn is the CPU whose turn RunUntil paused: the next leg
	// resumes it first.
	pausedOn *CPU
	// pins is set once a thread is pinned to a CPU; pickSub and pickIdx
	// are pickCPU's scratch lists.
	pins    bool
	inTurn  bool // a CPU of several runs a thread's turn
	pickSub []*Thread
	pickIdx []int
	// quanta are mlfq_quanta parsed, from quantaOf.
	quanta   []int64
	quantaOf string
	// woke lists, with wake_preempts, the threads whose I/O ended at the
	// last firing of the timers: they take the CPU from the running one.
	woke []*Thread
	// blocks are what the machine is made of when it is a copy, for a
	// copy made into it once it is no longer used (CloneInto).
	blocks cloneBlocks
}

// NewMachine returns a machine with no processes, that runs the threads'
// code with lang.
func NewMachine(cfg Config, tr *Tracer, lang Lang) *Machine {
	m := &Machine{cfg: cfg, trace: tr, lang: lang}
	m.rng = prng{s: uint64(cfg.Seed)}
	if cfg.PyRNG {
		m.py = seedPyRand(cfg.Seed)
	}
	m.nextBoost = cfg.MLFQBoost
	m.meter = &mem.Meter{Max: cfg.MaxMemory, Alarm: &m.alarm}
	m.phys = mem.NewPhys()
	m.initHW()
	tr.alarm = &m.alarm
	m.ResetBudgets()
	return m
}

// Now returns the current tick.
func (m *Machine) Now() int64 { return m.clock }

// Steps returns the count of instructions executed.
func (m *Machine) Steps() int64 { return m.steps }

// Config returns the machine's settings (SetConfig changes them).
func (m *Machine) Config() Config { return m.cfg }

// CostInsn returns the ticks one instruction costs (cost_insn): the
// executor reads it each time it runs a thread.
func (m *Machine) CostInsn() int64 { return m.cfg.CostInsn }

// MaxOutput returns the bound on a run's output and on a string's length
// (max_output).
func (m *Machine) MaxOutput() int64 { return m.cfg.MaxOutput }

// Tracer returns the trace the machine writes its events to.
func (m *Machine) Tracer() *Tracer { return m.trace }

// Switches returns the count of context switches: between threads of one
// process, and between processes.
func (m *Machine) Switches() (thread, process int64) { return m.switches[0], m.switches[1] }

// DeadlockReported tells whether the machine reported a deadlock (and
// halted for it) since it last ran on (ClearHalt).
func (m *Machine) DeadlockReported() bool { return m.deadlockEvent != nil }

// Procs returns every process ever created, by pid.
func (m *Machine) Procs() []*Process { return m.procs }

// Running returns the processes that have not ended, by pid: a fault
// report looks through them for what a stray address names elsewhere, at
// the cost of the live processes only, not of every one ever made. The
// slice is the machine's own, valid until a process is made or ends.
func (m *Machine) Running() []*Process { return m.running }

// Proc returns the process with the given pid, or nil.
func (m *Machine) Proc(pid int) *Process {
	i := sort.Search(len(m.procs), func(i int) bool { return m.procs[i].PID >= pid })
	if i < len(m.procs) && m.procs[i].PID == pid {
		return m.procs[i]
	}
	return nil
}

// Thread returns the thread with the given tid, or nil.
func (m *Machine) Thread(tid int) *Thread {
	ts := m.threads
	if len(ts) == 0 {
		return nil
	}
	// The tids are in order and most often one after another (a process
	// takes a number too): the place the tid gives is tried first.
	if i := tid - ts[0].TID; i >= 0 && i < len(ts) && ts[i].TID == tid {
		return ts[i]
	}
	i := sort.Search(len(ts), func(i int) bool { return ts[i].TID >= tid })
	if i < len(ts) && ts[i].TID == tid {
		return ts[i]
	}
	return nil
}

// Threads returns every thread ever created, by tid.
func (m *Machine) Threads() []*Thread { return m.threads }

// Current returns the thread the CPU runs or last ran.
func (m *Machine) Current() *Thread { return m.cur }

// nextID returns the next number of the shared pid/tid space.
func (m *Machine) nextID() int {
	m.lastID++
	return m.lastID
}

// LiveProcs counts the processes that are not reaped.
func (m *Machine) LiveProcs() int { return m.liveProcs }

// LiveThreads counts the threads that have not ended.
func (m *Machine) LiveThreads() int { return m.liveThreads }

// reaped marks p reaped and keeps the count of live processes.
func (m *Machine) reaped(p *Process) {
	if p.State != ProcReaped {
		p.State = ProcReaped
		m.liveProcs--
	}
}

// MmapSlide is how much lower the mmap area of each next pid starts, and
// MmapSlides how many places it takes in turn.
const (
	MmapSlide  uint64 = 16 << 20
	MmapSlides        = 256
)

// MmapBase is where the mmap area of a new process (not a fork) starts:
// mem.MmapTop for process 1, MmapSlide lower for each next pid, in a
// cycle of MmapSlides. A real kernel places the area at random (address
// space layout randomization), so that one shared segment is mapped at
// different addresses in different processes and a pointer into it means
// nothing in another; here the place follows the pid, so that every run
// of a script is the same.
func MmapBase(pid int) uint64 {
	return mem.MmapTop - uint64((pid-1)%MmapSlides)*MmapSlide
}

// newProcess creates a process from img with no threads yet. Its address
// space has the layout of x86-64 Linux (docs/LANGUAGE.md, "Values and
// memory"). It returns nil past max_procs (unless unlimited), or when the
// memory is spent.
func (m *Machine) newProcess(parent *Process, img *Image, name string, unlimited bool) *Process {
	if !unlimited && (int64(m.LiveProcs()) >= m.cfg.MaxProcs || int64(m.LiveThreads()) >= m.cfg.MaxThreads) {
		return nil
	}
	heapSize := min(m.cfg.HeapSize, max(m.cfg.HeapMax, 0))
	need := int64(ProcessCost) + 8*int64(len(img.Data)+img.BssWords) + heapSize + 3*ObjectCost
	if parent != nil {
		need += ObjectCost * int64(parent.fds.Len())
	}
	if !m.meter.Fits(need) || !m.CopyFits(8*int64(len(img.Data))) {
		m.refuse(m.CopyFits(8 * int64(len(img.Data))))
		return nil
	}
	m.meter.Charge(ProcessCost)
	m.Copy(8 * int64(len(img.Data)))
	pid := m.nextID()
	p := &Process{PID: pid, Name: name, Host: "local", arrival: m.clock, firstRun: -1, Image: img, mmapNext: MmapBase(pid)}
	p.syncObjs = map[int]*SyncObject{}
	if parent != nil {
		p.PPID = parent.PID
		p.Host = parent.Host
		parent.children = append(parent.children, p)
		p.fds = m.inheritFDs(parent)
	} else {
		p.fds = initFDs()
		m.meter.Charge(ObjectCost * int64(p.fds.Len()))
	}
	p.Space = &mem.AddressSpace{Meter: m.meter}
	p.Space.OnCOW = m.cowTracer(p)
	p.Space.SetPhys(m.phys)
	// The process's six segments in one allocation: a search makes
	// processes at every run.
	segs := new([6]mem.Segment)
	textEnd := mem.TextBase + img.TextSize
	p.Text = &segs[0]
	*p.Text = mem.Segment{Kind: mem.SegText, Name: "[text]", Start: mem.TextBase, End: mem.PageUp(textEnd), Perm: mem.PermR | mem.PermX}
	if p.Text.End == p.Text.Start {
		p.Text.End += mem.PageSize
	}
	p.Space.Map(p.Text)
	dataStart := max(p.Text.End, mem.PageUp(mem.TextBase+img.TextRoom))
	p.Data = &segs[1]
	*p.Data = mem.Segment{Kind: mem.SegData, Name: "[data]", Start: dataStart, End: dataStart + 8*uint64(len(img.Data)), Perm: mem.PermR | mem.PermW}
	p.Data.Words = append([]mem.Value(nil), img.Data...)
	p.Data.SetMeter(m.meter)
	if len(img.Data) > 0 {
		p.Space.Map(p.Data)
	}
	bssStart := max(p.Data.End, dataStart+img.DataRoom)
	p.Bss = &segs[2]
	*p.Bss = mem.Segment{Kind: mem.SegBss, Name: "[bss]", Start: bssStart, End: bssStart + 8*uint64(img.BssWords), Perm: mem.PermR | mem.PermW}
	p.Bss.Words = make([]mem.Value, img.BssWords)
	p.Bss.SetMeter(m.meter)
	if img.BssWords > 0 {
		p.Space.Map(p.Bss)
	}
	heapBase := mem.PageUp(max(p.Bss.End, bssStart+img.BssRoom))
	p.Heap = mem.NewHeap(mem.HeapConfig{
		Base: heapBase, Policy: m.cfg.HeapPolicy, Align: uint64(m.cfg.HeapAlign), Header: uint64(m.cfg.HeapHeader),
		Coalesce: m.cfg.HeapCoalesce, Size: uint64(heapSize), Grow: m.cfg.HeapGrow, Max: uint64(m.cfg.HeapMax),
	})
	p.Heap.SetMeter(m.meter)
	hs := &segs[3]
	*hs = mem.Segment{Kind: mem.SegHeap, Name: "[heap]", Start: heapBase, End: p.Heap.Top(), Perm: mem.PermR | mem.PermW}
	hs.SetMeter(m.meter)
	p.Space.Heap = p.Heap
	p.Space.HeapSeg = hs
	if hs.End > hs.Start {
		p.Space.Map(hs)
	}
	size := uint64(m.cfg.StackSize)
	p.Stack = &segs[4]
	*p.Stack = mem.Segment{Kind: mem.SegStack, Name: "[stack]", Start: mem.StackTop - size, End: mem.StackTop, Perm: mem.PermR | mem.PermW, Down: true, SP: mem.StackTop, TID: pid}
	p.Guard = &segs[5]
	*p.Guard = mem.Segment{Kind: mem.SegGuard, Name: "[guard]", Start: p.Stack.Start - mem.PageSize, End: p.Stack.Start}
	p.Space.Map(p.Guard)
	p.Space.Map(p.Stack)
	// The program is loaded: its code (once for every process that
	// runs it), its data and bss, the heap it starts with.
	m.MapText(p)
	p.Space.Back(p.Data.Start, p.Data.End)
	p.Space.Back(p.Bss.Start, p.Bss.End)
	p.Space.Back(hs.Start, hs.End)
	m.procs = append(m.procs, p)
	m.running = append(m.running, p)
	m.liveProcs++
	return p
}

// MapText maps p's code to the frames of its program, loading the pages
// no process has loaded yet.
func (m *Machine) MapText(p *Process) {
	if p.Image == nil {
		p.Space.Back(p.Text.Start, p.Text.End)
		return
	}
	i := slices.IndexFunc(m.textFrames, func(f imageFrames) bool { return f.img == p.Image })
	if i < 0 {
		i = len(m.textFrames)
		m.textFrames = append(m.textFrames, imageFrames{img: p.Image})
	}
	frames := m.textFrames[i].frames
	for n := int((p.Text.End - p.Text.Start) / mem.PageSize); len(frames) < n; {
		frames = append(frames, m.phys.Alloc())
	}
	m.textFrames[i].frames = frames
	p.Space.BackWith(p.Text.Start, p.Text.End, frames)
}

// imageFrames are the frames a program's code is loaded in.
type imageFrames struct {
	img    *Image
	frames []mem.Frame
}

// Phys is the machine's physical memory.
func (m *Machine) Phys() *mem.Phys { return m.phys }

func (m *Machine) cowTracer(p *Process) func(uint64) {
	return func(page uint64) {
		p.cow++
		if m.trace.On(CatMem) && m.cur != nil && m.cur.Proc == p {
			m.Emit(m.cur, &Event{Cat: CatMem, Ev: "cow", Text: fmt.Sprintf("copy-on-write: page %s copied (first write to a shared page)", mem.Hex(page)),
				Fields: []Field{{"page", Addr(page)}}})
		}
	}
}

// SyncHeap makes the [heap] segment follow the heap's top after an alloc.
func (m *Machine) SyncHeap(p *Process) {
	hs := p.Space.HeapSeg
	if in := p.Heap.InUse(); in > p.heapPeak {
		p.heapPeak = in
	}
	top := p.Heap.Top()
	if top == hs.End {
		return
	}
	mapped := hs.End > hs.Start
	if top > hs.End {
		p.Space.Back(hs.End, top)
	}
	hs.End = top
	if !mapped && top > hs.Start {
		p.Space.Map(hs)
	}
}

// newThread adds a thread to p. The first thread of a process is its main
// thread: its tid is the pid and it runs on the main stack. Every other
// thread gets a stack of stack_size bytes in the mmap area, with a guard
// page below it. It returns nil past max_threads.
func (m *Machine) newThread(p *Process, name string, creator *Thread) *Thread {
	var t *Thread
	if len(p.Threads) == 0 {
		t = &Thread{Proc: p, Name: name, created: m.clock, CreatedBy: creator}
		t.TID = p.PID
		t.Stack, t.Guard = p.Stack, p.Guard
	} else {
		if int64(m.LiveThreads()) >= m.cfg.MaxThreads || !m.meter.Fits(ThreadCost) {
			return nil
		}
		// The thread, its stack and its guard in one allocation: a
		// search makes threads at every run, and a big program a
		// hundred thousand.
		b := new(threadBlock)
		t = &b.t
		t.Proc, t.Name, t.created, t.CreatedBy = p, name, m.clock, creator
		t.TID = m.nextID()
		size := uint64(m.cfg.StackSize)
		top := p.mmapNext
		segs := &b.segs
		segs[0] = mem.Segment{Kind: mem.SegStack, Name: "[stack:" + strconv.Itoa(t.TID) + "]", Start: top - size, End: top, Perm: mem.PermR | mem.PermW, Down: true, SP: top, TID: t.TID}
		segs[1] = mem.Segment{Kind: mem.SegGuard, Name: "[guard]", Start: segs[0].Start - mem.PageSize, End: segs[0].Start}
		t.Stack, t.Guard = &segs[0], &segs[1]
		p.mmapNext = t.Guard.Start
		p.Space.Map(t.Guard)
		p.Space.Map(t.Stack)
	}
	t.sched.Tickets = DefaultTickets
	m.meter.Charge(ThreadCost)
	p.Threads = append(p.Threads, t)
	m.threads = append(m.threads, t)
	m.liveThreads++
	return t
}

// threadBlock is a thread other than a process's main one, with its
// stack's segment and its guard's.
type threadBlock struct {
	t    Thread
	segs [2]mem.Segment
}

// fork creates a copy of t's process: its data, bss, heap, mappings and
// stacks, all shared copy-on-write, as POSIX fork copies the whole address
// space. The child has one thread, a copy of t, on the copy of t's stack;
// the other threads' stacks are there too, with nobody to run on them. It
// returns nil past max_procs or max_threads.
func (m *Machine) fork(t *Thread) (*Process, *Thread) {
	parent := t.Proc
	if int64(m.LiveProcs()) >= m.cfg.MaxProcs || int64(m.LiveThreads()) >= m.cfg.MaxThreads {
		return nil, nil
	}
	// The child's memory is a copy of the parent's: it must fit, and it
	// counts as copied.
	words := m.forkFootprint(t)
	need := ProcessCost + ThreadCost + words + parent.Heap.Footprint() + ObjectCost*int64(parent.fds.Len()+len(parent.syncObjs))
	if !m.meter.Fits(need) || !m.CopyFits(words) {
		m.refuse(m.CopyFits(words))
		return nil, nil
	}
	m.Copy(words)
	m.meter.Charge(ProcessCost + ThreadCost + ObjectCost*int64(len(parent.syncObjs)))
	pid := m.nextID()
	c := &Process{PID: pid, PPID: parent.PID, Name: parent.Name, Host: parent.Host, arrival: m.clock, firstRun: -1,
		Image: parent.Image, mmapNext: parent.mmapNext}
	parent.children = append(parent.children, c)
	c.fds = m.inheritFDs(parent)
	c.Space = &mem.AddressSpace{Meter: m.meter}
	c.Space.OnCOW = m.cowTracer(c)
	for _, s := range parent.Space.Segments() {
		cs := s
		if s.Perm&mem.PermShared == 0 {
			cs = s.Clone()
		}
		c.Space.Map(cs)
		switch s {
		case parent.Text:
			c.Text = cs
		case parent.Data:
			c.Data = cs
		case parent.Bss:
			c.Bss = cs
		case parent.Space.HeapSeg:
			c.Space.HeapSeg = cs
		case t.Stack:
			c.Stack = cs
		case t.Guard:
			c.Guard = cs
		}
	}
	if c.Data == nil {
		c.Data = parent.Data.Clone()
	}
	if c.Bss == nil {
		c.Bss = parent.Bss.Clone()
	}
	if c.Space.HeapSeg == nil {
		c.Space.HeapSeg = parent.Space.HeapSeg.Clone()
	}
	c.Heap = parent.Heap.Clone()
	c.Space.Heap = c.Heap
	c.Stack.TID = pid
	c.heapPeak = c.Heap.InUse()
	// Share every private page written so far, copy-on-write.
	for _, s := range []*mem.Segment{c.Data, c.Bss, c.Space.HeapSeg} {
		if s.End > s.Start {
			parent.Space.ShareCOW(c.Space, s.Start, s.End)
		}
	}
	for _, s := range c.Space.Segments() {
		switch {
		case s.Kind == mem.SegStack:
			// Every stack's live frames, not only the caller's: the
			// other threads are gone, their memory is not.
			parent.Space.ShareCOW(c.Space, s.SP, s.End)
		case s.Kind == mem.SegFile && s.Perm&mem.PermShared == 0:
			parent.Space.ShareCOW(c.Space, s.Start, s.End)
		}
	}
	// The child's page table: the pages still shared keep their frames.
	parent.Space.ForkPages(c.Space)
	// The child maps the parent's shared objects too.
	m.countShared(c, +1)
	m.procs = append(m.procs, c)
	m.running = append(m.running, c)
	m.liveProcs++
	ct := &Thread{TID: pid, Proc: c, Name: t.Name, Stack: c.Stack, Guard: c.Guard, created: m.clock, CreatedBy: t, sched: t.sched}
	ct.sched.Used, ct.sched.LevelUsed = 0, 0
	c.syncObjs = cloneSync(parent, t, ct)
	c.Threads = append(c.Threads, ct)
	m.threads = append(m.threads, ct)
	m.liveThreads++
	return c, ct
}

// MakeReady puts t at the tail of the ready queue.
func (m *Machine) MakeReady(t *Thread) {
	m.makeReadyAt(t, m.clock)
}

func (m *Machine) makeReadyAt(t *Thread, since int64) {
	if t.State == ThreadDone {
		return
	}
	if m.multi && t.started {
		// Woken by a CPU whose clock is behind the thread's.
		since = max(since, t.since)
	}
	if t.started {
		m.settle(t, since)
	} else {
		t.start(since)
	}
	t.since = since
	t.State = ThreadReady
	t.waitingFor = ""
	t.queue, t.holders, t.detail = nil, Holders{}, nil
	m.seq++
	t.seq = m.seq
	t.inReady = true
	if !m.multi {
		m.appendReady(t)
		return
	}
	m.enqueue(t)
	if m.inTurn && !m.looking && t != m.cur {
		m.kick(t)
	}
}

// makeReadyFront puts t at the head of the ready queue: a thread that a
// better one preempted keeps its place among its equals, as POSIX says
// for SCHED_FIFO and SCHED_RR.
func (m *Machine) makeReadyFront(t *Thread) {
	m.MakeReady(t)
	copy(m.ready[1:], m.ready[:len(m.ready)-1])
	m.ready[0] = t
}

// timerDue reports whether a sleep, an I/O or a delivery ends now.
func (m *Machine) timerDue() bool {
	next := m.nextTimer()
	return next >= 0 && next <= m.clock
}

// Block parks t on q (nil for none) until Wake. what says in words what it
// waits for; holders lists the threads that could release it, for the
// deadlock report.
func (m *Machine) Block(t *Thread, what string, q *WaitQueue, holders Holders) {
	m.settle(t, m.clock)
	t.State = ThreadBlocked
	t.asleep = false
	t.waitingFor = what
	t.queue, t.holders = q, holders
	if q != nil {
		q.waiters = append(q.waiters, t)
	}
}

// Sleep blocks t for n ticks, as sleep(3): it waits for nothing but
// time, which the views call sleeping. It returns the tick t wakes at.
func (m *Machine) Sleep(t *Thread, n int64) int64 {
	m.timed(t, n, fmt.Sprintf("sleep(%d) until tick %d", n, m.clock+n))
	t.asleep = true
	return t.wakeAt
}

// IO blocks t for n ticks of a device's work: it waits for a device, as
// a thread blocked on a disk does, so it is blocked and not sleeping. It
// returns the tick t wakes at.
func (m *Machine) IO(t *Thread, n int64) int64 {
	m.timed(t, n, fmt.Sprintf("io(%d) until tick %d", n, m.clock+n))
	return t.wakeAt
}

// timed blocks t until n ticks from now.
func (m *Machine) timed(t *Thread, n int64, what string) {
	m.Block(t, what, nil, Holders{})
	t.sleeping = true
	t.wakeAt = m.clock + n
	m.seq++
	t.sleepSeq = m.seq
	m.sleepers.push(t)
}

// wakeAll makes every thread waiting on q ready (each retries what it was
// doing). It reports whether any thread woke.
func (m *Machine) wakeAll(q *WaitQueue) bool {
	if len(q.waiters) == 0 {
		return false
	}
	ws := q.waiters
	q.waiters = nil
	for _, t := range ws {
		if t.State == ThreadBlocked {
			m.MakeReady(t)
		}
	}
	return true
}

// wakeOne makes the first thread waiting on q ready and returns it.
func (m *Machine) wakeOne(q *WaitQueue) *Thread {
	for len(q.waiters) > 0 {
		t := q.waiters[0]
		q.waiters = q.waiters[1:]
		if t.State == ThreadBlocked {
			m.MakeReady(t)
			return t
		}
	}
	return nil
}

// Emit sends an event stamped with the current tick and t's ids.
func (m *Machine) Emit(t *Thread, e *Event) {
	e.T = m.clock
	if t != nil {
		e.PID, e.TID = t.Proc.PID, t.TID
	}
	m.trace.Emit(e)
}

// Print writes a line of program output for t. It reports false when the
// output limit is reached (the run then stops).
func (m *Machine) Print(t *Thread, text string) bool {
	m.output += int64(len(text)) + 1
	if m.output > m.cfg.MaxOutput {
		m.Halt(HaltOutput, fmt.Sprintf("output limit reached (max_output=%d bytes)", m.cfg.MaxOutput))
		return false
	}
	m.Emit(t, &Event{Cat: CatOutput, Ev: "print", Text: text})
	return !m.overLimit()
}

// EndThread ends t with a result (its function returned). A main thread's
// end ends its process, with the result as exit status.
func (m *Machine) EndThread(t *Thread, result mem.Value, status int) {
	if t.TID == t.Proc.PID {
		m.ExitProcess(t, status)
		return
	}
	t.Result = result
	m.finishThread(t)
	if m.trace.On(CatThread) {
		m.Emit(t, &Event{Cat: CatThread, Ev: "thread_end", Text: fmt.Sprintf("thread end = %s", m.lang.Quote(result)),
			Fields: []Field{{"value", m.lang.Format(result)}}})
	}
	if m.allThreadsDone(t.Proc) {
		m.ExitProcess(t, 0)
	}
}

func (m *Machine) allThreadsDone(p *Process) bool {
	for _, th := range p.Threads {
		if th.State != ThreadDone {
			return false
		}
	}
	return true
}

// finishThread marks t ended and wakes the threads joining it.
func (m *Machine) finishThread(t *Thread) {
	if t.State == ThreadDone {
		return
	}
	if t.ahead.on {
		m.settleAhead(t)
	}
	m.unready(t)
	m.releaseLocks(t)
	if !t.started {
		t.start(m.clock)
	}
	end := m.clock
	if m.multi {
		// A thread of a CPU whose clock is behind this one's ends where
		// its time is: a thread that holds that CPU, where the CPU is.
		end = max(end, t.since)
		if t.State == ThreadRunning && t != m.cur {
			end = t.since
		}
	}
	m.settle(t, end)
	t.State = ThreadDone
	m.liveThreads--
	t.endedAt = end
	if t.TID != t.Proc.PID && t.Stack != nil {
		// A thread's stack is unmapped when it ends (its frames are gone).
		t.Proc.Space.Unmap(t.Stack)
		t.Proc.Space.Unmap(t.Guard)
		// A child forked earlier may share its pages: it now holds them
		// alone and writes them in place.
		t.Proc.Space.ReleaseCOWRange(t.Stack.Start, t.Stack.End)
		t.Proc.Space.Unback(t.Stack.Start, t.Stack.End)
		// Its words go with it: nothing can read them any more, and a
		// pointer left in them keeps no heap block reachable.
		t.Stack.Release()
	}
	t.waitingFor = ""
	m.wakeAll(&t.ended)
}

// ExitProcess ends p with an exit status, of which only the low 8 bits
// are kept: every thread of it ends.
func (m *Machine) ExitProcess(t *Thread, status int) {
	p := t.Proc
	if p.State != ProcRunning {
		return
	}
	// The status is 8 bits, as the status word wait gets on Linux keeps
	// it: exit(1000) is seen as 232 and exit(-1) as 255, by the parent,
	// the trace and the statistics alike.
	asked := status
	status &= 0xff
	p.ExitStatus = status
	var e *Event
	if m.trace.On(CatProc) {
		text := fmt.Sprintf("+++ exited with %d +++", status)
		if asked != status {
			text += fmt.Sprintf("  (%d & 0xff: an exit status is 8 bits)", asked)
		}
		e = &Event{Cat: CatProc, Ev: "exit", Text: text, Fields: []Field{{"status", status}}}
	}
	m.endProcess(t, p, e)
}

// Kill ends p by a signal. The report lines (what happened, where) are
// printed first as a fault event; they are always shown. kind names the
// fault in the event's fields ("div-by-zero", "assert"...): the kernel
// passes it on and gives it no meaning.
func (m *Machine) Kill(t *Thread, sig Signal, kind, what string, more []string, fields []Field) {
	p := t.Proc
	if p.State != ProcRunning {
		return
	}
	fs := append([]Field{{"signal", sig.String()}, {"kind", kind}}, fields...)
	m.Emit(t, &Event{Cat: CatOutput, Ev: "fault", Text: what, More: more, Fields: fs})
	p.Signal = sig
	p.Killed = true
	p.ExitStatus = 128 + int(sig)
	m.endProcess(t, p, &Event{Cat: CatOutput, Ev: "exit", Text: fmt.Sprintf("+++ killed by %s +++", sig),
		Fields: []Field{{"status", p.ExitStatus}, {"signal", sig.String()}}})
}

// endProcess ends every thread of p, reports its leaks, prints its exit
// line (when not nil), hands its children to process 1, and leaves it a
// zombie until its parent waits.
func (m *Machine) endProcess(t *Thread, p *Process, exit *Event) {
	if p.State != ProcRunning {
		return
	}
	for _, th := range p.Threads {
		m.finishThread(th)
	}
	p.finish = m.clock
	m.closeAll(p)
	m.unmapShared(p)
	m.lang.ProcessExit(p)
	if exit != nil {
		m.Emit(t, exit)
	}
	p.Space.ReleaseCOW()
	p.Space.UnbackAll()
	m.releaseMemory(p)
	p.State = ProcZombie
	if i := slices.Index(m.running, p); i >= 0 {
		m.running = slices.Delete(m.running, i, i+1)
	}
	// Orphans go to process 1, or with reparent = "parent" to the
	// exiting process's own parent (a subreaper), while it lives.
	adopter := m.Proc(1)
	if m.cfg.ReparentParent {
		if pp := m.Proc(p.PPID); pp != nil && pp.State == ProcRunning && pp != p {
			adopter = pp
		}
	}
	for _, c := range p.children {
		if c.State == ProcReaped || c.PPID != p.PID {
			continue
		}
		if adopter != nil && adopter.State == ProcRunning && adopter != p {
			c.PPID = adopter.PID
			adopter.children = append(adopter.children, c)
			if m.trace.On(CatProc) {
				m.Emit(t, &Event{Cat: CatProc, Ev: "adopt", Text: fmt.Sprintf("orphan %d adopted by process %d", c.PID, adopter.PID),
					Fields: []Field{{"child", c.PID}}})
			}
			if c.State == ProcZombie {
				m.wakeAll(&c.exited)
			}
		} else {
			c.PPID = 0
			if c.State == ProcZombie {
				m.reaped(c)
			}
		}
	}
	parent := m.Proc(p.PPID)
	if p.PPID == 0 || parent == nil || parent.State != ProcRunning {
		m.reaped(p)
		return
	}
	if m.trace.On(CatProc) {
		m.Emit(t, &Event{Cat: CatProc, Ev: "zombie", Text: fmt.Sprintf("zombie: process %d waits for its parent %d to wait", p.PID, p.PPID),
			Fields: []Field{{"parent", p.PPID}}})
	}
	m.wakeAll(&p.exited)
}

// reap collects a zombie child: its exit status, or 128 + the signal.
func (m *Machine) reap(t *Thread, c *Process) int {
	m.reaped(c)
	if m.trace.On(CatProc) {
		m.Emit(t, &Event{Cat: CatProc, Ev: "reap", Text: fmt.Sprintf("reaped zombie %d, status %d", c.PID, c.ExitStatus),
			Fields: []Field{{"child", c.PID}, {"status", c.ExitStatus}}})
	}
	return c.ExitStatus
}

func (m *Machine) unready(t *Thread) {
	if t.inReady {
		// Only a thread that is in the queue is looked for: a running
		// thread that ends would otherwise cost a scan of every ready one.
		t.inReady = false
		q := &m.ready
		if t.queuedOn > 0 {
			q = m.queueOf(m.cpus[t.queuedOn-1])
			t.queuedOn = 0
		}
		for i, r := range *q {
			if r == t {
				*q = append((*q)[:i], (*q)[i+1:]...)
				break
			}
		}
	}
	if t.queue != nil {
		t.queue.remove(t)
		t.queue = nil
	}
	if t.sleeping {
		t.sleeping = false
		m.sleepers.remove(t.sleepIdx)
	}
}

// fireTimers wakes the sleepers whose time has come, earliest first, and
// the queues whose deliveries have arrived.
func (m *Machine) fireTimers() {
	if len(m.qtimers) > 0 {
		keep := m.qtimers[:0]
		var due []queueTimer
		for _, qt := range m.qtimers {
			if qt.at <= m.clock {
				due = append(due, qt)
			} else {
				keep = append(keep, qt)
			}
		}
		m.qtimers = keep
		for _, qt := range due {
			m.wakeAll(qt.q)
		}
	}
	// The sleepers wake earliest first, in the order they went to sleep
	// when they wake at one tick.
	front := 0
	for len(m.sleepers) > 0 && m.sleepers[0].wakeAt <= m.clock {
		t := m.sleepers[0]
		m.sleepers.remove(0)
		t.sleeping = false
		if !t.asleep && m.cfg.MLFQIOBump && m.cfg.Sched == SchedMLFQ {
			// Its I/O done, the thread moves to the top level.
			t.sched.Level, t.sched.LevelUsed = 0, 0
		}
		if !t.asleep && m.cfg.WakePreempts {
			m.woke = append(m.woke, t)
		}
		if m.trace.On(CatSched) {
			m.trace.Emit(&Event{T: t.wakeAt, PID: t.Proc.PID, TID: t.TID, Cat: CatSched, Ev: "wake", Text: "wake: " + t.waitingFor + " is over"})
		}
		m.makeReadyAt(t, t.wakeAt)
		if !t.asleep && m.cfg.WakePreempts && (t.queuedOn == 0 || t.queuedOn == m.cpu.ID+1) {
			t.ioDone = true
			// wake_preempts: it takes the CPU at once, also when the
			// CPU is free in this tick (its holder ended, blocked or
			// used up its quantum): it goes ahead of the threads that
			// were ready, behind those whose I/O ended before it.
			n := len(m.ready) - 1
			copy(m.ready[front+1:], m.ready[front:n])
			m.ready[front] = t
			front++
		}
	}
}

// nextTimer returns the earliest wake-up tick, or -1.
func (m *Machine) nextTimer() int64 {
	next := int64(-1)
	if len(m.sleepers) > 0 {
		next = m.sleepers[0].wakeAt
	}
	for _, qt := range m.qtimers {
		if len(qt.q.waiters) > 0 && (next < 0 || qt.at < next) {
			next = qt.at
		}
	}
	return next
}

// Run runs the machine until no thread is left or it stops.
func (m *Machine) Run() {
	if m.multi {
		m.runMulti()
		return
	}
	for m.halt == NotHalted {
		if m.overLimit() {
			return
		}
		m.boost(nil)
		m.fireTimers()
		var t *Thread
		if m.chooser != nil {
			t = m.choose()
			if m.halt != NotHalted {
				return
			}
		} else {
			t = m.pick()
		}
		if t == nil {
			if m.idle() {
				continue
			}
			if m.LiveThreads() > 0 {
				m.deadlock()
			}
			return
		}
		m.dispatch(t)
	}
}

// idle lets the CPU idle until the next timer, when there is one, and
// reports whether it did.
func (m *Machine) idle() bool {
	next := m.nextTimer()
	if next < 0 {
		return false
	}
	if m.trace.On(CatSched) {
		m.trace.Emit(&Event{T: m.clock, Cat: CatSched, Ev: "idle", Text: fmt.Sprintf("idle: no thread is ready until tick %d", next),
			Fields: []Field{{"until", next}}})
	}
	m.idleTicks += next - m.clock
	m.clock = next
	return true
}

// choose asks the chooser which ready thread runs next.
func (m *Machine) choose() *Thread {
	if len(m.ready) == 0 {
		return nil
	}
	m.enabled = append(m.enabled[:0], m.ready...)
	enabled := m.enabled
	// By tid: an insertion sort, for the few threads a program has ready
	// (a search chooses at every step, and SortFunc's calls cost more).
	for i := 1; i < len(enabled); i++ {
		t := enabled[i]
		j := i
		for ; j > 0 && enabled[j-1].TID > t.TID; j-- {
			enabled[j] = enabled[j-1]
		}
		enabled[j] = t
	}
	i := m.chooser.Choose(enabled, m.cur, m.yielded)
	if i < 0 || i >= len(enabled) {
		m.Halt(HaltSchedule, "schedule")
		return nil
	}
	t := enabled[i]
	m.unready(t)
	return t
}

// dispatch gives the CPU to t until its slice ends, it blocks, yields or
// ends, or a better thread becomes ready.
func (m *Machine) dispatch(t *Thread) {
	p := t.Proc
	if !(m.multi && t.gaveWay && m.cur == t && t.State == ThreadRunning) {
		// (A turn that gave way to another CPU goes on where it was:
		// the same thread on the same CPU, nothing to switch or settle.)
		m.begin(t)
	}
	slice := m.sliceFor(t)
	if m.chooser != nil {
		slice = 1 << 62
	}
	m.yielded = false
	start := m.clock
	m.turn(t, slice)
	// What the turn took, when it ends, gives way or pauses.
	ran := m.clock - start
	m.busyTicks += ran
	m.cpu.sched.busy += ran
	t.times.CPU += ran
	t.since = m.clock
	if t.State == ThreadDone {
		// An exit or a fault is written, and ends the process, as
		// its instruction starts; the thread holds the CPU to the
		// end of that instruction, and its life with it.
		t.endedAt = m.clock
	}
	if ran > 0 && m.recordSlices {
		n := len(m.slices) - 1
		if m.multi {
			n = m.cpu.sched.lastSlice
		}
		if n >= 0 && n < len(m.slices) && m.slices[n].TID == t.TID && m.slices[n].End == start && m.slices[n].CPU == m.cpu.ID {
			m.slices[n].End = m.clock // the same thread ran on
		} else {
			m.recordSlice(Slice{TID: t.TID, PID: p.PID, Start: start, End: m.clock, CPU: m.cpu.ID})
			m.cpu.sched.lastSlice = len(m.slices) - 1
		}
	}
}

// begin gives the running CPU to t: the switch from the thread it ran
// last, the hardware's part of it, the end of t's wait.
func (m *Machine) begin(t *Thread) {
	if m.multi {
		m.onCPU(t)
	}
	if m.cur != nil && m.cur != t {
		m.contextSwitch(m.cur, t)
		t.times.Switches++
	} else if m.cur == nil && m.multi && m.trace.On(CatSched) {
		m.trace.Emit(&Event{T: m.clock, Cat: CatSched, Ev: "run", Text: "runs " + itoa(t.Proc.PID) + "/" + itoa(t.TID) + " (the first thread on this CPU)"})
	}
	m.cur = t
	t.ioDone = false
	if m.hw {
		m.switchHW(t)
	}
	if m.cfg.WarmCache > 0 {
		m.warmNew(t)
	}
	// Its wait ends once the switch to it is paid; a thread paused in
	// its turn (RunUntil) is still running and waited for nothing.
	m.settle(t, m.clock)
	t.State = ThreadRunning
	if p := t.Proc; p.firstRun < 0 {
		p.firstRun = m.clock
	}
}

// turn runs t, which holds the CPU, with slice ticks of its time slice:
// until the slice ends, it blocks, yields or ends, a better thread becomes
// ready, the run pauses or stops, or (several CPUs) it gives way to
// another CPU. dispatch accounts for the ticks it took.
func (m *Machine) turn(t *Thread, slice int64) {
	p := t.Proc
	if m.multi && !t.gaveWay && !t.resuming {
		// A turn begins (not one that gave way to another CPU, nor one
		// RunUntil paused): the executor comes back to the thread's
		// frame.
		t.touchDue = true
	}
	t.gaveWay = false
	for first := true; ; first = false {
		var stop Stop
		if len(m.aheadList) > 0 {
			// A limit the kernel's part of the turn passed (a switch's
			// event filled the trace): the threads ahead stop where
			// they would be, and the turn gives way where it would.
			m.AlarmAhead(m.clock, m.actAt)
		}
		if t.deferred {
			// The end of a stretch past the other CPUs' clocks, looked
			// at now that this CPU's clock is the earliest.
			t.deferred = false
			slice, stop = t.deferredSlice, StopPreempt
			if t.deferredCut {
				t.touchDue = true
			}
		} else {
			if !first && m.overLimit() {
				// The rest of the turn, for RunUntil to resume a paused run.
				t.slice = max(slice, 1)
				return
			}
			if m.multi && m.clock >= m.tickBound && !t.resuming {
				// Another CPU's turn: this one gives way, and its thread
				// goes on with the rest of its slice when its clock is the
				// earliest again. (A turn RunUntil paused goes on, as it
				// would have without the pause.)
				t.slice = max(slice, 1)
				t.gaveWay = true
				return
			}
			if !t.resuming {
				// A turn that RunUntil paused looked at the timers when it
				// began, and an unpaused run would not look again until it
				// ends: firing one now would wake a sleeper mid-turn.
				m.fireTimers()
			}
			budget := slice
			if next := m.nextTimer(); next > m.clock && next-m.clock < budget {
				budget = next - m.clock
			}
			if m.cfg.Sched == SchedMLFQ && m.cfg.MLFQBoost > 0 && m.chooser == nil && m.nextBoost > m.clock && m.nextBoost-m.clock < budget {
				// The priority boost comes at its tick, in the middle of
				// a slice too.
				budget = m.nextBoost - m.clock
			}
			// cut: a timer or a boost ends the budget before the slice
			// does (the kernel runs then); with several CPUs, so may the
			// next CPU's clock (no kernel: the turn only gives way).
			cut := budget < slice
			if m.multi {
				// Where the budget ends past the bound: how far the
				// thread may run ahead (ahead.go).
				m.aheadEnd = min(m.clock+budget, m.budgets.tickEnd)
			}
			if m.multi && m.tickBound-m.clock < budget {
				budget = m.tickBound - m.clock
				cut = false
			}
			// Past max_ticks the run stops: a long compute stops there too.
			budget = max(min(budget, m.ticksLeft()+1), 1)
			s0 := m.clock
			stop = m.lang.Run(t, budget)
			t.resuming = false
			if stop == StopPreempt {
				// The executor stopped where the turn could give way (its
				// budget, a compute's end, the bound): what the kernel
				// does next is at this tick (ahead.go).
				m.actAt = m.clock
			}
			if t.State == ThreadBlocked && t.since < m.clock {
				// Its wait begins where the instruction that blocked it
				// ends: the ticks before are the CPU's (dispatch), also
				// when a timer wakes it right then, before its turn ends.
				t.since = m.clock
			}
			used := m.clock - s0
			slice -= used
			m.charge(t, used)
			if m.multi && stop == StopPreempt && t.State == ThreadRunning && m.clock >= m.tickBound && m.halt == NotHalted {
				// The executor stopped at or past the next CPU's clock
				// (an instruction of several ticks may pass it): what
				// comes next looks at what the other CPUs do (the ready
				// queue, the timers), and waits until they have caught
				// up, so that it sees what they did before this tick.
				t.deferred, t.deferredSlice, t.gaveWay = true, slice, true
				t.deferredCut = cut && m.clock-s0 >= budget
				return
			}
			if m.multi && stop == StopPreempt && cut && m.clock-s0 >= budget {
				// A timer or a boost: the kernel ran.
				t.touchDue = true
			}
		}
		limit, said := m.stepLimit()
		// The executor stopped at RunUntil's pause, not at a limit: the
		// turn goes on when the run resumes, as if it had never stopped.
		paused := stop == StopLimit && m.halt == NotHalted && m.steps < limit
		if (stop == StopPreempt || stop == StopResched) && t.State == ThreadRunning && m.chooser == nil && m.boostDue() {
			// The boost cut the slice: the thread goes back to the
			// ready queue with every other, in the boost's order, and
			// then the threads whose time came wake up.
			m.demote(t)
			m.boost(t)
			m.fireTimers()
			return
		}
		if stop != StopLimit {
			// At a limit the run ends, or RunUntil pauses it; a boost
			// checked here would come earlier than in an unpaused run.
			// It comes before the wake-ups of the same tick.
			m.boost(nil)
		}
		if !paused {
			if (stop == StopPreempt || stop == StopResched) && t.State == ThreadRunning && m.chooser == nil && slice <= 0 && m.timerDue() {
				// The quantum ends in the tick another thread's wait
				// ends: the thread whose quantum ended is queued first,
				// then the one that wakes (the textbook simulators'
				// order).
				m.sliceEnded()
				m.demote(t)
				m.MakeReady(t)
				m.fireTimers()
				return
			}
			m.woke = m.woke[:0]
			m.fireTimers()
			if len(m.woke) > 0 && (stop == StopPreempt || stop == StopResched) && t.State == ThreadRunning && m.chooser == nil {
				// wake_preempts: a thread whose I/O ended takes the CPU
				// at once; the running one keeps its place, right behind.
				if m.trace.On(CatSched) {
					m.Emit(t, &Event{Cat: CatSched, Ev: "preempt", Text: "preempted by a thread whose I/O ended (wake_preempts)"})
				}
				m.makeReadyFront(t)
				for i := len(m.woke) - 1; i >= 0; i-- {
					w := m.woke[i]
					if j := slices.Index(m.ready, w); j > 0 {
						copy(m.ready[1:j+1], m.ready[:j])
						m.ready[0] = w
					}
				}
				m.woke = m.woke[:0]
				return
			}
		}
		switch stop {
		case StopPoint:
			if t.State == ThreadRunning {
				m.MakeReady(t)
			}
			return
		case StopPreempt, StopResched:
			if t.State != ThreadRunning {
				return
			}
			if m.chooser != nil {
				m.MakeReady(t)
				return
			}
			if slice <= 0 {
				// The quantum is used up; the switch line that follows
				// (if another thread is ready) says so well enough.
				m.sliceEnded()
				m.demote(t)
				if len(m.ready) == 0 && m.halt == NotHalted && !(m.multi && m.cfg.Periodic) {
					// Nobody else wants the CPU: the scheduler would pick
					// this thread again, so let it run on.
					slice = m.sliceFor(t)
					m.computeAlone(t, slice)
					t.touchDue = true
					continue
				}
				m.MakeReady(t)
				return
			}
			if m.shouldPreempt(t) {
				if m.trace.On(CatSched) {
					m.Emit(t, &Event{Cat: CatSched, Ev: "preempt", Text: "preempted by a thread the " + m.cfg.Sched.String() + " policy prefers"})
				}
				// It keeps its place: the head of its level's queue.
				m.makeReadyFront(t)
				return
			}
			if stop == StopResched {
				t.touchDue = true
			}
		case StopYield:
			m.leaveCPU(t)
			if t.State == ThreadRunning {
				m.MakeReady(t)
			}
			m.yielded = true
			return
		case StopLimit:
			if paused {
				// Exactly what is left of the slice, even none or less
				// (a thread alone runs past its slice): resuming goes on
				// with it.
				t.paused, t.pausedSlice = true, slice
				return
			}
			if m.halt == NotHalted {
				// Not halted: the thread reached max_steps (or the limit
				// of RunUntil's leg).
				m.Halt(HaltSteps, fmt.Sprintf("step limit reached (max_steps=%d) while %d/%d was running", said, p.PID, t.TID))
			}
			// The rest of the turn, for the REPL to run on after the stop.
			t.slice = max(slice, 1)
			return
		case StopBlock:
			m.leaveCPU(t)
			return
		default:
			return
		}
	}
}

// contextSwitch charges the cost of moving the CPU from one thread to
// another: a thread switch within a process, a process switch otherwise
// (the address space changes).
func (m *Machine) contextSwitch(from, to *Thread) {
	kind, cost, idx := "thread", m.cfg.CostSwitchThread, 0
	if from.Proc != to.Proc {
		kind, cost, idx = "process", m.cfg.CostSwitchProcess, 1
	}
	m.switches[idx]++
	if m.trace.On(CatSched) {
		b := make([]byte, 0, 48)
		b = append(b, "switch "...)
		b = strconv.AppendInt(b, int64(from.Proc.PID), 10)
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(from.TID), 10)
		b = append(b, " -> "...)
		b = strconv.AppendInt(b, int64(to.Proc.PID), 10)
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(to.TID), 10)
		b = append(b, " ("...)
		b = append(b, kind...)
		b = append(b, ')')
		e := &Event{T: m.clock, Cat: CatSched, Ev: "switch", Cost: cost, Text: string(b)}
		if m.trace.Fields() {
			f := strconv.Itoa(from.Proc.PID) + "/" + strconv.Itoa(from.TID)
			g := strconv.Itoa(to.Proc.PID) + "/" + strconv.Itoa(to.TID)
			e.Fields = []Field{{"from", f}, {"to", g}, {"kind", kind}}
		}
		m.trace.Emit(e)
	}
	m.clock += cost
	m.switchTicks += cost
	m.cpu.sched.switching += cost
	to.switchDirect += cost
}

// deadlock stops the run: every remaining thread is blocked and none can be
// released. The report lists each blocked thread and what it waits for,
// and the cycle of waits when there is one.
func (m *Machine) deadlock() {
	m.Halt(HaltDeadlock, "deadlock")
	var blocked []*Thread
	for _, t := range m.threads {
		if t.State == ThreadBlocked {
			blocked = append(blocked, t)
		}
	}
	more := m.blockedLines(blocked)
	var list []string
	for _, t := range blocked {
		list = append(list, fmt.Sprintf("%d/%d", t.Proc.PID, t.TID))
	}
	cycle := m.findCycle(blocked, nil)
	var cyc []string
	if len(cycle) == 1 {
		t := cycle[0]
		cyc = []string{fmt.Sprintf("%d/%d", t.Proc.PID, t.TID)}
		more = append(more, fmt.Sprintf("cycle: %s waits for itself: only its own process could release what it waits for", cyc[0]))
	} else if len(cycle) > 0 {
		for _, t := range cycle {
			cyc = append(cyc, fmt.Sprintf("%d/%d", t.Proc.PID, t.TID))
		}
		more = append(more, "cycle: "+strings.Join(cyc, " -> ")+" -> "+cyc[0])
	} else {
		more = append(more, "no cycle: each waits for something no running thread can give")
	}
	e := &Event{T: m.clock, Cat: CatOutput, Ev: "deadlock",
		Text:   fmt.Sprintf("deadlock: %d %s blocked and none can ever run", len(blocked), pluralThreads(len(blocked))),
		More:   more,
		Fields: []Field{{"blocked", list}, {"cycle", cyc}}}
	m.deadlockEvent = e
	m.trace.Emit(e)
}

// blockedLines are the lines of a report on blocked threads: each thread,
// where it is and what it waits for, and the details of that wait.
func (m *Machine) blockedLines(blocked []*Thread) []string {
	more := []string{}
	for _, t := range blocked {
		where := ""
		if w := m.lang.Where(t); w != "" {
			where = " at " + w
		}
		more = append(more, fmt.Sprintf("[%d/%d]%s: %s", t.Proc.PID, t.TID, where, t.waitingFor))
		if t.detail != nil {
			for _, d := range m.detailLines(t.detail) {
				more = append(more, "    "+d)
			}
		}
	}
	return more
}

func pluralThreads(n int) string {
	if n == 1 {
		return "thread is"
	}
	return "threads are"
}

// Living returns the processes that have not been reaped, by pid.
func (m *Machine) Living() []*Process {
	var out []*Process
	for _, p := range m.procs {
		if p.State != ProcReaped {
			out = append(out, p)
		}
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
