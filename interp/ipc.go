package interp

import (
	"fmt"
	"strings"

	"proc/runtime"
	"proc/runtime/mem"
)

// IPC and synchronization: pipes, message queues, sockets, shared memory,
// mapped files, mutexes, semaphores and condition variables. The kernel
// does each call; what is here takes the operands off the stack, checks
// their types, traces the call and pushes its result. Blocking calls use
// the retry model of procs.go: on a block the operands stay on the stack
// and the instruction runs again when the thread wakes.

// ipcEvent traces an IPC or sync event, with its cost.
func (vm *VM) ipcEvent(th *threadCtx, cat runtime.Category, ev, text string, cost int64, fields ...runtime.Field) {
	if vm.m.Tracer().On(cat) {
		vm.m.Emit(th.rt, &runtime.Event{Cat: cat, Ev: ev, Text: text, Cost: cost, Fields: fields})
	}
}

// resultText is a call's result line, strace style: resumed after a block.
func resultText(call, result string, resumed bool) string {
	if resumed {
		name := call
		if i := strings.IndexByte(call, '('); i >= 0 {
			name = call[:i]
		}
		return fmt.Sprintf("<... %s resumed> = %s", name, result)
	}
	return call + " = " + result
}

// blockEvent traces a call that blocks.
func (vm *VM) blockEvent(th *threadCtx, cat runtime.Category, ev, call string) {
	vm.ipcEvent(th, cat, ev, call+" <unfinished ...>", 0, runtime.Field{Key: "blocked", Val: true})
}

// tooManyFiles is why a call that opens a descriptor fails when the
// process holds runtime.MaxFDs of them.
var tooManyFiles = fmt.Sprintf("EMFILE: the process has %d descriptors open, the most it may", runtime.MaxFDs)

// noMemory is why a call that would make a kernel object the machine has
// no memory left for fails.
func (vm *VM) noMemory() string {
	return fmt.Sprintf("ENOMEM: the machine's memory is spent (max_memory=%d bytes)", vm.m.Config().MaxMemory)
}

// errText says why a call failed for want of room (ENOMEM, EMFILE) or
// because descriptor fd is not open (EBADF).
func (vm *VM) errText(th *threadCtx, err runtime.Errno, fd int64) string {
	switch err {
	case runtime.ENOMEM:
		return vm.noMemory()
	case runtime.EMFILE:
		return tooManyFiles
	case runtime.EBADF:
		return fmt.Sprintf("EBADF: descriptor %d is not open in process %d", fd, th.rt.Proc.PID)
	}
	return err.String()
}

// notFD says why v is not a descriptor, or returns "".
func notFD(v mem.Value) string {
	if v.K != mem.Int {
		return notFDText(v)
	}
	return ""
}

// notFDText says why v is not a descriptor; kept out of notFD so that
// the check inlines into every call that takes a descriptor.
func notFDText(v mem.Value) string { return quote(v) + " is not a descriptor" }

// badCall finishes a call that failed: nil result and the reason in the
// trace.
func (vm *VM) badCall(th *threadCtx, cat runtime.Category, ev, call, why string, pop int) (runtime.Stop, bool) {
	th.sp -= pop
	vm.ipcEvent(th, cat, ev, call+" = nil  ("+why+")", 0, runtime.Field{Key: "error", Val: why})
	th.push(mem.NilValue)
	return 0, true
}

// pipe makes a pipe: let r, w = pipe().
func (vm *VM) pipe(th *threadCtx) (runtime.Stop, bool) {
	r, w, err := vm.m.NewPipe(th.rt)
	if err != runtime.OK {
		stop, ok := vm.badCall(th, runtime.CatIPC, "pipe", "pipe()", vm.errText(th, err, 0), 0)
		th.push(mem.NilValue) // let r, w = pipe() takes two values
		return stop, ok
	}
	vm.ipcEvent(th, runtime.CatIPC, "pipe", fmt.Sprintf("pipe() = [%d, %d]", r, w), 0,
		runtime.Field{Key: "read", Val: r}, runtime.Field{Key: "write", Val: w})
	th.push(mem.IntValue(int64(r)))
	th.push(mem.IntValue(int64(w)))
	return 0, true
}

