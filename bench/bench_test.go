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

// TestCountStates: the model of example 34 counted layer by layer has
// the states a plain search of it with a set of all it has seen finds.
func TestCountStates(t *testing.T) {
	for _, k := range []int{1, 2, 3, 5, 10} {
		got, _ := countStates(k)
		if want := searchStates(k); got != want {
			t.Errorf("%d increments: %d states counted, %d found", k, got, want)
		}
	}
	if got, _ := countStates(10); got != 22707 {
		t.Errorf("10 increments: %d states, BENCHMARKS.md says 22,707", got)
	}
}

// searchStates finds the states of the model by a search from the first
// one, remembering every state met.
func searchStates(k int) int {
	type proc struct{ i, loaded, v int }
	type state struct {
		a, b proc
		c    int
	}
	step := func(p proc, c int) (proc, int, bool) {
		switch {
		case p.i == k:
			return p, c, false
		case p.loaded == 0:
			return proc{p.i, 1, c}, c, true
		default:
			return proc{p.i + 1, 0, 0}, p.v + 1, true
		}
	}
	seen := map[state]bool{{}: true}
	todo := []state{{}}
	for len(todo) > 0 {
		s := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		var next []state
		if a, c, ok := step(s.a, s.c); ok {
			next = append(next, state{a, s.b, c})
		}
		if b, c, ok := step(s.b, s.c); ok {
			next = append(next, state{s.a, b, c})
		}
		for _, n := range next {
			if !seen[n] {
				seen[n] = true
				todo = append(todo, n)
			}
		}
	}
	return len(seen)
}
