package runtime

import (
	"fmt"
	"sort"

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
	StopLimit               // the machine reached max_steps
)

// Executor runs a thread's code: the interpreter implements it. Run executes
// instructions of t until budget ticks are used, the thread blocks, yields or
// ends, or the step limit is reached; it advances Clock and Steps as it goes.
type Executor interface {
	Run(t *Thread, budget int64) Stop
}

// Machine is the simulated computer: clock, processes, threads and the
// scheduler, with a trace of everything that happens.
type Machine struct {
	Cfg         Config
	Trace       *Tracer
	Exec        Executor
	Clock       int64 // current tick
	Steps       int64 // instructions executed
	Busy        int64 // ticks a thread ran
	Idle        int64 // ticks no thread could run
	SwitchTicks int64
	Switches    [2]int64 // [thread, process]

	procs   []*Process // by creation; pids are dense from 1
	threads []*Thread
	ready   []*Thread
	cur     *Thread // the thread the CPU last ran
	seq     int64

	// Stopped is set when the run ended early: "deadlock" or "step limit".
	Stopped string
	// AssertFailed is set when an assert failed in any process.
	AssertFailed bool
	// Output counts bytes of program output.
	Output int64

	// OnProcessExit is called when a process ends (before it becomes a
	// zombie), so the interpreter can report leaks.
	OnProcessExit func(p *Process)
}

// NewMachine returns a machine with no processes.
func NewMachine(cfg Config, tr *Tracer, exec Executor) *Machine {
	return &Machine{Cfg: cfg, Trace: tr, Exec: exec}
}

// Procs returns every process ever created, by pid.
func (m *Machine) Procs() []*Process { return m.procs }

// Proc returns the process with the given pid, or nil.
func (m *Machine) Proc(pid int) *Process {
	for _, p := range m.procs {
		if p.PID == pid {
			return p
		}
	}
	return nil
}

// Threads returns every thread ever created, by tid.
func (m *Machine) Threads() []*Thread { return m.threads }

// Current returns the thread the CPU runs or last ran.
func (m *Machine) Current() *Thread { return m.cur }

// nextID returns the next free number of the shared pid/tid space.
func (m *Machine) nextID() int { return len(m.threads) + 1 + m.extraIDs() }

func (m *Machine) extraIDs() int { return 0 }

// NewProcess creates a process from img with no threads yet. Its address
// space has the layout of SPEC section 4.
func (m *Machine) NewProcess(parent *Process, img *Image, name string) *Process {
	pid := m.nextID()
	p := &Process{PID: pid, Name: name, Host: "local", Arrival: m.Clock, FirstRun: -1, Image: img}
	if parent != nil {
		p.PPID = parent.PID
		p.Host = parent.Host
	}
	p.Space = &mem.AddressSpace{}
	textEnd := mem.TextBase + img.TextSize
	p.Text = &mem.Segment{Kind: mem.SegText, Name: "[text]", Start: mem.TextBase, End: mem.PageUp(textEnd), Perm: mem.PermR | mem.PermX}
	if p.Text.End == p.Text.Start {
		p.Text.End += mem.PageSize
	}
	p.Space.Map(p.Text)
	dataStart := p.Text.End
	p.Data = &mem.Segment{Kind: mem.SegData, Name: "[data]", Start: dataStart, End: dataStart + 8*uint64(len(img.Data)), Perm: mem.PermR | mem.PermW}
	p.Data.Words = append([]mem.Value(nil), img.Data...)
	if len(img.Data) > 0 {
		p.Space.Map(p.Data)
	}
	p.Bss = &mem.Segment{Kind: mem.SegBss, Name: "[bss]", Start: p.Data.End, End: p.Data.End + 8*uint64(img.BssWords), Perm: mem.PermR | mem.PermW}
	p.Bss.Words = make([]mem.Value, img.BssWords)
	if img.BssWords > 0 {
		p.Space.Map(p.Bss)
	}
	heapBase := mem.PageUp(p.Bss.End)
	if heapBase == p.Bss.End && img.BssWords+len(img.Data) > 0 {
		heapBase += 0
	}
	pol, _ := mem.ParsePolicy(m.Cfg.HeapPolicy)
	p.Heap = mem.NewHeap(mem.HeapConfig{
		Base: heapBase, Policy: pol, Align: uint64(m.Cfg.HeapAlign), Header: uint64(m.Cfg.HeapHeader),
		Coalesce: m.Cfg.HeapCoalesce, Size: uint64(m.Cfg.HeapSize), Grow: m.Cfg.HeapGrow, Max: uint64(m.Cfg.HeapMax),
	})
	hs := &mem.Segment{Kind: mem.SegHeap, Name: "[heap]", Start: heapBase, End: p.Heap.Top(), Perm: mem.PermR | mem.PermW}
	p.Space.Heap = p.Heap
	p.Space.HeapSeg = hs
	if hs.End > hs.Start {
		p.Space.Map(hs)
	}
	size := uint64(m.Cfg.StackSize)
	p.Stack = &mem.Segment{Kind: mem.SegStack, Name: "[stack]", Start: mem.StackTop - size, End: mem.StackTop, Perm: mem.PermR | mem.PermW, Down: true, SP: mem.StackTop, TID: pid}
	p.Guard = &mem.Segment{Kind: mem.SegGuard, Name: "[guard]", Start: p.Stack.Start - mem.PageSize, End: p.Stack.Start}
	p.Space.Map(p.Guard)
	p.Space.Map(p.Stack)
	m.procs = append(m.procs, p)
	return p
}

