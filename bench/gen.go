package main

import (
	"fmt"
	"strings"
)

// generatedScript returns a script of about lines lines in the style of the
// examples: functions with loops, conditions, calls, heap objects and
// arrays, threads and processes. It uses only statements the compiler
// accepts. (interp's BenchmarkLoad10k uses the same shape.)
func generatedScript(lines int) []byte {
	var b strings.Builder
	b.WriteString("config sched = \"rr\"\nconfig quantum = 4\nglobal counter = 0\nglobal table\n\n")
	n := 5
	for i := 0; n < lines; i++ {
		chunk := fmt.Sprintf(`# worker %[1]d: sums a range on the heap and reports it
func worker%[1]d(n, scale) {
	let sum = 0
	let p = alloc n * 8
	for i in 0..n {
		p[i] = i * scale + 1
		sum = sum + p[i] %% 7
	}
	if sum > 100 && !(n == 0) {
		counter = counter + 1
	} else if sum < 0 {
		exit 1
	} else {
		print "small", sum, -n
	}
	while sum > 1000 { sum = sum / 2 }
	free p
	return sum
}

let t%[1]d = thread worker%[1]d(10, 2) with {name: "w%[1]d", priority: 2}
let o%[1]d = {id: %[1]d, data: [1, 2, 3], next: nil}
o%[1]d.data[0] = join t%[1]d
assert o%[1]d.data[0] >= 0, "worker failed"
let c%[1]d = spawn worker%[1]d(5, 3)
print "worker", o%[1]d.id, "child exit", wait c%[1]d
`, i)
		b.WriteString(chunk)
		n += strings.Count(chunk, "\n")
	}
	return []byte(b.String())
}
