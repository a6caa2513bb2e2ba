package mem

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"
)

// textbook is the configuration under which the heap must behave exactly as
// OSTEP's malloc.py with list order ADDRSORT: heap_align=1 heap_header=0
// heap_grow=false heap_size=100, base 0.
func textbook(p Policy, coalesce bool) HeapConfig {
	return HeapConfig{Base: 0, Policy: p, Align: 1, Header: 0, Coalesce: coalesce, Size: 100}
}

// runOps runs a malloc.py style op list ("+10,-0,+20": allocate 10 bytes,
// free the block of the 0th allocation, allocate 20 bytes) and returns, per
// op, what malloc.py prints: the address an allocation returned or -1, and 0
// or -1 for a free.
func runOps(t *testing.T, h *Heap, ops string) []int64 {
	t.Helper()
	var out []int64
	var ptrs []uint64
	for op := range strings.SplitSeq(ops, ",") {
		n, err := strconv.ParseUint(op[1:], 10, 64)
		if err != nil {
			t.Fatalf("bad op %q", op)
		}
		switch op[0] {
		case '+':
			b, ok := h.Alloc(n)
			if !ok {
				out = append(out, -1)
				ptrs = append(ptrs, ^uint64(0))
				continue
			}
			out = append(out, int64(b.Addr))
			ptrs = append(ptrs, b.Addr)
		case '-':
			if _, res := h.Free(ptrs[n]); res == FreeOK {
				out = append(out, 0)
			} else {
				out = append(out, -1)
			}
		default:
			t.Fatalf("bad op %q", op)
		}
		checkInvariants(t, h)
	}
	return out
}

// freeListString renders the free list as malloc.py's dump does, without the
// "Free List [ Size N ]:" prefix.
func freeListString(h *Heap) string {
	var b strings.Builder
	for _, c := range h.FreeList() {
		fmt.Fprintf(&b, "[ addr:%d sz:%d ]", c.Start, c.Size)
	}
	return b.String()
}

type ostepCase struct {
	name string
	ops  string
	want string // results of runOps, space separated
	list string // the free list at the end
}

// The sequences below are worked out by hand from the algorithm (chunk
// starts, sizes and list order are given as (start,size)); each was also
// checked against malloc.py run with -S 100 -b 0 -H 0 -l ADDRSORT -c.
//
// seed0 is the sequence of the chapter's homework (malloc.py -n 10 -H 0
// -s 0), written as an explicit list.
const (
	seed0   = "+3,-0,+5,-1,+8,-2,+8,-3,+2,+7"
	holes   = "+10,+30,+10,+20,+10,-1,-3,+15,+20,+16,+15,-0,+5"
	exact   = "+50,+50,+1,-0,-0,+50,-1,+49,+2,-1,+50"
	sixTens = "+10,+10,+10,+10,+10,+10,-1,-2,-4,+10,-3,+35,-0,-5,+40"
)

