package shell

import (
	"strings"
	"testing"

	"proc/interp/internal/testkit"
)

// TestStatsAddUpInShell: in the REPL the machine is paused, stepped, run
// with the shell in the foreground, and the shell parked when an input is
// abandoned; the table adds up after each.
func TestStatsAddUpInShell(t *testing.T) {
	t.Parallel()
	s, _ := newTestShell(t, "quantum=3")
	check := func(when string) {
		t.Helper()
		for _, tb := range testkit.ParseStats(t, strings.Join(s.Stats(), "\n")) {
			testkit.CheckAddsUp(t, when, tb)
		}
	}
	s.Input("global c = 0\nfunc w(n) {\n for i in 0..n { c = c + 1 }\n sleep 5\n io 3\n return n\n}")
	s.Input("let a = thread w(20)\nlet b = thread w(30)\nlet p = spawn w(10)")
	check("after spawning")
	s.Step(7)
	check("paused in a turn")
	s.Input("c = c + 1")
	check("after a statement while paused")
	s.Input("let m = mutex()\nlock m\nlock m")
	check("after a fault")
	s.Input("let q = mutex()\nlock q\nlet r = thread w(2)\njoin r")
	s.Step(3)
	check("stepped again")
	s.Run()
	check("after running the others")
}
