package runtime

import (
	"strings"
	"testing"
)

// recordSink keeps the names of the events it gets.
type recordSink struct{ got []string }

func (r *recordSink) Emit(e *Event) { r.got = append(r.got, e.Ev) }
func (r *recordSink) Flush() error  { return nil }

// TestTracerTee checks that a sink added with Tee gets the events of its
// own categories whatever the main sink shows, and that On answers for
// both.
func TestTracerTee(t *testing.T) {
	main, extra := &recordSink{}, &recordSink{}
	tr := NewTracer(CatSched, main)
	if tr.On(CatIPC) {
		t.Fatal("On(ipc) before the tee: want false")
	}
	tr.Tee(CatIPC, extra)
	if !tr.On(CatIPC) || !tr.On(CatSched) || tr.On(CatMem) {
		t.Errorf("On after Tee(ipc) with main sched: got ipc %v sched %v mem %v", tr.On(CatIPC), tr.On(CatSched), tr.On(CatMem))
	}
	for _, e := range []*Event{{Cat: CatSched, Ev: "switch"}, {Cat: CatIPC, Ev: "send"}, {Cat: CatMem, Ev: "alloc"}, {Cat: CatOutput, Ev: "print"}} {
		tr.Emit(e)
	}
	if got := strings.Join(main.got, " "); got != "switch print" {
		t.Errorf("main sink got %q, want %q", got, "switch print")
	}
	if got := strings.Join(extra.got, " "); got != "send print" {
		t.Errorf("tee got %q, want %q", got, "send print")
	}
	// Changing what the main sink shows leaves the tee alone.
	tr.SetMask(0)
	if !tr.On(CatIPC) || tr.On(CatSched) || tr.Mask() != CatOutput {
		t.Errorf("after SetMask(0): On(ipc) %v On(sched) %v Mask %v", tr.On(CatIPC), tr.On(CatSched), tr.Mask())
	}
}
