package interp_test

import (
	"fmt"
	"strings"
	"testing"

	"proc/interp"
	"proc/runtime"
)

type nullSink struct{}

func (nullSink) Emit(*runtime.Event) {}
func (nullSink) Flush() error        { return nil }

// BenchmarkClone copies a machine of three threads that add to a global
// counter, at a scheduling point after all of them started, with the race
// detector on: what explore copies at every point it comes back to.
func BenchmarkClone(b *testing.B) {
	var src strings.Builder
	src.WriteString("global counter = 0\nfunc inc() {\n    for i in 0..3 {\n        counter = counter + 1\n    }\n}\n")
	for i := range 3 {
		fmt.Fprintf(&src, "let t%d = thread inc()\n", i)
	}
	for i := range 3 {
		fmt.Fprintf(&src, "join t%d\n", i)
	}
	prog, err := interp.Load("c.proc", []byte(src.String()))
	if err != nil {
		b.Fatal(err)
	}
	s, err := interp.NewSession(prog, interp.Options{Race: true, Sink: nullSink{}})
	if err != nil {
		b.Fatal(err)
	}
	var at *interp.Session
	n := 0
	ch := &pickChooser{at: -1}
	s.M.SetChooser(chooseFunc(func(enabled []*runtime.Thread) int {
		n++
		if n == 12 {
			at, _ = s.Clone(nullSink{})
		}
		return ch.Choose(enabled, nil, false)
	}))
	s.M.Run()
	if at == nil {
		b.Fatal("no copy")
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := at.Clone(nullSink{}); !ok {
			b.Fatal("no copy")
		}
	}
}

type chooseFunc func(enabled []*runtime.Thread) int

func (f chooseFunc) Choose(enabled []*runtime.Thread, last *runtime.Thread, yielded bool) int {
	return f(enabled)
}
