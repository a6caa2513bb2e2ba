package grammar

import (
	"math"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Expressions are parsed by hand, by precedence climbing, and plugged into
// the participle grammar through the Parseable interface: every field of
// type exprField (or condField) in syntax.go is parsed here. Expressions hold most of
// the tokens of a script, and participle's reflection costs about a
// microsecond per struct it tries; with one struct per precedence level a
// 10,000-line script took about a second. The operator table below is the
// whole definition of precedence and associativity.

// precedence returns the binding power of a binary operator token, higher
// binding tighter, or 0 if t is not a binary operator.
func precedence(t *lexer.Token) int {
	if t.Type != tokPunct {
		return 0
	}
	switch t.Value {
	case "||":
		return 1
	case "&&":
		return 2
	case "==", "!=":
		return 3
	case "<", "<=", ">", ">=":
		return 4
	case "+", "-":
		return 5
	case "*", "/", "%":
		return 6
	}
	return 0
}

// exprField is a field of a syntax struct that holds an expression.
// Participle reaches its Parse method through the Parseable interface,
// which costs less than a function given to participle.ParseTypeWith:
// that one is called by reflection.
type exprField struct{ X Expr }

// condField is the condition of an if or a while: an expression that may
// not start with "{", which there begins the block. A missing condition is
// then reported as such, not as a bad object literal.
type condField struct{ X Expr }

func (f *exprField) Parse(lex *lexer.PeekingLexer) (err error) {
	f.X, err = parseExpr(lex)
	return err
}

func (f *condField) Parse(lex *lexer.PeekingLexer) (err error) {
	f.X, err = parseCond(lex)
	return err
}

// parseExpr parses an expression. It declines (with NextMatch) when no
// expression starts here, which lets optional expressions such as the
// value of `return` be left out.
func parseExpr(lex *lexer.PeekingLexer) (Expr, error) {
	if !startsOperand(lex.Peek()) {
		return nil, participle.NextMatch
	}
	p := exprParser{lex: lex}
	return p.expr()
}

// parseCond parses a condition.
func parseCond(lex *lexer.PeekingLexer) (Expr, error) {
	t := lex.Peek()
	if isPunct(t, "{") {
		return nil, errorAt(t, "expected condition, found %s", describe(t))
	}
	if !startsOperand(t) {
		return nil, participle.NextMatch
	}
	p := exprParser{lex: lex}
	return p.expr()
}

// exprParser parses one expression from participle's token stream. It
// stops at the first error, which it returns as a *syntaxError.
type exprParser struct {
	lex *lexer.PeekingLexer
	// pending is an operand already read, which the next expression
	// starts with (see keywordArgs).
	pending Expr
}

func (p *exprParser) peek() *lexer.Token { return p.lex.Peek() }
func (p *exprParser) next() *lexer.Token { return p.lex.Next() }

// expect consumes the punctuation s or fails with "expected s".
func (p *exprParser) expect(s string) (*lexer.Token, error) {
	t := p.peek()
	if !isPunct(t, s) {
		return nil, errorAt(t, "expected %q, found %s", s, describe(t))
	}
	return p.next(), nil
}

// expr = binary expression of the lowest precedence.
func (p *exprParser) expr() (Expr, error) {
	return p.climb(1)
}

// climb parses operands joined by operators of at least minPrec. Operators
// of one level are folded in a loop, to the left: a - b - c is (a - b) - c.
// It recurses only to a tighter level, so the depth of the recursion is
// bounded by the number of levels, not by the length of the expression.
func (p *exprParser) climb(minPrec int) (Expr, error) {
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		prec := precedence(p.peek())
		if prec == 0 || prec < minPrec {
			return x, nil
		}
		op := p.next()
		y, err := p.climb(prec + 1)
		if err != nil {
			return nil, err
		}
		x = &BinaryExpr{Pos: toPos(op.Pos), Op: op.Value, X: x, Y: y}
	}
}

