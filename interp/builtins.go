package interp

// Builtin is a function of the machine called like an ordinary function;
// no frame is pushed for it.
type Builtin struct {
	Name    string
	MinArgs int
	MaxArgs int
	// shared is what of a call another thread can observe (see opInfo).
	// The builtins from BuiltinPipe on call the kernel; the others
	// touch nothing shared.
	shared sharing
}

// The builtin ids, indexes into Builtins.
const (
	BuiltinLen = iota
	BuiltinStr
	BuiltinGetpid
	BuiltinGettid
	BuiltinNow
	BuiltinPaddr
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
	BuiltinLen:    {"len", 1, 1, shNone},
	BuiltinStr:    {"str", 1, 1, shNone},
	BuiltinGetpid: {"getpid", 0, 0, shNone},
	BuiltinGettid: {"gettid", 0, 0, shNone},
	BuiltinNow:    {"now", 0, 0, shNone},
	// paddr reads the page table, and frame numbers follow the order in
	// which every process took its frames: it depends on everything.
	BuiltinPaddr:  {"paddr", 1, 1, shAll},
	BuiltinPipe:   {"pipe", 0, 0, shNames},
	BuiltinMqueue: {"mqueue", 1, 2, shNames},
	BuiltinShm:    {"shm", 2, 2, shNames},
	BuiltinMmap:   {"mmap", 2, 3, shNames},
	BuiltinMutex:  {"mutex", 0, 0, shIDs},
	BuiltinSem:    {"sem", 1, 2, shIDs},
	BuiltinDown:   {"down", 1, 1, shSync},
	BuiltinUp:     {"up", 1, 1, shSync},
	BuiltinCond:   {"cond", 0, 0, shIDs},
	// cwait releases the mutex and waits on the condition: two objects,
	// and a footprint names one, so it depends on everything.
	BuiltinCwait:     {"cwait", 2, 2, shAll},
	BuiltinSignal:    {"signal", 1, 1, shSync},
	BuiltinBroadcast: {"broadcast", 1, 1, shSync},
	BuiltinListen:    {"listen", 1, 1, shNames},
	BuiltinConnect:   {"connect", 1, 2, shNames},
	BuiltinAccept:    {"accept", 1, 1, shFD},
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
