package interp

import (
	"strings"
	"testing"
)

// Every limit of SPEC section 13, and what a script sees when it hits it.
func TestLimits(t *testing.T) {
	cases := []struct {
		name, src string
		sets      []string
		out, err  string
		exit      int
	}{
		{"spawn bomb", `func f() { sleep 100 }
let n = 0
while (spawn f()) != nil { n = n + 1 }
print "spawned", n`, []string{"max_procs=10"}, "spawned 9\n", "", 0},
		{"fork bomb", `let n = 0
let pid = fork
while pid != nil && pid != 0 {
    n = n + 1
    pid = fork
}
if pid == nil { print "parent forked", n }`, []string{"max_procs=5"}, "parent forked 4\n", "", 0},
		{"thread bomb", `func f() { sleep 100 }
let n = 0
while (thread f()) != nil { n = n + 1 }
print "threads", n`, []string{"max_threads=7"}, "threads 6\n", "", 0},
		{"endless loop", `while true { }`, []string{"max_steps=1000"}, "", "step limit reached (max_steps=1000)", 1},
		{"infinite recursion", `func r(n) { return r(n + 1) }
call r(0)
print "unreachable"`, []string{"stack_size=4096"}, "", "stack overflow", 0},
		{"heap_max", `let p = alloc 100000
print p`, []string{"heap_max=65536"}, "nil\n", "", 0},
		{"huge output", `while true { print "0123456789" }`, []string{"max_output=1000"}, strings.Repeat("0123456789\n", 90), "output limit reached (max_output=1000 bytes)", 1},
		{"huge string", `let s = "x"
while true { s = s + s }`, []string{"max_output=100000"}, "", "string limit reached", 1},
		{"huge compute", `compute 1 << 50`, nil, "", "", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.exit == 2 {
				if _, err := Load("t.proc", []byte(c.src)); err == nil {
					// `<<` is not an operator: a parse error is the right answer.
					t.Errorf("expected a load error")
				}
				return
			}
			out, errw, res := run(t, c.src, c.sets...)
			if out != c.out {
				t.Errorf("stdout %q, want %q (stderr %q)", out, c.out, errw)
			}
			if !strings.Contains(errw, c.err) {
				t.Errorf("stderr %q does not contain %q", errw, c.err)
			}
			if res.ExitCode() != c.exit {
				t.Errorf("exit %d, want %d", res.ExitCode(), c.exit)
			}
		})
	}
}

func TestComputeLimit(t *testing.T) {
	_, errw, _ := run(t, "compute 2000000000000")
	if !strings.Contains(errw, "more than 1099511627776 ticks at once") {
		t.Errorf("stderr %q", errw)
	}
}
