package grammar

import (
	"errors"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// update rewrites golden files instead of comparing with them. It is an
// environment variable, not a flag, so that `go test ./...` works in every
// package whatever it declares.
var update = os.Getenv("PROC_UPDATE") == "1"

func mustParse(t *testing.T, src string) *Script {
	t.Helper()
	s, err := Parse("test.proc", []byte(src))
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	return s
}

func parseError(t *testing.T, src string) *Error {
	t.Helper()
	s, err := Parse("test.proc", []byte(src))
	if err == nil {
		t.Fatalf("Parse(%q) = %v, want an error", src, s)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Parse(%q): error %T %v is not an *Error", src, err, err)
	}
	return e
}

// TestParseAll parses a script using every construct and compares a dump
// of its AST with testdata/all.golden.
func TestParseAll(t *testing.T) {
	src, err := os.ReadFile("testdata/all.proc")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse("all.proc", src)
	if err != nil {
		t.Fatal(err)
	}
	if s.File != "all.proc" || string(s.Src) != string(src) {
		t.Errorf("File, Src = %q, %d bytes", s.File, len(s.Src))
	}
	got := dump(s)
	const golden = "testdata/all.golden"
	if update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with PROC_UPDATE=1 to create it)", err)
	}
	if got != string(want) {
		t.Errorf("AST of all.proc differs from %s (PROC_UPDATE=1 rewrites it):\n%s", golden, lineDiff(string(want), got))
	}
}

// lineDiff shows the first differing lines of two texts.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n want: " + wl + "\n  got: " + gl
		}
	}
	return ""
}

// exprOf parses `x = SRC` and returns SRC's AST.
func exprOf(t *testing.T, src string) Expr {
	t.Helper()
	s := mustParse(t, "x = "+src+"\n")
	a, ok := s.Body[0].(*AssignStmt)
	if !ok {
		t.Fatalf("%q: got %T", src, s.Body[0])
	}
	return a.Value
}

func TestPrecedence(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"a - b - c", "((a - b) - c)"},
		{"a / b / c", "((a / b) / c)"},
		{"a % b * c", "((a % b) * c)"},
		{"a || b || c", "((a || b) || c)"},
		{"a && b && c", "((a && b) && c)"},
		{"a == b != c", "((a == b) != c)"},
		{"a < b <= c", "((a < b) <= c)"},
		{"1 + 2 * 3 < 7 && !done", "(((1 + (2 * 3)) < 7) && (!done))"},
		{"a || b && c", "(a || (b && c))"},
		{"a && b || c", "((a && b) || c)"},
		{"a == b && c != d", "((a == b) && (c != d))"},
		{"a < b == c > d", "((a < b) == (c > d))"},
		{"a + b < c - d", "((a + b) < (c - d))"},
		{"a * b + c * d", "((a * b) + (c * d))"},
		{"a + b * c - d / e % f", "((a + (b * c)) - ((d / e) % f))"},
		{"(a + b) * c", "(((a + b)) * c)"},
		{"- - x", "(-(-x))"},
		{"-x - -y", "((-x) - (-y))"},
		{"!!done", "(!(!done))"},
		{"*p + 1", "((*p) + 1)"},
		{"*p * *q", "((*p) * (*q))"},
		{"&x", "(&x)"},
		{"&a.b", "(&a.b)"},
		{"-a[0]", "(-a[0])"},
		{"*p.next", "(*p.next)"},
		{"a.b.c[1][2].d", "a.b.c[1][2].d"},
		{"f(1, 2 + 3)[0]", "f(1, (2 + 3))[0]"},
		{"-9223372036854775808", "-9223372036854775808"},
		{"- 9223372036854775808", "-9223372036854775808"},
		{"--9223372036854775808", "(--9223372036854775808)"},
		{"9223372036854775807", "9223372036854775807"},
		{"0x7fff_ffff_ffff_ffff", "9223372036854775807"},
		{"0XFF", "255"},
		{"alloc n * 8", "(alloc (n * 8))"},
		{"alloc n * 8 + 1", "(alloc ((n * 8) + 1))"},
		{"join t + 1", "(join (t + 1))"},
		{"1 + wait p", "(1 + (wait p))"},
		{"recv r, 5", "(recv r, 5)"},
		{"recv r + 1, n * 2", "(recv (r + 1), (n * 2))"},
		{"(recv r)", "((recv r))"},
		{"[recv r, 5]", "[(recv r, 5)]"},
		{"f(recv r, 5)", "f((recv r, 5))"},
		{"call f(1)", "call f(1)"},
		{"spawn f(1) with {name: \"a\"}", `spawn f(1) with {name: "a"}`},
		{"thread g()", "thread g()"},
		{"fork", "fork"},
		{"fork()", "fork"},
		{"recv(r, 5)", "(recv r, 5)"},
		{"recv(r, 5) + 1", "((recv r, 5) + 1)"},
		{"recv(r) + 1", "(recv ((r) + 1))"},
		{"recv (r), 5", "(recv (r), 5)"},
		{"join(t) + 1", "(join ((t) + 1))"},
		{"{a: 1 + 2, b: [1, 2]}", "{a: (1 + 2), b: [1, 2]}"},
		{"{}", "{}"},
		{"[]", "[]"},
		{"\"a\\tb\\n\\\"c\\\\\"", `"a\tb\n\"c\\"`},
		{"nil", "nil"},
		{"true && false", "(true && false)"},
	} {
		if got := Format(exprOf(t, tc.src)); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.src, got, tc.want)
		}
	}
}