var ostepNoCoalesce = map[Policy][]ostepCase{
	FirstFit: {
		// +3 at 0, list (3,97). Free: (0,3)(3,97). +5: (0,3) too small,
		// (3,97) -> 3. Free: (0,3)(3,5)(8,92). +8 -> 8. Free: (8,8) comes
		// back. +8: (8,8) is the first that fits, exactly. Free again.
		// +2: (0,3) -> 0, leaves (2,1). +7: (3,5) too small, (8,8) -> 8.
		{"seed0", seed0, "0 0 3 0 8 0 8 0 0 8", "[ addr:2 sz:1 ][ addr:3 sz:5 ][ addr:15 sz:1 ][ addr:16 sz:84 ]"},
		// 10@0 30@10 10@40 20@50 10@70, rest (80,20). Free 1 and 3:
		// (10,30)(50,20)(80,20). +15: first is (10,30) -> 10, (25,15).
		// +20: (25,15) too small, (50,20) exact -> 50. +16: (80,20) -> 80,
		// (96,4). +15: (25,15) exact -> 25. Free 0: (0,10)(96,4). +5 -> 0.
		{"holes", holes, "0 10 40 50 70 0 0 10 50 80 25 0 0", "[ addr:5 sz:5 ][ addr:96 sz:4 ]"},
		// Two halves fill the heap; +1 fails. Free 0, then free 0 again:
		// -1. +50 takes (0,50) exactly. Free 1: (50,50). +49 -> 50, (99,1).
		// +2 fails. Free 1 again succeeds: its address 50 is live again
		// (allocation 7). (50,49)(99,1): 50 bytes free but no 50-byte chunk.
		{"exact", exact, "0 50 -1 0 -1 0 0 50 -1 0 -1", "[ addr:50 sz:49 ][ addr:99 sz:1 ]"},
		// Six tens, rest (60,40). Free 1,2,4: (10,10)(20,10)(40,10)(60,40).
		// +10 -> 10. Free 3: (20,10)(30,10)(40,10)(60,40). +35 -> 60.
		// Free 0 and 5. +40: the largest chunk is 10 bytes: -1.
		{"sixTens", sixTens, "0 10 20 30 40 50 0 0 0 10 0 60 0 0 -1", "[ addr:0 sz:10 ][ addr:20 sz:10 ][ addr:30 sz:10 ][ addr:40 sz:10 ][ addr:50 sz:10 ][ addr:95 sz:5 ]"},
	},
	BestFit: {
		// As first fit: at every step the smallest chunk that fits is also
		// the first ((3,97), (8,92), (8,8), (0,3) for +2, (8,8) for +7).
		{"seed0", seed0, "0 0 3 0 8 0 8 0 0 8", "[ addr:2 sz:1 ][ addr:3 sz:5 ][ addr:15 sz:1 ][ addr:16 sz:84 ]"},
		// (10,30)(50,20)(80,20). +15: smallest is 20, first of the two ->
		// 50, (65,5). +20: (80,20) exact -> 80. +16: (10,30) -> 10, (26,14).
		// +15: (26,14) and (65,5) are too small: -1. Free 0: (0,10)(26,14)
		// (65,5). +5: (65,5) exact -> 65.
		{"holes", holes, "0 10 40 50 70 0 0 50 80 10 -1 0 65", "[ addr:0 sz:10 ][ addr:26 sz:14 ]"},
		// Never more than one chunk that fits: as first fit.
		{"exact", exact, "0 50 -1 0 -1 0 0 50 -1 0 -1", "[ addr:50 sz:49 ][ addr:99 sz:1 ]"},
		// Equal 10-byte holes: best fit takes the first, as first fit does.
		{"sixTens", sixTens, "0 10 20 30 40 50 0 0 0 10 0 60 0 0 -1", "[ addr:0 sz:10 ][ addr:20 sz:10 ][ addr:30 sz:10 ][ addr:40 sz:10 ][ addr:50 sz:10 ][ addr:95 sz:5 ]"},
	},
	WorstFit: {
		// Up to the second +8 as first fit: (0,3)(3,5)(8,8)(16,84). +8:
		// the largest is (16,84) -> 16. Free: (16,8) joins the list.
		// +2: (24,76) -> 24. +7: (26,74) -> 26.
		{"seed0", seed0, "0 0 3 0 8 0 16 0 24 26", "[ addr:0 sz:3 ][ addr:3 sz:5 ][ addr:8 sz:8 ][ addr:16 sz:8 ][ addr:33 sz:67 ]"},
		// (10,30)(50,20)(80,20). +15: largest (10,30) -> 10, (25,15).
		// +20: largest is 20, first -> 50. +16: (80,20) -> 80, (96,4).
		// +15: (25,15) -> 25. Free 0: (0,10)(96,4). +5 -> 0.
		{"holes", holes, "0 10 40 50 70 0 0 10 50 80 25 0 0", "[ addr:5 sz:5 ][ addr:96 sz:4 ]"},
		{"exact", exact, "0 50 -1 0 -1 0 0 50 -1 0 -1", "[ addr:50 sz:49 ][ addr:99 sz:1 ]"},
		// (10,10)(20,10)(40,10)(60,40). +10: largest (60,40) -> 60.
		// Free 3: (30,10) joins. +35: the largest is (70,30): -1. Free 0
		// and 5; +40 fails as well.
		{"sixTens", sixTens, "0 10 20 30 40 50 0 0 0 60 0 -1 0 0 -1", "[ addr:0 sz:10 ][ addr:10 sz:10 ][ addr:20 sz:10 ][ addr:30 sz:10 ][ addr:40 sz:10 ][ addr:50 sz:10 ][ addr:70 sz:30 ]"},
	},
}

var ostepCoalesce = map[Policy][]ostepCase{
	FirstFit: {
		// Every free merges the block back into one chunk (0,100), so
		// every allocation lands at 0 until +2 (0) and +7 (2): (9,91).
		{"seed0", seed0, "0 0 0 0 0 0 0 0 0 2", "[ addr:9 sz:91 ]"},
		// At the end, free 1 merges (50,49) with (99,1): +50 now fits.
		{"exact", exact, "0 50 -1 0 -1 0 0 50 -1 0 50", ""},
		// Free 1,2 merge into (10,20); free 4: (10,20)(40,10)(60,40).
		// +10 -> 10, (20,10). Free 3 merges (20,10)(30,10)(40,10) into
		// (20,30). +35 -> 60, (95,5). Free 0: (0,10), 10..20 is live.
		// Free 5 merges (50,10) into (20,40). +40: (20,40) exact -> 20.
		{"sixTens", sixTens, "0 10 20 30 40 50 0 0 0 10 0 60 0 0 20", "[ addr:0 sz:10 ][ addr:95 sz:5 ]"},
		// Coalescing changes nothing here: no two free chunks ever touch.
		{"holes", holes, "0 10 40 50 70 0 0 10 50 80 25 0 0", "[ addr:5 sz:5 ][ addr:96 sz:4 ]"},
	},
	BestFit: {
		{"seed0", seed0, "0 0 0 0 0 0 0 0 0 2", "[ addr:9 sz:91 ]"},
		{"exact", exact, "0 50 -1 0 -1 0 0 50 -1 0 50", ""},
		// (10,20)(40,10)(60,40). +10: (40,10) exact -> 40. Free 3 merges
		// (10,20)(30,10) into (10,30). +35: only (60,40) fits -> 60.
		// Free 0 merges into (0,40). Free 5: (50,10) on its own (40..50
		// and 60..95 are live). +40: (0,40) exact -> 0.
		{"sixTens", sixTens, "0 10 20 30 40 50 0 0 0 40 0 60 0 0 0", "[ addr:50 sz:10 ][ addr:95 sz:5 ]"},
		{"holes", holes, "0 10 40 50 70 0 0 50 80 10 -1 0 65", "[ addr:0 sz:10 ][ addr:26 sz:14 ]"},
	},
	WorstFit: {
		{"seed0", seed0, "0 0 0 0 0 0 0 0 0 2", "[ addr:9 sz:91 ]"},
		{"exact", exact, "0 50 -1 0 -1 0 0 50 -1 0 50", ""},
		// (10,20)(40,10)(60,40). +10: largest (60,40) -> 60. Free 3
		// merges (10,20)(30,10)(40,10) into (10,40). +35: largest (10,40)
		// -> 10, (45,5). Free 0: (0,10). Free 5 merges (45,5)(50,10) into
		// (45,15). +40: the largest is (70,30): -1.
		{"sixTens", sixTens, "0 10 20 30 40 50 0 0 0 60 0 10 0 0 -1", "[ addr:0 sz:10 ][ addr:45 sz:15 ][ addr:70 sz:30 ]"},
		{"holes", holes, "0 10 40 50 70 0 0 10 50 80 25 0 0", "[ addr:5 sz:5 ][ addr:96 sz:4 ]"},
	},
}

