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
func Format(e Expr) string {
	var b strings.Builder
	format(&b, e)
	return b.String()
}

func format(b *strings.Builder, e Expr) {
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
		format(b, e.X)
		b.WriteString(" " + e.Op + " ")
		format(b, e.Y)
		b.WriteByte(')')
	case *UnaryExpr:
		b.WriteString("(" + e.Op)
		format(b, e.X)
		b.WriteByte(')')
	case *CallExpr:
		if e.Explicit {
			b.WriteString("call ")
		}
		b.WriteString(e.Name)
		formatList(b, "(", e.Args, ")")
	case *IndexExpr:
		format(b, e.X)
		b.WriteByte('[')
		format(b, e.Index)
		b.WriteByte(']')
	case *FieldExpr:
		format(b, e.X)
		b.WriteString("." + e.Name)
	case *ObjectLit:
		formatFields(b, e.Fields)
	case *ArrayLit:
		formatList(b, "[", e.Elems, "]")
	case *SpawnExpr:
		if e.Thread {
			b.WriteString("thread ")
		} else {
			b.WriteString("spawn ")
		}
		format(b, e.Call)
		if e.With != nil {
			b.WriteString(" with ")
			formatFields(b, e.With)
		}
	case *ForkExpr:
		b.WriteString("fork")
	case *PrefixExpr:
		b.WriteString("(" + e.Op + " ")
		format(b, e.X)
		b.WriteByte(')')
	case *RecvExpr:
		b.WriteString("(recv ")
		format(b, e.Src)
		if e.Max != nil {
			b.WriteString(", ")
			format(b, e.Max)
		}
		b.WriteByte(')')
	case *ParenExpr:
		b.WriteByte('(')
		format(b, e.X)
		b.WriteByte(')')
	default:
		b.WriteString("<?>")
	}
}

func formatList(b *strings.Builder, open string, list []Expr, close string) {
	b.WriteString(open)
	for i, x := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		format(b, x)
	}
	b.WriteString(close)
}

func formatFields(b *strings.Builder, fields []*Field) {
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Key + ": ")
		format(b, f.Value)
	}
	b.WriteByte('}')
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
