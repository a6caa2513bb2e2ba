// Package interp is the language over the simulated machine: it compiles
// a script's AST (package grammar) to the code of a VM and runs that code
// on the kernel of package runtime, which owns the processes, threads,
// memory, scheduling and trace.
//
//   - Load parses and compiles a script (compile.go) into a Program: its
//     functions' instructions (code.go) and the image its processes are
//     made from.
//   - The VM is the machine's Lang: the kernel picks a thread and
//     the VM runs its instructions for a turn (vm.go, with fast.go for
//     the common instructions and slow.go for the rest), calling the
//     kernel for what a thread asks of the system (procs.go, ipc.go).
//   - A Session is one run of a program, from the first process to the
//     closing reports (session.go). A Prompt keeps a machine alive for
//     the REPL of package shell, one input at a time (prompt.go).
//     Package explore runs a program under every schedule, over what
//     footprint.go tells of a thread's next operation (VM.Next,
//     Dependent).
//   - ops.go holds the facts of every operation of the VM, which the
//     compiler, the loops, the insn trace and the footprints read.
//   - race.go is the data race detector of --race; views.go tells the
//     kernel's views (show, the REPL's :ps, :stack, ...) what only the
//     language knows.
package interp
