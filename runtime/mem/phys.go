package mem

import (
	"maps"
	"slices"
)

// Physical memory and page tables.
//
// Every address a program uses is virtual. Each address space has a page
// table that maps each of its pages that has memory behind it to a frame
// of the machine's physical memory (Phys). Pages of one process never
// share a frame with another's, except where the two share memory on
// purpose: the code of one program, a shared memory segment or a file
// mapped shared, and the pages a fork left shared copy-on-write until one
// side writes.
//
// When a page gets its frame:
//
//   - text, data and bss when the program is loaded (the code of one
//     program is loaded once: every process running it maps those frames);
//   - the heap as it grows (the allocator's sbrk);
//   - a stack as it grows: a call that pushes a frame onto a new page;
//   - a shared memory segment or a file when it is made, for its size;
//   - a page shared copy-on-write when one side writes it first: the
//     writer gets a new frame with a copy, the other keeps the old one.
//
// Frames are numbered from 1 (frame 0 is the kernel's) and given out
// lowest free first, so the numbers follow the order of the machine's
// allocations and are the same on every run.

// Frame is the number of a physical page: its physical address is
// Frame*PageSize.
type Frame uint32

// Addr is the physical address of the frame's first byte.
func (f Frame) Addr() uint64 { return uint64(f) * PageSize }

// Phys is the machine's physical memory: which frames are in use, and by
// how many page-table entries (or shared objects) each.
type Phys struct {
	// refs[f] is the number of holders of frame f; 0 is free.
	refs []int32
	// free holds the freed frames as a heap, the lowest first.
	free []Frame
	used int
}

// NewPhys returns a physical memory with every frame free.
func NewPhys() *Phys { return &Phys{refs: []int32{1}} } // frame 0: the kernel

// Alloc returns a free frame, held once: the lowest one freed, or a new
// one past every frame given out so far.
func (ph *Phys) Alloc() Frame {
	ph.used++
	if len(ph.free) > 0 {
		f := ph.popFree()
		ph.refs[f] = 1
		return f
	}
	ph.refs = append(ph.refs, 1)
	return Frame(len(ph.refs) - 1)
}

// Hold adds a holder to frame f.
func (ph *Phys) Hold(f Frame) { ph.refs[f]++ }

// Drop removes a holder from frame f; the last one frees it.
func (ph *Phys) Drop(f Frame) {
	ph.refs[f]--
	if ph.refs[f] > 0 {
		return
	}
	ph.used--
	ph.pushFree(f)
}

