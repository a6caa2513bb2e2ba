package grammar

import (
	"fmt"
	"io"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// Token types. Every stream ends with lexer.EOF.
const (
	tokNL      lexer.TokenType = iota + 1 // a newline or ";": ends a statement
	tokKeyword                            // a reserved word; never an identifier
	tokIdent
	tokInt    // value is the literal as written; checked by the lexer
	tokString // value is the literal as written, quotes included; escapes checked
	tokPunct
	tokBad // stands in for a lexical error: no grammar rule accepts it
)

// tokenSymbols names the token types for the grammar tags in syntax.go.
var tokenSymbols = map[string]lexer.TokenType{
	"EOF":     lexer.EOF,
	"NL":      tokNL,
	"Keyword": tokKeyword,
	"Ident":   tokIdent,
	"Int":     tokInt,
	"String":  tokString,
	"Punct":   tokPunct,
	"Bad":     tokBad,
}

// keywordList is in the order docs/LANGUAGE.md lists the keywords, which
// the REPL's completion list shows.
var keywordList = [...]string{
	"global", "func", "let", "return", "if", "else", "while", "for", "in",
	"break", "continue", "print", "assert", "show", "config", "spawn", "fork",
	"thread", "join", "wait", "exit", "yield", "sleep", "compute", "io",
	"alloc", "free", "call", "send", "recv", "close", "lock", "unlock",
	"with", "true", "false", "nil",
}

// keywordSet maps each keyword to itself so that keyword tokens share one
// string instead of allocating a copy per occurrence.
var keywordSet = func() map[string]string {
	m := make(map[string]string, len(keywordList))
	for _, k := range keywordList {
		m[k] = k
	}
	return m
}()

// Keywords returns the reserved words of the language, in the order
// docs/LANGUAGE.md lists them. The slice is a copy.
func Keywords() []string {
	return append([]string(nil), keywordList[:]...)
}

// IsKeyword reports whether name is a reserved word, which can never be
// used as a variable, function or field name.
func IsKeyword(name string) bool {
	_, ok := keywordSet[name]
	return ok
}

// twoCharOps are tried before the one-character punctuation so that "<="
// is never read as "<" followed by "=". No valid input had an arithmetic
// operator right before "=", so reading "+=" and the other compound
// assignments as one token changes the meaning of none.
var twoCharOps = [...]string{"..", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "*=", "/=", "%="}

// punctText holds the one-character punctuation, indexed by byte; the
// strings are shared by all tokens.
var punctText = func() [128]string {
	var t [128]string
	for _, c := range "()[]{},:=<>+-*/%!&." {
		t[c] = string(c)
	}
	return t
}()

// scanner turns source bytes into tokens, one at a time: it is the
// lexer.Lexer that participle's token buffer is filled from, so the tokens
// are stored once. It stops at the first lexical error, which it records
// and marks with a tokBad token, so that a syntax error earlier in the
// file is still the one reported.
type scanner struct {
	src  []byte
	text string // src as one string: token values are substrings of it
	file string
	off  int
	line int
	col  int // in runes, 1-based
	// A step scans up to two tokens (a "}" that ends a statement is an NL
	// and the brace). The first goes straight to out, where the caller
	// wants it, the second waits in pending.
	out        *lexer.Token
	emitted    int
	pending    lexer.Token
	hasPending bool
	last       lexer.Token // Type and Value of the last token emitted; Type 0 before the first
	scratch    lexer.Token // for Next
	err        *Error
	deep       bool // err is the nesting limit
	nest       nesting
}

func newScanner(filename string, src []byte) *scanner {
	s := &scanner{
		src:  src,
		text: string(src),
		file: filename,
		line: 1,
		col:  1,
	}
	s.nest.init()
	if strings.HasPrefix(s.text, "\uFEFF") {
		// Editors on some systems start files with a byte order mark.
		s.off, s.col = 3, 2
	}
	return s
}

// scan lexes src completely. The returned slice always ends with an EOF
// token; when err is not nil, the token before EOF is a tokBad at err.Pos.
func scan(filename string, src []byte) ([]lexer.Token, *Error) {
	s := newScanner(filename, src)
	toks := make([]lexer.Token, 0, len(src)/3+16)
	for {
		toks = append(toks, lexer.Token{})
		t := &toks[len(toks)-1]
		s.next(t)
		if t.EOF() {
			return toks, s.err
		}
	}
}

// Next returns the next token; after the EOF token it returns EOF again.
func (s *scanner) Next() (lexer.Token, error) {
	s.next(&s.scratch)
	return s.scratch, nil
}

// next stores the next token in *t, which saves copying tokens (they are
// eight words, two of them pointers) from buffer to buffer.
func (s *scanner) next(t *lexer.Token) {
	if s.hasPending {
		*t = s.pending
		s.hasPending = false
		return
	}
	s.out, s.emitted = t, 0
	for s.emitted == 0 {
		s.step()
	}
	s.out = nil
}

// step scans until it has emitted at least one token or reached the end.
func (s *scanner) step() {
	for s.err == nil && s.off < len(s.src) && s.emitted == 0 {
		c := s.src[s.off]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			s.off++
			s.col++
		case c == '\n':
			if s.nest.newlineEndsStatement() {
				s.emitNL("\n")
			}
			s.off++
			s.line++
			s.col = 1
		case c == '#':
			s.comment()
		case c == ';':
			s.emitNL(";")
			s.off++
			s.col++
		case isLetter(c):
			s.word()
		case isDigit(c):
			s.number()
		case c == '"':
			s.str()
		default:
			s.punct()
		}
	}
	if s.emitted > 0 {
		return
	}
	if s.err == nil && s.last.Type != 0 && s.last.Type != tokNL && s.last.Type != lexer.EOF &&
		s.nest.newlineEndsStatement() {
		// A last line without its newline still ends its statement.
		s.emit(tokNL, "", s.pos())
		return
	}
	s.emit(lexer.EOF, "", s.pos())
}

