package interp

import (
	"io"
	"sort"
	"strings"

	"proc/grammar"
	"proc/runtime"
	"proc/runtime/mem"
)

// The interpreter's side of the REPL (package shell is the REPL itself,
// over Prompt). Under
// the prompt's policy (promptPolicy) the program grows while it runs: the
// compiler adds one unit at a time, each with a chunk of main, and process
// 1's main thread, the shell thread, runs each chunk in main's frame and
// parks at its OpHalt until the next. main's frame stays on the stack
// between inputs, so its locals persist; new locals grow the frame in
// place. New functions go after the code so far, new globals into the room
// the image keeps free in data and bss.

// The room the REPL keeps for its program to grow into while it runs:
// code up to 1 MiB (262144 instructions), 512 globals of each kind. A
// script under `proc run` has its data right after its text; in the REPL
// data starts at 0x500000, bss on the page after and the heap after that.
const (
	shellTextRoom = 1 << 20
	shellDataRoom = mem.PageSize
	shellBssRoom  = mem.PageSize
)

// shellWaiting is what the parked shell thread waits for.
const shellWaiting = "the next input at the prompt"

// shellHooks connect the shell thread to its Prompt, and hold what it
// keeps between inputs.
type shellHooks struct {
	parked bool              // it reached OpHalt and waits for input
	echo   func(v mem.Value) // shows a value typed at the prompt
	slots  int               // the slots main's frame holds now
}

// newPromptProgram returns the program of a REPL before any input: main
// is only the halt where the shell thread waits for the first, and the
// image keeps room for the program to grow into.
func newPromptProgram(cfg runtime.Config) *Program {
	prog := &Program{File: PromptFile, Config: cfg, Sources: map[string][]byte{}}
	prog.Image.TextRoom, prog.Image.DataRoom, prog.Image.BssRoom = shellTextRoom, shellDataRoom, shellBssRoom
	// main's own code is only the first halt; every input adds a chunk.
	main := &Func{Name: "main", Code: []Instr{{Op: OpHalt}}, Addr: mem.TextBase}
	main.addLine(grammar.Pos{File: PromptFile})
	prog.Funcs = []*Func{main}
	prog.Image.TextSize = InsnBytes
	return prog
}

// promptStmt compiles a top-level statement of a unit at the prompt. A let
// may give a local of main a new value (relet); a call or system
// expression typed alone shows what it returns, unless it is nil or the
// statement is one of a file loaded.
func (c *compiler) promptStmt(st grammar.Stmt, perStmt bool) {
	switch st := st.(type) {
	case *grammar.LetStmt:
		c.relet(st)
	case *grammar.ExprStmt:
		if call, ok := st.X.(*grammar.CallExpr); (ok && call.Explicit) || perStmt {
			c.stmt(st)
			return
		}
		c.expr(st.X)
		c.emit(OpEcho, 0, 0, st.Pos)
	default:
		c.stmt(st)
	}
}

// relet compiles a top-level let at the prompt. A let of a name main
// already has gives that slot a new value, as naming a value again does
// at Python's prompt; anything else is an ordinary let.
func (c *compiler) relet(s *grammar.LetStmt) {
	scope := c.scopes[0]
	known := false
	for _, id := range s.Names {
		if _, ok := scope[id.Name]; ok {
			known = true
		}
	}
	two := len(s.Names) == 2
	call, isCall := s.Value.(*grammar.CallExpr)
	pipe := two && isCall && call.Name == "pipe" && c.funcs["pipe"] == nil && len(call.Args) == 0
	if !known || (two && s.Names[0].Name == s.Names[1].Name) || (two && s.Value != nil && !pipe) {
		c.let(s)
		return
	}
	slot := func(id *grammar.Ident) int {
		if k, ok := scope[id.Name]; ok {
			return k
		}
		return c.declare(id)
	}
	switch {
	case pipe:
		c.emit(OpPipe, 0, 0, call.Pos)
		c.emit(OpStoreL, slot(s.Names[1]), 0, s.Names[1].Pos)
		c.emit(OpStoreL, slot(s.Names[0]), 0, s.Names[0].Pos)
	default:
		if s.Value != nil {
			c.expr(s.Value)
		} else {
			c.emit(OpNil, 0, 0, s.Names[0].Pos)
		}
		c.emit(OpStoreL, slot(s.Names[0]), 0, s.Names[0].Pos)
		if two {
			c.emit(OpNil, 0, 0, s.Names[1].Pos)
			c.emit(OpStoreL, slot(s.Names[1]), 0, s.Names[1].Pos)
		}
	}
}

