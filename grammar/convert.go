package grammar

import (
	"fmt"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// converter turns the concrete syntax into the AST. It also reports the
// errors that the grammar lets through on purpose because a precise message
// needs the whole construct: what may be assigned to, what may stand alone
// as a statement, which words follow show, where declarations may go.
type converter struct {
	src []byte
	s   *Script // the script being built
	err *Error  // the first error, in source order
}

func (c *converter) errorf(pos lexer.Position, format string, args ...any) {
	if c.err == nil {
		c.err = &Error{Pos: toPos(pos), Msg: fmt.Sprintf(format, args...)}
	}
}

// begin starts the script; item adds its top-level lines in order.
func (c *converter) begin(filename string) *Script {
	c.s = &Script{File: filename, Src: c.src}
	return c.s
}

func (c *converter) item(it itemNode) {
	s := c.s
	switch it := it.(type) {
	case *configDecl:
		s.Configs = append(s.Configs, &Config{
			Pos:   toPos(it.first.Pos),
			Key:   it.Key.Value,
			Value: it.Value.X,
		})
	case *globalDecl:
		s.Globals = append(s.Globals, &Global{
			Pos:     toPos(it.first.Pos),
			Name:    it.Name.Value,
			NamePos: toPos(it.Name.Pos),
			Init:    it.Init.X,
		})
	case *funcDecl:
		f := &Func{
			Pos:     toPos(it.first.Pos),
			Name:    it.Name.Value,
			NamePos: toPos(it.Name.Pos),
			Params:  make([]*Ident, len(it.Params.List)),
			Body:    c.block(&it.Body),
		}
		for i := range it.Params.List {
			f.Params[i] = ident(&it.Params.List[i])
		}
		s.Funcs = append(s.Funcs, f)
	default:
		if st := c.stmt(it); st != nil {
			s.Body = append(s.Body, st)
		}
	}
}

func (c *converter) block(b *block) *Block {
	out := &Block{Pos: toPos(b.Open.Pos), End: toPos(b.Close.Pos), Stmts: make([]Stmt, 0, len(b.Items))}
	for _, it := range b.Items {
		if st := c.stmt(it); st != nil {
			out.Stmts = append(out.Stmts, st)
		}
	}
	return out
}

// stmt converts one statement; it returns nil after reporting an error.
func (c *converter) stmt(it itemNode) Stmt {
	switch s := it.(type) {
	case *exprStmt:
		return c.exprStmt(s)
	case *letStmt:
		l := &LetStmt{Pos: toPos(s.first.Pos), Names: make([]*Ident, len(s.Names.List)), Value: s.Value.X}
		for i := range s.Names.List {
			l.Names[i] = ident(&s.Names.List[i])
		}
		return l
	case *ifStmt:
		return c.ifStmt(s)
	case *whileStmt:
		return &WhileStmt{Pos: toPos(s.first.Pos), Cond: s.Cond.X, Body: c.block(&s.Body)}
	case *forStmt:
		return &ForStmt{
			Pos:  toPos(s.first.Pos),
			Var:  ident(&s.Head.Var),
			From: s.Head.From,
			To:   s.Head.To,
			Body: c.block(&s.Body),
		}
	case *branchStmt:
		return &BranchStmt{Pos: toPos(s.first.Pos), Tok: s.first.Value}
	case *returnStmt:
		return &ReturnStmt{Pos: toPos(s.first.Pos), Value: s.Value.first()}
	case *printStmt:
		return &PrintStmt{Pos: toPos(s.first.Pos), Args: s.Args.List}
	case *assertStmt:
		a := &AssertStmt{Pos: toPos(s.first.Pos), Cond: s.Args.List[0]}
		if len(s.Args.List) == 2 {
			a.Msg = s.Args.List[1]
		}
		return a
	case *showStmt:
		return c.show(s)
	case *freeStmt:
		return &FreeStmt{Pos: toPos(s.first.Pos), Ptr: s.Ptr.X}
	case *sendStmt:
		a := &SendStmt{Pos: toPos(s.first.Pos), Target: s.Args.List[0], Value: s.Args.List[1]}
		if len(s.Args.List) == 3 {
			a.Prio = s.Args.List[2]
		}
		return a
	case *closeStmt:
		return &CloseStmt{Pos: toPos(s.first.Pos), X: s.X.X}
	case *lockStmt:
		return &LockStmt{Pos: toPos(s.first.Pos), Unlock: s.first.Value == "unlock", X: s.X.X}
	case *exitStmt:
		return &ExitStmt{Pos: toPos(s.first.Pos), Code: s.Code.first()}
	case *yieldStmt:
		return &YieldStmt{Pos: toPos(s.first.Pos)}
	case *timeStmt:
		return &TimeStmt{Pos: toPos(s.first.Pos), Kind: s.first.Value, N: s.N.X}
	case *strayElse:
		c.errorf(s.first.Pos, `else must be on the same line as the "}" that ends the if block`)
	case *funcDecl:
		c.errorf(s.first.Pos, "func declarations are only allowed at the top level")
	case *globalDecl:
		c.errorf(s.first.Pos, "global declarations are only allowed at the top level; use let for a local")
	case *configDecl:
		c.errorf(s.first.Pos, "config is only allowed at the top level")
	default:
		panic(fmt.Sprintf("grammar: unknown statement %T", it))
	}
	return nil
}

// exprStmt converts a line that starts with an expression: an assignment
// when "=" follows, else an expression used as a statement, which must do
// something (a call or a system expression).
func (c *converter) exprStmt(s *exprStmt) Stmt {
	x := s.X.X
	if s.Value.X != nil {
		switch t := x.(type) {
		case *Ident, *IndexExpr, *FieldExpr:
		case *UnaryExpr:
			if t.Op != "*" {
				c.errorf(s.first.Pos, "cannot assign to %s", c.targetText(s))
			}
		default:
			c.errorf(s.first.Pos, "cannot assign to %s", c.targetText(s))
		}
		a := &AssignStmt{Pos: toPos(s.first.Pos), Target: x, Value: s.Value.X}
		if op := compoundAssign(s.Value.Op); op != "" {
			a.Op, a.OpPos = op, toPos(s.Value.Op.Pos)
		}
		return a
	}
	switch x := x.(type) {
	case *CallExpr, *SpawnExpr, *ForkExpr, *PrefixExpr, *RecvExpr:
	case *BinaryExpr:
		hint := ""
		if x.Op == "==" {
			hint = ` (to assign, write "=")`
		}
		c.errorf(s.first.Pos, "expression %s is not a statement%s", c.text(s.tokens), hint)
		return nil
	default:
		c.errorf(s.first.Pos, "expression %s is not a statement", c.text(s.tokens))
		return nil
	}
	return &ExprStmt{Pos: toPos(s.first.Pos), X: x}
}

// targetText is the source text of an assignment's target: the tokens of
// the statement before its assignment operator, the only one in it.
func (c *converter) targetText(s *exprStmt) string {
	for i := range s.tokens {
		if t := &s.tokens[i]; isPunct(t, "=") || compoundAssign(t) != "" {
			return c.text(s.tokens[:i])
		}
	}
	return c.text(s.tokens)
}

// text returns the source text spanned by toks, shortened for a message.
func (c *converter) text(toks []lexer.Token) string {
	if len(toks) == 0 {
		return "?"
	}
	first, last := toks[0], toks[len(toks)-1]
	end := last.Pos.Offset + len(last.Value)
	if first.Pos.Offset < 0 || end > len(c.src) || first.Pos.Offset > end {
		return "?"
	}
	t := strings.Join(strings.Fields(string(c.src[first.Pos.Offset:end])), " ")
	return truncate(t, 40)
}

// ShowTargets are the words show accepts, in the order of the views in
// docs/LANGUAGE.md: the one list of the views a script can show.
var ShowTargets = []string{"maps", "pagetable", "tlb", "stack", "heap", "ps", "threads", "files", "stats"}

func (c *converter) show(s *showStmt) Stmt {
	list := strings.Join(ShowTargets, ", ")
	if s.What == nil {
		c.errorf(s.first.Pos, "show needs one of: %s", list)
		return nil
	}
	for _, t := range ShowTargets {
		if s.What.Name == t {
			return &ShowStmt{Pos: toPos(s.first.Pos), What: t}
		}
	}
	c.errorf(s.What.Pos, "cannot show %s: expected one of %s", truncate(s.What.Name, 30), list)
	return nil
}

// ifStmt folds the else clauses into nested IfStmts from the last one
// back, without recursion.
func (c *converter) ifStmt(s *ifStmt) Stmt {
	// Convert in source order first so that errors come in source order.
	top := &IfStmt{Pos: toPos(s.first.Pos), Cond: s.Cond.X, Then: c.block(&s.Then)}
	links := make([]*IfStmt, 0, len(s.Elses))
	var tail Stmt
	for i, e := range s.Elses {
		if e.If != nil {
			links = append(links, &IfStmt{Pos: toPos(e.If.Pos), Cond: e.If.Cond.X, Then: c.block(&e.If.Then)})
			continue
		}
		tail = c.block(&e.Body)
		if i < len(s.Elses)-1 {
			c.errorf(s.Elses[i+1].Pos, "else after the final else block")
		}
		break
	}
	for i := len(links) - 1; i >= 0; i-- {
		links[i].Else = tail
		tail = links[i]
	}
	top.Else = tail
	return top
}

func ident(t *identTok) *Ident { return &Ident{Pos: toPos(t.Pos), Name: t.Value} }
