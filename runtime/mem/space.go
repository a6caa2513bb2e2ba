package mem

import (
	"slices"
	"sort"
)

// PageSize is the size of a page in bytes.
const PageSize = 4096

// Standard addresses of the layout (x86-64 Linux, non-PIE).
const (
	TextBase  uint64 = 0x400000
	MmapTop   uint64 = 0x7f0000000000
	StackTop  uint64 = 0x7ffffffff000
	WordBytes uint64 = 8
)

// PageUp rounds a up to a page boundary.
func PageUp(a uint64) uint64 { return (a + PageSize - 1) &^ (PageSize - 1) }

// SegKind says what a segment is for.
type SegKind uint8

// Segment kinds.
const (
	SegText SegKind = iota
	SegData
	SegBss
	SegHeap
	SegStack
	SegGuard
	SegShm
	SegFile
)

// Perm is a segment's protection, as in /proc/PID/maps.
type Perm uint8

// Permission bits.
const (
	PermR Perm = 1 << iota
	PermW
	PermX
	PermShared
)

// String renders perm as /proc/PID/maps does: "r-xp", "rw-s".
func (p Perm) String() string {
	b := []byte("---p")
	if p&PermR != 0 {
		b[0] = 'r'
	}
	if p&PermW != 0 {
		b[1] = 'w'
	}
	if p&PermX != 0 {
		b[2] = 'x'
	}
	if p&PermShared != 0 {
		b[3] = 's'
	}
	return string(b)
}

// Segment is a contiguous range [Start, End) of an address space. Its words
// are stored lazily: a word never written reads as zero. A stack segment
// (Down) stores its words from the top down, so that growing the stack is an
// append and a deep stack costs host memory only when it is used.
type Segment struct {
	Kind  SegKind
	Name  string
	Start uint64
	End   uint64
	Perm  Perm
	Down  bool
	// Words holds the aligned words: Words[i] is the word at Start+8i, or
	// for a Down segment the word at End-8(i+1).
	Words []Value
	// Odd holds words stored at addresses that are not multiples of 8.
	Odd map[uint64]Value
	// SP is, for a stack, the lowest address of the live frames; below it
	// lie popped frames (touching them is a stack use after return).
	SP uint64
	// TID is the thread a stack belongs to.
	TID int
	// Shared is, for a shared mapping, the memory it shows: every
	// mapping of one shared memory segment or file, in any process, has
	// the same Shared, whose words its own are. It is nil for private
	// memory, a private copy of a file included.
	Shared *Shared

	// meter counts the words held (see Meter); charged is what this
	// segment has charged it.
	meter   *Meter
	charged int64
	// space is the address space that maps the segment: a stack's
	// pages get their frames there as it grows.
	space *AddressSpace
	// fwd is the segment's copy while a Copier whose generation is
	// fwdGen copies the machine (copy.go).
	fwd    *Segment
	fwdGen uint64
}

// Shared is memory that several address spaces map at once: a shared
// memory segment, or a file mapped shared. Each mapping is a segment that
// points to it and holds its words, not a copy; the pointer names that
// memory wherever it is mapped (a race on it is a race wherever the
// processes have it).
type Shared struct {
	Words []Value
	// Odd holds words stored at offsets that are not multiples of 8.
	Odd map[uint64]Value
	// fwd is its copy while a Copier copies the machine (copy.go).
	fwd    *Shared
	fwdGen uint64
}

// SetMeter makes m count the segment's words from now on, starting with
// those it holds.
func (s *Segment) SetMeter(m *Meter) {
	s.meter.Release(s.charged)
	s.meter, s.charged = m, 0
	s.recharge()
}

// footprint is what the segment's words count: every word its array has
// room for, and each word kept apart at an odd address.
func (s *Segment) footprint() int64 {
	return 8*int64(cap(s.Words)) + OddWordCost*int64(len(s.Odd))
}

// recharge brings the meter up to date after the words changed.
func (s *Segment) recharge() {
	if s.meter == nil {
		return
	}
	n := s.footprint()
	s.meter.Charge(n - s.charged)
	s.charged = n
}

// Release drops the segment's words (an ended stack, the memory of an
// ended process) and gives their count back to the meter.
func (s *Segment) Release() {
	s.Words, s.Odd = nil, nil
	s.meter.Release(s.charged)
	s.charged = 0
}

