package runtime

import (
	"fmt"
	"strings"
)

// The working-set cache (warm_cache > 0): the model of a CPU cache that
// OSTEP's multiprocessor scheduling chapter uses (its simulator
// multi.py), next to the line-by-line cache of hw.go and independent of
// it.
//
// A thread has a working set (with {wset: N}), in the units of
// warm_cache. When a CPU starts running a thread whose working set it
// does not hold, the thread begins to warm that CPU's cache: after it
// has computed there for warm_time ticks, its working set is in the
// cache, and from then on its compute goes warm_rate times as fast on
// that CPU (a `compute n` is n units of work: one a tick cold, warm_rate
// a tick warm). Each CPU's cache holds the working sets of the threads
// that warmed it last, the newest first, as long as they fit in
// warm_cache: a working set that comes in pushes the oldest out, and a
// thread pushed out starts warming again (from the start) the next time
// it computes there. A working set larger than the whole cache never
// stays. What a thread warmed on one CPU does nothing for it on another:
// a thread that migrates computes cold again. The working sets of
// threads that ended stay in the cache until newer ones push them out.
//
// Only the ticks of compute warm a cache and go faster; other
// instructions cost what they cost.

// WarmOn reports whether the machine models working sets (warm_cache >
// 0): its executor then asks WarmCompute how a compute goes.
func (m *Machine) WarmOn() bool { return m.cfg.WarmCache > 0 }

// warmHolds reports whether c's cache holds t's working set.
func warmHolds(c *CPU, t *Thread) bool {
	for _, w := range c.warm {
		if w == t {
			return true
		}
	}
	return false
}

// warmingLeft returns 1 + the ticks t has yet to compute on c before its
// working set is in c's cache, 0 when it is not warming it.
func warmingLeft(c *CPU, t *Thread) int64 {
	if c.ID < len(t.warming) {
		return t.warming[c.ID]
	}
	return 0
}

func setWarming(c *CPU, t *Thread, v int64) {
	if c.ID >= len(t.warming) {
		if v == 0 {
			return
		}
		t.warming = append(t.warming, make([]int64, c.ID+1-len(t.warming))...)
	}
	t.warming[c.ID] = v
}

// warmNew is the start of t's turn on the running CPU: a thread whose
// working set the cache neither holds nor is warming begins to warm it
// (at once, with warm_time = 0).
func (m *Machine) warmNew(t *Thread) {
	m.warmUsed = true
	c := m.cpu
	if warmHolds(c, t) || warmingLeft(c, t) > 0 {
		return
	}
	if m.cfg.WarmTime == 0 {
		m.warmIn(c, t, m.clock)
		return
	}
	setWarming(c, t, m.cfg.WarmTime+1)
}

// warmIn puts t's working set at the front of c's cache at tick at, and
// pushes out the oldest until the working sets fit.
func (m *Machine) warmIn(c *CPU, t *Thread, at int64) {
	setWarming(c, t, 0)
	c.warm = append(c.warm, nil)
	copy(c.warm[1:], c.warm)
	c.warm[0] = t
	var sum int64
	for _, w := range c.warm {
		sum += w.sched.WSet
	}
	var out []string
	for sum > m.cfg.WarmCache && len(c.warm) > 0 {
		o := c.warm[len(c.warm)-1]
		c.warm[len(c.warm)-1] = nil
		c.warm = c.warm[:len(c.warm)-1]
		sum -= o.sched.WSet
		setWarming(c, o, m.cfg.WarmTime+1)
		if o == t {
			out = append(out, "its own: it does not fit")
		} else {
			out = append(out, fmt.Sprintf("%d/%d's (%d)", o.Proc.PID, o.TID, o.sched.WSet))
		}
	}
	if m.trace.On(CatSched) {
		text := fmt.Sprintf("warm: its working set (%d) is in the cache of cpu%d, %d of %d used", t.sched.WSet, c.ID, sum, m.cfg.WarmCache)
		if len(out) > 0 {
			text += "; pushed out " + strings.Join(out, ", ")
		}
		m.EmitAt(t, at, &Event{Cat: CatSched, Ev: "warm", Text: text, Fields: []Field{{"wset", t.sched.WSet}, {"cache_used", sum}}})
	}
}

// WarmCompute runs at most most ticks, from tick at, of a compute of t
// on the running CPU that has left units of work to do. It returns the ticks it took
// and the work that remains: a tick does one unit while the CPU's cache
// does not hold t's working set, warm_rate units when it does, and t's
// warming goes on tick by tick.
func (m *Machine) WarmCompute(t *Thread, at, left, most int64) (ticks, rest int64) {
	c := m.cpu
	for ticks < most && left > 0 {
		if warmHolds(c, t) {
			r := max(m.cfg.WarmRate, 1)
			k := min(most-ticks, (left+r-1)/r)
			left = max(left-k*r, 0)
			ticks += k
			if r > 1 {
				c.sched.warmTicks += k
			}
			continue
		}
		w := warmingLeft(c, t)
		if w == 0 {
			// It ran here before the model was on (the REPL's :set).
			setWarming(c, t, m.cfg.WarmTime+1)
			continue
		}
		// Cold ticks until its working set is in: the tick in which the
		// count runs out is still cold.
		k := min(most-ticks, left, max(w-1, 1))
		left -= k
		ticks += k
		if w-1-k <= 0 {
			m.warmIn(c, t, at+ticks)
		} else {
			setWarming(c, t, w-k)
		}
	}
	return ticks, left
}

// WarmTicks returns, for each CPU, the ticks its threads computed with
// a warm cache (warm_rate above 1).
func (m *Machine) WarmTicks() []int64 {
	out := make([]int64, len(m.cpus))
	for i, c := range m.cpus {
		out[i] = c.sched.warmTicks
	}
	return out
}

// warmLine is the statistics' line of the working-set cache: the ticks
// each CPU computed with a warm cache, and their share of the run.
func (m *Machine) warmLine() string {
	pct := func(n int64) float64 {
		if m.clock <= 0 {
			return 0
		}
		return 100 * float64(n) / float64(m.clock)
	}
	warm := m.WarmTicks()
	if !m.multi {
		return fmt.Sprintf("warm cache: %d ticks computed with a warm cache (%.1f%%)", warm[0], pct(warm[0]))
	}
	line := "warm cache: ticks computed with a warm cache:"
	for i, w := range warm {
		if i > 0 {
			line += ","
		}
		line += fmt.Sprintf(" cpu%d %d (%.1f%%)", i, w, pct(w))
	}
	return line
}
