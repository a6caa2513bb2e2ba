package interp

import (
	"fmt"
	"strings"
	"unicode"

	"proc/runtime"
	"proc/runtime/mem"
)

// The operations that create, end and wait for processes and threads.
// A blocking operation follows the retry model: when it must wait, the
// thread parks with its pc still on the instruction and its operands still
// on the stack, and runs the instruction again when woken.

// spawn runs `spawn f(args)` or `thread f(args)` for site s.
func (vm *VM) spawn(th *threadCtx, s *SpawnSite) (runtime.Stop, bool) {
	m := vm.m
	nw := len(s.With)
	withVals := th.ops[th.sp-nw : th.sp]
	args := append([]mem.Value(nil), th.ops[th.sp-nw-s.NArgs:th.sp-nw]...)
	fn := vm.prog.Funcs[s.Func]
	attrs := runtime.SchedAttrs{Tickets: runtime.DefaultTickets}
	name, host := fn.Name, ""
	for i, k := range s.With {
		v := withVals[i]
		switch k {
		case "name", "host":
			if v.K != mem.Str {
				return vm.typeFault(th, fmt.Sprintf("with %s: want a string, not %s", k, v.K)), false
			}
			// A name labels rows of views and reports; one that is empty
			// or holds a newline would leave a row blank or break it.
			if v.S == "" || strings.IndexFunc(v.S, unicode.IsControl) >= 0 {
				return vm.typeFault(th, fmt.Sprintf("with %s: want a non-empty string without control characters, not %s", k, v.Quote())), false
			}
			// It labels a row of every table: a long one would make each
			// row as long (a kernel keeps only 15 bytes of a name).
			if len(v.S) > maxNameBytes {
				return vm.typeFault(th, fmt.Sprintf("with %s: a name is at most %d bytes, not %d", k, maxNameBytes, len(v.S))), false
			}
			if k == "name" {
				name = v.S
			} else {
				host = v.S
			}
		default:
			if v.K != mem.Int {
				return vm.typeFault(th, fmt.Sprintf("with %s: want an int, not %s", k, v.K)), false
			}
			switch k {
			case "priority":
				// Any int: below the default 0 runs after the others.
				attrs.Priority = v.N
			case "tickets":
				// The lottery draws among the sum of the ready threads'
				// tickets, which must neither be 0 nor overflow.
				if v.N < 1 || v.N > runtime.MaxTickets {
					return vm.typeFault(th, fmt.Sprintf("with tickets: want an int from 1 to %d, not %d", runtime.MaxTickets, v.N)), false
				}
				attrs.Tickets = v.N
			case "burst":
				if v.N < 0 {
					return vm.typeFault(th, fmt.Sprintf("with burst: want a number of ticks >= 0, not %d", v.N)), false
				}
				attrs.Burst = v.N
			}
		}
	}
	th.sp -= nw + s.NArgs
	parent := th.rt
	var t *runtime.Thread
	var cost int64
	what := "spawn"
	if s.Thread {
		what = "thread"
		cost = m.Cfg.CostThread
		t = m.NewThread(parent.Proc, name, parent)
		if t != nil {
			t.Ctx = &threadCtx{rt: t, proc: th.proc, stack: t.Stack, ops: make([]mem.Value, 16)}
		}
	} else {
		cost = m.Cfg.CostSpawn
		p := m.NewProcess(parent.Proc, &vm.prog.Image, name)
		if p != nil {
			if host != "" {
				m.MoveToHost(p, host)
			}
			pc := newProcCtx(p)
			p.Ctx = pc
			t = m.NewThread(p, name, parent)
			t.Ctx = &threadCtx{rt: t, proc: pc, stack: t.Stack, ops: make([]mem.Value, 16)}
		}
	}
	argText := formatArgs(args)
	if t == nil {
		limit := m.NoRoom(s.Thread)
		if m.Trace.On(runtime.CatProc | runtime.CatThread) {
			m.Emit(th.rt, &runtime.Event{Cat: runtime.CatProc | runtime.CatThread, Ev: what,
				Text:   fmt.Sprintf("%s %s(%s) = nil  limit reached (%s)", what, fn.Name, argText, limit),
				Fields: []runtime.Field{{Key: "func", Val: fn.Name}, {Key: "error", Val: "limit " + limit}}})
		}
		th.push(mem.NilValue)
		return 0, true
	}
	t.Sched.Priority, t.Sched.Tickets, t.Sched.Burst = attrs.Priority, attrs.Tickets, attrs.Burst
	cat := runtime.CatProc
	if s.Thread {
		cat = runtime.CatThread
	}
	if m.Trace.On(cat) {
		m.Emit(th.rt, &runtime.Event{Cat: cat, Ev: what, Cost: cost,
			Text:   fmt.Sprintf("%s %s(%s) = %d", what, fn.Name, argText, t.TID),
			Fields: []runtime.Field{{Key: "func", Val: fn.Name}, {Key: "id", Val: t.TID}}})
	}
	m.Clock += cost
	// The new thread's first frame: tick stamps of its call event are the
	// moment it was created.
	if vm.race != nil {
		vm.race.fork(th.rt, t, th.where())
	}
	vm.enter(t.Ctx.(*threadCtx), fn, args)
	m.MakeReady(t)
	th.push(mem.IntValue(int64(t.TID)))
	return vm.resched()
}

