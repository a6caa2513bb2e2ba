package interp

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"proc/grammar"
	"proc/runtime"
	"proc/runtime/mem"
)

// Options are the settings of one run (the flags of `proc run`).
type Options struct {
	Trace runtime.Category
	JSON  bool
	Stats bool
	Gantt bool
	// ScriptSets are KEY=VALUE settings that come from the script itself
	// (its `# args:` header): applied after its config lines, they may
	// lower a limit but never raise it.
	ScriptSets []string
	// Sets are the command line's KEY=VALUE overrides, applied last.
	Sets   []string
	Stdout io.Writer
	Stderr io.Writer
	// Sink, when set, receives the events instead of a text or JSON sink.
	Sink runtime.Sink
	// Chooser, when set, picks the thread that runs at each scheduling
	// point instead of the scheduling policy (runtime.Chooser): the
	// replay of a schedule printed by explore (explore.Replay).
	Chooser runtime.Chooser
	// Race turns on the data race detector.
	Race bool
	// RaceMemo, when set, holds the races that runs before this one
	// reported: the detector does not report them again (explore runs a
	// program many times and keeps each race once).
	RaceMemo *RaceMemo
	// Chrome, when set, gets a Chrome trace-event file of the run when it
	// ends (--chrome), whatever Trace shows.
	Chrome io.Writer
	// Engine turns off ways the VM runs faster, to compare (see Engine).
	Engine Engine
	// newRace, when set, makes the race detector instead of
	// newRaceDetector (the tests run a reference beside it).
	newRace func(*VM) raceChecker
}

// Load parses and compiles a script. Errors are *grammar.Error. The
// script's config lines may lower a limit below its default, never raise
// it.
func Load(filename string, src []byte) (*Program, error) {
	return LoadLimited(filename, src, runtime.DefaultConfig())
}

// LoadLimited is Load with the limits the command line allows: the script's
// config lines may set a limit no higher than in ceil (see Ceiling).
func LoadLimited(filename string, src []byte, ceil runtime.Config) (*Program, error) {
	s, err := grammar.Parse(filename, src)
	if err != nil {
		return nil, err
	}
	return compileLimited(s, runtime.DefaultConfig(), ceil)
}

// ErrorText is what proc prints on stderr when a script read from file
// does not compile: a syntax or name error (*grammar.Error) as its line
// and a caret under its column, another error after the file's name.
// The page shows the same text.
func ErrorText(file string, src []byte, err error) string {
	var ge *grammar.Error
	if errors.As(err, &ge) {
		return ge.Snippet(src)
	}
	return fmt.Sprintf("%s: %v\n", file, err)
}

// Ceiling returns the most each limit may be under the command line's
// KEY=VALUE overrides: their value where they raise one, the default
// otherwise. A key they set at all is lifted out of reach, since their
// value replaces whatever a script says.
func Ceiling(sets []string) (runtime.Config, error) {
	ceil := runtime.DefaultConfig()
	if err := ApplySets(&ceil, sets); err != nil {
		return ceil, err
	}
	for _, kv := range sets {
		k, _, _ := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if runtime.IsLimit(k) {
			ceil.Lift(k)
		}
	}
	return ceil, nil
}

// CheckScriptSets checks KEY=VALUE settings that come from a script (its
// header) against the ceiling: they may lower a limit, never raise it.
func CheckScriptSets(sets []string, ceil runtime.Config) error {
	cfg := runtime.DefaultConfig()
	for _, kv := range sets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("--set %s: want KEY=VALUE", kv)
		}
		k = strings.TrimSpace(k)
		if err := cfg.Set(k, strings.TrimSpace(v)); err != nil {
			return err
		}
		if n, ok := cfg.Int(k); ok {
			if err := runtime.CheckLimit(k, n, &ceil); err != nil {
				return err
			}
		}
	}
	return nil
}

// ApplySets applies KEY=VALUE overrides to a config.
func ApplySets(cfg *runtime.Config, sets []string) error {
	for _, kv := range sets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("--set %s: want KEY=VALUE", kv)
		}
		if err := cfg.Set(strings.TrimSpace(k), strings.TrimSpace(v)); err != nil {
			return err
		}
	}
	return nil
}

// Result is how a run ended.
type Result struct {
	// Halt says why the run was stopped (a deadlock, a limit), NotHalted
	// when it ran to its end; Stopped is the text that reports it.
	Halt    runtime.Halt
	Stopped string
	// AssertFailed is set when an assert failed in any process.
	AssertFailed bool
	// ChromeErr is the error of writing Options.Chrome, if any.
	ChromeErr error
}