// checkRoom refuses a unit that would make the program outgrow the room
// the REPL keeps in its image for code and for globals. main's frame is
// bounded by its stack, as in a run (growMain).
func (c *compiler) checkRoom(mk compileMark, at grammar.Pos) {
	img := &c.prog.Image
	size := img.TextSize
	for _, fn := range c.prog.Funcs[mk.funcs:] {
		size += uint64(len(fn.Code)) * InsnBytes
	}
	nData, nBss := uint64(len(img.Data)), uint64(img.BssWords)
	for _, g := range c.prog.Globals[mk.globals:] {
		if g.Bss {
			nBss++
		} else {
			nData++
		}
	}
	switch {
	case size > img.TextRoom:
		c.errorf(at, "the program's code would pass the %d KiB the REPL keeps for text: :reset starts over", img.TextRoom>>10)
	case 8*nData > img.DataRoom || 8*nBss > img.BssRoom:
		c.errorf(at, "too many globals: the REPL keeps room for %d of each kind (with and without a value)", img.DataRoom/8)
	}
}

// halt is OpHalt: the end of an input. The shell thread parks until the
// next input. Any other thread that gets here is a forked copy of the
// shell: a halt between two statements of a loaded file means nothing to
// it, and the last halt is the end of its main.
func (vm *VM) halt(th *threadCtx) (runtime.Stop, bool) {
	if th.shell == nil {
		if fr := th.top(); fr.pc < len(fr.fn.Code) {
			return 0, true
		}
		th.push(mem.IntValue(0))
		return vm.ret(th)
	}
	th.shell.parked = true
	vm.m.Block(th.rt, shellWaiting, nil, runtime.Holders{})
	return runtime.StopBlock, false
}

// echo is OpEcho: the value of an expression typed at the prompt goes to
// the REPL (never from a forked copy of the shell).
func (vm *VM) echo(th *threadCtx, always bool) {
	th.sp--
	v := th.ops[th.sp]
	if th.shell != nil && th.shell.echo != nil && (always || v.K != mem.Nil) {
		th.shell.echo(v)
	}
}

// resume sets the shell thread going at pc of a chunk of main, with room
// in main's frame for the chunk's slots. The caller makes it ready.
func (th *threadCtx) resume(chunk *Func, pc int) {
	th.growMain(chunk.NSlots)
	fr := &th.frames[0]
	fr.fn, fr.pc = chunk, pc
	if th.sp+chunk.MaxStack+4 > len(th.ops) {
		th.growOps(chunk.MaxStack + 4)
	}
	th.shell.parked = false
}

// growMain makes room for n slots in main's frame, below the slots it
// has: the frame grows down in place, as the stack does.
func (th *threadCtx) growMain(n int) {
	sh := th.shell
	if n <= sh.slots {
		return
	}
	fr := &th.frames[0]
	st := th.stack
	sp := fr.fp - 8*uint64(n)
	if sp < st.Start || sp > fr.fp {
		// main's frame may grow no further than a call's frame could:
		// the input that needs it faults when it runs.
		th.overflow = &mem.Fault{Kind: mem.FaultStackOverflow, Addr: sp, Write: true, Seg: st}
		return
	}
	if space := th.proc.space; space.COWActive() {
		for a := sp &^ (mem.PageSize - 1); a < st.SP; a += mem.PageSize {
			space.NoteWrite(a)
		}
	}
	st.Ensure(fr.base + n)
	for k := sh.slots; k < n; k++ {
		st.Words[fr.base+k] = mem.Value{}
	}
	st.SP = sp
	sh.slots = n
}

// unwind takes the shell thread back to main's frame, parked at the
// prompt: the frames of the calls it was in and its operands are
// dropped. It reports whether there were calls.
func (th *threadCtx) unwind() (deep bool) {
	deep = len(th.frames) > 1
	fr := th.frames[0]
	th.frames = th.frames[:1]
	th.stack.SP = fr.fp - 8*uint64(th.shell.slots)
	th.sp = 0
	th.shell.parked = true
	return deep
}

// mainLocal returns the address and the value of slot k of main's frame.
func (th *threadCtx) mainLocal(k int) (uint64, mem.Value) {
	a := slotAddr(&th.frames[0], k)
	return a, th.stack.Get(a)
}

