package interp

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"proc/runtime"
	"proc/runtime/mem"
)

// pointers collects every pointer, map and slice array reachable from v,
// by address, with the type that holds it, skipping the types in shared.
type pointerWalk struct {
	seen   map[uintptr]reflect.Type
	path   map[uintptr]string
	shared map[reflect.Type]bool
}

func (w *pointerWalk) walk(v reflect.Value) { w.walkAt(v, "") }

func (w *pointerWalk) walkAt(v reflect.Value, at string) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || w.shared[v.Type()] {
			return
		}
		p := v.Pointer()
		if _, ok := w.seen[p]; ok {
			return
		}
		w.seen[p] = v.Type()
		w.path[p] = at
		w.walkAt(v.Elem(), at)
	case reflect.Interface:
		if !v.IsNil() {
			w.walkAt(v.Elem(), at)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			w.walkAt(v.Field(i), at+"."+v.Type().Field(i).Name)
		}
	case reflect.Slice:
		if v.IsNil() || w.shared[v.Type()] {
			return
		}
		if v.Cap() > 0 {
			p := v.Pointer()
			if _, ok := w.seen[p]; !ok {
				w.seen[p] = v.Type()
				w.path[p] = at
			}
		}
		for i := range v.Len() {
			w.walkAt(v.Index(i), at+"[]")
		}
	case reflect.Array:
		for i := range v.Len() {
			w.walkAt(v.Index(i), at+"[]")
		}
	case reflect.Map:
		if v.IsNil() || w.shared[v.Type()] {
			return
		}
		p := v.Pointer()
		if _, ok := w.seen[p]; ok {
			return
		}
		w.seen[p] = v.Type()
		w.path[p] = at
		it := v.MapRange()
		for it.Next() {
			w.walkAt(it.Key(), at+"{k}")
			w.walkAt(it.Value(), at+"{v}")
		}
	}
}

// TestCloneSharesNothing: a copy of a session shares no memory with the
// original that either could change: every pointer, map and slice array
// reachable from the copy is its own, but for what never changes as a
// program runs (the program's code, a process's image), what the runs
// of a search share on purpose (the memo of races reported) and what is
// shared copy-on-write (a space's page table: the space that changes it
// first copies it, TestPageTableCopiedOnWrite in runtime/mem). A field
// added to the machine and left out of Clone shows here.
func TestCloneSharesNothing(t *testing.T) {
	t.Parallel()
	shared := map[reflect.Type]bool{
		reflect.TypeFor[*Program]():       true,
		reflect.TypeFor[*Func]():          true,
		reflect.TypeFor[*Shape]():         true,
		reflect.TypeFor[*runtime.Image](): true,
		reflect.TypeFor[*RaceMemo]():      true,
		reflect.TypeFor[*Global]():        true,
		// Copied on write (mem.AddressSpace.ownPT).
		reflect.TypeFor[map[uint64]mem.Frame](): true,
	}
	files, _ := filepath.Glob("../examples/*.proc")
	copied := 0
	var spare *Session
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		prog, err := Load(filepath.Base(file), src)
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewSession(prog, Options{Race: true, Sink: discard{}, RaceMemo: NewRaceMemo(), Sets: []string{"max_steps=200000"}})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		var orig, cp *Session
		s.M.SetChooser(chooseAt(func(enabled []*runtime.Thread) int {
			if n++; n == 12 {
				// The copy is made in the session of the program
				// before, run to its end: what it holds from then
				// is its own too.
				if c, ok := s.CloneInto(spare, discard{}); ok {
					// The original as it is now, and its copy.
					orig, cp = s, c
					w := &pointerWalk{seen: map[uintptr]reflect.Type{}, path: map[uintptr]string{}, shared: shared}
					w.walk(reflect.ValueOf(orig))
					mine := &pointerWalk{seen: map[uintptr]reflect.Type{}, path: map[uintptr]string{}, shared: shared}
					mine.walk(reflect.ValueOf(cp))
					for p, ty := range mine.seen {
						if oty, ok := w.seen[p]; ok {
							t.Errorf("%s: the copy shares a %v (%s) with the original (there a %v, %s)", filepath.Base(file), ty, mine.path[p], oty, w.path[p])
						}
					}
					copied++
				}
			}
			return n % len(enabled)
		}))
		s.M.Run()
		if cp != nil {
			cp.M.Run()
		}
		spare = cp
	}
	if copied < 25 {
		t.Errorf("copied %d machines", copied)
	}
}

