package grammar

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// translate turns an error from participle into an *Error worded for a
// student. Participle reports what it expected as a piece of EBNF naming
// the structs of syntax.go; only its first term matters, and expectations
// maps it to words.
func translate(err error, filename string) *Error {
	var se *syntaxError
	if errors.As(err, &se) {
		return &Error{Pos: toPos(se.pos), Msg: se.msg, AtEOF: se.atEOF}
	}
	var ute *participle.UnexpectedTokenError
	if errors.As(err, &ute) {
		tok := ute.Unexpected
		return &Error{
			Pos:   toPos(tok.Pos),
			Msg:   unexpectedMessage(&tok, expectedTerm(ute.Message(), &tok)),
			AtEOF: tok.EOF(),
		}
	}
	var pe participle.Error
	if errors.As(err, &pe) {
		msg := pe.Message()
		if strings.HasPrefix(msg, "too many iterations") {
			msg = tooManyItems
		}
		return &Error{Pos: toPos(pe.Position()), Msg: msg}
	}
	return &Error{Pos: Pos{File: filename, Line: 1, Col: 1}, Msg: err.Error()}
}

// tooManyItems is the message for participle's limit on repetitions.
var tooManyItems = fmt.Sprintf("too many items in one list or block (more than %d)", participle.MaxIterations)

// expectations words the first term of participle's expectation. A term
// missing here yields a plain "unexpected X".
var expectations = map[string]string{
	"exprField": "expression",
	"condField": "condition",
	"identTok":  "name",
	"letNames":  "name",
	"<ident>":   "name",
	"block":     `"{"`,
	"ShowWhat":  "what to show",
	"ElseIf":    `"if" or "{" after else`,
}

// unexpectedMessage builds the message for token t where term (the first
// term of participle's expectation, or "") was expected.
func unexpectedMessage(t *lexer.Token, term string) string {
	found := describe(t)
	switch {
	case term == "<nl>":
		return fmt.Sprintf("unexpected %s at end of statement", found)
	case term == "BlockEnd":
		return "unexpected " + found
	case strings.HasPrefix(term, `"`):
		return fmt.Sprintf("expected %s, found %s", term, found)
	}
	if words, ok := expectations[term]; ok {
		return fmt.Sprintf("expected %s, found %s", words, found)
	}
	return "unexpected " + found
}

// expectedTerm extracts the first term of the "(expected ...)" part of a
// participle message about token t: a quoted literal, a <token> reference
// or a production name.
func expectedTerm(msg string, t *lexer.Token) string {
	prefix := fmt.Sprintf("unexpected token %q (expected ", t.String())
	if !strings.HasPrefix(msg, prefix) {
		return ""
	}
	// The first term may sit inside groups: "(A | B)*" starts with A.
	ebnf := strings.TrimLeft(strings.TrimSuffix(msg[len(prefix):], ")"), " (")
	switch {
	case strings.HasPrefix(ebnf, `"`):
		lit, err := strconv.QuotedPrefix(ebnf)
		if err != nil {
			return ""
		}
		return lit
	case strings.HasPrefix(ebnf, "<"):
		if i := strings.IndexByte(ebnf, '>'); i > 0 {
			return ebnf[:i+1]
		}
		return ""
	}
	end := 0
	for end < len(ebnf) && (isLetter(ebnf[end]) || isDigit(ebnf[end])) {
		end++
	}
	return ebnf[:end]
}

// syntaxError is an error raised by the expression parser, shaped as a
// participle error so that participle passes it through unchanged.
type syntaxError struct {
	pos   lexer.Position
	msg   string
	atEOF bool
}

func (e *syntaxError) Error() string            { return e.pos.String() + ": " + e.msg }
func (e *syntaxError) Message() string          { return e.msg }
func (e *syntaxError) Position() lexer.Position { return e.pos }

// errorAt makes a syntaxError at token t.
func errorAt(t *lexer.Token, format string, args ...any) *syntaxError {
	return &syntaxError{pos: t.Pos, msg: fmt.Sprintf(format, args...), atEOF: t.EOF()}
}

// describe names a token for a message, the way a student sees it in the
// source.
func describe(t *lexer.Token) string {
	switch t.Type {
	case lexer.EOF:
		return "end of input"
	case tokNL:
		if t.Value == ";" || t.Value == "}" {
			// "}" marks the statement end the lexer adds before a brace.
			return strconv.Quote(t.Value)
		}
		return "end of line"
	case tokKeyword:
		return fmt.Sprintf("keyword %q", t.Value)
	case tokString:
		return "string " + truncate(t.Value, 30)
	case tokBad:
		return "invalid input"
	}
	return fmt.Sprintf("%q", truncate(t.Value, 30))
}
