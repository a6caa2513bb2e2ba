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
			switch rng.IntN(4) {
			case 0:
				ws[i] = IntValue(rng.Int64())
			case 1:
				ws[i] = StrValue(strings.Repeat("x", rng.IntN(20)))
			case 2:
				ws[i] = PtrValue(rng.Uint64())
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