// Footprint is the number of bytes the segment's words count.
func (s *Segment) Footprint() int64 { return s.footprint() }

// Index returns the index in Words of the aligned word at addr.
func (s *Segment) Index(addr uint64) int {
	if s.Down {
		return int((s.End - 8 - addr) >> 3)
	}
	return int((addr - s.Start) >> 3)
}

// AddrOf returns the address of Words[i].
func (s *Segment) AddrOf(i int) uint64 {
	if s.Down {
		return s.End - 8*uint64(i+1)
	}
	return s.Start + 8*uint64(i)
}

// Ensure grows Words so that index i exists.
func (s *Segment) Ensure(i int) {
	if i < len(s.Words) {
		return
	}
	s.grow(i)
}

// grow is Ensure's work when Words is too short: it stays out of line so
// that Ensure is inlined where frames are pushed.
func (s *Segment) grow(i int) {
	if i < cap(s.Words) {
		old := len(s.Words)
		s.Words = s.Words[:i+1]
		s.backGrown(old)
		return
	}
	n := 2 * cap(s.Words)
	if n < i+1 {
		n = i + 1
	}
	if n < 16 {
		n = 16
	}
	old := len(s.Words)
	w := make([]Value, i+1, n)
	copy(w, s.Words)
	s.Words = w
	if s.Shared != nil {
		// A store past the end of a shared object, in the page that
		// holds its end: the mapping's words are its own from now
		// on, other memory than the object's, and named apart.
		s.Shared = &Shared{Words: w, Odd: s.Odd}
	}
	s.recharge()
	s.backGrown(old)
}

// backGrown gives frames to the pages a stack grew into: Words grew from
// old words.
func (s *Segment) backGrown(old int) {
	if s.Down && s.space != nil && s.space.phys != nil {
		hi := s.End
		if old > 0 {
			hi = s.AddrOf(old - 1)
		}
		s.space.Back(s.AddrOf(len(s.Words)-1), hi)
	}
}

// Get reads the word at addr, which must lie inside s.
func (s *Segment) Get(addr uint64) Value {
	if addr&7 != 0 {
		return s.Odd[addr]
	}
	i := s.Index(addr)
	if i < len(s.Words) {
		return s.Words[i]
	}
	return Value{}
}

// Put writes the word at addr, which must lie inside s.
func (s *Segment) Put(addr uint64, v Value) {
	if addr&7 != 0 {
		if s.Odd == nil {
			s.Odd = make(map[uint64]Value)
		}
		_, had := s.Odd[addr]
		s.Odd[addr] = v
		if !had {
			s.recharge()
		}
		return
	}
	i := s.Index(addr)
	s.Ensure(i)
	s.Words[i] = v
}

// Clone returns a deep copy of s, counted by the same meter.
func (s *Segment) Clone() *Segment {
	c := *s
	c.Words = append([]Value(nil), s.Words...)
	if s.Odd != nil {
		c.Odd = make(map[uint64]Value, len(s.Odd))
		for k, v := range s.Odd {
			c.Odd[k] = v
		}
	}
	c.Shared = nil // the copy is private memory
	c.space = nil
	c.charged = 0
	c.recharge()
	return &c
}

// Size is the segment's length in bytes.
func (s *Segment) Size() uint64 { return s.End - s.Start }

// AddressSpace is the virtual memory of one process: its segments, sorted by
// address, and its heap allocator.
type AddressSpace struct {
	segs []*Segment
	last *Segment
	// Heap is the allocator behind the [heap] segment, nil if none.
	Heap *Heap
	// HeapSeg is the [heap] segment; its End follows the heap's top.
	HeapSeg *Segment
	// COWCopies counts the pages this space copied on a first write after
	// a fork.
	COWCopies int64
	// OnCOW, when set, is told of each page copied on write.
	OnCOW func(page uint64)
	// Meter, when set, counts the words of the private segments mapped
	// from then on (shared ones are counted by what they share).
	Meter *Meter

	cow map[uint64]*cowPage
	// phys is the physical memory the pages take frames from, and pt
	// the page table: the frame of each page that has one.
	phys *Phys
	pt   map[uint64]Frame
	// ptShared says pt may be another space's too: a copy of the machine
	// shares the page table with its original until either changes it
	// (ownPT). Pages are mapped far less often than machines are copied.
	ptShared bool
	// tc remembers the last translations Translate found, by page: a
	// page walk in a Go map costs tens of nanoseconds, and the TLB's
	// misses walk the few pages of a process again and again. Every
	// change of pt clears it (ownPT, UnbackAll, ForkPages).
	tc [tcSize]tcEntry
	// fwd is its copy while a Copier copies the machine (copy.go).
	fwd    *AddressSpace
	fwdGen uint64
}

