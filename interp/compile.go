package interp

import (
	"fmt"
	"maps"
	"slices"
	"sort"

	"proc/grammar"
	"proc/runtime"
	"proc/runtime/mem"
)

// Compile resolves every name of a parsed script and compiles it to code.
// Every error that can be found before tick 0 is found here: undefined and
// duplicate names, wrong argument counts, assignment to a function, break
// outside a loop, bad config lines, and constructs not supported yet. The
// first error in source order is returned, as a *grammar.Error.
func Compile(s *grammar.Script) (*Program, error) {
	return CompileWith(s, runtime.DefaultConfig())
}

// CompileWith is Compile starting from the given config (the script's
// config lines are applied on top of it). The script's config lines may
// lower a limit of cfg, never raise it.
func CompileWith(s *grammar.Script, cfg runtime.Config) (*Program, error) {
	return compileLimited(s, cfg, cfg)
}

// compileLimited compiles s starting from the config base; the script's
// config lines may set a limit no higher than in ceil.
func compileLimited(s *grammar.Script, base, ceil runtime.Config) (*Program, error) {
	c := newCompiler(&Program{File: s.File, Src: s.Src, Config: base}, ceil, scriptPolicy)
	u, err := c.unit(s, base, chunkOpts{})
	if err != nil {
		return nil, err
	}
	c.layout(u)
	return c.prog, nil
}

// newCompiler returns a compiler that adds to prog under pol; config
// lines may set a limit no higher than in ceil.
func newCompiler(prog *Program, ceil runtime.Config, pol policy) *compiler {
	return &compiler{
		pol:     pol,
		ceil:    ceil,
		prog:    prog,
		funcs:   map[string]*Func{},
		globals: map[string]*Global{},
		consts:  map[mem.Value]int{},
	}
}

type compiler struct {
	// pol is how the program grows: at once (a script) or a unit at a
	// time (the REPL).
	pol policy
	// ceil holds the most each limit may be: a script's config line may
	// lower a limit, never raise it above what the command line allows.
	ceil    runtime.Config
	prog    *Program
	funcs   map[string]*Func
	globals map[string]*Global
	consts  map[mem.Value]int
	errs    []*grammar.Error

	fn     *Func
	depth  int // current operand stack depth
	scopes []map[string]int
	loops  []*loopCtx
	isMain bool
	// mainLocals are the names main declares at its top level, set once
	// main is compiled: a function that uses one is told why it cannot.
	// At the prompt they are main's locals so far, by slot, and
	// mainSlots names main's slots, by index.
	mainLocals map[string]int
	mainSlots  []string
	// codeBuf and lineBuf are the buffers the code of a function is
	// compiled into (see begin).
	codeBuf []Instr
	lineBuf []linePos
	// links is the stack of chain links that expr and tryConst have
	// walked past and still have to compile (see chainLink).
	links []grammar.Expr
}

type loopCtx struct {
	breaks    []int
	continues []int
}

func (c *compiler) errorf(pos grammar.Pos, format string, args ...any) {
	c.errs = append(c.errs, grammar.Errorf(pos, format, args...))
}

// policy is what tells compiling a script from compiling what is typed
// at the REPL's prompt. The passes, the checks, the messages and the code
// are otherwise one and the same: a script is the one unit of a program
// that starts empty, and the REPL's program grows a unit at a time.
type policy uint8

const (
	// scriptPolicy compiles a whole program at once: main is a function
	// of its own, first in the text, that returns 0 after the last
	// top-level statement.
	scriptPolicy policy = iota
	// promptPolicy compiles a program that grows while it runs, one unit
	// (an input, a file loaded) at a time. The top-level statements of a
	// unit are a chunk of main, placed after the unit's functions, that
	// goes on in main's frame with the locals of the units before it and
	// ends in OpHalt, where the shell thread waits for the next unit. A
	// let of a name main has gives it a new value (relet), the value of a
	// call typed alone is shown (OpEcho), and the program must fit in
	// the room the REPL keeps in its image.
	promptPolicy
)

// chunkOpts are the prompt's choices for the chunk of one unit.
type chunkOpts struct {
	// bare is an expression typed alone at the prompt: its value is
	// shown, nil included.
	bare grammar.Expr
	// end is the position of the halt that ends the chunk, and of an
	// error about the unit as a whole (no room left).
	end grammar.Pos
	// perStmt ends each statement in a halt of its own: the statements
	// of a file loaded run one at a time.
	perStmt bool
}

// unit is what one pass of the compiler added to the program.
type unit struct {
	// mk is the program before it.
	mk compileMark
	// main is main (a script), or the unit's chunk of main (the prompt;
	// nil when the unit only declares).
	main *Func
	// starts holds where each top-level statement starts in main.
	starts []int
	// globals and funcs are what the unit declared; redefined names the
	// functions among funcs that replace one of an earlier unit.
	globals   []*Global
	funcs     []*Func
	redefined []string
	// again holds the globals of earlier units declared again, with
	// their new initial values.
	again []reinit
}

// reinit is a global declared again by a later unit, and its new initial
// value.
type reinit struct {
	g *Global
	v mem.Value
}

// unit compiles one unit onto the program, starting from the config
// base: its config lines, its declarations, its top-level statements and
// its functions. layout then places it, or discard takes it back. On
// error the first one in source order is returned, and the program and
// the compiler are left as they were.
func (c *compiler) unit(s *grammar.Script, base runtime.Config, o chunkOpts) (*unit, *grammar.Error) {
	p := c.prog
	mk := c.mark()
	c.errs = nil
	p.Config = base
	// Config lines first: they fix the machine before anything runs.
	for _, cf := range s.Configs {
		c.config(cf)
	}
	u := &unit{mk: mk}
	if c.pol == scriptPolicy {
		u.main = c.addFunc("main", grammar.Pos{}, 0)
	}
	// Declarations: every global and function is known before any body is
	// compiled, so order in the file does not matter for calls.
	c.declareGlobals(s.Globals, mk, u)
	bodies := c.declareFuncs(s.Funcs, mk, u)
	if c.pol == promptPolicy {
		u.main = c.addFunc("main", grammar.Pos{}, 0)
	}
	u.starts = c.mainBody(u.main, s.Body, o)
	for i, fn := range u.funcs {
		f := bodies[i]
		c.begin(fn, f.Params)
		c.block(f.Body)
		c.emit(OpNil, 0, 0, f.Body.End)
		c.emit(OpRet, 0, 0, f.Body.End)
		c.end()
	}
	if c.pol == promptPolicy && len(s.Body) == 0 && o.bare == nil {
		// Only declarations: main gets no new code.
		p.Funcs = p.Funcs[:len(p.Funcs)-1]
		u.main = nil
	}
	if len(c.errs) == 0 && c.pol == promptPolicy {
		c.checkRoom(mk, o.end)
	}
	if len(c.errs) > 0 {
		sort.SliceStable(c.errs, func(i, j int) bool { return c.errs[i].Pos.Offset < c.errs[j].Pos.Offset })
		err := c.errs[0]
		c.rollback(mk)
		return nil, err
	}
	return u, nil
}