func (s *scanner) pos() lexer.Position {
	return lexer.Position{Filename: s.file, Offset: s.off, Line: s.line, Column: s.col}
}

// emitNL adds a statement end. Runs of them collapse into one, and none
// starts the file: blank lines and comment lines mean nothing.
func (s *scanner) emitNL(text string) {
	s.nest.lineEnd()
	if s.last.Type == 0 || s.last.Type == tokNL {
		return
	}
	s.emit(tokNL, text, s.pos())
}

func (s *scanner) emit(typ lexer.TokenType, text string, pos lexer.Position) {
	t := lexer.Token{Type: typ, Value: text, Pos: pos}
	if s.emitted == 0 {
		*s.out = t
	} else {
		s.pending, s.hasPending = t, true
	}
	s.emitted++
	s.last.Type, s.last.Value = typ, text
}

// fail records a lexical error at pos and ends the token stream there.
func (s *scanner) fail(pos lexer.Position, format string, args ...any) {
	s.err = &Error{Pos: toPos(pos), Msg: fmt.Sprintf(format, args...)}
	s.emit(tokBad, "", pos)
	// Scanning stops (err is set); EOF follows at the same place.
	s.off, s.line, s.col = pos.Offset, pos.Line, pos.Column
}

// failDeep records that the nesting limit was passed at pos.
func (s *scanner) failDeep(pos lexer.Position) {
	s.fail(pos, "%s", nestingMessage)
	s.deep = true
}

// comment skips a comment up to, not including, the end of its line. The
// bytes are still checked: a NUL or a broken UTF-8 sequence would otherwise
// reach a terminal through an error snippet or a listing.
func (s *scanner) comment() {
	for s.off < len(s.src) {
		c := s.src[s.off]
		if c == '\n' {
			return
		}
		if c == 0 {
			s.fail(s.pos(), "invalid character U+0000")
			return
		}
		if c < utf8.RuneSelf {
			s.off++
			s.col++
			continue
		}
		r, size := utf8.DecodeRune(s.src[s.off:])
		if r == utf8.RuneError && size == 1 {
			s.fail(s.pos(), "invalid UTF-8 byte 0x%02x", c)
			return
		}
		s.off += size
		s.col++
	}
}

// word scans an identifier or a keyword.
func (s *scanner) word() {
	start, pos := s.off, s.pos()
	for s.off < len(s.src) && (isLetter(s.src[s.off]) || isDigit(s.src[s.off])) {
		s.off++
	}
	s.col += s.off - start
	text := s.text[start:s.off]
	if kw, ok := keywordSet[text]; ok {
		if !s.nest.keyword(kw) {
			s.failDeep(pos)
			return
		}
		s.emit(tokKeyword, kw, pos)
		return
	}
	if len(text) > MaxIdent {
		// A name labels rows of tables and lines of the trace: one as
		// long as a file would make every row that long.
		s.fail(pos, "name %s is %d bytes long: a name is at most %d", truncate(text, 20), len(text), MaxIdent)
		return
	}
	s.nest.operand()
	s.emit(tokIdent, text, pos)
}

