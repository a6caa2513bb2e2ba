package interp

import (
	"fmt"
	"strings"

	"proc/runtime"
	"proc/runtime/mem"
)

// IPC and synchronization: pipes, message queues, sockets, shared memory,
// mapped files, mutexes, semaphores and condition variables. Blocking
// operations use the retry model of procs.go: on a block the operands stay
// on the stack and the instruction runs again when the thread wakes.

// ipcEvent traces an IPC or sync event, with its cost.
func (vm *VM) ipcEvent(th *threadCtx, cat runtime.Category, ev, text string, cost int64, fields ...runtime.Field) {
	if vm.m.Trace.On(cat) {
		vm.m.Emit(th.rt, &runtime.Event{Cat: cat, Ev: ev, Text: text, Cost: cost, Fields: fields})
	}
}

// resultText is a call's result line, strace style: resumed after a block.
func (th *threadCtx) resultText(call, result string) string {
	if th.blocked {
		th.blocked = false
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
	th.blocked = true
	vm.ipcEvent(th, cat, ev, call+" <unfinished ...>", 0, runtime.Field{Key: "blocked", Val: true})
}

// charge copies n bytes through the kernel for th's process: the cost in
// ticks is paid now and the bytes are counted.
func (vm *VM) charge(th *threadCtx, n int) int64 {
	cost := vm.m.CopyCost(n)
	vm.m.Clock += cost
	th.rt.Proc.Copied += int64(n)
	vm.m.Copy(int64(n)) // past max_copy the run stops after this call
	return cost
}

// tooManyFiles is why a call that opens a descriptor fails when the
// process holds runtime.MaxFDs of them.
var tooManyFiles = fmt.Sprintf("EMFILE: the process has %d descriptors open, the most it may", runtime.MaxFDs)

// noMemory finishes a call that would make a kernel object the machine has
// no memory left for: nil, as ENOMEM.
func (vm *VM) noMemory(th *threadCtx, cat runtime.Category, ev, call string, pop int) (runtime.Stop, bool) {
	return vm.badCall(th, cat, ev, call, fmt.Sprintf("ENOMEM: the machine's memory is spent (max_memory=%d bytes)", vm.m.Cfg.MaxMemory), pop)
}

// fdOf resolves a descriptor value, or returns an error text.
func (vm *VM) fdOf(th *threadCtx, v mem.Value) (*runtime.File, string) {
	if v.K != mem.Int {
		return nil, fmt.Sprintf("%s is not a descriptor", v.Quote())
	}
	f, ok := th.rt.Proc.FD(v.N)
	if !ok {
		return nil, fmt.Sprintf("EBADF: descriptor %d is not open in process %d", v.N, th.rt.Proc.PID)
	}
	return f, ""
}

// badCall finishes a call that failed: nil result and the reason in the
// trace.
func (vm *VM) badCall(th *threadCtx, cat runtime.Category, ev, call, why string, pop int) (runtime.Stop, bool) {
	th.sp -= pop
	th.blocked = false
	vm.ipcEvent(th, cat, ev, call+" = nil  ("+why+")", 0, runtime.Field{Key: "error", Val: why})
	th.push(mem.NilValue)
	return 0, true
}

// pipe makes a pipe: let r, w = pipe().
func (vm *VM) pipe(th *threadCtx) (runtime.Stop, bool) {
	if !th.rt.Proc.FDRoom(2) {
		stop, ok := vm.badCall(th, runtime.CatIPC, "pipe", "pipe()", tooManyFiles, 0)
		th.push(mem.NilValue) // let r, w = pipe() takes two values
		return stop, ok
	}
	if !vm.m.ObjectFits(3) {
		stop, ok := vm.noMemory(th, runtime.CatIPC, "pipe", "pipe()", 0)
		th.push(mem.NilValue) // let r, w = pipe() takes two values
		return stop, ok
	}
	r, w := vm.m.NewPipe(th.rt.Proc)
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
			return fmt.Sprintf("send(%s, %s, %d)", target.Quote(), val.Quote(), prio)
		}
		return fmt.Sprintf("send(%s, %s)", target.Quote(), val.Quote())
	}
	traced := m.Trace.On(runtime.CatIPC)
	f, why := vm.fdOf(th, target)
	if why != "" {
		stop, ok := vm.badCall(th, runtime.CatIPC, "send", call(), why, n)
		th.sp-- // a statement: drop the nil
		return stop, ok
	}
	switch f.Kind {
	case runtime.FDPipeWrite:
		pp := f.Pipe
		if pp.Readers == 0 {
			th.sp -= n
			return vm.kill(th, runtime.SIGPIPE, "broken-pipe", fmt.Sprintf("broken pipe: %s with no reader left on pipe %d", call(), pp.ID), vm.at(th)), false
		}
		data := val.String()[th.sent:]
		room := pp.Cap - len(pp.Buf)
		if room == 0 {
			vm.blockEvent(th, runtime.CatIPC, "send", call())
			m.BlockOnPipe(th.rt, target.N, pp, false)
			return runtime.StopBlock, false
		}
		k := min(room, len(data))
		pp.Buf = append(pp.Buf, data[:k]...)
		m.Memory().Charge(int64(k))
		th.sent += k
		cost := vm.charge(th, k)
		if vm.race != nil {
			vm.race.release(th.rt, pp)
		}
		m.WakeAll(&pp.NotEmpty)
		if k < len(data) {
			// A partial write: the rest waits for room.
			vm.ipcEvent(th, runtime.CatIPC, "send", fmt.Sprintf("%s: %d of %d bytes written, pipe %d full <unfinished ...>", call(), th.sent, len(val.String()), pp.ID), cost)
			th.blocked = true
			m.BlockOnPipe(th.rt, target.N, pp, false)
			return runtime.StopBlock, false
		}
		total := th.sent
		th.sent = 0
		if traced {
			vm.ipcEvent(th, runtime.CatIPC, "send", th.resultText(call(), fmt.Sprint(total)), cost,
				runtime.Field{Key: "fd", Val: target.N}, runtime.Field{Key: "bytes", Val: total})
		}
	case runtime.FDMQueue:
		q := f.MQ
		if len(q.Msgs) >= q.Cap {
			vm.blockEvent(th, runtime.CatIPC, "send", call())
			m.Block(th.rt, fmt.Sprintf("%s: mqueue /%s is full (%d messages)", call(), q.Name, q.Cap), &q.NotFull, nil)
			return runtime.StopBlock, false
		}
		if vm.race != nil {
			vm.race.release(th.rt, q)
		}
		q.Push(runtime.Message{Val: val, Prio: prio, Sender: th.rt.Proc.PID})
		cost := vm.charge(th, len(val.String()))
		m.WakeAll(&q.NotEmpty)
		if traced {
			vm.ipcEvent(th, runtime.CatIPC, "send", th.resultText(call(), "0")+fmt.Sprintf("  mqueue /%s: %d/%d", q.Name, len(q.Msgs), q.Cap), cost,
				runtime.Field{Key: "mqueue", Val: q.Name}, runtime.Field{Key: "bytes", Val: len(val.String())}, runtime.Field{Key: "prio", Val: prio})
		}
	case runtime.FDSocket:
		s := f.Sock
		if s.Peer == nil || s.Peer.Closed {
			th.sp -= n
			return vm.kill(th, runtime.SIGPIPE, "broken-pipe", fmt.Sprintf("broken pipe: %s to a socket whose peer has closed", call()), vm.at(th)), false
		}
		data := val.String()
		if vm.race != nil {
			vm.race.release(th.rt, s.Peer)
		}
		m.SocketSend(s, data)
		cost := vm.charge(th, len(data))
		if traced {
			vm.ipcEvent(th, runtime.CatIPC, "send", th.resultText(call(), fmt.Sprint(len(data)))+fmt.Sprintf("  arrives at tick %d", m.Clock-cost+m.Cfg.NetLatency), cost,
				runtime.Field{Key: "fd", Val: target.N}, runtime.Field{Key: "bytes", Val: len(data)})
		}
	default:
		stop, ok := vm.badCall(th, runtime.CatIPC, "send", call(), fmt.Sprintf("descriptor %d is the %s: send needs a pipe's write end, a queue or a socket", target.N, f.Describe()), n)
		th.sp--
		return stop, ok
	}
	// A call that had blocked has now completed (resultText does this
	// when the completion is traced).
	th.blocked = false
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
			return vm.typeFault(th, fmt.Sprintf("recv: the byte count must be a positive int, not %s", mv.Quote())), false
		}
		max = int(mv.N)
	}
	src := th.ops[th.sp-n]
	// The call as traces and messages show it, formatted only when one
	// of them needs it.
	call := func() string {
		if hasMax {
			return fmt.Sprintf("recv(%s, %d)", src.Quote(), max)
		}
		return fmt.Sprintf("recv(%s)", src.Quote())
	}
	traced := m.Trace.On(runtime.CatIPC)
	f, why := vm.fdOf(th, src)
	if why != "" {
		return vm.badCall(th, runtime.CatIPC, "recv", call(), why, n)
	}
	var result mem.Value
	var cost int64
	switch f.Kind {
	case runtime.FDPipeRead:
		pp := f.Pipe
		if len(pp.Buf) == 0 {
			if pp.Writers > 0 {
				vm.blockEvent(th, runtime.CatIPC, "recv", call())
				m.BlockOnPipe(th.rt, src.N, pp, true)
				return runtime.StopBlock, false
			}
			result = mem.StrValue("") // end of file
			cost = vm.charge(th, 0)
			vm.ipcEvent(th, runtime.CatIPC, "recv", th.resultText(call(), `""`)+"  end of file: every write end is closed", cost)
			break
		}
		k := len(pp.Buf)
		if max > 0 && max < k {
			k = max
		}
		data := string(pp.Buf[:k])
		pp.Buf = pp.Buf[k:]
		m.Memory().Release(int64(k))
		result = mem.StrValue(data)
		if vm.race != nil {
			vm.race.acquire(th.rt, pp)
		}
		cost = vm.charge(th, k)
		m.WakeAll(&pp.NotFull)
		if traced {
			vm.ipcEvent(th, runtime.CatIPC, "recv", th.resultText(call(), result.Quote()), cost,
				runtime.Field{Key: "fd", Val: src.N}, runtime.Field{Key: "bytes", Val: k})
		}
	case runtime.FDMQueue:
		q := f.MQ
		if len(q.Msgs) == 0 {
			vm.blockEvent(th, runtime.CatIPC, "recv", call())
			m.Block(th.rt, fmt.Sprintf("%s: mqueue /%s is empty", call(), q.Name), &q.NotEmpty, nil)
			return runtime.StopBlock, false
		}
		msg := q.Pop()
		if vm.race != nil {
			vm.race.acquire(th.rt, q)
		}
		result = msg.Val
		cost = vm.charge(th, len(msg.Val.String()))
		m.WakeAll(&q.NotFull)
		if traced {
			vm.ipcEvent(th, runtime.CatIPC, "recv", th.resultText(call(), result.Quote())+fmt.Sprintf("  prio %d, from process %d", msg.Prio, msg.Sender), cost,
				runtime.Field{Key: "mqueue", Val: q.Name}, runtime.Field{Key: "bytes", Val: len(msg.Val.String())}, runtime.Field{Key: "from", Val: msg.Sender})
		}
	case runtime.FDSocket:
		s := f.Sock
		data, got, eof := m.SocketRecv(s, max)
		if !got {
			vm.blockEvent(th, runtime.CatIPC, "recv", call())
			m.Block(th.rt, fmt.Sprintf("%s: nothing has arrived on socket %d", call(), s.ID), &s.Readers, nil)
			return runtime.StopBlock, false
		}
		result = mem.StrValue(data)
		if vm.race != nil {
			vm.race.acquire(th.rt, s)
		}
		cost = vm.charge(th, len(data))
		if traced {
			text := th.resultText(call(), result.Quote())
			if eof {
				text += "  end of file: the peer closed"
			}
			vm.ipcEvent(th, runtime.CatIPC, "recv", text, cost, runtime.Field{Key: "fd", Val: src.N}, runtime.Field{Key: "bytes", Val: len(data)})
		}
	default:
		return vm.badCall(th, runtime.CatIPC, "recv", call(), fmt.Sprintf("descriptor %d is the %s: recv needs a pipe's read end, a queue or a socket", src.N, f.Describe()), n)
	}
	// A call that had blocked has now completed (resultText does this
	// when the completion is traced).
	th.blocked = false
	th.sp -= n
	th.push(result)
	return 0, true
}