// ExitCode is the status `proc run` exits with: 0 the simulation ran to its
// end and no assert failed, 1 it was stopped or an assert failed.
func (r Result) ExitCode() int {
	if r.Halt != runtime.NotHalted || r.AssertFailed {
		return 1
	}
	return 0
}

// Session is a program loaded into a machine.
type Session struct {
	Prog *Program
	M    *runtime.Machine
	VM   *VM
	json *runtime.JSONSink
	// chrome records the run for Options.Chrome.
	chrome *runtime.ChromeSink
	opts   Options
	// blocks are what the session is made of when it is a copy, for a
	// copy made into it once it is no longer used (CloneInto).
	blocks sessionBlocks
}

// NewSession boots a machine for prog: process 1 is ready at the start of
// main. The config is the program's, with opts.Sets on top.
func NewSession(prog *Program, opts Options) (*Session, error) {
	cfg := prog.Config
	if len(opts.ScriptSets) > 0 {
		ceil, err := Ceiling(opts.Sets)
		if err != nil {
			return nil, err
		}
		if err := CheckScriptSets(opts.ScriptSets, ceil); err != nil {
			return nil, err
		}
		if err := ApplySets(&cfg, opts.ScriptSets); err != nil {
			return nil, err
		}
	}
	if err := ApplySets(&cfg, opts.Sets); err != nil {
		return nil, err
	}
	s := boot(prog, cfg, opts)
	if _, err := s.VM.startMain(nil); err != nil {
		return nil, err
	}
	return s, nil
}

// boot makes the machine a program runs on, with the settings cfg, and
// the VM, the language the machine runs: with the trace, the recordings
// and the scheduling opts ask for. No process exists yet: startMain makes
// the first.
func boot(prog *Program, cfg runtime.Config, opts Options) *Session {
	s := &Session{Prog: prog, opts: opts}
	var sink runtime.Sink
	if opts.Sink != nil {
		sink = opts.Sink
	} else if opts.JSON {
		s.json = runtime.NewJSONSink(opts.Stdout)
		sink = s.json
	} else {
		sink = runtime.NewTextSink(opts.Stdout, opts.Stderr, opts.Trace == 0)
	}
	vm := &VM{prog: prog, engine: opts.Engine}
	m := runtime.NewMachine(cfg, runtime.NewTracer(opts.Trace, sink), vm)
	vm.m = m
	vm.ahead = !opts.Engine.NoRunAhead && prog.runsAhead()
	m.SetRunAhead(vm.ahead)
	s.M, s.VM = m, vm
	m.RecordTimeline(opts.Gantt || opts.Chrome != nil, opts.Gantt)
	if opts.Chrome != nil {
		s.chrome = m.RecordChrome()
	}
	if opts.Race && opts.newRace != nil {
		vm.race = opts.newRace(vm)
	} else if opts.Race {
		d := newRaceDetector(vm)
		d.memo = opts.RaceMemo
		vm.race = d
	}
	if opts.Chooser != nil {
		m.SetChooser(opts.Chooser)
	}
	return s
}

// startMain makes the program's first process, its main thread ready at
// the start of main: process 1 of a run, or, with shell set, the REPL's
// shell process, whose main thread is the shell thread. A shell process
// is made past max_procs and max_threads too: the REPL always has one.
func (vm *VM) startMain(shell *shellHooks) (*threadCtx, error) {
	m := vm.m
	prog := vm.prog
	if shell != nil {
		// The REPL's program grows with what is typed: no thread runs
		// ahead in it.
		vm.ahead = false
		m.SetRunAhead(false)
	}
	st := vm.newThread(runtime.Spawn{Image: &prog.Image, Name: "main", Unlimited: shell != nil}, prog.Funcs[0], nil, 64, shell)
	t := st.Thread
	if t == nil {
		what := "process 1"
		if len(m.Procs()) > 0 {
			// A shell process after the first: it would not be process 1.
			what = "a new process"
		}
		return nil, fmt.Errorf("the machine's memory (max_memory=%d bytes) cannot hold %s", m.Config().MaxMemory, what)
	}
	if m.Tracer().On(runtime.CatProc) {
		m.Emit(t, &runtime.Event{Cat: runtime.CatProc, Ev: "exec", Text: fmt.Sprintf("exec %s (pid %d)", filepath.Base(prog.File), t.Proc.PID),
			Fields: []runtime.Field{{Key: "file", Val: filepath.Base(prog.File)}}})
	}
	return t.Ctx.(*threadCtx), nil
}

