package shell

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"proc/grammar"
	"proc/interp"
	"proc/runtime"
	"proc/runtime/mem"
)

// Options are the settings a Shell starts with.
type Options struct {
	Config runtime.Config
	// Ceiling holds the most each limit may be set to by a script's config
	// lines (typed or loaded); the zero value means the defaults, or
	// Config's value where it is higher. :set, the user's own word, moves
	// it.
	Ceiling runtime.Config
	Trace   runtime.Category
	// Pinned are the config keys the command line set: the user's word,
	// which the config lines and header of a loaded script leave as they
	// are (:set still changes them).
	Pinned []string
	// Out receives the trace, the views and the REPL's messages.
	Out io.Writer
	// Engine turns off ways the VM runs faster, to compare (see
	// interp.Engine).
	Engine interp.Engine
}

// ScriptArgs are what the `# args:` header of a loaded script asks of the
// shell.
type ScriptArgs struct {
	// Sets are its --set KEY=VALUE (and --seed): applied after its config
	// lines, and like them they may lower a limit, never raise one.
	Sets []string
	// Trace is its --trace; "" leaves the trace as it is.
	Trace string
}

// Shell is a program loaded into a machine that runs one input at a time:
// the engine of `proc repl`. Every method prints what it has to say to
// Out; none ends the session, whatever happens in the machine.
type Shell struct {
	p   *interp.Prompt
	m   *runtime.Machine
	out io.Writer
	cfg runtime.Config // the settings; the machine's Config follows them between runs

	t      *runtime.Thread   // the shell thread
	echoes func(v mem.Value) // shows a value typed at the prompt (echo)

	lines int // lines typed so far: the next input starts at line lines+1

	queue       *stmtQueue
	interrupted atomic.Bool

	pinned map[string]bool // Options.Pinned
	// orphaned is set when the shell process died and the machine could
	// not hold a fresh one.
	orphaned bool

	// What Back needs to run the session again (back.go).
	opts  Options // what New was given, Out aside
	gate  *gate   // where everything said goes: Out, or nowhere while replaying
	start int64   // the machine's steps once booted: Back goes no further
	hist  history
}

// stmtQueue holds the top-level statements of a loaded file still to run.
type stmtQueue struct {
	file  string
	chunk *interp.Unit
	stmts []queuedStmt
	next  int
}

type queuedStmt struct {
	pc   int // where the statement starts in chunk
	pos  grammar.Pos
	text string
}

// New boots a machine with an empty program: process 1 runs main, which
// waits at once for the first input. It fails when the machine cannot
// hold that process (max_memory too low).
func New(opts Options) (*Shell, error) {
	return newShell(opts, &gate{w: opts.Out})
}

// newShell boots a shell that says everything through g.
func newShell(opts Options, g *gate) (*Shell, error) {
	// The shell's thread runs in the foreground of one CPU.
	opts.Config.CPUs = 1
	s := &Shell{out: g, cfg: opts.Config, opts: opts, gate: g}
	for _, k := range opts.Pinned {
		if s.pinned == nil {
			s.pinned = map[string]bool{}
		}
		s.pinned[k] = true
	}
	s.echoes = s.echo
	p, err := interp.NewPrompt(interp.PromptOptions{Config: opts.Config, Ceiling: opts.Ceiling, Trace: opts.Trace, Out: g,
		Engine: opts.Engine, Echo: func(v mem.Value) { s.echoes(v) }})
	if err != nil {
		return nil, err
	}
	s.p, s.m, s.t = p, p.Machine(), p.Thread()
	s.runShell()
	s.start = s.m.Steps()
	return s, nil
}

// Config returns the current settings.
func (s *Shell) Config() runtime.Config { return s.cfg }

// Ceiling returns the most each limit may be set to by a script.
func (s *Shell) Ceiling() runtime.Config { return s.p.Ceiling() }

// Interrupt asks the machine to stop as soon as it can (Ctrl-C). It is
// safe to call from another goroutine.
func (s *Shell) Interrupt() { s.interrupted.Store(true) }

// echo shows a value typed at the prompt, as Python's prompt does.
func (s *Shell) echo(v mem.Value) {
	s.say("= %s", interp.Quote(v))
}

// say prints a message of the REPL after the trace so far.
func (s *Shell) say(format string, args ...any) {
	s.m.Tracer().Flush()
	if s.hist.replay != nil {
		// Back runs the session again without a word: formatting what
		// nobody reads took a third of the time of 10,000 :step.
		return
	}
	fmt.Fprintf(s.out, format+"\n", args...)
}

