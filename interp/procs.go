package interp

import (
	"fmt"
	"strconv"
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
		case "cpus":
			if v.K != mem.Str {
				return vm.typeFault(th, fmt.Sprintf("with cpus: want a string such as \"0,2\", not %s", v.K)), false
			}
			set, why := cpuSet(v.S, m.CPUs())
			if why != "" {
				return vm.typeFault(th, "with cpus: "+why), false
			}
			attrs.CPUSet = set
		case "name", "host":
			if v.K != mem.Str {
				return vm.typeFault(th, fmt.Sprintf("with %s: want a string, not %s", k, v.K)), false
			}
			// A name labels rows of views and reports; one that is empty
			// or holds a newline would leave a row blank or break it.
			if v.S == "" || strings.IndexFunc(v.S, unicode.IsControl) >= 0 {
				return vm.typeFault(th, fmt.Sprintf("with %s: want a non-empty string without control characters, not %s", k, quote(v))), false
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
			case "cpu":
				// The CPU it may only run on: one of the machine's.
				if n := m.CPUs(); v.N < 0 || v.N >= int64(n) {
					return vm.typeFault(th, fmt.Sprintf("with cpu: want a CPU from 0 to %d (cpus = %d), not %d", n-1, n, v.N)), false
				}
				attrs.Pin = int(v.N) + 1
			case "wset":
				if v.N < 0 || v.N > 1<<40 {
					return vm.typeFault(th, fmt.Sprintf("with wset: want a working set from 0 to %d, not %d", int64(1)<<40, v.N)), false
				}
				attrs.WSet = v.N
			}
		}
	}
	th.sp -= nw + s.NArgs
	what, cat := "spawn", runtime.CatProc
	req := runtime.Spawn{Creator: th.rt, Name: name, Host: host, Sched: attrs}
	if s.Thread {
		what, cat = "thread", runtime.CatThread
	} else {
		req.Image = &vm.prog.Image
	}
	st := vm.newThread(req, fn, args, 16, nil)
	argText := formatArgs(args)
	t := st.Thread
	if t == nil {
		if m.Tracer().On(runtime.CatProc | runtime.CatThread) {
			m.Emit(th.rt, &runtime.Event{Cat: runtime.CatProc | runtime.CatThread, Ev: what,
				Text:   fmt.Sprintf("%s %s(%s) = nil  limit reached (%s)", what, fn.Name, argText, st.Limit),
				Fields: []runtime.Field{{Key: "func", Val: fn.Name}, {Key: "error", Val: "limit " + st.Limit}}})
		}
		th.push(mem.NilValue)
		return 0, true
	}
	if m.Tracer().On(cat) {
		m.EmitAt(th.rt, st.At, &runtime.Event{Cat: cat, Ev: what, Cost: st.Cost,
			Text:   fmt.Sprintf("%s %s(%s) = %d", what, fn.Name, argText, t.TID),
			Fields: []runtime.Field{{Key: "func", Val: fn.Name}, {Key: "id", Val: t.TID}}})
	}
	if vm.race != nil {
		vm.race.fork(th.rt, t, th.where())
	}
	th.push(mem.IntValue(int64(t.TID)))
	return vm.resched()
}

// cpuSet reads the value of with {cpus: ...}: CPU numbers separated by
// commas, each one of the machine's n. It returns the set, a bit a CPU,
// or why the text is not one.
func cpuSet(text string, n int) (uint64, string) {
	var set uint64
	for _, f := range strings.Split(text, ",") {
		f = strings.TrimSpace(f)
		c, err := strconv.Atoi(f)
		if err != nil || c < 0 || c >= n {
			return 0, fmt.Sprintf("want CPU numbers from 0 to %d separated by commas (cpus = %d), not %s", n-1, n, quote(mem.StrValue(text)))
		}
		set |= 1 << uint(c)
	}
	return set, ""
}

