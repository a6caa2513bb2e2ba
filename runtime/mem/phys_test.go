package mem

import (
	"slices"
	"testing"
)

func TestPhysLowestFreeFirst(t *testing.T) {
	ph := NewPhys()
	a, b, c := ph.Alloc(), ph.Alloc(), ph.Alloc()
	if a != 1 || b != 2 || c != 3 {
		t.Fatalf("first frames %d %d %d, want 1 2 3", a, b, c)
	}
	ph.Drop(c)
	ph.Drop(a)
	if f := ph.Alloc(); f != 1 {
		t.Errorf("after freeing 1 and 3, got %d, want 1", f)
	}
	if f := ph.Alloc(); f != 3 {
		t.Errorf("then got %d, want 3", f)
	}
	if f := ph.Alloc(); f != 4 {
		t.Errorf("then got %d, want 4", f)
	}
	ph.Hold(b)
	ph.Drop(b)
	if ph.Holders(b) != 1 || ph.InUse() != 4 {
		t.Errorf("frame 2 has %d holders, %d in use; want 1 and 4", ph.Holders(b), ph.InUse())
	}
}

// Freed frames come back lowest first, however many and in whatever
// order they were freed.
func TestPhysFreeOrder(t *testing.T) {
	ph := NewPhys()
	var fs []Frame
	for range 200 {
		fs = append(fs, ph.Alloc())
	}
	// Free every third frame, from the end.
	var freed []Frame
	for i := len(fs) - 1; i >= 0; i -= 3 {
		ph.Drop(fs[i])
		freed = append(freed, fs[i])
	}
	slices.Sort(freed)
	for _, want := range freed {
		if got := ph.Alloc(); got != want {
			t.Fatalf("got frame %d, want %d", got, want)
		}
	}
	if got := ph.Alloc(); got != 201 {
		t.Errorf("after the freed ones: %d, want 201", got)
	}
}

// space returns an address space with data, heap and a stack, its pages
// backed as a loaded program's are.
func space(ph *Phys) *AddressSpace {
	as := &AddressSpace{}
	as.SetPhys(ph)
	as.Map(&Segment{Kind: SegData, Name: "[data]", Start: 0x401000, End: 0x401010, Perm: PermR | PermW, Words: make([]Value, 2)})
	as.Map(&Segment{Kind: SegBss, Name: "[bss]", Start: 0x401010, End: 0x402100, Perm: PermR | PermW, Words: make([]Value, 0x10f0/8)})
	as.Map(&Segment{Kind: SegStack, Name: "[stack]", Start: StackTop - 0x10000, End: StackTop, Perm: PermR | PermW, Down: true, SP: StackTop})
	as.Back(0x401000, 0x402100)
	return as
}

func TestBackAndStackGrowth(t *testing.T) {
	ph := NewPhys()
	as := space(ph)
	// Data and bss share their first page: two pages, two frames.
	if got := as.PageTable(); len(got) != 2 || got[0] != (PTE{0x401000, 1}) || got[1] != (PTE{0x402000, 2}) {
		t.Fatalf("page table %v", got)
	}
	st := as.Find(StackTop - 8)
	st.Ensure(0) // a call pushes its frame on the top page
	if pa, ok := as.Translate(StackTop - 8); !ok || pa != 3*PageSize+PageSize-8 {
		t.Errorf("top of stack at %#x %v, want frame 3", pa, ok)
	}
	st.Ensure(st.Index(StackTop - 2*PageSize - 8)) // two pages deeper
	pt := as.PageTable()
	if len(pt) != 5 || pt[2].Page != StackTop-3*PageSize || pt[4].Page != StackTop-PageSize {
		t.Errorf("after the stack grew by two pages: %v", pt)
	}
	if _, ok := as.Translate(StackTop - 4*PageSize); ok {
		t.Errorf("a stack page never reached has a frame")
	}
	as.UnbackAll()
	if ph.InUse() != 0 || len(as.PageTable()) != 0 {
		t.Errorf("after UnbackAll: %d frames in use", ph.InUse())
	}
}

func TestForkSharesFramesUntilAWrite(t *testing.T) {
	ph := NewPhys()
	parent := space(ph)
	child := parent.Clone()
	parent.ShareCOW(child, 0x401000, 0x402100)
	parent.ForkPages(child)
	if !slices.Equal(parent.PageTable(), child.PageTable()) {
		t.Fatalf("after fork: parent %v, child %v", parent.PageTable(), child.PageTable())
	}
	if !child.CopyOnWrite(0x401008) {
		t.Errorf("the data page is not copy-on-write in the child")
	}
	if err := child.Store(0x401008, IntValue(7)); err != nil {
		t.Fatal(err)
	}
	pp, _ := parent.Translate(0x401008)
	cp, _ := child.Translate(0x401008)
	if pp == cp || cp != 3*PageSize+8 {
		t.Errorf("after the child's write: parent %#x, child %#x; want the child on a new frame 3", pp, cp)
	}
	// The parent is the last holder: it writes in place.
	if err := parent.Store(0x401008, IntValue(8)); err != nil {
		t.Fatal(err)
	}
	if p2, _ := parent.Translate(0x401008); p2 != pp {
		t.Errorf("the last holder moved from %#x to %#x", pp, p2)
	}
	if b1, _ := parent.Translate(0x402000); b1 != func() uint64 { b, _ := child.Translate(0x402000); return b }() {
		t.Errorf("a page nobody wrote is not shared")
	}
	child.ReleaseCOW()
	child.UnbackAll()
	if ph.InUse() != 2 {
		t.Errorf("after the child went: %d frames in use, want the parent's 2", ph.InUse())
	}
}

