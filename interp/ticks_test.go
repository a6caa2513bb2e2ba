package interp

import (
	"errors"
	"strings"
	"testing"

	"proc/grammar"
)

// TestTicksConstant: a constant time that compute, sleep or io would
// refuse at run time is an error before tick 0, on its line.
func TestTicksConstant(t *testing.T) {
	t.Parallel()
	cases := []struct {
		src  string
		line int
		want string
	}{
		{"compute -5", 2, "compute -5: a number of ticks cannot be negative"},
		{"sleep 0 - 1", 2, "sleep -1: a number of ticks cannot be negative"},
		{"func f() {\n    io -(2 * 3)\n}", 3, "io -6: a number of ticks cannot be negative"},
		{`compute "10"`, 2, "compute takes a number of ticks (an int), not string"},
		{"sleep true", 2, "sleep takes a number of ticks (an int), not bool"},
		{"io nil", 2, "io takes a number of ticks (an int), not nil"},
		{"compute 2000000000000", 2, "compute 2000000000000: more than 1099511627776 ticks at once"},
	}
	for _, c := range cases {
		_, err := Load("t.proc", []byte("print 1\n"+c.src+"\n"))
		var ge *grammar.Error
		if !errors.As(err, &ge) {
			t.Errorf("%q: error %v, want %q", c.src, err, c.want)
			continue
		}
		if ge.Msg != c.want || ge.Pos.Line != c.line {
			t.Errorf("%q: got line %d: %s, want line %d: %s", c.src, ge.Pos.Line, ge.Msg, c.line, c.want)
		}
	}
	// What folds with an error of its own, or does not fold, is left to
	// the run; 0 is a time like any other.
	for _, src := range []string{"compute 0", "sleep 0", "io 0", "compute 1 / 0", "let n = 5\ncompute -n"} {
		if _, err := Load("t.proc", []byte(src+"\n")); err != nil {
			t.Errorf("%q: %v", src, err)
		}
	}
}

// TestTicksRunTime: a negative time, or one that is not an int, kills the
// process with a type error instead of being skipped.
func TestTicksRunTime(t *testing.T) {
	t.Parallel()
	cases := []struct{ src, want string }{
		{"let n = 0 - 5\ncompute n", "type error: compute -5: a number of ticks cannot be negative"},
		{"let n = -1\nsleep n\nprint \"woke\"", "type error: sleep -1: a number of ticks cannot be negative"},
		{"func f(n) { io n }\ncall f(-7)", "type error: io -7: a number of ticks cannot be negative"},
		{"let n = \"3\"\nsleep n", "type error: sleep takes a number of ticks (an int), not string"},
		{"let n = 2000000000000\nio n", "type error: io 2000000000000: more than 1099511627776 ticks at once"},
	}
	for _, c := range cases {
		out, errw, _ := run(t, c.src)
		if out != "" || !strings.Contains(errw, c.want) || !strings.Contains(errw, "+++ killed by SIGABRT +++") {
			t.Errorf("%q: stdout %q, stderr %q, want %q", c.src, out, errw, c.want)
		}
	}
	out, errw, _ := run(t, "let n = 0\ncompute n\nsleep n\nio n\nprint \"ok\"")
	if out != "ok\n" {
		t.Errorf("a time of 0: stdout %q, stderr %q", out, errw)
	}
}
