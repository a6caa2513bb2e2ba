package mem_test

import (
	"testing"

	"proc/runtime/mem"
)

// hashSink keeps the fingerprints the benchmarks take, and so the
// hasher they use, out of the compiler's reach, as a search's is.
var hashSink mem.Fingerprint

// BenchmarkHasher measures the fold: words added one at a time (most of
// a machine's state is added so), a run of memory words (Values), short
// strings (segments' and functions' names) and an address space laid out
// like a process's. ns/word is the time over the words folded.
func BenchmarkHasher(b *testing.B) {
	ws := make([]uint64, 512)
	for i := range ws {
		ws[i] = uint64(i) * 0x9e3779b97f4a7c15 >> (i % 61)
	}
	vs := make([]mem.Value, 256)
	for i := range vs {
		vs[i] = mem.IntValue(int64(i % 7))
	}
	names := []string{"[text]", "[data]", "[heap]", "[stack]", "inc", "counter", "main", "a name of 24 bytes, here"}
	as, _ := benchSpace(b)
	h := new(mem.Hasher)
	for _, c := range []struct {
		name string
		add  func()
	}{
		{"Word", func() {
			for _, w := range ws {
				h.Word(w)
			}
		}},
		{"Values", func() { h.Values(vs) }},
		{"Str", func() {
			for _, s := range names {
				h.Str(s)
			}
		}},
		{"Space", func() { as.HashState(h, nil) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			var words uint64
			for b.Loop() {
				h.Reset()
				c.add()
				words += h.Words()
				hashSink = h.Sum()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(words), "ns/word")
		})
	}
}
