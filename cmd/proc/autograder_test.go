package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// autograderDir is the Gradescope example of the repository.
var autograderDir = filepath.Join(repoRoot, "autograder")

// runAutograder runs autograder/run_autograder as Gradescope would, on a
// submission made of files, with the folders moved into a temporary one.
// It returns the results.json it wrote, and what it printed.
func runAutograder(t *testing.T, files map[string]string) (gradescopeResults, string) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	if _, err := exec.LookPath("proc"); err != nil {
		t.Skip("no proc on PATH")
	}
	src, err := filepath.Abs(autograderDir)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sub, results := filepath.Join(dir, "submission"), filepath.Join(dir, "results")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, sub, files)
	cmd := exec.Command(bash, filepath.Join(src, "run_autograder"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "AUTOGRADER_ROOT="+filepath.Join(dir, "nowhere"), "AUTOGRADER_SOURCE="+src,
		"AUTOGRADER_SUBMISSION="+sub, "AUTOGRADER_RESULTS="+results)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("run_autograder: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(results, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res gradescopeResults
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("results.json: %v\n%s", err, b)
	}
	return res, string(out)
}

// TestAutograderExample runs the Gradescope example on submissions: the
// reference solution, a wrong one, one nested in a folder, one that does
// not start, and none at all. Whatever a submission's header says, the
// exercise's decides how it runs and what it is worth.
func TestAutograderExample(t *testing.T) {
	t.Parallel()
	ref, err := os.ReadFile(filepath.Join(autograderDir, "exercise", "solution.proc"))
	if err != nil {
		t.Fatal(err)
	}
	// A student's header claims more points and a different run.
	greedy := "# points: 1000\n# args: --trace=all\n" + string(ref)
	wrong := strings.Replace(string(ref), "sum(51, 101)", "sum(50, 101)", 1)

	res, _ := runAutograder(t, map[string]string{"solution.proc": greedy})
	if res.Score != 10 || len(res.Tests) != 1 || res.Tests[0].Status != "passed" || res.Tests[0].MaxScore != 10 || res.Tests[0].Name != "solution" {
		t.Errorf("the reference: %+v", res)
	}
	res, _ = runAutograder(t, map[string]string{"solution.proc": wrong})
	if res.Score != 0 || len(res.Tests) != 1 || res.Tests[0].Status != "failed" ||
		!strings.Contains(res.Tests[0].Output, "-second half 3775\n") {
		t.Errorf("a wrong solution: %+v", res)
	}
	res, _ = runAutograder(t, map[string]string{"repo/src/solution.proc": string(ref), "repo/README.md": "hi"})
	if res.Score != 10 {
		t.Errorf("a nested solution: %+v", res)
	}
	res, _ = runAutograder(t, map[string]string{"solution.proc": "let x = \n"})
	if res.Score != 0 || len(res.Tests) != 1 || !strings.Contains(res.Tests[0].Output, "exit status 2, want 0") {
		t.Errorf("a solution that does not start: %+v", res)
	}
	res, _ = runAutograder(t, map[string]string{"answer.proc": string(ref)})
	if res.Score != 0 || len(res.Tests) != 0 || !strings.Contains(res.Output, "No solution.proc was submitted") {
		t.Errorf("no solution.proc: %+v", res)
	}
}

// TestAutograderExerciseIsRight: the exercise's reference passes its own
// golden, as a teacher checks it before zipping the autograder.
func TestAutograderExerciseIsRight(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"test", filepath.Join(autograderDir, "exercise")}, nil, &stdout, &stderr); code != 0 {
		t.Errorf("proc test autograder/exercise: exit status %d\n%s%s", code, stdout.String(), stderr.String())
	}
}

