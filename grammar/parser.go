package grammar

import (
	"fmt"
	"slices"
	"sync"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// parserSet holds the participle parsers of the grammar. The lines of a
// file and of a block are read by parseItems, which picks the production
// of each line from its first token, so each kind of line has a parser of
// its own. All are built from one set of options, so they are one grammar.
type parserSet struct {
	// items picks the production of a line from its first keyword, where
	// a participle union would try every member in turn.
	items    map[string]func(*lexer.PeekingLexer) (itemNode, error)
	exprItem func(*lexer.PeekingLexer) (itemNode, error)
}

var (
	parsersOnce sync.Once
	parserCache *parserSet
)

// parsers returns the parsers, building them on first use. Building walks
// the grammar by reflection, which is worth doing once, not per file;
// commands that never parse do not pay for it.
func parsers() *parserSet {
	parsersOnce.Do(func() { parserCache = buildParsers() })
	return parserCache
}

func buildParsers() *parserSet {
	opts := []participle.Option{
		participle.Lexer(definition{}),
		// No lookahead past the first token of a branch: a branch that has
		// consumed a token is committed, so an error is reported where the
		// input goes wrong rather than where participle backtracked to.
		// The grammar is LL(1), so nothing needs more.
		participle.UseLookahead(0),
	}
	ps := &parserSet{
		items:    map[string]func(*lexer.PeekingLexer) (itemNode, error){},
		exprItem: production[exprStmt](opts),
	}
	add := func(p func(*lexer.PeekingLexer) (itemNode, error), keywords ...string) {
		for _, kw := range keywords {
			ps.items[kw] = p
		}
	}
	add(production[letStmt](opts), "let")
	add(production[ifStmt](opts), "if")
	add(production[whileStmt](opts), "while")
	add(production[forStmt](opts), "for")
	add(production[branchStmt](opts), "break", "continue")
	add(production[returnStmt](opts), "return")
	add(production[printStmt](opts), "print")
	add(production[assertStmt](opts), "assert")
	add(production[showStmt](opts), "show")
	add(production[freeStmt](opts), "free")
	add(production[sendStmt](opts), "send")
	add(production[closeStmt](opts), "close")
	add(production[lockStmt](opts), "lock", "unlock")
	add(production[exitStmt](opts), "exit")
	add(production[yieldStmt](opts), "yield")
	add(production[timeStmt](opts), "sleep", "compute", "io")
	add(production[strayElse](opts), "else")
	add(production[funcDecl](opts), "func")
	add(production[globalDecl](opts), "global")
	add(production[configDecl](opts), "config")
	return ps
}

// production builds a parser for the line production T and returns it as
// a parse function.
func production[T any, PT interface {
	*T
	itemNode
}](opts []participle.Option) func(*lexer.PeekingLexer) (itemNode, error) {
	p := participle.MustBuild[T](opts...)
	return func(lex *lexer.PeekingLexer) (itemNode, error) {
		first, start := lex.Peek(), lex.RawCursor()
		v, err := p.ParseFromLexer(lex, allowTrailing)
		if err != nil {
			return nil, err
		}
		it := PT(v)
		it.start(first)
		if e, ok := any(it).(*exprStmt); ok {
			e.tokens = lex.Range(start, lex.RawCursor())
		}
		return it, nil
	}
}

// allowTrailing lets a production's parser stop where the production ends.
var allowTrailing = participle.AllowTrailing(true)

// parseItem parses one line: it picks the production from the first token.
// It returns participle.NextMatch, having read nothing, when no line starts
// there.
func parseItem(lex *lexer.PeekingLexer) (itemNode, error) {
	t := lex.Peek()
	ps := parsers()
	if t.Type == tokKeyword {
		if p, ok := ps.items[t.Value]; ok {
			return p(lex)
		}
	}
	if startsOperand(t) {
		return ps.exprItem(lex)
	}
	return nil, participle.NextMatch
}

// parseItems parses { item NL }, the lines of a block or of the file, and
// appends them to items. It stops before the first token that starts no
// line. A line that fails before reading a token counts as no line, and a
// line that fails after one is the error, as in participle's ( @@ NL )*
// with no lookahead, which this loop stands for: participle would go
// through a branch, a capture and a reflective call per line.
func parseItems(lex *lexer.PeekingLexer, items *[]itemNode) error {
	for n := 0; ; n++ {
		if n == participle.MaxIterations {
			return &syntaxError{pos: lex.Peek().Pos, msg: tooManyItems}
		}
		start := lex.MakeCheckpoint()
		it, err := parseItem(lex)
		if err != nil {
			if err == participle.NextMatch || lex.Cursor() == start.Cursor() {
				lex.LoadCheckpoint(start)
				return nil
			}
			return err
		}
		*items = append(*items, it)
		if t := lex.Peek(); t.Type != tokNL {
			if e := callHint(lex, it); e != nil {
				return e
			}
			return unexpected(t, "<nl>")
		}
		lex.Next()
	}
}

// callStatements are builtins (of interp) called for what they do to a
// semaphore or a condition variable, next to the keyword statements lock
// and unlock: written as those are, down s, they get a hint. The list is
// short so that the hint is never a guess: in int x, int is no function.
var callStatements = map[string]bool{"down": true, "up": true, "signal": true, "broadcast": true, "cwait": true}

// callHint is the error for a line such as down s, a call without its
// parentheses, or nil when it is not one: it is item it, and lex is at
// the token after it.
func callHint(lex *lexer.PeekingLexer, it itemNode) *syntaxError {
	s, ok := it.(*exprStmt)
	if !ok || s.Value.Op != nil {
		return nil
	}
	id, ok := s.X.X.(*Ident)
	t := lex.Peek()
	if !ok || !callStatements[id.Name] || !startsOperand(t) {
		return nil
	}
	args := "..."
	cp := lex.MakeCheckpoint()
	lex.Next()
	if end := lex.Peek(); (t.Type == tokIdent || t.Type == tokInt) && (end.Type == tokNL || end.EOF()) {
		args = t.Value
	}
	lex.LoadCheckpoint(cp)
	return errorAt(t, "%s is called as a function: write %s(%s)", id.Name, id.Name, args)
}

// unexpected is the error for token t where term, a term of participle's
// expectations, was expected; term "" expects nothing in particular.
func unexpected(t *lexer.Token, term string) *syntaxError {
	return &syntaxError{pos: t.Pos, msg: unexpectedMessage(t, term), atEOF: t.EOF()}
}

// Parse parses a block: participle reaches it through the Parseable
// interface. It declines (NextMatch) when no "{" starts here, so that
// participle reports the block as what it expected.
func (b *block) Parse(lex *lexer.PeekingLexer) error {
	t := lex.Peek()
	if !isPunct(t, "{") {
		return participle.NextMatch
	}
	b.Open = lex.Next()
	if lex.Peek().Type == tokNL {
		lex.Next()
	}
	if err := parseItems(lex, &b.Items); err != nil {
		return err
	}
	if t := lex.Peek(); !isPunct(t, "}") {
		if t.EOF() {
			// The end of the file is rarely where the brace is missing:
			// point at the brace that is still open, the innermost one
			// (an inner block stops first).
			return &syntaxError{pos: b.Open.Pos, msg: `unexpected end of input: this "{" is never closed`, atEOF: true}
		}
		return unexpected(t, "BlockEnd")
	}
	b.Close = lex.Next()
	return nil
}

// Parse parses a name, or declines (NextMatch) so that participle reports
// the name as what it expected.
func (n *identTok) Parse(lex *lexer.PeekingLexer) error {
	t := lex.Peek()
	if t.Type != tokIdent {
		return participle.NextMatch
	}
	n.Token = lex.Next()
	return nil
}

// Parse parses name "in" Expr ".." Expr.
func (h *forHead) Parse(lex *lexer.PeekingLexer) error {
	if h.Var.Parse(lex) != nil {
		return unexpected(lex.Peek(), "identTok")
	}
	if t := lex.Peek(); t.Type != tokKeyword || t.Value != "in" {
		return unexpected(t, `"in"`)
	}
	lex.Next()
	var err error
	if h.From, err = rangeBound(lex); err != nil {
		return err
	}
	if t := lex.Peek(); !isPunct(t, "..") {
		if call, ok := h.From.(*CallExpr); ok && call.Name == "range" {
			return rangeHint(h.Var.Value, call)
		}
		return unexpected(t, `".."`)
	}
	lex.Next()
	h.To, err = rangeBound(lex)
	return err
}

// rangeBound parses a bound of a for loop's range.
func rangeBound(lex *lexer.PeekingLexer) (Expr, error) {
	if t := lex.Peek(); !startsOperand(t) {
		return nil, unexpected(t, "exprField")
	}
	p := exprParser{lex: lex}
	return p.expr()
}

// rangeHint is the error for for NAME in range(...): the loop with a
// range a..b that counts the same.
func rangeHint(name string, call *CallExpr) *syntaxError {
	pos := lexer.Position{Filename: call.Pos.File, Offset: call.Pos.Offset, Line: call.Pos.Line, Column: call.Pos.Col}
	var from, to string
	switch len(call.Args) {
	case 1:
		from, to = "0", Format(call.Args[0])
	case 2:
		from, to = Format(call.Args[0]), Format(call.Args[1])
	default:
		return &syntaxError{pos: pos, msg: "a for loop counts up by one over a range a..b: for another step, use a while loop"}
	}
	return &syntaxError{pos: pos, msg: fmt.Sprintf("a for loop counts over a range a..b: write for %s in %s..%s", name, from, to)}
}

// Parse parses ( name ( "," name )* )? : it matches nothing when no name
// starts here.
func (l *paramList) Parse(lex *lexer.PeekingLexer) error {
	if lex.Peek().Type != tokIdent {
		return nil
	}
	var err error
	l.List, err = parseNames(lex, participle.MaxIterations)
	return err
}

// Parse parses name ( "," name )? .
func (l *letNames) Parse(lex *lexer.PeekingLexer) error {
	if lex.Peek().Type != tokIdent {
		return participle.NextMatch
	}
	var err error
	l.List, err = parseNames(lex, 1)
	return err
}

// parseNames parses name ( "," name )*, with at most max repetitions of
// the group, from a name. As participle would, it reports a missing name
// after a comma and, after max repetitions, stops (max 1, for "?") or
// reports too many (participle's limit for "*").
func parseNames(lex *lexer.PeekingLexer, max int) ([]identTok, error) {
	var names []identTok
	for n := 0; ; n++ {
		names = append(names, identTok{lex.Next()})
		if n == max {
			if max == participle.MaxIterations {
				return nil, &syntaxError{pos: lex.Peek().Pos, msg: tooManyItems}
			}
			return names, nil
		}
		if !isPunct(lex.Peek(), ",") {
			return names, nil
		}
		lex.Next()
		if t := lex.Peek(); t.Type != tokIdent {
			return nil, unexpected(t, "identTok")
		}
	}
}

func (t *assignTail) Parse(lex *lexer.PeekingLexer) (err error) {
	t.X, err = parseTail(lex, "=")
	return err
}

// keywordArgs parses the arguments of the keyword kw at lex.
func keywordArgs(lex *lexer.PeekingLexer, kw string, min, max int) ([]Expr, error) {
	p := exprParser{lex: lex}
	return p.keywordArgs(kw, min, max)
}

func (a *printArgs) Parse(lex *lexer.PeekingLexer) (err error) {
	a.List, err = keywordArgs(lex, "print", 1, -1)
	return err
}

func (a *assertArgs) Parse(lex *lexer.PeekingLexer) (err error) {
	a.List, err = keywordArgs(lex, "assert", 1, 2)
	return err
}

func (a *sendArgs) Parse(lex *lexer.PeekingLexer) (err error) {
	a.List, err = keywordArgs(lex, "send", 2, 3)
	return err
}

func (a *optArg) Parse(lex *lexer.PeekingLexer) (err error) {
	a.List, err = keywordArgs(lex, "", 0, 1)
	return err
}

// first is the argument, or nil when there is none.
func (a *optArg) first() Expr {
	if len(a.List) == 0 {
		return nil
	}
	return a.List[0]
}

func (a *noArgs) Parse(lex *lexer.PeekingLexer) error {
	_, err := keywordArgs(lex, "yield", 0, 0)
	return err
}

func (v *assignValue) Parse(lex *lexer.PeekingLexer) (err error) {
	if t := lex.Peek(); isPunct(t, "=") || compoundAssign(t) != "" {
		v.Op = t
		v.X, err = parseTail(lex, t.Value)
	}
	return err
}

// compoundAssign returns the operator of a compound assignment token
// ("+" for "+="), or "".
func compoundAssign(t *lexer.Token) string {
	if t.Type != tokPunct {
		return ""
	}
	switch t.Value {
	case "+=", "-=", "*=", "/=", "%=":
		return t.Value[:1]
	}
	return ""
}

// parseTail parses ( punct Expr )? ; the expression is nil when there is
// no punct.
func parseTail(lex *lexer.PeekingLexer, punct string) (Expr, error) {
	if t := lex.Peek(); punct == "=" && compoundAssign(t) != "" {
		// let x += 1: a new name has no value to start from.
		return nil, unexpected(t, `"="`)
	}
	if !isPunct(lex.Peek(), punct) {
		return nil, nil
	}
	lex.Next()
	if t := lex.Peek(); !startsOperand(t) {
		return nil, unexpected(t, "exprField")
	}
	p := exprParser{lex: lex}
	return p.expr()
}

// Parse parses the source text of one .proc file. filename is used in
// positions only; the file is not read. The error, if any, is an *Error
// for the first problem found.
func Parse(filename string, src []byte) (s *Script, err error) {
	defer func() {
		// A panic here is a bug in this package, but a caller feeding it
		// arbitrary input (the REPL, a grader) should get an error value
		// rather than lose its process.
		if r := recover(); r != nil {
			s, err = nil, &Error{Pos: Pos{File: filename, Line: 1, Col: 1}, Msg: fmt.Sprintf("internal parser error: %v", r)}
		}
	}()
	sc := newScanner(filename, src)
	// The file is parsed one top-level line at a time (a declaration, or a
	// statement with all its blocks), each from a token buffer that is
	// refilled for the next line. One buffer for the whole file would be
	// regrown token by token and rescanned by the garbage collector while
	// it grows. The buffer is filled with the whole line before participle
	// starts on it, so nesting is checked before participle can recurse.
	// Each line is converted as soon as it is parsed, so that its syntax
	// structs and its token buffer are garbage while the rest of the file
	// is parsed. A syntax error later in the file is still the one
	// reported: the converter's errors are returned only at the end.
	c := converter{src: src}
	s = c.begin(filename)
	var items []itemNode
	lines := &lineLexer{sc: sc}
	buf := newTokenBuffer(256)
	for !lines.eof {
		lines.done = false
		peek, uerr := buf.fill(lines)
		if uerr != nil {
			return nil, &Error{Pos: Pos{File: filename, Line: 1, Col: 1}, Msg: uerr.Error()}
		}
		if sc.deep {
			return nil, sc.err
		}
		items = items[:0]
		perr := parseItems(peek, &items)
		if perr == nil && !peek.Peek().EOF() {
			perr = unexpected(peek.Peek(), "")
		}
		if perr != nil {
			// Read the rest of the file, so that a lexical error or an
			// unclosed bracket anywhere in it is known, as it would be
			// had the file been read in one go.
			lines.drain()
			if sc.deep {
				return nil, sc.err
			}
			e := translate(perr, filename)
			// The token stream stops at a lexical error; a syntax error
			// before it is reported first, as it comes first in the file.
			if sc.err != nil && e.Pos.Offset >= sc.err.Pos.Offset {
				return nil, sc.err
			}
			if u := sc.nest.unclosed(); sc.err == nil && u != nil && u.pos.Line < e.Pos.Line {
				e.Msg += fmt.Sprintf(" (%q at line %d is never closed)", string(u.open), u.pos.Line)
			}
			return nil, e
		}
		for _, it := range items {
			c.item(it)
		}
	}
	if sc.err != nil {
		return nil, sc.err
	}
	if c.err != nil {
		return nil, c.err
	}
	return s, nil
}

// lineLexer hands participle the tokens of one top-level line of the
// file at a time: everything up to and including the statement end that
// closes it outside any bracket, then an EOF. After the file's real EOF
// it sets eof.
type lineLexer struct {
	sc    *scanner
	depth int  // brackets open: the scanner's count, which never goes below the file
	done  bool // the line has ended; Next returns EOF until done is reset
	end   lexer.Position
	eof   bool
	// scratch receives the token for Next: a token passed to the scanner
	// by address would otherwise be allocated.
	scratch lexer.Token
}

func (l *lineLexer) Next() (lexer.Token, error) {
	l.next(&l.scratch)
	return l.scratch, nil
}

// next stores the next token in *t.
func (l *lineLexer) next(t *lexer.Token) {
	if l.done {
		*t = lexer.Token{Type: lexer.EOF, Pos: l.end}
		return
	}
	l.sc.next(t)
	switch t.Type {
	case lexer.EOF:
		l.done, l.eof = true, true
	case tokNL:
		if l.depth == 0 {
			l.done = true
			l.end = t.Pos
		}
	case tokPunct:
		switch t.Value {
		case "(", "[", "{":
			l.depth++
		case ")", "]", "}":
			if l.depth > 0 {
				l.depth--
			}
		}
	}
}

// lexMark is the state of a lineLexer and its scanner at a token, to
// read what follows twice.
type lexMark struct {
	l      lineLexer
	sc     scanner
	levels []nestLevel // the scanner's, which it changes in place
}

func (l *lineLexer) mark() lexMark {
	return lexMark{l: *l, sc: *l.sc, levels: slices.Clone(l.sc.nest.levels)}
}

// reset goes back to m, which it uses up.
func (l *lineLexer) reset(m lexMark) {
	sc := l.sc
	*sc = m.sc
	sc.nest.levels = m.levels
	*l = m.l
	l.sc = sc
}

// rest counts the tokens left in the line, its EOF included, and goes
// back to where it started.
func (l *lineLexer) rest() int {
	m := l.mark()
	n := 0
	for {
		l.next(&l.scratch)
		n++
		if l.scratch.EOF() {
			break
		}
	}
	l.reset(m)
	return n
}

// drain reads the rest of the file.
func (l *lineLexer) drain() {
	for !l.eof {
		l.done = false
		l.Next()
	}
}

// tokenBuffer is a participle token buffer that is refilled line after
// line. Participle builds a PeekingLexer only with lexer.Upgrade, which
// appends the tokens one at a time to a slice of its own; for every line
// that would allocate, in steps, about three times the line's tokens,
// which was a third of all the memory a parse allocated. Range returns
// that slice itself (not a copy), so a buffer built once can be written
// through it and rewound to its start with a checkpoint. newTokenBuffer
// checks that this holds; when it does not, fill falls back to Upgrade.
type tokenBuffer struct {
	peek  *lexer.PeekingLexer // nil: Upgrade each line
	toks  []lexer.Token       // the tokens of peek, written in place
	start lexer.Checkpoint
}

// newTokenBuffer returns a buffer with room for n tokens and the EOF.
func newTokenBuffer(n int) *tokenBuffer {
	peek, err := lexer.Upgrade(&placeholders{n: n})
	if err != nil {
		return &tokenBuffer{}
	}
	b := &tokenBuffer{peek: peek, start: peek.MakeCheckpoint()}
	b.toks = peek.Range(0, lexer.RawCursor(n+1))
	b.toks[0].Value = "probe"
	if len(b.toks) != n+1 || peek.Peek() != &b.toks[0] || peek.Peek().Value != "probe" {
		return &tokenBuffer{}
	}
	return b
}

// fill reads the next line of l into the buffer and returns the buffer's
// lexer at the line's first token. The lexer is valid until the next fill.
//
// A line that does not fit is counted to its end first, and the buffer
// grows once, to its size (at least double, so that lines growing a
// little each do not rebuild it each time). Every token of a new buffer
// costs participle about five, as Upgrade appends them one at a time;
// doubling until the line fit cost twice that again, which for a line of
// a mebibyte was most of what its parse allocated.
func (b *tokenBuffer) fill(l *lineLexer) (*lexer.PeekingLexer, error) {
	if b.peek == nil {
		return lexer.Upgrade(l)
	}
	for n := 0; ; n++ {
		if n == len(b.toks) {
			bigger := newTokenBuffer(max(n+l.rest(), 2*n) - 1)
			if bigger.peek == nil {
				return nil, fmt.Errorf("cannot grow the token buffer")
			}
			copy(bigger.toks, b.toks)
			*b = *bigger
		}
		t := &b.toks[n]
		l.next(t)
		if t.EOF() {
			break
		}
	}
	b.peek.LoadCheckpoint(b.start)
	return b.peek, nil
}

// placeholders is a lexer of n empty tokens and an EOF, which Upgrade turns
// into a buffer of that size.
type placeholders struct{ n int }

func (p *placeholders) Next() (lexer.Token, error) {
	if p.n == 0 {
		return lexer.Token{Type: lexer.EOF}, nil
	}
	p.n--
	return lexer.Token{Type: tokBad}, nil
}