// send writes a value to a pipe, a queue or a socket. Its statement form
// leaves nothing on the stack.
func (vm *VM) send(th *threadCtx, hasPrio bool) (runtime.Stop, bool) {
	m := vm.m
	n := 2
	prio := int64(0)
	if hasPrio {
		n = 3
		pv := th.ops[th.sp-1]
		if pv.K != mem.Int {
			return vm.typeFault(th, fmt.Sprintf("send: the priority must be an int, not %s", pv.K)), false
		}
		prio = pv.N
	}
	target, val := th.ops[th.sp-n], th.ops[th.sp-n+1]
	// The call as traces and messages show it, formatted only when one
	// of them needs it.
	call := func() string {
		if hasPrio {
			return fmt.Sprintf("send(%s, %s, %d)", quote(target), quote(val), prio)
		}
		return fmt.Sprintf("send(%s, %s)", quote(target), quote(val))
	}
	if why := notFD(target); why != "" {
		stop, ok := vm.badCall(th, runtime.CatIPC, "send", call(), why, n)
		th.sp-- // a statement: drop the nil
		return stop, ok
	}
	data := format(val)
	var r runtime.SendResult
	m.Send(th.rt, target.N, data, val, prio, call, &r)
	switch r.Err {
	case runtime.OK:
	case runtime.EPIPE:
		th.sp -= n
		if r.File.Kind == runtime.FDSocket {
			return vm.kill(th, runtime.SIGPIPE, "broken-pipe", fmt.Sprintf("broken pipe: %s to a socket whose peer has closed", call()), vm.at(th)), false
		}
		return vm.kill(th, runtime.SIGPIPE, "broken-pipe", fmt.Sprintf("broken pipe: %s with no reader left on pipe %d", call(), r.File.Pipe.ID), vm.at(th)), false
	default:
		why := vm.errText(th, r.Err, target.N)
		if r.Err == runtime.EINVAL {
			why = fmt.Sprintf("descriptor %d is the %s: send needs a pipe's write end, a queue or a socket", target.N, r.File.Describe())
		}
		stop, ok := vm.badCall(th, runtime.CatIPC, "send", call(), why, n)
		th.sp--
		return stop, ok
	}
	traced := m.Tracer().On(runtime.CatIPC)
	switch r.File.Kind {
	case runtime.FDPipeWrite:
		pp := r.File.Pipe
		if r.Taken > 0 && vm.race != nil {
			vm.race.release(th.rt, pp)
		}
		if r.Blocked {
			if r.Taken > 0 {
				// A partial write: the rest waits for room.
				vm.ipcEvent(th, runtime.CatIPC, "send", fmt.Sprintf("%s: %d of %d bytes written, pipe %d full <unfinished ...>", call(), r.Total, len(data), pp.ID), r.Cost)
			} else {
				vm.blockEvent(th, runtime.CatIPC, "send", call())
			}
			return runtime.StopBlock, false
		}
		if traced {
			vm.ipcEvent(th, runtime.CatIPC, "send", resultText(call(), fmt.Sprint(r.Total), r.Resumed), r.Cost,
				runtime.Field{Key: "fd", Val: target.N}, runtime.Field{Key: "bytes", Val: r.Total})
		}
	case runtime.FDMQueue:
		q := r.File.MQ
		if r.Blocked {
			vm.blockEvent(th, runtime.CatIPC, "send", call())
			return runtime.StopBlock, false
		}
		if vm.race != nil {
			vm.race.release(th.rt, q)
		}
		if traced {
			vm.ipcEvent(th, runtime.CatIPC, "send", resultText(call(), "0", r.Resumed)+fmt.Sprintf("  mqueue /%s: %d/%d", q.Name, r.Queued, q.Capacity()), r.Cost,
				runtime.Field{Key: "mqueue", Val: q.Name}, runtime.Field{Key: "bytes", Val: len(data)}, runtime.Field{Key: "prio", Val: prio})
		}
	case runtime.FDSocket:
		if vm.race != nil {
			vm.race.release(th.rt, r.File.Sock.Peer())
		}
		if traced {
			vm.ipcEvent(th, runtime.CatIPC, "send", resultText(call(), fmt.Sprint(len(data)), r.Resumed)+fmt.Sprintf("  arrives at tick %d", r.Arrives), r.Cost,
				runtime.Field{Key: "fd", Val: target.N}, runtime.Field{Key: "bytes", Val: len(data)})
		}
	}
	th.sp -= n
	return 0, true
}

