package main

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// goldenScript is one script proc test checks: NAME.proc and, beside it,
// NAME.golden.
type goldenScript struct {
	// Name is what reports call the script: its path relative to the PATH
	// argument it was found under, without ".proc", with forward slashes
	// (a file argument is named as written). With several PATH arguments
	// the argument comes first, so that submissions/alice/solution and
	// submissions/bob/solution stay apart.
	Name string
	// Dir is the folder of the script, as reachable from the working
	// directory; the script runs as if proc run were started there.
	Dir string
	// File is the bare file name NAME.proc, the name the script runs under,
	// so that its trace never depends on where the folder lives.
	File string
}

// GoldenPath is the path of the script's golden file.
func (s goldenScript) GoldenPath() string {
	return filepath.Join(s.Dir, strings.TrimSuffix(s.File, ".proc")+".golden")
}

// ScriptPath is the path of the script.
func (s goldenScript) ScriptPath() string { return filepath.Join(s.Dir, s.File) }

// findScripts collects the scripts under the PATH arguments: every
// NAME.proc with a NAME.golden beside it in a directory tree (folders whose
// names start with "." are skipped, as version-control folders are), and
// every .proc file named directly, golden or not, so that a missing golden
// is reported rather than silently skipped. The result is sorted by path
// and holds each script once.
func findScripts(args []string) ([]goldenScript, error) {
	var out []goldenScript
	for _, arg := range args {
		prefix := ""
		if len(args) > 1 {
			prefix = filepath.ToSlash(filepath.Clean(arg))
		}
		st, err := os.Stat(arg)
		if err != nil {
			return nil, friendlyFileError(err)
		}
		if !st.IsDir() {
			if !strings.HasSuffix(arg, ".proc") {
				return nil, fmt.Errorf("%s: not a .proc script or a folder", arg)
			}
			dir, file := filepath.Split(filepath.Clean(arg))
			out = append(out, goldenScript{
				Name: strings.TrimSuffix(filepath.ToSlash(filepath.Clean(arg)), ".proc"),
				Dir:  filepath.Clean(dir),
				File: file,
			})
			continue
		}
		root := arg
		if lst, err := os.Lstat(arg); err == nil && lst.Mode()&fs.ModeSymlink != 0 {
			// WalkDir does not follow a link, not even at the root; a
			// trailing separator makes the root the folder it points to.
			root += string(filepath.Separator)
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != root && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(d.Name(), ".proc") {
				return nil
			}
			golden := strings.TrimSuffix(p, ".proc") + ".golden"
			if st, err := os.Stat(golden); err != nil || st.IsDir() {
				return nil
			}
			rel, err := filepath.Rel(arg, p)
			if err != nil {
				return err
			}
			out = append(out, goldenScript{
				Name: path.Join(prefix, strings.TrimSuffix(filepath.ToSlash(rel), ".proc")),
				Dir:  filepath.Dir(p),
				File: d.Name(),
			})
			return nil
		})
		if err != nil {
			return nil, friendlyFileError(err)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return filepath.ToSlash(out[i].ScriptPath()) < filepath.ToSlash(out[j].ScriptPath())
	})
	// The same script reached through two arguments runs once.
	uniq := out[:0]
	for i, s := range out {
		if i > 0 && s.ScriptPath() == out[i-1].ScriptPath() {
			continue
		}
		uniq = append(uniq, s)
	}
	return uniq, nil
}