type chooseAt func(enabled []*runtime.Thread) int

func (f chooseAt) Choose(enabled []*runtime.Thread, last *runtime.Thread, yielded bool) int {
	return f(enabled)
}

// tails collects the slices reachable from v, by the path of the field
// that holds them, whose room past their length holds anything but
// zeros, skipping the types in shared and the blocks a copy keeps for
// the copies made in it later.
func tails(v reflect.Value, at string, shared map[reflect.Type]bool, seen map[uintptr]bool, out map[string]bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || shared[v.Type()] || seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		tails(v.Elem(), at, shared, seen, out)
	case reflect.Interface:
		if !v.IsNil() {
			tails(v.Elem(), at, shared, seen, out)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.Name != "blocks" {
				tails(v.Field(i), at+"."+f.Name, shared, seen, out)
			}
		}
	case reflect.Slice:
		if v.IsNil() || shared[v.Type()] {
			return
		}
		if tail := v.Slice(v.Len(), v.Cap()); !tail.IsZero() {
			for i := range tail.Len() {
				if !tail.Index(i).IsZero() {
					out[at] = true
					break
				}
			}
		}
		for i := range v.Len() {
			tails(v.Index(i), at+"[]", shared, seen, out)
		}
	case reflect.Array:
		for i := range v.Len() {
			tails(v.Index(i), at+"[]", shared, seen, out)
		}
	case reflect.Map:
		if v.IsNil() || seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		it := v.MapRange()
		for it.Next() {
			tails(it.Key(), at+"{k}", shared, seen, out)
			tails(it.Value(), at+"{v}", shared, seen, out)
		}
	}
}

// TestCloneIntoKeepsNothing: a copy made in a session of another program
// that ran to its end holds nothing of it in the room its slices have
// past their length (a segment's words, a heap's shadow, an operand
// stack grow into it, and must find zeros there), wherever a new copy
// holds nothing there either.
func TestCloneIntoKeepsNothing(t *testing.T) {
	t.Parallel()
	shared := map[reflect.Type]bool{
		reflect.TypeFor[*Program]():       true,
		reflect.TypeFor[*Func]():          true,
		reflect.TypeFor[*Shape]():         true,
		reflect.TypeFor[*runtime.Image](): true,
		reflect.TypeFor[*RaceMemo]():      true,
		reflect.TypeFor[*Global]():        true,
	}
	files, _ := filepath.Glob("../examples/*.proc")
	more, _ := filepath.Glob("../exercises/*/*.proc")
	files = append(files, more...)
	var spare *Session
	copied := 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		prog, err := Load(filepath.Base(file), src)
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewSession(prog, Options{Race: true, Sink: discard{}, RaceMemo: NewRaceMemo(), Sets: []string{"max_steps=200000"}})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		var cp *Session
		s.M.SetChooser(chooseAt(func(enabled []*runtime.Thread) int {
			if n++; n == 8 {
				fresh, ok := s.Clone(discard{})
				if !ok {
					return 0
				}
				if cp, ok = s.CloneInto(spare, discard{}); !ok {
					t.Errorf("%s: no copy made in a spare session", filepath.Base(file))
					return 0
				}
				want, got := map[string]bool{}, map[string]bool{}
				tails(reflect.ValueOf(fresh), "", shared, map[uintptr]bool{}, want)
				tails(reflect.ValueOf(cp), "", shared, map[uintptr]bool{}, got)
				for at := range got {
					if !want[at] {
						t.Errorf("%s: a copy made in a spare session holds something past the end of %s", filepath.Base(file), at)
					}
				}
				copied++
			}
			return n % len(enabled)
		}))
		s.M.Run()
		if cp != nil {
			cp.M.Run()
			spare = cp
		}
	}
	if copied < 40 {
		t.Errorf("copied %d machines", copied)
	}
}