// recv reads from a pipe, a queue or a socket.
func (vm *VM) recv(th *threadCtx, hasMax bool) (runtime.Stop, bool) {
	m := vm.m
	n := 1
	max := 0
	if hasMax {
		n = 2
		mv := th.ops[th.sp-1]
		if mv.K != mem.Int || mv.N < 1 {
			return vm.typeFault(th, fmt.Sprintf("recv: the byte count must be a positive int, not %s", quote(mv))), false
		}
		max = int(mv.N)
	}
	src := th.ops[th.sp-n]
	// The call as traces and messages show it, formatted only when one
	// of them needs it.
	call := func() string {
		if hasMax {
			return fmt.Sprintf("recv(%s, %d)", quote(src), max)
		}
		return fmt.Sprintf("recv(%s)", quote(src))
	}
	if why := notFD(src); why != "" {
		return vm.badCall(th, runtime.CatIPC, "recv", call(), why, n)
	}
	var r runtime.RecvResult
	m.Recv(th.rt, src.N, max, call, &r)
	if r.Err != runtime.OK {
		why := vm.errText(th, r.Err, src.N)
		if r.Err == runtime.EINVAL {
			why = fmt.Sprintf("descriptor %d is the %s: recv needs a pipe's read end, a queue or a socket", src.N, r.File.Describe())
		}
		return vm.badCall(th, runtime.CatIPC, "recv", call(), why, n)
	}
	if r.Blocked {
		vm.blockEvent(th, runtime.CatIPC, "recv", call())
		return runtime.StopBlock, false
	}
	traced := m.Tracer().On(runtime.CatIPC)
	switch r.File.Kind {
	case runtime.FDPipeRead:
		if r.EOF {
			vm.ipcEvent(th, runtime.CatIPC, "recv", resultText(call(), `""`, r.Resumed)+"  end of file: every write end is closed", r.Cost)
			break
		}
		if vm.race != nil {
			vm.race.acquire(th.rt, r.File.Pipe)
		}
		if traced {
			vm.ipcEvent(th, runtime.CatIPC, "recv", resultText(call(), quote(r.Value), r.Resumed), r.Cost,
				runtime.Field{Key: "fd", Val: src.N}, runtime.Field{Key: "bytes", Val: r.Bytes})
		}
	case runtime.FDMQueue:
		if vm.race != nil {
			vm.race.acquire(th.rt, r.File.MQ)
		}
		if traced {
			vm.ipcEvent(th, runtime.CatIPC, "recv", resultText(call(), quote(r.Value), r.Resumed)+fmt.Sprintf("  prio %d, from process %d", r.Prio, r.Sender), r.Cost,
				runtime.Field{Key: "mqueue", Val: r.File.MQ.Name}, runtime.Field{Key: "bytes", Val: r.Bytes}, runtime.Field{Key: "from", Val: r.Sender})
		}
	case runtime.FDSocket:
		if vm.race != nil {
			vm.race.acquire(th.rt, r.File.Sock)
		}
		if traced {
			text := resultText(call(), quote(r.Value), r.Resumed)
			if r.EOF {
				text += "  end of file: the peer closed"
			}
			vm.ipcEvent(th, runtime.CatIPC, "recv", text, r.Cost, runtime.Field{Key: "fd", Val: src.N}, runtime.Field{Key: "bytes", Val: r.Bytes})
		}
	}
	th.sp -= n
	th.push(r.Value)
	return 0, true
}