func formatResults(r []int64) string {
	s := make([]string, len(r))
	for i, v := range r {
		s[i] = strconv.FormatInt(v, 10)
	}
	return strings.Join(s, " ")
}

func TestOSTEPEquivalence(t *testing.T) {
	for _, coalesce := range []bool{false, true} {
		cases := ostepNoCoalesce
		if coalesce {
			cases = ostepCoalesce
		}
		for _, p := range []Policy{FirstFit, BestFit, WorstFit} {
			for _, c := range cases[p] {
				t.Run(fmt.Sprintf("%v/coalesce=%v/%s", p, coalesce, c.name), func(t *testing.T) {
					h := NewHeap(textbook(p, coalesce))
					got := formatResults(runOps(t, h, c.ops))
					if got != c.want {
						t.Errorf("ops %s\n got %s\nwant %s", c.ops, got, c.want)
					}
					if l := freeListString(h); l != c.list {
						t.Errorf("free list\n got %s\nwant %s", l, c.list)
					}
				})
			}
		}
	}
}

// TestOSTEPReadme replays the example of malloc.py's README: -S 100 -b 1000
// -H 4 -a 4 -p BEST, where the returned addresses include the header.
func TestOSTEPReadme(t *testing.T) {
	cfg := HeapConfig{Base: 1000, Policy: BestFit, Align: 4, Header: 4, Size: 100}
	h := NewHeap(cfg)
	// Alloc(3): 3 rounds up to 4, plus 4 of header: the chunk (1000,8),
	// address 1004, list (1008,92). Free: (1000,8)(1008,92). Alloc(5):
	// 8+4 = 12, only (1008,92) fits -> 1012, (1020,80). Free: (1000,8)
	// (1008,12)(1020,80). Alloc(8): 12 bytes, (1008,12) exact -> 1012.
	if got := formatResults(runOps(t, h, "+3,-0,+5,-1,+8")); got != "1004 0 1012 0 1012" {
		t.Errorf("got %s", got)
	}
	if l := freeListString(h); l != "[ addr:1000 sz:8 ][ addr:1020 sz:80 ]" {
		t.Errorf("free list %s", l)
	}
	// With -C every free merges back into (1000,100).
	cfg.Coalesce = true
	h = NewHeap(cfg)
	if got := formatResults(runOps(t, h, "+3,-0,+5,-1,+8")); got != "1004 0 1004 0 1004" {
		t.Errorf("coalesce: got %s", got)
	}
	if l := freeListString(h); l != "[ addr:1012 sz:88 ]" {
		t.Errorf("coalesce: free list %s", l)
	}
}

func TestNextFit(t *testing.T) {
	h := NewHeap(textbook(NextFit, false))
	// Four tens at 0,10,20,30; the rover is at 40. Free 0 and 2:
	// (0,10)(20,10)(40,60). +5 starts at (40,60) -> 40 (first fit would
	// take 0); rover 45. +50: (45,55) -> 45; rover 95. +8: (95,5) too
	// small, wrap to (0,10) -> 0; rover 8. +6: (8,2) too small, (20,10)
	// -> 20; rover 26. +5: (26,4) too small, (95,5) exact -> 95; rover
	// 100. +3: nothing ends after 100, wrap: (8,2) no, (26,4) -> 26.
	// +3: (8,2)(29,1): -1.
	got := formatResults(runOps(t, h, "+10,+10,+10,+10,-0,-2,+5,+50,+8,+6,+5,+3,+3"))
	if want := "0 10 20 30 0 0 40 45 0 20 95 26 -1"; got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	if l := freeListString(h); l != "[ addr:8 sz:2 ][ addr:29 sz:1 ]" {
		t.Errorf("free list %s", l)
	}

	// A chunk that swallowed the rover by coalescing is where the search
	// starts: 0..10 and 10..20 allocated, rover 20; free 1 merges (10,10)
	// with (20,80) into (10,90), which ends after the rover: +5 -> 10.
	h = NewHeap(textbook(NextFit, true))
	if got := formatResults(runOps(t, h, "+10,+10,-1,+5")); got != "0 10 0 10" {
		t.Errorf("coalesced rover: got %s", got)
	}
}

func TestPolicyNames(t *testing.T) {
	for _, p := range []Policy{FirstFit, BestFit, WorstFit, NextFit} {
		q, ok := ParsePolicy(p.String())
		if !ok || q != p {
			t.Errorf("ParsePolicy(%q) = %v, %v", p.String(), q, ok)
		}
	}
	for _, s := range []string{"", "FIRST", "first-fit", "fast"} {
		if _, ok := ParsePolicy(s); ok {
			t.Errorf("ParsePolicy(%q) accepted", s)
		}
	}
	if s := Policy(9).String(); s != "policy(9)" {
		t.Errorf("Policy(9) = %q", s)
	}
}

