package interp

import (
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	"proc/runtime"
	"proc/runtime/mem"
)

// Explore runs a program under every distinct schedule: stateless model
// checking. Each run replays the program from the start with a forced
// prefix of choices; scheduling points are only the operations another
// thread can observe (see visible), and sleep sets skip interleavings that
// differ only in the order of independent operations.

// ExploreOptions bound the search.
type ExploreOptions struct {
	// Preemptions bounds the switches away from a thread that could have
	// gone on (-1: no bound).
	Preemptions int
	// MaxSchedules stops the search after that many runs (0: no bound).
	MaxSchedules int
	// Sets are config overrides (KEY=VALUE).
	Sets []string
}

// Outcome is one distinct result of the program.
type Outcome struct {
	Output   string   // program output of all processes, in order
	Exits    []string // "pid=status" for every process, by pid
	Faults   []string // "pid: SIGNAL kind: what" for each fault
	Deadlock bool
	Stopped  string // a step or output limit stopped the run
	// Schedules counts the runs that reached it; Schedule is one of them.
	Schedules int
	Schedule  string
}

// Failed reports whether the outcome is a failure: a fault (an assert
// included), a deadlock or a limit.
func (o *Outcome) Failed() bool {
	return len(o.Faults) > 0 || o.Deadlock || o.Stopped != ""
}

func (o *Outcome) key() string {
	return o.Output + "\x00" + strings.Join(o.Exits, ",") + "\x00" + strings.Join(o.Faults, "\x01") +
		"\x00" + strconv.FormatBool(o.Deadlock) + "\x00" + o.Stopped
}

// ExploreResult is what a search found.
type ExploreResult struct {
	Outcomes  []*Outcome // in the order first reached
	Schedules int
	Pruned    int // runs cut short because they repeated an explored interleaving
	Complete  bool
	// Races are the data races found in any schedule, each with a
	// schedule that shows it.
	Races []FoundRace
}

// FoundRace is a data race and a schedule in which it happens.
type FoundRace struct {
	Race
	Schedule string
}

// footprint is what a thread's next step touches, for the dependency
// relation of the sleep sets.
type footprint struct {
	kind  uint8
	obj   any // the memory's owner: an address space, or a shared object
	addr  uint64
	write bool
}

const (
	fpAll   uint8 = iota // depends on everything (unknown, alloc, exit)
	fpMem                // a load or store, or a kernel call on one object
	fpLocal              // touches nothing another thread sees
)

func dependent(a, b footprint) bool {
	if a.kind == fpAll || b.kind == fpAll {
		return true
	}
	if a.kind == fpLocal || b.kind == fpLocal {
		return false
	}
	return a.obj == b.obj && a.addr == b.addr && (a.write || b.write)
}

// Objects that order the kernel calls touching them.
var (
	keyOutput  = new(int) // program output: its order is observable
	keyIDs     = new(int) // pid/tid numbers and handle ids
	keyNames   = new(int) // host names: queues, segments, files, ports
	keyTime    = new(int) // timers
	keyUnknown = new(int)
)

// sysFootprint is a kernel call on one object: dependent with every other
// call on that object.
func sysFootprint(obj any) footprint { return footprint{kind: fpMem, obj: obj, write: true} }