// closeFD closes a descriptor.
func (vm *VM) closeFD(th *threadCtx) (runtime.Stop, bool) {
	th.sp--
	v := th.ops[th.sp]
	call := fmt.Sprintf("close(%s)", quote(v))
	why := notFD(v)
	var f *runtime.File
	if why == "" {
		var err runtime.Errno
		if f, err = vm.m.Close(th.rt, v.N); err != runtime.OK {
			why = vm.errText(th, err, v.N)
		}
	}
	if why != "" {
		vm.ipcEvent(th, runtime.CatIPC, "close", call+" = nil  ("+why+")", 0, runtime.Field{Key: "error", Val: why})
		return 0, true
	}
	vm.ipcEvent(th, runtime.CatIPC, "close", call+" = 0  ("+f.Describe()+")", 0, runtime.Field{Key: "fd", Val: v.N})
	return 0, true
}

// lock acquires a mutex (FIFO; may block).
func (vm *VM) lock(th *threadCtx) (runtime.Stop, bool) {
	v := th.ops[th.sp-1]
	o, why := vm.m.SyncOf(th.rt.Proc, v, runtime.HandleMutex)
	if why != "" {
		th.sp--
		return vm.typeFault(th, "lock: "+why), false
	}
	call := "lock(" + format(v) + ")"
	r := vm.m.Lock(th.rt, o.Mutex, call)
	if r.Err == runtime.EDEADLK {
		th.sp--
		return vm.kill(th, runtime.SIGABRT, "deadlock", fmt.Sprintf("%s: the thread already holds it (a mutex is not recursive)", call), vm.at(th)), false
	}
	if r.Blocked {
		vm.blockEvent(th, runtime.CatSync, "lock", call)
		return runtime.StopBlock, false
	}
	th.sp--
	if vm.race != nil {
		vm.race.acquire(th.rt, o.Mutex)
	}
	if vm.m.Tracer().On(runtime.CatSync) {
		vm.ipcEvent(th, runtime.CatSync, "lock", resultText(call, "0", r.Resumed), 0, runtime.Field{Key: "mutex", Val: o.Mutex.ID})
	}
	return 0, true
}

// unlock releases a mutex; unlocking one the thread does not hold is a
// fault.
func (vm *VM) unlock(th *threadCtx) (runtime.Stop, bool) {
	th.sp--
	v := th.ops[th.sp]
	o, why := vm.m.SyncOf(th.rt.Proc, v, runtime.HandleMutex)
	if why != "" {
		return vm.typeFault(th, "unlock: "+why), false
	}
	r := vm.m.Unlock(th.rt, o.Mutex)
	if r.Err != runtime.OK {
		call := "unlock(" + format(v) + ")"
		held := "nobody holds it"
		if owner := r.Holder; owner != nil {
			held = fmt.Sprintf("it is held by %d/%d", owner.Proc.PID, owner.TID)
		} else if o.Mutex.LostHolder() != "" {
			held = fmt.Sprintf("it is held by %s, which fork did not copy", o.Mutex.LostHolder())
		}
		return vm.kill(th, runtime.SIGABRT, "bad-unlock", fmt.Sprintf("bad unlock: %s by %d/%d, but %s", call, th.rt.Proc.PID, th.rt.TID, held), vm.at(th)), false
	}
	if vm.race != nil {
		vm.race.release(th.rt, o.Mutex)
	}
	if !vm.m.Tracer().On(runtime.CatSync) {
		// Nobody reads the line: it is not made.
		return 0, true
	}
	text := "unlock(" + format(v) + ") = 0"
	if next := r.Next; next != nil {
		text += fmt.Sprintf("  handed to %d/%d", next.Proc.PID, next.TID)
	}
	vm.ipcEvent(th, runtime.CatSync, "unlock", text, 0, runtime.Field{Key: "mutex", Val: o.Mutex.ID})
	return 0, true
}