// newThread makes a thread through the kernel (Machine.Start) and gives
// it its context: it returns it ready to run. The main thread of a new
// process (the first process, the REPL's shell, spawn) and a thread of
// its creator's process (thread) start in fn with args, with room for ops
// operands; the copy a fork makes goes on where its creator is. shell is
// set for the REPL's shell thread.
func (vm *VM) newThread(req runtime.Spawn, fn *Func, args []mem.Value, ops int, shell *shellHooks) runtime.Started {
	return vm.m.Start(req, func(t *runtime.Thread) (any, any) {
		if req.Fork {
			return forkCtx(req.Creator.Ctx.(*threadCtx), t, vm.m.Memory())
		}
		var pc *procCtx
		var newProc any
		if req.Image != nil {
			pc = newProcCtx(t.Proc)
			newProc = pc
		} else {
			pc = req.Creator.Ctx.(*threadCtx).proc
		}
		th := newThreadCtx(ops)
		th.rt, th.proc, th.stack, th.shell = t, pc, t.Stack, shell
		vm.enter(th, fn, args)
		return th, newProc
	})
}

// threadBlock is a thread's context with room for its first frames and
// operands, in one allocation: a search makes threads at every run.
type threadBlock struct {
	ctx    threadCtx
	frames [4]frame
	ops    [16]mem.Value
}

// newThreadCtx returns an empty context whose operand stack holds ops
// values.
func newThreadCtx(ops int) *threadCtx {
	if ops > len(threadBlock{}.ops) {
		return &threadCtx{ops: make([]mem.Value, ops)}
	}
	b := new(threadBlock)
	b.ctx.frames = b.frames[:0]
	b.ctx.ops = b.ops[:ops:ops]
	return &b.ctx
}

// forkCtx makes the context of ct, the copy of th that a fork made, and
// of its process: the same frames and operands, with 0, what fork returns
// in the child, pushed.
func forkCtx(th *threadCtx, ct *runtime.Thread, meter *mem.Meter) (*threadCtx, *procCtx) {
	pc := th.proc.clone(ct.Proc)
	pc.recharge(meter)
	cth := &threadCtx{rt: ct, proc: pc, stack: ct.Stack}
	cth.frames = append([]frame(nil), th.frames...)
	cth.ops = make([]mem.Value, len(th.ops))
	copy(cth.ops, th.ops[:th.sp])
	cth.sp = th.sp
	cth.push(mem.IntValue(0))
	return cth, pc
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
		parts[i] = quote(a)
	}
	return strings.Join(parts, ", ")
}

// fork copies the calling thread's process. The child resumes after the
// fork with 0 on its operand stack; the parent gets the child's pid.
func (vm *VM) fork(th *threadCtx) (runtime.Stop, bool) {
	m := vm.m
	st := vm.newThread(runtime.Spawn{Creator: th.rt, Fork: true}, nil, nil, 0, nil)
	if st.Thread == nil {
		if m.Tracer().On(runtime.CatProc) {
			m.Emit(th.rt, &runtime.Event{Cat: runtime.CatProc, Ev: "fork", Text: fmt.Sprintf("fork() = nil  limit reached (%s)", st.Limit),
				Fields: []runtime.Field{{Key: "error", Val: "limit"}}})
		}
		th.push(mem.NilValue)
		return 0, true
	}
	c := st.Thread.Proc
	if m.Tracer().On(runtime.CatProc) {
		m.EmitAt(th.rt, st.At, &runtime.Event{Cat: runtime.CatProc, Ev: "fork", Cost: st.Cost,
			Text:   fmt.Sprintf("fork() = %d", c.PID),
			Fields: []runtime.Field{{Key: "child", Val: c.PID}}})
	}
	if vm.race != nil {
		vm.race.fork(th.rt, st.Thread, th.where())
	}
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
	v := th.ops[th.sp-1]
	if v.K != mem.Int {
		th.sp--
		vm.sysResult(th, "join", quote(v), "nil", fmt.Sprintf("not a thread id: %s", quote(v)), false)
		th.push(mem.NilValue)
		return 0, true
	}
	r := vm.m.Join(th.rt, v.N)
	if r.Err != runtime.OK {
		var errText string
		switch r.Err {
		case runtime.ESRCH:
			errText = fmt.Sprintf("no thread %d", v.N)
		case runtime.EPERM:
			errText = fmt.Sprintf("thread %d belongs to process %d: join only threads of your own process", v.N, r.Target.Proc.PID)
		case runtime.EDEADLK:
			errText = "a thread cannot join itself"
		default:
			errText = fmt.Sprintf("thread %d is the main thread: its end is the process's end", v.N)
		}
		th.sp--
		vm.sysResult(th, "join", quote(v), "nil", errText, r.Resumed)
		th.push(mem.NilValue)
		return 0, true
	}
	if r.Blocked {
		vm.sysBlock(th, "join", quote(v))
		return runtime.StopBlock, false
	}
	th.sp--
	if vm.race != nil {
		vm.race.acquire(th.rt, r.Target)
	}
	vm.sysResult(th, "join", quote(v), quote(r.Value), "", r.Resumed)
	th.push(r.Value)
	return 0, true
}