// discard takes back a unit not laid out: the program and the compiler
// are as they were before it.
func (c *compiler) discard(u *unit) { c.rollback(u.mk) }

// addFunc adds a function to the program, at the next index.
func (c *compiler) addFunc(name string, pos grammar.Pos, nParams int) *Func {
	fn := &Func{Name: name, Index: len(c.prog.Funcs), Pos: pos, NParams: nParams}
	c.prog.Funcs = append(c.prog.Funcs, fn)
	return fn
}

// declareGlobals declares the globals of a unit. A name the unit declares
// twice is an error. A global of an earlier unit declared again (a file
// loaded again, say) stays the same variable, at the same address, which
// the code compiled so far uses, and gets the new initial value.
func (c *compiler) declareGlobals(gs []*grammar.Global, mk compileMark, u *unit) {
	img := &c.prog.Image
	nData, nBss := len(img.Data), img.BssWords
	again := map[string]grammar.Pos{} // globals of earlier units declared again
	for _, g := range gs {
		if prev, ok := c.globals[g.Name]; ok {
			first, twice := again[g.Name]
			switch {
			case mk.globalMap[g.Name] != prev: // declared by this unit
				c.errorf(g.NamePos, "global %s redeclared (first declared at %s)", g.Name, c.declaredAt(prev.Pos))
			case twice:
				c.errorf(g.NamePos, "global %s redeclared (first declared at %s)", g.Name, c.declaredAt(first))
			case prev.Bss != (g.Init == nil):
				with := "without"
				if prev.Bss {
					with = "with"
				}
				c.errorf(g.NamePos, "global %s redeclared %s an initial value (first declared at %s, in %s): :reset starts over", g.Name, with, c.declaredAt(prev.Pos), segName(prev))
			default:
				again[g.Name] = g.NamePos
				r := reinit{g: prev}
				if g.Init != nil {
					r.v = c.constExpr(g.Init)
				}
				u.again = append(u.again, r)
			}
			continue
		}
		if _, ok := c.funcs[g.Name]; ok {
			c.errorf(g.NamePos, "global %s has the name of a function", g.Name)
			continue
		}
		gl := c.newGlobal(g, &nData, &nBss)
		c.globals[g.Name] = gl
		c.prog.Globals = append(c.prog.Globals, gl)
		u.globals = append(u.globals, gl)
	}
}

// declareFuncs declares the functions of a unit and returns, for each
// function it declared, its declaration. A name the unit declares twice is
// an error; a function of an earlier unit declared again is replaced for
// what is compiled from then on.
func (c *compiler) declareFuncs(fs []*grammar.Func, mk compileMark, u *unit) (bodies []*grammar.Func) {
	for _, f := range fs {
		if f.Name == "main" {
			c.errorf(f.NamePos, "cannot declare func main: %s are main", c.mainIs())
			continue
		}
		if g, ok := c.globals[f.Name]; ok {
			c.errorf(f.NamePos, "func %s has the name of the global declared at %s", f.Name, c.declaredAt(g.Pos))
			continue
		}
		if _, ok := c.mainLocals[f.Name]; ok {
			c.errorf(f.NamePos, "func %s has the name of a local of main", f.Name)
			continue
		}
		if prev, ok := c.funcs[f.Name]; ok {
			if prev.Index >= mk.funcs {
				c.errorf(f.NamePos, "func %s redeclared (first declared at %s)", f.Name, c.declaredAt(prev.Pos))
				continue
			}
			u.redefined = append(u.redefined, f.Name)
		}
		fn := c.addFunc(f.Name, f.NamePos, len(f.Params))
		c.funcs[f.Name] = fn
		u.funcs = append(u.funcs, fn)
		bodies = append(bodies, f)
	}
	return bodies
}

// mainIs says what main is made of, for the error of a func main.
func (c *compiler) mainIs() string {
	if c.pol == promptPolicy {
		return "the statements typed at the prompt"
	}
	return "the top-level statements"
}

// declaredAt says where a name was declared: a line of the program's own
// file (the script, or what is typed at the prompt), or of another file
// (one loaded at the prompt).
func (c *compiler) declaredAt(pos grammar.Pos) string {
	if pos.File == c.prog.File {
		return fmt.Sprintf("line %d", pos.Line)
	}
	return fmt.Sprintf("%s:%d", pos.File, pos.Line)
}

// segName is the segment a global lives in.
func segName(g *Global) string {
	if g.Bss {
		return "bss"
	}
	return "data"
}

// mainBody compiles the top-level statements of a unit into main, in
// main's scope, and returns where each starts. Under the prompt's policy
// main goes on from the locals of the units before, and ends in a halt.
func (c *compiler) mainBody(main *Func, body []grammar.Stmt, o chunkOpts) (starts []int) {
	c.begin(main, nil)
	if c.mainLocals != nil {
		main.Slots = slices.Clone(c.mainSlots)
		main.NSlots = len(main.Slots)
		c.scopes[0] = maps.Clone(c.mainLocals)
	}
	c.isMain = true
	prompt := c.pol == promptPolicy
	for _, st := range body {
		starts = append(starts, c.here())
		if prompt {
			c.promptStmt(st, o.perStmt)
		} else {
			c.stmt(st)
		}
		if o.perStmt {
			c.emit(OpHalt, 0, 0, grammar.StmtPos(st))
		}
	}
	if prompt {
		if o.bare != nil {
			c.expr(o.bare)
			c.emit(OpEcho, 1, 0, grammar.ExprPos(o.bare))
		}
		if !o.perStmt || len(body) == 0 {
			c.emit(OpHalt, 0, 0, o.end)
		}
	} else {
		c.emit(OpInt, 0, 0, grammar.Pos{})
		c.emit(OpRet, 0, 0, grammar.Pos{})
	}
	c.mainLocals, c.mainSlots = c.scopes[0], main.Slots
	c.end()
	c.isMain = false
	return starts
}

