// Package mem is the memory of the simulated machine: the values a word of
// memory holds, the segments of a process's address space, and the heap
// allocator behind alloc and free.
package mem