// PromptFile is the file name of what is typed at the prompt; lines are
// numbered across the whole session, in the order typed, whether their
// input ran, failed or was dropped.
const PromptFile = "<repl>"

// Prompt is a program that grows one input at a time in a machine that
// stays alive: the interpreter's side of the REPL. It owns the program,
// the compiler under the prompt's policy, the machine and its VM, and the
// shell process, whose main thread (the shell thread) runs each input's
// piece of main and parks at its end until the next. Running the machine
// and what to say about it are the REPL's (package shell).
type Prompt struct {
	prog  *Program
	c     *compiler
	vm    *VM
	m     *runtime.Machine
	th    *threadCtx // the shell thread
	hooks shellHooks
}

// PromptOptions are what a Prompt starts with.
type PromptOptions struct {
	Config runtime.Config
	// Ceiling holds the most each limit may be set to by a script's config
	// lines; the zero value means the defaults, or Config's value where it
	// is higher.
	Ceiling runtime.Config
	Trace   runtime.Category
	// Out receives the trace.
	Out io.Writer
	// Engine turns off ways the VM runs faster, to compare (see Engine).
	Engine Engine
	// Echo is given the value of an expression typed alone at the prompt.
	Echo func(v mem.Value)
}

// NewPrompt boots a machine with an empty program, as a run boots one,
// and makes its shell process (Start). The shell thread has not run yet:
// it is ready at the halt where main waits for the first input.
func NewPrompt(o PromptOptions) (*Prompt, error) {
	prog := newPromptProgram(o.Config)
	p := &Prompt{prog: prog, c: newCompiler(prog, o.Ceiling, promptPolicy)}
	if o.Ceiling == (runtime.Config{}) {
		p.c.ceil = runtime.DefaultConfig()
		for _, k := range runtime.LimitKeys() {
			p.Allow(k, o.Config)
		}
	}
	b := boot(prog, o.Config, Options{Trace: o.Trace, Sink: runtime.NewTextSink(o.Out, o.Out, false), Engine: o.Engine})
	p.vm, p.m = b.VM, b.M
	p.hooks.echo = o.Echo
	if err := p.Start(); err != nil {
		return nil, err
	}
	return p, nil
}

// Start makes a new shell process of the program, as a run makes its
// first process: every function and global stays declared, main's locals
// are forgotten. Its shell thread is ready at the start of main. Start
// fails when the machine's memory cannot hold the process; the shell
// thread is then still the one before.
func (p *Prompt) Start() error {
	p.hooks.parked, p.hooks.slots = false, 0
	th, err := p.vm.startMain(&p.hooks)
	if err != nil {
		return err
	}
	p.th = th
	p.c.forgetMain()
	return nil
}

// Machine returns the machine the program runs on.
func (p *Prompt) Machine() *runtime.Machine { return p.m }

// Program returns the program so far.
func (p *Prompt) Program() *Program { return p.prog }

// Thread returns the shell thread: the main thread of the shell process.
func (p *Prompt) Thread() *runtime.Thread { return p.th.rt }

// Parked reports whether the shell thread has reached the end of its
// input and waits for the next.
func (p *Prompt) Parked() bool { return p.hooks.parked }

// Ceiling returns the most each limit may be set to by a script.
func (p *Prompt) Ceiling() runtime.Config { return p.c.ceil }

// Allow raises the ceiling of a limit key to its value in cfg, when that
// is higher: what the user set, a script may set too.
func (p *Prompt) Allow(key string, cfg runtime.Config) {
	v, ok := cfg.Int(key)
	if top, _ := p.c.ceil.Int(key); ok && runtime.IsLimit(key) && v > top {
		if err := p.c.ceil.SetInt(key, v); err != nil {
			// Past what the key can hold (a config made in code, not
			// through Set): the ceiling goes as high as the key goes.
			p.c.ceil.Lift(key)
		}
	}
}

// Typed adds the text of an input to the source of PromptFile, whatever
// becomes of it, so that the lines typed are numbered in the order typed.
func (p *Prompt) Typed(text string) { p.prog.Src = append(p.prog.Src, text+"\n"...) }

// AddFile keeps the source of a file whose code joined the program, for
// the reports that quote it.
func (p *Prompt) AddFile(file string, src []byte) { p.prog.Sources[file] = src }

