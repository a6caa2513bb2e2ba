package mem

import (
	"strconv"
	"unicode/utf8"
)

// Kind is the type tag of a Value. The zero Kind is Int, so zeroed memory
// reads as the integer 0, as it does on a real machine.
type Kind uint8

// The kinds of values a slot can hold.
const (
	Int Kind = iota
	Bool
	Str
	Nil
	Ptr
	// Handle is a kernel object handed to a script: a mutex, a semaphore
	// or a condition variable. S names the kind, N is the object's id.
	Handle
)

var kindNames = [...]string{Int: "int", Bool: "bool", Str: "string", Nil: "nil", Ptr: "pointer", Handle: "handle"}

// String returns the kind's name as a student reads it in an error.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is what one word (8 bytes) of simulated memory holds. A primitive is
// stored whole in its slot; strings too (a documented simplification). A
// pointer is an integer that prints in hex.
type Value struct {
	K Kind
	N int64  // Int, Ptr, and Bool (0 or 1)
	S string // Str
}

// Common values.
var (
	NilValue   = Value{K: Nil}
	TrueValue  = Value{K: Bool, N: 1}
	FalseValue = Value{K: Bool, N: 0}
)

// IntValue returns an int value.
func IntValue(n int64) Value { return Value{K: Int, N: n} }

// PtrValue returns a pointer value.
func PtrValue(a uint64) Value { return Value{K: Ptr, N: int64(a)} }

// BoolValue returns a bool value.
func BoolValue(b bool) Value {
	if b {
		return TrueValue
	}
	return FalseValue
}

// StrValue returns a string value.
func StrValue(s string) Value { return Value{K: Str, S: s} }

// Truth reports whether v counts as true in a condition: false, nil, 0 and
// the empty string are false, everything else is true.
func (v Value) Truth() bool {
	switch v.K {
	case Str:
		return v.S != ""
	case Nil:
		return false
	default:
		return v.N != 0
	}
}

// String formats v the way print writes it: ints in decimal, pointers in
// lower-case hex with 0x, true/false, nil, strings as they are.
func (v Value) String() string {
	switch v.K {
	case Int:
		return strconv.FormatInt(v.N, 10)
	case Bool:
		if v.N != 0 {
			return "true"
		}
		return "false"
	case Str:
		return v.S
	case Nil:
		return "nil"
	case Ptr:
		return Hex(uint64(v.N))
	case Handle:
		return v.S + "#" + strconv.FormatInt(v.N, 10)
	}
	return "?"
}

// Quote formats v as it appears in a trace: strings quoted, others as String.
func (v Value) Quote() string {
	if v.K == Str {
		if len(v.S) > QuoteMax {
			// As strace does: the start of a long string, and its length.
			cut := QuoteMax
			for cut > 0 && !utf8.RuneStart(v.S[cut]) {
				cut--
			}
			return strconv.Quote(v.S[:cut]) + "... (" + strconv.Itoa(len(v.S)) + " bytes)"
		}
		return strconv.Quote(v.S)
	}
	return v.String()
}

// QuoteMax is the longest string Quote shows whole: a trace line, a view
// or a report shows the first QuoteMax bytes of a longer one and its
// length, so that a megabyte string costs a line, not a megabyte.
const QuoteMax = 100

// Hex formats an address: 0x and lower-case hex, no padding.
func Hex(a uint64) string { return "0x" + strconv.FormatUint(a, 16) }