// closeFD closes a descriptor.
func (vm *VM) closeFD(th *threadCtx) (runtime.Stop, bool) {
	th.sp--
	v := th.ops[th.sp]
	call := fmt.Sprintf("close(%s)", v.Quote())
	f, why := vm.fdOf(th, v)
	if why != "" {
		vm.ipcEvent(th, runtime.CatIPC, "close", call+" = nil  ("+why+")", 0, runtime.Field{Key: "error", Val: why})
		return 0, true
	}
	what := f.Describe()
	vm.m.Close(th.rt.Proc, int(v.N))
	vm.ipcEvent(th, runtime.CatIPC, "close", call+" = 0  ("+what+")", 0, runtime.Field{Key: "fd", Val: v.N})
	return 0, true
}

// lock acquires a mutex (FIFO; may block).
func (vm *VM) lock(th *threadCtx) (runtime.Stop, bool) {
	v := th.ops[th.sp-1]
	o, why := th.rt.Proc.SyncOf(v, runtime.HandleMutex)
	if why != "" {
		th.sp--
		return vm.typeFault(th, "lock: "+why), false
	}
	call := fmt.Sprintf("lock(%s)", v)
	if o.Mutex.Owner == th.rt && !th.blocked {
		th.sp--
		return vm.kill(th, runtime.SIGABRT, "deadlock", fmt.Sprintf("%s: the thread already holds it (a mutex is not recursive)", call), vm.at(th)), false
	}
	if !vm.m.Lock(th.rt, o.Mutex, call) {
		vm.blockEvent(th, runtime.CatSync, "lock", call)
		return runtime.StopBlock, false
	}
	th.sp--
	if vm.race != nil {
		vm.race.acquire(th.rt, o.Mutex)
	}
	vm.ipcEvent(th, runtime.CatSync, "lock", th.resultText(call, "0"), 0, runtime.Field{Key: "mutex", Val: o.Mutex.ID})
	return 0, true
}