// layout places what a unit added after what the program has: its code at
// the end of the text, the initial values of its globals at the end of
// data (and its globals without one in bss), and the new initial values of
// globals declared again where they are.
func (c *compiler) layout(u *unit) {
	img := &c.prog.Image
	addr := mem.TextBase + img.TextSize
	for _, fn := range c.prog.Funcs[u.mk.funcs:] {
		fn.Addr = addr
		addr += uint64(len(fn.Code)) * InsnBytes
	}
	img.TextSize = addr - mem.TextBase
	for _, g := range u.globals {
		if g.Bss {
			img.BssWords++
		} else {
			img.Data = append(img.Data, g.Init)
		}
	}
	for _, r := range u.again {
		if !r.g.Bss {
			img.Data[r.g.Index] = r.v
			r.g.Init = r.v
		}
	}
}

// compileMark is the compiler's state before a unit, to roll back to.
type compileMark struct {
	funcs, globals, consts, shapes, spawns int
	funcMap                                map[string]*Func
	globalMap                              map[string]*Global
	config                                 runtime.Config
	mainLocals                             map[string]int
	mainSlots                              []string
}

func (c *compiler) mark() compileMark {
	p := c.prog
	return compileMark{len(p.Funcs), len(p.Globals), len(p.Consts), len(p.Shapes), len(p.Spawns),
		maps.Clone(c.funcs), maps.Clone(c.globals), p.Config, c.mainLocals, c.mainSlots}
}

// rollback takes the program and the compiler back to mk.
func (c *compiler) rollback(mk compileMark) {
	p := c.prog
	for v, i := range c.consts {
		if i >= mk.consts {
			delete(c.consts, v)
		}
	}
	p.Funcs, p.Globals, p.Consts = p.Funcs[:mk.funcs], p.Globals[:mk.globals], p.Consts[:mk.consts]
	p.Shapes, p.Spawns = p.Shapes[:mk.shapes], p.Spawns[:mk.spawns]
	c.funcs, c.globals, p.Config = mk.funcMap, mk.globalMap, mk.config
	c.mainLocals, c.mainSlots = mk.mainLocals, mk.mainSlots
	c.errs = nil
	c.fn = nil
}

// forgetMain starts main over: a new shell process has none of the
// locals of the one before.
func (c *compiler) forgetMain() { c.mainLocals, c.mainSlots = nil, nil }

// newGlobal lays out a declared global: with an initial value in data,
// without one in bss, each at the next index of its segment.
func (c *compiler) newGlobal(g *grammar.Global, nData, nBss *int) *Global {
	gl := &Global{Name: g.Name, Pos: g.NamePos}
	if g.Init == nil {
		gl.Bss, gl.Index = true, *nBss
		(*nBss)++
	} else {
		gl.Index = *nData
		(*nData)++
		gl.Init = c.constExpr(g.Init)
	}
	return gl
}

// config applies one `config KEY = VALUE` line.
func (c *compiler) config(cf *grammar.Config) {
	kind := runtime.ConfigKind(cf.Key)
	if kind == "" {
		err := c.prog.Config.Set(cf.Key, "0")
		c.errorf(cf.Pos, "%v", err)
		return
	}
	v, ok := c.tryConst(cf.Value)
	if !ok {
		c.errorf(grammar.ExprPos(cf.Value), "config %s: the value must be a constant", cf.Key)
		return
	}
	var err error
	switch v.K {
	case mem.Int:
		err = c.prog.Config.SetInt(cf.Key, v.N)
		if err == nil {
			err = runtime.CheckLimit(cf.Key, v.N, &c.ceil)
		}
	case mem.Bool:
		err = c.prog.Config.SetBool(cf.Key, v.N != 0)
	case mem.Str:
		err = c.prog.Config.SetString(cf.Key, v.S)
	default:
		err = fmt.Errorf("config key %s takes a%s %s, not %s", cf.Key, article(kind), kind, v.K)
	}
	if err != nil {
		c.errorf(grammar.ExprPos(cf.Value), "%v", err)
	}
}

func article(kind string) string {
	if kind == "int" {
		return "n"
	}
	return ""
}

// constExpr evaluates a global's initializer, which must be constant.
func (c *compiler) constExpr(e grammar.Expr) mem.Value {
	v, ok := c.tryConst(e)
	if !ok {
		c.errorf(grammar.ExprPos(e), "a global's initial value must be a constant (a literal, or operators on literals)")
	}
	return v
}

// tryConst folds literals and operators on literals. It walks down a
// chain of binary operators in a loop (see chainLink) and recurses only
// into right operands and the operands of unary operators and
// parentheses.
func (c *compiler) tryConst(e grammar.Expr) (mem.Value, bool) {
	base := len(c.links)
	for {
		b, ok := e.(*grammar.BinaryExpr)
		if !ok {
			break
		}
		c.pushLink(b)
		e = b.X
	}
	x, ok := c.constOperand(e)
	// A string built by a chain of + is kept in cat rather than in x
	// while it grows: concatenating link by link would copy it whole
	// each time, and a chain of a mebibyte would take gigabytes.
	var cat []byte
	inCat := false
	for len(c.links) > base {
		e := c.popLink().(*grammar.BinaryExpr)
		y, ok2 := c.tryConst(e.Y)
		if !ok || !ok2 {
			// Not a constant; the rest of the chain is still checked
			// for errors.
			ok = false
			continue
		}
		if e.Op == "+" && concatenable(x) && concatenable(y) && (inCat || x.K == mem.Str || y.K == mem.Str) {
			if !inCat {
				cat = append(cat[:0], format(x)...)
				inCat = true
			}
			cat = append(cat, format(y)...)
			continue
		}
		if inCat {
			x, inCat = mem.StrValue(string(cat)), false
		}
		x = c.fold(e, x, y)
	}
	if inCat {
		x = mem.StrValue(string(cat))
	}
	return x, ok
}

// concatenable reports whether + joins v to a string as its text.
func concatenable(v mem.Value) bool {
	switch v.K {
	case mem.Str, mem.Int, mem.Ptr, mem.Bool, mem.Nil:
		return true
	}
	return false
}

