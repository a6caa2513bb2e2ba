package mem

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestValuesSameAsValue: Values sums a run as Value does each of its
// words, strings among them, with the zero words at its end left out.
func TestValuesSameAsValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 200 {
		ws := make([]Value, rng.IntN(40))
		for i := range ws {
			switch rng.IntN(7) {
			case 0:
				ws[i] = IntValue(rng.Int64())
			case 1:
				ws[i] = StrValue(strings.Repeat("x", rng.IntN(20)))
			case 2:
				ws[i] = PtrValue(rng.Uint64())
			case 3:
				ws[i] = IntValue(rng.Int64N(2000) - 1000)
			case 4:
				ws[i] = PtrValue(0x7ff000000000 + rng.Uint64N(1<<20))
			case 5:
				ws[i] = IntValue(1<<56 - 1 + rng.Int64N(3))
			}
		}
		var fast, slow Hasher
		fast.Reset()
		slow.Reset()
		fast.Values(ws)
		n := len(ws)
		for n > 0 && ws[n-1] == (Value{}) {
			n--
		}
		slow.Word(uint64(n))
		for _, v := range ws[:n] {
			slow.Value(v)
		}
		if fast.Sum() != slow.Sum() || fast.Words() != slow.Words() {
			t.Fatalf("Values of %v: %v (%d words), Value by Value %v (%d)", ws, fast.Sum(), fast.Words(), slow.Sum(), slow.Words())
		}
	}
}

// TestStrSameAsByteByByte: Str reads a string's words as the bytes one by
// one give them, whatever its length.
func TestStrSameAsByteByByte(t *testing.T) {
	for n := range 40 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(0x80 + 7*i)
		}
		s := string(b)
		var fast, slow Hasher
		fast.Reset()
		slow.Reset()
		fast.Str(s)
		slow.Word(uint64(len(s)))
		for len(s) >= 8 {
			var w uint64
			for i := range 8 {
				w |= uint64(s[i]) << (8 * i)
			}
			slow.Word(w)
			s = s[8:]
		}
		if len(s) > 0 {
			var w uint64
			for i := 0; i < len(s); i++ {
				w |= uint64(s[i]) << (8 * i)
			}
			slow.Word(w)
		}
		if fast.Sum() != slow.Sum() || fast.Words() != slow.Words() {
			t.Fatalf("Str of %d bytes: %v (%d words), byte by byte %v (%d)", n, fast.Sum(), fast.Words(), slow.Sum(), slow.Words())
		}
	}
}

// TestOneWordChangesBothHalves: two runs of words of the same length that
// differ in one word differ in both halves of the fingerprint, as each
// half's step is a bijection of the word and of the half; what the
// chance of a collision (Hasher) rests on.
func TestOneWordChangesBothHalves(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	sum := func(ws []uint64) Fingerprint {
		var h Hasher
		h.Reset()
		for _, w := range ws {
			h.Word(w)
		}
		return h.Sum()
	}
	for range 2000 {
		ws := make([]uint64, 1+rng.IntN(20))
		for i := range ws {
			ws[i] = uint64(rng.IntN(3))
		}
		before := sum(ws)
		i := rng.IntN(len(ws))
		ws[i] ^= 1 << rng.IntN(64)
		if after := sum(ws); before.A == after.A || before.B == after.B {
			t.Fatalf("%v with word %d changed: %v, before %v", ws, i, after, before)
		}
	}
}

// TestPairAndStrForms: the short forms of Pair (one word) and Str (no
// padding word after a length that is a multiple of eight, none at all
// after an empty string) are never confused with the long ones or with
// each other: every sequence of pairs, and every sequence of strings,
// here has a fingerprint of its own. (A fingerprint adds each part of a
// state at its place, as one kind of value: a pair is never read where
// a string was added.)
func TestPairAndStrForms(t *testing.T) {
	big := int64(1) << 31
	pairs := map[string]func(h *Hasher){
		"0 0":           func(h *Hasher) { h.Pair(0, 0) },
		"0 1":           func(h *Hasher) { h.Pair(0, 1) },
		"1 0":           func(h *Hasher) { h.Pair(1, 0) },
		"2^31-1 2^32-1": func(h *Hasher) { h.Pair(big-1, 2*big-1) },
		"2^31 0":        func(h *Hasher) { h.Pair(big, 0) },
		"0 2^32":        func(h *Hasher) { h.Pair(0, 2*big) },
		"-1 0":          func(h *Hasher) { h.Pair(-1, 0) },
		"0 -1":          func(h *Hasher) { h.Pair(0, -1) },
		"0 0, 0 0":      func(h *Hasher) { h.Pair(0, 0); h.Pair(0, 0) },
		"2^31 0, 0 0":   func(h *Hasher) { h.Pair(big, 0); h.Pair(0, 0) },
		"0 0, 2^31 0":   func(h *Hasher) { h.Pair(0, 0); h.Pair(big, 0) },
		"0 2^31, 0 0":   func(h *Hasher) { h.Pair(0, big); h.Pair(0, 0) },
	}
	strs := map[string]func(h *Hasher){
		"empty":              func(h *Hasher) { h.Str("") },
		"empty twice":        func(h *Hasher) { h.Str(""); h.Str("") },
		"a":                  func(h *Hasher) { h.Str("a") },
		"a, empty":           func(h *Hasher) { h.Str("a"); h.Str("") },
		"empty, a":           func(h *Hasher) { h.Str(""); h.Str("a") },
		"NUL":                func(h *Hasher) { h.Str("\x00") },
		"NUL, empty":         func(h *Hasher) { h.Str("\x00"); h.Str("") },
		"8 bytes":            func(h *Hasher) { h.Str("abcdefgh") },
		"8 bytes, empty":     func(h *Hasher) { h.Str("abcdefgh"); h.Str("") },
		"9 bytes":            func(h *Hasher) { h.Str("abcdefgh\x00") },
		"16 bytes":           func(h *Hasher) { h.Str("abcdefghabcdefgh") },
		"8 bytes, 8 bytes":   func(h *Hasher) { h.Str("abcdefgh"); h.Str("abcdefgh") },
		"16 bytes, empty":    func(h *Hasher) { h.Str("abcdefghabcdefgh"); h.Str("") },
		"empty, 8 bytes":     func(h *Hasher) { h.Str(""); h.Str("abcdefgh") },
		"8 NULs":             func(h *Hasher) { h.Str("\x00\x00\x00\x00\x00\x00\x00\x00") },
		"8 NULs, empty":      func(h *Hasher) { h.Str("\x00\x00\x00\x00\x00\x00\x00\x00"); h.Str("") },
		"7 NULs, empty, NUL": func(h *Hasher) { h.Str("\x00\x00\x00\x00\x00\x00\x00"); h.Str(""); h.Str("\x00") },
	}
	for kind, cases := range map[string]map[string]func(h *Hasher){"pairs": pairs, "strings": strs} {
		seen := map[Fingerprint]string{}
		for name, add := range cases {
			var h Hasher
			h.Reset()
			add(&h)
			fp := h.Sum()
			if other, ok := seen[fp]; ok {
				t.Errorf("%s %q and %q have the same fingerprint", kind, name, other)
			}
			seen[fp] = name
		}
	}
	// The short forms are short.
	var h Hasher
	h.Reset()
	h.Pair(big-1, 2*big-1)
	h.Str("")
	h.Str("abcdefgh")
	if h.Words() != 1+1+2 {
		t.Errorf("a pair, an empty string and one of 8 bytes took %d words, want 4", h.Words())
	}
}
