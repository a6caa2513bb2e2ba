package runtime

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"testing"

	"proc/runtime/mem"
)

// refLRU is the plainest LRU there is: the keys in a slice, the most
// recently used first.
type refLRU struct {
	size int
	keys []uint64
	vals []uint64
	own  []int
}

func (r *refLRU) find(key uint64) (uint64, bool) {
	i := slices.Index(r.keys, key)
	if i < 0 {
		return 0, false
	}
	k, v, o := r.keys[i], r.vals[i], r.own[i]
	r.keys = slices.Insert(slices.Delete(r.keys, i, i+1), 0, k)
	r.vals = slices.Insert(slices.Delete(r.vals, i, i+1), 0, v)
	r.own = slices.Insert(slices.Delete(r.own, i, i+1), 0, o)
	return v, true
}

func (r *refLRU) put(key, val uint64, tid int) (old uint64, by int, ev bool) {
	if len(r.keys) == r.size {
		n := len(r.keys) - 1
		old, by, ev = r.keys[n], r.own[n], true
		r.keys, r.vals, r.own = r.keys[:n], r.vals[:n], r.own[:n]
	}
	r.keys = slices.Insert(r.keys, 0, key)
	r.vals = slices.Insert(r.vals, 0, val)
	r.own = slices.Insert(r.own, 0, tid)
	return old, by, ev
}

// The lru against the reference over long random sequences of lookups,
// replacements and flushes, with as many keys as entries, fewer, and
// many more (every lookup a miss, every miss a replacement).
func TestLRUAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{1, 2, 3, 7, 64, 65, 300} {
		for _, keys := range []int{size / 2, size, size + 1, 2 * size, 10 * size} {
			c, r := newLRU(size), &refLRU{size: size}
			for step := range 20000 {
				if rng.IntN(3000) == 0 {
					c.flush()
					r.keys, r.vals, r.own = r.keys[:0], r.vals[:0], r.own[:0]
					continue
				}
				// Keys far apart and close together, so that the memo
				// both finds and collides.
				key := uint64(rng.IntN(keys+1)) * 0x1001
				tid := rng.IntN(4)
				i := c.find(key)
				v, hit := r.find(key)
				if (i >= 0) != hit || hit && c.nodes[i].val != v {
					t.Fatalf("size %d keys %d step %d: find(%#x) = %d, reference %v %d", size, keys, step, key, i, hit, v)
				}
				if !hit {
					o1, b1, e1 := c.put(key, key*3, tid)
					o2, b2, e2 := r.put(key, key*3, tid)
					if o1 != o2 || b1 != b2 || e1 != e2 {
						t.Fatalf("size %d keys %d step %d: put replaced %#x %d %v, reference %#x %d %v", size, keys, step, o1, b1, e1, o2, b2, e2)
					}
				}
				if step%97 == 0 || size <= 3 {
					k, _ := c.entries()
					if !slices.Equal(k, r.keys) {
						t.Fatalf("size %d keys %d step %d: order %x, reference %x", size, keys, step, k, r.keys)
					}
				}
			}
		}
	}
}

// hwTwin is a machine with a TLB and a cache, and processes whose data
// a test touches.
func hwTwin(t *testing.T, tlb, cache int, asid bool) (*Machine, []*Thread) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.TLBEntries, cfg.CacheLines, cfg.ASID = int64(tlb), int64(cache), asid
	m := NewMachine(cfg, NewTracer(0, NewTextSink(io.Discard, io.Discard, true)), nil)
	var ts []*Thread
	for k := range 3 {
		p := m.newProcess(nil, &Image{TextSize: 64, Data: make([]mem.Value, 3*512+7)}, fmt.Sprint("p", k), true)
		if p == nil {
			t.Fatal("no process")
		}
		for j := range 2 {
			ts = append(ts, &Thread{TID: 10*k + j, Proc: p})
		}
	}
	return m, ts
}

// hwState is everything of the TLB and the cache that decides what comes
// next: the order of both, the entries taken from threads, the counts.
func hwState(m *Machine, ts []*Thread) string {
	m.settleHW()
	cpu := m.cpus[0]
	tk, tv := cpu.TLB.entries()
	ck, _ := cpu.Cache.entries()
	s := fmt.Sprintf("tlb %x %x\ncache %x\nasid %d lost %v\n", tk, tv, ck, cpu.asid, cpu.lost)
	for _, t := range ts {
		s += fmt.Sprintf("%d %+v\n", t.TID, t.hw)
	}
	return s
}

// A frame touched through TouchFrame does to the TLB and the cache
// exactly what Touch at an address in each line does: the same misses and
// ticks, the same order after any run of touches, the same counts. Random
// frames on a few pages of three processes (and off them, where nothing
// is mapped), switches, lone accesses, asid turned on and off, and TLBs
// and caches from one entry (every access evicting) to more than the
// pages and lines touched.
func TestTouchFrameSameAsTouch(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	fast := 0
	for _, size := range [][2]int{{1, 1}, {2, 3}, {4, 8}, {3, 64}, {64, 512}, {8, 40}} {
		for _, asid := range []bool{false, true} {
			m1, ts1 := hwTwin(t, size[0], size[1], asid)
			m2, ts2 := hwTwin(t, size[0], size[1], asid)
			for step := range 40000 {
				k := rng.IntN(len(ts1))
				t1, t2 := ts1[k], ts2[k]
				// Threads of a process mostly run on, as they do.
				if rng.IntN(50) == 0 {
					m1.switchHW(t1)
					m2.switchHW(t2)
				}
				// The REPL may turn ASIDs on or off between two stretches.
				if rng.IntN(3000) == 0 {
					cfg := m1.cfg
					cfg.ASID = !cfg.ASID
					m1.SetConfig(cfg)
					m2.SetConfig(cfg)
				}
				base := t1.Proc.Data.Start
				var lo, hi uint64
				switch r := rng.IntN(100); {
				case r < 3: // off the mapped pages
					lo = base + 16*mem.PageSize + uint64(rng.IntN(8192))
				case r < 10: // anywhere on the data
					lo = base + uint64(rng.IntN(3*4096))
				default: // a few frames near each other
					lo = base + 4096 - 256 + uint64(rng.IntN(24))*24
				}
				hi = lo + 1 + uint64(rng.IntN(24))*8
				if rng.IntN(10) == 0 {
					hi = lo + 1 + uint64(rng.IntN(512))
				}
				var c1, c2 int64
				if rng.IntN(20) == 0 {
					c1, c2 = m1.Touch(t1, lo), m2.Touch(t2, lo)
				} else {
					n := m1.win.n
					c1 = m1.TouchFrame(t1, lo, hi)
					if m1.win.n > n {
						fast++
					}
					for a := (hi - 1) &^ (LineSize - 1); ; a -= LineSize {
						c2 += m2.Touch(t2, max(a, lo))
						if a <= lo {
							break
						}
					}
				}
				if c1 != c2 {
					t.Fatalf("tlb %d cache %d asid %v step %d: [%#x, %#x) cost %d, per line %d", size[0], size[1], asid, step, lo, hi, c1, c2)
				}
				if rng.IntN(500) == 0 || step == 39999 {
					if s1, s2 := hwState(m1, ts1), hwState(m2, ts2); s1 != s2 {
						t.Fatalf("tlb %d cache %d asid %v step %d: state\n%s\nper line\n%s", size[0], size[1], asid, step, s1, s2)
					}
				}
			}
		}
	}
	if fast < 10000 {
		t.Errorf("only %d touches were fast", fast)
	}
}
