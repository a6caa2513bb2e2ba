package runtime

import (
	"slices"
	"testing"
)

// TestFDTable: descriptors go to the lowest free number, a closed one is
// free again, closing the last ones shortens the table (so a closed
// descriptor past the end is never kept), and a table ranges in order.
func TestFDTable(t *testing.T) {
	m := NewMachine(DefaultConfig(), NewTracer(0, nil), nil)
	p := &Process{fds: initFDs()}
	f := func() *File { return &File{Kind: FDPipeRead, Pipe: &Pipe{}} }
	a, b, c := f(), f(), f()
	if n := m.newFD(p, a); n != 3 {
		t.Fatalf("first descriptor after the standard ones: %d, want 3", n)
	}
	if n := m.newFD(p, b); n != 4 {
		t.Fatalf("second: %d, want 4", n)
	}
	if !m.closeFD(p, 3) || m.closeFD(p, 3) {
		t.Fatal("closing 3 twice: want true then false")
	}
	if got, ok := p.fds.Get(3); ok || got != nil {
		t.Fatalf("3 after close: %v %v", got, ok)
	}
	if n := m.newFD(p, c); n != 3 {
		t.Fatalf("after closing 3: %d, want 3 again", n)
	}
	if p.fds.Len() != 5 || len(p.fds) != 5 {
		t.Fatalf("open %d, table %d: want 5 and 5", p.fds.Len(), len(p.fds))
	}
	if !m.closeFD(p, 4) || len(p.fds) != 4 {
		t.Fatalf("closing the last: table of %d, want 4", len(p.fds))
	}
	if !m.closeFD(p, 1) || len(p.fds) != 4 || p.fds.Len() != 3 {
		t.Fatalf("closing 1: table %d, open %d; want 4 and 3", len(p.fds), p.fds.Len())
	}
	var open []int
	for n, f := range p.fds {
		if f != nil {
			open = append(open, n)
		}
	}
	if !slices.Equal(open, []int{0, 2, 3}) {
		t.Fatalf("open descriptors %v, want [0 2 3]", open)
	}
	for _, n := range []int64{-1, 1, 4, 1 << 40} {
		if _, ok := p.FD(n); ok {
			t.Errorf("descriptor %d reads as open", n)
		}
	}
	m.closeAll(p)
	if len(p.fds) != 0 {
		t.Fatalf("after closing all: %d left", len(p.fds))
	}
}
