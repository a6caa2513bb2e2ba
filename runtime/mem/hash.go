package mem

import (
	"cmp"
	"encoding/binary"
	"math/bits"
	"slices"
)

// Hasher folds a machine's state into a 128-bit fingerprint: two 64-bit
// lanes mixed differently, so that two different states share a
// fingerprint with a chance near 2^-128 per pair, far below any search's
// reach (a billion states: about 10^-21). It is deterministic: the same
// state gives the same fingerprint in every run and on every host.
type Hasher struct {
	a, b uint64
	n    uint64
}

// Fingerprint is a finished Hasher.
type Fingerprint struct{ A, B uint64 }

const (
	hashK1 = 0x9e3779b97f4a7c15
	hashK2 = 0xc2b2ae3d27d4eb4f
	hashK3 = 0x165667b19e3779f9
)

// Reset starts a new fingerprint.
func (h *Hasher) Reset() { *h = Hasher{a: hashK3, b: hashK1} }

// Word adds one 64-bit word.
func (h *Hasher) Word(v uint64) {
	h.n++
	h.a = bits.RotateLeft64((h.a^v)*hashK1, 29) + h.n
	h.b = bits.RotateLeft64(h.b+v*hashK2, 31) * hashK3
}

// Int adds an int.
func (h *Hasher) Int(v int64) { h.Word(uint64(v)) }

// Bool adds a bool.
func (h *Hasher) Bool(v bool) {
	if v {
		h.Word(1)
	} else {
		h.Word(0)
	}
}

// Pair adds two ints: as one word when a is below 2^31 and b below 2^32
// and neither is negative (ids, counts, a program counter: nearly
// always), else as a word with only its top bit set and then each. The
// one word's top bit is clear, so the two forms are never confused.
func (h *Hasher) Pair(a, b int64) {
	if uint64(a) < 1<<31 && uint64(b) < 1<<32 {
		h.Word(uint64(a)<<32 | uint64(b))
		return
	}
	h.Word(1 << 63)
	h.Word(uint64(a))
	h.Word(uint64(b))
}

// Str adds a string, its length first so that two strings in a row
// cannot be confused with two others, then its bytes eight to a word,
// the last word padded with zeros (none when the length is a multiple of
// eight: the length says how many words follow).
func (h *Hasher) Str(s string) {
	n := len(s)
	h.Word(uint64(n))
	i := 0
	for ; i+8 <= n; i += 8 {
		h.Word(le64(s[i:]))
	}
	switch {
	case i == n:
	case n >= 8:
		// The bytes left, read as the last 8 of the string and shifted
		// down past those added already: the word byte by byte gives.
		h.Word(le64(s[n-8:]) >> (8 * (8 - (n - i))))
	default:
		h.Word(short(s))
	}
}

// le64 reads the first 8 bytes of s as a little-endian word.
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// short reads s, shorter than 8 bytes, as a little-endian word: its first
// and its last bytes, read together, overlap where they are the same.
func short(s string) uint64 {
	n := len(s)
	switch {
	case n >= 4:
		lo := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24
		t := s[n-4:]
		hi := uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24
		return lo | hi<<(8*(n-4))
	case n >= 2:
		lo := uint64(s[0]) | uint64(s[1])<<8
		return lo | (uint64(s[n-2])|uint64(s[n-1])<<8)<<(8*(n-2))
	case n == 1:
		return uint64(s[0])
	}
	return 0
}

// Bytes adds a byte slice, as Str does a string.
func (h *Hasher) Bytes(s []byte) {
	h.Word(uint64(len(s)))
	for len(s) >= 8 {
		h.Word(binary.LittleEndian.Uint64(s))
		s = s[8:]
	}
	var w uint64
	for i := 0; i < len(s); i++ {
		w |= uint64(s[i]) << (8 * i)
	}
	h.Word(w)
}

// Value adds one word of memory.
func (h *Hasher) Value(v Value) {
	h.Word(uint64(v.K))
	h.Word(uint64(v.N))
	if v.K == Str || v.S != "" {
		h.Str(v.S)
	}
}

// Values adds a run of words, leaving out the zero words at its end:
// memory is stored lazily, and a word never written reads as one written
// zero, so two stores that differ only there hold the same memory.
func (h *Hasher) Values(ws []Value) {
	n := len(ws)
	for n > 0 && ws[n-1] == (Value{}) {
		n--
	}
	h.Word(uint64(n))
	// Word for each value's kind and number, with the state in locals
	// (a segment is thousands of words): the same sums as Value.
	a, b, c := h.a, h.b, h.n
	for i := range ws[:n] {
		v := &ws[i]
		if v.K == Str || v.S != "" {
			h.a, h.b, h.n = a, b, c
			h.Value(*v)
			a, b, c = h.a, h.b, h.n
			continue
		}
		k, x := uint64(v.K), uint64(v.N)
		c++
		a = bits.RotateLeft64((a^k)*hashK1, 29) + c
		b = bits.RotateLeft64(b+k*hashK2, 31) * hashK3
		c++
		a = bits.RotateLeft64((a^x)*hashK1, 29) + c
		b = bits.RotateLeft64(b+x*hashK2, 31) * hashK3
	}
	h.a, h.b, h.n = a, b, c
}

