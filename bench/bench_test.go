package main

import (
	"strings"
	"testing"
)

// TestEnginesAgree runs each benchmark with a small argument in every
// engine and checks the results, so that a change of the language that
// breaks a benchmark script shows here rather than in a long run.
func TestEnginesAgree(t *testing.T) {
	es, err := enginesByName([]string{"proc", "proc-fifo", "lua", "starlark", "python"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		bench string
		n     int
	}{{"fib", 15}, {"loop", 1000}} {
		for _, e := range es {
			run, err := e.prepare(c.bench, c.n)
			if err != nil {
				t.Fatalf("%s %s: %v", e.name, c.bench, err)
			}
			got, _, err := run()
			if err != nil {
				t.Fatalf("%s %s: %v", e.name, c.bench, err)
			}
			if w := want(c.bench, c.n); got != w {
				t.Errorf("%s %s(%d) = %s, want %s", e.name, c.bench, c.n, got, w)
			}
		}
	}
}

// TestScaleScripts runs small versions of the scaling configurations in
// this process and checks that every process did its work right.
func TestScaleScripts(t *testing.T) {
	for _, c := range []struct {
		src   string
		procs int
	}{{procsScript(20), 20}, {threadsScript(5, 4), 5}} {
		var f figures
		if err := runWorkers(&f, c.src, c.procs); err != nil {
			t.Fatal(err)
		}
		if !f.ResultOK {
			t.Errorf("result %q, want %d\n%s", f.ResultText, c.procs, c.src)
		}
	}
	var f figures
	if err := runLines(&f, 300); err != nil {
		t.Fatal(err)
	}
	if f.Lines < 300 || !strings.Contains(f.ResultText, "compiled") {
		t.Errorf("lines: %+v", f)
	}
}
