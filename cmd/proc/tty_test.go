package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// tmuxSession drives proc repl in a real terminal: tmux runs it in a pane,
// send-keys types and capture-pane reads the screen.
type tmuxSession struct {
	t    *testing.T
	sock string
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", s.sock}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	s.tmux(append([]string{"send-keys", "-t", "repl"}, keys...)...)
}

// screen returns the pane with its history.
func (s *tmuxSession) screen() string {
	s.t.Helper()
	return s.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "repl")
}

// waitFor waits until the screen shows want n times or more.
func (s *tmuxSession) waitFor(want string, n int) {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		scr := s.screen()
		if strings.Count(scr, want) >= n {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %q (%d times):\n%s", want, n, scr)
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// start runs proc repl in a new session of a private tmux server.
func startTmux(t *testing.T, bin, hist string) *tmuxSession {
	return startTmuxCommand(t, fmt.Sprintf("exec env PROC_HISTORY=%s %s repl", hist, bin))
}

// startTmuxCommand runs a shell command in a new session of a private tmux
// server.
func startTmuxCommand(t *testing.T, cmd string) *tmuxSession {
	dir := t.TempDir()
	s := &tmuxSession{t: t, sock: filepath.Join(dir, "tmux.sock")}
	s.tmux("-f", "/dev/null", "new-session", "-d", "-s", "repl", "-x", "100", "-y", "50", cmd)
	t.Cleanup(func() { exec.Command("tmux", "-S", s.sock, "kill-server").Run() })
	// Keep the pane after proc ends, to read how it ended.
	s.tmux("set-option", "-t", "repl", "remain-on-exit", "on")
	return s
}

// terminalProc skips a terminal test where it cannot run (-short, no
// tmux), and builds proc into a temporary folder for it: the folder and
// the binary.
func terminalProc(t *testing.T) (dir, bin string) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts tmux: not in -short")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	dir = t.TempDir()
	bin = filepath.Join(dir, "proc")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir, bin
}

// The terminal session: the prompt, the continuation prompt, tab
// completion, history recall (also in a later session), Ctrl-C dropping a
// line and stopping a long statement or :run, Ctrl-D leaving.
func TestTerminalSession(t *testing.T) {
	dir, bin := terminalProc(t)
	hist := filepath.Join(dir, "history")

	s := startTmux(t, bin, hist)
	s.waitFor("proc> ", 1)

	// A block stays open with the continuation prompt.
	s.keys("func twice(n) {", "Enter")
	s.waitFor("...> ", 1)
	s.keys("return n * 2", "Enter", "}", "Enter")
	s.waitFor("func twice(n) at ", 1)
	s.keys("twice(21)", "Enter")
	s.waitFor("= 42", 1)

	// Tab completes a keyword and a name in scope.
	s.keys("pri", "Tab")
	s.waitFor("proc> print", 1)
	s.keys(" twi", "Tab")
	s.waitFor("proc> print twice", 1)
	s.keys("(5)", "Enter")
	s.waitFor("| 10", 1)

	// Up recalls history: twice(21) is two entries back.
	s.keys("Up", "Up")
	s.waitFor("proc> twice(21)", 2)
	s.keys("Enter")
	s.waitFor("= 42", 2)

	// Ctrl-C drops what was typed, even an open block.
	s.keys("func never() {", "Enter")
	s.waitFor("...> ", 3)
	s.keys("C-c")
	s.keys("never()", "Enter")
	s.waitFor("undefined function: never", 1)

	// Ctrl-C stops a statement that would run for a very long time.
	s.keys(":set max_steps=1000000000000", "Enter")
	s.waitFor("max_steps = 1000000000000", 1)
	s.keys("while true { }", "Enter")
	for i := 0; !strings.Contains(s.screen(), "interrupted"); i++ {
		if i == 20 {
			t.Fatalf("Ctrl-C did not stop the loop:\n%s", s.screen())
		}
		time.Sleep(300 * time.Millisecond)
		s.keys("C-c")
	}
	// So does :run; what it says starts on a line of its own, not after
	// the ^C the terminal echoes, and says where the thread was.
	s.keys("func spin() { while true { } }", "Enter")
	s.waitFor("func spin() at ", 1)
	s.keys("let t = thread spin()", "Enter")
	s.waitFor("thread spin() = ", 1)
	s.keys(":run", "Enter")
	for i := 0; strings.Count(s.screen(), "interrupted") < 2; i++ {
		if i == 20 {
			t.Fatalf("Ctrl-C did not stop :run:\n%s", s.screen())
		}
		time.Sleep(300 * time.Millisecond)
		s.keys("C-c")
	}
	s.waitFor("1/2 is at spin, line 10: func spin() { while true { } }", 1)
	if scr := s.screen(); regexp.MustCompile(`\^C.`).MatchString(scr) {
		t.Errorf("a line goes on after ^C:\n%s", scr)
	}
	s.keys(`print "remember me"`, "Enter")
	s.waitFor("| remember me", 1)

	// Ctrl-D leaves, with status 0 when tmux can tell (now and then the
	// pane is reported dead before, or without, its exit status).
	s.keys("C-d")
	deadline := time.Now().Add(15 * time.Second)
	for {
		st := strings.Fields(s.tmux("display-message", "-p", "-t", "repl", "#{pane_dead} #{pane_dead_status}"))
		if len(st) == 2 && st[0] == "1" {
			if st[1] != "0" {
				t.Fatalf("proc left on Ctrl-D with status %s:\n%s", st[1], s.screen())
			}
			break
		}
		if len(st) == 1 && st[0] == "1" && time.Now().After(deadline.Add(-13*time.Second)) {
			t.Logf("the pane is dead but tmux gives no exit status")
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("proc did not leave on Ctrl-D (pane %q):\n%s", st, s.screen())
		}
		time.Sleep(30 * time.Millisecond)
	}

	// The history file keeps whole inputs, a block joined on one line.
	data, err := os.ReadFile(hist)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"func twice(n) { return n * 2 }\n", "twice(21)\n", "print twice(5)\n", `print "remember me"` + "\n"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("history lacks %q:\n%s", want, data)
		}
	}

	// A later session recalls the history of the earlier one.
	s2 := startTmux(t, bin, hist)
	s2.waitFor("proc> ", 1)
	s2.keys("Up")
	s2.waitFor(`proc> print "remember me"`, 1)
	s2.keys("Enter")
	s2.waitFor("| remember me", 1)
}

