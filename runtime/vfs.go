package runtime

import "proc/runtime/mem"

// Shared memory segments and memory-mapped files. Both are shared objects
// of a host: words that every shared mapping sees with no copy. A private
// file mapping starts as a copy and then copies each page on its first
// write.

// mapShared maps obj into p's mmap area and returns the segment.
func (m *Machine) mapShared(p *Process, obj *SharedObject, kind mem.SegKind, name string, shared bool) *mem.Segment {
	size := mem.PageUp(obj.Size)
	if size == 0 {
		size = mem.PageSize
	}
	top := p.mmapNext
	seg := &mem.Segment{Kind: kind, Name: name, Start: top - size, End: top, Perm: mem.PermR | mem.PermW}
	if shared {
		seg.Perm |= mem.PermShared
		// Every mapping shares the object's words and map: the slice is
		// allocated at full size so no mapping ever reallocates it.
		seg.Shared = obj.Shared
		seg.Words = obj.Words
		seg.Odd = obj.Odd
		obj.maps++
		p.Space.Map(seg)
		p.Space.BackWith(seg.Start, seg.End, obj.frames)
	} else {
		m.Copy(8 * int64(len(obj.Words)))
		seg.Words = append([]mem.Value(nil), obj.Words...)
		seg.Odd = map[uint64]mem.Value{}
		for k, v := range obj.Odd {
			seg.Odd[k] = v
		}
		// The first write to each page of a private mapping copies it.
		var file mem.AddressSpace
		p.Space.ShareCOW(&file, seg.Start, seg.Start+obj.Size)
		p.Space.Map(seg)
		// Until a page is written it is the file's own.
		p.Space.BackWith(seg.Start, seg.Start+obj.Size, obj.frames)
		p.Space.Back(seg.Start, seg.End)
	}
	p.mmapNext = seg.Start - mem.PageSize // a gap page between mappings
	return seg
}

// unmapShared drops p's shared mappings (at exit).
func (m *Machine) unmapShared(p *Process) {
	m.countShared(p, -1)
}

// countShared adds d to the mapping count of each shared object that p
// maps shared: +1 for each of a forked child's, which inherits them,
// and -1 for each at exit.
func (m *Machine) countShared(p *Process, d int) {
	for _, s := range p.Space.Segments() {
		if s.Perm&mem.PermShared == 0 {
			continue
		}
		h := m.host(p.Host)
		for _, o := range h.Shm {
			if s.Shared == o.Shared {
				o.maps += d
			}
		}
		for _, o := range h.Files {
			if s.Shared == o.Shared {
				o.maps += d
			}
		}
	}
}

func (m *Machine) newSharedObject(name string, size uint64) *SharedObject {
	words := (size + 7) / 8
	m.meter.Charge(ObjectCost + 8*int64(words)) // the host keeps it
	obj := &SharedObject{Name: name, Size: size, Shared: &mem.Shared{Words: make([]mem.Value, words), Odd: map[uint64]mem.Value{}}}
	m.growFrames(obj)
	return obj
}

// growFrames gives obj a frame for each page of its size not yet held.
func (m *Machine) growFrames(obj *SharedObject) {
	for n := max(int(mem.PageUp(obj.Size)/mem.PageSize), 1); len(obj.frames) < n; {
		obj.frames = append(obj.frames, m.phys.Alloc())
	}
}

// shm maps the named shared memory segment of p's host (creating it) and
// returns its address in p. A segment keeps the size it was created with.
// It returns 0 when the memory to make the segment is spent.
func (m *Machine) shm(p *Process, name string, size int64) uint64 {
	h := m.host(p.Host)
	obj, ok := h.Shm[name]
	if !ok {
		if !m.meter.Fits(ObjectCost + size + 8) {
			return 0
		}
		obj = m.newSharedObject(name, uint64(size))
		h.Shm[name] = obj
	}
	seg := m.mapShared(p, obj, mem.SegShm, "/dev/shm/"+name, true)
	return seg.Start
}

// mmap maps a file of p's host's virtual file system (created zero-filled,
// or grown, to size bytes), shared or private, and returns its address.
// It returns 0 when the memory for the file or the private copy is spent.
func (m *Machine) mmap(p *Process, name string, size int64, shared bool) uint64 {
	h := m.host(p.Host)
	obj, ok := h.Files[name]
	// A private mapping is a copy of the file.
	need := int64(0)
	if !shared {
		need = max(size, int64(0)) + 8
		if ok {
			need = max(need, 8*int64(len(obj.Words)))
		}
	}
	if !ok {
		if !m.meter.Fits(ObjectCost+size+8+need) || !m.CopyFits(need) {
			return 0
		}
		obj = m.newSharedObject(name, uint64(size))
		h.Files[name] = obj
	} else if uint64(size) > obj.Size {
		if obj.maps > 0 {
			// Mappings share the words: the file cannot move now.
			size = int64(obj.Size)
		} else {
			more := (uint64(size)+7)/8 - uint64(len(obj.Words))
			if !m.meter.Fits(8*int64(more)+need) || !m.CopyFits(need) {
				return 0
			}
			m.meter.Charge(8 * int64(more))
			if more > 0 {
				// New words, and so new memory: no mapping has
				// the old ones (maps is 0).
				obj.Shared = &mem.Shared{Words: append(obj.Words, make([]mem.Value, more)...), Odd: obj.Odd}
			}
			obj.Size = uint64(size)
			m.growFrames(obj)
		}
	} else if !m.meter.Fits(need) || !m.CopyFits(need) {
		return 0
	}
	seg := m.mapShared(p, obj, mem.SegFile, name, shared)
	return seg.Start
}
