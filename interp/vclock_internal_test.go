package interp

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestVClockMerge holds merge and publish on clocks kept as lists in tid
// order to the same on maps: every entry raised to the larger epoch, the
// missing ones added (and counted in grown), the skipped thread left as
// it was, the entries of threads with no access dropped from the source,
// and both lists left in tid order.
func TestVClockMerge(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 2000 {
		ths := make([]*raceThread, 1+rng.IntN(40))
		for i := range ths {
			ths[i] = &raceThread{tid: 2*i + 1 + rng.IntN(2), refs: rng.IntN(3), now: int64(1 + rng.IntN(9))}
		}
		for i := 1; i < len(ths); i++ {
			if ths[i].tid <= ths[i-1].tid {
				ths[i].tid = ths[i-1].tid + 1
			}
		}
		random := func() (vclock, map[*raceThread]int64) {
			var v vclock
			m := map[*raceThread]int64{}
			for _, th := range ths {
				if rng.IntN(3) == 0 {
					e := int64(rng.IntN(9))
					v = append(v, clockEntry{th, e})
					m[th] = e
				}
			}
			// Room past the end, or none: merge fills the room in place.
			return slices.Grow(v, rng.IntN(4)), m
		}
		dst, dm := random()
		src, sm := random()
		skip := ths[rng.IntN(len(ths))]
		r := &raceDetector{}
		r.merge(&dst, &src, skip)
		grown := 0
		for u, e := range sm {
			if u.refs == 0 {
				delete(sm, u)
				continue
			}
			if u == skip {
				continue
			}
			if old, ok := dm[u]; !ok || e > old {
				if !ok {
					grown++
				}
				dm[u] = e
			}
		}
		pub := ths[rng.IntN(len(ths))]
		r.publish(&dst, pub)
		if pub.refs != 0 {
			if old, ok := dm[pub]; !ok || pub.now > old {
				if !ok {
					grown++
				}
				dm[pub] = pub.now
			}
		}
		for name, c := range map[string]struct {
			v vclock
			m map[*raceThread]int64
		}{"destination": {dst, dm}, "source": {src, sm}} {
			if len(c.v) != len(c.m) {
				t.Fatalf("round %d: the %s holds %d entries, want %d", round, name, len(c.v), len(c.m))
			}
			for i, x := range c.v {
				if i > 0 && c.v[i-1].th.tid >= x.th.tid {
					t.Fatalf("round %d: the %s is out of tid order at %d", round, name, i)
				}
				if e, ok := c.m[x.th]; !ok || e != x.epoch {
					t.Fatalf("round %d: the %s has %d for tid %d, want %d (%v)", round, name, x.epoch, x.th.tid, e, ok)
				}
				if got := c.v.get(x.th); got != x.epoch {
					t.Fatalf("round %d: get(%d) = %d, want %d", round, x.th.tid, got, x.epoch)
				}
			}
		}
		if r.grown != grown {
			t.Fatalf("round %d: grown %d, want %d", round, r.grown, grown)
		}
	}
}