const testBase = 0x603000

func TestDefaults(t *testing.T) {
	h := NewHeap(DefaultHeapConfig(testBase))
	if h.Top() != testBase+4096 || h.Size() != 4096 || h.Base() != testBase {
		t.Fatalf("top %#x size %d", h.Top(), h.Size())
	}
	// As in the trace: alloc(64) = 0x603010, heap 80/4096.
	b, ok := h.Alloc(64)
	if !ok || b.Addr != 0x603010 || b.Start != testBase || b.End != testBase+80 || b.Size != 64 || !b.Live || b.ID != 1 {
		t.Fatalf("Alloc(64) = %+v, %v", b, ok)
	}
	if h.InUse() != 80 {
		t.Errorf("InUse = %d, want 80", h.InUse())
	}
	// 20 bytes round up to 32, plus 16 of header.
	c, _ := h.Alloc(20)
	if c.Addr != testBase+96 || c.End-c.Start != 48 || c.ID != 2 {
		t.Errorf("Alloc(20) = %+v", c)
	}
	if h.InUse() != 128 || h.Peak() != 128 || h.LiveCount() != 2 {
		t.Errorf("InUse %d Peak %d LiveCount %d", h.InUse(), h.Peak(), h.LiveCount())
	}
	if _, r := h.Free(b.Addr); r != FreeOK {
		t.Fatal(r)
	}
	if h.InUse() != 48 || h.Peak() != 128 {
		t.Errorf("after free: InUse %d Peak %d", h.InUse(), h.Peak())
	}
	h.ResetPeak()
	if h.Peak() != 48 {
		t.Errorf("ResetPeak: %d", h.Peak())
	}
	live := h.Live()
	if len(live) != 1 || live[0] != c {
		t.Errorf("Live = %+v", live)
	}
}

func TestAlignment(t *testing.T) {
	// A header that is not a multiple of the alignment is rounded up so
	// that the returned addresses stay aligned.
	h := NewHeap(HeapConfig{Base: testBase, Align: 16, Header: 8, Size: 4096, Coalesce: true})
	for _, n := range []uint64{1, 7, 8, 15, 16, 17, 100} {
		b, ok := h.Alloc(n)
		if !ok || b.Addr%16 != 0 || b.Addr-b.Start != 16 || (b.End-b.Start)%16 != 0 {
			t.Errorf("Alloc(%d) = %+v", n, b)
		}
	}
	// Size and Max round down to the alignment; Align 0 counts as 1.
	h = NewHeap(HeapConfig{Base: testBase, Align: 16, Size: 100, Max: 1000, Grow: true})
	if cfg := h.Config(); cfg.Size != 96 || cfg.Max != 992 || h.Top() != testBase+96 {
		t.Errorf("config %+v top %#x", cfg, h.Top())
	}
	h = NewHeap(HeapConfig{Size: 10, Max: 5})
	if cfg := h.Config(); cfg.Align != 1 || cfg.Max != 10 {
		t.Errorf("config %+v", cfg)
	}
	h = NewHeap(HeapConfig{Base: testBase, Align: 16, Size: 4096, Max: 1 << 62, Grow: true})
	if cfg := h.Config(); cfg.Max != HeapMaxLimit {
		t.Errorf("Max not clamped: %+v", cfg)
	}
	if _, ok := h.Alloc(HeapMaxLimit); ok {
		t.Errorf("allocated past HeapMaxLimit")
	}
	h = NewHeap(HeapConfig{Base: ^uint64(0) - 99, Size: 200, Max: 300, Grow: true})
	if cfg := h.Config(); cfg.Size != 99 || cfg.Max != 99 || h.Top() != ^uint64(0) {
		t.Errorf("end of the address space: %+v top %#x", cfg, h.Top())
	}
	if b, ok := h.Alloc(99); !ok || b.End != ^uint64(0) {
		t.Errorf("Alloc at the end of the address space: %+v %v", b, ok)
	}
}

func TestAllocZero(t *testing.T) {
	h := NewHeap(textbook(FirstFit, false))
	a, ok1 := h.Alloc(0)
	b, ok2 := h.Alloc(0)
	if !ok1 || !ok2 || a.Addr != 0 || b.Addr != 1 || a.Size != 0 || a.End != 1 {
		t.Fatalf("Alloc(0) twice: %+v %+v", a, b)
	}
	if st := h.Check(a.Addr, 1); st != AddrPadding {
		t.Errorf("touching a zero-size block: %v", st)
	}
	if _, r := h.Free(a.Addr); r != FreeOK {
		t.Errorf("Free: %v", r)
	}
	d := NewHeap(DefaultHeapConfig(testBase))
	c, _ := d.Alloc(0)
	if c.End-c.Start != 32 {
		t.Errorf("default Alloc(0) takes %d bytes, want 32", c.End-c.Start)
	}
}

