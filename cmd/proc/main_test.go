package main

import (
	"os"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	if os.Getenv(boundsChildEnv) != "" {
		// TestBounds runs proc in a process of its own, to measure it
		// and to survive it; this binary is that proc.
		os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	testscript.Main(m, map[string]func(){
		"proc": func() {
			// proc test prints times; frozen, they can be compared exactly.
			now = frozenClock
			os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// frozenClock is a clock that never moves: every duration is 0.
func frozenClock() time.Time { return time.Time{} }

// TestScripts runs the command-line scripts in testdata/script. With
// PROC_UPDATE=1 a "cmp stdout FILE" that fails rewrites FILE in its
// script (the REPL transcripts are such files).
func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{Dir: "testdata/script", UpdateScripts: os.Getenv("PROC_UPDATE") != ""})
}
