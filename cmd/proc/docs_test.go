package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// repoRoot is the root of the module, from this package's folder.
const repoRoot = "../.."

// TestNoCitationOfAbsentSpec: the docs in the repository are the
// reference. A lesson, a doc or a comment that sends its reader to the
// sections of a spec sends them to a document they do not have.
func TestNoCitationOfAbsentSpec(t *testing.T) {
	cite := regexp.MustCompile(`\bSPEC\b|(?i)\bspec(ification)? (section|§)|\bthe specification\b|§ ?\d`)
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && path != repoRoot {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".md", ".proc", ".golden", ".txtar", ".txt", ".yml", ".yaml":
		default:
			if d.Name() != "check" {
				return nil
			}
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			if cite.MatchString(line) {
				t.Errorf("%s:%d cites a document the repository does not have: %s", path, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// runExample runs an example as the README tells a student to, `proc run
// examples/NAME.proc`, and returns its stdout and exit status.
func runExample(t *testing.T, name string, args ...string) (string, int) {
	t.Helper()
	var out, errb strings.Builder
	code := Main(append([]string{"run", filepath.Join(repoRoot, "examples", name+".proc")}, args...), nil, &out, &errb)
	if code == 2 {
		t.Fatalf("%s did not start: %s", name, errb.String())
	}
	return out.String(), code
}

// TestExamplesShowWhatTheySay: what an example's comment promises, its
// plain run shows.
func TestExamplesShowWhatTheySay(t *testing.T) {
	t.Run("23 two sends, one recv", func(t *testing.T) {
		out, _ := runExample(t, "23-pipe")
		if !regexp.MustCompile(`(?m)recv\(3\)( = |.*resumed> = )"item\d;item\d;`).MatchString(out) {
			t.Errorf("no recv returns the bytes of two sends at once:\n%s", out)
		}
	})
	t.Run("25 the segment at two addresses", func(t *testing.T) {
		out, _ := runExample(t, "25-shm-semaphores")
		at := regexp.MustCompile(`(?m)\[(\d)/\d\] shm\("buffer", 8\) = (0x[0-9a-f]+)`).FindAllStringSubmatch(out, -1)
		if len(at) != 2 || at[0][1] == at[1][1] || at[0][2] == at[1][2] {
			t.Errorf("the two processes do not map the buffer at two addresses: %q\n%s", at, out)
		}
	})
	t.Run("35 a long quantum loses nothing", func(t *testing.T) {
		out, code := runExample(t, "35-explore-lost-update")
		if out != "counter = 4\n" || code != 0 {
			t.Errorf("exit %d, output:\n%s", code, out)
		}
	})
}
