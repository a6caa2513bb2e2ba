package grammar

import (
	"fmt"
	"sync"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// parserSet holds the participle parsers of the grammar. Participle cannot
// see through a custom parse function, so each kind of line, reached
// through parseItem, has a parser of its own. All are built from one set of
// options, so they are one grammar.
type parserSet struct {
	script *participle.Parser[script]
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
		participle.ParseTypeWith(parseItem),
		participle.ParseTypeWith(parseExpr),
		participle.ParseTypeWith(parseCond),
		// No lookahead past the first token of a branch: a branch that has
		// consumed a token is committed, so an error is reported where the
		// input goes wrong rather than where participle backtracked to.
		// The grammar is LL(1), so nothing needs more.
		participle.UseLookahead(0),
	}
	ps := &parserSet{
		script:   participle.MustBuild[script](opts...),
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
		v, err := p.ParseFromLexer(lex, allowTrailing)
		if err != nil {
			return nil, err
		}
		return PT(v), nil
	}
}

// allowTrailing lets a production's parser stop where the production ends.
var allowTrailing = participle.AllowTrailing(true)

// parseItem is participle's parser for itemNode fields: it picks the kind
// of line from its first token.
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
	// Upgrade reads every token before participle starts, so nesting is
	// checked before participle can recurse.
	peek, uerr := lexer.Upgrade(sc)
	if uerr != nil {
		return nil, &Error{Pos: Pos{File: filename, Line: 1, Col: 1}, Msg: uerr.Error()}
	}
	lexErr := sc.err
	if sc.deep {
		return nil, lexErr
	}
	cst, perr := parsers().script.ParseFromLexer(peek)
	if perr != nil {
		e := translate(perr, filename)
		// The token stream stops at a lexical error; a syntax error before
		// it is reported first, as it comes first in the file.
		if lexErr != nil && e.Pos.Offset >= lexErr.Pos.Offset {
			return nil, lexErr
		}
		if u := sc.nest.unclosed(); lexErr == nil && u != nil && u.pos.Line < e.Pos.Line {
			e.Msg += fmt.Sprintf(" (%q at line %d is never closed)", string(u.open), u.pos.Line)
		}
		return nil, e
	}
	if lexErr != nil {
		return nil, lexErr
	}
	c := converter{src: src}
	s = c.script(filename, cst)
	if c.err != nil {
		return nil, c.err
	}
	return s, nil
}