// ipcBuiltin runs the IPC and sync builtins.
func (vm *VM) ipcBuiltin(th *threadCtx, b, n int) (runtime.Stop, bool) {
	m := vm.m
	p := th.rt.Proc
	args := th.ops[th.sp-n : th.sp]
	argText := formatArgs(args)
	name := Builtins[b].Name
	call := name + "(" + argText + ")"
	done := func(r mem.Value, cat runtime.Category, note string, resumed bool) (runtime.Stop, bool) {
		th.sp -= n
		if m.Tracer().On(cat) {
			text := resultText(call, quote(r), resumed)
			if note != "" {
				text += "  " + note
			}
			vm.ipcEvent(th, cat, name, text, 0)
		}
		th.push(r)
		return 0, true
	}
	// syncOn is whether the trace shows the sync events: the notes of
	// the calls that run most often (down, up, signal) are made only
	// then.
	syncOn := m.Tracer().On(runtime.CatSync)
	str := func(i int) (string, bool) {
		return args[i].S, args[i].K == mem.Str
	}
	num := func(i int) (int64, bool) {
		return args[i].N, args[i].K == mem.Int
	}
	// Each of these makes a kernel object, a descriptor or both: a call
	// the machine has no room for fails before its arguments are looked
	// at.
	fds := -1
	switch b {
	case BuiltinShm, BuiltinMmap, BuiltinMutex, BuiltinCond, BuiltinSem:
		fds = 0
	case BuiltinMqueue, BuiltinListen, BuiltinConnect, BuiltinAccept:
		fds = 1
	}
	if fds >= 0 {
		if err := m.Room(th.rt, 2, fds); err != runtime.OK {
			return vm.badCall(th, runtime.CatIPC, name, call, vm.errText(th, err, 0), n)
		}
	}
	switch b {
	case BuiltinMqueue:
		qn, ok := str(0)
		if !ok {
			return vm.typeFault(th, "mqueue: the name must be a string"), false
		}
		capacity := int64(0)
		if n == 2 {
			c, ok := num(1)
			if !ok || c < 1 {
				return vm.typeFault(th, "mqueue: the capacity must be a positive int"), false
			}
			capacity = c
		}
		fd, q, err := m.OpenMQueue(th.rt, qn, capacity)
		if err != runtime.OK {
			return vm.badCall(th, runtime.CatIPC, name, call, vm.errText(th, err, 0), n)
		}
		return done(mem.IntValue(int64(fd)), runtime.CatIPC, fmt.Sprintf("mqueue /%s on host %s, %d/%d messages", q.Name, q.Host, q.Len(), q.Capacity()), false)
	case BuiltinShm, BuiltinMmap:
		sn, ok := str(0)
		size, ok2 := num(1)
		if !ok || !ok2 || size < 1 || size > 1<<24 {
			return vm.typeFault(th, name+": want a name (string) and a size in bytes (1 to 16 MiB)"), false
		}
		if b == BuiltinShm {
			a, err := m.Shm(th.rt, sn, size)
			if err != runtime.OK {
				return vm.badCall(th, runtime.CatIPC, name, call, vm.errText(th, err, 0), n)
			}
			return done(mem.PtrValue(a), runtime.CatIPC, fmt.Sprintf("/dev/shm/%s mapped shared at %s", sn, mem.Hex(a)), false)
		}
		shared := true
		if n == 3 {
			mode, ok := str(2)
			if !ok || (mode != "shared" && mode != "private") {
				return vm.typeFault(th, `mmap: the mode must be "shared" or "private"`), false
			}
			shared = mode == "shared"
		}
		a, err := m.Mmap(th.rt, sn, size, shared)
		if err != runtime.OK {
			return vm.badCall(th, runtime.CatIPC, name, call, vm.errText(th, err, 0), n)
		}
		mode := "shared"
		if !shared {
			mode = "private (copy on write)"
		}
		return done(mem.PtrValue(a), runtime.CatIPC, fmt.Sprintf("file %s mapped %s at %s", sn, mode, mem.Hex(a)), false)
	case BuiltinMutex, BuiltinCond:
		var h mem.Value
		var err runtime.Errno
		if b == BuiltinMutex {
			h, err = m.NewMutex(th.rt)
		} else {
			h, err = m.NewCond(th.rt)
		}
		if err != runtime.OK {
			return vm.badCall(th, runtime.CatIPC, name, call, vm.errText(th, err, 0), n)
		}
		return done(h, runtime.CatSync, "", false)
	case BuiltinSem:
		var sname string
		var v int64
		var ok bool
		if n == 1 {
			v, ok = num(0)
		} else {
			var ok1 bool
			sname, ok1 = str(0)
			v, ok = num(1)
			ok = ok && ok1
		}
		if !ok || v < 0 || v > runtime.SemValueMax {
			return vm.typeFault(th, fmt.Sprintf("sem: want sem(n) or sem(name, n) with 0 <= n <= %d", runtime.SemValueMax)), false
		}
		h, sem, err := m.NewSem(th.rt, sname, v)
		if err != runtime.OK {
			return vm.badCall(th, runtime.CatIPC, name, call, vm.errText(th, err, 0), n)
		}
		return done(h, runtime.CatSync, fmt.Sprintf("value %d", sem.Count()), false)
	case BuiltinDown, BuiltinUp:
		o, why := vm.m.SyncOf(p, args[0], runtime.HandleSem)
		if why != "" {
			return vm.typeFault(th, name+": "+why), false
		}
		if b == BuiltinUp {
			r := m.Up(th.rt, o.Sem)
			if r.Err == runtime.EOVERFLOW {
				return vm.typeFault(th, fmt.Sprintf("%s: EOVERFLOW: %s is already at its maximum, %d", call, o.Sem.Describe(), runtime.SemValueMax)), false
			}
			if vm.race != nil {
				vm.race.release(th.rt, o.Sem)
			}
			if !syncOn {
				return done(mem.NilValue, runtime.CatSync, "", r.Resumed)
			}
			return done(mem.NilValue, runtime.CatSync, fmt.Sprintf("%s is %d", o.Sem.Describe(), r.Value), r.Resumed)
		}
		r := m.Down(th.rt, o.Sem, call)
		if r.Blocked {
			vm.blockEvent(th, runtime.CatSync, name, call)
			return runtime.StopBlock, false
		}
		if vm.race != nil {
			vm.race.acquire(th.rt, o.Sem)
		}
		if !syncOn {
			return done(mem.NilValue, runtime.CatSync, "", r.Resumed)
		}
		return done(mem.NilValue, runtime.CatSync, fmt.Sprintf("%s is %d", o.Sem.Describe(), r.Value), r.Resumed)
	case BuiltinCwait:
		return vm.cwait(th, args, call)
	case BuiltinSignal, BuiltinBroadcast:
		o, why := vm.m.SyncOf(p, args[0], runtime.HandleCond)
		if why != "" {
			return vm.typeFault(th, name+": "+why), false
		}
		var woke int
		if b == BuiltinSignal {
			if vm.race != nil {
				vm.race.release(th.rt, o.Cond)
			}
			woke = m.CondSignal(th.rt, o.Cond)
		} else {
			woke = m.CondBroadcast(th.rt, o.Cond)
		}
		if !syncOn {
			return done(mem.NilValue, runtime.CatSync, "", false)
		}
		return done(mem.NilValue, runtime.CatSync, fmt.Sprintf("woke %d", woke), false)
	case BuiltinListen:
		port, ok := num(0)
		if !ok || port < 1 || port > 65535 {
			return vm.typeFault(th, "listen: the port must be an int from 1 to 65535"), false
		}
		fd, err := m.Listen(th.rt, port)
		if err != runtime.OK {
			why := vm.errText(th, err, 0)
			if err == runtime.EADDRINUSE {
				why = fmt.Sprintf("EADDRINUSE: port %d of host %s is taken", port, p.Host)
			}
			return vm.badCall(th, runtime.CatIPC, "listen", call, why, n)
		}
		return done(mem.IntValue(int64(fd)), runtime.CatIPC, fmt.Sprintf("listening on %s:%d", p.Host, port), false)
	case BuiltinConnect:
		host, port := p.Host, int64(0)
		var ok bool
		if n == 2 {
			h, ok1 := str(0)
			host = h
			port, ok = num(1)
			ok = ok && ok1
		} else {
			port, ok = num(0)
		}
		if !ok {
			return vm.typeFault(th, "connect: want connect(port) or connect(host, port)"), false
		}
		fd, err := m.Connect(th.rt, host, port)
		if err != runtime.OK {
			why := vm.errText(th, err, 0)
			if err == runtime.ECONNREFUSED {
				why = fmt.Sprintf("ECONNREFUSED: nobody listens on %s:%d", host, port)
			}
			return vm.badCall(th, runtime.CatIPC, "connect", call, why, n)
		}
		return done(mem.IntValue(int64(fd)), runtime.CatIPC, fmt.Sprintf("connected to %s:%d", host, port), false)
	case BuiltinAccept:
		if why := notFD(args[0]); why != "" {
			return vm.badCall(th, runtime.CatIPC, "accept", call, why, n)
		}
		r := m.Accept(th.rt, args[0].N, func() string { return call })
		if r.Err != runtime.OK {
			why := vm.errText(th, r.Err, args[0].N)
			if r.Err == runtime.EINVAL {
				why = fmt.Sprintf("descriptor %d is the %s, not a listening socket", args[0].N, r.File.Describe())
			}
			return vm.badCall(th, runtime.CatIPC, "accept", call, why, n)
		}
		if r.Blocked {
			vm.blockEvent(th, runtime.CatIPC, "accept", call)
			return runtime.StopBlock, false
		}
		return done(mem.IntValue(int64(r.FD)), runtime.CatIPC, "", r.Resumed)
	}
	panic("proc: unknown builtin " + name)
}

