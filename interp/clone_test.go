package interp_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"proc/interp"
	"proc/interp/internal/testkit"
	"proc/runtime"
	"proc/runtime/mem"
)

// pickChooser picks among the enabled threads by a fixed pseudo-random
// sequence, the same for a copy made at any point; at its call number
// at it calls onClone first.
type pickChooser struct {
	n, at   int
	seed    uint64
	onClone func(n int)
}

func (c *pickChooser) Choose(enabled []*runtime.Thread, last *runtime.Thread, yielded bool) int {
	if c.n == c.at && c.onClone != nil {
		c.onClone(c.n)
	}
	c.n++
	z := c.seed + uint64(c.n)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z ^= z >> 27
	return int(z % uint64(len(enabled)))
}

func stateOf(s *interp.Session) mem.Fingerprint {
	var h mem.Hasher
	h.Reset()
	s.VM.HashState(&h, true)
	return h.Sum()
}

// TestCloneRunsOnTheSame: on every example and exercise, a copy of the
// machine made at a scheduling point and run on with the same choices
// writes the same trace, byte for byte, as the original does from that
// point, finds the same races and ends in the same state.
func TestCloneRunsOnTheSame(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../examples/*.proc")
	more, _ := filepath.Glob("../exercises/*/*.proc")
	files = append(files, more...)
	if len(files) < 40 {
		t.Fatalf("found %d scripts", len(files))
	}
	copied := 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		prog, err := interp.Load(filepath.Base(file), src)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		sets := append(testkit.HeaderSets(src), "max_steps=200000")
		for _, at := range []int{0, 1, 3, 10, 40} {
			name := fmt.Sprintf("%s@%d", filepath.Base(file), at)
			var out, clOut bytes.Buffer
			sink := runtime.NewTextSink(&out, &out, false)
			opts := interp.Options{Trace: runtime.CatAll, Sink: sink, Race: true, Sets: sets}
			s, err := interp.NewSession(prog, opts)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var cl *interp.Session
			var clSink *runtime.TextSink
			var from int
			ch := &pickChooser{at: at, seed: uint64(len(file))}
			ch.onClone = func(n int) {
				clSink = runtime.NewTextSink(&clOut, &clOut, false)
				c, ok := s.Clone(clSink)
				if !ok {
					t.Errorf("%s: the machine was not copied", name)
					return
				}
				// What the original's sink holds back is written
				// before the copy's part begins.
				if err := sink.Flush(); err != nil {
					t.Fatal(err)
				}
				cl, from = c, out.Len()
				c.M.SetChooser(&pickChooser{n: n, at: -1, seed: ch.seed})
			}
			s.M.SetChooser(ch)
			s.M.Run()
			if cl == nil {
				continue
			}
			copied++
			cl.M.Run()
			if err := sink.Flush(); err != nil {
				t.Fatal(err)
			}
			if err := clSink.Flush(); err != nil {
				t.Fatal(err)
			}
			if got, want := clOut.String(), out.String()[from:]; got != want {
				t.Errorf("%s: the copy's trace differs from the original's from the copy on\n--- copy\n%s\n--- original\n%s", name, got, want)
				continue
			}
			if stateOf(cl) != stateOf(s) {
				t.Errorf("%s: the copy ends in another state", name)
			}
			if a, b := len(cl.VM.Races()), len(s.VM.Races()); a != b {
				t.Errorf("%s: the copy found %d races, the original %d", name, a, b)
			}
			if cl.M.Steps() != s.M.Steps() || cl.M.Now() != s.M.Now() {
				t.Errorf("%s: the copy ran %d steps to tick %d, the original %d to %d", name, cl.M.Steps(), cl.M.Now(), s.M.Steps(), s.M.Now())
			}
		}
	}
	if copied < 3*len(files) {
		t.Errorf("copied %d machines of %d runs: too few", copied, 5*len(files))
	}
	t.Logf("copied %d machines of %d runs", copied, 5*len(files))
}

// TestCloneIntoRunsOnTheSame: a copy made in a session no longer used,
// one that ran another program to its end or a copy of this one, holds
// nothing of it: it is in the same state as a copy made in new memory,
// and run on with the same choices it writes the same trace, finds the
// same races and ends in the same state.
func TestCloneIntoRunsOnTheSame(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../examples/*.proc")
	more, _ := filepath.Glob("../exercises/*/*.proc")
	files = append(files, more...)
	var spare *interp.Session // the session of the run before, ended
	copied := 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		prog, err := interp.Load(filepath.Base(file), src)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		sets := append(testkit.HeaderSets(src), "max_steps=200000")
		for _, at := range []int{0, 2, 10, 40} {
			name := fmt.Sprintf("%s@%d", filepath.Base(file), at)
			var out bytes.Buffer
			opts := interp.Options{Sink: runtime.NewTextSink(&out, &out, false), Race: true, Sets: sets}
			s, err := interp.NewSession(prog, opts)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var fresh, reused *interp.Session
			var freshOut, reusedOut bytes.Buffer
			var freshSink, reusedSink *runtime.TextSink
			ch := &pickChooser{at: at, seed: uint64(len(file))}
			ch.onClone = func(n int) {
				freshSink = runtime.NewTextSink(&freshOut, &freshOut, false)
				reusedSink = runtime.NewTextSink(&reusedOut, &reusedOut, false)
				var ok bool
				if fresh, ok = s.Clone(freshSink); !ok {
					return
				}
				if reused, ok = s.CloneInto(spare, reusedSink); !ok {
					t.Errorf("%s: no copy made in a spare session", name)
					fresh = nil
					return
				}
				if spare != nil && reused != spare {
					t.Errorf("%s: the copy was not made in the spare session", name)
				}
				spare = nil
				if stateOf(reused) != stateOf(fresh) {
					t.Errorf("%s: a copy made in a spare session is in another state than a new copy", name)
				}
				fresh.M.SetChooser(&pickChooser{n: n, at: -1, seed: ch.seed})
				reused.M.SetChooser(&pickChooser{n: n, at: -1, seed: ch.seed})
			}
			s.M.SetChooser(ch)
			s.M.Run()
			if fresh == nil {
				continue
			}
			copied++
			fresh.M.Run()
			reused.M.Run()
			if err := freshSink.Flush(); err != nil {
				t.Fatal(err)
			}
			if err := reusedSink.Flush(); err != nil {
				t.Fatal(err)
			}
			if got, want := reusedOut.String(), freshOut.String(); got != want {
				t.Errorf("%s: the copy made in a spare session writes another trace\n--- it\n%s\n--- a new copy\n%s", name, got, want)
				continue
			}
			if stateOf(reused) != stateOf(fresh) {
				t.Errorf("%s: the copy made in a spare session ends in another state", name)
			}
			if a, b := fmt.Sprint(reused.VM.Races()), fmt.Sprint(fresh.VM.Races()); a != b {
				t.Errorf("%s: the copy made in a spare session found races %s, a new copy %s", name, a, b)
			}
			if reused.M.Steps() != fresh.M.Steps() || reused.M.Now() != fresh.M.Now() {
				t.Errorf("%s: the copy made in a spare session ran %d steps to tick %d, a new copy %d to %d", name, reused.M.Steps(), reused.M.Now(), fresh.M.Steps(), fresh.M.Now())
			}
			// The next copy is made in one of them, or in the original,
			// each after its run: a copy, or a session made new.
			switch copied % 3 {
			case 0:
				spare = reused
			case 1:
				spare = fresh
			default:
				spare = s
			}
		}
	}
	if copied < 3*len(files) {
		t.Errorf("copied %d machines of %d runs: too few", copied, 4*len(files))
	}
}