func TestFreeErrors(t *testing.T) {
	h := NewHeap(DefaultHeapConfig(testBase))
	a, _ := h.Alloc(32)
	b, _ := h.Alloc(32)
	for _, addr := range []uint64{
		a.Addr + 8,    // interior pointer
		a.Addr - 8,    // header
		a.Start,       // chunk start, not the returned address
		b.End + 16,    // free space, never allocated
		testBase - 16, // below the heap
		h.Top() + 16,  // past the top
		0,
		^uint64(0),
	} {
		if blk, r := h.Free(addr); r != FreeInvalid || blk.ID != 0 {
			t.Errorf("Free(%#x) = %+v, %v; want invalid", addr, blk, r)
		}
	}
	if h.LiveCount() != 2 || h.InUse() != 96 {
		t.Fatalf("an invalid free changed the heap")
	}

	freed, r := h.Free(a.Addr)
	if r != FreeOK || freed.Live || freed.ID != a.ID || freed.Addr != a.Addr {
		t.Fatalf("Free = %+v, %v", freed, r)
	}
	blk, r := h.Free(a.Addr)
	if r != FreeDouble || blk != freed {
		t.Errorf("second Free = %+v, %v; want double free of %+v", blk, r, freed)
	}
	if _, r := h.Free(a.Addr + 8); r != FreeInvalid {
		t.Errorf("Free inside a freed block = %v", r)
	}
	// Reallocated at the same address: freeing it again is fine.
	c, _ := h.Alloc(32)
	if c.Addr != a.Addr || c.ID != 3 {
		t.Fatalf("realloc %+v", c)
	}
	if _, r := h.Free(a.Addr); r != FreeOK {
		t.Errorf("free after reuse = %v", r)
	}
	// Reused by a block that starts elsewhere: the old address is now in
	// the middle of a live block, an invalid free.
	h.Free(b.Addr)      // a's and b's chunks merge with the rest of the heap
	d, _ := h.Alloc(8)  // chunk 0..32
	e, _ := h.Alloc(32) // chunk 32..80, user bytes 48..80 cover b.Addr (64)
	if _, st := h.Find(b.Addr); st != AddrLive {
		t.Fatalf("setup: b.Addr is %v (d %+v e %+v)", st, d, e)
	}
	if _, r := h.Free(b.Addr); r != FreeInvalid {
		t.Errorf("free of a reused address = %v", r)
	}
	if FreeInvalid.String() != "invalid-free" || FreeDouble.String() != "double-free" || FreeOK.String() != "ok" {
		t.Errorf("FreeResult names")
	}
}

func TestQuarantine(t *testing.T) {
	h := NewHeap(DefaultHeapConfig(testBase))
	const n = QuarantineLen + 10
	var blocks []Block
	for range n {
		b, ok := h.Alloc(16)
		if !ok {
			t.Fatal("out of memory")
		}
		blocks = append(blocks, b)
	}
	for _, b := range blocks {
		h.Free(b.Addr)
	}
	if q := h.Freed(); len(q) != QuarantineLen || q[0].ID != blocks[n-1].ID || q[len(q)-1].ID != blocks[10].ID {
		t.Fatalf("quarantine: %d blocks, newest %d, oldest %d", len(q), q[0].ID, q[len(q)-1].ID)
	}
	// The oldest ten are forgotten: the memory is still freed, but no
	// block is named and a second free is only an invalid free.
	if b, st := h.Find(blocks[0].Addr); st != AddrFreed || b.ID != 0 {
		t.Errorf("Find forgotten = %+v, %v", b, st)
	}
	if _, r := h.Free(blocks[0].Addr); r != FreeInvalid {
		t.Errorf("free of forgotten block = %v", r)
	}
	last := blocks[n-1]
	if b, r := h.Free(last.Addr); r != FreeDouble || b.ID != last.ID {
		t.Errorf("double free of remembered block = %+v, %v", b, r)
	}
	if b, st := h.Find(blocks[10].Addr + 4); st != AddrFreed || b.ID != blocks[10].ID {
		t.Errorf("Find oldest remembered = %+v, %v", b, st)
	}
}

func TestFindAndCheck(t *testing.T) {
	h := NewHeap(DefaultHeapConfig(testBase))
	a, _ := h.Alloc(20) // chunk 0..48: header 0..16, user 16..36, padding 36..48
	b, _ := h.Alloc(1000)
	x, _ := h.Alloc(8)
	h.Free(x.Addr)
	type probe struct {
		addr, size uint64
		check      AddrState
		find       AddrState
		id         uint64
	}
	for _, p := range []probe{
		{a.Addr, 8, AddrLive, AddrLive, a.ID},
		{a.Addr + 12, 8, AddrLive, AddrLive, a.ID},
		{a.Addr + 13, 8, AddrOverflow, AddrLive, a.ID},
		{a.Addr + 19, 1, AddrLive, AddrLive, a.ID},
		{a.Addr + 19, 0, AddrLive, AddrLive, a.ID},
		{a.Addr + 20, 8, AddrPadding, AddrPadding, a.ID},
		{a.Addr + 31, 1, AddrPadding, AddrPadding, a.ID},
		{a.Addr - 8, 8, AddrHeader, AddrHeader, a.ID},
		{a.Start, 8, AddrHeader, AddrHeader, a.ID},
		{b.Start, 8, AddrHeader, AddrHeader, b.ID},
		{b.Addr, 1000, AddrLive, AddrLive, b.ID},
		{b.Addr, 1001, AddrOverflow, AddrLive, b.ID},
		{b.Addr + 1, 999, AddrLive, AddrLive, b.ID},
		{b.Addr + 1, 1000, AddrOverflow, AddrLive, b.ID},
		{b.Addr + 992, 8, AddrLive, AddrLive, b.ID},
		{b.Addr + 993, 8, AddrOverflow, AddrLive, b.ID},
		{x.Addr, 8, AddrFreed, AddrFreed, x.ID},
		{x.Start, 8, AddrFreed, AddrFreed, x.ID},
		{x.End, 8, AddrFree, AddrFree, 0},
		{h.Top() - 1, 1, AddrFree, AddrFree, 0},
		{h.Top(), 8, AddrOutside, AddrOutside, 0},
		{testBase - 1, 8, AddrOutside, AddrOutside, 0},
		{0, 8, AddrOutside, AddrOutside, 0},
	} {
		if st := h.Check(p.addr, p.size); st != p.check {
			t.Errorf("Check(%#x, %d) = %v, want %v", p.addr, p.size, st, p.check)
		}
		blk, st := h.Find(p.addr)
		if st != p.find || blk.ID != p.id {
			t.Errorf("Find(%#x) = %v block %d, want %v block %d", p.addr, st, blk.ID, p.find, p.id)
		}
	}
	// Without headers, blocks touch: a load that runs from one block into
	// the next is an overflow even though every byte is live.
	h = NewHeap(textbook(FirstFit, false))
	runOps(t, h, "+10,+10")
	if st := h.Check(2, 8); st != AddrLive {
		t.Errorf("Check(2, 8) = %v", st)
	}
	if st := h.Check(3, 8); st != AddrOverflow {
		t.Errorf("Check(3, 8) = %v", st)
	}
	if blk, st := h.Find(10); st != AddrLive || blk.Addr != 10 {
		t.Errorf("Find(10) = %+v, %v", blk, st)
	}
	if AddrFreed.String() != "freed" || AddrState(42).String() != "addr-state(42)" {
		t.Errorf("AddrState names")
	}
}

