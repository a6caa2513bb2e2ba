package mem

import (
	"strconv"
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
// Value is data: how it prints and what counts as true are the language's
// (the Lang a machine runs).
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

// Hex formats an address: 0x and lower-case hex, no padding.
func Hex(a uint64) string { return "0x" + strconv.FormatUint(a, 16) }
