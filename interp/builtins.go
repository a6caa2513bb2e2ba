package interp

// Builtin is a function of the machine called like an ordinary function;
// no frame is pushed for it.
type Builtin struct {
	Name    string
	MinArgs int
	MaxArgs int
	// shared is what of a call another thread can observe (see opInfo).
	// The builtins from BuiltinPipe on call the kernel; of the others,
	// paddr reads the page table and the atomic instructions (xchg,
	// fetch_add, cas) the word their first argument points at, and the
	// rest touch nothing shared.
	shared sharing
	// writes: its access to memory (shMem) is a write, as a load and a
	// store in one step.
	writes bool
}

// The builtin ids, indexes into Builtins.
const (
	BuiltinLen = iota
	BuiltinStr
	BuiltinGetpid
	BuiltinGettid
	BuiltinNow
	BuiltinPaddr
	BuiltinXchg
	BuiltinFetchAdd
	BuiltinCas
	BuiltinPipe
	BuiltinMqueue
	BuiltinShm
	BuiltinMmap
	BuiltinMutex
	BuiltinSem
	BuiltinDown
	BuiltinUp
	BuiltinCond
	BuiltinCwait
	BuiltinSignal
	BuiltinBroadcast
	BuiltinListen
	BuiltinConnect
	BuiltinAccept
)

// Builtins lists every builtin, by id.
var Builtins = []Builtin{
	BuiltinLen:    {"len", 1, 1, shNone, false},
	BuiltinStr:    {"str", 1, 1, shNone, false},
	BuiltinGetpid: {"getpid", 0, 0, shNone, false},
	BuiltinGettid: {"gettid", 0, 0, shNone, false},
	BuiltinNow:    {"now", 0, 0, shNone, false},
	// paddr reads the page table, and frame numbers follow the order in
	// which every process took its frames: it depends on everything.
	BuiltinPaddr: {"paddr", 1, 1, shAll, false},
	// The atomic instructions read and write the word at their first
	// argument in one step (see atomic in slow.go).
	BuiltinXchg:     {"xchg", 2, 2, shMem, true},
	BuiltinFetchAdd: {"fetch_add", 2, 2, shMem, true},
	BuiltinCas:      {"cas", 3, 3, shMem, true},
	BuiltinPipe:     {"pipe", 0, 0, shNames, false},
	BuiltinMqueue:   {"mqueue", 1, 2, shNames, false},
	BuiltinShm:      {"shm", 2, 2, shNames, false},
	BuiltinMmap:     {"mmap", 2, 3, shNames, false},
	BuiltinMutex:    {"mutex", 0, 0, shIDs, false},
	BuiltinSem:      {"sem", 1, 2, shIDs, false},
	BuiltinDown:     {"down", 1, 1, shSync, false},
	BuiltinUp:       {"up", 1, 1, shSync, false},
	BuiltinCond:     {"cond", 0, 0, shIDs, false},
	// cwait releases the mutex and waits on the condition: two objects,
	// and a footprint names one, so it depends on everything.
	BuiltinCwait:     {"cwait", 2, 2, shAll, false},
	BuiltinSignal:    {"signal", 1, 1, shSync, false},
	BuiltinBroadcast: {"broadcast", 1, 1, shSync, false},
	BuiltinListen:    {"listen", 1, 1, shNames, false},
	BuiltinConnect:   {"connect", 1, 2, shNames, false},
	BuiltinAccept:    {"accept", 1, 1, shFD, false},
}

// builtinIndex maps a builtin's name to its id.
var builtinIndex = func() map[string]int {
	m := make(map[string]int, len(Builtins))
	for i, b := range Builtins {
		m[b.Name] = i
	}
	return m
}()

// IsBuiltin reports whether name is a builtin.
func IsBuiltin(name string) bool {
	_, ok := builtinIndex[name]
	return ok
}