// unary = { "-" | "!" | "&" | "*" } postfix .
//
// The operators are gathered in a loop and applied from the innermost out,
// so a long run of them costs no stack.
func (p *exprParser) unary() (Expr, error) {
	if p.pending != nil {
		return p.postfix()
	}
	var ops []*lexer.Token
	for {
		t := p.peek()
		if t.Type != tokPunct || (t.Value != "-" && t.Value != "!" && t.Value != "&" && t.Value != "*") {
			break
		}
		ops = append(ops, p.next())
	}
	var x Expr
	if n := len(ops); n > 0 && ops[n-1].Value == "-" && p.minInt() {
		// -9223372036854775808 is the one literal that fits only negated.
		p.next()
		x = &IntLit{Pos: toPos(ops[n-1].Pos), Value: math.MinInt64}
		ops = ops[:n-1]
	} else {
		var err error
		if x, err = p.postfix(); err != nil {
			return nil, err
		}
	}
	for i := len(ops) - 1; i >= 0; i-- {
		x = &UnaryExpr{Pos: toPos(ops[i].Pos), Op: ops[i].Value, X: x}
	}
	return x, nil
}

// minInt reports whether the next tokens are 9223372036854775808 standing
// alone as an operand (no index, field or call after it).
func (p *exprParser) minInt() bool {
	t := p.peek()
	if t.Type != tokInt {
		return false
	}
	if v, msg := parseInt(t.Value); msg != "" || v != 1<<63 {
		return false
	}
	cp := p.lex.MakeCheckpoint()
	p.next()
	after := p.peek()
	p.lex.LoadCheckpoint(cp)
	return !isPunct(after, "[") && !isPunct(after, ".") && !isPunct(after, "(")
}

// postfix = primary { "[" Expr "]" | "." ident } .
func (p *exprParser) postfix() (Expr, error) {
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		switch {
		case isPunct(t, "["):
			p.next()
			i, err := p.operandExpr()
			if err != nil {
				return nil, err
			}
			if _, err := p.expect("]"); err != nil {
				return nil, err
			}
			x = &IndexExpr{Pos: toPos(t.Pos), X: x, Index: i}
		case isPunct(t, "."):
			p.next()
			name := p.peek()
			if name.Type != tokIdent {
				return nil, errorAt(name, "expected field name after \".\", found %s", describe(name))
			}
			p.next()
			x = &FieldExpr{Pos: toPos(name.Pos), X: x, Name: name.Value}
		case isPunct(t, "("):
			// Calls are by name only: f(x), never (f)(x), a.f(x) or f(x)(y).
			return nil, errorAt(t, "only a function name can be called, as in f(x)")
		default:
			return x, nil
		}
	}
}

// operandExpr parses a full expression where one is required.
func (p *exprParser) operandExpr() (Expr, error) {
	if t := p.peek(); !startsOperand(t) {
		return nil, errorAt(t, "expected expression, found %s", describe(t))
	}
	return p.expr()
}

// primary parses a literal, a name or call, a bracketed expression or a
// system expression.
func (p *exprParser) primary() (Expr, error) {
	if x := p.pending; x != nil {
		p.pending = nil
		return x, nil
	}
	t := p.peek()
	pos := toPos(t.Pos)
	switch t.Type {
	case tokIdent:
		p.next()
		if isPunct(p.peek(), "(") {
			args, err := p.args()
			if err != nil {
				return nil, err
			}
			return &CallExpr{Pos: pos, Name: t.Value, Args: args}, nil
		}
		return &Ident{Pos: pos, Name: t.Value}, nil
	case tokInt:
		p.next()
		v, msg := parseInt(t.Value)
		if msg == "" && v > math.MaxInt64 {
			msg = "integer literal out of range"
		}
		if msg != "" {
			return nil, errorAt(t, "%s", msg)
		}
		return &IntLit{Pos: pos, Value: int64(v)}, nil
	case tokString:
		p.next()
		return &StringLit{Pos: pos, Value: unquote(t.Value)}, nil
	case tokPunct:
		switch t.Value {
		case "(":
			p.next()
			x, err := p.operandExpr()
			if err != nil {
				return nil, err
			}
			if _, err := p.expect(")"); err != nil {
				return nil, err
			}
			return &ParenExpr{Pos: pos, X: x}, nil
		case "[":
			p.next()
			elems, err := p.list("]")
			if err != nil {
				return nil, err
			}
			return &ArrayLit{Pos: pos, Elems: elems}, nil
		case "{":
			fields, err := p.object()
			if err != nil {
				return nil, err
			}
			return &ObjectLit{Pos: pos, Fields: fields}, nil
		}
	case tokKeyword:
		return p.keywordExpr(t)
	}
	return nil, errorAt(t, "expected expression, found %s", describe(t))
}

