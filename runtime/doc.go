// Package runtime is the simulated machine: the kernel (processes,
// threads, the clock, syscalls), scheduling, the trace and its sinks, the
// statistics, and the views of the machine's state that show and the
// REPL print (views.go, and the timeline in gantt.go). Memory lives in
// runtime/mem.
//
// The language that runs on the machine is another package's, passed to
// NewMachine as a Lang: it runs a thread's code, says where a thread is
// in the source, and tells the views what a thread's frames and a heap
// block are.
package runtime