// resched tells the kernel a thread became ready, when the policy may want
// to preempt the running one.
func (vm *VM) resched() (runtime.Stop, bool) {
	if vm.m.Preemptive() {
		return runtime.StopResched, false
	}
	return 0, true
}

// maxNameBytes bounds a name given with `with {name: ...}` or a host's.
const maxNameBytes = 64

func formatArgs(args []mem.Value) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.Quote()
	}
	return strings.Join(parts, ", ")
}

// fork copies the calling thread's process. The child resumes after the
// fork with 0 on its operand stack; the parent gets the child's pid.
func (vm *VM) fork(th *threadCtx) (runtime.Stop, bool) {
	m := vm.m
	c, ct := m.Fork(th.rt)
	if c == nil {
		if m.Trace.On(runtime.CatProc) {
			m.Emit(th.rt, &runtime.Event{Cat: runtime.CatProc, Ev: "fork", Text: fmt.Sprintf("fork() = nil  limit reached (%s)", m.NoRoom(false)),
				Fields: []runtime.Field{{Key: "error", Val: "limit"}}})
		}
		th.push(mem.NilValue)
		return 0, true
	}
	pc := th.proc.clone(c)
	pc.recharge(m.Memory())
	c.Ctx = pc
	cth := &threadCtx{rt: ct, proc: pc, stack: c.Stack, computeLeft: 0}
	cth.frames = append([]frame(nil), th.frames...)
	cth.ops = make([]mem.Value, len(th.ops))
	copy(cth.ops, th.ops[:th.sp])
	cth.sp = th.sp
	ct.Ctx = cth
	cth.push(mem.IntValue(0))
	if m.Trace.On(runtime.CatProc) {
		m.Emit(th.rt, &runtime.Event{Cat: runtime.CatProc, Ev: "fork", Cost: m.Cfg.CostFork,
			Text:   fmt.Sprintf("fork() = %d", c.PID),
			Fields: []runtime.Field{{Key: "child", Val: c.PID}}})
	}
	m.Clock += m.Cfg.CostFork
	if vm.race != nil {
		vm.race.fork(th.rt, ct, th.where())
	}
	m.MakeReady(ct)
	th.push(mem.IntValue(int64(c.PID)))
	return vm.resched()
}

// clone copies the per-process state for a forked child.
func (pc *procCtx) clone(c *runtime.Process) *procCtx {
	n := newProcCtx(c)
	for k, v := range pc.objects {
		n.objects[k] = v
	}
	n.allocAt = append(siteLog(nil), pc.allocAt...)
	n.freeAt = append(siteLog(nil), pc.freeAt...)
	n.allocs = pc.allocs
	n.charged = 0
	return n
}

// join waits for a thread of the same process to end and pushes its result.
func (vm *VM) join(th *threadCtx) (runtime.Stop, bool) {
	m := vm.m
	v := th.ops[th.sp-1]
	var target *runtime.Thread
	if v.K == mem.Int {
		target = m.Thread(int(v.N))
	}
	var errText string
	switch {
	case v.K != mem.Int:
		errText = fmt.Sprintf("not a thread id: %s", v.Quote())
	case target == nil:
		errText = fmt.Sprintf("no thread %d", v.N)
	case target.Proc != th.rt.Proc:
		errText = fmt.Sprintf("thread %d belongs to process %d: join only threads of your own process", v.N, target.Proc.PID)
	case target == th.rt:
		errText = "a thread cannot join itself"
	case target.TID == target.Proc.PID:
		errText = fmt.Sprintf("thread %d is the main thread: its end is the process's end", v.N)
	}
	if errText != "" {
		th.sp--
		vm.sysResult(th, "join", v.Quote(), "nil", errText)
		th.push(mem.NilValue)
		return 0, true
	}
	if target.State != runtime.ThreadDone {
		vm.sysBlock(th, "join", v.Quote())
		m.Block(th.rt, fmt.Sprintf("join(%d): waiting for thread %d/%d to end", target.TID, target.Proc.PID, target.TID), &target.Ended,
			func() []*runtime.Thread { return []*runtime.Thread{target} })
		return runtime.StopBlock, false
	}
	th.sp--
	if vm.race != nil {
		vm.race.acquire(th.rt, target)
	}
	vm.sysResult(th, "join", v.Quote(), target.Result.Quote(), "")
	th.push(target.Result)
	return 0, true
}

