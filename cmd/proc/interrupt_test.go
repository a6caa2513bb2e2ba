package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// A search without end: two threads that add to a counter 100 times each.
const endlessRace = `global counter = 0
func inc() {
    for i in 0..100 {
        counter = counter + 1
    }
}
let a = thread inc()
let b = thread inc()
join a
join b
print "counter =", counter
`

// interruptExplore runs proc explore on src in a process of its own, sends
// it Ctrl-C (SIGINT) while it searches, and returns its stdout and exit
// status once it has run a schedule or more. proc is the test binary
// itself, as testscript installs it.
func interruptExplore(t *testing.T, src string) (string, int) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT to send on windows")
	}
	bin, err := exec.LookPath("proc")
	if err != nil {
		t.Skipf("proc is not installed for tests: %v", err)
	}
	file := filepath.Join(t.TempDir(), "race.proc")
	if err := os.WriteFile(file, []byte(src), 0o666); err != nil {
		t.Fatal(err)
	}
	// A signal that comes before proc has installed its handler kills it
	// outright, and one that comes before the first schedule ended finds
	// nothing: then it is sent again later to a new process.
	for _, wait := range []time.Duration{300 * time.Millisecond, time.Second, 5 * time.Second, 20 * time.Second} {
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(bin, "explore", "--max-schedules", "none", "--max-total-steps", "none", file)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(wait)
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				t.Logf("killed by %v after %v: again, later", ws.Signal(), wait)
				continue
			}
		} else if err != nil {
			t.Fatal(err)
		}
		if stderr.Len() > 0 {
			t.Errorf("stderr: %s", stderr.String())
		}
		if bytes.HasPrefix(stdout.Bytes(), []byte("0 schedules")) {
			t.Logf("interrupted before a schedule ended, after %v: again, later", wait)
			continue
		}
		return stdout.String(), cmd.ProcessState.ExitCode()
	}
	t.Fatal("proc never ran a schedule before the signal")
	return "", 0
}

var interruptedLine = regexp.MustCompile(`(?m)^\d+ schedules?, \d+ outcomes?, \d+ data races?, incomplete: interrupted after \d+ schedules?\n\z`)

// TestExploreInterrupt: Ctrl-C stops a search and prints what it found,
// the last line marked interrupted; the exit status is 130 when nothing
// failed.
func TestExploreInterrupt(t *testing.T) {
	out, code := interruptExplore(t, endlessRace)
	if code != 130 {
		t.Errorf("exit status %d, want 130", code)
	}
	if !regexp.MustCompile(`(?m)^outcome 1: \d+ schedules?\n  \| counter = 200$`).MatchString(out) {
		t.Errorf("no outcome printed:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^WARNING: data race on global counter`).MatchString(out) {
		t.Errorf("no race printed:\n%s", out)
	}
	if !interruptedLine.MatchString(out) {
		t.Errorf("the last line does not say the search was interrupted:\n%s", out)
	}
}

// TestExploreInterruptFailed: an interrupted search that found a failure
// exits with status 1, as a complete one would. (This assert fails in the
// first schedule, so that the failure is found before the signal.)
func TestExploreInterruptFailed(t *testing.T) {
	out, code := interruptExplore(t, endlessRace+`assert counter < 200, "no update was lost"
`)
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	if !regexp.MustCompile(`(?m)^outcome \d+: \d+ schedules?  FAILED$`).MatchString(out) {
		t.Errorf("no failure printed:\n%s", out)
	}
	if !interruptedLine.MatchString(out) {
		t.Errorf("the last line does not say the search was interrupted:\n%s", out)
	}
}
