package runtime

// Run modes: settings that change how the machine runs rather than what it
// simulates, for exploring schedules and for the REPL.

// SetChooser makes c decide, at every scheduling point, which ready thread
// runs next, in place of the scheduling policy (nil restores the policy).
// Under a chooser the executor stops before every operation another thread
// can observe (Choosing), and a turn has no time slice. Exploration and
// schedule replay set one before the run.
//
// A machine of several CPUs set one before it runs becomes a machine of
// one: the chooser interleaves the threads' steps itself, and the orders
// it can pick on one CPU are every order in which several CPUs may do
// them under sequential consistency. The working-set cache (warm.go) is
// switched off: it changes how long a compute takes, not what happens.
func (m *Machine) SetChooser(c Chooser) {
	m.chooser = c
	if c != nil && m.multi && m.steps == 0 {
		m.oneCPU()
	}
	if c != nil && m.steps == 0 {
		// The working-set cache changes how long a compute takes,
		// never what a thread does: a chooser's orders do without it.
		m.cfg.WarmCache = 0
	}
}

// Choosing reports whether a chooser picks who runs (SetChooser): the
// executor then stops before every operation another thread can observe.
func (m *Machine) Choosing() bool { return m.chooser != nil }

// StepBound is the count of instructions (Steps) at which the executor
// must stop and look: max_steps, where RunUntil pauses the machine or ends
// its stretch (it hands the running thread back, returning StopLimit), or
// the step of a watch (AtWatch says so, and it runs on).
func (m *Machine) StepBound() int64 {
	if m.bounded {
		return m.stepBound
	}
	if m.watch != nil && m.watchAt < m.cfg.MaxSteps {
		return m.watchAt
	}
	return m.cfg.MaxSteps
}
