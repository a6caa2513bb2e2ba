package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"proc/grammar"
	"proc/tour"
)

// TestTourLessonsRun: every lesson's script runs to its end under its own
// header, as proc tour runs it, with the exit status its header expects
// (0 without one), and its program output gives the lesson's recorded
// answer: the answer a learner is told is what the script really prints.
func TestTourLessonsRun(t *testing.T) {
	t.Parallel()
	ls, err := tour.Load(tour.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		t.Run(l.Slug, func(t *testing.T) {
			t.Parallel()
			h, err := grammar.ParseHeader(l.Script)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join("tour", l.ScriptPath())
			var out, errb strings.Builder
			code := runScript(runJob{args: []string{file}, src: l.Script, ownHeader: true}, &out, &errb)
			if want := map[bool]int{true: h.Exit}[h.HasExit]; code != want {
				t.Fatalf("exit status %d, want %d\n%s%s", code, want, out.String(), errb.String())
			}
			if strings.Contains(out.String(), "run stopped") {
				t.Errorf("the run was stopped:\n%s", out.String())
			}
			out.Reset()
			runScript(runJob{args: []string{file, "--trace=none", "--stats=false"}, src: l.Script, ownHeader: true}, &out, &errb)
			if err := l.Answer.Check(out.String()); err != nil {
				t.Errorf("%v\noutput:\n%s", err, out.String())
			}
		})
	}
}

// TestTourScriptsRunFromTheRepository: the scripts the binary carries are
// the files of the tour folder, which proc run runs the same way.
func TestTourScriptsRunFromTheRepository(t *testing.T) {
	t.Parallel()
	var out, errb strings.Builder
	if code := Main([]string{"run", filepath.Join(repoRoot, "tour", "01-what-is-a-process", "lesson.proc"), "--trace=none"}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit status %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "second copy pid: 3\n") {
		t.Errorf("output:\n%s", out.String())
	}
}

// TestTourInteractive feeds a tour answers on stdin: right, wrong, by
// letter and skipped, and it ends at the end of input without waiting.
func TestTourInteractive(t *testing.T) {
	t.Parallel()
	var out, errb strings.Builder
	in := strings.NewReader("3\n\nB\n\n\n\nc)\n")
	code := Main([]string{"tour", "--lang=en"}, in, &out, &errb)
	if code != 0 || errb.Len() > 0 {
		t.Fatalf("exit status %d: %s", code, errb.String())
	}
	got := out.String()
	for _, want := range []string{
		"== Lesson 1 of ", "Right! The answer is 3.",
		"== Lesson 2 of ", "Not quite: you said b) 999; the answer is a) 100.",
		"== Lesson 3 of ", "The answer is c) 139.",
		"== Lesson 4 of ", "Your prediction (Enter to skip, q to quit): c)\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "== Lesson 5 of ") || strings.Count(got, "--- proc run") != 4 {
		t.Errorf("the tour went on past the end of its input:\n%s", got)
	}
}

// TestTourQuit: q at either prompt ends the tour, and --from starts it
// where it says.
func TestTourQuit(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"q\n", "1\nq\n"} {
		var out, errb strings.Builder
		if code := Main([]string{"tour", "--lang=ko", "--from", "25"}, strings.NewReader(in), &out, &errb); code != 0 {
			t.Fatalf("exit status %d: %s", code, errb.String())
		}
		if !strings.Contains(out.String(), "== 25/25강: ") || strings.Contains(out.String(), "== 24/") {
			t.Errorf("%q:\n%s", in, out.String())
		}
	}
	var out, errb strings.Builder
	Main([]string{"tour", "--lang=ko", "--from", "25"}, strings.NewReader("3\n"), &out, &errb)
	if !strings.Contains(out.String(), "맞았습니다! 답은 b) 3입니다.") || !strings.Contains(out.String(), "투어의 마지막 강이었습니다") {
		t.Errorf("the last lesson:\n%s", out.String())
	}
}

// TestReadmeKoCommandsWork: every proc command in the code blocks of
// README.ko.md runs, from the repository's root, and ends with status 0.
func TestReadmeKoCommandsWork(t *testing.T) {
	t.Parallel()
	text, err := os.ReadFile(filepath.Join(repoRoot, "README.ko.md"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	inBlock := false
	for _, line := range strings.Split(string(text), "\n") {
		if strings.HasPrefix(line, "```") {
			inBlock = !inBlock
			continue
		}
		line = strings.TrimPrefix(line, "$ ")
		if !inBlock || !strings.HasPrefix(line, "proc ") {
			continue
		}
		cmd, _, _ := strings.Cut(line, "#")
		args := strings.Fields(cmd)[1:]
		for i, a := range args {
			if _, err := os.Stat(filepath.Join(repoRoot, a)); err == nil && strings.Contains(a, "/") {
				args[i] = filepath.Join(repoRoot, a)
			}
		}
		var out, errb strings.Builder
		if code := Main(args, strings.NewReader(""), &out, &errb); code != 0 {
			t.Errorf("%s: exit status %d: %s", line, code, errb.String())
		}
		n++
	}
	if n < 5 {
		t.Errorf("only %d proc commands in README.ko.md", n)
	}
}

// TestTerminalTour: the tour in a real terminal, where proc does not echo
// what is typed (the terminal does): an answer, Enter to go on, q to end
// with status 0.
func TestTerminalTour(t *testing.T) {
	_, bin := terminalProc(t)
	s := startTmuxCommand(t, fmt.Sprintf("exec %s tour --lang=en --from 24", bin))
	s.waitFor("Your prediction (Enter to skip, q to quit): ", 1)
	s.keys("2", "Enter")
	s.waitFor("Right! The answer is 2.", 1)
	s.waitFor("Enter for the next lesson, q to quit: ", 1)
	if scr := s.screen(); strings.Contains(scr, "q to quit): 2\n2\n") || !strings.Contains(scr, "q to quit): 2\n") {
		t.Errorf("the answer is not shown once, where it was typed:\n%s", scr)
	}
	s.keys("Enter")
	s.waitFor("== Lesson 25 of 25: ", 1)
	s.waitFor("Your prediction (Enter to skip, q to quit): ", 2)
	s.keys("q", "Enter")
	deadline := time.Now().Add(15 * time.Second)
	for {
		st := strings.Fields(s.tmux("display-message", "-p", "-t", "repl", "#{pane_dead} #{pane_dead_status}"))
		if len(st) >= 1 && st[0] == "1" {
			if len(st) == 2 && st[1] != "0" {
				t.Fatalf("proc tour ended with status %s:\n%s", st[1], s.screen())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("proc tour did not end on q:\n%s", s.screen())
		}
		time.Sleep(30 * time.Millisecond)
	}
	if strings.Contains(s.screen(), "--- proc run tour/25") {
		t.Errorf("lesson 25 ran after q:\n%s", s.screen())
	}
}
