package runtime

// Why a run stops before its threads are done. The reason is a value the
// code branches on; the text that goes with it is what the trace and the
// summary show, worded where the machine stopped.

// Halt says why the machine stopped a run early. It is the machine's
// state, kept until the run ends (or the REPL clears it); Stop, by
// contrast, is why the executor handed one thread back.
type Halt uint8

// The reasons a run stops early.
const (
	NotHalted    Halt = iota // the machine runs on
	HaltDeadlock             // every thread left is blocked and none can be released
	HaltSchedule             // the chooser ended the run (Chooser.Choose returned -1)
	HaltSteps                // max_steps: instructions executed
	HaltTicks                // max_ticks: simulated time
	HaltSlices               // max_slices: time slices that ran out
	HaltOutput               // max_output: bytes of program output
	HaltString               // max_output: a string longer than the output may be
	HaltTrace                // max_trace: bytes of trace
	HaltMemory               // max_memory: the memory the machine holds
	HaltCopy                 // max_copy: bytes built or copied
	HaltWatch                // a watch stopped the run at its step to look at it (Watch)
)

var haltNames = [...]string{
	NotHalted: "not halted", HaltDeadlock: "deadlock", HaltSchedule: "schedule",
	HaltSteps: "step limit", HaltTicks: "tick limit", HaltSlices: "slice limit",
	HaltOutput: "output limit", HaltString: "string limit", HaltTrace: "trace limit",
	HaltMemory: "memory limit", HaltCopy: "copy limit", HaltWatch: "watch",
}

// String names the reason: "deadlock", "step limit"...
func (h Halt) String() string {
	if int(h) < len(haltNames) {
		return haltNames[h]
	}
	return "halt(" + itoa(int(h)) + ")"
}

// Halt stops the run for why, with text the words that report it ("step
// limit reached (max_steps=1000) while 1/1 was running"). A machine that
// is already stopped keeps its first reason. The scheduler returns at its
// next turn; an executor that halts the machine returns StopLimit.
func (m *Machine) Halt(why Halt, text string) {
	if m.halt == NotHalted {
		m.halt, m.haltText = why, text
		// The threads that ran ahead stop where the machine that gives
		// way at every bound would have them (ahead.go).
		m.settleAll()
	}
}

// Halted returns why the run stopped, NotHalted while it runs on, and the
// text that reports it (the trace's "run stopped: " line, the summary).
func (m *Machine) Halted() (Halt, string) { return m.halt, m.haltText }

// ClearHalt forgets why the machine stopped, and its deadlock report, so
// that it can run on. Only the REPL does this: a stop ends the input that
// met it, not the session.
func (m *Machine) ClearHalt() {
	m.halt, m.haltText = NotHalted, ""
	m.deadlockEvent = nil
}
