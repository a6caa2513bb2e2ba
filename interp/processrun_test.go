package interp

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"proc/interp/internal/testkit"
)

// prunCase is a run of OSTEP's process-run.py: its options and its
// processes, each in the form of its -P option ("c3,i,c1": three cpu
// instructions, an io, a cpu instruction).
type prunCase struct {
	ioLen     int
	switchEnd bool // -S SWITCH_ON_END
	ioNow     bool // -I IO_RUN_IMMEDIATE
	procs     []string
}

// parsePrunArgs reads the arguments of process-run.py that
// testdata/ostep uses; -s and -l only drew procs.
func parsePrunArgs(t *testing.T, args []string, procs string) prunCase {
	c := prunCase{ioLen: 5, procs: strings.Split(procs, ":")}
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-L":
			i++
			n, err := strconv.Atoi(args[i])
			if err != nil || n < 0 {
				t.Fatalf("bad -L %q", args[i])
			}
			c.ioLen = n
		case "-S":
			i++
			switch args[i] {
			case "SWITCH_ON_IO", "SWITCH_ON_END":
				c.switchEnd = args[i] == "SWITCH_ON_END"
			default:
				t.Fatalf("bad -S %q", args[i])
			}
		case "-I":
			i++
			switch args[i] {
			case "IO_RUN_LATER", "IO_RUN_IMMEDIATE":
				c.ioNow = args[i] == "IO_RUN_IMMEDIATE"
			default:
				t.Fatalf("bad -I %q", args[i])
			}
		case "-s", "-l":
			i++
		case "-c", "-p":
		default:
			t.Fatalf("unknown argument %q", args[i])
		}
	}
	return c
}

// ops returns a process's instructions as letters: c a cpu
// instruction, i an io, d the io_done that follows it.
func (c prunCase) ops(t *testing.T, proc string) string {
	var b strings.Builder
	for _, op := range strings.Split(proc, ",") {
		if op == "i" {
			b.WriteString("id")
			continue
		}
		n, err := strconv.Atoi(strings.TrimPrefix(op, "c"))
		if err != nil || !strings.HasPrefix(op, "c") {
			t.Fatalf("bad instruction %q", op)
		}
		b.WriteString(strings.Repeat("c", n))
	}
	return b.String()
}

// script is the run in proc, as docs/OSTEP.md maps it: a process per
// process of process-run, spawned in its order by a main that then ends
// (pid i+2 for its process i); every cost but compute and io at 0; fifo
// (process-run never takes the CPU from a process for its time) with
// ready_order = "tid" (it scans its pids round from the current one);
// multiprogramming = false for SWITCH_ON_END, wake_preempts for
// IO_RUN_IMMEDIATE. A cpu instruction is a compute 1; an io is a compute
// 1 (the tick that starts it), io L, and a compute 1 (its io_done). An
// I/O of no ticks does not block in proc, where process-run's still
// gives up the CPU: under SWITCH_ON_IO and IO_RUN_LATER that is a yield.
func (c prunCase) script(t *testing.T) string {
	var b strings.Builder
	b.WriteString("config sched = \"fifo\"\nconfig ready_order = \"tid\"\n")
	b.WriteString("config cost_insn = 0\nconfig cost_spawn = 0\nconfig cost_switch_process = 0\n")
	b.WriteString(testkit.HWOff)
	fmt.Fprintf(&b, "config multiprogramming = %v\nconfig wake_preempts = %v\n", !c.switchEnd, c.ioNow)
	for i, p := range c.procs {
		fmt.Fprintf(&b, "func p%d() {\n", i)
		for _, op := range c.ops(t, p) {
			switch {
			case op == 'c' || op == 'd':
				b.WriteString("    compute 1\n")
			case c.ioLen == 0 && !c.switchEnd && !c.ioNow:
				b.WriteString("    compute 1\n    yield\n")
			default:
				fmt.Fprintf(&b, "    compute 1\n    io %d\n", c.ioLen)
			}
		}
		b.WriteString("}\n")
	}
	for i := range c.procs {
		fmt.Fprintf(&b, "spawn p%d() with {name: \"p%d\"}\n", i, i)
	}
	return b.String()
}

// TestProcessRunAsOSTEP runs in proc what OSTEP's process-run.py ran and
// requires proc's timeline to be the simulator's -c answer tick for
// tick: in each tick, which process runs which of its instructions,
// which are ready, blocked or done; and the -p statistics, the total
// time, the ticks the CPU was busy and those an I/O was under way.
//
// process-run.py is not run here: testdata/ostep/process-run.txt holds
// its arguments and answers, with the processes it drew (its listing
// without -c), for the chapter's examples and questions under every -S
// and -I, and for job lists it draws with -s under each.
func TestProcessRunAsOSTEP(t *testing.T) {
	n := 0
	for _, line := range ostepLines(t, "process-run.txt") {
		fields := ostepFields(t, line, 4)
		args, want, wantStats := fields[0], fields[2], fields[3]
		c := parsePrunArgs(t, strings.Fields(args), fields[1])
		prog, err := Load("process-run.proc", []byte(c.script(t)))
		if err != nil {
			t.Fatalf("%s: %v", args, err)
		}
		s, err := NewSession(prog, Options{Stdout: new(strings.Builder), Stderr: new(strings.Builder)})
		if err != nil {
			t.Fatal(err)
		}
		s.M.RecordTimeline(true, true)
		if res := s.Run(); res.ExitCode() != 0 {
			t.Fatalf("%s: exit %d", args, res.ExitCode())
		}
		rows, cutAt := s.M.Timeline()
		if cutAt >= 0 {
			t.Fatalf("%s: timeline cut at %d", args, cutAt)
		}
		// The ticks, each a letter per process: what process-run.py
		// prints in its column.
		end := s.M.Now()
		ticks := make([][]byte, end)
		for k := range ticks {
			ticks[k] = []byte(strings.Repeat(".", len(c.procs)))
		}
		for _, r := range rows {
			i, err := strconv.Atoi(strings.TrimPrefix(r.Name, "p"))
			if err != nil || r.Name[0] != 'p' || i >= len(c.procs) {
				continue // main
			}
			ops := c.ops(t, c.procs[i])
			pc := 0
			for _, sp := range r.Spans {
				for k := sp.From; k < sp.To; k++ {
					switch sp.State {
					case "running":
						ticks[k][i] = '?' // past its instructions
						if pc < len(ops) {
							ticks[k][i] = ops[pc]
						}
						pc++
					case "ready":
						ticks[k][i] = 'r'
					case "blocked":
						ticks[k][i] = 'b'
					default:
						ticks[k][i] = '?'
					}
				}
			}
		}
		words := make([]string, len(ticks))
		ioBusy := 0
		for k, w := range ticks {
			words[k] = string(w)
			if strings.Contains(words[k], "b") {
				ioBusy++
			}
		}
		if got := strings.Join(words, " "); got != want {
			t.Errorf("process-run.py %s:\n want %s\n proc %s", args, want, got)
		}
		if got := fmt.Sprintf("%d %d %d", end, s.M.BusyNow(), ioBusy); got != wantStats {
			t.Errorf("process-run.py %s: total, CPU busy, IO busy %s, proc's %s", args, wantStats, got)
		}
		n++
	}
	if n < 100 {
		t.Fatalf("only %d runs", n)
	}
}