// Flush writes out the trace so far.
func (s *Shell) Flush() { s.m.Tracer().Flush() }

// Incomplete reports whether text stops inside a statement: a block, a
// bracket or a call still open. The REPL then reads another line.
func (s *Shell) Incomplete(text string) bool {
	_, err := grammar.Parse(interp.PromptFile, []byte(strings.Repeat("\n", s.lines)+text+"\n"))
	var ge *grammar.Error
	return errors.As(err, &ge) && ge.AtEOF
}

// Input runs one input typed at the prompt: its declarations join the
// program and its statements run at once in the shell thread, with their
// trace. A bare expression shows its value. An input with a syntax or name
// error changes nothing.
func (s *Shell) Input(text string) {
	if strings.TrimSpace(text) == "" {
		return
	}
	first := s.lines + 1
	a := s.begin(act{kind: actInput, text: text, line: first})
	defer s.end(a)
	pad := strings.Repeat("\n", s.lines)
	src := pad + text + "\n"
	s.number(text)
	if !s.alive() {
		return
	}
	sc, perr := grammar.Parse(interp.PromptFile, []byte(src))
	var bare grammar.Expr
	if perr != nil {
		bare = bareExpr(pad, text)
		if bare == nil {
			var ge *grammar.Error
			if last := first + strings.Count(text, "\n"); errors.As(perr, &ge) && ge.AtEOF && ge.Pos.Line > last {
				// The input ended inside a bracket: point after its last line.
				lines := strings.Split(text, "\n")
				ge.Pos.Line, ge.Pos.Col = last, len([]rune(lines[len(lines)-1]))+1
			}
			s.syntaxError(perr, []byte(src))
			return
		}
		sc = &grammar.Script{File: interp.PromptFile}
	}
	u, cerr := s.compile(sc, interp.CompileOptions{Bare: bare, End: grammar.Pos{File: interp.PromptFile, Line: first + strings.Count(text, "\n"), Col: 1}})
	if cerr != nil {
		if bare != nil && cerr.Pos.Line == first && cerr.Pos.Col > len("print (") {
			// The expression was compiled as "print (EXPR)". An error
			// about the whole input (no room left) is in column 1.
			cerr.Pos.Col -= len("print (")
			cerr.Pos.Offset -= len("print (")
		}
		s.syntaxError(cerr, []byte(src))
		return
	}
	if a != nil {
		// What :back names as undone: an input that only held a comment
		// undoes nothing.
		a.took = u.Runs() || len(u.Globals)+len(u.Funcs)+len(u.Again)+len(u.Keys) > 0
	}
	if u.Runs() {
		s.run(u, 0)
	}
}

// number gives the lines of an input the next numbers of the session,
// whatever becomes of the input: an input that failed and left its
// numbers to the next one made two errors point at the same line number.
func (s *Shell) number(text string) {
	s.p.Typed(text)
	s.lines += strings.Count(text, "\n") + 1
}

// Drop takes the lines of an input left unfinished (Ctrl-C): they never
// run, but they were typed, and the lines typed are numbered in the order
// typed.
func (s *Shell) Drop(text string) {
	defer s.end(s.begin(act{kind: actDrop, text: text}))
	s.number(text)
}

// bareExpr parses text as an expression standing alone, or returns nil.
// The grammar has no expression statement that is not a call, so a bare
// `x` or `1 + 2` fails to parse; as `print (TEXT)` it parses when it is
// one expression. The closing parenthesis goes on a line of its own so
// that a comment at the end of text does not swallow it.
func bareExpr(pad, text string) grammar.Expr {
	sc, err := grammar.Parse(interp.PromptFile, []byte(pad+"print ("+text+"\n)\n"))
	if err != nil || len(sc.Body) != 1 || len(sc.Funcs)+len(sc.Globals)+len(sc.Configs) != 0 {
		return nil
	}
	ps, ok := sc.Body[0].(*grammar.PrintStmt)
	if !ok || len(ps.Args) != 1 {
		return nil
	}
	if pe, ok := ps.Args[0].(*grammar.ParenExpr); ok {
		return pe.X
	}
	return nil
}