func TestPrintRecvIsGreedy(t *testing.T) {
	s := mustParse(t, "print recv r, 5\nprint (recv r), 5\nsend w, recv r, 5\n")
	if p := s.Body[0].(*PrintStmt); len(p.Args) != 1 || Format(p.Args[0]) != "(recv r, 5)" {
		t.Errorf("print recv r, 5: %d args", len(p.Args))
	}
	if p := s.Body[1].(*PrintStmt); len(p.Args) != 2 {
		t.Errorf("print (recv r), 5: %d args", len(p.Args))
	}
	if snd := s.Body[2].(*SendStmt); snd.Prio != nil || Format(snd.Value) != "(recv r, 5)" {
		t.Errorf("send w, recv r, 5: value %s, prio %v", Format(snd.Value), snd.Prio)
	}
}

// TestKeywordCalls: a keyword's arguments may be written in parentheses,
// as a call, with the meaning of the plain form; parentheses that hold
// one expression and no comma belong to the first argument, as always.
func TestKeywordCalls(t *testing.T) {
	pos := regexp.MustCompile(`\d+:\d+ `)
	ast := func(src string) string {
		return pos.ReplaceAllString(dump(mustParse(t, src+"\n")), "")
	}
	for call, plain := range map[string]string{
		`send(w, "x")`:          `send w, "x"`,
		`send(q, "x", 2)`:       `send q, "x", 2`,
		`print(a, b)`:           `print a, b`,
		`print(a)`:              `print (a)`,
		`assert(ok, "message")`: `assert ok, "message"`,
		`assert(ok)`:            `assert (ok)`,
		`yield()`:               `yield`,
		`exit()`:                `exit`,
		`return()`:              `return`,
		`show(maps)`:            `show maps`,
		`let c = fork()`:        `let c = fork`,
		`let s = recv(r, 5)`:    `let s = recv r, 5`,
		`send (w), "x"`:         `send (w), "x"`,
		`lock(m)`:               `lock (m)`,
	} {
		if got, want := ast(call), ast(plain); got != want {
			t.Errorf("%s:\n%s\nwant, as %s:\n%s", call, got, plain, want)
		}
	}
	for src, want := range map[string]string{
		`print (a + b) * 2, c`: "print (((a + b)) * 2) | c",
		`print recv(r, 5), 1`:  "print (recv r, 5) | 1",
	} {
		if got := ast(src); got != "main:\n  "+want+"\n" {
			t.Errorf("%s:\n%s\nwant %s", src, got, want)
		}
	}
}

