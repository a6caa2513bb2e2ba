package interp

import (
	"proc/grammar"
)

// The compiler's side of the REPL (shell.go is the REPL itself): what
// compiling under the prompt's policy (promptPolicy) does that compiling
// a script does not.

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
		c.depth--
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
// bounded by its stack, as in a run (Shell.growFrame).
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