func (s *Shell) syntaxError(err error, src []byte) {
	var ge *grammar.Error
	if errors.As(err, &ge) {
		s.m.Tracer().Flush()
		io.WriteString(s.out, ge.Snippet(src))
		return
	}
	s.say("%v", err)
}

// Load adds a script to the session: its config lines and header apply,
// its globals and functions join the program, and its top-level
// statements wait in a queue, to run one at a time with Next. A script
// with an error, or whose names clash with the session's, changes nothing.
func (s *Shell) Load(file string, src []byte, args ScriptArgs) {
	defer s.end(s.begin(act{kind: actLoad, file: file, src: src, args: args}))
	// First the script on its own, as proc run would check it.
	if _, err := interp.Load(file, src); err != nil {
		s.syntaxError(err, src)
		return
	}
	var own []string // the header's settings the command line leaves to it
	for _, kv := range args.Sets {
		if k, _, _ := strings.Cut(kv, "="); !s.pinned[strings.TrimSpace(k)] {
			own = append(own, kv)
		}
	}
	if err := interp.CheckScriptSets(own, s.p.Ceiling()); err != nil {
		s.say("%s: # args: --set %v", file, err)
		return
	}
	if args.Trace != "" {
		if _, err := runtime.ParseCategories(args.Trace); err != nil {
			s.say("%s: # args: --trace: %v", file, err)
			return
		}
	}
	sc, err := grammar.Parse(file, src)
	if err != nil {
		s.syntaxError(err, src)
		return
	}
	if !s.alive() {
		return
	}
	u, cerr := s.compile(sc, interp.CompileOptions{End: grammar.Pos{File: file, Line: strings.Count(string(src), "\n") + 1, Col: 1}, PerStmt: true,
		Sets: args.Sets, Pinned: s.pinned})
	if cerr != nil {
		s.syntaxError(cerr, src)
		return
	}
	if args.Trace != "" {
		s.SetTrace(args.Trace)
	}
	s.p.AddFile(file, src)
	q := &stmtQueue{file: file, chunk: u}
	// The file is split into lines once: splitting it for each statement
	// took minutes and gigabytes for a file of 20,000 statements.
	lines := strings.Split(string(src), "\n")
	for i, st := range sc.Body {
		pos := grammar.StmtPos(st)
		q.stmts = append(q.stmts, queuedStmt{pc: u.Starts[i], pos: pos, text: lineText(lines, pos.Line)})
	}
	s.queue = nil
	msg := fmt.Sprintf("loaded %s: %s, %s", file, plural(len(sc.Globals), "global"), plural(len(sc.Funcs), "function"))
	if len(q.stmts) == 0 {
		s.say("%s; no statements to run", msg)
		return
	}
	s.queue = q
	s.say("%s; %s queued: Enter or :next runs the next one", msg, plural(len(q.stmts), "statement"))
	s.sayNext()
}

// Pending reports how many statements of a loaded file wait to run.
func (s *Shell) Pending() int {
	if s.queue == nil {
		return 0
	}
	return len(s.queue.stmts) - s.queue.next
}

// Next runs the next n statements of the loaded file in the shell thread,
// each as if it had been typed, then shows the one after.
func (s *Shell) Next(n int) {
	defer s.end(s.begin(act{kind: actNext, n: int64(n)}))
	if s.queue == nil {
		s.say("nothing queued: :load FILE queues the statements of a script")
		return
	}
	if !s.alive() {
		return
	}
	s.mark()
	s.interrupted.Store(false)
	q := s.queue
	for i := 0; i < n && s.queue == q && !s.stopAsked(); i++ {
		st := q.stmts[q.next]
		q.next++
		if q.next == len(q.stmts) {
			s.queue = nil
		}
		s.note(fmt.Sprintf("the statement at %s:%d (%s)", q.file, st.pos.Line, st.text))
		s.run(q.chunk, st.pc)
		s.mark()
		if s.queue == nil && q.next == len(q.stmts) {
			s.say("end of %s: every statement ran", q.file)
		}
	}
	s.sayNext()
}

func (s *Shell) sayNext() {
	q := s.queue
	if q == nil {
		return
	}
	st := q.stmts[q.next]
	s.say("next: %s:%d  %s", q.file, st.pos.Line, st.text)
}

// run runs the unit's code from pc in the shell thread until it halts.
func (s *Shell) run(u *interp.Unit, pc int) {
	s.p.Resume(u, pc)
	s.runShell()
}

