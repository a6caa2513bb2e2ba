package tape

import (
	"fmt"

	"proc/runtime"
)

// seekWindow is the first stretch of steps a search backward looks
// through; each next one is four times longer.
const seekWindow = 256

// SeekLine returns the next (dir 1) or the previous (dir -1) step from
// step at which thread tid moved to another source line: the step after
// it ran its first instruction, or an instruction on another line than
// the one it ran before (a call moves it to the first line of the
// function it calls, a return back to the caller's line, its end to no
// line). Forward past the last such step is the end of the run,
// backward before the first is step 0. Only tid's own instructions move
// it: other threads run as the schedule has them meanwhile.
func (tp *Tape) SeekLine(step int64, tid int, dir int) (int64, error) {
	step = min(max(step, 0), tp.steps)
	switch dir {
	case 1:
		mc, err := tp.machineAt(step)
		if err != nil {
			return 0, err
		}
		found := int64(-1)
		if err := tp.scan(mc, tid, tp.steps, func(k int64) bool {
			found = k
			return false
		}); err != nil {
			return 0, err
		}
		if found < 0 {
			return tp.steps, nil
		}
		return found, nil
	case -1:
		// The steps before are found running forward again: through
		// a window before step, then ever longer ones before that.
		// (Looked for: a step below hi, above lo.)
		hi, w := step, int64(seekWindow)
		for hi > 1 {
			lo := max(hi-w, 0)
			mc, err := tp.machineAt(lo)
			if err != nil {
				return 0, err
			}
			found := int64(-1)
			if err := tp.scan(mc, tid, hi-1, func(k int64) bool {
				found = k
				return true
			}); err != nil {
				return 0, err
			}
			if found >= 0 || lo == 0 {
				return max(found, 0), nil
			}
			hi, w = lo+1, 4*w
		}
		return 0, nil
	}
	return 0, fmt.Errorf("seek: dir is 1 or -1, not %d", dir)
}

// scan runs mc forward from where it is paused to step until (or the end
// of the run), and calls visit with each step at which thread tid moved
// to another source line (SeekLine), in order, until visit returns
// false; the tape's machine is then paused at that step. tid's own
// instructions run one at a time; the turns of other threads run whole.
func (tp *Tape) scan(mc *machine, tid int, until int64, visit func(int64) bool) error {
	first, known := tp.firstRan[tid]
	for !mc.ended && mc.sess.M.Steps() < until {
		m, vm := mc.sess.M, mc.sess.VM
		line := func() int {
			t := m.Thread(tid)
			if t == nil || t.State == runtime.ThreadDone {
				return 0
			}
			return vm.Line(t)
		}
		t := m.Thread(tid)
		if t != nil && t.State == runtime.ThreadDone {
			// It runs no more.
			mc.advance(until)
			return nil
		}
		if cur := m.Current(); cur != nil && cur == t && cur.State == runtime.ThreadRunning {
			// tid runs the next instruction.
			before := line()
			mc.advance(m.Steps() + 1)
			k := m.Steps()
			if (known && k == first || line() != before) && !visit(k) {
				return nil
			}
			continue
		}
		// Another thread runs: its turns go on until tid may run next.
		// A sleeper woken as the scheduler picks may run before the
		// leg can stop: then the run goes back to where its turn began.
		turned, began := false, int64(-1)
		end := m.RunUntil(runtime.Leg{Pause: until - m.Steps(), Before: true,
			Done: func() bool {
				if !turned {
					turned = true
					return false
				}
				t := m.Thread(tid)
				return began >= 0 || t != nil && t.State != runtime.ThreadBlocked
			},
			OnTurn: func(th *runtime.Thread, steps int64) {
				if th.TID == tid && steps > 0 && began < 0 {
					began = m.Steps() - steps
				}
			}})
		mc.finish(end)
		switch {
		case began >= 0:
			var err error
			if mc, err = tp.machineAt(began); err != nil {
				return err
			}
		case end == runtime.LegDone:
			mc.advance(m.Steps())
		}
	}
	return nil
}
