package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"proc/grammar"
	"proc/interp"
)

// The exercises under exercises/ come in two kinds (exercises/README.md):
// a build exercise has a starter.proc to complete until its output equals
// solution.golden; a predict exercise has a predict.golden with blanks the
// student fills in, checked against what solution.proc prints. Both have
// a reference pair solution.proc and solution.golden, and a check script.

// exerciseDirs returns the folders of the exercises.
func exerciseDirs(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob("../../exercises/[0-9]*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no exercises found: %v", err)
	}
	return dirs
}

// TestExercises runs every reference solution and compares it with its
// golden file (PROC_UPDATE=1 rewrites them, as for the examples).
func TestExercises(t *testing.T) {
	t.Parallel()
	for _, d := range exerciseDirs(t) {
		t.Run(filepath.Base(d), func(t *testing.T) { runGolden(t, filepath.Join(d, "solution.proc")) })
	}
}

// TestExercisesDeterministic runs every reference solution twice: a
// golden is only fair if the bytes never change.
func TestExercisesDeterministic(t *testing.T) {
	t.Parallel()
	for _, d := range exerciseDirs(t) {
		f := filepath.Join(d, "solution.proc")
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		h, _ := grammar.ParseHeader(src)
		var out [2]bytes.Buffer
		for i := range out {
			Main(append([]string{"run", f}, h.Args...), nil, &out[i], &bytes.Buffer{})
		}
		if !bytes.Equal(out[0].Bytes(), out[1].Bytes()) {
			t.Errorf("%s: two runs differ", f)
		}
	}
}

// TestExerciseLayout checks that every exercise has the files its README
// and the check script rely on, and is of exactly one kind.
func TestExerciseLayout(t *testing.T) {
	t.Parallel()
	for _, d := range exerciseDirs(t) {
		for _, f := range []string{"README.md", "solution.proc", "solution.golden", "check"} {
			if _, err := os.Stat(filepath.Join(d, f)); err != nil {
				t.Errorf("%s: %v", d, err)
			}
		}
		if st, err := os.Stat(filepath.Join(d, "check")); err == nil && st.Mode()&0o111 == 0 {
			t.Errorf("%s/check is not executable", d)
		}
		_, errStarter := os.Stat(filepath.Join(d, "starter.proc"))
		_, errPredict := os.Stat(filepath.Join(d, "predict.golden"))
		if (errStarter == nil) == (errPredict == nil) {
			t.Errorf("%s: want either starter.proc (build) or predict.golden (predict), not both or neither", d)
		}
	}
}

// TestExerciseStarters checks that every starter loads and runs as it is
// (a student starts from a script that works), that it keeps the
// solution's header, and that it does not already pass.
func TestExerciseStarters(t *testing.T) {
	t.Parallel()
	for _, d := range exerciseDirs(t) {
		path := filepath.Join(d, "starter.proc")
		src, err := os.ReadFile(path)
		if err != nil {
			continue // a predict exercise
		}
		t.Run(filepath.Base(d), func(t *testing.T) {
			if _, err := interp.Load("starter.proc", src); err != nil {
				t.Fatalf("%s does not load: %v", path, err)
			}
			h, err := grammar.ParseHeader(src)
			if err != nil {
				t.Fatal(err)
			}
			solSrc, _ := os.ReadFile(filepath.Join(d, "solution.proc"))
			sh, _ := grammar.ParseHeader(solSrc)
			if strings.Join(h.Args, " ") != strings.Join(sh.Args, " ") || h.Exit != sh.Exit {
				t.Errorf("starter header %v, exit %d; solution header %v, exit %d", h.Args, h.Exit, sh.Args, sh.Exit)
			}
			var stdout, stderr bytes.Buffer
			if code := Main(append([]string{"run", path}, h.Args...), nil, &stdout, &stderr); code != 0 {
				t.Errorf("starter exits with %d, want 0\n%s", code, stderr.String())
			}
			golden, _ := os.ReadFile(filepath.Join(d, "solution.golden"))
			if bytes.Equal(stdout.Bytes(), golden) {
				t.Errorf("the starter already prints solution.golden: nothing is left to build")
			}
		})
	}
}

// TestPredictTemplates checks that every predict.golden is the answer key
// with blanks: each of its lines, with ___ standing for any text, matches
// a line of solution.golden, one for one (a template may list the lines
// in another order, for "put them in order" exercises).
func TestPredictTemplates(t *testing.T) {
	t.Parallel()
	for _, d := range exerciseDirs(t) {
		tmpl, err := os.ReadFile(filepath.Join(d, "predict.golden"))
		if err != nil {
			continue // a build exercise
		}
		key, err := os.ReadFile(filepath.Join(d, "solution.golden"))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(d), func(t *testing.T) {
			if bytes.Equal(tmpl, key) {
				t.Fatalf("predict.golden is the answer key itself")
			}
			tl := strings.Split(string(tmpl), "\n")
			kl := strings.Split(string(key), "\n")
			if len(tl) != len(kl) {
				t.Fatalf("predict.golden has %d lines, solution.golden %d", len(tl), len(kl))
			}
			used := make([]bool, len(kl))
			for _, line := range tl {
				re := blankPattern(line)
				found := false
				for i, k := range kl {
					if !used[i] && re.MatchString(k) {
						used[i], found = true, true
						break
					}
				}
				if !found {
					t.Errorf("template line %q matches no line of solution.golden", line)
				}
			}
		})
	}
}

// blankPattern turns a template line into a pattern where each ___ stands
// for one or more characters.
func blankPattern(line string) *regexp.Regexp {
	parts := strings.Split(line, "___")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".+") + "$")
}

// TestExerciseCheck runs each exercise's check script the way a student
// does: it must pass on the reference answer and fail on the untouched
// starter or template. TestMain puts this test binary on PATH as proc.
func TestExerciseCheck(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to run the check scripts")
	}
	if testing.Short() {
		t.Skip("runs a shell per exercise")
	}
	for _, d := range exerciseDirs(t) {
		t.Run(filepath.Base(d), func(t *testing.T) {
			answer := "solution.proc"
			if _, err := os.Stat(filepath.Join(d, "predict.golden")); err == nil {
				answer = "solution.golden"
			}
			check := filepath.Join(d, "check")
			out, err := exec.Command(sh, check, filepath.Join(d, answer)).CombinedOutput()
			if err != nil || !bytes.HasSuffix(out, []byte("1 passed, 0 failed\n")) {
				t.Errorf("check %s: %v\n%s", answer, err, out)
			}
			out, err = exec.Command(sh, check).CombinedOutput()
			if err == nil || !bytes.HasSuffix(out, []byte("0 passed, 1 failed\n")) {
				t.Errorf("check on the untouched exercise should fail: %v\n%s", err, out)
			}
		})
	}
}