// constOperand folds what is not a binary expression.
func (c *compiler) constOperand(e grammar.Expr) (mem.Value, bool) {
	switch e := e.(type) {
	case *grammar.IntLit:
		return mem.IntValue(e.Value), true
	case *grammar.StringLit:
		return mem.StrValue(e.Value), true
	case *grammar.BoolLit:
		return mem.BoolValue(e.Value), true
	case *grammar.NilLit:
		return mem.NilValue, true
	case *grammar.ParenExpr:
		return c.tryConst(e.X)
	case *grammar.UnaryExpr:
		x, ok := c.tryConst(e.X)
		if !ok {
			return x, false
		}
		switch e.Op {
		case "-":
			if x.K == mem.Int {
				return mem.IntValue(-x.N), true
			}
		case "!":
			return mem.BoolValue(!truth(x)), true
		}
		return x, false
	}
	return mem.Value{}, false
}

// fold applies a binary operator to two constants.
func (c *compiler) fold(e *grammar.BinaryExpr, x, y mem.Value) mem.Value {
	if e.Op == "&&" || e.Op == "||" {
		t := truth(x) && truth(y)
		if e.Op == "||" {
			t = truth(x) || truth(y)
		}
		return mem.BoolValue(t)
	}
	r, kind, div := binary(opOf(e.Op), x, y)
	if div {
		c.errorf(e.Pos, "integer divide by zero in a constant")
		return mem.Value{}
	}
	if kind != "" {
		c.errorf(e.Pos, "%s", kind)
		return mem.Value{}
	}
	return r
}

// begin starts compiling fn with the given parameters.
func (c *compiler) begin(fn *Func, params []*grammar.Ident) {
	c.fn = fn
	// The code grows in buffers kept from one function to the next, and
	// end copies it out at its final size: appending to a new slice per
	// function would allocate about twice the code of each.
	fn.Code, fn.Lines = c.codeBuf[:0], c.lineBuf[:0]
	c.depth = 0
	c.scopes = []map[string]int{{}}
	c.loops = nil
	for _, p := range params {
		if _, dup := c.scopes[0][p.Name]; dup {
			c.errorf(p.Pos, "duplicate parameter %s", p.Name)
		}
		c.declare(p)
	}
}

func (c *compiler) end() {
	fn := c.fn
	c.codeBuf, c.lineBuf = fn.Code[:0], fn.Lines[:0]
	fn.Code = append([]Instr(nil), fn.Code...)
	fn.Lines = append([]linePos(nil), fn.Lines...)
	fn.Fast = fuse(fn.Code)
	c.fn = nil
}

// declare makes a new slot for a name in the innermost scope.
func (c *compiler) declare(id *grammar.Ident) int {
	if _, ok := c.funcs[id.Name]; ok {
		c.errorf(id.Pos, "cannot use %s as a variable name: it is a function", id.Name)
	}
	slot := c.newSlot(id.Name)
	c.scopes[len(c.scopes)-1][id.Name] = slot
	return slot
}

func (c *compiler) newSlot(name string) int {
	c.fn.Slots = append(c.fn.Slots, name)
	c.fn.NSlots = len(c.fn.Slots)
	return c.fn.NSlots - 1
}

func (c *compiler) lookupLocal(name string) (int, bool) {
	for i := len(c.scopes) - 1; i >= 0; i-- {
		if s, ok := c.scopes[i][name]; ok {
			return s, true
		}
	}
	return 0, false
}

// emit appends an instruction and returns its index.
func (c *compiler) emit(op Op, a, b int, pos grammar.Pos) int {
	fn := c.fn
	fn.Code = append(fn.Code, Instr{Op: op, A: int32(a), B: int32(b)})
	fn.addLine(pos)
	pop, push := c.prog.stackUse(fn.Code[len(fn.Code)-1])
	c.depth += push - pop
	if c.depth > fn.MaxStack {
		fn.MaxStack = c.depth
	}
	return len(fn.Code) - 1
}

func (c *compiler) here() int { return len(c.fn.Code) }

func (c *compiler) patch(at int) { c.fn.Code[at].A = int32(c.here()) }

func (c *compiler) constant(v mem.Value) int {
	if i, ok := c.consts[v]; ok {
		return i
	}
	c.prog.Consts = append(c.prog.Consts, v)
	c.consts[v] = len(c.prog.Consts) - 1
	return len(c.prog.Consts) - 1
}

func (c *compiler) block(b *grammar.Block) {
	c.scopes = append(c.scopes, map[string]int{})
	for _, st := range b.Stmts {
		c.stmt(st)
	}
	c.scopes = c.scopes[:len(c.scopes)-1]
}

func (c *compiler) stmt(s grammar.Stmt) {
	switch s := s.(type) {
	case *grammar.LetStmt:
		c.let(s)
	case *grammar.AssignStmt:
		c.assign(s)
	case *grammar.IfStmt:
		c.ifStmt(s)
	case *grammar.WhileStmt:
		top := c.here()
		exit := c.condJump(s.Cond, s.Pos)
		c.loops = append(c.loops, &loopCtx{})
		c.block(s.Body)
		l := c.loops[len(c.loops)-1]
		c.loops = c.loops[:len(c.loops)-1]
		for _, at := range l.continues {
			c.fn.Code[at].A = int32(top)
		}
		c.emit(OpJmp, top, 0, s.Body.End)
		c.patch(exit)
		for _, at := range l.breaks {
			c.patch(at)
		}
	case *grammar.ForStmt:
		c.forStmt(s)
	case *grammar.BranchStmt:
		if len(c.loops) == 0 {
			c.errorf(s.Pos, "%s is not in a loop", s.Tok)
			return
		}
		l := c.loops[len(c.loops)-1]
		at := c.emit(OpJmp, 0, 0, s.Pos)
		if s.Tok == "break" {
			l.breaks = append(l.breaks, at)
		} else {
			l.continues = append(l.continues, at)
		}
	case *grammar.ReturnStmt:
		if s.Value != nil {
			c.expr(s.Value)
		} else if c.isMain {
			c.emit(OpInt, 0, 0, s.Pos)
		} else {
			c.emit(OpNil, 0, 0, s.Pos)
		}
		c.emit(OpRet, 0, 0, s.Pos)
	case *grammar.PrintStmt:
		for _, a := range s.Args {
			c.expr(a)
		}
		c.emit(OpPrint, len(s.Args), 0, s.Pos)
	case *grammar.AssertStmt:
		c.expr(s.Cond)
		if s.Msg != nil {
			c.expr(s.Msg)
			c.emit(OpAssert, 1, 0, s.Pos)
		} else {
			c.emit(OpAssert, 0, 0, s.Pos)
		}
	case *grammar.ShowStmt:
		v := slices.Index(grammar.ShowTargets, s.What)
		if v < 0 {
			c.errorf(s.Pos, "unknown view %s", s.What)
			return
		}
		c.emit(OpShow, v, 0, s.Pos)
	case *grammar.FreeStmt:
		c.expr(s.Ptr)
		c.emit(OpFree, 0, 0, s.Pos)
	case *grammar.SendStmt:
		c.expr(s.Target)
		c.expr(s.Value)
		if s.Prio != nil {
			c.expr(s.Prio)
			c.emit(OpSend, 1, 0, s.Pos)
		} else {
			c.emit(OpSend, 0, 0, s.Pos)
		}
	case *grammar.CloseStmt:
		c.expr(s.X)
		c.emit(OpClose, 0, 0, s.Pos)
	case *grammar.LockStmt:
		c.expr(s.X)
		if s.Unlock {
			c.emit(OpUnlock, 0, 0, s.Pos)
		} else {
			c.emit(OpLock, 0, 0, s.Pos)
		}
	case *grammar.ExitStmt:
		if s.Code != nil {
			c.expr(s.Code)
		} else {
			c.emit(OpInt, 0, 0, s.Pos)
		}
		c.emit(OpExit, 0, 0, s.Pos)
	case *grammar.YieldStmt:
		c.emit(OpYield, 0, 0, s.Pos)
	case *grammar.TimeStmt:
		c.constTicks(s)
		c.expr(s.N)
		switch s.Kind {
		case "compute":
			c.emit(OpCompute, 0, 0, s.Pos)
		case "sleep":
			c.emit(OpSleep, 0, 0, s.Pos)
		default:
			c.emit(OpSleep, 1, 0, s.Pos)
		}
	case *grammar.ExprStmt:
		c.expr(s.X)
		c.emit(OpPop, 0, 0, s.Pos)
	case *grammar.Block:
		c.block(s)
	default:
		c.errorf(grammar.StmtPos(s), "unknown statement %T", s)
	}
}