// unlock releases a mutex; unlocking one the thread does not hold is a
// fault.
func (vm *VM) unlock(th *threadCtx) (runtime.Stop, bool) {
	th.sp--
	v := th.ops[th.sp]
	o, why := th.rt.Proc.SyncOf(v, runtime.HandleMutex)
	if why != "" {
		return vm.typeFault(th, "unlock: "+why), false
	}
	call := fmt.Sprintf("unlock(%s)", v)
	owner := o.Mutex.Owner
	if !vm.m.Unlock(th.rt, o.Mutex) {
		held := "nobody holds it"
		if owner != nil {
			held = fmt.Sprintf("it is held by %d/%d", owner.Proc.PID, owner.TID)
		} else if o.Mutex.LostHolder != "" {
			held = fmt.Sprintf("it is held by %s, which fork did not copy", o.Mutex.LostHolder)
		}
		return vm.kill(th, runtime.SIGABRT, "bad-unlock", fmt.Sprintf("bad unlock: %s by %d/%d, but %s", call, th.rt.Proc.PID, th.rt.TID, held), vm.at(th)), false
	}
	if vm.race != nil {
		vm.race.release(th.rt, o.Mutex)
	}
	text := call + " = 0"
	if next := o.Mutex.Owner; next != nil {
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
	done := func(r mem.Value, cat runtime.Category, note string) (runtime.Stop, bool) {
		th.sp -= n
		text := th.resultText(call, r.Quote())
		if note != "" {
			text += "  " + note
		}
		vm.ipcEvent(th, cat, name, text, 0)
		th.push(r)
		return 0, true
	}
	str := func(i int) (string, bool) {
		return args[i].S, args[i].K == mem.Str
	}
	num := func(i int) (int64, bool) {
		return args[i].N, args[i].K == mem.Int
	}
	switch b {
	case BuiltinMqueue, BuiltinShm, BuiltinMmap, BuiltinMutex, BuiltinCond, BuiltinSem, BuiltinListen, BuiltinConnect, BuiltinAccept:
		// Each makes a kernel object, a descriptor or both.
		if !m.ObjectFits(2) {
			return vm.noMemory(th, runtime.CatIPC, name, call, n)
		}
	}
	switch b {
	case BuiltinMqueue, BuiltinListen, BuiltinConnect, BuiltinAccept:
		if !p.FDRoom(1) {
			return vm.badCall(th, runtime.CatIPC, name, call, tooManyFiles, n)
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
		fd, q := m.OpenMQueue(p, qn, capacity)
		return done(mem.IntValue(int64(fd)), runtime.CatIPC, fmt.Sprintf("mqueue /%s on host %s, %d/%d messages", q.Name, q.Host, len(q.Msgs), q.Cap))
	case BuiltinShm, BuiltinMmap:
		sn, ok := str(0)
		size, ok2 := num(1)
		if !ok || !ok2 || size < 1 || size > 1<<24 {
			return vm.typeFault(th, name+": want a name (string) and a size in bytes (1 to 16 MiB)"), false
		}
		if b == BuiltinShm {
			a := m.Shm(p, sn, size)
			if a == 0 {
				return vm.noMemory(th, runtime.CatIPC, name, call, n)
			}
			return done(mem.PtrValue(a), runtime.CatIPC, fmt.Sprintf("/dev/shm/%s mapped shared at %s", sn, mem.Hex(a)))
		}
		shared := true
		if n == 3 {
			mode, ok := str(2)
			if !ok || (mode != "shared" && mode != "private") {
				return vm.typeFault(th, `mmap: the mode must be "shared" or "private"`), false
			}
			shared = mode == "shared"
		}
		a := m.Mmap(p, sn, size, shared)
		if a == 0 {
			return vm.noMemory(th, runtime.CatIPC, name, call, n)
		}
		mode := "shared"
		if !shared {
			mode = "private (copy on write)"
		}
		return done(mem.PtrValue(a), runtime.CatIPC, fmt.Sprintf("file %s mapped %s at %s", sn, mode, mem.Hex(a)))
	case BuiltinMutex:
		return done(m.NewMutex(p), runtime.CatSync, "")
	case BuiltinCond:
		return done(m.NewCond(p), runtime.CatSync, "")
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
		h := m.NewSem(p, sname, v)
		o, _ := p.SyncOf(h, runtime.HandleSem)
		return done(h, runtime.CatSync, fmt.Sprintf("value %d", o.Sem.Value))
	case BuiltinDown, BuiltinUp:
		o, why := p.SyncOf(args[0], runtime.HandleSem)
		if why != "" {
			return vm.typeFault(th, name+": "+why), false
		}
		if b == BuiltinUp {
			if !m.Up(o.Sem) {
				return vm.typeFault(th, fmt.Sprintf("%s: EOVERFLOW: %s is already at its maximum, %d", call, o.Sem.Describe(), runtime.SemValueMax)), false
			}
			if vm.race != nil {
				vm.race.release(th.rt, o.Sem)
			}
			return done(mem.NilValue, runtime.CatSync, fmt.Sprintf("%s is %d", o.Sem.Describe(), o.Sem.Value))
		}
		if !m.Down(th.rt, o.Sem, call) {
			vm.blockEvent(th, runtime.CatSync, name, call)
			return runtime.StopBlock, false
		}
		if vm.race != nil {
			vm.race.acquire(th.rt, o.Sem)
		}
		return done(mem.NilValue, runtime.CatSync, fmt.Sprintf("%s is %d", o.Sem.Describe(), o.Sem.Value))
	case BuiltinCwait:
		return vm.cwait(th, args, call)
	case BuiltinSignal, BuiltinBroadcast:
		o, why := p.SyncOf(args[0], runtime.HandleCond)
		if why != "" {
			return vm.typeFault(th, name+": "+why), false
		}
		woke := 0
		if b == BuiltinSignal {
			if vm.race != nil {
				vm.race.release(th.rt, o.Cond)
			}
			if m.WakeOne(&o.Cond.Waiters) != nil {
				woke = 1
			}
		} else {
			woke = o.Cond.Waiters.Len()
			m.WakeAll(&o.Cond.Waiters)
		}
		return done(mem.NilValue, runtime.CatSync, fmt.Sprintf("woke %d", woke))
	case BuiltinListen:
		port, ok := num(0)
		if !ok || port < 1 || port > 65535 {
			return vm.typeFault(th, "listen: the port must be an int from 1 to 65535"), false
		}
		fd := m.Listen(p, port)
		if fd < 0 {
			return vm.badCall(th, runtime.CatIPC, "listen", call, fmt.Sprintf("EADDRINUSE: port %d of host %s is taken", port, p.Host), n)
		}
		return done(mem.IntValue(int64(fd)), runtime.CatIPC, fmt.Sprintf("listening on %s:%d", p.Host, port))
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
		fd := m.Connect(p, host, port)
		if fd < 0 {
			return vm.badCall(th, runtime.CatIPC, "connect", call, fmt.Sprintf("ECONNREFUSED: nobody listens on %s:%d", host, port), n)
		}
		return done(mem.IntValue(int64(fd)), runtime.CatIPC, fmt.Sprintf("connected to %s:%d", host, port))
	case BuiltinAccept:
		f, why := vm.fdOf(th, args[0])
		if why == "" && f.Kind != runtime.FDListener {
			why = fmt.Sprintf("descriptor %d is the %s, not a listening socket", args[0].N, f.Describe())
		}
		if why != "" {
			return vm.badCall(th, runtime.CatIPC, "accept", call, why, n)
		}
		fd, ok := m.Accept(p, f.Listener)
		if !ok {
			vm.blockEvent(th, runtime.CatIPC, "accept", call)
			m.Block(th.rt, fmt.Sprintf("%s: no connection is waiting on port %d", call, f.Listener.Port), &f.Listener.Pending, nil)
			return runtime.StopBlock, false
		}
		return done(mem.IntValue(int64(fd)), runtime.CatIPC, "")
	}
	panic("proc: unknown builtin " + name)
}

// cwait releases the mutex and waits on the condition variable; once
// signalled, it takes the mutex again before returning.
func (vm *VM) cwait(th *threadCtx, args []mem.Value, call string) (runtime.Stop, bool) {
	m := vm.m
	p := th.rt.Proc
	c, why := p.SyncOf(args[0], runtime.HandleCond)
	if why != "" {
		return vm.typeFault(th, "cwait: "+why), false
	}
	mu, why := p.SyncOf(args[1], runtime.HandleMutex)
	if why != "" {
		return vm.typeFault(th, "cwait: "+why), false
	}
	if !th.cwaiting {
		// Phase 1: release the mutex and sleep on the condition.
		if !m.Unlock(th.rt, mu.Mutex) {
			return vm.kill(th, runtime.SIGABRT, "bad-unlock", fmt.Sprintf("bad unlock: %s without holding %s", call, args[1]), vm.at(th)), false
		}
		th.cwaiting = true
		if vm.race != nil {
			vm.race.release(th.rt, mu.Mutex)
		}
		vm.blockEvent(th, runtime.CatSync, "cwait", call)
		m.Block(th.rt, fmt.Sprintf("%s: waiting for a signal on %s", call, args[0]), &c.Cond.Waiters, nil)
		return runtime.StopBlock, false
	}
	// Phase 2: signalled; take the mutex back (may wait for it).
	if !m.Lock(th.rt, mu.Mutex, call+" (taking the mutex back)") {
		return runtime.StopBlock, false
	}
	th.cwaiting = false
	if vm.race != nil {
		vm.race.acquire(th.rt, c.Cond)
		vm.race.acquire(th.rt, mu.Mutex)
	}
	th.sp -= 2
	vm.ipcEvent(th, runtime.CatSync, "cwait", th.resultText(call, "nil"), 0)
	th.push(mem.NilValue)
	return 0, true
}
