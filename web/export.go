//go:build !js

package web

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrOccupied says that a folder to export the page into holds something
// else than an earlier export of it.
var ErrOccupied = errors.New("holds files that are not the page's")

// Export writes the page's files into dir, with initial (nil for none) as
// InitialFile: a folder that any static file server serves as it is, the
// engine running in the visitor's browser.
//
// dir is made when it does not exist. When it does, it must be empty or
// hold an earlier export — nothing but the files and folders the page has,
// under the same names — or Export refuses with ErrOccupied and writes
// nothing: a mistyped folder must not get the page's files mixed into its
// own. With force it writes the page's files into dir all the same, and
// leaves whatever else is there as it is. Each file is written whole or
// not at all (a temporary file renamed into place), and a symbolic link
// in a file's place is replaced, never followed.
func Export(dir string, initial *Script, force bool) error {
	files, err := pageFiles(initial)
	if err != nil {
		return err
	}
	names := sortedNames(files)
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	case err != nil:
		return err
	case !force:
		if other := foreign(entries, names); other != "" {
			return fmt.Errorf("%s %w (%s, among others)", dir, ErrOccupied, other)
		}
	}
	for _, name := range names {
		if err := writeWhole(filepath.Join(dir, filepath.FromSlash(name)), files[name].data); err != nil {
			return err
		}
	}
	return nil
}

// foreign returns the name of an entry of a folder that an export of the
// files names would not have made, or "" when there is none.
func foreign(entries []fs.DirEntry, names []string) string {
	// What an export makes at the top of its folder: files, and the
	// folders that hold the others.
	made := map[string]fs.FileMode{}
	for _, name := range names {
		if top, _, nested := strings.Cut(name, "/"); nested {
			made[top] = fs.ModeDir
		} else {
			made[name] = 0
		}
	}
	for _, e := range entries {
		kind, ok := made[e.Name()]
		if !ok || e.Type() != kind {
			return e.Name()
		}
	}
	return ""
}

// writeWhole writes data to the file name, making its folder if needed.
func writeWhole(name string, data []byte) error {
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".export-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
