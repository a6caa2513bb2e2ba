package grammar

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// FormatSource returns src in the one canonical layout of .proc files,
// the layout `proc fmt` writes. src must parse, and its header (see
// Header) must be readable; when it is not, the error is Parse's or
// ParseHeader's and nothing is returned. A header line written the wrong
// way, such as "  # args:", is refused rather than formatted, since
// taking its indentation away would make it a header line that works.
//
// The formatter works on the token stream, not on the AST: it writes the
// tokens of src in their order, each spelled exactly as written (number
// bases, underscores, string escapes, the call form of a keyword such as
// send(w, "x")), and chooses only the white space between them and where
// lines break. It never adds or removes a token other than a statement
// end, so the AST of the output is the AST of the input (FormatSource's
// tests check that on every script of the repository and by fuzzing). The
// AST's structure is read from the tokens the way the parser reads it: a
// "{" is a block after the end of an operand or after else, an object
// literal anywhere else; a "-" or "*" is binary after the end of an
// operand, a prefix operator anywhere else.
//
// The layout:
//
//   - one statement a line, indented four spaces a block; a statement
//     end written ";" becomes a line break;
//   - "{" on the line of its statement, "}" on a line of its own, or
//     before else; a block written on one line (its braces on one line)
//     stays on one line, as in if i == 0 { return f0 }, with its
//     statements separated by "; ", and an empty block is {};
//   - one space around binary operators, =, the compound assignments and
//     the keywords, after a comma and a colon, and none inside
//     parentheses and brackets, around "." and "..", after a prefix
//     operator, before a call's "(" or an index's "[";
//   - an object literal whose first field starts a new line is written
//     one field a line, otherwise on one line: {name: "t", priority: 2};
//   - a keyword is followed directly by "(" when the parentheses hold all
//     its arguments (send(w, "x"), fork(), sleep(5)) and by a space when
//     they open an expression that goes on after them (print (a + b) * 2);
//   - everything else inside parentheses and brackets goes on one line,
//     whatever its length: long lines are not wrapped;
//   - comments stay where they are: a comment on a line of its own stays
//     on a line of its own, indented as the code around it; a comment at
//     the end of a line stays at the end of that line, at the column it
//     was written at relative to the first token of its line when the
//     code leaves room, else one space after the code. A comment inside
//     parentheses breaks the line after it;
//   - blank lines between statements, declarations and comments are
//     kept, a run of them as one; none is kept after a "{" or before a
//     "}", or at the start of the file;
//   - no trailing white space, lines end in "\n", and the file ends with
//     exactly one; a byte order mark at the start is kept.
//
// Comment lines keep their text (trailing white space aside), so the
// header of a script, its `# args:` and `# exit:` lines, means what it
// meant.
func FormatSource(filename string, src []byte) ([]byte, error) {
	if _, err := Parse(filename, src); err != nil {
		return nil, err
	}
	if _, err := ParseHeader(src); err != nil {
		return nil, err
	}
	toks, serr := scan(filename, src)
	if serr != nil {
		return nil, serr
	}
	p := &fmtPrinter{src: src, toks: toks, comments: findComments(src)}
	p.roles()
	if bytes.HasPrefix(src, []byte("\uFEFF")) {
		p.out.WriteString("\uFEFF")
	}
	p.run()
	return p.out.Bytes(), nil
}

// fmtComment is a comment of the source: its text from "#" to the end of
// its line, trailing white space removed.
type fmtComment struct {
	off, line, col int
	text           string
}

// findComments lists the comments of src, which lexes without error.
func findComments(src []byte) []fmtComment {
	var out []fmtComment
	line, lineStart := 1, 0
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '\n':
			line, lineStart = line+1, i+1
		case '"':
			for i++; i < len(src) && src[i] != '"' && src[i] != '\n'; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		case '#':
			end := bytes.IndexByte(src[i:], '\n')
			if end < 0 {
				end = len(src)
			} else {
				end += i
			}
			out = append(out, fmtComment{
				off:  i,
				line: line,
				col:  utf8.RuneCount(src[lineStart:i]) + 1,
				text: strings.TrimRight(string(src[i:end]), " \t\r"),
			})
			i = end - 1
		}
	}
	return out
}