// wait waits for a child process to end, reaps it and pushes its status.
func (vm *VM) wait(th *threadCtx) (runtime.Stop, bool) {
	m := vm.m
	v := th.ops[th.sp-1]
	var c *runtime.Process
	if v.K == mem.Int {
		c = m.Proc(int(v.N))
	}
	var errText string
	switch {
	case v.K != mem.Int:
		errText = fmt.Sprintf("not a process id: %s", v.Quote())
	case c == nil || c.State == runtime.ProcReaped:
		errText = fmt.Sprintf("no child process %d", v.N)
	case c.PPID != th.rt.Proc.PID:
		errText = fmt.Sprintf("process %d is not a child of process %d", v.N, th.rt.Proc.PID)
	}
	if errText != "" {
		th.sp--
		vm.sysResult(th, "wait", v.Quote(), "nil", errText)
		th.push(mem.NilValue)
		return 0, true
	}
	if c.State == runtime.ProcRunning {
		vm.sysBlock(th, "wait", v.Quote())
		m.Block(th.rt, fmt.Sprintf("wait(%d): waiting for child %d to exit", c.PID, c.PID), &c.Exited,
			func() []*runtime.Thread { return liveThreads(c) })
		return runtime.StopBlock, false
	}
	th.sp--
	if vm.race != nil {
		vm.race.acquire(th.rt, c)
	}
	status := m.Reap(th.rt, c)
	vm.sysResult(th, "wait", v.Quote(), fmt.Sprint(status), "")
	th.push(mem.IntValue(int64(status)))
	return 0, true
}

func liveThreads(p *runtime.Process) []*runtime.Thread {
	var out []*runtime.Thread
	for _, t := range p.Threads {
		if t.State != runtime.ThreadDone {
			out = append(out, t)
		}
	}
	return out
}

// sleep blocks the thread for n ticks: `sleep n`, or `io n` (a device).
func (vm *VM) sleep(th *threadCtx, io bool) (runtime.Stop, bool) {
	m := vm.m
	th.sp--
	v := th.ops[th.sp]
	name := "sleep"
	if io {
		name = "io"
	}
	if why := badTicks(name, v); why != "" {
		return vm.typeFault(th, why), false
	}
	if v.N == 0 {
		return 0, true
	}
	if m.Trace.On(runtime.CatSched) {
		m.Emit(th.rt, &runtime.Event{Cat: runtime.CatSched, Ev: name, Text: fmt.Sprintf("%s(%d): blocked until tick %d", name, v.N, m.Clock+v.N),
			Fields: []runtime.Field{{Key: "ticks", Val: v.N}}})
	}
	what := fmt.Sprintf("%s(%d) until tick %d", name, v.N, m.Clock+v.N)
	if io {
		m.IO(th.rt, v.N, what)
	} else {
		m.Sleep(th.rt, v.N, what)
	}
	return runtime.StopBlock, false
}

// sysBlock traces a call that blocks, the way strace shows it.
func (vm *VM) sysBlock(th *threadCtx, name, arg string) {
	th.blocked = true
	if vm.m.Trace.On(runtime.CatProc | runtime.CatThread | runtime.CatSched) {
		vm.m.Emit(th.rt, &runtime.Event{Cat: runtime.CatProc | runtime.CatThread | runtime.CatSched, Ev: name,
			Text: fmt.Sprintf("%s(%s) <unfinished ...>", name, arg), Fields: []runtime.Field{{Key: "blocked", Val: true}}})
	}
}

// sysResult traces a call's result; after a block, as strace's resumed line.
func (vm *VM) sysResult(th *threadCtx, name, arg, result, errText string) {
	resumed := th.blocked
	th.blocked = false
	if !vm.m.Trace.On(runtime.CatProc | runtime.CatThread | runtime.CatSched) {
		return
	}
	text := fmt.Sprintf("%s(%s) = %s", name, arg, result)
	if resumed {
		text = fmt.Sprintf("<... %s resumed> = %s", name, result)
	}
	if errText != "" {
		text += "  (" + errText + ")"
	}
	f := []runtime.Field{{Key: "result", Val: result}}
	if errText != "" {
		f = append(f, runtime.Field{Key: "error", Val: errText})
	}
	vm.m.Emit(th.rt, &runtime.Event{Cat: runtime.CatProc | runtime.CatThread | runtime.CatSched, Ev: name, Text: text, Fields: f})
}
