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
