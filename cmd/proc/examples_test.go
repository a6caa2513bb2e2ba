package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"proc/grammar"
)

// update rewrites golden files instead of comparing with them. It is set by
// PROC_UPDATE=1, so that `go test ./...` works in every package.
var update = os.Getenv("PROC_UPDATE") == "1"

// runGolden runs one script as `cd DIR && proc run NAME.proc ARGS` would and
// compares its stdout and exit status with NAME.golden and `# exit:`.
func runGolden(t *testing.T, path string) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := grammar.ParseHeader(src)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	dir, name := filepath.Split(path)
	var stdout, stderr bytes.Buffer
	// The header is the script's own word, as under proc test.
	code := runScript(runJob{dir: dir, args: []string{name}, header: h.Args}, &stdout, &stderr)
	if code != h.Exit {
		t.Errorf("%s: exit status %d, want %d\nstderr:\n%s", path, code, h.Exit, stderr.String())
	}
	golden := filepath.Join(dir, strings.TrimSuffix(name, ".proc")+".golden")
	if update {
		old, _ := os.ReadFile(golden)
		if !bytes.Equal(old, stdout.Bytes()) {
			if err := os.WriteFile(golden, stdout.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("updated %s", golden)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%s: no golden file (run with PROC_UPDATE=1 to create it)", path)
	}
	if !bytes.Equal(want, stdout.Bytes()) {
		t.Errorf("%s: output differs from %s\n%s", path, golden, lineDiff(string(want), stdout.String()))
	}
}

// lineDiff shows the first lines where two texts differ.
func lineDiff(want, got string) string {
	wl := strings.Split(want, "\n")
	gl := strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g + "\n")
			shown++
			if shown == 5 {
				break
			}
		}
	}
	return b.String()
}

// TestExamples runs every example and compares it with its golden file.
func TestExamples(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../examples/*.proc")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	ostep, _ := filepath.Glob("../../examples/ostep/*.proc")
	if len(ostep) == 0 {
		t.Fatal("no examples found in examples/ostep")
	}
	for _, f := range append(files, ostep...) {
		f := f
		t.Run(strings.TrimPrefix(f, "../../examples/"), func(t *testing.T) { runGolden(t, f) })
	}
}

// TestDeterminism runs every example and exercise solution 20 times, with
// the JSON trace too: the bytes must never differ.
func TestDeterminism(t *testing.T) {
	t.Parallel()
	runs := 20
	if testing.Short() {
		runs = 3
	}
	files, _ := filepath.Glob("../../examples/*.proc")
	ostep, _ := filepath.Glob("../../examples/ostep/*.proc")
	more, _ := filepath.Glob("../../exercises/*/*.proc")
	files = append(append(files, ostep...), more...)
	for _, f := range files {
		src, _ := os.ReadFile(f)
		h, _ := grammar.ParseHeader(src)
		for _, extra := range [][]string{nil, {"--json"}} {
			args := append(append([]string{"run", f}, h.Args...), extra...)
			var first []byte
			for i := 0; i < runs; i++ {
				var out bytes.Buffer
				Main(args, nil, &out, &bytes.Buffer{})
				if i == 0 {
					first = out.Bytes()
				} else if !bytes.Equal(first, out.Bytes()) {
					t.Errorf("%s %v: run %d differs from run 1", f, extra, i+1)
					break
				}
			}
		}
	}
}