// MaxIdent is the longest name (of a variable, a function, a field).
const MaxIdent = 255

// number scans an integer literal. It takes every letter, digit and
// underscore that follows, so that "12ab" is one bad literal rather than
// a number followed by a name.
func (s *scanner) number() {
	start, pos := s.off, s.pos()
	for s.off < len(s.src) && (isLetter(s.src[s.off]) || isDigit(s.src[s.off])) {
		s.off++
	}
	s.col += s.off - start
	text := s.text[start:s.off]
	if s.off+1 < len(s.src) && s.src[s.off] == '.' && isDigit(s.src[s.off+1]) {
		end := s.off + 1
		for end < len(s.src) && (isLetter(s.src[end]) || isDigit(s.src[end])) {
			end++
		}
		s.fail(pos, "invalid number %q: only integers are supported", truncate(s.text[start:end], 40))
		return
	}
	v, msg := parseInt(text)
	if msg != "" {
		s.fail(pos, "%s", msg)
		return
	}
	// 1<<63 is let through: it is valid right after a unary minus, which
	// only the parser can see, and rejected by it anywhere else.
	if v > 1<<63 {
		s.fail(pos, "integer literal out of range")
		return
	}
	s.nest.operand()
	s.emit(tokInt, text, pos)
}

// parseInt reads an integer literal: decimal, or hexadecimal after 0x,
// with single underscores between digits. It returns the value, saturated
// at math.MaxUint64, or an error message.
func parseInt(text string) (uint64, string) {
	digits, base := text, uint64(10)
	if len(text) >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X') {
		digits, base = text[2:], 16
	}
	bad := func(why string) (uint64, string) {
		return 0, fmt.Sprintf("invalid integer literal %q%s", truncate(text, 40), why)
	}
	if digits == "" {
		return bad("")
	}
	if base == 10 && len(digits) > 1 && digits[0] == '0' {
		// A C programmer reads 017 as octal; refusing it avoids the doubt.
		return bad(" (leading zeros are not allowed)")
	}
	var v uint64
	afterDigit := false
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c == '_' {
			if !afterDigit {
				return bad(" (\"_\" must separate digits)")
			}
			afterDigit = false
			continue
		}
		d := digitValue(c)
		if d >= base {
			return bad("")
		}
		afterDigit = true
		if v > (math.MaxUint64-d)/base {
			v = math.MaxUint64
		} else {
			v = v*base + d
		}
	}
	if !afterDigit {
		return bad(" (\"_\" must separate digits)")
	}
	return v, ""
}