// enter starts a thread in fn with the given arguments: its first frame,
// with no return address.
func (vm *VM) enter(th *threadCtx, fn *Func, args []mem.Value) {
	st := th.stack
	fp := st.SP - 16
	fpIdx := st.Index(fp)
	base := fpIdx + 1
	// The first frame obeys the stack as every call's does (VM.call): one
	// that would reach into the guard page faults, when the thread first
	// runs, instead of keeping its slots past the end of the stack.
	if newSP := fp - 8*uint64(fn.NSlots); newSP < st.Start || fp > st.SP {
		th.frames = append(th.frames, frame{fn: fn, base: base, fp: fp, opBase: th.sp})
		th.overflow = &mem.Fault{Kind: mem.FaultStackOverflow, Addr: newSP, Write: true, Seg: st}
		return
	}
	st.Ensure(base + fn.NSlots)
	st.Words[fpIdx] = mem.PtrValue(0)
	st.Words[fpIdx-1] = mem.PtrValue(0)
	for k := 0; k < fn.NSlots; k++ {
		st.Words[base+k] = mem.Value{}
	}
	copy(st.Words[base:], args)
	st.SP = fp - 8*uint64(fn.NSlots)
	if th.sp+fn.MaxStack+4 > len(th.ops) {
		th.growOps(fn.MaxStack + 4)
	}
	th.frames = append(th.frames, frame{fn: fn, base: base, fp: fp, opBase: th.sp})
	// The first frame is traced when the thread first runs.
	th.firstCall = len(args) + 1
}

// RunTo runs the machine until it is at step (runtime.Machine.Watch: step
// instructions have run and the next is about to) and stops it there, to
// look at it: Machine.Snapshot, the views. It reports whether the run got
// there; when it ended first (after step instructions or fewer: its last
// thread ended, a deadlock, a limit), the machine is as the run left it
// at its end, and RunTo reports false.
//
// Up to the step, the run is the very run Run makes: the same schedule,
// trace and state, so re-running a script to a step shows the machine as
// it was at that step of the whole run (time travel). After RunTo has
// reached its step the machine stays stopped there (Halted says
// runtime.HaltWatch) and writes no closing reports: to see the rest of
// the run, run the script again, or watch the step instead
// (Machine.Watch) and let Run go on to the end, as proc run
// --snapshot-at does. A step the machine has passed is never reached
// again: RunTo reports false and does nothing.
func (s *Session) RunTo(step int64) bool {
	m := s.M
	if step < m.Steps() {
		// The machine never goes back.
		return false
	}
	reached := false
	m.Watch(step, func() {
		reached = true
		m.Halt(runtime.HaltWatch, fmt.Sprintf("stopped at step %d to look at it", step))
	})
	m.Run()
	m.Watch(0, nil)
	return reached
}

// Run runs the machine to its end and writes the closing reports.
func (s *Session) Run() Result {
	s.M.Run()
	return s.Finish()
}

// Finish writes the closing reports of a run that has ended, as Run
// does after it, and says how the run ended: for a caller that ran the
// machine itself (Machine.RunUntil, reporting a deadlock as Run would).
func (s *Session) Finish() Result {
	m := s.M
	// The closing reports say what happened, so they are written even
	// when the trace budget is spent; each is bounded by itself.
	halt, why := m.Halted()
	if halt != runtime.NotHalted && !m.DeadlockReported() {
		text := "run stopped: " + why
		m.Tracer().EmitFinal(&runtime.Event{T: m.Now(), Cat: runtime.CatOutput, Ev: "stop", Text: text,
			Fields: []runtime.Field{{Key: "reason", Val: why}}})
	}
	if s.opts.Gantt && !s.opts.JSON {
		m.Tracer().EmitFinal(&runtime.Event{T: m.Now(), Cat: runtime.CatOutput, Ev: "show", Text: "timeline", More: m.Gantt(72)})
	}
	if s.opts.Stats && !s.opts.JSON {
		m.Tracer().EmitFinal(&runtime.Event{T: m.Now(), Cat: runtime.CatOutput, Ev: "show", Text: "statistics", More: m.StatsTable()})
	}
	m.Tracer().Flush()
	if s.json != nil {
		s.json.WriteRaw(m.StatsJSON())
		s.json.Flush()
	}
	res := Result{Halt: halt, Stopped: why, AssertFailed: s.VM.assertFailed}
	if s.chrome != nil {
		res.ChromeErr = s.chrome.WriteTrace(s.opts.Chrome)
	}
	return res
}