// constTicks refuses before the run a constant time that compute, sleep
// or io would refuse when it runs: the mistake is certain, so it is shown
// with its line before tick 0 rather than as a fault in the middle of a
// trace. A constant that does not fold cleanly (1 / 0) is left to the
// run, which reports it as it reports it anywhere else.
func (c *compiler) constTicks(s *grammar.TimeStmt) {
	n := len(c.errs)
	v, ok := c.tryConst(s.N)
	folded := len(c.errs) == n
	c.errs = c.errs[:n]
	if !ok || !folded {
		return
	}
	if why := badTicks(s.Kind, v); why != "" {
		c.errorf(grammar.ExprPos(s.N), "%s", why)
	}
}

func (c *compiler) let(s *grammar.LetStmt) {
	if len(s.Names) == 2 {
		// let a, b = f(): only pipe() returns two values.
		if call, ok := s.Value.(*grammar.CallExpr); ok && call.Name == "pipe" && c.funcs["pipe"] == nil {
			if len(call.Args) != 0 {
				c.errorf(call.Pos, "pipe takes 0 arguments, got %d", len(call.Args))
				return
			}
			if s.Names[0].Name == s.Names[1].Name {
				c.errorf(s.Names[1].Pos, "%s declared twice in one let", s.Names[1].Name)
				return
			}
			c.emit(OpPipe, 0, 0, call.Pos)
			w := c.declare(s.Names[1])
			c.emit(OpStoreL, w, 0, s.Names[1].Pos)
			r := c.declare(s.Names[0])
			c.emit(OpStoreL, r, 0, s.Names[0].Pos)
			return
		}
		if s.Value != nil {
			c.errorf(grammar.ExprPos(s.Value), "let %s, %s = ...: only pipe() returns two values", s.Names[0].Name, s.Names[1].Name)
			return
		}
	}
	if s.Value != nil {
		c.expr(s.Value)
	}
	scope := c.scopes[len(c.scopes)-1]
	for i, id := range s.Names {
		if i == 1 && s.Names[0].Name == id.Name {
			c.errorf(id.Pos, "%s declared twice in one let", id.Name)
		} else if _, dup := scope[id.Name]; dup {
			c.errorf(id.Pos, "%s redeclared in this block", id.Name)
		}
	}
	for i, id := range s.Names {
		slot := c.declare(id)
		if s.Value == nil || i > 0 {
			c.emit(OpNil, 0, 0, id.Pos)
		}
		c.emit(OpStoreL, slot, 0, id.Pos)
	}
}

// condJump compiles a condition and a jump to be patched, taken when the
// condition is false. A comparison and its jump are one instruction.
func (c *compiler) condJump(cond grammar.Expr, pos grammar.Pos) int {
	if b, ok := unparen(cond).(*grammar.BinaryExpr); ok {
		if op := opOf(b.Op); opInfo[op].cmp {
			c.expr(b.X)
			c.expr(b.Y)
			return c.emit(OpCmpJmpF, 0, int(op), b.Pos)
		}
	}
	c.expr(cond)
	return c.emit(OpJmpF, 0, 0, pos)
}

// ifStmt compiles an if and the else-if arms that follow it in a loop:
// the AST nests them (IfStmt.Else) as deep as the chain is long. Every
// arm but the last ends in a jump past the whole chain.
func (c *compiler) ifStmt(s *grammar.IfStmt) {
	var ends []int
	for {
		jf := c.condJump(s.Cond, s.Pos)
		c.block(s.Then)
		if s.Else == nil {
			c.patch(jf)
			break
		}
		ends = append(ends, c.emit(OpJmp, 0, 0, s.Then.End))
		c.patch(jf)
		next, ok := s.Else.(*grammar.IfStmt)
		if !ok {
			c.stmt(s.Else)
			break
		}
		s = next
	}
	for _, at := range ends {
		c.patch(at)
	}
}

func (c *compiler) forStmt(s *grammar.ForStmt) {
	c.scopes = append(c.scopes, map[string]int{})
	c.expr(s.From)
	c.expr(s.To)
	end := c.newSlot("")
	c.emit(OpStoreL, end, 0, s.Pos)
	v := c.declare(s.Var)
	c.emit(OpStoreL, v, 0, s.Var.Pos)
	// The loop variable and its end are private slots of the frame, so
	// the test and the step are one instruction each.
	top := c.here()
	exit := c.emit(OpForLt, v, 0, s.Var.Pos)
	c.loops = append(c.loops, &loopCtx{})
	c.block(s.Body)
	l := c.loops[len(c.loops)-1]
	c.loops = c.loops[:len(c.loops)-1]
	for _, at := range l.continues {
		c.patch(at)
	}
	c.emit(OpIncJmp, v, top, s.Body.End)
	c.fn.Code[exit].B = int32(c.here())
	for _, at := range l.breaks {
		c.patch(at)
	}
	c.scopes = c.scopes[:len(c.scopes)-1]
}

