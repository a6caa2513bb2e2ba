package grammar

import (
	"strconv"
	"strings"
)

// Format prints an expression with every binary, unary and prefix
// expression in parentheses, so that the tree's shape shows in the text:
// 1 + 2 * 3 prints as (1 + (2 * 3)). A ParenExpr of the source adds its own
// pair. Strings print as .proc literals. It is meant for tests, messages
// and debugging, not for reformatting source.
//
// The output still to write waits on a stack of its own rather than on
// the Go stack: a chain such as 1 + 1 + ... nests as deep as it is long
// (see maxNesting).
func Format(e Expr) string {
	var b strings.Builder
	f := formatter{b: &b}
	f.expr(e)
	for len(f.todo) > 0 {
		it := f.todo[len(f.todo)-1]
		f.todo = f.todo[:len(f.todo)-1]
		if it.isText {
			b.WriteString(it.text)
		} else {
			f.format(it.x)
		}
	}
	return b.String()
}

// formatter holds Format's output and what is still to be written, last
// first.
type formatter struct {
	b    *strings.Builder
	todo []formatItem
}

// formatItem is text to write, or an expression to format.
type formatItem struct {
	x      Expr
	text   string
	isText bool
}

func (f *formatter) text(s string) { f.todo = append(f.todo, formatItem{text: s, isText: true}) }
func (f *formatter) expr(x Expr)   { f.todo = append(f.todo, formatItem{x: x}) }

// format writes e up to its first operand, and leaves the rest to write
// on the stack: each case pushes its pieces in reverse.
func (f *formatter) format(e Expr) {
	b := f.b
	switch e := e.(type) {
	case nil:
		b.WriteString("<nil>")
	case *Ident:
		b.WriteString(e.Name)
	case *IntLit:
		b.WriteString(strconv.FormatInt(e.Value, 10))
	case *StringLit:
		b.WriteString(Quote(e.Value))
	case *BoolLit:
		b.WriteString(strconv.FormatBool(e.Value))
	case *NilLit:
		b.WriteString("nil")
	case *BinaryExpr:
		b.WriteByte('(')
		f.text(")")
		f.expr(e.Y)
		f.text(" " + e.Op + " ")
		f.expr(e.X)
	case *UnaryExpr:
		b.WriteString("(" + e.Op)
		f.text(")")
		f.expr(e.X)
	case *CallExpr:
		if e.Explicit {
			b.WriteString("call ")
		}
		b.WriteString(e.Name + "(")
		f.list(e.Args, ")")
	case *IndexExpr:
		f.text("]")
		f.expr(e.Index)
		f.text("[")
		f.expr(e.X)
	case *FieldExpr:
		f.text("." + e.Name)
		f.expr(e.X)
	case *ObjectLit:
		b.WriteByte('{')
		f.fields(e.Fields)
	case *ArrayLit:
		b.WriteByte('[')
		f.list(e.Elems, "]")
	case *SpawnExpr:
		if e.Thread {
			b.WriteString("thread ")
		} else {
			b.WriteString("spawn ")
		}
		if e.With != nil {
			f.fields(e.With)
			f.text(" with {")
		}
		f.expr(e.Call)
	case *ForkExpr:
		b.WriteString("fork")
	case *PrefixExpr:
		b.WriteString("(" + e.Op + " ")
		f.text(")")
		f.expr(e.X)
	case *RecvExpr:
		b.WriteString("(recv ")
		f.text(")")
		if e.Max != nil {
			f.expr(e.Max)
			f.text(", ")
		}
		f.expr(e.Src)
	case *ParenExpr:
		b.WriteByte('(')
		f.text(")")
		f.expr(e.X)
	default:
		b.WriteString("<?>")
	}
}

// list pushes the items of a list, separated by commas, and its closing
// bracket.
func (f *formatter) list(list []Expr, close string) {
	f.text(close)
	for i := len(list) - 1; i >= 0; i-- {
		f.expr(list[i])
		if i > 0 {
			f.text(", ")
		}
	}
}

// fields pushes the fields of an object literal or a with-clause and the
// closing brace.
func (f *formatter) fields(fields []*Field) {
	f.text("}")
	for i := len(fields) - 1; i >= 0; i-- {
		f.expr(fields[i].Value)
		f.text(fields[i].Key + ": ")
		if i > 0 {
			f.text(", ")
		}
	}
}

// Quote returns s as a .proc string literal, using the language's only
// escapes (\n \t \" \\); any other character is written as it is.
func Quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
