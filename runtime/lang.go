package runtime

import "proc/runtime/mem"

// Lang is the language a machine runs: the kernel hands it threads to run
// (Executor) and asks it what only the language knows. The interpreter
// implements it and passes it to NewMachine; the kernel knows nothing else
// of the language.
type Lang interface {
	Executor
	// ViewLang annotates the views (views.go).
	ViewLang
	// Where says where t is in its source, for the reports on blocked
	// threads ("main, line 4"); "" when it cannot say.
	Where(t *Thread) string
	// ProcessExit is told that p ended, after its descriptors are closed
	// and before its memory is released and it becomes a zombie: the
	// language reports what p left allocated.
	ProcessExit(p *Process)
	// Format writes v as the language prints it; Quote writes it as a
	// trace or a view shows it (a string quoted, a long one cut).
	Format(v mem.Value) string
	Quote(v mem.Value) string
}
