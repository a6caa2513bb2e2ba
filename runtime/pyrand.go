package runtime

import "math/bits"

// pyRand is the Mersenne Twister MT19937 (Matsumoto and Nishimura, 1998),
// seeded and read the way Python's random module does it: seedPyRand(n)
// gives the stream of random.seed(n), and float the values of
// random.random(). With it (config rng = "python") a lottery draws the
// numbers OSTEP's lottery.py draws for the same seed.
type pyRand struct {
	mt  [mtN]uint32
	pos int // the next word of mt to hand out; mtN: time to twist
}

const (
	mtN       = 624
	mtM       = 397
	mtMatrixA = 0x9908b0df
	mtUpper   = 0x80000000
	mtLower   = 0x7fffffff
)

// seedPyRand returns the generator Python's random.seed(n) makes for an
// int n. Python seeds with the magnitude of n, split into 32-bit words,
// least significant first (one word 0 for n = 0), through MT19937's
// init_by_array: -n and n give the same stream.
func seedPyRand(n int64) *pyRand {
	mag := uint64(n)
	if n < 0 {
		mag = -mag // the magnitude, right even for the most negative n
	}
	key := []uint32{uint32(mag)}
	if hi := uint32(mag >> 32); hi != 0 {
		key = append(key, hi)
	}
	r := &pyRand{}
	r.initArray(key)
	return r
}

// initGen fills the state from one 32-bit seed (init_genrand).
func (r *pyRand) initGen(s uint32) {
	r.mt[0] = s
	for i := 1; i < mtN; i++ {
		p := r.mt[i-1]
		r.mt[i] = 1812433253*(p^(p>>30)) + uint32(i)
	}
	r.pos = mtN
}

// initArray fills the state from a key of 32-bit words (init_by_array).
func (r *pyRand) initArray(key []uint32) {
	r.initGen(19650218)
	i, j := 1, 0
	for k := max(mtN, len(key)); k > 0; k-- {
		p := r.mt[i-1]
		r.mt[i] = (r.mt[i] ^ ((p ^ (p >> 30)) * 1664525)) + key[j] + uint32(j)
		i++
		j++
		if i >= mtN {
			r.mt[0] = r.mt[mtN-1]
			i = 1
		}
		if j >= len(key) {
			j = 0
		}
	}
	for k := mtN - 1; k > 0; k-- {
		p := r.mt[i-1]
		r.mt[i] = (r.mt[i] ^ ((p ^ (p >> 30)) * 1566083941)) - uint32(i)
		i++
		if i >= mtN {
			r.mt[0] = r.mt[mtN-1]
			i = 1
		}
	}
	r.mt[0] = 0x80000000 // the state is never all zero
	r.pos = mtN
}

// twist computes the next mtN words of state.
func (r *pyRand) twist() {
	for i := 0; i < mtN; i++ {
		y := r.mt[i]&mtUpper | r.mt[(i+1)%mtN]&mtLower
		v := r.mt[(i+mtM)%mtN] ^ y>>1
		if y&1 != 0 {
			v ^= mtMatrixA
		}
		r.mt[i] = v
	}
	r.pos = 0
}

// uint32 returns the next tempered 32-bit output (genrand_int32).
func (r *pyRand) uint32() uint32 {
	if r.pos >= mtN {
		r.twist()
	}
	y := r.mt[r.pos]
	r.pos++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	y ^= y >> 18
	return y
}

// float returns random.random(): 53 random bits, the top 27 of one
// output and the top 26 of the next, as a float in [0, 1).
func (r *pyRand) float() float64 {
	a := r.uint32() >> 5
	b := r.uint32() >> 6
	return (float64(a)*67108864 + float64(b)) / 9007199254740992
}

// below returns random.randrange(n) for 1 <= n <= 2^32, as Python 3
// draws it (random.choice too): getrandbits of n's bit length, again
// until it is below n.
func (r *pyRand) below(n int) int {
	k := bits.Len(uint(n))
	for {
		if v := int(r.uint32() >> (32 - k)); v < n {
			return v
		}
	}
}