// TestTerminalExploreProgress: on a terminal a long search shows on stderr
// how far it got; Ctrl-C stops it, the line is wiped, and the report goes
// to stdout as always.
func TestTerminalExploreProgress(t *testing.T) {
	dir, bin := terminalProc(t)
	script := filepath.Join(dir, "race.proc")
	if err := os.WriteFile(script, []byte(endlessRace), 0o666); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "report.txt")
	s := startTmuxCommand(t, fmt.Sprintf("exec %s explore --max-schedules none --max-total-steps none %s > %s", bin, script, report))
	s.waitFor("exploring: ", 1)
	if !regexp.MustCompile(`exploring: \d+ states?, \d+ schedules?, \d+ outcomes?, 1 race; \d+ states/s, \d+s \(Ctrl-C stops\)`).MatchString(s.screen()) {
		t.Errorf("the progress line is not as expected:\n%s", s.screen())
	}
	s.keys("C-c")
	deadline := time.Now().Add(15 * time.Second)
	for {
		st := strings.Fields(s.tmux("display-message", "-p", "-t", "repl", "#{pane_dead} #{pane_dead_status}"))
		if len(st) >= 1 && st[0] == "1" {
			if len(st) == 2 && st[1] != "130" {
				t.Errorf("exit status %s, want 130", st[1])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Ctrl-C did not stop the search:\n%s", s.screen())
		}
		time.Sleep(30 * time.Millisecond)
	}
	if scr := s.screen(); strings.Contains(scr, "exploring:") {
		t.Errorf("the progress line was left on the screen:\n%s", scr)
	}
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if !interruptedLine.Match(data) || strings.Contains(string(data), "exploring") {
		t.Errorf("report:\n%s", data)
	}
}
