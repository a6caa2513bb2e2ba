package interp

// Builtin is a function of the machine called like an ordinary function;
// no frame is pushed for it.
type Builtin struct {
	Name    string
	MinArgs int
	MaxArgs int
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
	BuiltinLen:       {"len", 1, 1},
	BuiltinStr:       {"str", 1, 1},
	BuiltinGetpid:    {"getpid", 0, 0},
	BuiltinGettid:    {"gettid", 0, 0},
	BuiltinNow:       {"now", 0, 0},
	BuiltinPipe:      {"pipe", 0, 0},
	BuiltinMqueue:    {"mqueue", 1, 2},
	BuiltinShm:       {"shm", 2, 2},
	BuiltinMmap:      {"mmap", 2, 3},
	BuiltinMutex:     {"mutex", 0, 0},
	BuiltinSem:       {"sem", 1, 2},
	BuiltinDown:      {"down", 1, 1},
	BuiltinUp:        {"up", 1, 1},
	BuiltinCond:      {"cond", 0, 0},
	BuiltinCwait:     {"cwait", 2, 2},
	BuiltinSignal:    {"signal", 1, 1},
	BuiltinBroadcast: {"broadcast", 1, 1},
	BuiltinListen:    {"listen", 1, 1},
	BuiltinConnect:   {"connect", 1, 2},
	BuiltinAccept:    {"accept", 1, 1},
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