func digitValue(c byte) uint64 {
	switch {
	case '0' <= c && c <= '9':
		return uint64(c - '0')
	case 'a' <= c && c <= 'f':
		return uint64(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return uint64(c-'A') + 10
	}
	return 99
}

// str scans a string literal. It only checks the escapes; unquote decodes
// them, so the token keeps the literal exactly as written.
func (s *scanner) str() {
	start, pos := s.off, s.pos()
	s.off++
	s.col++
	for {
		if s.off >= len(s.src) || s.src[s.off] == '\n' {
			s.fail(pos, "unterminated string")
			return
		}
		c := s.src[s.off]
		switch {
		case c == '"':
			s.off++
			s.col++
			s.nest.operand()
			s.emit(tokString, s.text[start:s.off], pos)
			return
		case c == '\\':
			esc := s.pos()
			if s.off+1 >= len(s.src) || s.src[s.off+1] == '\n' {
				s.fail(pos, "unterminated string")
				return
			}
			switch s.src[s.off+1] {
			case 'n', 't', '"', '\\':
				s.off += 2
				s.col += 2
			default:
				s.off++
				s.col++
				r, _ := utf8.DecodeRune(s.src[s.off:])
				if !s.checkRune() {
					return
				}
				name := string(r)
				if !unicode.IsPrint(r) {
					name = fmt.Sprintf("U+%04X", r)
				}
				s.fail(esc, "unknown escape \\%s in string (use \\n, \\t, \\\" or \\\\)", name)
				return
			}
		case c == 0:
			s.fail(s.pos(), "invalid character U+0000 in string")
			return
		case c < utf8.RuneSelf:
			s.off++
			s.col++
		default:
			if !s.checkRune() {
				return
			}
			_, size := utf8.DecodeRune(s.src[s.off:])
			s.off += size
			s.col++
		}
	}
}

// unquote decodes a string literal that the lexer has already checked.
func unquote(lit string) string {
	body := lit[1 : len(lit)-1]
	if strings.IndexByte(body, '\\') < 0 {
		return body
	}
	var b strings.Builder
	b.Grow(len(body))
	for i := 0; i < len(body); i++ {
		ch := body[i]
		if ch != '\\' || i+1 == len(body) {
			b.WriteByte(ch)
			continue
		}
		i++
		switch body[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		default: // \" and \\ stand for themselves
			b.WriteByte(body[i])
		}
	}
	return b.String()
}

// checkRune reports whether the bytes at the current offset start a valid
// UTF-8 sequence, failing the scan if not.
func (s *scanner) checkRune() bool {
	if s.src[s.off] < utf8.RuneSelf {
		if s.src[s.off] == 0 {
			s.fail(s.pos(), "invalid character U+0000")
			return false
		}
		return true
	}
	r, size := utf8.DecodeRune(s.src[s.off:])
	if r == utf8.RuneError && size == 1 {
		s.fail(s.pos(), "invalid UTF-8 byte 0x%02x", s.src[s.off])
		return false
	}
	return true
}

// punct scans an operator or a bracket, or reports a character that
// cannot start any token.
func (s *scanner) punct() {
	pos := s.pos()
	if s.off+1 < len(s.src) {
		if op := twoCharOp(s.src[s.off], s.src[s.off+1]); op != "" {
			s.off += 2
			s.col += 2
			s.emit(tokPunct, op, pos)
			return
		}
	}
	c := s.src[s.off]
	if c < utf8.RuneSelf && punctText[c] != "" {
		ok := true
		switch c {
		case '(', '[', '{':
			ok = s.nest.open(c, pos)
		case '}':
			// A statement ends before the brace that closes its block.
			// Object literals accept this NL too.
			if last := s.lastToken(); last != nil && last.Type != tokNL {
				s.nest.lineEnd()
				s.emit(tokNL, "}", pos)
			}
			s.nest.close()
		case ')', ']':
			s.nest.close()
		case '-', '!', '&', '*':
			ok = s.nest.maybePrefix(s.lastToken())
		}
		if !ok {
			s.failDeep(pos)
			return
		}
		s.off++
		s.col++
		s.emit(tokPunct, punctText[c], pos)
		return
	}
	if !s.checkRune() {
		return
	}
	r, _ := utf8.DecodeRune(s.src[s.off:])
	switch {
	case r == '\'':
		s.fail(pos, "invalid character '\\'' (strings are written in double quotes)")
	case r < utf8.RuneSelf && unicode.IsPrint(r):
		s.fail(pos, "invalid character %q", r)
	default:
		s.fail(pos, "invalid character %s", printable(r))
	}
}

// twoCharOp returns the one of twoCharOps written a, b, or "" if none is.
func twoCharOp(a, b byte) string {
	switch {
	case b == '=':
		switch a {
		case '=':
			return "=="
		case '!':
			return "!="
		case '<':
			return "<="
		case '>':
			return ">="
		case '+':
			return "+="
		case '-':
			return "-="
		case '*':
			return "*="
		case '/':
			return "/="
		case '%':
			return "%="
		}
	case a != b:
	case a == '.':
		return ".."
	case a == '&':
		return "&&"
	case a == '|':
		return "||"
	}
	return ""
}

func (s *scanner) lastToken() *lexer.Token {
	if s.last.Type == 0 {
		return nil
	}
	return &s.last
}

// printable names a rune for a message: the rune itself when it prints
// plainly, else its code point.
func printable(r rune) string {
	if r < utf8.RuneSelf && unicode.IsPrint(r) {
		return string(r)
	}
	if unicode.IsPrint(r) && r >= utf8.RuneSelf {
		return fmt.Sprintf("U+%04X '%c'", r, r)
	}
	return fmt.Sprintf("U+%04X", r)
}

func isLetter(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// truncate shortens s to about n bytes for a message, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func toPos(p lexer.Position) Pos {
	return Pos{File: p.Filename, Offset: p.Offset, Line: p.Line, Col: p.Column}
}

// definition adapts the scanner to participle's lexer interface. Parse
// hands participle a scanner directly, but participle needs the token
// symbols, and a definition for completeness.
type definition struct{}

func (definition) Symbols() map[string]lexer.TokenType { return tokenSymbols }

func (definition) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	src, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return newScanner(filename, src), nil
}
