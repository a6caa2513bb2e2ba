package grammar

import (
	"fmt"
	"strings"
)

// dump prints a script's AST one statement a line, with positions, for
// golden tests. Expressions print with Format, fully parenthesized.
func dump(s *Script) string {
	var b strings.Builder
	for _, c := range s.Configs {
		fmt.Fprintf(&b, "%s config %s = %s\n", at(c.Pos), c.Key, Format(c.Value))
	}
	for _, g := range s.Globals {
		if g.Init == nil {
			fmt.Fprintf(&b, "%s global %s (name %s)\n", at(g.Pos), g.Name, at(g.NamePos))
		} else {
			fmt.Fprintf(&b, "%s global %s = %s (name %s)\n", at(g.Pos), g.Name, Format(g.Init), at(g.NamePos))
		}
	}
	for _, f := range s.Funcs {
		var params []string
		for _, p := range f.Params {
			params = append(params, p.Name+"@"+at(p.Pos))
		}
		fmt.Fprintf(&b, "%s func %s(%s) (name %s)\n", at(f.Pos), f.Name, strings.Join(params, ", "), at(f.NamePos))
		dumpBlock(&b, f.Body, 1)
	}
	b.WriteString("main:\n")
	for _, st := range s.Body {
		dumpStmt(&b, st, 1)
	}
	return b.String()
}

func at(p Pos) string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

func dumpBlock(b *strings.Builder, blk *Block, depth int) {
	fmt.Fprintf(b, "%s{ %s\n", strings.Repeat("  ", depth), at(blk.Pos))
	for _, st := range blk.Stmts {
		dumpStmt(b, st, depth+1)
	}
	fmt.Fprintf(b, "%s} %s\n", strings.Repeat("  ", depth), at(blk.End))
}

func dumpStmt(b *strings.Builder, st Stmt, depth int) {
	ind := strings.Repeat("  ", depth)
	line := func(format string, args ...any) {
		fmt.Fprintf(b, "%s%s %s\n", ind, at(StmtPos(st)), fmt.Sprintf(format, args...))
	}
	opt := func(e Expr) string {
		if e == nil {
			return "-"
		}
		return Format(e)
	}
	switch s := st.(type) {
	case *LetStmt:
		var names []string
		for _, n := range s.Names {
			names = append(names, n.Name)
		}
		line("let %s = %s", strings.Join(names, ", "), opt(s.Value))
	case *AssignStmt:
		if s.Op != "" {
			line("assign %s %s= %s (op %s)", Format(s.Target), s.Op, Format(s.Value), at(s.OpPos))
		} else {
			line("assign %s = %s", Format(s.Target), Format(s.Value))
		}
	case *IfStmt:
		// An else-if arm prints one level deeper than the arm before
		// it; the chain is walked in a loop, as every pass over the AST
		// must, since it nests as deep as it is long.
		line("if %s", Format(s.Cond))
		for {
			dumpBlock(b, s.Then, depth+1)
			if s.Else == nil {
				break
			}
			fmt.Fprintf(b, "%selse\n", ind)
			next, ok := s.Else.(*IfStmt)
			if !ok {
				if blk, ok := s.Else.(*Block); ok {
					dumpBlock(b, blk, depth+1)
				} else {
					dumpStmt(b, s.Else, depth+1)
				}
				break
			}
			s, depth = next, depth+1
			ind = strings.Repeat("  ", depth)
			fmt.Fprintf(b, "%s%s if %s\n", ind, at(s.Pos), Format(s.Cond))
		}
	case *WhileStmt:
		line("while %s", Format(s.Cond))
		dumpBlock(b, s.Body, depth+1)
	case *ForStmt:
		line("for %s in %s..%s", s.Var.Name, Format(s.From), Format(s.To))
		dumpBlock(b, s.Body, depth+1)
	case *BranchStmt:
		line("%s", s.Tok)
	case *ReturnStmt:
		line("return %s", opt(s.Value))
	case *PrintStmt:
		var args []string
		for _, a := range s.Args {
			args = append(args, Format(a))
		}
		line("print %s", strings.Join(args, " | "))
	case *AssertStmt:
		line("assert %s, %s", Format(s.Cond), opt(s.Msg))
	case *ShowStmt:
		line("show %s", s.What)
	case *FreeStmt:
		line("free %s", Format(s.Ptr))
	case *SendStmt:
		line("send %s, %s, %s", Format(s.Target), Format(s.Value), opt(s.Prio))
	case *CloseStmt:
		line("close %s", Format(s.X))
	case *LockStmt:
		if s.Unlock {
			line("unlock %s", Format(s.X))
		} else {
			line("lock %s", Format(s.X))
		}
	case *ExitStmt:
		line("exit %s", opt(s.Code))
	case *YieldStmt:
		line("yield")
	case *TimeStmt:
		line("%s %s", s.Kind, Format(s.N))
	case *ExprStmt:
		line("expr %s (%T at %s)", Format(s.X), s.X, at(ExprPos(s.X)))
	default:
		line("?%T", st)
	}
}
