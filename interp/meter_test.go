package interp

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"proc/runtime"
)

// The memory meter gives back what it was charged: after every example
// and exercise, what it still counts is never negative, and once every
// process has ended it is only what the machine keeps for good — the
// records of processes and threads for the statistics, and what the hosts
// hold (named queues, semaphores, shared segments, files, and bytes left
// in flight).
func TestMeterBalances(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../examples/*.proc")
	more, _ := filepath.Glob("../exercises/*/*.proc")
	checked := 0
	defer func() {
		if checked < 40 {
			t.Errorf("only %d scripts ran to their end", checked)
		}
	}()
	for _, f := range append(files, more...) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		prog, err := Load(filepath.Base(f), src)
		if err != nil {
			continue // a starter that does not compile yet
		}
		s, err := NewSession(prog, Options{Trace: 0, Stdout: io.Discard, Stderr: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		s.Run()
		m := s.M
		mem := m.Memory()
		if mem.Used < 0 || mem.Used > mem.Peak {
			t.Errorf("%s: the meter holds %d (peak %d)", f, mem.Used, mem.Peak)
		}
		if h, _ := m.Halted(); m.LiveProcs() > 0 || h != runtime.NotHalted {
			continue
		}
		checked++
		records := int64(len(m.Procs()))*runtime.ProcessCost + int64(len(m.Threads()))*runtime.ThreadCost
		hosts := int64(0)
		for _, h := range m.Hosts() {
			hosts += runtime.ObjectCost * int64(len(h.MQueues)+len(h.Sems))
			for _, o := range h.Shm {
				hosts += runtime.ObjectCost + 8*int64(len(o.Words))
			}
			for _, o := range h.Files {
				hosts += runtime.ObjectCost + 8*int64(len(o.Words))
			}
		}
		if mem.Used < records || mem.Used > records+hosts+64<<10 {
			t.Errorf("%s: after the run the meter holds %d bytes; the records are %d and the hosts hold %d", f, mem.Used, records, hosts)
		}
	}
}