// SyncHeap makes the [heap] segment follow the heap's top after an alloc.
func (m *Machine) SyncHeap(p *Process) {
	hs := p.Space.HeapSeg
	top := p.Heap.Top()
	if top == hs.End {
		return
	}
	mapped := hs.End > hs.Start
	hs.End = top
	if !mapped && top > hs.Start {
		p.Space.Map(hs)
	}
	if in := p.Heap.InUse(); in > p.HeapPeak {
		p.HeapPeak = in
	}
}

// NewThread adds a thread to p. The first thread of a process is its main
// thread: its tid is the pid and it runs on the main stack.
func (m *Machine) NewThread(p *Process, name string) *Thread {
	t := &Thread{Proc: p, Name: name}
	if len(p.Threads) == 0 {
		t.TID = p.PID
		t.Stack, t.Guard = p.Stack, p.Guard
	} else {
		t.TID = m.nextID()
	}
	p.Threads = append(p.Threads, t)
	m.threads = append(m.threads, t)
	return t
}

// MakeReady puts t at the tail of the ready queue.
func (m *Machine) MakeReady(t *Thread) {
	t.State = ThreadReady
	t.WaitingFor = ""
	t.readySince = m.Clock
	m.seq++
	t.seq = m.seq
	m.ready = append(m.ready, t)
}

// Emit sends an event stamped with the current tick and t's ids.
func (m *Machine) Emit(t *Thread, e *Event) {
	e.T = m.Clock
	if t != nil {
		e.PID, e.TID = t.Proc.PID, t.TID
	}
	m.Trace.Emit(e)
}

// Print writes a line of program output for t. It reports false when the
// output limit is reached (the run then stops).
func (m *Machine) Print(t *Thread, text string) bool {
	m.Output += int64(len(text)) + 1
	if m.Output > m.Cfg.MaxOutput {
		m.Stopped = fmt.Sprintf("output limit reached (max_output=%d bytes)", m.Cfg.MaxOutput)
		return false
	}
	m.Emit(t, &Event{Cat: CatOutput, Ev: "print", Text: text})
	return true
}

// ExitProcess ends p with an exit status: every thread of it ends.
func (m *Machine) ExitProcess(t *Thread, status int) {
	p := t.Proc
	if p.State != ProcRunning {
		return
	}
	p.ExitStatus = status
	m.endProcess(t, p)
	if m.Trace.On(CatProc) {
		m.Emit(t, &Event{Cat: CatProc, Ev: "exit", Text: fmt.Sprintf("+++ exited with %d +++", status),
			Fields: []Field{{"status", status}}})
	}
}