// tcSize is the number of translations an AddressSpace remembers.
const tcSize = 8

// tcEntry is one remembered translation: page+1 (0 for none), and its
// frame.
type tcEntry struct {
	page  uint64
	frame Frame
}

// Segments returns the segments in address order. The caller must not
// modify the slice.
func (as *AddressSpace) Segments() []*Segment { return as.segs }

// Map adds a segment. Segments must not overlap.
func (as *AddressSpace) Map(s *Segment) {
	if as.Meter != nil && s.meter == nil && s.Perm&PermShared == 0 {
		s.SetMeter(as.Meter)
	}
	if s.Perm&PermShared == 0 {
		s.space = as
	}
	i := sort.Search(len(as.segs), func(i int) bool { return as.segs[i].Start >= s.Start })
	as.segs = append(as.segs, nil)
	copy(as.segs[i+1:], as.segs[i:])
	as.segs[i] = s
}

// Unmap removes a segment.
func (as *AddressSpace) Unmap(s *Segment) {
	for i, x := range as.segs {
		if x == s {
			as.segs = append(as.segs[:i], as.segs[i+1:]...)
			break
		}
	}
	if as.last == s {
		as.last = nil
	}
}

// Find returns the segment holding addr, or nil.
func (as *AddressSpace) Find(addr uint64) *Segment {
	if l := as.last; l != nil && addr >= l.Start && addr < l.End {
		return l
	}
	segs := as.segs
	i := sort.Search(len(segs), func(i int) bool { return segs[i].End > addr })
	if i < len(segs) && addr >= segs[i].Start {
		as.last = segs[i]
		return segs[i]
	}
	return nil
}

// Below returns the segment that starts right above addr's page, if addr is
// within one page below it (used to name a guard-page touch).
func (as *AddressSpace) near(addr uint64) *Segment {
	for _, s := range as.segs {
		if s.Kind == SegStack && addr < s.Start && s.Start-addr <= PageSize {
			return s
		}
	}
	return nil
}

// Load reads the word at addr, checking that the access is legal.
func (as *AddressSpace) Load(addr uint64) (Value, *Fault) {
	s := as.Find(addr)
	if s == nil || s.Perm&PermR == 0 || s.Kind == SegHeap || s.Kind == SegStack {
		if f := as.check(s, addr, false); f != nil {
			return Value{}, f
		}
	}
	return s.Get(addr), nil
}

// Store writes the word at addr, checking that the access is legal.
func (as *AddressSpace) Store(addr uint64, v Value) *Fault {
	s := as.Find(addr)
	if s == nil || s.Perm&PermW == 0 || s.Kind == SegHeap || s.Kind == SegStack {
		if f := as.check(s, addr, true); f != nil {
			return f
		}
	}
	if len(as.cow) > 0 {
		as.NoteWrite(addr)
	}
	s.Put(addr, v)
	return nil
}

// Faults reports whether a load (or, with write, a store) of the word at
// addr would fault, as Load and Store decide; s is the segment Find
// returns for addr.
func (as *AddressSpace) Faults(s *Segment, addr uint64, write bool) bool {
	perm := PermR
	if write {
		perm = PermW
	}
	if s != nil && s.Perm&perm != 0 && s.Kind != SegHeap && s.Kind != SegStack {
		return false
	}
	return as.check(s, addr, write) != nil
}

// check decides whether an access to addr in s (nil: unmapped) faults.
func (as *AddressSpace) check(s *Segment, addr uint64, write bool) *Fault {
	if s == nil {
		if st := as.near(addr); st != nil {
			return &Fault{Kind: FaultStackOverflow, Addr: addr, Write: write, Seg: st}
		}
		return &Fault{Kind: FaultSegv, Addr: addr, Write: write, Why: "address not mapped"}
	}
	switch s.Kind {
	case SegGuard:
		return &Fault{Kind: FaultStackOverflow, Addr: addr, Write: write, Seg: s}
	case SegHeap:
		if as.Heap == nil {
			return nil
		}
		return as.Heap.checkAccess(addr, write)
	case SegStack:
		if addr < s.SP {
			return &Fault{Kind: FaultStackUseAfterReturn, Addr: addr, Write: write, Seg: s}
		}
	}
	if write && s.Perm&PermW == 0 {
		why := "write to a read-only segment"
		if s.Kind == SegText {
			why = "write to the text segment (code is read-only)"
		}
		return &Fault{Kind: FaultSegv, Addr: addr, Write: write, Seg: s, Why: why}
	}
	if !write && s.Perm&PermR == 0 {
		return &Fault{Kind: FaultSegv, Addr: addr, Write: write, Seg: s, Why: "read of a protected page"}
	}
	return nil
}

