package grammar

import (
	"fmt"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
)

// tokenString renders tokens compactly: NL as ⏎ (with its text when it is
// not a newline), keywords in capitals, strings as written.
func tokenString(toks []lexer.Token) string {
	var parts []string
	for _, t := range toks {
		switch t.Type {
		case lexer.EOF:
			parts = append(parts, "EOF")
		case tokNL:
			parts = append(parts, "⏎"+strings.TrimSpace(t.Value))
		case tokKeyword:
			parts = append(parts, strings.ToUpper(t.Value))
		case tokBad:
			parts = append(parts, "BAD")
		default:
			parts = append(parts, t.Value)
		}
	}
	return strings.Join(parts, " ")
}

func TestScanTokens(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"", "EOF"},
		{"\n\n# c\n\n", "EOF"},
		{"x = 1", "x = 1 ⏎ EOF"},
		{"x = 1\n\n\ny = 2\n", "x = 1 ⏎ y = 2 ⏎ EOF"},
		{"a;;b;", "a ⏎; b ⏎; EOF"},
		{"let spawn_1 = spawn", "LET spawn_1 = SPAWN ⏎ EOF"},
		{"a..b == c != d <= e >= f && g || h", "a .. b == c != d <= e >= f && g || h ⏎ EOF"},
		{"a.b<c>d+-*/%!&", "a . b < c > d + - * / % ! & ⏎ EOF"},
		{"a+=1-=2*=3/=4%=5", "a += 1 -= 2 *= 3 /= 4 %= 5 ⏎ EOF"},
		{"x=-1", "x = - 1 ⏎ EOF"},
		{"f(1,\n2)\n[3,\n4]", "f ( 1 , 2 ) ⏎ [ 3 , 4 ] ⏎ EOF"},
		{"if x { y }", "IF x { y ⏎} } ⏎ EOF"},
		{"{\n}", "{ ⏎ } ⏎ EOF"},
		{"{}", "{ ⏎} } ⏎ EOF"},
		{"o = {a: 1,\n b: 2}", "o = { a : 1 , ⏎ b : 2 ⏎} } ⏎ EOF"},
		{"(x\n", "( x EOF"},
		{"0x_ff", "BAD EOF"},
		{"s = \"a\\n\\\"b\"", "s = \"a\\n\\\"b\" ⏎ EOF"},
		{"x # comment", "x ⏎ EOF"},
		{"x\r\ny", "x ⏎ y ⏎ EOF"},
	} {
		toks, _ := scan("t.proc", []byte(tc.src))
		if got := tokenString(toks); got != tc.want {
			t.Errorf("%q:\n got %s\nwant %s", tc.src, got, tc.want)
		}
	}
}

func TestTokenPositions(t *testing.T) {
	toks, err := scan("t.proc", []byte("x\t= \"é\" +\n  yy # c\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tok := range toks {
		got = append(got, fmt.Sprintf("%d:%d@%d", tok.Pos.Line, tok.Pos.Column, tok.Pos.Offset))
	}
	// x = "é" + NL yy NL EOF. A tab is one column, "é" one column and two
	// bytes, and the NL of line 2 is where its newline is, after the comment.
	want := "1:1@0 1:3@2 1:5@4 1:9@9 1:10@10 2:3@13 2:9@19 3:1@20"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("got  %s\nwant %s", s, want)
	}
}