// Roles of tokens, found before printing.
const (
	roleNone    = iota
	roleBlock   // a "{" or "}" of a block
	roleObject  // a "{" or "}" of an object literal or a with-clause
	roleUnary   // a prefix - or *
	roleKwCall  // a "(" right after a keyword that holds all its arguments
	roleKwParen // a "(" right after a keyword that opens an expression
)

// fmtFrame is an open bracket while printing.
type fmtFrame struct {
	open    int  // index of the opening token
	kind    int  // roleBlock, roleObject, or roleNone for ( and [
	oneLine bool // a block or object literal printed on one line
	indent  int  // indentation of the lines inside
	outer   int  // indentation of the line the bracket opened on
}

type fmtPrinter struct {
	src      []byte
	toks     []lexer.Token
	comments []fmtComment
	role     []int
	match    []int // for a bracket, the index of its partner

	out        bytes.Buffer
	col        int  // runes on the current output line
	lineIndent int  // indentation of the current output line
	started    bool // something has been written (besides a BOM)
	brk        bool // the next item goes on a new line
	semi       bool // in a one-line block, a statement ended
	lastLine   int  // source line of the last item written
	last       int  // index of the last token written, -1 before any
	stack      []fmtFrame
	nextCmt    int
	// anchor is the first token of the current source line on the current
	// output line: an end-of-line comment keeps its distance from it.
	anchorSrcLine, anchorSrcCol, anchorOutCol int
	anchorSet                                 bool
}

// roles classifies braces, prefix operators and keyword parentheses, and
// matches brackets.
func (p *fmtPrinter) roles() {
	n := len(p.toks)
	p.role = make([]int, n)
	p.match = make([]int, n)
	var open []int
	for i := range p.toks {
		t := &p.toks[i]
		if t.Type != tokPunct {
			continue
		}
		switch t.Value {
		case "(", "[", "{":
			open = append(open, i)
		case ")", "]", "}":
			if len(open) > 0 {
				j := open[len(open)-1]
				open = open[:len(open)-1]
				p.match[i], p.match[j] = j, i
			}
		}
	}
	for i := range p.toks {
		t := &p.toks[i]
		var prev *lexer.Token
		if i > 0 {
			prev = &p.toks[i-1]
		}
		switch {
		case isPunct(t, "{"):
			r := roleObject
			if prev != nil && (endsOperand(prev) || prev.Type == tokKeyword && prev.Value == "else") {
				r = roleBlock
			}
			p.role[i], p.role[p.match[i]] = r, r
		case isPunct(t, "-") || isPunct(t, "*"):
			if !endsOperand(prev) {
				p.role[i] = roleUnary
			}
		case isPunct(t, "&") || isPunct(t, "!"):
			p.role[i] = roleUnary
		case isPunct(t, "(") && prev != nil && prev.Type == tokKeyword && takesArgs(prev.Value):
			p.role[i] = p.keywordParen(prev.Value, i)
		}
	}
}

// takesArgs reports whether a keyword's arguments may be written in
// parentheses as a call's (see keywordArgs).
func takesArgs(kw string) bool {
	switch kw {
	case "print", "assert", "send", "return", "exit", "yield", "fork", "show",
		"free", "close", "lock", "unlock", "sleep", "compute", "io", "join",
		"wait", "alloc", "recv":
		return true
	}
	return false
}

// takesList reports whether a keyword takes a comma list of arguments.
func takesList(kw string) bool {
	switch kw {
	case "print", "assert", "send", "recv":
		return true
	}
	return false
}

