package mem

// Meter counts the memory a machine holds for its script, against a
// budget (max_memory): the words of every segment that were touched, the
// heaps and their blocks, shared segments and files, kernel objects and
// the data in their buffers. Each is counted in the bytes of the simulated
// machine (a word is 8 bytes), plus a fixed amount of bookkeeping where
// the simulated size says nothing of what holding it costs (a heap block,
// a process).
//
// What can fail asks first (Fits) and fails as the system call would:
// alloc, shm and mmap return nil, spawn, fork and thread too. What cannot
// fail — a stack that grows, a store that touches a new word — is charged
// all the same and marks the meter Over, and the machine stops the run at
// the next point it looks. A nil *Meter counts nothing and lets everything
// fit.
type Meter struct {
	// Max is the budget in bytes.
	Max int64
	// Used is what is held now; Peak the most it was.
	Used, Peak int64
	// Over is set when a charge took Used past Max.
	Over bool
	// Alarm, when set, is set too, so that its owner can watch one flag
	// for every limit.
	Alarm *bool
}

// Fits reports whether n more bytes fit in the budget.
func (m *Meter) Fits(n int64) bool { return m == nil || m.Used+n <= m.Max }

// Charge counts n more bytes held.
func (m *Meter) Charge(n int64) {
	if m == nil || n == 0 {
		return
	}
	m.Used += n
	if m.Used > m.Peak {
		m.Peak = m.Used
	}
	if m.Used > m.Max {
		m.Over = true
		if m.Alarm != nil {
			*m.Alarm = true
		}
	}
}

// Release counts n bytes given back.
func (m *Meter) Release(n int64) {
	if m == nil {
		return
	}
	m.Used -= n
}

// Take charges n bytes when they fit and reports whether they did.
func (m *Meter) Take(n int64) bool {
	if !m.Fits(n) {
		return false
	}
	m.Charge(n)
	return true
}

// OddWordCost is what a word stored at an address that is not a multiple
// of 8 counts: it is kept apart, in a map.
const OddWordCost = 32