// runShell runs the machine while the shell thread works on an input:
// other threads run only while it is blocked.
func (s *Shell) runShell() {
	s.interrupted.Store(false)
	end := s.leg(runtime.Leg{Foreground: s.t, Limit: s.cfg.MaxSteps, Done: func() bool {
		return s.p.Parked() || s.t.State == runtime.ThreadDone || s.stopAsked()
	}})
	busy := !s.p.Parked() && s.t.State != runtime.ThreadDone
	switch {
	case end.end == runtime.LegStuck && busy:
		// The shell waits for something no thread can give.
		s.m.ReportDeadlock()
		s.m.ClearHalt()
	case end.end == runtime.LegDone && busy:
		s.say("interrupted")
		s.sayWhere(end.last)
	case end.stepLimit && busy:
		s.sayWhere(end.last)
		s.say(stepLimitHint)
	}
	if busy {
		s.abandon()
	}
	s.checkShell()
}

// stepLimitHint follows a stop by max_steps: a thread that never ends
// otherwise holds the prompt for as long as the limit lasts, with no word
// that a key would have stopped it.
const stepLimitHint = "Ctrl-C stops the machine sooner; :set max_steps=N lets it run longer"

// legEnd is how a leg ended.
type legEnd struct {
	end       runtime.LegEnd
	stepLimit bool            // max_steps stopped it
	last      *runtime.Thread // the thread that ran last (nil: none ran)
}

// leg runs the machine with the current settings and reports a stop.
func (s *Shell) leg(leg runtime.Leg) legEnd {
	m := s.m
	m.SetConfig(s.cfg)
	// max_output, max_ticks, max_slices, max_trace and max_copy count what
	// one input spends, as max_steps its steps.
	m.ResetBudgets()
	var r legEnd
	onTurn := leg.OnTurn
	leg.OnTurn = func(t *runtime.Thread, k int64) {
		if k > 0 {
			r.last = t
		}
		if onTurn != nil {
			onTurn(t, k)
		}
	}
	r.end = m.RunUntil(leg)
	if s.stopAsked() {
		// The terminal echoed ^C where its cursor was, and the trace
		// since waits in a buffer: a new line first, so that nothing
		// goes on after the ^C.
		io.WriteString(s.out, "\n")
	}
	if halt, why := m.Halted(); halt != runtime.NotHalted {
		r.stepLimit = r.end == runtime.LegStopped && halt == runtime.HaltSteps
		m.Tracer().EmitFinal(&runtime.Event{T: m.Now(), Cat: runtime.CatOutput, Ev: "stop", Text: "run stopped: " + why,
			Fields: []runtime.Field{{Key: "reason", Val: why}}})
		m.ClearHalt()
	}
	m.Tracer().Flush()
	return r
}

// sayWhere tells where t is: the function, the line and its text.
func (s *Shell) sayWhere(t *runtime.Thread) {
	if t == nil || t.State == runtime.ThreadDone || s.hist.replay != nil {
		return
	}
	if at, text, ok := s.p.Where(t); ok {
		s.say("%d/%d is at %s: %s", t.Proc.PID, t.TID, at, text)
	}
}

// abandon gives up the statement the shell thread is in (deadlock, step
// limit, Ctrl-C): it leaves whatever it waits for and goes back to main's
// frame at the prompt. Locks it took stay taken.
func (s *Shell) abandon() {
	if s.p.Unwind() {
		s.say("the statement was abandoned: the shell thread is back in main (the frames of its calls are gone)")
	} else {
		s.say("the statement was abandoned: the shell thread is back at the prompt")
	}
}

// checkShell replaces a shell process that died (a fault, exit, or main
// returning) with a fresh one: a new process of the same program, where
// every function and global is still declared but main's locals are gone.
func (s *Shell) checkShell() {
	if s.t.State != runtime.ThreadDone {
		return
	}
	if s.orphaned {
		// Said already: what ran since may have made room.
		s.restart()
		return
	}
	p := s.t.Proc
	how := fmt.Sprintf("exited with status %d", p.ExitStatus)
	if p.Killed {
		how = "was killed by " + p.Signal.String()
	}
	dropped := ""
	if s.queue != nil {
		dropped = fmt.Sprintf("; the rest of %s is dropped", s.queue.file)
		s.queue = nil
	}
	s.say("the shell (process %d) %s%s", p.PID, how, dropped)
	s.restart()
}