// keywordExpr parses the literals and system expressions that start with
// a keyword.
func (p *exprParser) keywordExpr(t *lexer.Token) (Expr, error) {
	pos := toPos(t.Pos)
	switch t.Value {
	case "true", "false":
		p.next()
		return &BoolLit{Pos: pos, Value: t.Value == "true"}, nil
	case "nil":
		p.next()
		return &NilLit{Pos: pos}, nil
	case "fork":
		p.next()
		// fork(), as the C call is written.
		if _, err := p.keywordArgs("fork", 0, 0); err != nil {
			return nil, err
		}
		return &ForkExpr{Pos: pos}, nil
	case "spawn", "thread":
		p.next()
		call, err := p.callSyntax(t.Value)
		if err != nil {
			return nil, err
		}
		s := &SpawnExpr{Pos: pos, Thread: t.Value == "thread", Call: call}
		if w := p.peek(); w.Type == tokKeyword && w.Value == "with" {
			p.next()
			if o := p.peek(); !isPunct(o, "{") {
				return nil, errorAt(o, "expected \"{\" after with, found %s", describe(o))
			}
			if s.With, err = p.object(); err != nil {
				return nil, err
			}
		}
		return s, nil
	case "call":
		p.next()
		call, err := p.callSyntax("call")
		if err != nil {
			return nil, err
		}
		call.Explicit = true
		return call, nil
	case "join", "wait", "alloc":
		// These take a whole expression: `alloc n * 8` is alloc(n * 8).
		p.next()
		x, err := p.operandExpr()
		if err != nil {
			return nil, err
		}
		return &PrefixExpr{Pos: pos, Op: t.Value, X: x}, nil
	case "recv":
		// recv takes the rest of a comma list: `print recv r, 5` prints
		// one value. Written as a call, recv(r, 5) is an operand.
		p.next()
		args, err := p.keywordArgs("recv", 1, 2)
		if err != nil {
			return nil, err
		}
		r := &RecvExpr{Pos: pos, Src: args[0]}
		if len(args) == 2 {
			r.Max = args[1]
		}
		return r, nil
	}
	return nil, errorAt(t, "expected expression, found %s", describe(t))
}

// keywordArgs parses the arguments of a keyword, at least min and at most
// max of them (max < 0: no limit), written after it (send w, "x") or in
// parentheses as a call (send(w, "x")), the form the builtins are called
// in. The parentheses are a call's only when they hold a comma or
// nothing, which no expression in parentheses does: in send (w), "x" and
// print (a + b) * 2 they belong to the first argument, as they always
// did. A keyword that takes no arguments reads none after it, but accepts
// empty parentheses (yield(), fork()).
func (p *exprParser) keywordArgs(kw string, min, max int) ([]Expr, error) {
	var args []Expr
	if open := p.peek(); isPunct(open, "(") {
		p.next()
		if isPunct(p.peek(), ")") {
			if min > 0 {
				return nil, errorAt(p.peek(), "expected expression, found %s", describe(p.peek()))
			}
			p.next()
			return nil, nil
		}
		if max == 0 {
			return nil, errorAt(p.peek(), "%s takes no arguments: write %s", kw, kw)
		}
		first, err := p.operandExpr()
		if err != nil {
			return nil, err
		}
		if isPunct(p.peek(), ",") && max != 1 {
			args = append(args, first)
			if err := p.moreArgs(&args, max); err != nil {
				return nil, err
			}
			if len(args) < min {
				return nil, errorAt(p.peek(), "expected \",\", found %s", describe(p.peek()))
			}
			if _, err := p.expect(")"); err != nil {
				return nil, err
			}
			return args, nil
		}
		if _, err := p.expect(")"); err != nil {
			return nil, err
		}
		// The parentheses were the first argument's: it goes on after
		// them.
		p.pending = &ParenExpr{Pos: toPos(open.Pos), X: first}
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		args = append(args, x)
	} else {
		if max == 0 || min == 0 && !startsOperand(open) {
			return nil, nil
		}
		x, err := p.operandExpr()
		if err != nil {
			return nil, err
		}
		args = append(args, x)
	}
	if err := p.moreArgs(&args, max); err != nil {
		return nil, err
	}
	if len(args) < min {
		return nil, errorAt(p.peek(), "expected \",\", found %s", describe(p.peek()))
	}
	return args, nil
}