// CompileOptions are the REPL's choices for one unit.
type CompileOptions struct {
	// Base is the current settings: the unit's config lines apply to them.
	Base runtime.Config
	// Bare is an expression typed alone at the prompt: its value is shown
	// (Echo), nil included.
	Bare grammar.Expr
	// End is the position of the halt that ends the unit's code, and of
	// an error about the unit as a whole (no room left).
	End grammar.Pos
	// PerStmt ends each top-level statement in a halt of its own: the
	// statements of a file loaded run one at a time (Unit.Starts).
	PerStmt bool
	// Sets are a loaded script's header settings (KEY=VALUE), applied
	// after its config lines.
	Sets []string
	// Pinned are the keys the command line set, for a file loaded: they
	// keep their value in Base, whatever the file sets them to.
	Pinned map[string]bool
}

// Unit is what one input or file added to the program, laid out in the
// image and mapped into the shell process.
type Unit struct {
	main *Func // the unit's chunk of main; nil when it only declares
	// Starts holds where each top-level statement starts in the unit's
	// chunk of main (see Resume).
	Starts []int
	// Keys are the config keys the unit set, in order (its config lines,
	// then Sets), and Config the settings they make.
	Keys   []string
	Config runtime.Config
	// Kept holds the values the unit gave to pinned keys, which were not
	// taken.
	Kept map[string]string
	// Globals and Funcs are what the unit declared; Redefined names the
	// functions among them that replace one of an earlier unit; Again
	// holds earlier globals declared again, with their new values.
	Globals   []Var
	Funcs     []FuncInfo
	Redefined []string
	Again     []Var
}

// Runs reports whether the unit has statements to run.
func (u *Unit) Runs() bool { return u.main != nil }

// Var is a variable of the shell process: a local of main or a global.
type Var struct {
	Name  string
	Addr  uint64
	Seg   string // "data" or "bss" for a global, "" for a local
	Value mem.Value
}

// FuncInfo is a function of the program.
type FuncInfo struct {
	Name   string
	Params []string
	Addr   uint64
	Instrs int // instructions
}

// Compile adds a parsed input or file to the program, under the prompt's
// policy: its config lines, globals, functions and a chunk of main for
// its top-level statements, laid out after what the program has and
// mapped into the machine. On error nothing changes.
func (p *Prompt) Compile(sc *grammar.Script, o CompileOptions) (*Unit, *grammar.Error) {
	u, err := p.c.unit(sc, o.Base, chunkOpts{bare: o.Bare, end: o.End, perStmt: o.PerStmt})
	if err != nil {
		return nil, err
	}
	r := &Unit{main: u.main, Starts: u.starts, Redefined: u.redefined}
	if err := p.unitConfig(r, sc, o); err != nil {
		p.c.discard(u)
		return nil, err
	}
	r.Config = p.prog.Config
	p.c.layout(u)
	p.mapUnit()
	sh := p.th.rt.Proc
	for _, a := range u.again {
		seg := sh.Data
		if a.g.Bss {
			seg = sh.Bss
		}
		addr := seg.Start + 8*uint64(a.g.Index)
		sh.Space.NoteWrite(addr)
		seg.Put(addr, a.v)
		r.Again = append(r.Again, Var{Name: a.g.Name, Addr: addr, Seg: segName(a.g), Value: a.v})
	}
	for _, g := range u.globals {
		r.Globals = append(r.Globals, p.global(g))
	}
	for _, fn := range u.funcs {
		r.Funcs = append(r.Funcs, FuncInfo{Name: fn.Name, Params: fn.Slots[:fn.NParams], Addr: fn.Addr, Instrs: len(fn.Code)})
	}
	return r, nil
}

// unitConfig completes the config a unit's config lines made: a loaded
// script's header comes after them, and what the command line set stays.
func (p *Prompt) unitConfig(r *Unit, sc *grammar.Script, o CompileOptions) *grammar.Error {
	cfg := &p.prog.Config
	for _, cf := range sc.Configs {
		r.Keys = append(r.Keys, cf.Key)
	}
	// The header comes after the config lines, as under proc run.
	for _, kv := range o.Sets {
		k, v, _ := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if err := cfg.Set(k, strings.TrimSpace(v)); err != nil {
			return grammar.Errorf(o.End, "# args: --set %v", err)
		}
		r.Keys = append(r.Keys, k)
	}
	// What the command line set stays: a script does not undo it.
	for _, k := range r.Keys {
		if o.Pinned[k] {
			if r.Kept == nil {
				r.Kept = map[string]string{}
			}
			r.Kept[k], _ = cfg.Get(k)
			v, _ := o.Base.Get(k)
			if err := cfg.Set(k, v); err != nil {
				return grammar.Errorf(o.End, "%v", err)
			}
		}
	}
	return nil
}