// Clone returns a deep copy of the address space (used by fork).
func (as *AddressSpace) Clone() *AddressSpace {
	c := &AddressSpace{}
	for _, s := range as.segs {
		cs := s.Clone()
		cs.space = c
		c.segs = append(c.segs, cs)
		if s == as.HeapSeg {
			c.HeapSeg = cs
		}
	}
	if as.Heap != nil {
		c.Heap = as.Heap.Clone()
	}
	return c
}

// cowPage is one page shared copy-on-write by Refs address spaces.
type cowPage struct{ refs int }

// ShareCOW marks the pages of [start, end) as shared copy-on-write between
// as and other (fork): the first write to such a page in either space copies
// it, and is counted in that space's COWCopies.
func (as *AddressSpace) ShareCOW(other *AddressSpace, start, end uint64) {
	if as.cow == nil {
		as.cow = map[uint64]*cowPage{}
	}
	if other.cow == nil {
		other.cow = map[uint64]*cowPage{}
	}
	for pg := start &^ (PageSize - 1); pg < end; pg += PageSize {
		cp, ok := as.cow[pg]
		if !ok {
			cp = &cowPage{refs: 1}
			as.cow[pg] = cp
		}
		cp.refs++
		other.cow[pg] = cp
	}
}

// NoteWrite must be called before a write to addr: when the page is still
// shared copy-on-write, this space gets its own copy (counted). The last
// space holding a page writes it in place, as Linux does.
func (as *AddressSpace) NoteWrite(addr uint64) {
	if len(as.cow) == 0 {
		return
	}
	pg := addr &^ (PageSize - 1)
	cp, ok := as.cow[pg]
	if !ok {
		return
	}
	delete(as.cow, pg)
	cp.refs--
	if cp.refs > 0 {
		as.COWCopies++
		if f, ok := as.pt[pg]; ok {
			// The copy is a new frame; the others keep the old one.
			as.phys.Drop(f)
			as.ownPT()
			as.pt[pg] = as.phys.Alloc()
		}
		if as.OnCOW != nil {
			as.OnCOW(pg)
		}
	}
}

// COWActive reports whether any page is still shared copy-on-write; the VM
// checks it before its direct stores to globals and stack slots.
func (as *AddressSpace) COWActive() bool { return len(as.cow) > 0 }

// SharedCOWPages returns, in address order, the pages of this space still
// shared copy-on-write with another holder (a process forked from it or
// that it was forked from, or the file of a private mapping): the first
// write to one of them copies it.
func (as *AddressSpace) SharedCOWPages() []uint64 {
	var out []uint64
	for pg, cp := range as.cow {
		if cp.refs > 1 {
			out = append(out, pg)
		}
	}
	slices.Sort(out)
	return out
}

// ReleaseCOWRange drops this space's share of the pages of [start, end)
// (a segment it unmaps), so the other holders write them in place.
func (as *AddressSpace) ReleaseCOWRange(start, end uint64) {
	if len(as.cow) == 0 {
		return
	}
	first := start &^ (PageSize - 1)
	if (end-first)/PageSize > uint64(len(as.cow)) {
		// A large segment and few shared pages: look at the pages.
		for pg, cp := range as.cow {
			if pg >= first && pg < end {
				cp.refs--
				delete(as.cow, pg)
			}
		}
		return
	}
	for pg := first; pg < end; pg += PageSize {
		if cp, ok := as.cow[pg]; ok {
			cp.refs--
			delete(as.cow, pg)
		}
	}
}

// ReleaseCOW drops this space's share of every page (at process exit), so
// the other holders write in place.
func (as *AddressSpace) ReleaseCOW() {
	for pg, cp := range as.cow {
		cp.refs--
		delete(as.cow, pg)
	}
}
