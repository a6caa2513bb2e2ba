// Package runtime is the simulated machine: the kernel (processes,
// threads, the clock, syscalls), scheduling, the trace and its sinks, the
// statistics, and the views of the machine's state that show and the
// REPL print (views.go, and the timeline in gantt.go). Memory lives in
// runtime/mem.
//
// The language that runs on the machine is another package's, passed to
// NewMachine as a Lang: it runs a thread's code, says where a thread is
// in the source, prints a value, and tells the views what a thread's
// frames and a heap block are.
//
// The machine's state is runtime's own: other packages read it through
// methods (Now, Steps, Config, Tracer, the views) and change it only
// through the kernel's calls. A Process's or Thread's exported fields are
// plain facts that name and place it or say how it ended (PID, TID, Name,
// State, its segments, ExitStatus, the executor's Ctx), read-only outside
// runtime; the kernel objects (pipes, queues, sockets, sync objects) keep
// their mechanism unexported and answer what a trace needs by method or
// in a call's result.
package runtime