// moreArgs parses { "," Expr } onto args while they are fewer than max
// (max < 0: no limit).
func (p *exprParser) moreArgs(args *[]Expr, max int) error {
	for isPunct(p.peek(), ",") && (max < 0 || len(*args) < max) {
		if len(*args) > participle.MaxIterations {
			return &syntaxError{pos: p.peek().Pos, msg: tooManyItems}
		}
		p.next()
		x, err := p.operandExpr()
		if err != nil {
			return err
		}
		*args = append(*args, x)
	}
	return nil
}

// callSyntax parses the NAME(ARGS) after spawn, thread or call.
func (p *exprParser) callSyntax(kw string) (*CallExpr, error) {
	name := p.peek()
	if name.Type != tokIdent {
		return nil, errorAt(name, "expected a function call after %s, as in %s f(x), found %s", kw, kw, describe(name))
	}
	p.next()
	if t := p.peek(); !isPunct(t, "(") {
		return nil, errorAt(t, "expected \"(\" after %s %s, found %s", kw, name.Value, describe(t))
	}
	args, err := p.args()
	if err != nil {
		return nil, err
	}
	return &CallExpr{Pos: toPos(name.Pos), Name: name.Value, Args: args}, nil
}

// args parses "(" [ Expr { "," Expr } ] ")".
func (p *exprParser) args() ([]Expr, error) {
	p.next() // "("
	return p.list(")")
}

// list parses [ Expr { "," Expr } ] up to and including the closing
// bracket. Newlines never reach here: the lexer drops them in ( and [.
func (p *exprParser) list(closing string) ([]Expr, error) {
	var out []Expr
	if isPunct(p.peek(), closing) {
		p.next()
		return out, nil
	}
	for {
		x, err := p.operandExpr()
		if err != nil {
			return nil, err
		}
		out = append(out, x)
		t := p.peek()
		switch {
		case isPunct(t, ","):
			p.next()
		case isPunct(t, closing):
			p.next()
			return out, nil
		default:
			return nil, errorAt(t, "expected \",\" or %q, found %s", closing, describe(t))
		}
	}
}

// object parses "{" [ field { "," field } ] "}" where field is
// ident ":" Expr. An object may be written one field a line: the lexer keeps
// newlines inside braces (they end statements in blocks), so they are
// skipped here around fields and commas.
func (p *exprParser) object() ([]*Field, error) {
	p.next() // "{"
	out := []*Field{}
	p.skipNL()
	if isPunct(p.peek(), "}") {
		p.next()
		return out, nil
	}
	for {
		key := p.peek()
		if key.Type != tokIdent {
			return nil, errorAt(key, "expected field name, found %s", describe(key))
		}
		p.next()
		if _, err := p.expect(":"); err != nil {
			return nil, err
		}
		v, err := p.operandExpr()
		if err != nil {
			return nil, err
		}
		out = append(out, &Field{Pos: toPos(key.Pos), Key: key.Value, Value: v})
		p.skipNL()
		t := p.peek()
		switch {
		case isPunct(t, ","):
			p.next()
			p.skipNL()
		case isPunct(t, "}"):
			p.next()
			return out, nil
		default:
			return nil, errorAt(t, "expected \",\" or \"}\", found %s", describe(t))
		}
	}
}

func (p *exprParser) skipNL() {
	for p.peek().Type == tokNL {
		p.next()
	}
}

// startsOperand reports whether t can be the first token of an operand.
func startsOperand(t *lexer.Token) bool {
	switch t.Type {
	case tokIdent, tokInt, tokString:
		return true
	case tokPunct:
		switch t.Value {
		case "(", "[", "{", "-", "!", "&", "*":
			return true
		}
	case tokKeyword:
		switch t.Value {
		case "true", "false", "nil", "spawn", "thread", "fork", "join",
			"wait", "alloc", "recv", "call":
			return true
		}
	}
	return false
}

func isPunct(t *lexer.Token, s string) bool {
	return t.Type == tokPunct && t.Value == s
}