// Kill ends p by a signal. The report lines (what happened, where) are
// printed first as a fault event; they are always shown.
func (m *Machine) Kill(t *Thread, sig Signal, kind, what string, more []string, fields []Field) {
	p := t.Proc
	if p.State != ProcRunning {
		return
	}
	fs := append([]Field{{"signal", sig.String()}, {"kind", kind}}, fields...)
	m.Emit(t, &Event{Cat: CatOutput, Ev: "fault", Text: what, More: more, Fields: fs})
	if kind == "assert" {
		m.AssertFailed = true
	}
	p.Signal = sig
	p.Killed = true
	p.ExitStatus = 128 + int(sig)
	m.endProcess(t, p)
	m.Emit(t, &Event{Cat: CatOutput, Ev: "exit", Text: fmt.Sprintf("+++ killed by %s +++", sig),
		Fields: []Field{{"status", p.ExitStatus}, {"signal", sig.String()}}})
}

func (m *Machine) endProcess(t *Thread, p *Process) {
	for _, th := range p.Threads {
		if th.State != ThreadDone {
			m.unready(th)
			th.State = ThreadDone
		}
	}
	p.Finish = m.Clock
	if m.OnProcessExit != nil {
		m.OnProcessExit(p)
	}
	p.State = ProcZombie
	if p.PPID == 0 {
		p.State = ProcReaped
	}
}

func (m *Machine) unready(t *Thread) {
	for i, r := range m.ready {
		if r == t {
			m.ready = append(m.ready[:i], m.ready[i+1:]...)
			return
		}
	}
}

// pick chooses the next thread to run and removes it from the ready queue.
func (m *Machine) pick() *Thread {
	if len(m.ready) == 0 {
		return nil
	}
	t := m.ready[0]
	m.ready = m.ready[1:]
	return t
}

// budget is how many ticks a thread may run before the scheduler looks again.
func (m *Machine) budget() int64 {
	switch m.Cfg.Sched {
	case "fifo", "sjf":
		return 1 << 62
	}
	return m.Cfg.Quantum
}

// Run runs the machine until no thread is left or it stops.
func (m *Machine) Run() {
	for m.Stopped == "" {
		t := m.pick()
		if t == nil {
			if m.anyAlive() {
				m.Stopped = "deadlock"
			}
			return
		}
		if m.cur != nil && m.cur != t && m.cur.State != ThreadDone || (m.cur != nil && m.cur != t && m.cur.Proc.PID != 0) {
			m.contextSwitch(m.cur, t)
		}
		m.cur = t
		t.State = ThreadRunning
		p := t.Proc
		p.Wait += m.Clock - t.readySince
		if p.FirstRun < 0 {
			p.FirstRun = m.Clock
		}
		start := m.Clock
		stop := m.Exec.Run(t, m.budget())
		used := m.Clock - start
		m.Busy += used
		p.CPU += used
		switch stop {
		case StopPreempt, StopYield:
			if t.State == ThreadRunning {
				m.MakeReady(t)
			}
		case StopLimit:
			if m.Stopped == "" {
				m.Stopped = fmt.Sprintf("step limit reached (max_steps=%d) while %d/%d was running", m.Cfg.MaxSteps, p.PID, t.TID)
			}
		}
	}
}

func (m *Machine) anyAlive() bool {
	for _, t := range m.threads {
		if t.State != ThreadDone {
			return true
		}
	}
	return false
}

// contextSwitch charges the cost of moving the CPU from one thread to
// another: a thread switch within a process, a process switch otherwise.
func (m *Machine) contextSwitch(from, to *Thread) {
	kind, cost, idx := "thread", m.Cfg.CostSwitchThread, 0
	if from.Proc != to.Proc {
		kind, cost, idx = "process", m.Cfg.CostSwitchProcess, 1
	}
	m.Switches[idx]++
	if m.Trace.On(CatSched) {
		m.Trace.Emit(&Event{T: m.Clock, Cat: CatSched, Ev: "switch", Cost: cost,
			Text:   fmt.Sprintf("switch %d/%d -> %d/%d (%s)", from.Proc.PID, from.TID, to.Proc.PID, to.TID, kind),
			Fields: []Field{{"from", fmt.Sprintf("%d/%d", from.Proc.PID, from.TID)}, {"to", fmt.Sprintf("%d/%d", to.Proc.PID, to.TID)}, {"kind", kind}}})
	}
	m.Clock += cost
	m.SwitchTicks += cost
}

// Living returns the processes that have not been reaped, by pid.
func (m *Machine) Living() []*Process {
	var out []*Process
	for _, p := range m.procs {
		if p.State != ProcReaped || p.PID == 1 {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out
}