func TestFreedMemoryReused(t *testing.T) {
	// Freed memory handed out again is live again; what is left of the
	// freed chunk stays freed and still names the old block.
	h := NewHeap(DefaultHeapConfig(testBase))
	a, _ := h.Alloc(64)
	h.Alloc(8) // keeps a's chunk from merging with the rest of the heap
	h.Free(a.Addr)
	c, _ := h.Alloc(16)
	if c.Addr != a.Addr {
		t.Fatalf("reuse at %#x, want %#x", c.Addr, a.Addr)
	}
	if st := h.Check(c.Addr, 8); st != AddrLive {
		t.Errorf("reused: %v", st)
	}
	if st := h.Check(c.Addr+16, 8); st != AddrFreed {
		t.Errorf("rest of old block: %v", st)
	}
	if blk, st := h.Find(c.Addr + 40); st != AddrFreed || blk.ID != a.ID {
		t.Errorf("Find rest = %+v, %v", blk, st)
	}
	// Freeing the new block: the most recent freed block covering an
	// address is the one Find names.
	h.Free(c.Addr)
	if blk, _ := h.Find(c.Addr); blk.ID != c.ID {
		t.Errorf("Find after second free names block %d, want %d", blk.ID, c.ID)
	}
	if blk, _ := h.Find(c.Addr + 40); blk.ID != a.ID {
		t.Errorf("Find beyond the new block names block %d, want %d", blk.ID, a.ID)
	}
}

func TestNearest(t *testing.T) {
	h := NewHeap(DefaultHeapConfig(testBase))
	if _, ok := h.Nearest(testBase); ok {
		t.Errorf("Nearest in an empty heap")
	}
	a, _ := h.Alloc(64) // chunk 0..80, user 16..80
	b, _ := h.Alloc(64) // chunk 80..160, user 96..160
	type probe struct {
		addr uint64
		id   uint64
		pos  Position
		n    uint64
	}
	for _, p := range []probe{
		{a.Addr + 64, a.ID, PosAfter, 0},  // p[8] of an 8-word array
		{a.Addr + 71, a.ID, PosAfter, 7},  // 7 after a, 9 before b
		{a.Addr + 72, b.ID, PosBefore, 8}, // 8 after a, 8 before b: the later
		{b.Addr - 1, b.ID, PosBefore, 1},
		{a.Addr - 8, a.ID, PosBefore, 8},
		{a.Addr + 10, a.ID, PosInside, 10},
		{b.Addr + 64, b.ID, PosAfter, 0},
		{h.Top() + 100, b.ID, PosAfter, h.Top() + 100 - (b.Addr + 64)},
		{0, a.ID, PosBefore, a.Addr},
	} {
		blk, ok := h.Nearest(p.addr)
		if !ok || blk.ID != p.id {
			t.Errorf("Nearest(%#x) = block %d, want %d", p.addr, blk.ID, p.id)
			continue
		}
		if pos, n := blk.Relate(p.addr); pos != p.pos || n != p.n {
			t.Errorf("Relate(%#x) = %v %d, want %v %d", p.addr, pos, n, p.pos, p.n)
		}
	}
}

func TestCheckAccess(t *testing.T) {
	h := NewHeap(DefaultHeapConfig(testBase))
	a, _ := h.Alloc(16)
	b, _ := h.Alloc(16)
	if f := h.checkAccess(a.Addr+8, true); f != nil {
		t.Errorf("valid store: %+v", f)
	}
	f := h.checkAccess(a.Addr+16, false)
	if f == nil || f.Kind != FaultHeapOverflow || !f.HasBlock || f.Block.ID != a.ID || f.Write {
		t.Errorf("overflow: %+v", f)
	}
	f = h.checkAccess(a.Addr+12, true) // half in, half out
	if f == nil || f.Kind != FaultHeapOverflow || f.Block.ID != a.ID || !f.Write {
		t.Errorf("partial overflow: %+v", f)
	}
	h.Free(b.Addr)
	f = h.checkAccess(b.Addr, false)
	if f == nil || f.Kind != FaultUseAfterFree || !f.HasBlock || f.Block.ID != b.ID || f.Block.Live {
		t.Errorf("use after free: %+v", f)
	}
	h.Free(a.Addr)
	f = h.checkAccess(h.Top()-8, false)
	if f == nil || f.Kind != FaultWild || f.HasBlock {
		t.Errorf("free space, no live block: %+v", f)
	}
}