// peek returns the footprint of the next operation of a thread stopped
// before it.
func (vm *VM) peek(t *runtime.Thread) footprint {
	th, ok := t.Ctx.(*threadCtx)
	if !ok || len(th.frames) == 0 {
		return footprint{kind: fpAll}
	}
	fr := th.top()
	if fr.pc >= len(fr.fn.Code) {
		return footprint{kind: fpAll}
	}
	in := fr.fn.Code[fr.pc]
	arg := func(i int) mem.Value { // i-th value from the top, 1-based
		if th.sp >= i {
			return th.ops[th.sp-i]
		}
		return mem.Value{}
	}
	fdObj := func(v mem.Value) any {
		if f, ok := t.Proc.FD(v.N); ok && v.K == mem.Int {
			switch {
			case f.Pipe != nil:
				return f.Pipe
			case f.MQ != nil:
				return f.MQ
			case f.Sock != nil:
				return f.Sock
			case f.Listener != nil:
				return f.Listener
			}
		}
		return keyUnknown
	}
	syncObj := func(v mem.Value) any {
		if o, ok := t.Proc.Sync[int(v.N)]; ok && v.K == mem.Handle {
			switch {
			case o.Mutex != nil:
				return o.Mutex
			case o.Sem != nil:
				return o.Sem
			case o.Cond != nil:
				return o.Cond
			}
		}
		return keyUnknown
	}
	switch in.Op {
	case OpLoadG, OpStoreG:
		seg := th.proc.data
		if in.B != 0 {
			seg = th.proc.bss
		}
		return vm.memFootprint(th, seg.Start+8*uint64(in.A), in.Op == OpStoreG)
	case OpLoad:
		return vm.memFootprint(th, uint64(arg(1).N), false)
	case OpStore:
		return vm.memFootprint(th, uint64(arg(2).N), true)
	case OpRet:
		if len(th.frames) != 1 {
			return footprint{kind: fpLocal}
		}
		if t.TID == t.Proc.PID {
			return footprint{kind: fpAll} // the process ends: every thread of it
		}
		return sysFootprint(t) // a thread ends: its joiners see it
	case OpJoin:
		if target := vm.m.Thread(int(arg(1).N)); target != nil && arg(1).K == mem.Int {
			return sysFootprint(target)
		}
		return sysFootprint(keyUnknown)
	case OpPrint:
		return sysFootprint(keyOutput)
	case OpSpawn:
		return sysFootprint(keyIDs)
	case OpLock, OpUnlock:
		return sysFootprint(syncObj(arg(1)))
	case OpSend:
		n := 2 + int(in.A)
		return sysFootprint(fdObj(arg(n)))
	case OpRecv:
		n := 1 + int(in.A)
		return sysFootprint(fdObj(arg(n)))
	case OpClose:
		return sysFootprint(fdObj(arg(1)))
	case OpSleep, OpYield:
		return sysFootprint(keyTime)
	case OpBuiltin:
		n := int(in.B)
		switch int(in.A) {
		case BuiltinDown, BuiltinUp, BuiltinSignal, BuiltinBroadcast:
			return sysFootprint(syncObj(arg(n)))
		case BuiltinMutex, BuiltinCond, BuiltinSem:
			return sysFootprint(keyIDs)
		case BuiltinAccept:
			return sysFootprint(fdObj(arg(n)))
		}
		if in.A >= BuiltinPipe {
			return sysFootprint(keyNames)
		}
		return footprint{kind: fpLocal}
	case OpPipe:
		return sysFootprint(keyIDs)
	case OpAlloc, OpFree, OpObject, OpArray, OpExit, OpFork, OpWait, OpShow:
		return footprint{kind: fpAll}
	}
	if visible(th, in) {
		return footprint{kind: fpAll}
	}
	return footprint{kind: fpLocal}
}

func (vm *VM) memFootprint(th *threadCtx, addr uint64, write bool) footprint {
	seg := th.proc.space.Find(addr)
	if seg != nil && seg.Perm&mem.PermShared != 0 && len(seg.Words) > 0 {
		// A shared mapping: the same memory at other addresses elsewhere.
		return footprint{kind: fpMem, obj: unsafe.SliceData(seg.Words), addr: addr - seg.Start, write: write}
	}
	return footprint{kind: fpMem, obj: th.proc.space, addr: addr, write: write}
}

// node is one scheduling point of the search.
type node struct {
	enabled     []int // candidate tids, sorted
	fps         map[int]footprint
	chosen      int
	done        map[int]bool
	sleep       map[int]bool
	last        int // the thread that ran before, or 0
	lastEnabled bool
	preempts    int // preemptions before this point
	multi       bool
}

// explorer is the Chooser of one run of the search.
type explorer struct {
	vm     *VM
	stack  []*node
	depth  int
	pruned bool
	bound  int
	trail  []string // the schedule of this run: tids at multi-choice points
}

// candidates filters the enabled threads: after a yield, another thread
// runs first when there is one (fairness, so spin loops end).
func candidates(enabled []*runtime.Thread, last *runtime.Thread, yielded bool) []*runtime.Thread {
	if yielded && last != nil && len(enabled) > 1 {
		var out []*runtime.Thread
		for _, t := range enabled {
			if t != last {
				out = append(out, t)
			}
		}
		return out
	}
	return enabled
}

