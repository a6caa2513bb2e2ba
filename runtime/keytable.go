package runtime

import (
	"slices"
	"strconv"
)

// keyTable maps uint64 keys to int32 values: the index of a TLB's or a
// cache's entries, and the entries another thread took away (hw.go). The
// memory hardware looks one up at every miss and often at every access;
// an open-addressing table of plain arrays (linear probing, deletion by
// shifting back, no tombstones) costs a fraction of a Go map there, and
// copies with two slice copies.
type keyTable struct {
	keys []uint64
	vals []int32
	used []bool
	n    int
	mask uint64
	// bits is the log2 of the array's length; before the first key, the
	// number of keys to make room for.
	bits uint
}

// newKeyTable returns an empty table, which makes room for about hint
// keys when the first comes (a TLB or a cache of no entries never does).
func newKeyTable(hint int) keyTable {
	return keyTable{bits: uint(max(hint, 8))}
}

// alloc gives t an empty array of the next power of two above twice n.
func (t *keyTable) alloc(n int) {
	bits := uint(4)
	for 1<<bits < 2*n {
		bits++
	}
	t.bits, t.mask = bits, 1<<bits-1
	t.keys = make([]uint64, 1<<bits)
	t.vals = make([]int32, 1<<bits)
	t.used = make([]bool, 1<<bits)
	t.n = 0
}

func (t *keyTable) home(key uint64) uint64 { return key * 0x9E3779B97F4A7C15 >> (64 - t.bits) }

// get returns key's value and whether t holds key.
func (t *keyTable) get(key uint64) (int32, bool) {
	if t.n == 0 {
		return 0, false
	}
	for i := t.home(key); ; i = (i + 1) & t.mask {
		if !t.used[i] {
			return 0, false
		}
		if t.keys[i] == key {
			return t.vals[i], true
		}
	}
}

// put sets key's value.
func (t *keyTable) put(key uint64, v int32) {
	if t.keys == nil {
		// The first key: bits holds the hint until now.
		t.alloc(int(t.bits))
	} else if 2*(t.n+1) > len(t.keys) {
		t.grow()
	}
	for i := t.home(key); ; i = (i + 1) & t.mask {
		if !t.used[i] {
			t.used[i], t.keys[i], t.vals[i] = true, key, v
			t.n++
			return
		}
		if t.keys[i] == key {
			t.vals[i] = v
			return
		}
	}
}

// grow doubles the array and puts every key again.
func (t *keyTable) grow() {
	keys, vals, used := t.keys, t.vals, t.used
	t.alloc(len(keys))
	for i, u := range used {
		if u {
			t.put(keys[i], vals[i])
		}
	}
}

// del removes key; the keys after it in its run move back, so that a
// lookup never stops short of them.
func (t *keyTable) del(key uint64) {
	if t.n == 0 {
		return
	}
	i := t.home(key)
	for {
		if !t.used[i] {
			return
		}
		if t.keys[i] == key {
			break
		}
		i = (i + 1) & t.mask
	}
	t.n--
	for j := (i + 1) & t.mask; t.used[j]; j = (j + 1) & t.mask {
		// The key at j may move to the hole at i when its home is not
		// in (i, j], cyclically.
		h := t.home(t.keys[j])
		if (j > i && (h <= i || h > j)) || (j < i && h <= i && h > j) {
			t.keys[i], t.vals[i] = t.keys[j], t.vals[j]
			i = j
		}
	}
	t.used[i] = false
}

// len is the number of keys.
func (t *keyTable) len() int { return t.n }

// clear removes every key, and keeps the array.
func (t *keyTable) clear() {
	if t.n == 0 {
		return
	}
	clear(t.used)
	t.n = 0
}

// copy returns a copy that shares nothing with t.
func (t *keyTable) copy() keyTable { return t.copyInto(keyTable{}) }

// copyInto is copy, made in the arrays of old, a table nothing uses any
// more, when they have room.
func (t *keyTable) copyInto(old keyTable) keyTable {
	n := *t
	if t.keys == nil {
		n.keys, n.vals, n.used = nil, nil, nil
		return n
	}
	n.keys = append(old.keys[:0], t.keys...)
	n.vals = append(old.vals[:0], t.vals...)
	n.used = append(old.used[:0], t.used...)
	// The room past them keeps nothing of old's.
	clear(n.keys[len(n.keys):cap(n.keys)])
	clear(n.vals[len(n.vals):cap(n.vals)])
	clear(n.used[len(n.used):cap(n.used)])
	return n
}

// each calls f with every key and value, in no particular order.
func (t *keyTable) each(f func(key uint64, v int32)) {
	for i, u := range t.used {
		if u {
			f(t.keys[i], t.vals[i])
		}
	}
}

// String lists the keys and values in the order of the keys, as fmt
// prints a map.
func (t keyTable) String() string {
	keys := make([]uint64, 0, t.n)
	t.each(func(k uint64, _ int32) { keys = append(keys, k) })
	slices.Sort(keys)
	b := []byte("map[")
	for i, k := range keys {
		if i > 0 {
			b = append(b, ' ')
		}
		v, _ := t.get(k)
		b = strconv.AppendUint(b, k, 10)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(v), 10)
	}
	return string(append(b, ']'))
}
