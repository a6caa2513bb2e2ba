package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"proc/grammar"
)

const fmtUsage = `Usage: proc fmt [flags] [PATH...]

Formats .proc scripts in the one canonical layout that docs/LANGUAGE.md
describes (Formatting): four spaces a block, one statement a line, one
space around operators, comments and blank lines kept where they are.
Only white space changes: every token is kept as it is written, so what
a script does never changes.

Each PATH is a script, or a folder searched recursively for *.proc files
(folders whose names start with "." are skipped). With no PATH, the
script is read from standard input and written to standard output.

Without a flag, the formatted scripts are printed on standard output.

Flags:
  -w   write the result back to each file whose layout differs, keeping
       its permissions; a file already formatted is not touched
  -l   list the files whose layout differs, one a line, instead of
       printing them
  -d   print a unified diff of the changes instead of the scripts

A script that does not parse, or whose '# args:'/'# exit:' header cannot
be read, is reported as proc run reports it (a syntax error as
FILE:LINE:COL: message, with the line and a caret), and nothing is
written for it; the other scripts are still formatted. -w needs a PATH.

Exit status: 0 every script could be formatted (whether or not any
differed, even with -l or -d); 2 a script did not parse or could not be
read or written, or a usage error.
`

// stdinName names standard input in messages and listings.
const stdinName = "<standard input>"

// fmtOptions are the flags of proc fmt.
type fmtOptions struct {
	write, list, diff bool
}

// cmdFmt is `proc fmt`: the canonical layout of scripts.
// flagSet is the flag set proc fmt parses its arguments with (and the
// completion scripts offer).
func (o *fmtOptions) flagSet(stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("fmt", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	fs.BoolVar(&o.write, "w", false, "")
	fs.BoolVar(&o.list, "l", false, "")
	fs.BoolVar(&o.diff, "d", false, "")
	return fs
}

func cmdFmt(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var o fmtOptions
	fs := o.flagSet(stderr)
	paths, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, fmtUsage)
			return 0
		}
		fmt.Fprint(stderr, fmtUsage)
		return 2
	}
	if len(paths) == 0 {
		if o.write {
			fmt.Fprintln(stderr, "proc fmt: -w needs a file to write: give a PATH")
			return 2
		}
		src, err := io.ReadAll(io.LimitReader(stdin, maxScriptBytes+1))
		if err != nil {
			fmt.Fprintf(stderr, "proc fmt: %s: %v\n", stdinName, err)
			return 2
		}
		if len(src) > maxScriptBytes {
			fmt.Fprintf(stderr, "proc fmt: %s: too large for a script (at most %d bytes)\n", stdinName, maxScriptBytes)
			return 2
		}
		return fmtOne(o, stdinName, src, stdout, stderr)
	}
	code := 0
	for _, p := range paths {
		files, err := fmtFiles(p)
		if err != nil {
			fmt.Fprintf(stderr, "proc fmt: %v\n", err)
			code = 2
			continue
		}
		for _, f := range files {
			src, err := readScript(f, true)
			if err != nil {
				fmt.Fprintf(stderr, "proc fmt: %v\n", err)
				code = 2
				continue
			}
			code = max(code, fmtOne(o, f, src, stdout, stderr))
		}
	}
	return code
}

// fmtFiles returns the scripts a PATH argument names: the file itself, or
// the *.proc files under a folder, sorted.
func fmtFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, friendlyFileError(err)
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != path && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && strings.HasSuffix(d.Name(), ".proc") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, friendlyFileError(err)
	}
	sort.Strings(files)
	return files, nil
}

// fmtOne formats one script read from name and does with it what the
// flags say. It returns the exit status for it.
func fmtOne(o fmtOptions, name string, src []byte, stdout, stderr io.Writer) int {
	out, err := grammar.FormatSource(name, src)
	if err != nil {
		var ge *grammar.Error
		if errors.As(err, &ge) {
			fmt.Fprint(stderr, ge.Snippet(src))
		} else {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
		}
		return 2
	}
	changed := !bytes.Equal(src, out)
	if o.list && changed {
		fmt.Fprintln(stdout, name)
	}
	if o.diff && changed {
		fmt.Fprint(stdout, unifiedDiff(name+".orig", name, string(src), string(out)))
	}
	if o.write && changed {
		if err := writeKeepingMode(name, out); err != nil {
			fmt.Fprintf(stderr, "proc fmt: %v\n", err)
			return 2
		}
	}
	if !o.list && !o.diff && !o.write {
		stdout.Write(out)
	}
	return 0
}

// writeKeepingMode replaces the file at name (or, for a symbolic link,
// the file it points to) with data, keeping its permissions. The data
// goes to a new file beside it first, renamed over it once written, so
// that a failed write never leaves a script half written.
func writeKeepingMode(name string, data []byte) error {
	target, err := filepath.EvalSymlinks(name)
	if err != nil {
		return friendlyFileError(err)
	}
	st, err := os.Stat(target)
	if err != nil {
		return friendlyFileError(err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".fmt-*")
	if err != nil {
		return friendlyFileError(err)
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), st.Mode().Perm())
	}
	if err == nil {
		err = os.Rename(tmp.Name(), target)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return friendlyFileError(err)
	}
	return nil
}
