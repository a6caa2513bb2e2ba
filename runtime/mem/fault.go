package mem

// FaultKind names what went wrong in a memory access; the names are the
// "kind" field of a fault event.
type FaultKind string

// The memory fault kinds.
const (
	FaultSegv                FaultKind = "segfault"
	FaultStackOverflow       FaultKind = "stack-overflow"
	FaultUseAfterFree        FaultKind = "use-after-free"
	FaultDoubleFree          FaultKind = "double-free"
	FaultInvalidFree         FaultKind = "invalid-free"
	FaultHeapOverflow        FaultKind = "heap-buffer-overflow"
	FaultStackUseAfterReturn FaultKind = "stack-use-after-return"
	// FaultWild is an access to heap memory that no block holds, in a
	// heap with no live block: there is no buffer it could have
	// overflowed, so the pointer came from nowhere in this process.
	FaultWild FaultKind = "wild-pointer"
)

// Fault describes an illegal memory access or heap operation. It carries
// what a memory checker reports; the kernel turns it into a signal.
type Fault struct {
	Kind  FaultKind
	Addr  uint64
	Write bool
	Seg   *Segment // the segment touched, if any
	Why   string   // a short reason for a segfault
	// Block is the heap block involved (the one freed, overflowed or
	// freed twice), when HasBlock is set.
	Block    Block
	HasBlock bool
}