// restart makes a fresh shell process, after the shell process died, and
// runs it to the prompt. When the machine's memory cannot hold one the
// session goes on without: the other processes may still run, and end,
// and a later input tries again.
func (s *Shell) restart() bool {
	// The settings as they are now (a :set since the last run may have
	// made room): the machine takes them up when it runs.
	s.m.SetConfig(s.cfg)
	s.m.ResetBudgets()
	s.m.Tracer().Flush()
	if err := s.p.Start(); err != nil {
		s.orphaned = true
		s.say("no fresh shell process can take over: %v; a higher max_memory or a lower heap_size makes room, and the next input tries again", err)
		return false
	}
	s.t, s.orphaned = s.p.Thread(), false
	// Before the trace of the new process, which waits in the buffer.
	fmt.Fprintln(s.out, "a fresh shell process takes over: functions and globals stay declared, main's locals are gone")
	s.runShell()
	return true
}

// alive reports whether there is a shell process to run an input in,
// making one if the last could not be replaced.
func (s *Shell) alive() bool {
	return s.t.State != runtime.ThreadDone || s.restart()
}

// compile adds a parsed input or file to the program (Prompt.Compile):
// its config lines, globals, functions, and a chunk of main for its
// top-level statements. What it adds joins the running machine, and the
// REPL says what changed. On error nothing changes.
func (s *Shell) compile(sc *grammar.Script, o interp.CompileOptions) (*interp.Unit, *grammar.Error) {
	o.Base = s.cfg
	u, err := s.p.Compile(sc, o)
	if err != nil {
		return nil, err
	}
	if len(u.Keys) > 0 {
		s.setConfig(u.Config, u.Keys, u.Kept)
	}
	for _, g := range u.Again {
		s.say("global %s declared again: the same variable at %s (%s), set to %s", g.Name, mem.Hex(g.Addr), g.Seg, interp.Quote(g.Value))
	}
	for _, name := range u.Redefined {
		s.say("func %s redefined: what is compiled from now on calls the new one", name)
	}
	if !o.PerStmt {
		for _, g := range u.Globals {
			s.say("global %s at %s (%s) = %s", g.Name, mem.Hex(g.Addr), g.Seg, interp.Quote(g.Value))
		}
		for _, fn := range u.Funcs {
			s.say("func %s(%s) at %s (%s)", fn.Name, strings.Join(fn.Params, ", "), mem.Hex(fn.Addr), plural(fn.Instrs, "instruction"))
		}
	}
	return u, nil
}

// Set changes a config key for what comes next: "KEY=VALUE".
func (s *Shell) Set(kv string) {
	defer s.end(s.begin(act{kind: actSet, text: kv}))
	k, v, ok := strings.Cut(kv, "=")
	if !ok {
		s.say(":set wants KEY=VALUE (:set alone lists the keys)")
		return
	}
	cfg := s.cfg
	k = strings.TrimSpace(k)
	if err := cfg.Set(k, strings.TrimSpace(v)); err != nil {
		s.say("%v", err)
		return
	}
	s.p.Allow(k, cfg)
	s.setConfig(cfg, []string{k}, nil)
}

// Settings lists every config key with its value, one a line.
func (s *Shell) Settings() []string {
	var out []string
	for _, k := range runtime.ConfigKeys() {
		v, _ := s.cfg.Get(k)
		out = append(out, k+" = "+v)
	}
	return out
}

// setConfig makes cfg the settings and says the value of each of keys;
// kept holds the values a script gave to keys the command line set, which
// were not taken.
func (s *Shell) setConfig(cfg runtime.Config, keys []string, kept map[string]string) {
	cfg.CPUs = 1
	s.cfg = cfg
	s.m.SetConfig(cfg)
	said := map[string]bool{}
	for _, k := range keys {
		if said[k] {
			continue
		}
		said[k] = true
		v, _ := cfg.Get(k)
		if old, ok := kept[k]; ok {
			s.say("%s = %s  (--set on the command line: the script's %s is ignored)", k, v, old)
			continue
		}
		s.say("%s = %s%s", k, v, configNote(k))
	}
}