// mapUnit maps what a unit laid out in the image into the machine: every
// process of the program maps the text it runs from, and the shell
// process's data and bss grow to hold the new globals.
func (p *Prompt) mapUnit() {
	img := &p.prog.Image
	textEnd := mem.PageUp(mem.TextBase + img.TextSize)
	for _, proc := range p.m.Procs() {
		if proc.Image == img && proc.State != runtime.ProcReaped && proc.Text.End < textEnd {
			proc.Text.End = textEnd
			if proc.State != runtime.ProcZombie {
				p.m.MapText(proc)
			}
		}
	}
	sh := p.th.rt.Proc
	grow := func(seg *mem.Segment, words int, init []mem.Value) {
		end := seg.Start + 8*uint64(words)
		if end <= seg.End {
			return
		}
		mapped := seg.End > seg.Start
		for a := seg.End; a < end; a += 8 {
			sh.Space.NoteWrite(a)
			v := mem.Value{}
			if init != nil {
				v = init[(a-seg.Start)/8]
			}
			seg.Put(a, v)
		}
		seg.End = end
		if !mapped {
			sh.Space.Map(seg)
		}
		sh.Space.Back(seg.Start, seg.End)
	}
	grow(sh.Data, len(img.Data), img.Data)
	grow(sh.Bss, img.BssWords, nil)
}

// global returns a global of the shell process, with its value.
func (p *Prompt) global(g *Global) Var {
	sh := p.th.rt.Proc
	seg := sh.Data
	if g.Bss {
		seg = sh.Bss
	}
	a := seg.Start + 8*uint64(g.Index)
	return Var{Name: g.Name, Addr: a, Seg: segName(g), Value: seg.Get(a)}
}

// Resume sets the shell thread going at statement pc of a unit's chunk
// of main (0: its first), ready to run.
func (p *Prompt) Resume(u *Unit, pc int) {
	p.th.resume(u.main, pc)
	p.m.MakeReady(p.th.rt)
}

// Unwind gives up the statement the shell thread is in: it leaves
// whatever it waits for and goes back to main's frame, parked at the
// prompt. It reports whether it was in calls, whose frames are gone.
func (p *Prompt) Unwind() (deep bool) {
	th := p.th
	p.m.Park(th.rt, shellWaiting)
	deep = th.unwind()
	th.computeLeft, th.firstCall = 0, 0
	return deep
}

// Where tells where thread t is: the function and line ("main, line 2"),
// and the text of that line. ok is false for a thread of no VM.
func (p *Prompt) Where(t *runtime.Thread) (at, text string, ok bool) {
	th, ok := t.Ctx.(*threadCtx)
	if !ok {
		return "", "", false
	}
	w := th.where()
	return w.String(), p.prog.sourceLine(w.pos), true
}

// Frames returns how many frames thread t has on its stack.
func (p *Prompt) Frames(t *runtime.Thread) int {
	if th, ok := t.Ctx.(*threadCtx); ok {
		return len(th.frames)
	}
	return 0
}

// Names lists the names in scope at the prompt: main's locals, the
// globals and the functions, sorted.
func (p *Prompt) Names() []string {
	var out []string
	for n := range p.c.mainLocals {
		out = append(out, n)
	}
	for n := range p.c.globals {
		out = append(out, n)
	}
	for n := range p.c.funcs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Locals lists main's locals in the shell thread, in slot order; ok is
// false when the shell thread has no frame to hold them (it ended).
func (p *Prompt) Locals() (vars []Var, ok bool) {
	th := p.th
	if th.rt.State == runtime.ThreadDone || len(th.frames) == 0 {
		return nil, false
	}
	for n, k := range p.c.mainLocals {
		a, v := th.mainLocal(k)
		vars = append(vars, Var{Name: n, Addr: a, Value: v})
	}
	sort.Slice(vars, func(i, j int) bool { return vars[i].Addr > vars[j].Addr })
	return vars, true
}

// Globals lists the globals of the shell process, in the order declared.
func (p *Prompt) Globals() []Var {
	var out []Var
	for _, g := range p.prog.Globals {
		out = append(out, p.global(g))
	}
	return out
}
