package grammar

import (
	"fmt"
	"strings"
)

// Error is a syntax or name error: a message at a position in a source file.
// Both the parser and the name resolver report errors of this type, so every
// error found before tick 0 prints the same way.
type Error struct {
	Pos Pos
	Msg string
	// AtEOF is set when the parser ran out of input: the text so far may be
	// the start of a longer statement (the REPL then asks for more lines).
	AtEOF bool
}

// Error returns "FILE:LINE:COL: message".
func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.Pos.File, e.Pos.Line, e.Pos.Col, e.Msg)
}

// Snippet returns the error line followed by the source line it points into
// and a caret under its column, each line ending in a newline. Tabs in the
// source line are kept in the padding so the caret lines up in a terminal.
func (e *Error) Snippet(src []byte) string {
	var b strings.Builder
	b.WriteString(e.Error())
	b.WriteByte('\n')
	line, ok := sourceLine(src, e.Pos.Line)
	if !ok {
		return b.String()
	}
	b.WriteString(line)
	b.WriteByte('\n')
	col := e.Pos.Col
	if col < 1 {
		col = 1
	}
	n := 0
	for _, r := range line {
		if n >= col-1 {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
		n++
	}
	for ; n < col-1; n++ {
		b.WriteByte(' ')
	}
	b.WriteString("^\n")
	return b.String()
}

// sourceLine returns line n (1-based) of src without its line ending.
// Invalid UTF-8 and control bytes are shown as "?" so that the snippet
// never writes raw control bytes to a terminal.
func sourceLine(src []byte, n int) (string, bool) {
	if n < 1 {
		return "", false
	}
	lines := strings.Split(string(src), "\n")
	if n > len(lines) {
		return "", false
	}
	line := strings.TrimSuffix(lines[n-1], "\r")
	var b strings.Builder
	for _, r := range line {
		switch {
		case r == '\t':
			b.WriteRune(r)
		case r == 0xFFFD || r < 0x20 || r == 0x7f:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), true
}

// Errorf makes an *Error at pos.
func Errorf(pos Pos, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}