func TestUnquote(t *testing.T) {
	for lit, want := range map[string]string{
		`""`:                 "",
		`"plain"`:            "plain",
		`"a\nb\tc"`:          "a\nb\tc",
		`"q\"q"`:             `q"q`,
		`"back\\slash\\"`:    `back\slash\`,
		`"\\n is not a NL"`:  `\n is not a NL`,
		`"héllo\t\"wörld\""`: "héllo\t\"wörld\"",
	} {
		if got := unquote(lit); got != want {
			t.Errorf("unquote(%s) = %q, want %q", lit, got, want)
		}
		if q := Quote(want); q != lit {
			t.Errorf("Quote(%q) = %s, want %s", want, q, lit)
		}
	}
}

// TestLexDefinition checks the participle lexer interface, which tools
// built on participle (such as its EBNF printer) go through.
func TestLexDefinition(t *testing.T) {
	lex, err := definition{}.Lex("d.proc", strings.NewReader("print 1"))
	if err != nil {
		t.Fatal(err)
	}
	toks, err := lexer.ConsumeAll(lex)
	if err != nil || tokenString(toks) != "PRINT 1 ⏎ EOF" {
		t.Errorf("got %s, %v", tokenString(toks), err)
	}
	for name, typ := range (definition{}).Symbols() {
		if name == "" || (typ == lexer.EOF) != (name == "EOF") {
			t.Errorf("symbol %q = %d", name, typ)
		}
	}
}

func TestLongTokensInMessages(t *testing.T) {
	long := strings.Repeat("a", 200)
	for _, src := range []string{
		"print 1 " + long,
		"print 1 \"" + long + "\"",
		"show " + long,
		"x = 0x" + long + "g",
		"x = 1." + strings.Repeat("5", 200),
		long + " + 1",
		long + "() + 1 = 2",
	} {
		e := parseError(t, src)
		if len(e.Msg) > 150 || !strings.Contains(e.Msg, "...") {
			t.Errorf("%.20q...: message not shortened: %q", src, e.Msg)
		}
	}
}

// TestTokenBuffer checks that a refilled token buffer hands participle the
// same tokens as a buffer of its own per line, including lines longer than
// the buffer, which make it grow.
func TestTokenBuffer(t *testing.T) {
	if newTokenBuffer(4).peek == nil {
		t.Fatal("participle's Range no longer returns the lexer's own tokens: every line is upgraded")
	}
	checkTokenBuffer(t, string(script10k()[:3000])+"print "+strings.Repeat("1, ", 300)+"2\nx = 1\n")
	// A line that does not fit is counted to its end before the buffer
	// grows; the count must leave the scanner where it was, whatever
	// the line holds: brackets across lines, a lexical error, nesting
	// past the limit, a block.
	checkTokenBuffer(t, "x = 1\nprint "+strings.Repeat("1 + ", 50)+"f(\n1, {a: 2,\nb: 3})\nx = 2\n")
	checkTokenBuffer(t, "print "+strings.Repeat("1 + ", 30)+"1 @ 2\nx = 1\n")
	checkTokenBuffer(t, "print "+strings.Repeat("-(", 300)+"1"+strings.Repeat(")", 300)+"\nx = 1\n")
	checkTokenBuffer(t, "if a {\n"+strings.Repeat("x = 1\n", 40)+"}\nx = 2")
	// The buffer fills while prefix operators wait for their operand:
	// the nesting depth they hold must be the same after the count, or
	// the brackets of the next line would go past the limit.
	checkTokenBuffer(t, "x = - - - 1\nx = "+strings.Repeat("(", maxNesting-1)+"1"+strings.Repeat(")", maxNesting-1)+"\n")
}

// checkTokenBuffer compares, line by line, the tokens of src in a
// refilled buffer of 4 tokens with those of a buffer of their own.
func checkTokenBuffer(t *testing.T, src string) {
	t.Helper()
	lines := func() *lineLexer { return &lineLexer{sc: newScanner("t.proc", []byte(src))} }
	want, got := lines(), lines()
	buf := newTokenBuffer(4)
	for n := 0; !want.eof; n++ {
		want.done, got.done = false, false
		w, err := lexer.Upgrade(want)
		if err != nil {
			t.Fatal(err)
		}
		g, err := buf.fill(got)
		if err != nil {
			t.Fatal(err)
		}
		for {
			a, b := w.Next(), g.Next()
			if *a != *b {
				t.Fatalf("line %d: got token %v, want %v", n+1, b, a)
			}
			if a.EOF() {
				break
			}
		}
	}
	if !got.eof {
		t.Fatal("the refilled buffer did not reach the end of the file")
	}
	if we, ge := want.sc.err, got.sc.err; (we == nil) != (ge == nil) || we != nil && *we != *ge || want.sc.deep != got.sc.deep {
		t.Fatalf("scanner error %v (deep %v), want %v (deep %v)", ge, got.sc.deep, we, want.sc.deep)
	}
}

func TestTwoCharOp(t *testing.T) {
	for a := 0; a < 256; a++ {
		for b := 0; b < 256; b++ {
			want := ""
			for _, op := range twoCharOps {
				if op == string([]byte{byte(a), byte(b)}) {
					want = op
				}
			}
			if got := twoCharOp(byte(a), byte(b)); got != want {
				t.Errorf("twoCharOp(%q, %q) = %q, want %q", byte(a), byte(b), got, want)
			}
		}
	}
}

// A name is at most MaxIdent bytes: it labels rows of tables, and one as
// long as a file would make every row that long.
func TestLongName(t *testing.T) {
	ok := "let " + strings.Repeat("a", MaxIdent) + " = 1\n"
	if _, err := Parse("ok.proc", []byte(ok)); err != nil {
		t.Errorf("a name of %d bytes: %v", MaxIdent, err)
	}
	long := "let " + strings.Repeat("a", MaxIdent+1) + " = 1\n"
	_, err := Parse("long.proc", []byte(long))
	if err == nil || !strings.Contains(err.Error(), "is 256 bytes long: a name is at most 255") {
		t.Errorf("a name of %d bytes: %v", MaxIdent+1, err)
	}
}
