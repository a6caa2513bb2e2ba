package interp

import (
	"proc/runtime"
	"proc/runtime/mem"
)

// The VM is the language the machine runs (runtime.Lang): besides running
// threads, it tells the kernel where a thread is and how a value prints,
// and hears when a process ends.

// Where says where t is in its source, "main, line 4" (runtime.Lang).
func (vm *VM) Where(t *runtime.Thread) string {
	if th, ok := t.Ctx.(*threadCtx); ok {
		return th.where().String()
	}
	return "?"
}

// ProcessExit reports the heap blocks p never freed (runtime.Lang).
func (vm *VM) ProcessExit(p *runtime.Process) { vm.processExit(p) }

// Format writes v as print does (runtime.Lang).
func (vm *VM) Format(v mem.Value) string { return format(v) }

// Quote writes v as a trace shows it (runtime.Lang).
func (vm *VM) Quote(v mem.Value) string { return quote(v) }