func TestStatements(t *testing.T) {
	s := mustParse(t, "call f(1)\nf(2)\nspawn g()\nx = call f(3)\nlet a, b = pipe()\nlet c\n")
	es := s.Body[0].(*ExprStmt)
	if c := es.X.(*CallExpr); !c.Explicit || c.Name != "f" || es.Pos.Col != 1 || c.Pos.Col != 6 {
		t.Errorf("call f(1): %+v at %v", c, es.Pos)
	}
	if c := s.Body[1].(*ExprStmt).X.(*CallExpr); c.Explicit {
		t.Errorf("f(2) is explicit")
	}
	if sp := s.Body[2].(*ExprStmt).X.(*SpawnExpr); sp.Thread || sp.Call.Name != "g" || sp.With != nil {
		t.Errorf("spawn g(): %+v", sp)
	}
	if c := s.Body[3].(*AssignStmt).Value.(*CallExpr); !c.Explicit {
		t.Errorf("x = call f(3) is not explicit")
	}
	if l := s.Body[4].(*LetStmt); len(l.Names) != 2 || l.Names[1].Name != "b" || l.Value == nil {
		t.Errorf("let a, b = pipe(): %+v", l)
	}
	if l := s.Body[5].(*LetStmt); len(l.Names) != 1 || l.Value != nil {
		t.Errorf("let c: %+v", l)
	}
}

// TestTopLevelOrder checks that declarations and statements may come in
// any order and that each list keeps source order.
func TestTopLevelOrder(t *testing.T) {
	s := mustParse(t, "print 1\nglobal a\nfunc f() {}\nconfig k = 1\nprint 2\nglobal b = 2\nfunc g() {}\nconfig j = 2\n")
	if len(s.Body) != 2 || len(s.Globals) != 2 || len(s.Funcs) != 2 || len(s.Configs) != 2 {
		t.Fatalf("got %d stmts, %d globals, %d funcs, %d configs", len(s.Body), len(s.Globals), len(s.Funcs), len(s.Configs))
	}
	if s.Globals[0].Name != "a" || s.Globals[1].Name != "b" || s.Funcs[1].Name != "g" || s.Configs[1].Key != "j" {
		t.Errorf("order lost")
	}
	if s.Globals[0].Init != nil || s.Globals[1].Init == nil {
		t.Errorf("global inits: %v, %v", s.Globals[0].Init, s.Globals[1].Init)
	}
}

func TestElseIfChain(t *testing.T) {
	s := mustParse(t, "if a { x = 1 } else if b { x = 2 } else if c { x = 3 } else { x = 4 }\nif d {}\n")
	top := s.Body[0].(*IfStmt)
	n := 0
	var st Stmt = top
	for {
		is, ok := st.(*IfStmt)
		if !ok {
			break
		}
		n++
		st = is.Else
	}
	if n != 3 {
		t.Errorf("chain of %d ifs, want 3", n)
	}
	if b, ok := st.(*Block); !ok || len(b.Stmts) != 1 {
		t.Errorf("final else: %T", st)
	}
	if e := top.Else.(*IfStmt); e.Pos.Col != 21 {
		t.Errorf("else-if at %v, want the position of its if (col 21)", e.Pos)
	}
	if s.Body[1].(*IfStmt).Else != nil {
		t.Errorf("if without else has an Else")
	}
}