// configNote says when a key takes effect, where that is not at once.
func configNote(key string) string {
	switch {
	case strings.HasPrefix(key, "heap_") || key == "stack_size":
		return "  (processes and threads created from now on)"
	case key == "pipe_cap" || key == "mq_cap":
		return "  (pipes and queues created from now on)"
	case key == "seed" || key == "rng":
		return "  (the lottery's generator is chosen and seeded when the machine starts: :reset)"
	case key == "max_steps":
		return "  (instructions one input, :next, :step or :run may run)"
	case key == "max_output":
		return "  (bytes one input, :next, :step or :run may print)"
	case key == "max_ticks" || key == "max_slices" || key == "max_trace" || key == "max_copy":
		return "  (what one input, :next, :step or :run may spend)"
	case key == "max_memory":
		return "  (the memory of the whole machine, all inputs together)"
	case key == "cpus" || key == "sched_queues":
		return "  (the REPL's machine has one CPU: proc run runs a script on several)"
	}
	return ""
}

// SetTrace changes the trace categories shown: all, none, or a comma
// list.
func (s *Shell) SetTrace(cats string) {
	defer s.end(s.begin(act{kind: actTrace, text: cats}))
	c, err := runtime.ParseCategories(cats)
	if err != nil {
		s.say("%v", err)
		return
	}
	s.m.Tracer().SetMask(c)
	s.say("trace: %s", s.TraceText())
}

// Trace returns the categories shown.
func (s *Shell) Trace() runtime.Category { return s.m.Tracer().Mask() &^ runtime.CatOutput }

// TraceText names the categories shown, as --trace takes them.
func (s *Shell) TraceText() string { return runtime.FormatCategories(s.Trace()) }

// others counts the live threads other than the shell thread.
func (s *Shell) others() int {
	n := 0
	for _, t := range s.m.Threads() {
		if t != s.t && t.State != runtime.ThreadDone {
			n++
		}
	}
	return n
}

// Step runs n instructions of the machine, whichever threads the
// scheduler picks (the shell thread stays parked), and says who ran.
func (s *Shell) Step(n int64) {
	type turn struct {
		t     *runtime.Thread
		steps int64
	}
	defer s.end(s.begin(act{kind: actStep, n: n}))
	var turns []turn
	clock, steps := s.m.Now(), s.m.Steps()
	s.interrupted.Store(false)
	watch := s.watchShell()
	end := s.leg(runtime.Leg{Pause: n, Limit: s.cfg.MaxSteps,
		Done: func() bool { return s.others() == 0 || s.stopAsked() },
		OnTurn: func(t *runtime.Thread, k int64) {
			watch()
			if k == 0 {
				return
			}
			if len(turns) > 0 && turns[len(turns)-1].t == t {
				turns[len(turns)-1].steps += k
				return
			}
			turns = append(turns, turn{t, k})
		}})
	var parts []string
	for _, tn := range turns {
		parts = append(parts, fmt.Sprintf("%d/%d ran %d", tn.t.Proc.PID, tn.t.TID, tn.steps))
	}
	ran := s.m.Steps() - steps
	if ran > 0 {
		s.say("stepped %s, tick %d -> %d: %s", plural(int(ran), "instruction"), clock, s.m.Now(), strings.Join(parts, ", "))
		s.sayWhere(end.last)
	}
	s.afterOthers(end, ran == 0, false)
}

// Run runs the other threads until only the shell thread is left, or no
// thread can run.
func (s *Shell) Run() {
	defer s.end(s.begin(act{kind: actRun}))
	clock, steps := s.m.Now(), s.m.Steps()
	s.interrupted.Store(false)
	watch := s.watchShell()
	end := s.leg(runtime.Leg{Limit: s.cfg.MaxSteps,
		Done:   func() bool { return s.others() == 0 || s.stopAsked() },
		OnTurn: func(*runtime.Thread, int64) { watch() }})
	if ran := s.m.Steps() - steps; ran > 0 || s.m.Now() != clock {
		s.say("ran %s, tick %d -> %d", plural(int(ran), "instruction"), clock, s.m.Now())
	}
	s.afterOthers(end, false, true)
}

// afterOthers reports how a :step or :run ended. A :run that did not
// finish says where it was; a :step has said so already.
func (s *Shell) afterOthers(end legEnd, idle, where bool) {
	switch {
	case s.t.State == runtime.ThreadDone:
		// checkShell says what happened to it.
	case s.others() == 0:
		s.say("only the shell is left")
	case end.end == runtime.LegStuck:
		s.m.ReportBlocked(s.t)
	case end.end == runtime.LegDone && s.stopAsked():
		s.say("interrupted")
		if where {
			s.sayWhere(end.last)
		}
	case end.stepLimit:
		if where {
			s.sayWhere(end.last)
		}
		s.say(stepLimitHint)
	case idle:
		s.say("nothing ran")
	}
	s.m.Tracer().Flush()
	s.checkShell()
}

