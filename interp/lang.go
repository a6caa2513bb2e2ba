package interp

import "proc/runtime"

// The VM is the language the machine runs (runtime.Lang): besides running
// threads, it tells the kernel where a thread is and hears when a process
// ends.

// Where says where t is in its source, "main, line 4" (runtime.Lang).
func (vm *VM) Where(t *runtime.Thread) string {
	if th, ok := t.Ctx.(*threadCtx); ok {
		return th.where().String()
	}
	return "?"
}

// ProcessExit reports the heap blocks p never freed (runtime.Lang).
func (vm *VM) ProcessExit(p *runtime.Process) { vm.processExit(p) }