func TestGrow(t *testing.T) {
	cfg := DefaultHeapConfig(testBase)
	h := NewHeap(cfg)
	h.Alloc(64) // chunk 0..80
	// 5000 bytes need 5024: the 4016 free at the end are short by 1008,
	// so the heap grows by one page and the block starts at 80.
	b, ok := h.Alloc(5000)
	if !ok || b.Start != testBase+80 || h.Top() != testBase+8192 {
		t.Fatalf("grow: %+v top %#x", b, h.Top())
	}
	if l := h.FreeList(); len(l) != 1 || l[0] != (FreeChunk{testBase + 5104, 8192 - 5104}) {
		t.Errorf("free list after grow %+v", l)
	}
	// Larger than one page at once: as many pages as needed.
	c, ok := h.Alloc(3 * 4096)
	if !ok || c.Start != testBase+5104 || h.Top() != testBase+5*4096 {
		t.Errorf("grow by pages: %+v top %#x", c, h.Top())
	}

	// Without coalescing the new space is a chunk of its own.
	cfg.Coalesce = false
	h = NewHeap(cfg)
	h.Alloc(4000) // chunk 0..4016, (4016,80) left
	b, ok = h.Alloc(100)
	if !ok || b.Start != testBase+4096 || h.Top() != testBase+8192 {
		t.Fatalf("grow without coalescing: %+v top %#x", b, h.Top())
	}
	if l := freeListString(h); l != fmt.Sprintf("[ addr:%d sz:80 ][ addr:%d sz:3968 ]", testBase+4016, testBase+4224) {
		t.Errorf("free list %s", l)
	}

	// Without growth the heap keeps its size.
	cfg.Grow = false
	h = NewHeap(cfg)
	if _, ok := h.Alloc(4096); ok || h.Top() != testBase+4096 {
		t.Errorf("grew with Grow off")
	}
	if _, ok := h.Alloc(4080); !ok {
		t.Errorf("4080+16 bytes should fit exactly")
	}
}

func TestGrowToMax(t *testing.T) {
	cfg := DefaultHeapConfig(testBase)
	h := NewHeap(cfg)
	// The largest block: Max minus its header.
	if _, ok := h.Alloc(cfg.Max - 15); ok {
		t.Fatalf("allocated more than heap_max")
	}
	if h.Top() != testBase+4096 {
		t.Fatalf("a failed allocation grew the heap to %#x", h.Top())
	}
	b, ok := h.Alloc(cfg.Max - 16)
	if !ok || h.Top() != testBase+cfg.Max || h.Size() != cfg.Max {
		t.Fatalf("Alloc(Max-16) = %+v, %v, top %#x", b, ok, h.Top())
	}
	if _, ok := h.Alloc(1); ok {
		t.Errorf("allocated past heap_max")
	}
	if _, ok := h.Alloc(^uint64(0)); ok {
		t.Errorf("allocated 2^64-1 bytes")
	}
	huge := NewHeap(HeapConfig{Align: 1 << 63, Header: 1 << 63, Size: 100})
	if _, ok := huge.Alloc(1); ok {
		t.Errorf("allocated with an overflowing header")
	}
	h.Free(b.Addr)
	if _, ok := h.Alloc(1); !ok {
		t.Errorf("no room after freeing everything")
	}

	// A limit that is not a whole number of pages past Top: the last
	// growth stops at the limit.
	h = NewHeap(HeapConfig{Base: testBase, Align: 16, Header: 16, Coalesce: true, Size: 4096, Grow: true, Max: 6000})
	h.Alloc(4000) // chunk 0..4016, (4016,80) left
	if _, ok := h.Alloc(1500); !ok || h.Top() != testBase+6000 {
		t.Fatalf("partial growth: top %#x", h.Top())
	}
	if _, ok := h.Alloc(500); ok || h.Top() != testBase+6000 {
		t.Errorf("grew past the limit: top %#x", h.Top())
	}

	// Many small blocks fill the whole heap, then allocation fails.
	h = NewHeap(DefaultHeapConfig(testBase))
	count := 0
	for {
		if _, ok := h.Alloc(48); !ok {
			break
		}
		count++
	}
	if count != int(cfg.Max/64) || h.Top() != testBase+cfg.Max || h.InUse() != cfg.Max {
		t.Errorf("filled with %d blocks, top %#x, in use %d", count, h.Top(), h.InUse())
	}
	checkInvariants(t, h)
}

