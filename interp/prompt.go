package interp

import (
	"proc/grammar"
	"proc/runtime"
	"proc/runtime/mem"
)

// The interpreter's side of the REPL (shell.go is the REPL itself). Under
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

// shellHooks connect the shell thread to its Shell, and hold what it
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
	prog := &Program{File: ShellFile, Config: cfg, Sources: map[string][]byte{}}
	prog.Image.TextRoom, prog.Image.DataRoom, prog.Image.BssRoom = shellTextRoom, shellDataRoom, shellBssRoom
	// main's own code is only the first halt; every input adds a chunk.
	main := &Func{Name: "main", Code: []Instr{{Op: OpHalt}}, Addr: mem.TextBase}
	main.addLine(grammar.Pos{File: ShellFile})
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
	vm.m.Block(th.rt, shellWaiting, nil, nil)
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