// assign compiles TARGET = VALUE as load/compute steps, then one store.
//
// TARGET OP= VALUE is TARGET = TARGET OP (VALUE) with the target's
// address computed once: a load of the target, the operation and the
// store, the very instructions of the long form. Another thread can run
// between the load and the store, so `counter += 1` races as
// `counter = counter + 1` does, and the race is there to see.
func (c *compiler) assign(s *grammar.AssignStmt) {
	// value leaves what is to be stored on the stack; for OP= the
	// target's value is there already.
	value := func() { c.expr(s.Value) }
	if s.Op != "" {
		op := &grammar.BinaryExpr{Pos: s.OpPos, Op: s.Op, X: s.Target, Y: s.Value}
		value = func() { c.binary(op) }
	}
	switch t := unparen(s.Target).(type) {
	case *grammar.Ident:
		if slot, ok := c.lookupLocal(t.Name); ok {
			if s.Op != "" {
				c.emit(OpLoadL, slot, 0, t.Pos)
			}
			value()
			c.emit(OpStoreL, slot, 0, t.Pos)
			return
		}
		if g, ok := c.globals[t.Name]; ok {
			if s.Op != "" {
				c.emit(OpLoadG, g.Index, boolInt(g.Bss), t.Pos)
			}
			value()
			c.emit(OpStoreG, g.Index, boolInt(g.Bss), t.Pos)
			return
		}
		if _, ok := c.funcs[t.Name]; ok || t.Name == "main" {
			c.errorf(t.Pos, "cannot assign to function %s", t.Name)
			return
		}
		if IsBuiltin(t.Name) {
			c.errorf(t.Pos, "cannot assign to builtin %s", t.Name)
			return
		}
		c.undefined(t)
	case *grammar.IndexExpr, *grammar.FieldExpr:
		c.addr(t)
		if s.Op != "" {
			c.emit(OpDup, 0, 0, grammar.ExprPos(t))
			c.emit(OpLoad, 0, 0, grammar.ExprPos(t))
		}
		value()
		c.emit(OpStore, 0, 0, s.Pos)
	case *grammar.UnaryExpr:
		if t.Op != "*" {
			c.errorf(s.Pos, "cannot assign to %s", describe(t))
			return
		}
		c.expr(t.X)
		if s.Op != "" {
			c.emit(OpDup, 0, 0, t.Pos)
			c.emit(OpLoad, 0, 0, t.Pos)
		}
		value()
		c.emit(OpStore, 0, 0, t.Pos)
	default:
		c.errorf(s.Pos, "cannot assign to %s", describe(s.Target))
	}
}