// cwait releases the mutex and waits on the condition variable; once
// signalled, it takes the mutex again before returning.
func (vm *VM) cwait(th *threadCtx, args []mem.Value, call string) (runtime.Stop, bool) {
	p := th.rt.Proc
	c, why := vm.m.SyncOf(p, args[0], runtime.HandleCond)
	if why != "" {
		return vm.typeFault(th, "cwait: "+why), false
	}
	mu, why := vm.m.SyncOf(p, args[1], runtime.HandleMutex)
	if why != "" {
		return vm.typeFault(th, "cwait: "+why), false
	}
	r := vm.m.CondWait(th.rt, c.Cond, mu.Mutex, call)
	if r.Err == runtime.EPERM {
		return vm.kill(th, runtime.SIGABRT, "bad-unlock", fmt.Sprintf("bad unlock: %s without holding %s", call, format(args[1])), vm.at(th)), false
	}
	if r.Released {
		if vm.race != nil {
			vm.race.release(th.rt, mu.Mutex)
		}
		vm.blockEvent(th, runtime.CatSync, "cwait", call)
	}
	if r.Blocked {
		return runtime.StopBlock, false
	}
	if vm.race != nil {
		vm.race.acquire(th.rt, c.Cond)
		vm.race.acquire(th.rt, mu.Mutex)
	}
	th.sp -= 2
	vm.ipcEvent(th, runtime.CatSync, "cwait", resultText(call, "nil", r.Resumed), 0)
	th.push(mem.NilValue)
	return 0, true
}
