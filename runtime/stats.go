package runtime

import (
	"fmt"
	"strconv"
)

// ProcStats are the per-process figures of the stats record.
type ProcStats struct {
	PID, Threads                                    int
	Name, Host, Signal                              string
	Exit                                            int
	Arrival, FirstRun, Finish, Turnaround, Response int64
	Wait, CPU                                       int64
	HeapPeak, Leaked                                uint64
	Copied, COW                                     int64
}

// ThreadStats are the per-thread figures of the stats record: where the
// thread's life, from Start to End, went.
type ThreadStats struct {
	TID, PID   int
	Name       string
	Start, End int64
	ThreadTimes
}

// ThreadStats gathers the per-thread figures, sorted by tid, as of now.
func (m *Machine) ThreadStats() []ThreadStats {
	out := make([]ThreadStats, 0, len(m.threads))
	for _, t := range m.threads {
		tt, end := m.TimesNow(t)
		out = append(out, ThreadStats{TID: t.TID, PID: t.Proc.PID, Name: t.Name, Start: tt.Start, End: end, ThreadTimes: tt})
	}
	return out
}

// Stats gathers the per-process figures, sorted by pid. A process's CPU
// and Wait are the sums of its threads' CPU and Ready, so that a reader
// can check them against the thread rows.
func (m *Machine) Stats() []ProcStats {
	var out []ProcStats
	for _, p := range m.procs {
		var cpu, wait int64
		for _, t := range p.Threads {
			tt, _ := m.TimesNow(t)
			cpu += tt.CPU
			wait += tt.Ready
		}
		finish := p.finish
		if p.State == ProcRunning {
			finish = m.clock
		}
		first := p.firstRun
		if first < 0 {
			first = p.arrival
		}
		peak := p.heapPeak
		if p.Heap != nil && p.Heap.Peak() > peak {
			peak = p.Heap.Peak()
		}
		out = append(out, ProcStats{
			PID: p.PID, Threads: len(p.Threads), Name: p.Name, Host: p.Host, Signal: p.Signal.String(),
			Exit: p.ExitStatus, Arrival: p.arrival, FirstRun: first, Finish: finish,
			Turnaround: finish - p.arrival, Response: first - p.arrival, Wait: wait, CPU: cpu,
			HeapPeak: peak, Leaked: p.leaked, Copied: p.copied, COW: p.cow,
		})
	}
	return out
}

// BusyNow is the ticks a thread ran, the turn in progress included (a
// view shown by the running thread), so that it is the sum of the
// threads' CPU at any time.
func (m *Machine) BusyNow() int64 {
	if t := m.cur; t != nil && t.State == ThreadRunning {
		return m.busyTicks + max(m.clock-t.since, 0)
	}
	return m.busyTicks
}

// Deadlocked reports whether the run stopped on a deadlock.
func (m *Machine) Deadlocked() bool { return m.halt == HaltDeadlock }

// StatsJSON returns the stats record (the last line of --json) as one JSON line.
func (m *Machine) StatsJSON() []byte {
	b := []byte(`{"ev":"stats","ticks":`)
	b = strconv.AppendInt(b, m.clock, 10)
	b = append(b, `,"busy":`...)
	b = strconv.AppendInt(b, m.BusyNow(), 10)
	b = append(b, `,"idle":`...)
	b = strconv.AppendInt(b, m.IdleTicks(), 10)
	b = append(b, `,"switch_ticks":`...)
	b = strconv.AppendInt(b, m.switchTicks, 10)
	if m.multi {
		busy, idle, sw := m.CPUTicks()
		b = append(b, `,"cpus":[`...)
		for i := range m.cpus {
			if i > 0 {
				b = append(b, ',')
			}
			b = fmt.Appendf(b, `{"cpu":%d,"busy":%d,"idle":%d,"switch_ticks":%d}`, i, busy[i], idle[i], sw[i])
		}
		b = append(b, ']')
	}
	if m.WarmOn() {
		b = append(b, `,"warm_ticks":[`...)
		for i, w := range m.WarmTicks() {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, w, 10)
		}
		b = append(b, ']')
	}
	b = append(b, `,"steps":`...)
	b = strconv.AppendInt(b, m.steps, 10)
	b = append(b, `,"switches":{"process":`...)
	b = strconv.AppendInt(b, m.switches[1], 10)
	b = append(b, `,"thread":`...)
	b = strconv.AppendInt(b, m.switches[0], 10)
	b = append(b, `},"deadlock":`...)
	b = strconv.AppendBool(b, m.Deadlocked())
	b = append(b, `,"procs":[`...)
	stats := m.Stats()
	omitted := 0
	if len(stats) > MaxReportRows {
		stats, omitted = stats[:MaxReportRows], len(stats)-MaxReportRows
	}
	for i, s := range stats {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `{"pid":%d,"name":%s,"host":%s,"exit":%d,"signal":%s,`+
			`"arrival":%d,"first_run":%d,"finish":%d,"turnaround":%d,`+
			`"response":%d,"wait":%d,"cpu":%d,"threads":%d,`+
			`"heap_peak":%d,"leaked":%d,"copied_bytes":%d,"cow_copies":%d}`,
			s.PID, AppendJSONString(nil, s.Name), AppendJSONString(nil, s.Host), s.Exit, AppendJSONString(nil, s.Signal),
			s.Arrival, s.FirstRun, s.Finish, s.Turnaround, s.Response, s.Wait, s.CPU, s.Threads,
			s.HeapPeak, s.Leaked, s.Copied, s.COW)
	}
	b = append(b, ']')
	if omitted > 0 {
		b = append(b, `,"procs_omitted":`...)
		b = strconv.AppendInt(b, int64(omitted), 10)
	}
	b = append(b, `,"threads":[`...)
	ths := m.ThreadStats()
	omitted = 0
	if len(ths) > MaxReportRows {
		ths, omitted = ths[:MaxReportRows], len(ths)-MaxReportRows
	}
	for i, s := range ths {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `{"tid":%d,"pid":%d,"name":%s,"start":%d,"end":%d,`+
			`"cpu":%d,"ready":%d,"blocked":%d,"sleeping":%d,"switches":%d`,
			s.TID, s.PID, AppendJSONString(nil, s.Name), s.Start, s.End,
			s.CPU, s.Ready, s.Blocked, s.Sleeping, s.Switches)
		if m.multi {
			b = fmt.Appendf(b, `,"migrations":%d`, s.Migrations)
		}
		b = append(b, '}')
	}
	b = append(b, ']')
	if omitted > 0 {
		b = append(b, `,"threads_omitted":`...)
		b = strconv.AppendInt(b, int64(omitted), 10)
	}
	if m.hw {
		b = m.appendHWJSON(b)
	}
	b = append(b, "}\n"...)
	return b
}

// MaxReportRows bounds the rows of the closing reports (the statistics,
// the timeline): a run with more processes or threads shows the first
// ones and says how many more there were.
const MaxReportRows = 10000
