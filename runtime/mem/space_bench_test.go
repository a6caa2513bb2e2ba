package mem_test

import (
	"testing"

	"proc/runtime/mem"
)

// benchSpace returns an address space laid out like a process's: text,
// data, a heap with one live 4 KiB block, a guard page and a stack.
func benchSpace(b *testing.B) (*mem.AddressSpace, uint64) {
	as := &mem.AddressSpace{}
	as.Map(&mem.Segment{Kind: mem.SegText, Name: "[text]", Start: mem.TextBase, End: mem.TextBase + mem.PageSize, Perm: mem.PermR | mem.PermX})
	data := mem.TextBase + mem.PageSize
	as.Map(&mem.Segment{Kind: mem.SegData, Name: "[data]", Start: data, End: data + mem.PageSize, Perm: mem.PermR | mem.PermW})
	heapBase := data + mem.PageSize
	h := mem.NewHeap(mem.DefaultHeapConfig(heapBase))
	blk, ok := h.Alloc(2048)
	if !ok {
		b.Fatal("alloc failed")
	}
	hs := &mem.Segment{Kind: mem.SegHeap, Name: "[heap]", Start: heapBase, End: h.Top(), Perm: mem.PermR | mem.PermW}
	as.Heap, as.HeapSeg = h, hs
	as.Map(hs)
	st := &mem.Segment{Kind: mem.SegStack, Name: "[stack]", Start: mem.StackTop - 65536, End: mem.StackTop, Perm: mem.PermR | mem.PermW, Down: true, SP: mem.StackTop - 4096}
	as.Map(&mem.Segment{Kind: mem.SegGuard, Name: "[guard]", Start: st.Start - mem.PageSize, End: st.Start})
	as.Map(st)
	return as, blk.Addr
}

// BenchmarkSpaceLoadStore measures a checked load and store of one word
// (what `p[i] = p[i] + 1` costs the memory system), in the data segment
// and in a live heap block (checked against the allocator's shadow).
func BenchmarkSpaceLoadStore(b *testing.B) {
	as, heapAddr := benchSpace(b)
	for _, c := range []struct {
		name string
		addr uint64
	}{{"data", mem.TextBase + mem.PageSize + 64}, {"heap", heapAddr + 64}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				a := c.addr + uint64(i&63)*8
				v, f := as.Load(a)
				if f != nil {
					b.Fatal(f)
				}
				v.N++
				if f := as.Store(a, v); f != nil {
					b.Fatal(f)
				}
			}
		})
	}
}

// BenchmarkSpaceFind looks up the segment of addresses that alternate
// between the heap and the stack, so the one-entry cache always misses.
func BenchmarkSpaceFind(b *testing.B) {
	as, heapAddr := benchSpace(b)
	addrs := [2]uint64{heapAddr, mem.StackTop - 8}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if as.Find(addrs[i&1]) == nil {
			b.Fatal("not mapped")
		}
	}
}