func TestPositions(t *testing.T) {
	src := "func f(a) {\n\tx[i] = a.b + -c * g(1)\n}\n"
	//      cols of line 2: \t=1 x=2 [=3 i=4 ]=5 ' '=6 '='=7 ' '=8 a=9 .=10 b=11 ' ' +=13 ' ' -=15 c=16 ' ' *=18 ' ' g=20
	s := mustParse(t, src)
	f := s.Funcs[0]
	if f.Pos != (Pos{File: "test.proc", Offset: 0, Line: 1, Col: 1}) || f.NamePos.Col != 6 || f.Params[0].Pos.Col != 8 {
		t.Errorf("func positions: %v %v %v", f.Pos, f.NamePos, f.Params[0].Pos)
	}
	if f.Body.Pos.Col != 11 || f.Body.End.Line != 3 || f.Body.End.Col != 1 {
		t.Errorf("block positions: %v %v", f.Body.Pos, f.Body.End)
	}
	a := f.Body.Stmts[0].(*AssignStmt)
	check := func(what string, p Pos, col int) {
		t.Helper()
		if p.Line != 2 || p.Col != col {
			t.Errorf("%s at %d:%d, want 2:%d", what, p.Line, p.Col, col)
		}
	}
	check("assignment", a.Pos, 2)
	check("index", a.Target.(*IndexExpr).Pos, 3)
	sum := a.Value.(*BinaryExpr)
	check("+", sum.Pos, 13)
	check("field", sum.X.(*FieldExpr).Pos, 11)
	prod := sum.Y.(*BinaryExpr)
	check("*", prod.Pos, 18)
	check("unary -", prod.X.(*UnaryExpr).Pos, 15)
	check("call", prod.Y.(*CallExpr).Pos, 20)
	if off := a.Pos.Offset; src[off] != 'x' {
		t.Errorf("offset %d points at %q", off, src[off])
	}
}

func TestRuneColumns(t *testing.T) {
	// Columns count runes: "é" is two bytes, one column.
	e := parseError(t, "print \"héllo\" 1\n")
	if e.Pos.Col != 15 || e.Pos.Offset != 15 {
		t.Errorf("got %d:%d offset %d, want col 15 offset 15", e.Pos.Line, e.Pos.Col, e.Pos.Offset)
	}
}

func TestMinInt(t *testing.T) {
	lit, ok := exprOf(t, "-9223372036854775808").(*IntLit)
	if !ok || lit.Value != math.MinInt64 || lit.Pos.Col != 5 {
		t.Errorf("got %#v", lit)
	}
	for _, src := range []string{"9223372036854775808", "-9223372036854775808[0]", "-(9223372036854775808)", "1 - 9223372036854775808 * 1"} {
		if e := parseError(t, "x = "+src); !strings.Contains(e.Msg, "out of range") {
			t.Errorf("%s: %v", src, e)
		}
	}
}

func TestNewlines(t *testing.T) {
	// Newlines end statements, except inside ( and [; objects may take
	// one field a line; blank and comment lines anywhere; ; separates.
	s := mustParse(t, "\n\n# c\nprint f(1,\n  2), [3,\n 4]\n\nlet o = {\n\n  a: 1, # c\n\n  b: 2\n\n}\nx = 1; y = 2;;\n# end")
	if len(s.Body) != 4 {
		t.Fatalf("%d statements", len(s.Body))
	}
	if o := s.Body[1].(*LetStmt).Value.(*ObjectLit); len(o.Fields) != 2 {
		t.Errorf("object: %d fields", len(o.Fields))
	}
	// CRLF line ends and a byte order mark.
	s = mustParse(t, "\uFEFFprint 1\r\nprint 2\r\n")
	if len(s.Body) != 2 || s.Body[1].(*PrintStmt).Pos.Col != 1 {
		t.Errorf("CRLF: %v", s.Body)
	}
}

func TestEmptyAndComments(t *testing.T) {
	for _, src := range []string{"", "\n", "# only a comment", "# a\n# b\n\n", ";", "\n;\n"} {
		s := mustParse(t, src)
		if len(s.Body)+len(s.Funcs)+len(s.Globals)+len(s.Configs) != 0 {
			t.Errorf("%q: not empty", src)
		}
	}
}

