package interp

import (
	"strconv"
	"unicode/utf8"

	"proc/runtime/mem"
)

// truth reports whether v counts as true in a condition: false, nil, 0 and
// the empty string are false, everything else is true.
func truth(v mem.Value) bool {
	switch v.K {
	case mem.Str:
		return v.S != ""
	case mem.Nil:
		return false
	default:
		return v.N != 0
	}
}

// format writes v the way print writes it: ints in decimal, pointers in
// lower-case hex with 0x, true/false, nil, strings as they are.
func format(v mem.Value) string {
	switch v.K {
	case mem.Int:
		return strconv.FormatInt(v.N, 10)
	case mem.Bool:
		if v.N != 0 {
			return "true"
		}
		return "false"
	case mem.Str:
		return v.S
	case mem.Nil:
		return "nil"
	case mem.Ptr:
		return mem.Hex(uint64(v.N))
	case mem.Handle:
		return v.S + "#" + strconv.FormatInt(v.N, 10)
	}
	return "?"
}

// quote writes v as it appears in a trace: strings quoted, others as
// format writes them.
func quote(v mem.Value) string {
	if v.K == mem.Str {
		if len(v.S) > quoteMax {
			// As strace does: the start of a long string, and its length.
			cut := quoteMax
			for cut > 0 && !utf8.RuneStart(v.S[cut]) {
				cut--
			}
			return strconv.Quote(v.S[:cut]) + "... (" + strconv.Itoa(len(v.S)) + " bytes)"
		}
		return strconv.Quote(v.S)
	}
	return format(v)
}

// Format writes v the way print writes it, for the packages that show
// the language's values (the REPL).
func Format(v mem.Value) string { return format(v) }

// Quote writes v as a trace shows it: strings quoted, a long one cut.
func Quote(v mem.Value) string { return quote(v) }

// quoteMax is the longest string quote shows whole: a trace line, a view
// or a report shows the first quoteMax bytes of a longer one and its
// length, so that a megabyte string costs a line, not a megabyte.
const quoteMax = 100

// binary applies a binary operator. It returns the result, or a type error
// message, or divZero for a division or remainder by zero.
func binary(op Op, x, y mem.Value) (r mem.Value, typeErr string, divZero bool) {
	switch op {
	case OpEq:
		return mem.BoolValue(equal(x, y)), "", false
	case OpNe:
		return mem.BoolValue(!equal(x, y)), "", false
	}
	xi, yi := isNum(x), isNum(y)
	switch op {
	case OpAdd:
		if x.K == mem.Str || y.K == mem.Str {
			if (x.K == mem.Str || xi || x.K == mem.Bool || x.K == mem.Nil) && (y.K == mem.Str || yi || y.K == mem.Bool || y.K == mem.Nil) {
				return mem.StrValue(format(x) + format(y)), "", false
			}
		}
		if xi && yi {
			k := mem.Int
			if x.K == mem.Ptr || y.K == mem.Ptr {
				k = mem.Ptr
			}
			return mem.Value{K: k, N: x.N + y.N}, "", false
		}
	case OpSub:
		if xi && yi {
			k := mem.Int
			if x.K == mem.Ptr && y.K == mem.Int {
				k = mem.Ptr
			}
			return mem.Value{K: k, N: x.N - y.N}, "", false
		}
	case OpMul:
		if xi && yi {
			return mem.IntValue(x.N * y.N), "", false
		}
	case OpDiv, OpMod:
		if xi && yi {
			if y.N == 0 {
				return mem.Value{}, "", true
			}
			if op == OpDiv {
				if y.N == -1 {
					return mem.IntValue(-x.N), "", false
				}
				return mem.IntValue(x.N / y.N), "", false
			}
			if y.N == -1 {
				return mem.IntValue(0), "", false
			}
			return mem.IntValue(x.N % y.N), "", false
		}
	case OpLt, OpLe, OpGt, OpGe:
		var c int
		switch {
		case xi && yi:
			c = cmpInt(x.N, y.N)
		case x.K == mem.Str && y.K == mem.Str:
			c = cmpStr(x.S, y.S)
		default:
			return mem.Value{}, "cannot compare " + x.K.String() + " " + opSymbol(op) + " " + y.K.String(), false
		}
		switch op {
		case OpLt:
			return mem.BoolValue(c < 0), "", false
		case OpLe:
			return mem.BoolValue(c <= 0), "", false
		case OpGt:
			return mem.BoolValue(c > 0), "", false
		default:
			return mem.BoolValue(c >= 0), "", false
		}
	}
	return mem.Value{}, "invalid operation: " + x.K.String() + " " + opSymbol(op) + " " + y.K.String(), false
}

func isNum(v mem.Value) bool { return v.K == mem.Int || v.K == mem.Ptr }

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// equal is == : same kind and value; ints and pointers compare as numbers.
func equal(x, y mem.Value) bool {
	if isNum(x) && isNum(y) {
		return x.N == y.N
	}
	if x.K != y.K {
		return false
	}
	switch x.K {
	case mem.Str:
		return x.S == y.S
	case mem.Nil:
		return true
	}
	return x.N == y.N
}
