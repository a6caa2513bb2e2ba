package runtime

import (
	"math/rand/v2"
	"testing"
)

// TestKeyTable runs random puts, gets and deletes on a keyTable and on a
// Go map side by side, with keys crowded on few homes so that runs wrap
// the array and deletions shift them back.
func TestKeyTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		kt := newKeyTable(rng.IntN(40))
		want := map[uint64]int32{}
		span := uint64(1 + rng.IntN(200))
		for range 5000 {
			k := rng.Uint64N(span)
			if round%2 == 1 {
				k = k<<60 | k // keys whose homes collide
			}
			switch rng.IntN(4) {
			case 0, 1:
				v := rng.Int32()
				kt.put(k, v)
				want[k] = v
			case 2:
				kt.del(k)
				delete(want, k)
			case 3:
				if rng.IntN(200) == 0 {
					kt.clear()
					clear(want)
				}
			}
			if kt.len() != len(want) {
				t.Fatalf("round %d: %d keys, want %d", round, kt.len(), len(want))
			}
		}
		for k := range span {
			if round%2 == 1 {
				k = k<<60 | k
			}
			v, ok := kt.get(k)
			w, wok := want[k]
			if ok != wok || v != w {
				t.Fatalf("round %d: key %d: %d %v, want %d %v", round, k, v, ok, w, wok)
			}
		}
		c := kt.copy()
		c.put(1<<62, 5)
		if _, ok := kt.get(1 << 62); ok && want[1<<62] != 5 {
			t.Fatalf("a copy shares its array")
		}
	}
}
