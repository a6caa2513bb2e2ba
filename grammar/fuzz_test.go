package grammar

import (
	"os"
	"strings"
	"testing"
)

// FuzzParse checks that any input yields either a script or an *Error with
// a position inside the input, and never panics or overflows the stack.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"",
		"x = 1 + 2 * 3 < 7 && !done\n",
		"func f(a, b) {\n\treturn a - b - c\n}\nprint f(1, 2)\n",
		"let r, w = pipe()\nlet t = thread worker(1, w) with {name: \"t\", priority: 2}\nprint recv r, 5\njoin t\n",
		"if a { x = 1 } else if b { x = 2 } else { x = 3 }\n",
		"let o = {\n\ta: [1, 2],\n\tb: nil\n}\no.a[0] = *p + -9223372036854775808\n",
		"global g = 0x_ff\nconfig sched = \"rr\"\nfor i in 0..10 { compute 1; yield }\n",
		"print \"esc \\n \\t \\\" \\\\\"\n",
		"x = (((1)))\nshow maps\nassert x == 1, \"msg\"\n",
	} {
		f.Add([]byte(seed))
	}
	if src, err := os.ReadFile("testdata/all.proc"); err == nil {
		f.Add(src)
	}
	if data, err := os.ReadFile("testdata/errors.proc"); err == nil {
		for _, c := range strings.Split(string(data), "\n---\n") {
			f.Add([]byte(c))
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := Parse("fuzz.proc", src)
		if err != nil {
			if s != nil {
				t.Fatalf("both a script and an error: %v", err)
			}
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			checkPos(t, src, e.Pos)
			if !goodMessage(e.Msg) {
				t.Fatalf("bad message: %q", e.Msg)
			}
			_ = e.Snippet(src)
			return
		}
		if s == nil {
			t.Fatal("nil script and nil error")
		}
		w := walker{t: t, src: src}
		for _, c := range s.Configs {
			w.pos(c.Pos)
			w.expr(c.Value)
		}
		for _, g := range s.Globals {
			w.pos(g.Pos)
			w.pos(g.NamePos)
			if g.Init != nil {
				w.expr(g.Init)
			}
		}
		for _, fn := range s.Funcs {
			w.pos(fn.Pos)
			w.stmt(fn.Body)
		}
		for _, st := range s.Body {
			w.stmt(st)
		}
	})
}

// goodMessage reports whether msg is fit for a student: one line, and not
// participle's own wording, which would name the structs of syntax.go.
// (Messages may quote source text, so only their start is checked.)
func goodMessage(msg string) bool {
	if msg == "" || strings.ContainsAny(msg, "\x00\n") || strings.Contains(msg, "internal parser error") {
		return false
	}
	for _, jargon := range []string{"unexpected token ", "sub-expression", "branch ", "failed to"} {
		if strings.HasPrefix(msg, jargon) {
			return false
		}
	}
	return true
}

func checkPos(t *testing.T, src []byte, p Pos) {
	t.Helper()
	if p.File != "fuzz.proc" || p.Line < 1 || p.Col < 1 || p.Offset < 0 || p.Offset > len(src) {
		t.Fatalf("bad position %+v (input of %d bytes)", p, len(src))
	}
	if n := strings.Count(string(src[:p.Offset]), "\n") + 1; n != p.Line {
		t.Fatalf("position %+v: offset is on line %d", p, n)
	}
}

// walker visits every node of a parsed script and checks its position.
type walker struct {
	t   *testing.T
	src []byte
}

func (w walker) pos(p Pos) { w.t.Helper(); checkPos(w.t, w.src, p) }

func (w walker) stmt(s Stmt) {
	w.pos(StmtPos(s))
	switch s := s.(type) {
	case *Block:
		w.pos(s.End)
		for _, x := range s.Stmts {
			w.stmt(x)
		}
	case *LetStmt:
		w.exprs(s.Value)
	case *AssignStmt:
		if s.Op != "" {
			w.pos(s.OpPos)
		}
		w.exprs(s.Target, s.Value)
	case *IfStmt:
		// An else-if chain nests as deep as it is long: walk it in a
		// loop, as every pass over the AST must.
		for {
			w.exprs(s.Cond)
			w.stmt(s.Then)
			next, ok := s.Else.(*IfStmt)
			if !ok {
				break
			}
			w.pos(next.Pos)
			s = next
		}
		if s.Else != nil {
			w.stmt(s.Else)
		}
	case *WhileStmt:
		w.exprs(s.Cond)
		w.stmt(s.Body)
	case *ForStmt:
		w.exprs(s.From, s.To)
		w.stmt(s.Body)
	case *ReturnStmt:
		w.exprs(s.Value)
	case *PrintStmt:
		w.exprs(s.Args...)
	case *AssertStmt:
		w.exprs(s.Cond, s.Msg)
	case *FreeStmt:
		w.exprs(s.Ptr)
	case *SendStmt:
		w.exprs(s.Target, s.Value, s.Prio)
	case *CloseStmt:
		w.exprs(s.X)
	case *LockStmt:
		w.exprs(s.X)
	case *ExitStmt:
		w.exprs(s.Code)
	case *TimeStmt:
		w.exprs(s.N)
	case *ExprStmt:
		w.exprs(s.X)
	}
}

func (w walker) exprs(list ...Expr) {
	for _, e := range list {
		if e != nil {
			w.expr(e)
		}
	}
}

func (w walker) expr(e Expr) {
	_ = Format(e)
	// Chains nest to the left as deep as they are long: walk down them
	// in a loop, as every pass over the AST must.
	for {
		w.pos(ExprPos(e))
		switch x := e.(type) {
		case *BinaryExpr:
			w.exprs(x.Y)
			e = x.X
			continue
		case *IndexExpr:
			w.exprs(x.Index)
			e = x.X
			continue
		case *FieldExpr:
			e = x.X
			continue
		}
		break
	}
	switch e := e.(type) {
	case *UnaryExpr:
		w.exprs(e.X)
	case *CallExpr:
		w.exprs(e.Args...)
	case *ObjectLit:
		for _, f := range e.Fields {
			w.pos(f.Pos)
			w.exprs(f.Value)
		}
	case *ArrayLit:
		w.exprs(e.Elems...)
	case *SpawnExpr:
		w.expr(e.Call)
		for _, f := range e.With {
			w.pos(f.Pos)
			w.exprs(f.Value)
		}
	case *PrefixExpr:
		w.exprs(e.X)
	case *RecvExpr:
		w.exprs(e.Src, e.Max)
	case *ParenExpr:
		w.exprs(e.X)
	}
}