// Choose implements runtime.Chooser.
func (e *explorer) Choose(enabled []*runtime.Thread, last *runtime.Thread, yielded bool) int {
	cands := candidates(enabled, last, yielded)
	index := func(tid int) int {
		for i, t := range enabled {
			if t.TID == tid {
				return i
			}
		}
		return -1
	}
	if e.depth < len(e.stack) {
		n := e.stack[e.depth]
		e.depth++
		if n.multi {
			e.trail = append(e.trail, strconv.Itoa(n.chosen))
		}
		return index(n.chosen)
	}
	n := &node{fps: map[int]footprint{}, done: map[int]bool{}, sleep: map[int]bool{}}
	for _, t := range cands {
		n.enabled = append(n.enabled, t.TID)
		n.fps[t.TID] = e.vm.peek(t)
	}
	// Replay counts every point with a choice, reduced or not.
	n.multi = len(n.enabled) > 1
	// A step that touches nothing another thread sees commutes with every
	// other step: running it first is enough (a persistent set of one).
	for _, tid := range n.enabled {
		if n.fps[tid].kind == fpLocal {
			n.enabled = []int{tid}
			break
		}
	}
	if last != nil {
		n.last = last.TID
		for _, t := range cands {
			if t == last && !yielded {
				n.lastEnabled = true
			}
		}
	}
	if e.depth > 0 {
		p := e.stack[e.depth-1]
		n.preempts = p.preempts
		if p.lastEnabled && p.chosen != p.last && p.fps[p.chosen].kind != fpLocal {
			n.preempts++
		}
	}
	if e.depth > 0 && e.bound < 0 {
		p := e.stack[e.depth-1]
		// Sleep set: what the parent slept on or finished, unless the
		// step just taken depends on it. (Not with a preemption bound:
		// a sleeping thread may be the only one the bound allows.)
		cf := p.fps[p.chosen]
		for tid := range p.sleep {
			if tid != p.chosen && !dependent(p.fps[tid], cf) {
				n.sleep[tid] = true
			}
		}
		for tid := range p.done {
			if tid != p.chosen && !dependent(p.fps[tid], cf) {
				n.sleep[tid] = true
			}
		}
	}
	pick := e.next(n)
	if pick < 0 {
		// Every candidate sleeps: this interleaving was explored already.
		e.pruned = true
		return -1
	}
	n.chosen = pick
	e.stack = append(e.stack, n)
	e.depth++
	if n.multi {
		e.trail = append(e.trail, strconv.Itoa(n.chosen))
	}
	return index(pick)
}

// next picks an untried candidate of n: the running thread first (no
// preemption), then the others in tid order, within the preemption bound.
func (e *explorer) next(n *node) int {
	ok := func(tid int) bool {
		if n.done[tid] || n.sleep[tid] {
			return false
		}
		if e.bound >= 0 && n.lastEnabled && tid != n.last && n.preempts >= e.bound && n.fps[tid].kind != fpLocal {
			return false
		}
		return true
	}
	if n.lastEnabled && ok(n.last) {
		for _, tid := range n.enabled {
			if tid == n.last {
				return n.last
			}
		}
	}
	for _, tid := range n.enabled {
		if ok(tid) {
			return tid
		}
	}
	return -1
}

// backtrack moves the search to the next unexplored choice; false when
// the search is complete.
func (e *explorer) backtrack() bool {
	for len(e.stack) > 0 {
		n := e.stack[len(e.stack)-1]
		n.done[n.chosen] = true
		if t := e.next(n); t >= 0 {
			n.chosen = t
			return true
		}
		e.stack = e.stack[:len(e.stack)-1]
	}
	return false
}

// outcomeSink collects what a run printed and how its processes ended.
type outcomeSink struct {
	out    strings.Builder
	faults []string
}

func (s *outcomeSink) Emit(e *runtime.Event) {
	switch e.Ev {
	case "print":
		s.out.WriteString(e.Text)
		s.out.WriteByte('\n')
	case "fault":
		s.faults = append(s.faults, fmt.Sprintf("%d/%d: %s", e.PID, e.TID, e.Text))
	}
}

func (s *outcomeSink) Flush() error { return nil }

