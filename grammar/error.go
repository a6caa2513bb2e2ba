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

// snippetWidth is how many columns of a source line a snippet shows at
// most. A longer line is cut to that many around the caret, with "..."
// where it goes on: a line of a mebibyte (a long chain of operators is
// valid) would otherwise fill a terminal twice over, with the line and
// then with the padding before the caret.
const snippetWidth = 160

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
	col := max(e.Pos.Col, 1) - 1 // the caret's column, from 0
	before, after := "", ""
	if runes := []rune(line); len(runes) > snippetWidth {
		start := min(max(col-snippetWidth/2, 0), len(runes)-snippetWidth)
		end := start + snippetWidth
		if start > 0 {
			before = "..."
		}
		if end < len(runes) {
			after = "..."
		}
		line = string(runes[start:end])
		col -= start
	}
	b.WriteString(before + line + after)
	b.WriteByte('\n')
	b.WriteString(strings.Repeat(" ", len(before)))
	n := 0
	for _, r := range line {
		if n >= col {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
		n++
	}
	for ; n < col; n++ {
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