// pushFree adds f to the heap of free frames.
func (ph *Phys) pushFree(f Frame) {
	h := append(ph.free, f)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if h[p] <= h[i] {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
	ph.free = h
}

// popFree takes the lowest free frame off the heap.
func (ph *Phys) popFree() Frame {
	h := ph.free
	f := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && h[l] < h[m] {
			m = l
		}
		if r < n && h[r] < h[m] {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	ph.free = h
	return f
}

// Holders is the number of holders of frame f.
func (ph *Phys) Holders(f Frame) int {
	if int(f) >= len(ph.refs) {
		return 0
	}
	return int(ph.refs[f])
}

// InUse is the number of frames in use.
func (ph *Phys) InUse() int { return ph.used }

// Frames is the number of frames ever given out: the highest frame
// number in use or free.
func (ph *Phys) Frames() int { return len(ph.refs) - 1 }

// HashState adds which frames are held and how many times (which frames
// are free follows: the others below the highest given out).
func (ph *Phys) HashState(h *Hasher) {
	h.Word(uint64(len(ph.refs)))
	for _, r := range ph.refs {
		h.Int(int64(r))
	}
}

// PTE is one entry of a page table: a virtual page and its frame.
type PTE struct {
	Page  uint64 // the page's virtual address
	Frame Frame
}

// SetPhys gives the space the physical memory its pages take frames from.
// Until it has one, the space keeps no page table.
func (as *AddressSpace) SetPhys(ph *Phys) { as.phys = ph }

// Phys is the physical memory behind the space, or nil.
func (as *AddressSpace) Phys() *Phys { return as.phys }

// Back gives every page of [start, end) that has no frame a new one.
func (as *AddressSpace) Back(start, end uint64) {
	if as.phys == nil || end <= start {
		return
	}
	for pg := start &^ (PageSize - 1); pg < end; pg += PageSize {
		if _, ok := as.pt[pg]; !ok {
			as.ownPT()
			as.pt[pg] = as.phys.Alloc()
		}
	}
}

// ownPT makes the page table the space's own before it changes it: a
// copy of one another space shares (Copier.Space) is copied first, and
// a space with none gets one.
func (as *AddressSpace) ownPT() {
	as.tc = [tcSize]tcEntry{}
	if as.ptShared {
		as.pt = maps.Clone(as.pt)
		as.ptShared = false
	}
	if as.pt == nil {
		as.pt = map[uint64]Frame{}
	}
}

// BackWith maps the pages of [start, end) to frames, in order, each held
// once more: the frames of a shared object, or of a program's code. A
// page that had a frame gives it up. frames may be shorter than the
// range: the pages past its end get no frame.
func (as *AddressSpace) BackWith(start, end uint64, frames []Frame) {
	if as.phys == nil {
		return
	}
	i := 0
	for pg := start &^ (PageSize - 1); pg < end && i < len(frames); pg, i = pg+PageSize, i+1 {
		if old, ok := as.pt[pg]; ok {
			as.phys.Drop(old)
		}
		as.phys.Hold(frames[i])
		as.ownPT()
		as.pt[pg] = frames[i]
	}
}

// Unback gives up the frames of the pages of [start, end).
func (as *AddressSpace) Unback(start, end uint64) {
	if len(as.pt) == 0 {
		return
	}
	first := start &^ (PageSize - 1)
	if (end-first)/PageSize > uint64(len(as.pt)) {
		// (When ownPT copies the table, the loop goes on over the
		// table it started with, the same entries.)
		for pg, f := range as.pt {
			if pg >= first && pg < end {
				as.phys.Drop(f)
				as.ownPT()
				delete(as.pt, pg)
			}
		}
		return
	}
	for pg := first; pg < end; pg += PageSize {
		if f, ok := as.pt[pg]; ok {
			as.phys.Drop(f)
			as.ownPT()
			delete(as.pt, pg)
		}
	}
}

// UnbackAll gives up every frame (at process exit).
func (as *AddressSpace) UnbackAll() {
	as.tc = [tcSize]tcEntry{}
	for _, f := range as.pt {
		as.phys.Drop(f)
	}
	if as.ptShared {
		// Another space's too: it keeps it, this one has none left.
		as.pt, as.ptShared = nil, false
		return
	}
	clear(as.pt)
}

// Translate returns the physical address of addr: its page's frame and
// the offset in the page. ok is false when the page has no frame.
func (as *AddressSpace) Translate(addr uint64) (phys uint64, ok bool) {
	pg := addr &^ (PageSize - 1)
	e := &as.tc[pg/PageSize%tcSize]
	if e.page == pg+1 {
		return e.frame.Addr() + addr&(PageSize-1), true
	}
	f, ok := as.pt[pg]
	if !ok {
		return 0, false
	}
	*e = tcEntry{page: pg + 1, frame: f}
	return f.Addr() + addr&(PageSize-1), true
}

// PageTable returns the space's page table in address order.
func (as *AddressSpace) PageTable() []PTE {
	out := make([]PTE, 0, len(as.pt))
	for _, pg := range slices.Sorted(maps.Keys(as.pt)) {
		out = append(out, PTE{Page: pg, Frame: as.pt[pg]})
	}
	return out
}

// CopyOnWrite reports whether the page holding addr is still shared
// copy-on-write with another holder.
func (as *AddressSpace) CopyOnWrite(addr uint64) bool {
	cp, ok := as.cow[addr&^(PageSize-1)]
	return ok && cp.refs > 1
}

// ForkPages fills the page table of c, a copy of as made by fork: a
// page shared copy-on-write, or shared memory, or code, keeps the frame
// it has in as; any other page with a frame gets a new one.
func (as *AddressSpace) ForkPages(c *AddressSpace) {
	if as.phys == nil {
		return
	}
	c.phys = as.phys
	c.tc = [tcSize]tcEntry{}
	c.pt = make(map[uint64]Frame, len(as.pt))
	for _, pg := range slices.Sorted(maps.Keys(as.pt)) {
		f := as.pt[pg]
		s := c.Find(pg)
		if s == nil {
			// Data and bss share a page; Find names the segment at
			// the page's first byte, which may be neither.
			s = c.Find(pg + PageSize - 8)
		}
		if s == nil {
			continue
		}
		if _, cow := c.cow[pg]; cow || s.Shared != nil || s.Kind == SegText {
			as.phys.Hold(f)
			c.pt[pg] = f
		} else {
			c.pt[pg] = as.phys.Alloc()
		}
	}
}