// Explore searches the schedules of prog.
func Explore(prog *Program, opts ExploreOptions) (*ExploreResult, error) {
	res := &ExploreResult{}
	byKey := map[string]*Outcome{}
	races := map[string]bool{}
	e := &explorer{bound: opts.Preemptions}
	for {
		if opts.MaxSchedules > 0 && res.Schedules >= opts.MaxSchedules {
			return res, nil
		}
		sink := &outcomeSink{}
		s, err := NewSession(prog, Options{Trace: 0, Sets: opts.Sets, Sink: sink, Race: true})
		if err != nil {
			return nil, err
		}
		e.vm, e.depth, e.pruned, e.trail = s.VM, 0, false, nil
		s.M.Chooser = e
		s.M.Run()
		if e.pruned {
			res.Pruned++
		} else {
			res.Schedules++
			o := &Outcome{Output: sink.out.String(), Faults: sink.faults, Deadlock: s.M.Deadlocked()}
			if s.M.Stopped != "" && !o.Deadlock {
				o.Stopped = s.M.Stopped
			}
			for _, p := range s.M.Procs() {
				if p.State == runtime.ProcRunning {
					o.Exits = append(o.Exits, fmt.Sprintf("%d=blocked", p.PID))
				} else {
					o.Exits = append(o.Exits, fmt.Sprintf("%d=%d", p.PID, p.ExitStatus))
				}
			}
			for _, r := range s.VM.race.reports() {
				if !races[r.Key] {
					races[r.Key] = true
					sched := strings.Join(e.trail, ".")
					if sched == "" {
						sched = "-"
					}
					res.Races = append(res.Races, FoundRace{Race: r, Schedule: sched})
				}
			}
			k := o.key()
			if prev, ok := byKey[k]; ok {
				prev.Schedules++
			} else {
				o.Schedules = 1
				o.Schedule = strings.Join(e.trail, ".")
				if o.Schedule == "" {
					o.Schedule = "-"
				}
				byKey[k] = o
				res.Outcomes = append(res.Outcomes, o)
			}
		}
		if !e.backtrack() {
			res.Complete = opts.Preemptions < 0
			return res, nil
		}
	}
}

// replayer is the Chooser of `proc run --schedule`: it follows a schedule
// printed by explore, then goes on without preemption.
type replayer struct {
	choices []int
	at      int
	err     string
}

// ParseSchedule reads a schedule string: tids separated by dots ("-" for
// the empty schedule).
func ParseSchedule(s string) ([]int, error) {
	if s == "-" || s == "" {
		return nil, nil
	}
	var out []int
	for _, part := range strings.Split(s, ".") {
		n, err := strconv.Atoi(part)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("schedule %q: %q is not a thread id (want tids separated by dots, as explore prints)", s, part)
		}
		out = append(out, n)
	}
	return out, nil
}

// Choose implements runtime.Chooser.
func (r *replayer) Choose(enabled []*runtime.Thread, last *runtime.Thread, yielded bool) int {
	cands := candidates(enabled, last, yielded)
	index := func(t *runtime.Thread) int {
		for i, x := range enabled {
			if x == t {
				return i
			}
		}
		return -1
	}
	if len(cands) == 1 {
		return index(cands[0])
	}
	if r.at < len(r.choices) {
		want := r.choices[r.at]
		r.at++
		for _, t := range cands {
			if t.TID == want {
				return index(t)
			}
		}
		var ids []string
		for _, t := range cands {
			ids = append(ids, strconv.Itoa(t.TID))
		}
		r.err = fmt.Sprintf("the schedule does not fit the script: choice %d wants thread %d, but the runnable threads are %s", r.at, want, strings.Join(ids, ", "))
		return -1
	}
	// Past the end of the schedule: keep the running thread.
	for _, t := range cands {
		if t == last {
			return index(t)
		}
	}
	return index(cands[0])
}

// CheckSchedule replays a schedule without output and reports whether it
// fits the program.
func CheckSchedule(prog *Program, sets []string, schedule []int) error {
	r := &replayer{choices: schedule}
	s, err := NewSession(prog, Options{Trace: 0, Sets: sets, Sink: &outcomeSink{}})
	if err != nil {
		return err
	}
	s.M.Chooser = r
	s.M.Run()
	if r.err != "" {
		return fmt.Errorf("%s", r.err)
	}
	if r.at < len(r.choices) {
		return fmt.Errorf("the schedule does not fit the script: it has %d choices, the run made only %d", len(r.choices), r.at)
	}
	return nil
}