// TestAutograderSetup runs setup.sh twice with proc's source taken from
// this repository and the binary put in a temporary folder: both runs
// succeed, the second keeps the Go there is, and the proc built runs.
func TestAutograderSetup(t *testing.T) {
	if testing.Short() {
		t.Skip("builds proc")
	}
	t.Parallel()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	goVersion, err := exec.Command(goBin, "env", "GOVERSION").Output()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	for run := 1; run <= 2; run++ {
		cmd := exec.Command(bash, filepath.Join(root, "autograder", "setup.sh"))
		cmd.Env = append(os.Environ(), "PROC_SRC="+root, "PROC_BINDIR="+bin, "GO_ROOT="+filepath.Join(bin, "no-go"),
			"GO_VERSION="+strings.TrimPrefix(strings.TrimSpace(string(goVersion)), "go"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("setup.sh, run %d: %v\n%s", run, err, out)
		}
		if !strings.Contains(string(out), "is installed") || !strings.Contains(string(out), "proc "+version+"\n") {
			t.Errorf("setup.sh, run %d, said:\n%s", run, out)
		}
	}
	if _, err := os.Stat(filepath.Join(bin, "no-go")); err == nil {
		t.Error("setup.sh installed Go when there was one")
	}
}

// yamlLine is a line of the subset of YAML a workflow is written in: a
// key with or without a value, a list item, or a comment.
var yamlLine = regexp.MustCompile(`^( *)(- )?([A-Za-z0-9_.$-]+:( .+)?|- .+|[^:#]+|#.*)$`)

// TestClassroomExample checks the GitHub Classroom example: its workflow
// reads as YAML (by the subset it keeps to) and runs proc test on the
// student's script with the steps of Classroom's autograding; its golden
// is the exercise's; the starter fails, with exit status 1, and the
// reference passes, with 0.
func TestClassroomExample(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(autograderDir, "github-classroom")
	b, err := os.ReadFile(filepath.Join(dir, ".github", "workflows", "classroom.yml"))
	if err != nil {
		t.Fatal(err)
	}
	wf := string(b)
	block := -1 // the indentation of a literal block's key, -1 outside one
	for i, line := range strings.Split(strings.TrimSuffix(wf, "\n"), "\n") {
		indent := len(line) - len(strings.TrimLeft(line, " "))
		if block >= 0 && (strings.TrimSpace(line) == "" || indent > block) {
			continue
		}
		block = -1
		if strings.TrimSpace(line) == "" {
			continue
		}
		m := yamlLine.FindStringSubmatch(line)
		if strings.Contains(line, "\t") || m == nil || len(m[1])%2 != 0 {
			t.Errorf("classroom.yml:%d: not a line of YAML as workflows write it: %q", i+1, line)
			continue
		}
		if strings.HasSuffix(line, ": |") {
			block = indent
		}
	}
	for _, want := range []string{
		"\non:\n", "\njobs:\n", "runs-on: ubuntu-latest", "uses: actions/checkout@v4", "uses: actions/setup-go@v5",
		"go install ./cmd/proc", "command: proc test solution.proc", "id: solution",
		"uses: education/autograding-command-grader@v1", "uses: education/autograding-grading-reporter@v1",
		"SOLUTION_RESULTS: \"${{ steps.solution.outputs.result }}\"", "runners: solution", "max-score: 10",
	} {
		if !strings.Contains(wf, want) {
			t.Errorf("classroom.yml lacks %q", want)
		}
	}
	golden, _ := os.ReadFile(filepath.Join(dir, "solution.golden"))
	exGolden, _ := os.ReadFile(filepath.Join(autograderDir, "exercise", "solution.golden"))
	if len(golden) == 0 || !bytes.Equal(golden, exGolden) {
		t.Errorf("the classroom's golden %q is not the exercise's %q", golden, exGolden)
	}
	starter, err := os.ReadFile(filepath.Join(dir, "solution.proc"))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := os.ReadFile(filepath.Join(autograderDir, "exercise", "solution.proc"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what, script string
		code         int
	}{{"the starter", string(starter), 1}, {"the reference", string(ref), 0}} {
		work := t.TempDir()
		writeFiles(t, work, map[string]string{"solution.proc": c.script, "solution.golden": string(golden)})
		var stdout, stderr bytes.Buffer
		if code := Main([]string{"test", filepath.Join(work, "solution.proc")}, nil, &stdout, &stderr); code != c.code {
			t.Errorf("%s: proc test exit status %d, want %d\n%s%s", c.what, code, c.code, stdout.String(), stderr.String())
		}
	}
}
