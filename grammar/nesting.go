package grammar

import (
	"fmt"

	"github.com/alecthomas/participle/v2/lexer"
)

// maxNesting bounds how deeply constructs may nest. Participle and the
// expression parser recurse on the Go stack without a limit, and a Go stack
// overflow is fatal rather than a recoverable panic, so deep input is
// refused before parsing starts. Later passes over the AST recurse too and
// are protected by the same bound. No hand-written script comes near it.
//
// Chains are not nesting, however long: the operators of a precedence
// level (a + b + c), postfix indexes and fields (a[0][1].x) and the arms
// of an else-if chain are flat in the source, and the parser reads each
// chain in a loop. The AST nests them all the same, to the left
// (BinaryExpr.X, IndexExpr.X, FieldExpr.X) and down IfStmt.Else, as deep
// as the chain is long, so a pass over the AST must walk along those
// links in a loop (see Format). It may recurse through any other link:
// the depth along those stays within a small multiple of the levels
// counted here, since on a path from the root each right operand binds
// tighter than the operator above it.
const maxNesting = 200

var nestingMessage = fmt.Sprintf("nesting too deep (more than %d levels)", maxNesting)

// nesting estimates, token by token, how deep the parser will have to
// recurse, and keeps the stack of open brackets, which also decides
// whether a newline ends a statement. The estimate errs on the deep side:
// it counts every open bracket, every prefix operator still waiting for its
// operand, and every join/wait/alloc/recv whose expression may still go
// on (they take a whole expression, so `alloc 1 + alloc 1 + ...` nests).
type nesting struct {
	levels []nestLevel // levels[0] is the file itself and is never closed
	depth  int
}

// nestLevel is what is pending inside one bracket.
type nestLevel struct {
	open    byte           // '(', '[' or '{'; 0 for the file
	pos     lexer.Position // of the opening bracket
	prefix  int            // - ! & * waiting for their operand
	keyword int            // join, wait, alloc, recv whose expression has not ended
}

func (n *nesting) init() {
	n.levels = append(n.levels[:0], nestLevel{})
}

func (n *nesting) top() *nestLevel { return &n.levels[len(n.levels)-1] }

// newlineEndsStatement reports whether a newline here ends a statement:
// inside parentheses and square brackets it does not, so long argument
// lists and arrays may span lines. Inside braces it does (blocks), and
// object literals allow newlines between their fields.
func (n *nesting) newlineEndsStatement() bool {
	o := n.top().open
	return o != '(' && o != '['
}

// add grows the depth and reports whether it is still within the limit.
func (n *nesting) add() bool {
	n.depth++
	return n.depth <= maxNesting
}

func (n *nesting) open(c byte, pos lexer.Position) bool {
	n.levels = append(n.levels, nestLevel{open: c, pos: pos})
	return n.add()
}

// close ends the innermost bracket. Mismatched brackets are the parser's
// to report; here any closer ends the innermost level.
func (n *nesting) close() {
	if len(n.levels) == 1 {
		return
	}
	t := n.top()
	n.depth -= 1 + t.prefix + t.keyword
	n.levels = n.levels[:len(n.levels)-1]
	// What was in brackets is the operand of any prefix operator before it.
	n.operand()
}

// operand notes a token that completes an operand.
func (n *nesting) operand() {
	t := n.top()
	n.depth -= t.prefix
	t.prefix = 0
}

// lineEnd notes the end of a statement at the current level.
func (n *nesting) lineEnd() {
	t := n.top()
	n.depth -= t.prefix + t.keyword
	t.prefix, t.keyword = 0, 0
}

// maybePrefix notes one of - ! & *, which is a prefix operator unless it
// follows the end of an operand.
func (n *nesting) maybePrefix(prev *lexer.Token) bool {
	if endsOperand(prev) {
		return true
	}
	n.top().prefix++
	return n.add()
}

// keyword notes a keyword token.
func (n *nesting) keyword(kw string) bool {
	switch kw {
	case "true", "false", "nil", "fork":
		n.operand()
	case "join", "wait", "alloc", "recv":
		n.top().keyword++
		return n.add()
	}
	return true
}

// unclosed returns the innermost parenthesis or square bracket still open,
// or nil. Newlines do not end statements inside them, so when one is never
// closed the parser runs on into the next lines, and its error is clearer
// with a pointer back to the bracket.
func (n *nesting) unclosed() *nestLevel {
	for i := len(n.levels) - 1; i > 0; i-- {
		if o := n.levels[i].open; o == '(' || o == '[' {
			return &n.levels[i]
		}
	}
	return nil
}

// endsOperand reports whether t can be the last token of an operand, so
// that a following - or * is a binary operator.
func endsOperand(t *lexer.Token) bool {
	if t == nil {
		return false
	}
	switch t.Type {
	case tokIdent, tokInt, tokString:
		return true
	case tokPunct:
		return t.Value == ")" || t.Value == "]" || t.Value == "}"
	case tokKeyword:
		switch t.Value {
		case "true", "false", "nil", "fork":
			return true
		}
	}
	return false
}
