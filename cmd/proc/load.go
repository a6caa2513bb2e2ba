package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"proc/interp"
	"proc/runtime"
)

// maxScriptBytes bounds the size of a script. A script is a program a
// person writes and reads; ten thousand lines are a few hundred KiB.
const maxScriptBytes = 1 << 20

// maxGoldenBytes bounds the size of a golden file, as the output of a run
// that proc test keeps is bounded (maxCapture).
const maxGoldenBytes = maxCapture

// readRegular reads the file at path, which must be a regular file of at
// most limit bytes. With follow, a symbolic link is followed to its target
// (which must be a regular file); without, a link is refused. Anything
// else — a folder, a device, a FIFO, a socket — is refused before it is
// read, so that neither /dev/zero nor a FIFO with no writer can make proc
// grow or hang.
func readRegular(path string, follow bool, limit int64, what string) ([]byte, error) {
	var st fs.FileInfo
	var err error
	if follow {
		st, err = os.Stat(path)
	} else {
		st, err = os.Lstat(path)
	}
	if err != nil {
		return nil, friendlyFileError(err)
	}
	switch {
	case st.Mode()&fs.ModeSymlink != 0:
		return nil, fmt.Errorf("%s: is a symbolic link; proc test reads only regular files", path)
	case st.IsDir():
		return nil, fmt.Errorf("%s: is a folder, not a %s", path, what)
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("%s: is not a regular file (%s); a %s must be one", path, fileKind(st.Mode()), what)
	case st.Size() > limit:
		return nil, fmt.Errorf("%s: %d bytes is too large for a %s (at most %d)", path, st.Size(), what, limit)
	}
	f, err := openRegular(path, follow)
	if err != nil {
		return nil, friendlyFileError(err)
	}
	defer f.Close()
	// The file may have changed since it was looked at: check what was
	// opened, and never read more than the limit.
	if st, err = f.Stat(); err != nil {
		return nil, friendlyFileError(err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: is not a regular file (%s); a %s must be one", path, fileKind(st.Mode()), what)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, friendlyFileError(err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: too large for a %s (at most %d bytes)", path, what, limit)
	}
	return b, nil
}

// fileKind names the kind of a file that is not a regular one.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "not a plain file"
}

// readScript reads a script file (see readRegular).
func readScript(path string, follow bool) ([]byte, error) {
	return readRegular(path, follow, maxScriptBytes, "script")
}

// loadScript reads and compiles the script file (resolved against dir
// when dir is not ""), with the limits the command line allows in ceil. On
// failure it prints the error — a syntax or name error with its line and a
// caret — and returns nil: the caller exits 2.
func loadScript(dir, file string, follow bool, ceil runtime.Config, stderr io.Writer) (*interp.Program, []byte) {
	src, err := readScriptIn(dir, file, follow)
	if err != nil {
		fmt.Fprintf(stderr, "proc: %v\n", err)
		return nil, nil
	}
	return compileScript(file, src, ceil, stderr), src
}

// readScriptIn reads the script file, resolved against dir when dir is
// not "".
func readScriptIn(dir, file string, follow bool) ([]byte, error) {
	path := file
	if dir != "" && !filepath.IsAbs(file) {
		path = filepath.Join(dir, file)
	}
	return readScript(path, follow)
}

// compileScript compiles a script read from file, as loadScript does.
func compileScript(file string, src []byte, ceil runtime.Config, stderr io.Writer) *interp.Program {
	prog, err := interp.LoadLimited(file, src, ceil)
	if err != nil {
		fmt.Fprint(stderr, interp.ErrorText(file, src, err))
		return nil
	}
	return prog
}
