package interp

// Builtin is a function of the machine called like an ordinary function;
// no frame is pushed for it.
type Builtin struct {
	Name    string
	MinArgs int
	MaxArgs int
	// Ready is false for builtins whose meaning arrives with processes and
	// IPC: calling one is reported before tick 0.
	Ready bool
}

// The builtin ids, indexes into Builtins.
const (
	BuiltinLen = iota
	BuiltinStr
	BuiltinGetpid
	BuiltinGettid
	BuiltinNow
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
	BuiltinLen:       {"len", 1, 1, true},
	BuiltinStr:       {"str", 1, 1, true},
	BuiltinGetpid:    {"getpid", 0, 0, true},
	BuiltinGettid:    {"gettid", 0, 0, true},
	BuiltinNow:       {"now", 0, 0, true},
	BuiltinPipe:      {"pipe", 0, 0, true},
	BuiltinMqueue:    {"mqueue", 1, 2, true},
	BuiltinShm:       {"shm", 2, 2, true},
	BuiltinMmap:      {"mmap", 2, 3, true},
	BuiltinMutex:     {"mutex", 0, 0, true},
	BuiltinSem:       {"sem", 1, 2, true},
	BuiltinDown:      {"down", 1, 1, true},
	BuiltinUp:        {"up", 1, 1, true},
	BuiltinCond:      {"cond", 0, 0, true},
	BuiltinCwait:     {"cwait", 2, 2, true},
	BuiltinSignal:    {"signal", 1, 1, true},
	BuiltinBroadcast: {"broadcast", 1, 1, true},
	BuiltinListen:    {"listen", 1, 1, true},
	BuiltinConnect:   {"connect", 1, 2, true},
	BuiltinAccept:    {"accept", 1, 1, true},
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