// wait waits for a child process to end, reaps it and pushes its status.
func (vm *VM) wait(th *threadCtx) (runtime.Stop, bool) {
	v := th.ops[th.sp-1]
	if v.K != mem.Int {
		th.sp--
		vm.sysResult(th, "wait", quote(v), "nil", fmt.Sprintf("not a process id: %s", quote(v)), false)
		th.push(mem.NilValue)
		return 0, true
	}
	r := vm.m.Wait(th.rt, v.N)
	if r.Err != runtime.OK {
		errText := fmt.Sprintf("no child process %d", v.N)
		if r.Child != nil {
			errText = fmt.Sprintf("process %d is not a child of process %d", v.N, th.rt.Proc.PID)
		}
		th.sp--
		vm.sysResult(th, "wait", quote(v), "nil", errText, r.Resumed)
		th.push(mem.NilValue)
		return 0, true
	}
	if r.Blocked {
		vm.sysBlock(th, "wait", quote(v))
		return runtime.StopBlock, false
	}
	th.sp--
	if vm.race != nil {
		vm.race.acquire(th.rt, r.Child)
	}
	vm.sysResult(th, "wait", quote(v), fmt.Sprint(r.Status), "", r.Resumed)
	th.push(mem.IntValue(int64(r.Status)))
	return 0, true
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
	if m.Tracer().On(runtime.CatSched) {
		m.Emit(th.rt, &runtime.Event{Cat: runtime.CatSched, Ev: name, Text: fmt.Sprintf("%s(%d): blocked until tick %d", name, v.N, m.Now()+v.N),
			Fields: []runtime.Field{{Key: "ticks", Val: v.N}}})
	}
	if io {
		m.IO(th.rt, v.N)
	} else {
		m.Sleep(th.rt, v.N)
	}
	return runtime.StopBlock, false
}

// sysBlock traces a call that blocks, the way strace shows it.
func (vm *VM) sysBlock(th *threadCtx, name, arg string) {
	if vm.m.Tracer().On(runtime.CatProc | runtime.CatThread | runtime.CatSched) {
		vm.m.Emit(th.rt, &runtime.Event{Cat: runtime.CatProc | runtime.CatThread | runtime.CatSched, Ev: name,
			Text: fmt.Sprintf("%s(%s) <unfinished ...>", name, arg), Fields: []runtime.Field{{Key: "blocked", Val: true}}})
	}
}

// sysResult traces a call's result; after a block (resumed), as strace's
// resumed line.
func (vm *VM) sysResult(th *threadCtx, name, arg, result, errText string, resumed bool) {
	if !vm.m.Tracer().On(runtime.CatProc | runtime.CatThread | runtime.CatSched) {
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