func unparen(e grammar.Expr) grammar.Expr {
	for {
		p, ok := e.(*grammar.ParenExpr)
		if !ok {
			return e
		}
		e = p.X
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// describe names an expression in an error message.
func describe(e grammar.Expr) string {
	switch e := e.(type) {
	case *grammar.CallExpr:
		return "the result of " + e.Name + "(...)"
	case *grammar.IntLit, *grammar.StringLit, *grammar.BoolLit, *grammar.NilLit:
		return "a literal"
	case *grammar.BinaryExpr:
		return "the result of " + e.Op
	case *grammar.UnaryExpr:
		return "the result of " + e.Op
	}
	return "this expression"
}

// addr compiles an expression that has an address (&x, &o.f, &a[i], and
// assignment targets), leaving the address on the stack.
func (c *compiler) addr(e grammar.Expr) {
	switch e := unparen(e).(type) {
	case *grammar.Ident:
		if slot, ok := c.lookupLocal(e.Name); ok {
			c.emit(OpAddrL, slot, 0, e.Pos)
			return
		}
		if g, ok := c.globals[e.Name]; ok {
			c.emit(OpAddrG, g.Index, boolInt(g.Bss), e.Pos)
			return
		}
		if fn, ok := c.funcs[e.Name]; ok {
			c.emit(OpAddrF, fn.Index, 0, e.Pos)
			return
		}
		if e.Name == "main" {
			c.emit(OpAddrF, 0, 0, e.Pos)
			return
		}
		c.undefined(e)
		c.emit(OpNil, 0, 0, e.Pos)
	case *grammar.IndexExpr:
		c.expr(e.X)
		c.link(e, false)
	case *grammar.FieldExpr:
		c.expr(e.X)
		c.link(e, false)
	case *grammar.UnaryExpr:
		if e.Op == "*" {
			// &*p is p.
			c.expr(e.X)
			return
		}
		c.errorf(e.Pos, "cannot take the address of %s", describe(e))
		c.emit(OpNil, 0, 0, e.Pos)
	default:
		c.errorf(grammar.ExprPos(e), "cannot take the address of %s", describe(e))
		c.emit(OpNil, 0, 0, grammar.ExprPos(e))
	}
}

// chainLink returns the left operand of e when e is a link of a chain:
// a binary operator, an index or a field (or parentheses, which compile
// to nothing). The AST nests a chain to the left as deep as it is long,
// and the parser allows any length (see grammar's maxNesting), so expr
// and tryConst walk down it in a loop, stacking the links on c.links,
// and compile them on the way back up. They recurse only into the other
// operands, whose depth the parser bounds.
func chainLink(e grammar.Expr) grammar.Expr {
	switch e := e.(type) {
	case *grammar.BinaryExpr:
		return e.X
	case *grammar.IndexExpr:
		return e.X
	case *grammar.FieldExpr:
		return e.X
	case *grammar.ParenExpr:
		return e.X
	}
	return nil
}

func (c *compiler) pushLink(e grammar.Expr) {
	if len(c.links) == cap(c.links) {
		// Doubling: append grows a long slice by a quarter at a time,
		// which allocates about five times its final size.
		c.links = slices.Grow(c.links, len(c.links)+1)
	}
	c.links = append(c.links, e)
}

func (c *compiler) popLink() grammar.Expr {
	e := c.links[len(c.links)-1]
	c.links = c.links[:len(c.links)-1]
	if len(c.links) == 0 && cap(c.links) > 1024 {
		// A long chain's stack is not kept for the next expression.
		c.links = nil
	}
	return e
}

// expr compiles e, leaving its value on the operand stack.
func (c *compiler) expr(e grammar.Expr) {
	base := len(c.links)
	for {
		x := chainLink(e)
		if x == nil {
			break
		}
		c.pushLink(e)
		e = x
	}
	c.operand(e)
	for len(c.links) > base {
		c.link(c.popLink(), true)
	}
}

// link compiles a link of a chain whose left operand is on the stack:
// its right operand and its operator. An index or a field leaves its
// address, or with load the value there.
func (c *compiler) link(e grammar.Expr, load bool) {
	switch e := e.(type) {
	case *grammar.BinaryExpr:
		c.binary(e)
	case *grammar.IndexExpr:
		c.expr(e.Index)
		c.emit(OpIndexAddr, 0, 0, e.Pos)
		if load {
			c.emit(OpLoad, 0, 0, e.Pos)
		}
	case *grammar.FieldExpr:
		c.emit(OpFieldAddr, c.constant(mem.StrValue(e.Name)), 0, e.Pos)
		if load {
			c.emit(OpLoad, 0, 0, e.Pos)
		}
	}
}

// operand compiles an expression that is not a link of a chain.
func (c *compiler) operand(e grammar.Expr) {
	switch e := e.(type) {
	case *grammar.IntLit:
		if e.Value >= -1<<31 && e.Value < 1<<31 {
			c.emit(OpInt, int(e.Value), 0, e.Pos)
		} else {
			c.emit(OpConst, c.constant(mem.IntValue(e.Value)), 0, e.Pos)
		}
	case *grammar.StringLit:
		c.emit(OpConst, c.constant(mem.StrValue(e.Value)), 0, e.Pos)
	case *grammar.BoolLit:
		if e.Value {
			c.emit(OpTrue, 0, 0, e.Pos)
		} else {
			c.emit(OpFalse, 0, 0, e.Pos)
		}
	case *grammar.NilLit:
		c.emit(OpNil, 0, 0, e.Pos)
	case *grammar.Ident:
		c.ident(e)
	case *grammar.UnaryExpr:
		switch e.Op {
		case "-":
			if lit, ok := e.X.(*grammar.IntLit); ok {
				c.expr(&grammar.IntLit{Pos: e.Pos, Value: -lit.Value})
				return
			}
			c.expr(e.X)
			c.emit(OpNeg, 0, 0, e.Pos)
		case "!":
			c.expr(e.X)
			c.emit(OpNot, 0, 0, e.Pos)
		case "&":
			c.addr(e.X)
		case "*":
			c.expr(e.X)
			c.emit(OpLoad, 0, 0, e.Pos)
		default:
			c.errorf(e.Pos, "unknown operator %s", e.Op)
		}
	case *grammar.CallExpr:
		c.call(e)
	case *grammar.ObjectLit:
		seen := map[string]bool{}
		shape := &Shape{}
		for _, f := range e.Fields {
			if seen[f.Key] {
				c.errorf(f.Pos, "duplicate field %s in object literal", f.Key)
			}
			seen[f.Key] = true
			shape.Fields = append(shape.Fields, f.Key)
			c.expr(f.Value)
		}
		c.prog.Shapes = append(c.prog.Shapes, shape)
		c.emit(OpObject, len(c.prog.Shapes)-1, 0, e.Pos)
	case *grammar.ArrayLit:
		for _, x := range e.Elems {
			c.expr(x)
		}
		c.emit(OpArray, len(e.Elems), 0, e.Pos)
	case *grammar.SpawnExpr:
		c.spawn(e)
	case *grammar.ForkExpr:
		c.emit(OpFork, 0, 0, e.Pos)
	case *grammar.PrefixExpr:
		c.expr(e.X)
		switch e.Op {
		case "alloc":
			c.emit(OpAlloc, 0, 0, e.Pos)
		case "join":
			c.emit(OpJoin, 0, 0, e.Pos)
		case "wait":
			c.emit(OpWait, 0, 0, e.Pos)
		default:
			c.errorf(e.Pos, "unknown operator %s", e.Op)
		}
	case *grammar.RecvExpr:
		c.expr(e.Src)
		if e.Max != nil {
			c.expr(e.Max)
			c.emit(OpRecv, 1, 0, e.Pos)
		} else {
			c.emit(OpRecv, 0, 0, e.Pos)
		}
	default:
		c.errorf(grammar.ExprPos(e), "unknown expression %T", e)
		c.emit(OpNil, 0, 0, grammar.ExprPos(e))
	}
}

func (c *compiler) ident(e *grammar.Ident) {
	if slot, ok := c.lookupLocal(e.Name); ok {
		c.emit(OpLoadL, slot, 0, e.Pos)
		return
	}
	if g, ok := c.globals[e.Name]; ok {
		c.emit(OpLoadG, g.Index, boolInt(g.Bss), e.Pos)
		return
	}
	if _, ok := c.funcs[e.Name]; ok || e.Name == "main" {
		c.errorf(e.Pos, "%s is a function: call it as %s(...), or take its address with &%s", e.Name, e.Name, e.Name)
	} else if IsBuiltin(e.Name) {
		c.errorf(e.Pos, "%s is a builtin: call it as %s(...)", e.Name, e.Name)
	} else {
		c.undefined(e)
	}
	c.emit(OpNil, 0, 0, e.Pos)
}

// undefined reports a name that nothing declares where it is used. A
// local of main used in a function is the usual cause: a top-level let
// reads like a global declaration, and is not one.
func (c *compiler) undefined(e *grammar.Ident) {
	if _, ok := c.mainLocals[e.Name]; ok && !c.isMain {
		c.errorf(e.Pos, "undefined: %s (main's locals are not visible in functions: declare %s with global instead of let)", e.Name, e.Name)
	} else if hint := c.similar(e.Name); hint != "" {
		c.errorf(e.Pos, "undefined: %s (did you mean %s?)", e.Name, hint)
	} else {
		c.errorf(e.Pos, "undefined: %s", e.Name)
	}
}

// similar suggests a visible name close to a misspelt one.
func (c *compiler) similar(name string) string {
	var cands []string
	for _, s := range c.scopes {
		for n := range s {
			cands = append(cands, n)
		}
	}
	for n := range c.globals {
		cands = append(cands, n)
	}
	sort.Strings(cands)
	// One typo in a short name, two in a longer one; none for one- and
	// two-letter names, where every suggestion would be a guess.
	if len(name) <= 2 {
		return ""
	}
	best, bestD := "", 2
	if len(name) > 4 {
		bestD = 3
	}
	for _, n := range cands {
		if d := runtime.EditDistance(n, name); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// binary compiles a binary operator and its right operand; the left
// one is on the stack.
func (c *compiler) binary(e *grammar.BinaryExpr) {
	switch e.Op {
	case "&&":
		jf := c.emit(OpJmpF, 0, 0, e.Pos)
		c.expr(e.Y)
		c.emit(OpNot, 0, 0, e.Pos)
		c.emit(OpNot, 0, 0, e.Pos)
		jend := c.emit(OpJmp, 0, 0, e.Pos)
		c.depth--
		c.patch(jf)
		c.emit(OpFalse, 0, 0, e.Pos)
		c.patch(jend)
		return
	case "||":
		jt := c.emit(OpJmpT, 0, 0, e.Pos)
		c.expr(e.Y)
		c.emit(OpNot, 0, 0, e.Pos)
		c.emit(OpNot, 0, 0, e.Pos)
		jend := c.emit(OpJmp, 0, 0, e.Pos)
		c.depth--
		c.patch(jt)
		c.emit(OpTrue, 0, 0, e.Pos)
		c.patch(jend)
		return
	}
	op := opOf(e.Op)
	if op == OpNop {
		c.errorf(e.Pos, "unknown operator %s", e.Op)
		return
	}
	if lit, ok := e.Y.(*grammar.IntLit); ok && (op == OpAdd || op == OpSub) && lit.Value > -1<<31 && lit.Value < 1<<31 {
		// x + 1, n - 2: one instruction for the constant and the add.
		k, sub := lit.Value, 0
		if op == OpSub {
			k, sub = -k, 1
		}
		c.emit(OpAddI, int(k), sub, e.Pos)
		return
	}
	c.expr(e.Y)
	c.emit(op, 0, 0, e.Pos)
}

// checkCall resolves a call's name and argument count.
func (c *compiler) checkCall(e *grammar.CallExpr) (fn *Func, builtin int, ok bool) {
	if f, found := c.funcs[e.Name]; found {
		if len(e.Args) != f.NParams {
			c.errorf(e.Pos, "%s takes %s, got %d", e.Name, plural(f.NParams, "argument"), len(e.Args))
			return nil, 0, false
		}
		return f, -1, true
	}
	if b, found := builtinIndex[e.Name]; found {
		bi := Builtins[b]
		if len(e.Args) < bi.MinArgs || len(e.Args) > bi.MaxArgs {
			want := plural(bi.MinArgs, "argument")
			if bi.MaxArgs != bi.MinArgs {
				want = fmt.Sprintf("%d or %d arguments", bi.MinArgs, bi.MaxArgs)
			}
			c.errorf(e.Pos, "%s takes %s, got %d", e.Name, want, len(e.Args))
			return nil, 0, false
		}
		return nil, b, true
	}
	if e.Name == "main" {
		c.errorf(e.Pos, "main cannot be called: it is the script's top level")
		return nil, 0, false
	}
	if _, isVar := c.lookupLocal(e.Name); isVar {
		c.errorf(e.Pos, "%s is a variable, not a function", e.Name)
		return nil, 0, false
	}
	if _, isVar := c.globals[e.Name]; isVar {
		c.errorf(e.Pos, "%s is a global variable, not a function", e.Name)
		return nil, 0, false
	}
	var names []string
	for n := range c.funcs {
		names = append(names, n)
	}
	for n := range builtinIndex {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if runtime.EditDistance(n, e.Name) <= 2 && len(e.Name) > 2 {
			c.errorf(e.Pos, "undefined function: %s (did you mean %s?)", e.Name, n)
			return nil, 0, false
		}
	}
	c.errorf(e.Pos, "undefined function: %s", e.Name)
	return nil, 0, false
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func (c *compiler) call(e *grammar.CallExpr) {
	fn, b, ok := c.checkCall(e)
	if !ok {
		c.emit(OpNil, 0, 0, e.Pos)
		return
	}
	if fn == nil && b == BuiltinPipe {
		c.errorf(e.Pos, "pipe() returns two descriptors: write let r, w = pipe()")
		c.emit(OpNil, 0, 0, e.Pos)
		return
	}
	for _, a := range e.Args {
		c.expr(a)
	}
	if fn != nil {
		c.emit(OpCall, fn.Index, len(e.Args), e.Pos)
	} else {
		c.emit(OpBuiltin, b, len(e.Args), e.Pos)
	}
}

// withKeys are the keys a with-clause may give, and their kinds.
var withKeys = map[string]string{"name": "string", "priority": "int", "tickets": "int", "burst": "int", "cpu": "int", "cpus": "string", "wset": "int", "host": "string"}

// spawn compiles `spawn f(args) [with {...}]` and `thread f(args) [with {...}]`.
func (c *compiler) spawn(e *grammar.SpawnExpr) {
	fn, _, ok := c.checkCall(e.Call)
	if ok && fn == nil {
		c.errorf(e.Call.Pos, "%s is a builtin: a new thread or process must start in a function of the script", e.Call.Name)
		ok = false
	}
	site := &SpawnSite{Thread: e.Thread, NArgs: len(e.Call.Args)}
	seen := map[string]bool{}
	for _, f := range e.With {
		if _, known := withKeys[f.Key]; !known {
			c.errorf(f.Pos, "unknown key %s in with (want name, priority, tickets, burst, cpu, cpus, wset%s)", f.Key, map[bool]string{false: ", host", true: ""}[e.Thread])
			ok = false
			continue
		}
		if f.Key == "host" && e.Thread {
			c.errorf(f.Pos, "host is for spawn only: a thread runs in its own process, on its host")
			ok = false
			continue
		}
		if seen[f.Key] {
			c.errorf(f.Pos, "duplicate key %s in with", f.Key)
			ok = false
			continue
		}
		seen[f.Key] = true
	}
	if !ok {
		c.emit(OpNil, 0, 0, e.Pos)
		return
	}
	site.Func = fn.Index
	for _, a := range e.Call.Args {
		c.expr(a)
	}
	for _, f := range e.With {
		c.expr(f.Value)
		site.With = append(site.With, f.Key)
	}
	c.prog.Spawns = append(c.prog.Spawns, site)
	c.emit(OpSpawn, len(c.prog.Spawns)-1, 0, e.Pos)
}