// keywordParen tells the "(" at i after keyword kw: it holds the
// keyword's arguments when it holds nothing or a comma, or when nothing
// after its ")" goes on with the expression it opens.
func (p *fmtPrinter) keywordParen(kw string, i int) int {
	end := p.match[i]
	if end == i+1 {
		return roleKwCall
	}
	depth := 0
	for j := i + 1; j < end; j++ {
		t := &p.toks[j]
		if t.Type != tokPunct {
			continue
		}
		switch t.Value {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case ",":
			if depth == 0 {
				return roleKwCall
			}
		}
	}
	if end+1 < len(p.toks) {
		next := &p.toks[end+1]
		if precedence(next) > 0 || isPunct(next, "[") || isPunct(next, ".") {
			return roleKwParen
		}
		if isPunct(next, ",") && takesList(kw) {
			// print (recv r), 5: the parentheses hold the first of
			// the values only.
			return roleKwParen
		}
	}
	return roleKwCall
}

func (p *fmtPrinter) top() *fmtFrame { return &p.stack[len(p.stack)-1] }

func (p *fmtPrinter) run() {
	p.last = -1
	p.stack = []fmtFrame{{open: -1, kind: roleBlock}}
	for i := range p.toks {
		t := &p.toks[i]
		switch {
		case t.EOF():
			p.flushComments(len(p.src) + 1)
			if p.started {
				p.write("\n")
			}
			return
		case t.Type == tokNL:
			f := p.top()
			if f.kind == roleBlock {
				if f.oneLine {
					p.semi = true
				} else {
					p.brk = true
				}
			}
			continue
		}
		p.flushComments(t.Pos.Offset)
		p.token(i)
	}
}

// token writes the token at i with what goes before it, and opens or
// closes its frame.
func (p *fmtPrinter) token(i int) {
	t := &p.toks[i]
	closing := isPunct(t, ")") || isPunct(t, "]") || isPunct(t, "}")
	var f fmtFrame
	if closing && len(p.stack) > 1 {
		f = *p.top()
		p.stack = p.stack[:len(p.stack)-1]
		if (f.kind == roleBlock || f.kind == roleObject) && !f.oneLine {
			p.brk = true
		}
	}
	switch {
	case p.brk:
		indent := p.top().indent
		if closing {
			indent = f.outer
		}
		p.newline(indent, t.Pos.Line, !closing)
	case p.last >= 0:
		sep := p.sep(p.last, i)
		if p.semi && !closing && !isPunct(&p.toks[p.last], "{") {
			sep = "; "
		}
		p.write(sep)
	}
	p.semi = false
	if !p.anchorSet || p.anchorSrcLine != t.Pos.Line {
		p.anchorSet, p.anchorSrcLine, p.anchorSrcCol, p.anchorOutCol = true, t.Pos.Line, t.Pos.Column, p.col
	}
	p.write(t.Value)
	p.started = true
	p.last, p.lastLine = i, t.Pos.Line
	if t.Type != tokPunct {
		return
	}
	switch t.Value {
	case "(", "[":
		p.stack = append(p.stack, fmtFrame{open: i, indent: p.lineIndent + 1, outer: p.lineIndent})
	case "{":
		f := fmtFrame{open: i, kind: p.role[i], indent: p.lineIndent + 1, outer: p.lineIndent}
		f.oneLine = p.oneLine(i)
		p.stack = append(p.stack, f)
		if !f.oneLine {
			p.brk = true
		}
	case ",":
		if f := p.top(); f.kind == roleObject && !f.oneLine {
			p.brk = true
		}
	}
}

// oneLine reports whether the block or object literal that opens at i is
// printed on one line.
func (p *fmtPrinter) oneLine(i int) bool {
	end := p.match[i]
	open, close := &p.toks[i], &p.toks[end]
	first := i + 1
	for first < end && p.toks[first].Type == tokNL {
		first++
	}
	if first == end && !p.commentsBetween(open.Pos.Offset, close.Pos.Offset) {
		return true // empty: {}
	}
	if p.role[i] == roleBlock {
		return open.Pos.Line == close.Pos.Line
	}
	return p.toks[first].Pos.Line == open.Pos.Line
}

