package grammar

import (
	"fmt"
	"strings"
	"testing"
)

// script10k returns a script of about 10,000 lines in the style of the
// examples: functions with loops, conditions, calls, heap objects and IPC.
func script10k() []byte {
	var b strings.Builder
	b.WriteString("config sched = \"rr\"\nconfig quantum = 4\nglobal counter = 0\nglobal table\n\n")
	for i := 0; strings.Count(b.String(), "\n") < 10000; i++ {
		fmt.Fprintf(&b, `# worker %[1]d: sums a range and reports it through a pipe
func worker%[1]d(n, w) {
	let sum = 0
	let p = alloc n * 8
	for i in 0..n {
		p[i] = i * 2 + 1
		sum = sum + p[i] %% 7
	}
	if sum > 100 && !(n == 0) {
		send w, sum, 1
	} else if sum < 0 {
		exit 1
	} else {
		print "small", sum, -n
	}
	lock m
	counter = counter + 1
	unlock m
	free p
	return sum
}

let r%[1]d, w%[1]d = pipe()
let t%[1]d = thread worker%[1]d(10, w%[1]d) with {name: "w%[1]d", priority: 2}
let o%[1]d = {id: %[1]d, data: [1, 2, 3], next: nil}
o%[1]d.data[0] = recv r%[1]d, 64
assert join t%[1]d >= 0, "worker failed"
`, i)
	}
	return []byte(b.String())
}

func BenchmarkParse10k(b *testing.B) {
	src := script10k()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("bench.proc", src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScan10k(b *testing.B) {
	src := script10k()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := scan("bench.proc", src); err != nil {
			b.Fatal(err)
		}
	}
}
