package grammar

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// TestNestingGuard feeds deeply nested input of every recursive kind. It
// must come back as an error: a Go stack overflow would kill the process.
func TestNestingGuard(t *testing.T) {
	const n = 10000
	rep := strings.Repeat
	for _, tc := range []struct{ name, src string }{
		{"parens", "x = " + rep("(", n) + "1" + rep(")", n)},
		{"open parens", "x = " + rep("(", n)},
		{"brackets", "x = " + rep("[", n) + rep("]", n)},
		{"braces", rep("{", n)},
		{"late braces", "print 1 2\n" + rep("{", n)},
		{"blocks", rep("if x {\n", n) + rep("}\n", n)},
		{"objects", "x = " + rep("{a: ", n) + "1" + rep("}", n)},
		{"calls", "x = " + rep("f(", n) + rep(")", n)},
		{"minus", "x = " + rep("-", n) + "x"},
		{"spaced minus", "x = " + rep("- ", n) + "x"},
		{"not", "x = " + rep("!", n) + "done"},
		{"deref", "x = " + rep("*", n) + "p"},
		{"address", "x = " + rep("& ", n) + "p"},
		{"minus parens", "x = " + rep("-(", n) + "1" + rep(")", n)},
		{"alloc", "x = " + rep("alloc ", n) + "1"},
		{"join chain", "x = " + rep("join 1 + ", n) + "1"},
		{"recv chain", "print " + rep("recv r, ", n) + "1"},
		{"spawn args", "spawn f(" + rep("spawn f(", n) + rep(")", n+1)},
	} {
		e := parseError(t, tc.src)
		if e.Msg != "nesting too deep (more than 200 levels)" {
			t.Errorf("%s: got %v", tc.name, e)
		}
		if e.AtEOF {
			t.Errorf("%s: AtEOF set", tc.name)
		}
	}
}

// TestNestingLimit checks the exact limit: 200 levels parse, 201 do not.
func TestNestingLimit(t *testing.T) {
	rep := strings.Repeat
	for _, tc := range []struct {
		name string
		src  func(n int) string
	}{
		{"parens", func(n int) string { return "x = " + rep("(", n) + "1" + rep(")", n) }},
		{"minus", func(n int) string { return "x = " + rep("-", n) + "1" }},
		{"blocks", func(n int) string { return rep("while x {\n", n) + rep("}\n", n) }},
	} {
		if _, err := Parse("ok.proc", []byte(tc.src(maxNesting))); err != nil {
			t.Errorf("%s: %d levels: %v", tc.name, maxNesting, err)
		}
		e := parseError(t, tc.src(maxNesting+1))
		if !strings.Contains(e.Msg, "nesting too deep") {
			t.Errorf("%s: %d levels: %v", tc.name, maxNesting+1, e)
		}
	}
	// The position is that of the token that went past the limit.
	e := parseError(t, "x = "+rep("(", 300))
	if e.Pos.Line != 1 || e.Pos.Col != 5+maxNesting {
		t.Errorf("error at %d:%d, want 1:%d", e.Pos.Line, e.Pos.Col, 5+maxNesting)
	}
	// Flat sequences are not nesting, however long.
	long := []string{
		"x = " + rep("1 + ", 5000) + "1",
		"x = " + rep("-a - ", 5000) + "1",
		"print " + rep("alloc 1\nprint ", 5000) + "1",
		"x = a" + rep(".b", 5000),
		"x = a" + rep("[0]", 5000),
		"if a {}" + rep("\nif a {} else if a {}", 5000),
		"if a {}" + rep(" else if a {}", maxNesting+1),
		"if a {}" + rep(" else if a {}", 10000) + " else {}",
		rep("x = -1\n", 5000),
	}
	for i, src := range long {
		if _, err := Parse("flat.proc", []byte(src)); err != nil {
			t.Errorf("flat input %d: %v", i, err)
		}
	}
}

// TestLongChains parses chains of a mebibyte on one line, of every kind
// the AST nests to the left or down an else, and formats each. A chain is
// as deep in the AST as it is long: a pass that recursed along it would
// overflow the Go stack, which is fatal, not a panic a recover could
// catch. The stack is held to 8 MiB here, which any such recursion
// passes long before the end of the chain.
func TestLongChains(t *testing.T) {
	if testing.Short() {
		t.Skip("megabyte inputs take seconds")
	}
	defer debug.SetMaxStack(debug.SetMaxStack(8 << 20))
	const mb = 1 << 20
	rep := strings.Repeat
	for _, tc := range []struct {
		name, head, link, tail string
		// op is the operator of the chain's links: a binary operator,
		// or "[", "." or "else".
		op string
		// end is how Format(x) ends.
		end string
	}{
		{"sum", "print 1", "+1", "", "+", " + 1)"},
		{"and", "print true", "&&true", "", "&&", " && true)"},
		{"strings", `print "a"`, `+"a"`, "", "+", ` + "a")`},
		{"calls", "print f()", "+f()", "", "+", " + f())"},
		{"index", "print a", "[0]", "", "[", "][0]"},
		{"field", "print a", ".x", "", ".", ".x.x"},
		{"mixed postfix", "print a", "[0].x", "", ".", "].x[0].x"},
		{"else if", "if a {}", " else if a {}", " else {}", "else", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := (mb - len(tc.head) - len(tc.tail)) / len(tc.link)
			src := tc.head + rep(tc.link, n) + tc.tail
			s, err := Parse("chain.proc", []byte(src))
			if err != nil {
				t.Fatalf("%.80s...: %v", src, err)
			}
			if len(s.Body) != 1 {
				t.Fatalf("%d statements", len(s.Body))
			}
			var x Expr
			switch st := s.Body[0].(type) {
			case *PrintStmt:
				x = st.Args[0]
			case *IfStmt:
				if got := elseIfs(st); got != n {
					t.Fatalf("%d else-if arms, want %d", got, n)
				}
				return
			}
			// The mixed chain alternates: its fields count its links.
			if got := links(x, tc.op); got != n {
				t.Errorf("a chain of %d %q, want %d", got, tc.op, n)
			}
			if f := Format(x); !strings.HasSuffix(f, tc.end) {
				t.Errorf("Format ends in %q, want %q", f[max(0, len(f)-40):], tc.end)
			}
		})
	}
}

