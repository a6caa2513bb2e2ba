// Package runtime is the simulated machine, knowing nothing of the language:
// the kernel (processes, threads, the clock, syscalls), scheduling, the trace
// and its sinks, and statistics. Memory lives in runtime/mem.
package runtime