// Names lists the names in scope at the prompt: main's locals, the
// globals and the functions, sorted.
func (s *Shell) Names() []string { return s.p.Names() }

// Vars lists main's locals and the globals, with addresses and values.
func (s *Shell) Vars() []string {
	if s.t.State == runtime.ThreadDone {
		// alive makes a fresh shell process, which runs: Back must do it
		// again.
		defer s.end(s.begin(act{kind: actAlive}))
	}
	if !s.alive() {
		return nil
	}
	var out []string
	if ls, ok := s.p.Locals(); ok {
		if len(ls) == 0 {
			out = append(out, "main has no locals")
		} else {
			out = append(out, fmt.Sprintf("locals of main (thread %d/%d):", s.t.Proc.PID, s.t.TID))
		}
		for _, l := range ls {
			out = append(out, fmt.Sprintf("  %-12s %s  %s", l.Name, mem.Hex(l.Addr), interp.Quote(l.Value)))
		}
	}
	gs := s.p.Globals()
	if len(gs) == 0 {
		return append(out, "no globals")
	}
	out = append(out, fmt.Sprintf("globals (process %d):", s.t.Proc.PID))
	for _, g := range gs {
		out = append(out, fmt.Sprintf("  %-12s %s  %-4s  %s", g.Name, mem.Hex(g.Addr), g.Seg, interp.Quote(g.Value)))
	}
	return out
}

// Ps lists the processes, as show ps does.
func (s *Shell) Ps() []string { return s.m.PsView() }

// Threads lists the threads, as show threads does.
func (s *Shell) Threads() []string { return s.m.ThreadsView() }

// Stats returns the statistics table, as show stats does.
func (s *Shell) Stats() []string { return s.m.StatsTable() }

// Stack returns the title and frames of thread tid (0: the shell thread),
// as show stack does.
func (s *Shell) Stack(tid int) (string, []string, error) {
	t := s.t
	if tid != 0 {
		t = s.m.Thread(tid)
	}
	if t == nil {
		return "", nil, fmt.Errorf("no thread %d", tid)
	}
	if t.State == runtime.ThreadDone {
		return "", nil, fmt.Errorf("thread %d has ended: its stack is gone", t.TID)
	}
	n := s.p.Frames(t)
	return fmt.Sprintf("stack of thread %d/%d (%s, innermost first)", t.Proc.PID, t.TID, plural(n, "frame")), s.m.StackView(t), nil
}

// process returns process pid (0: the shell's).
func (s *Shell) process(pid int) (*runtime.Process, error) {
	p := s.t.Proc
	if pid != 0 {
		p = s.m.Proc(pid)
	}
	if p == nil {
		return nil, fmt.Errorf("no process %d", pid)
	}
	if p.State == runtime.ProcReaped {
		return nil, fmt.Errorf("process %d has ended and was reaped", pid)
	}
	return p, nil
}

// Heap returns the title and lines of the heap of process pid (0: the
// shell's), as show heap does.
func (s *Shell) Heap(pid int) (string, []string, error) {
	p, err := s.process(pid)
	if err != nil {
		return "", nil, err
	}
	return fmt.Sprintf("heap of process %d", p.PID), s.m.HeapView(p), nil
}

// Maps returns the title and lines of the address space of process pid
// (0: the shell's), as show maps does.
func (s *Shell) Maps(pid int) (string, []string, error) {
	p, err := s.process(pid)
	if err != nil {
		return "", nil, err
	}
	return fmt.Sprintf("address space of process %d", p.PID), s.m.MapsView(p), nil
}

// PageTable renders process pid's page table (0: the shell's process).
func (s *Shell) PageTable(pid int) (string, []string, error) {
	p, err := s.process(pid)
	if err != nil {
		return "", nil, err
	}
	return fmt.Sprintf("page table of process %d", p.PID), s.m.PageTableView(p), nil
}

// TLB renders the TLB of each CPU.
func (s *Shell) TLB() (string, []string, error) {
	return "TLB", s.m.TLBView(), nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// lineText returns line n (1-based) of a source split into lines,
// trimmed, or "".
func lineText(lines []string, n int) string {
	if n < 1 || n > len(lines) {
		return ""
	}
	return strings.TrimSpace(lines[n-1])
}