func (p *fmtPrinter) commentsBetween(from, to int) bool {
	for _, c := range p.comments[p.nextCmt:] {
		if c.off > to {
			break
		}
		if c.off > from {
			return true
		}
	}
	return false
}

// flushComments writes the comments before offset off.
func (p *fmtPrinter) flushComments(off int) {
	for p.nextCmt < len(p.comments) && p.comments[p.nextCmt].off < off {
		c := p.comments[p.nextCmt]
		p.nextCmt++
		if p.started && c.line == p.lastLine {
			// At the end of a line: keep its column if there is room.
			pad := 1
			if p.anchorSet && p.anchorSrcLine == c.line {
				pad = max(pad, p.anchorOutCol+c.col-p.anchorSrcCol-p.col)
			}
			p.write(strings.Repeat(" ", pad) + c.text)
		} else {
			if p.started {
				p.newline(p.top().indent, c.line, true)
			}
			p.write(c.text)
			p.started = true
		}
		p.lastLine = c.line
		p.brk = true
	}
}

// newline starts a new output line at indent for an item on source line
// line, with one blank line before it if the source had any and blank
// is allowed.
func (p *fmtPrinter) newline(indent, line int, blank bool) {
	if p.started {
		p.write("\n")
		if blank && line > p.lastLine+1 && p.top().kind != roleNone && !p.afterOpen() {
			p.write("\n")
		}
	}
	p.brk, p.semi = false, false
	p.lineIndent = indent
	p.write(strings.Repeat("    ", indent))
}

// afterOpen reports whether the last thing written is an opening brace.
func (p *fmtPrinter) afterOpen() bool {
	if p.last < 0 || p.lastLine != p.toks[p.last].Pos.Line {
		return false // a comment came after it
	}
	return isPunct(&p.toks[p.last], "{")
}

func (p *fmtPrinter) write(s string) {
	if s == "" {
		return
	}
	p.out.WriteString(s)
	if k := strings.LastIndexByte(s, '\n'); k >= 0 {
		p.col = utf8.RuneCountInString(s[k+1:])
		p.anchorSet = false
	} else {
		p.col += utf8.RuneCountInString(s)
	}
}

// sep is the space between tokens a and b on one line.
func (p *fmtPrinter) sep(a, b int) string {
	ta, tb := &p.toks[a], &p.toks[b]
	s := p.space(a, b, ta, tb)
	if s == "" && ta.Type == tokPunct && tb.Type == tokPunct && len(ta.Value) > 0 && len(tb.Value) > 0 &&
		twoCharOp(ta.Value[len(ta.Value)-1], tb.Value[0]) != "" {
		return " " // & &x is not &&x
	}
	if s == "" && isPunct(ta, "-") && isPunct(tb, "-") {
		return " " // - -x, which does not read as a decrement
	}
	return s
}

func (p *fmtPrinter) space(a, b int, ta, tb *lexer.Token) string {
	if tb.Type == tokPunct {
		switch tb.Value {
		case ",", ":", ")", "]", ".", "..":
			return ""
		case "}":
			if p.role[b] == roleObject || isPunct(ta, "{") {
				return ""
			}
			return " "
		case "(":
			switch {
			case ta.Type == tokIdent:
				return ""
			case p.role[b] == roleKwCall:
				return ""
			}
		case "[":
			if endsOperand(ta) {
				return ""
			}
		}
	}
	if ta.Type == tokPunct {
		switch ta.Value {
		case "(", "[", ".", "..":
			return ""
		case "{":
			if p.role[a] == roleObject {
				return ""
			}
		}
		if p.role[a] == roleUnary {
			return ""
		}
	}
	return " "
}
