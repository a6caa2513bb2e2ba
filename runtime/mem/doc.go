// Package mem is the memory of the simulated machine: the values a word of
// memory holds, the segments of a process's address space, the memory
// that several of them share, the heap allocator behind alloc and free,
// the faults of a bad access, and the meter that holds all of it to the
// machine's memory limit.
package mem
