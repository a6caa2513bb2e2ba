package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"proc/grammar"
	"proc/interp"
)

// loadScript reads and compiles the script file (resolved against dir
// when dir is not ""). On failure it prints the error — a syntax or name
// error with its line and a caret — and returns nil: the caller exits 2.
func loadScript(dir, file string, stderr io.Writer) (*interp.Program, []byte) {
	path := file
	if dir != "" && !filepath.IsAbs(file) {
		path = filepath.Join(dir, file)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "proc: %v\n", friendlyFileError(err))
		return nil, nil
	}
	prog, err := interp.Load(file, src)
	if err != nil {
		var ge *grammar.Error
		if errors.As(err, &ge) {
			fmt.Fprint(stderr, ge.Snippet(src))
		} else {
			fmt.Fprintf(stderr, "%s: %v\n", file, err)
		}
		return nil, src
	}
	return prog, src
}