// processExit reports the heap blocks a process never freed, as a leak
// checker does: "definitely lost" when no root (a global, a live stack
// frame, or a block reachable from one) points at them any more, "still
// reachable" otherwise.
func (vm *VM) processExit(p *runtime.Process) {
	pc, ok := p.Ctx.(*procCtx)
	if !ok {
		return
	}
	// The records of the heap are needed for the report only.
	defer pc.release(vm.m.Memory())
	live := p.Heap.Live()
	if len(live) == 0 {
		if pc.allocs > 0 && vm.m.Tracer().On(runtime.CatMem) {
			vm.m.Emit(p.Threads[0], &runtime.Event{Cat: runtime.CatMem, Ev: "leak", Text: allFreed(pc.allocs),
				Fields: []runtime.Field{{Key: "lost", Val: 0}, {Key: "reachable", Val: 0}}})
		}
		return
	}
	reach := reachable(p, live, nil)
	var lost, still []mem.Block
	var lostBytes, stillBytes uint64
	for _, b := range live {
		if reach[b.ID] {
			still = append(still, b)
			stillBytes += b.Size
		} else {
			lost = append(lost, b)
			lostBytes += b.Size
		}
	}
	vm.m.NoteLeak(p, lostBytes)
	more := []string{}
	list := func(title string, bs []mem.Block, bytes uint64) {
		if len(bs) == 0 {
			return
		}
		more = append(more, fmt.Sprintf("%s: %d bytes in %d %s", title, bytes, len(bs), plural1(len(bs), "block")))
		for i, b := range bs {
			if i == maxLeakLines {
				// A report is read by a person; the count above says the rest.
				more = append(more, fmt.Sprintf("  ... and %d more %s", len(bs)-i, plural1(len(bs)-i, "block")))
				break
			}
			where := ""
			if s, ok := pc.allocAt.get(b.ID); ok {
				where = ", allocated at " + s.String()
			}
			more = append(more, fmt.Sprintf("  %d bytes at %s%s", b.Size, mem.Hex(b.Addr), where))
		}
	}
	list("definitely lost", lost, lostBytes)
	list("still reachable", still, stillBytes)
	vm.m.Emit(p.Threads[0], &runtime.Event{Cat: runtime.CatOutput, Ev: "leak",
		Text:   fmt.Sprintf("leak summary: %d bytes in %d %s not freed at exit", lostBytes+stillBytes, len(live), plural1(len(live), "block")),
		More:   more,
		Fields: []runtime.Field{{Key: "lost", Val: lostBytes}, {Key: "reachable", Val: stillBytes}}})
}

// maxLeakLines bounds the blocks a leak summary lists one by one.
const maxLeakLines = 100

func plural1(n int, w string) string {
	if n == 1 {
		return w
	}
	return w + "s"
}

// reachable marks the live blocks reachable from the roots: the globals
// (data and bss), the live frames of every stack mapped (none are left in
// main's once it has returned) and the values in regs, following pointers
// stored in reachable blocks.
func reachable(p *runtime.Process, live []mem.Block, regs []mem.Value) map[uint64]bool {
	sort.Slice(live, func(i, j int) bool { return live[i].Addr < live[j].Addr })
	find := func(a uint64) int {
		i := sort.Search(len(live), func(i int) bool { return live[i].Addr+live[i].Size > a })
		if i < len(live) && a >= live[i].Addr {
			return i
		}
		return -1
	}
	seen := map[uint64]bool{}
	var work []int
	mark := func(v mem.Value) {
		if v.K != mem.Ptr {
			return
		}
		if i := find(uint64(v.N)); i >= 0 && !seen[live[i].ID] {
			seen[live[i].ID] = true
			work = append(work, i)
		}
	}
	for _, seg := range []*mem.Segment{p.Data, p.Bss} {
		for _, v := range seg.Words {
			mark(v)
		}
		for _, v := range seg.Odd {
			mark(v)
		}
	}
	for _, v := range regs {
		mark(v)
	}
	// Every stack still mapped: a thread's, and in a child forked by a
	// thread, the copies of the other threads' stacks, which nothing runs
	// on but which hold what they held (a checker scans mapped memory).
	for _, st := range p.Space.Segments() {
		if st.Kind != mem.SegStack {
			continue
		}
		for a := st.SP; a < st.End; a += 8 {
			mark(st.Get(a))
		}
	}
	hs := p.Space.HeapSeg
	for len(work) > 0 {
		b := live[work[len(work)-1]]
		work = work[:len(work)-1]
		for a := (b.Addr + 7) &^ 7; a+8 <= b.Addr+b.Size; a += 8 {
			mark(hs.Get(a))
		}
	}
	return seen
}

func allFreed(n int) string {
	if n == 1 {
		return "heap summary: the 1 block allocated was freed, no leaks are possible"
	}
	return fmt.Sprintf("heap summary: all %d blocks allocated were freed, no leaks are possible", n)
}