// Words returns how many words were added since Reset: the work done.
func (h *Hasher) Words() uint64 { return h.n }

// Sum returns the fingerprint of what was added.
func (h *Hasher) Sum() Fingerprint {
	return Fingerprint{A: fmix(h.a ^ h.n), B: fmix(h.b + h.n*hashK1)}
}

// fmix is the finalizer of MurmurHash3: every input bit reaches every
// output bit.
func fmix(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}

// hashOdd adds the words stored at unaligned addresses, by address.
func hashOdd(h *Hasher, odd map[uint64]Value) {
	h.Word(uint64(len(odd)))
	if len(odd) == 0 {
		return
	}
	var buf [16]uint64
	keys := SortedKeys(odd, buf[:0])
	for _, k := range keys {
		h.Word(k)
		h.Value(odd[k])
	}
}

// HashState adds the segments of the space, their words included, the
// pages it shares copy-on-write and its heap. shared names each shared
// memory the same way wherever it is mapped: it returns a number the
// caller gives out in the order it first meets each one.
func (as *AddressSpace) HashState(h *Hasher, shared func(*Shared) int) {
	h.Word(uint64(len(as.segs)))
	for _, s := range as.segs {
		// The kind, the permissions, whether it grows down and whether
		// it is shared in one word with the stack's thread.
		bits := int64(s.Kind) | int64(s.Perm)<<8
		if s.Down {
			bits |= 1 << 16
		}
		if s.Shared != nil {
			bits |= 1 << 17
		}
		h.Pair(bits, int64(s.TID))
		h.Str(s.Name)
		h.Word(s.Start)
		h.Word(s.End)
		h.Word(s.SP)
		if s.Shared != nil {
			// The words are the shared memory's, added once by the
			// caller where it first meets it.
			h.Int(int64(shared(s.Shared)))
			continue
		}
		h.Values(s.Words)
		hashOdd(h, s.Odd)
	}
	h.Word(uint64(len(as.cow)))
	if len(as.cow) > 0 {
		var buf [16]uint64
		pages := SortedKeys(as.cow, buf[:0])
		for _, pg := range pages {
			h.Word(pg)
			h.Int(int64(as.cow[pg].refs))
		}
	}
	if as.Heap != nil {
		h.Word(1)
		as.Heap.HashState(h)
	} else {
		h.Word(0)
	}
}

// HashState adds what a shared memory holds.
func (s *Shared) HashState(h *Hasher) {
	h.Values(s.Words)
	hashOdd(h, s.Odd)
}

// HashState adds everything the allocator knows: its free and live
// blocks, the state of each heap byte, the quarantine of freed blocks,
// where next fit resumes and the ids still to give.
func (hp *Heap) HashState(h *Hasher) {
	h.Word(hp.top)
	h.Word(hp.limit)
	h.Word(uint64(len(hp.free)))
	for _, c := range hp.free {
		h.Word(c.Start)
		h.Word(c.Size)
	}
	hashBlocks(h, hp.live)
	// The bytes past the last one in use read as free: they are left
	// out, as zero words are (most of a small program's heap is free).
	n := len(hp.shadow)
	for n >= 8 && binary.LittleEndian.Uint64(hp.shadow[n-8:]) == 0 {
		n -= 8
	}
	for n > 0 && hp.shadow[n-1] == heapShadowFree {
		n--
	}
	h.Bytes(hp.shadow[:n])
	hashBlocks(h, hp.quar)
	h.Int(int64(hp.quarNext))
	h.Word(hp.rover)
	h.Word(hp.nextID)
	h.Word(hp.inUse)
	h.Bool(hp.refused)
}

func hashBlocks(h *Hasher, bs []Block) {
	h.Word(uint64(len(bs)))
	for _, b := range bs {
		h.Word(b.ID)
		h.Word(b.Addr)
		h.Word(b.Size)
		h.Word(b.Start)
		h.Word(b.End)
		h.Bool(b.Live)
	}
}

// SortedKeys returns the keys of m in order, in buf's array when they fit:
// with a buf on the caller's stack, a fingerprint of a few descriptors or
// objects allocates nothing.
func SortedKeys[M ~map[K]V, K cmp.Ordered, V any](m M, buf []K) []K {
	buf = buf[:0]
	if len(m) == 0 {
		// Not even an iterator: starting one costs what a few dozen
		// words of a fingerprint do, and most maps here are empty.
		return buf
	}
	for k := range m {
		buf = append(buf, k)
	}
	slices.Sort(buf)
	return buf
}