// TestLongLineMemory checks that a line of a mebibyte parses in memory
// linear in its length, and small. Most of it goes to participle's
// token buffer, which costs about five tokens for each token it holds
// (see tokenBuffer.fill), and to the AST, a node for each operator and
// each operand.
func TestLongLineMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("megabyte inputs take seconds")
	}
	const n = (1<<20 - len("print 1")) / len("+1")
	src := []byte("print 1" + strings.Repeat("+1", n))
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := Parse("long.proc", src); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	// 783 bytes an operator when this was written; 1593 while the token
	// buffer doubled until the line fit.
	if perOp := (after.TotalAlloc - before.TotalAlloc) / uint64(n); perOp > 1024 {
		t.Errorf("parsing a chain of %d operators allocated %d bytes an operator, want at most 1024", n, perOp)
	}
}

// links counts the links with operator op down the left spine of x.
func links(x Expr, op string) int {
	n := 0
	for {
		switch e := x.(type) {
		case *BinaryExpr:
			if e.Op == op {
				n++
			}
			x = e.X
		case *IndexExpr:
			if op == "[" {
				n++
			}
			x = e.X
		case *FieldExpr:
			if op == "." {
				n++
			}
			x = e.X
		default:
			return n
		}
	}
}

// elseIfs counts the arms after the first of an else-if chain.
func elseIfs(s *IfStmt) int {
	n := 0
	for {
		next, ok := s.Else.(*IfStmt)
		if !ok {
			return n
		}
		n++
		s = next
	}
}

// TestHugeInput checks that megabyte lines and tokens parse or fail
// cleanly.
func TestHugeInput(t *testing.T) {
	if testing.Short() {
		t.Skip("megabyte inputs take seconds")
	}
	const mb = 1 << 20
	rep := strings.Repeat
	for _, tc := range []struct {
		name string
		src  string
		ok   bool
	}{
		{"long name", "x = " + rep("a", mb), false}, // a name is at most MaxIdent bytes
		{"long string", "x = \"" + rep("a", mb) + "\"", true},
		{"long comment", "# " + rep("a", mb) + "\nx = 1", true},
		{"long sum", "x = " + rep("1 + ", mb/4) + "1", true},
		{"long array", "x = [" + rep("1, ", mb/3) + "1]", true},
		{"long print", "print " + rep("1, ", mb/3) + "1", true},
		{"many semicolons", rep(";", mb), true},
		{"many newlines", rep("\n", mb), true},
		{"long number", "x = " + rep("9", mb), false},
		{"long unterminated string", "x = \"" + rep("a", mb), false},
		{"many parens", rep("(", mb), false},
		{"long garbage", rep("@", mb), false},
	} {
		s, err := Parse("huge.proc", []byte(tc.src))
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if !tc.ok && err == nil {
			t.Errorf("%s: parsed: %d statements", tc.name, len(s.Body))
		}
		if err != nil && len(err.Error()) > 300 {
			t.Errorf("%s: message of %d bytes", tc.name, len(err.Error()))
		}
	}
}

// TestGarbage feeds byte soup: every result must be a script or an *Error.
func TestGarbage(t *testing.T) {
	inputs := []string{
		"\x00", "\xff\xfe", "\"", "\\", "#", "0x", "_", "..", "...", "{", "}", "(", ")",
		"[", "]", "{}", "()", "[]", "=", "==", "x =", "= x", "let", "func", "func (",
		"if", "else", "for", "for x in", "spawn", "spawn f() with", "recv", "recv ,",
		"print ,", "x.", "x[", "x[]", "-", "!", "&", "*", "**", "x = {a:}", "x = {:1}",
		"\r", "\r\n", "\t", "\uFEFF", "\uFEFF\uFEFF", "x = \"\\", "call", "call f", "call f(",
		"show show", "show 5", "show \"maps\"", "x = fork fork", "x = 1 .. 2",
		"} else {", "else", "else if", "else {", "with", "in", "x = a with b",
	}
	for _, src := range inputs {
		checkResult(t, src)
	}
}

// checkResult parses src and checks the contract: a script, or an *Error
// with a sane position and message.
func checkResult(t *testing.T, src string) {
	t.Helper()
	s, err := Parse("g.proc", []byte(src))
	if err == nil {
		if s == nil {
			t.Errorf("%q: nil script and nil error", src)
		}
		return
	}
	e, ok := err.(*Error)
	if !ok {
		t.Errorf("%q: error %T is not *Error", src, err)
		return
	}
	if e.Pos.File != "g.proc" || e.Pos.Line < 1 || e.Pos.Col < 1 || e.Pos.Offset < 0 || e.Pos.Offset > len(src) {
		t.Errorf("%q: bad position %+v", src, e.Pos)
	}
	if !goodMessage(e.Msg) {
		t.Errorf("%q: bad message %q", src, e.Msg)
	}
	_ = e.Snippet([]byte(src))
}