func TestBackWithShares(t *testing.T) {
	ph := NewPhys()
	obj := []Frame{ph.Alloc(), ph.Alloc()}
	a, b := space(ph), space(ph)
	a.BackWith(0x7000_0000, 0x7000_2000, obj)
	b.BackWith(0x6000_0000, 0x6000_2000, obj)
	pa, _ := a.Translate(0x7000_1010)
	pb, _ := b.Translate(0x6000_1010)
	if pa != pb || pa != obj[1].Addr()+0x10 {
		t.Errorf("shared pages at %#x and %#x, want %#x", pa, pb, obj[1].Addr()+0x10)
	}
	if ph.Holders(obj[0]) != 3 {
		t.Errorf("frame held %d times, want 3 (the object and two mappings)", ph.Holders(obj[0]))
	}
	a.Unback(0x7000_0000, 0x7000_2000)
	if ph.Holders(obj[0]) != 2 {
		t.Errorf("after an unmap: held %d times, want 2", ph.Holders(obj[0]))
	}
}

// TestPageTableCopiedOnWrite: a copy of a machine's space shares its page
// table with the original until either maps or unmaps a page; from then
// on each sees only its own changes.
func TestPageTableCopiedOnWrite(t *testing.T) {
	ph := NewPhys()
	as := space(ph)
	c := NewCopier(nil, ph.Copy())
	cp := c.Space(as)
	c.Finish()
	before := as.PageTable()
	if !slices.Equal(cp.PageTable(), before) {
		t.Fatalf("copy %v, original %v", cp.PageTable(), before)
	}
	// The copy's stack grows by a page: the original's table stays.
	st := cp.Find(StackTop - 8)
	st.Ensure(st.Index(StackTop - PageSize - 8))
	if got := cp.PageTable(); len(got) != len(before)+2 {
		t.Errorf("copy after its stack grew: %v", got)
	}
	if got := as.PageTable(); !slices.Equal(got, before) {
		t.Errorf("original after the copy's stack grew: %v, want %v", got, before)
	}
	// The original gives up a page: the copy keeps it.
	grown := cp.PageTable()
	as.Unback(0x402000, 0x403000)
	if got := as.PageTable(); len(got) != len(before)-1 {
		t.Errorf("original after an unmap: %v", got)
	}
	if got := cp.PageTable(); !slices.Equal(got, grown) {
		t.Errorf("copy after the original's unmap: %v, want %v", got, grown)
	}
	// A copy of the copy, which then ends: the copy keeps its table.
	c2 := NewCopier(nil, cp.Phys().Copy())
	cp2 := c2.Space(cp)
	c2.Finish()
	cp2.UnbackAll()
	if len(cp2.PageTable()) != 0 || !slices.Equal(cp.PageTable(), grown) {
		t.Errorf("after the second copy ended: its table %v, the copy's %v, want %v", cp2.PageTable(), cp.PageTable(), grown)
	}
	cp2.Back(0x401000, 0x401008)
	if got := cp2.PageTable(); len(got) != 1 || !slices.Equal(cp.PageTable(), grown) {
		t.Errorf("after the second copy mapped a page again: its table %v, the copy's %v", got, cp.PageTable())
	}
}

// Translate remembers the last translations it found: whatever maps,
// unmaps, copies on write or forks in between, it answers what the page
// table holds.
func TestTranslateFollowsThePageTable(t *testing.T) {
	ph := NewPhys()
	parent := space(ph)
	lo, hi := uint64(0x400000), uint64(0x40a000)
	check := func(step string, as *AddressSpace) {
		t.Helper()
		pt := map[uint64]Frame{}
		for _, e := range as.PageTable() {
			pt[e.Page] = e.Frame
		}
		for round := 0; round < 2; round++ { // the second from what it remembers
			for a := lo; a < hi; a += PageSize / 2 {
				pa, ok := as.Translate(a + 8)
				f, want := pt[a&^(PageSize-1)]
				if ok != want || ok && pa != f.Addr()+(a+8)&(PageSize-1) {
					t.Fatalf("%s: Translate(%#x) = %#x %v, page table %v", step, a+8, pa, ok, as.PageTable())
				}
			}
		}
	}
	check("loaded", parent)
	parent.Back(0x403000, 0x406000)
	check("backed", parent)
	parent.Unback(0x404000, 0x405000)
	check("unbacked one page", parent)
	parent.BackWith(0x404000, 0x406000, []Frame{ph.Alloc(), ph.Alloc()})
	check("backed with frames", parent)
	child := parent.Clone()
	parent.ShareCOW(child, 0x401000, 0x402100)
	parent.ForkPages(child)
	check("forked: child", child)
	if err := child.Store(0x401008, IntValue(7)); err != nil {
		t.Fatal(err)
	}
	check("child wrote: child", child)
	check("child wrote: parent", parent)
	cp := NewCopier(nil, ph.Copy())
	copied := cp.Space(parent)
	check("copied: copy", copied)
	copied.Unback(0x403000, 0x404000)
	check("copy unbacked: copy", copied)
	check("copy unbacked: original", parent)
	parent.UnbackAll()
	check("unbacked all", parent)
	check("original unbacked all: copy", copied)
}