func TestClone(t *testing.T) {
	h := NewHeap(DefaultHeapConfig(testBase))
	a, _ := h.Alloc(32)
	b, _ := h.Alloc(32)
	h.Free(a.Addr)
	c := h.Clone()

	// Changes to the clone do not show in the original, and back.
	d, _ := c.Alloc(5000)
	if d.ID != 3 {
		t.Errorf("clone continues numbering: ID %d", d.ID)
	}
	if _, r := c.Free(b.Addr); r != FreeOK {
		t.Errorf("clone free: %v", r)
	}
	if h.Top() != testBase+4096 || h.LiveCount() != 1 || h.Check(b.Addr, 8) != AddrLive {
		t.Errorf("original changed by its clone")
	}
	if _, r := h.Free(a.Addr); r != FreeDouble {
		t.Errorf("original lost its quarantine: %v", r)
	}
	// The original reuses a's chunk; in the clone it is still freed
	// (there d went to the end of the heap).
	e, _ := h.Alloc(8)
	if e.ID != 3 || e.Addr != a.Addr || d.Addr == e.Addr || c.Check(e.Addr, 8) != AddrFreed {
		t.Errorf("original after clone: %+v, clone's %+v", e, d)
	}
	if st := c.Check(b.Addr, 8); st != AddrFreed {
		t.Errorf("clone: freed b is %v", st)
	}
	if len(c.Freed()) != 2 || len(h.Freed()) != 1 {
		t.Errorf("quarantines: clone %d original %d", len(c.Freed()), len(h.Freed()))
	}
	checkInvariants(t, h)
	checkInvariants(t, c)
}

// checkInvariants verifies the heap's internal consistency: free chunks and
// live blocks tile [Base, Top) exactly, in order, without overlap; the free
// list is fully coalesced when coalescing is on; InUse and the shadow agree.
func checkInvariants(t *testing.T, h *Heap) {
	t.Helper()
	type span struct {
		start, end uint64
		live       bool
	}
	var spans []span
	fi, li := 0, 0
	for fi < len(h.free) || li < len(h.live) {
		if li == len(h.live) || fi < len(h.free) && h.free[fi].Start < h.live[li].Start {
			c := h.free[fi]
			if c.Size == 0 {
				t.Fatalf("empty free chunk at %#x", c.Start)
			}
			spans = append(spans, span{c.Start, c.End(), false})
			fi++
		} else {
			b := h.live[li]
			if !b.Live || b.Addr-b.Start != h.header || b.Addr+b.Size > b.End {
				t.Fatalf("bad live block %+v", b)
			}
			spans = append(spans, span{b.Start, b.End, true})
			li++
		}
	}
	at := h.cfg.Base
	var inUse uint64
	for i, s := range spans {
		if s.start != at {
			t.Fatalf("gap or overlap at %#x (next span starts at %#x)", at, s.start)
		}
		if !s.live && i > 0 && !spans[i-1].live && h.cfg.Coalesce {
			t.Fatalf("adjacent free chunks at %#x with coalescing on", s.start)
		}
		if s.live {
			inUse += s.end - s.start
		}
		at = s.end
	}
	if at != h.top {
		t.Fatalf("spans end at %#x, top is %#x", at, h.top)
	}
	if inUse != h.inUse {
		t.Fatalf("InUse %d, blocks sum to %d", h.inUse, inUse)
	}
	if uint64(len(h.shadow)) > h.top-h.cfg.Base {
		t.Fatalf("shadow has %d bytes for a %d-byte heap", len(h.shadow), h.top-h.cfg.Base)
	}
	for _, b := range h.live {
		if b.Size > 0 && h.Check(b.Addr, b.Size) != AddrLive {
			t.Fatalf("block %+v does not check as live", b)
		}
	}
}

func TestRandomInvariants(t *testing.T) {
	for _, p := range []Policy{FirstFit, BestFit, WorstFit, NextFit} {
		for _, coalesce := range []bool{false, true} {
			cfg := DefaultHeapConfig(testBase)
			cfg.Policy, cfg.Coalesce, cfg.Max = p, coalesce, 64<<10
			h := NewHeap(cfg)
			r := rand.New(rand.NewSource(int64(p)*2 + 1))
			var live []Block
			for i := range 3000 {
				if len(live) == 0 || r.Intn(100) < 55 {
					n := uint64(r.Intn(300))
					b, ok := h.Alloc(n)
					if ok {
						if b.Addr%16 != 0 || b.Size != n {
							t.Fatalf("%v: bad block %+v", p, b)
						}
						live = append(live, b)
					}
				} else {
					k := r.Intn(len(live))
					if got, res := h.Free(live[k].Addr); res != FreeOK || got.ID != live[k].ID {
						t.Fatalf("%v: free %+v = %v", p, live[k], res)
					}
					live = append(live[:k], live[k+1:]...)
				}
				if i%50 == 0 {
					checkInvariants(t, h)
				}
			}
			checkInvariants(t, h)
			if h.LiveCount() != len(live) {
				t.Fatalf("%v: %d live, want %d", p, h.LiveCount(), len(live))
			}
		}
	}
}

func BenchmarkAllocFree(b *testing.B) {
	for _, p := range []Policy{FirstFit, BestFit, WorstFit, NextFit} {
		b.Run(p.String(), func(b *testing.B) {
			cfg := DefaultHeapConfig(testBase)
			cfg.Policy = p
			h := NewHeap(cfg)
			r := rand.New(rand.NewSource(1))
			live := make([]uint64, 0, 4096)
			// Keep about 2000 blocks live; every iteration frees one at
			// random and allocates one.
			for len(live) < 2000 {
				blk, _ := h.Alloc(uint64(8 + r.Intn(120)))
				live = append(live, blk.Addr)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				k := r.Intn(len(live))
				h.Free(live[k])
				blk, ok := h.Alloc(uint64(8 + r.Intn(120)))
				if !ok {
					b.Fatal("out of memory")
				}
				live[k] = blk.Addr
				_ = h.Check(blk.Addr, 8)
			}
		})
	}
}