func TestAtEOF(t *testing.T) {
	for _, tc := range []struct {
		src   string
		atEOF bool
	}{
		{"func f() {", true},
		{"func f() {\n\tprint 1\n", true},
		{"if x {\n", true},
		{"if x {} else {\n", true},
		{"print f(1,", true},
		{"print f(1,\n", true},
		{"x = (1 +", true},
		{"x = [1, 2", true},
		{"let o = {a: 1,\n", true},
		{"while x", false}, // a line without "{" is already wrong
		{"x = 1 +\n", false},
		{"print 1 2", false},
		{"print \"abc", false},
		{"}", false},
	} {
		e := parseError(t, tc.src)
		if e.AtEOF != tc.atEOF {
			t.Errorf("%q: AtEOF = %v, want %v (%v)", tc.src, e.AtEOF, tc.atEOF, e)
		}
	}
}

func TestKeywordsAreReserved(t *testing.T) {
	for _, kw := range Keywords() {
		if !IsKeyword(kw) {
			t.Errorf("IsKeyword(%q) = false", kw)
		}
		for _, src := range []string{"let " + kw + " = 1", "func " + kw + "() {}", "global " + kw, "x = o." + kw} {
			if _, err := Parse("k.proc", []byte(src)); err == nil {
				t.Errorf("%q parsed", src)
			}
		}
	}
	if IsKeyword("main") || IsKeyword("pipe") || len(Keywords()) != 37 {
		t.Errorf("keyword list wrong: %v", Keywords())
	}
}

func TestLexicalErrors(t *testing.T) {
	for _, tc := range []struct {
		src       string
		line, col int
		msg       string
	}{
		{"x = 1\x00", 1, 6, "invalid character U+0000"},
		{"# comment \x00\n", 1, 11, "invalid character U+0000"},
		{"print \"a\x00\"", 1, 9, "invalid character U+0000"},
		{"x = 1\ny = \xff", 2, 5, "invalid UTF-8 byte 0xff"},
		{"# \xc3\n", 1, 3, "invalid UTF-8 byte 0xc3"},
		{"print \"\xe2\x82\"", 1, 8, "invalid UTF-8 byte 0xe2"},
		{"x = \x01", 1, 5, "invalid character U+0001"},
		{"x = 1\f", 1, 6, "invalid character U+000C"},
		{"x = \u200b", 1, 5, "invalid character U+200B"},
		{"x = \"a\\", 1, 5, "unterminated string"},
		{"x = \"a\\\n\"", 1, 5, "unterminated string"},
		{"x = \"\\é\"", 1, 6, `unknown escape \é`},
		{"x = \"\\\xff\"", 1, 7, "invalid UTF-8 byte 0xff"},
		{"x = 0x_1", 1, 5, `invalid integer literal "0x_1"`},
		{"x = 1_", 1, 5, `invalid integer literal "1_"`},
		{"x = 0b101", 1, 5, `invalid integer literal "0b101"`},
		{"x = 99999999999999999999999999999999", 1, 5, "integer literal out of range"},
	} {
		e := parseError(t, tc.src)
		if e.Pos.Line != tc.line || e.Pos.Col != tc.col || !strings.Contains(e.Msg, tc.msg) {
			t.Errorf("%q: got %d:%d %q, want %d:%d %q", tc.src, e.Pos.Line, e.Pos.Col, e.Msg, tc.line, tc.col, tc.msg)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	_, err := Parse("dir/prog.proc", []byte("x = 1\nprint 1 2\n"))
	if err == nil || err.Error() != `dir/prog.proc:2:9: unexpected "2" at end of statement` {
		t.Errorf("got %v", err)
	}
}

// TestConcurrentParse runs parses in parallel: the parsers are shared.
func TestConcurrentParse(t *testing.T) {
	src, err := os.ReadFile("testdata/all.proc")
	if err != nil {
		t.Fatal(err)
	}
	want := dump(mustParse(t, string(src)))
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				s, err := Parse("test.proc", src)
				if err != nil || dump(s) != want {
					t.Errorf("concurrent parse differs: %v", err)
					return
				}
				if _, err := Parse("bad.proc", []byte("print 1 2")); err == nil {
					t.Errorf("no error")
				}
			}
		}()
	}
	wg.Wait()
}
