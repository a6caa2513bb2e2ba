package runtime

// A watch looks at the machine at one step of a run without changing the
// run, and without leaving Run: it is called from inside the turn,
// between two instructions, and the turn goes on where it was. (RunUntil
// pauses the machine instead, and resumes it as if it had not paused.)

// Watch asks the machine to call fn once, when it is at step: step
// instructions have run (Steps() == step) and the next one is about to
// run, whichever thread runs it. Between the instruction that makes the
// count step and the next, the kernel may still do work (a switch, a
// wake-up, time passing idle): fn sees the machine after it, as the next
// instruction would. Step 0 is thus the machine before main's first
// instruction.
//
// fn may read the machine (Snapshot) and must change nothing of it, but
// for Halt(HaltWatch, ...), which stops the run there (Session.RunTo): the
// run is otherwise the same, byte for byte, as a run with no watch. A run
// that ends after step instructions or fewer never calls fn; nor does a
// step the machine has passed. A later Watch replaces an earlier one. A
// watch is for Run: RunUntil does not look for it.
func (m *Machine) Watch(step int64, fn func()) {
	m.watch, m.watchAt = nil, 0
	if fn != nil && step >= m.steps {
		m.watch, m.watchAt = fn, step
	}
}

// AtWatch is for the executor, which stopped at StepBound with executed
// more instructions run and not yet counted. When that is a watch's step,
// AtWatch counts them, calls the watch and reports true: the executor runs
// on, unless the machine halted (the watch stopped the run). Otherwise it
// reports false, having done nothing: the executor returns StopLimit.
func (m *Machine) AtWatch(executed int64) bool {
	if m.watch == nil || m.steps+executed != m.watchAt || m.bounded {
		return false
	}
	m.steps += executed
	fn := m.watch
	m.watch = nil
	fn()
	return true
}
