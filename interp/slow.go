package interp

import (
	"fmt"
	"strings"

	"proc/runtime"
	"proc/runtime/mem"
)

// slow runs the operations that are not on the hot path. It returns ok=false
// with the reason when the thread's turn ends.
func (vm *VM) slow(th *threadCtx, in Instr) (runtime.Stop, bool) {
	m := vm.m
	switch in.Op {
	case OpBuiltin:
		if in.A >= BuiltinPipe {
			return vm.retry(th, func(th *threadCtx) (runtime.Stop, bool) { return vm.ipcBuiltin(th, int(in.A), int(in.B)) })
		}
		return vm.builtin(th, int(in.A), int(in.B))
	case OpPrint:
		n := int(in.A)
		parts := make([]string, n)
		for i, v := range th.ops[th.sp-n : th.sp] {
			parts[i] = format(v)
		}
		th.sp -= n
		text := strings.Join(parts, " ")
		if why := vm.stdoutClosed(th); why != "" {
			// A write to a closed descriptor fails with EBADF and writes
			// nothing; only the trace tells.
			vm.ipcEvent(th, runtime.CatIPC, "write", "write(1, "+quote(mem.StrValue(text+"\n"))+") = nil  ("+why+")", 0,
				runtime.Field{Key: "fd", Val: 1}, runtime.Field{Key: "error", Val: why})
			return 0, true
		}
		if !m.Print(th.rt, text) {
			return runtime.StopLimit, false
		}
	case OpAssert:
		var msg string
		if in.A == 1 {
			th.sp--
			msg = format(th.ops[th.sp])
		}
		th.sp--
		if truth(th.ops[th.sp]) {
			return 0, true
		}
		what := "assertion failed"
		if msg != "" {
			what += ": " + msg
		}
		vm.assertFailed = true
		return vm.kill(th, runtime.SIGABRT, "assert", what, vm.at(th)), false
	case OpAlloc:
		n := th.ops[th.sp-1]
		if n.K != mem.Int {
			return vm.typeFault(th, fmt.Sprintf("alloc takes a number of bytes (an int), not %s", n.K)), false
		}
		th.ops[th.sp-1] = vm.alloc(th, n.N, "alloc", objInfo{}, false)
		if h, _ := m.Halted(); h != runtime.NotHalted {
			return runtime.StopLimit, false
		}
	case OpFree:
		th.sp--
		return vm.free(th, th.ops[th.sp])
	case OpObject:
		shape := vm.prog.Shapes[in.A]
		n := len(shape.Fields)
		return vm.newObject(th, n, objInfo{shape: shape, n: n})
	case OpArray:
		n := int(in.A)
		return vm.newObject(th, n, objInfo{n: n})
	case OpShow:
		vm.show(th, int(in.A))
	case OpExit:
		th.sp--
		v := th.ops[th.sp]
		status := 0
		if v.K == mem.Int {
			status = int(v.N)
		} else if v.K != mem.Nil {
			return vm.typeFault(th, fmt.Sprintf("exit takes an int status, not %s", v.K)), false
		}
		m.ExitProcess(th.rt, status)
		return runtime.StopDead, false
	case OpYield:
		if m.Tracer().On(runtime.CatSched) {
			m.Emit(th.rt, &runtime.Event{Cat: runtime.CatSched, Ev: "yield", Text: "yield"})
		}
	case OpCompute:
		th.sp--
		v := th.ops[th.sp]
		if why := badTicks("compute", v); why != "" {
			return vm.typeFault(th, why), false
		}
		if v.N > 0 {
			if m.Tracer().On(runtime.CatSched) {
				m.Emit(th.rt, &runtime.Event{Cat: runtime.CatSched, Ev: "compute", Text: fmt.Sprintf("compute %d", v.N),
					Fields: []runtime.Field{{Key: "ticks", Val: v.N}}})
			}
			th.computeLeft = v.N
		}
	case OpSpawn:
		return vm.spawn(th, vm.prog.Spawns[in.A])
	case OpFork:
		return vm.fork(th)
	case OpJoin:
		return vm.retry(th, vm.join)
	case OpWait:
		return vm.retry(th, vm.wait)
	case OpSleep:
		return vm.sleep(th, in.A == 1)
	case OpSend:
		return vm.retry(th, func(th *threadCtx) (runtime.Stop, bool) { return vm.send(th, in.A == 1) })
	case OpRecv:
		return vm.retry(th, func(th *threadCtx) (runtime.Stop, bool) { return vm.recv(th, in.A == 1) })
	case OpClose:
		return vm.closeFD(th)
	case OpLock:
		return vm.retry(th, vm.lock)
	case OpUnlock:
		return vm.unlock(th)
	case OpPipe:
		return vm.pipe(th)
	case OpHalt:
		return vm.halt(th)
	case OpEcho:
		vm.echo(th, in.A == 1)
	default:
		panic(fmt.Sprintf("proc: unknown operation %v", in.Op))
	}
	return 0, true
}

// stdoutClosed says why print cannot write to the terminal, or "": print
// writes to descriptor 1, which close can take away, and which pipe,
// mqueue or a socket may then reuse.
func (vm *VM) stdoutClosed(th *threadCtx) string {
	f, ok := th.rt.Proc.FD(1)
	if !ok {
		return vm.errText(th, runtime.EBADF, 1)
	}
	if f.Kind != runtime.FDStd {
		return "descriptor 1 is the " + f.Describe() + ", not the terminal: print writes only to the terminal"
	}
	return ""
}

// MaxTicks bounds one compute, sleep or io, so the clock cannot overflow.
const MaxTicks = 1 << 40

// badTicks says why v is not a time that compute, sleep or io (name) can
// take, or returns "" when it is one. A negative time is a mistake, not a
// time of 0: skipping it silently would hide it.
func badTicks(name string, v mem.Value) string {
	switch {
	case v.K != mem.Int:
		return fmt.Sprintf("%s takes a number of ticks (an int), not %s", name, v.K)
	case v.N < 0:
		return fmt.Sprintf("%s %d: a number of ticks cannot be negative", name, v.N)
	case v.N > MaxTicks:
		return fmt.Sprintf("%s %d: more than %d ticks at once", name, v.N, int64(MaxTicks))
	}
	return ""
}

// builtin calls builtin b with n arguments on the operand stack.
func (vm *VM) builtin(th *threadCtx, b, n int) (runtime.Stop, bool) {
	args := th.ops[th.sp-n : th.sp]
	var r mem.Value
	switch b {
	case BuiltinLen:
		x := args[0]
		switch {
		case x.K == mem.Str:
			r = mem.IntValue(int64(len(x.S)))
		case isNum(x):
			if info, ok := th.proc.objects[uint64(x.N)]; ok {
				r = mem.IntValue(int64(info.n))
			} else if blk, st := th.proc.heap.Find(uint64(x.N)); st == mem.AddrLive && blk.Addr == uint64(x.N) {
				r = mem.IntValue(int64(blk.Size / 8))
			} else {
				return vm.typeFault(th, fmt.Sprintf("len: %s is not the start of an array, object or heap block", format(x))), false
			}
		default:
			return vm.typeFault(th, fmt.Sprintf("len of %s", x.K)), false
		}
	case BuiltinStr:
		r = mem.StrValue(format(args[0]))
	case BuiltinGetpid:
		r = mem.IntValue(int64(th.rt.Proc.PID))
	case BuiltinGettid:
		r = mem.IntValue(int64(th.rt.TID))
	case BuiltinNow:
		vm.m.UseClock()
		r = mem.IntValue(vm.m.Now())
	case BuiltinPaddr:
		x := args[0]
		if !isNum(x) {
			return vm.typeFault(th, fmt.Sprintf("paddr of %s (want a pointer)", x.K)), false
		}
		// Frame numbers tell the order of every process's allocations.
		vm.m.UseClock()
		r = mem.NilValue
		if pa, ok := th.rt.Proc.Space.Translate(uint64(x.N)); ok {
			r = mem.PtrValue(pa)
		}
	case BuiltinXchg, BuiltinFetchAdd, BuiltinCas:
		v, stop, ok := vm.atomic(th, b, args)
		if !ok {
			return stop, false
		}
		r = v
	default:
		panic("proc: builtin not supported: " + Builtins[b].Name)
	}
	th.sp -= n
	th.push(r)
	return 0, true
}

// alloc allocates n zeroed bytes on the thread's process heap and returns a
// pointer, or nil when the heap cannot grow (heap_max) or n is negative.
func (vm *VM) alloc(th *threadCtx, n int64, what string, info objInfo, isObj bool) mem.Value {
	m := vm.m
	pc := th.proc
	if n < 0 {
		// malloc takes a size_t: a negative size is a huge one, which no
		// heap can give.
		if m.Tracer().On(runtime.CatMem) {
			m.Emit(th.rt, &runtime.Event{Cat: runtime.CatMem, Ev: "alloc", Text: fmt.Sprintf("%s(%d) = nil  negative size (as malloc's size_t it is %d bytes, beyond heap_max %d)", what, n, uint64(n), m.Config().HeapMax),
				Fields: []runtime.Field{{Key: "size", Val: n}, {Key: "addr", Val: nil}, {Key: "error", Val: "negative size"}}})
		}
		return mem.NilValue
	}
	blk, ok := pc.heap.Alloc(uint64(n))
	if !ok {
		if m.Tracer().On(runtime.CatMem) {
			why := fmt.Sprintf("heap %d/%d, heap_max %d", pc.heap.InUse(), pc.heap.Size(), m.Config().HeapMax)
			if pc.heap.MeterRefused() {
				why = fmt.Sprintf("the machine's memory is spent: max_memory %d", m.Config().MaxMemory)
			}
			m.Emit(th.rt, &runtime.Event{Cat: runtime.CatMem, Ev: "alloc", Text: fmt.Sprintf("%s(%d) = nil  out of memory (%s)", what, n, why),
				Fields: []runtime.Field{{Key: "size", Val: n}, {Key: "addr", Val: nil}}})
		}
		return mem.NilValue
	}
	m.SyncHeap(pc.rt)
	seg := pc.space.HeapSeg
	// Fresh memory reads as zero, whatever the block's previous owner left.
	// Only words that were stored to exist; clearing them is work the
	// copy budget counts, as a memset would be.
	if lo, hi := max(blk.Addr&^7, seg.Start), blk.Addr+blk.Size; hi > lo {
		i0 := seg.Index(lo)
		i1 := min(i0+int((hi-lo+7)/8), len(seg.Words))
		if i0 < i1 {
			clear(seg.Words[i0:i1])
			if !m.Copy(8 * int64(i1-i0)) {
				return mem.NilValue
			}
		}
	}
	if len(seg.Odd) > 0 {
		if chunk := blk.End - blk.Start; chunk < uint64(len(seg.Odd)) {
			for a := blk.Start; a < blk.End; a++ {
				delete(seg.Odd, a)
			}
		} else {
			for a := range seg.Odd {
				if a >= blk.Start && a < blk.End {
					delete(seg.Odd, a)
				}
			}
		}
	}
	pc.allocs++
	pc.allocAt.put(blk.ID, th)
	if isObj {
		pc.objects[blk.Addr] = info
	}
	pc.recharge(m.Memory())
	if m.Tracer().On(runtime.CatMem) {
		text := fmt.Sprintf("%s(%d) = %s", what, n, mem.Hex(blk.Addr))
		if isObj && info.shape != nil {
			text = fmt.Sprintf("object {%s} = %s (%d bytes)", strings.Join(info.shape.Fields, ", "), mem.Hex(blk.Addr), n)
		} else if isObj {
			text = fmt.Sprintf("array [%d] = %s (%d bytes)", info.n, mem.Hex(blk.Addr), n)
		}
		m.Emit(th.rt, &runtime.Event{Cat: runtime.CatMem, Ev: "alloc", Text: pad(text, 44) + heapUse(pc.heap),
			Fields: []runtime.Field{{Key: "size", Val: n}, {Key: "addr", Val: runtime.Addr(blk.Addr)}, {Key: "heap_used", Val: pc.heap.InUse()}, {Key: "heap_size", Val: pc.heap.Size()}}})
	}
	return mem.PtrValue(blk.Addr)
}

func heapUse(h *mem.Heap) string {
	return fmt.Sprintf("heap %d/%d", h.InUse(), h.Size())
}

func pad(s string, n int) string {
	if len(s) >= n {
		return s + "  "
	}
	return s + strings.Repeat(" ", n-len(s))
}

// newObject allocates an object or array literal and fills it with the n
// values on the operand stack.
func (vm *VM) newObject(th *threadCtx, n int, info objInfo) (runtime.Stop, bool) {
	size := int64(n) * 8
	p := vm.alloc(th, size, "alloc", info, true)
	if h, _ := vm.m.Halted(); h != runtime.NotHalted {
		return runtime.StopLimit, false
	}
	vals := th.ops[th.sp-n : th.sp]
	if p.K == mem.Ptr {
		for i, v := range vals {
			if f := th.proc.space.Store(uint64(p.N)+8*uint64(i), v); f != nil {
				return vm.memFault(th, f), false
			}
		}
	}
	th.sp -= n
	th.push(p)
	return 0, true
}

// free returns a block to the heap, or kills the process for an invalid or
// double free, as a memory checker would.
func (vm *VM) free(th *threadCtx, p mem.Value) (runtime.Stop, bool) {
	m := vm.m
	pc := th.proc
	if p.K == mem.Nil || (p.K == mem.Int && p.N == 0) {
		return 0, true // free(NULL) does nothing, as in C
	}
	if !isNum(p) {
		return vm.typeFault(th, fmt.Sprintf("free takes a pointer, not %s", p.K)), false
	}
	addr := uint64(p.N)
	blk, res := pc.heap.Free(addr)
	switch res {
	case mem.FreeDouble:
		more := []string{"at " + th.where().String()}
		more = append(more, vm.blockStory(pc, blk, addr)...)
		return vm.kill(th, runtime.SIGABRT, string(mem.FaultDoubleFree), fmt.Sprintf("double-free: free(%s) of a block already freed", mem.Hex(addr)), more), false
	case mem.FreeInvalid:
		more := []string{"at " + th.where().String()}
		if b, st := pc.heap.Find(addr); b.ID != 0 && (st == mem.AddrLive || st == mem.AddrHeader || st == mem.AddrPadding) {
			more = append(more, vm.blockStory(pc, b, addr)...)
		} else {
			more = append(more, fmt.Sprintf("%s is not the start of a block returned by alloc", mem.Hex(addr)))
			more = append(more, vm.elsewhere(th, addr)...)
		}
		return vm.kill(th, runtime.SIGABRT, string(mem.FaultInvalidFree), fmt.Sprintf("invalid-free: free(%s) of an address that is not the start of a live block", mem.Hex(addr)), more), false
	}
	pc.freeAt.put(blk.ID, th)
	delete(pc.objects, addr)
	pc.recharge(vm.m.Memory())
	if m.Tracer().On(runtime.CatMem) {
		m.Emit(th.rt, &runtime.Event{Cat: runtime.CatMem, Ev: "free", Text: pad(fmt.Sprintf("free(%s)", mem.Hex(addr)), 44) + heapUse(pc.heap),
			Fields: []runtime.Field{{Key: "addr", Val: runtime.Addr(addr)}, {Key: "size", Val: blk.Size}, {Key: "heap_used", Val: pc.heap.InUse()}, {Key: "heap_size", Val: pc.heap.Size()}}})
	}
	return 0, true
}

// blockStory tells where addr lies relative to blk, and where the block was
// freed and allocated, in a memory checker's words.
func (vm *VM) blockStory(pc *procCtx, blk mem.Block, addr uint64) []string {
	var out []string
	pos, off := blk.Relate(addr)
	state := "a block"
	if !blk.Live {
		state = "a freed block"
	}
	switch pos {
	case mem.PosBefore:
		out = append(out, fmt.Sprintf("%s is %d bytes before %s of %d bytes at %s", mem.Hex(addr), off, state, blk.Size, mem.Hex(blk.Addr)))
	case mem.PosInside:
		out = append(out, fmt.Sprintf("%s is %d bytes inside %s of %d bytes at %s", mem.Hex(addr), off, state, blk.Size, mem.Hex(blk.Addr)))
	default:
		out = append(out, fmt.Sprintf("%s is %d bytes after %s of %d bytes at %s", mem.Hex(addr), off, state, blk.Size, mem.Hex(blk.Addr)))
	}
	if s, ok := pc.freeAt.get(blk.ID); ok && !blk.Live {
		out = append(out, "freed at "+s.String())
	}
	if s, ok := pc.allocAt.get(blk.ID); ok {
		out = append(out, "allocated at "+s.String())
	}
	return out
}

// elsewhere tells what addr names in the other live processes, for a
// report on an address that names nothing in th's process: a pointer is
// a number that means something only in the address space it was taken
// in, and a process that hands one to another hands over the number. The
// kernel cannot know where a value came from, only what the address is
// in each live process now, so that is what the lines say, for at most
// three processes.
func (vm *VM) elsewhere(th *threadCtx, addr uint64) []string {
	const most = 3
	self := th.rt.Proc
	var out []string
	n := 0
	for _, p := range vm.m.Running() {
		if p == self {
			continue
		}
		what := addrIn(p, addr)
		if what == "" {
			continue
		}
		if n++; n <= most {
			out = append(out, fmt.Sprintf("in process %d it is %s", p.PID, what))
		}
	}
	if n == 0 {
		return nil
	}
	if n > most {
		out = append(out, fmt.Sprintf("and it is live in %d more processes", n-most))
	}
	return append(out, fmt.Sprintf("an address is meaningful only in its own process: in process %d it names nothing", self.PID))
}

// addrIn says what addr is in p when p could use it — the user bytes of a
// live heap block, a live frame of a stack, a shared mapping — or "".
func addrIn(p *runtime.Process, addr uint64) string {
	s := p.Space.Find(addr)
	if s == nil {
		return ""
	}
	switch s.Kind {
	case mem.SegHeap:
		b, st := p.Heap.Find(addr)
		if st != mem.AddrLive {
			return ""
		}
		what := fmt.Sprintf("%d bytes inside a block of %d bytes at %s", addr-b.Addr, b.Size, mem.Hex(b.Addr))
		if pc, ok := p.Ctx.(*procCtx); ok {
			if site, ok := pc.allocAt.get(b.ID); ok {
				what += ", allocated at " + site.String()
			}
		}
		return what
	case mem.SegStack:
		if addr < s.SP {
			return ""
		}
		for _, t := range p.Threads {
			if t.Stack == s && t.State != runtime.ThreadDone {
				return fmt.Sprintf("in the stack of thread %d/%d, in a live frame", p.PID, t.TID)
			}
		}
		return fmt.Sprintf("in its copy of thread %d's stack, which fork left with no thread to run on it", s.TID)
	case mem.SegShm, mem.SegFile:
		return fmt.Sprintf("in its mapping of %s (%s-%s)", s.Name, mem.Hex(s.Start), mem.Hex(s.End))
	}
	return ""
}

// String formats a site as "main, line 12".
func (s site) String() string {
	if s.pos.Line == 0 {
		return s.fn
	}
	return fmt.Sprintf("%s, line %d", s.fn, s.pos.Line)
}

// kill ends the thread's process with a signal and a report.
func (vm *VM) kill(th *threadCtx, sig runtime.Signal, kind, what string, more []string) runtime.Stop {
	vm.m.Kill(th.rt, sig, kind, what, more, nil)
	return runtime.StopDead
}

// typeFault kills the process for an operation on values of the wrong type.
func (vm *VM) typeFault(th *threadCtx, what string) runtime.Stop {
	return vm.kill(th, runtime.SIGABRT, "type-error", "type error: "+what, vm.at(th))
}

// fieldFault reports o.name where o is not an object.
func (vm *VM) fieldFault(th *threadCtx, o mem.Value, name string, info objInfo, known bool) runtime.Stop {
	if isNum(o) || o.K == mem.Nil {
		// Touch the memory first: a nil or freed object is a memory error.
		if _, f := th.proc.space.Load(uint64(o.N)); f != nil {
			return vm.memFault(th, f)
		}
	}
	if known && info.shape == nil {
		return vm.typeFault(th, fmt.Sprintf("%s is an array, not an object: it has no field %s", format(o), name))
	}
	return vm.typeFault(th, fmt.Sprintf("%s is not an object: it has no field %s", quote(o), name))
}

// memFault kills the process for an illegal memory access.
func (vm *VM) memFault(th *threadCtx, f *mem.Fault) runtime.Stop {
	pc := th.proc
	access := "read"
	if f.Write {
		access = "write"
	}
	w := th.where()
	more := []string{"at " + w.String()}
	var what string
	switch f.Kind {
	case mem.FaultSegv:
		what = fmt.Sprintf("segmentation fault: %s of 8 bytes at %s (%s)", access, mem.Hex(f.Addr), f.Why)
		if f.Addr < mem.PageSize {
			more = append(more, "a nil pointer (address 0) was dereferenced")
		}
		if f.Seg == nil {
			more = append(more, vm.elsewhere(th, f.Addr)...)
		}
	case mem.FaultWild:
		what = fmt.Sprintf("wild-pointer: %s of 8 bytes at %s", access, mem.Hex(f.Addr))
		more = append(more, fmt.Sprintf("Address %s is not stack'd, malloc'd or (recently) free'd", mem.Hex(f.Addr)))
		more = append(more, vm.elsewhere(th, f.Addr)...)
	case mem.FaultStackOverflow:
		what = fmt.Sprintf("stack overflow: %s at %s in the guard page below the stack", access, mem.Hex(f.Addr))
		if f.Seg != nil {
			more = append(more, fmt.Sprintf("the stack is %s-%s (stack_size=%d) and %d frames deep", mem.Hex(f.Seg.Start), mem.Hex(f.Seg.End), f.Seg.Size(), len(th.frames)))
		}
	case mem.FaultUseAfterFree:
		what = fmt.Sprintf("use-after-free: %s of 8 bytes at %s", access, mem.Hex(f.Addr))
		if f.HasBlock {
			more = append(more, vm.blockStory(pc, f.Block, f.Addr)...)
		}
	case mem.FaultHeapOverflow:
		what = fmt.Sprintf("heap-buffer-overflow: %s of 8 bytes at %s", access, mem.Hex(f.Addr))
		more = append(more, vm.blockStory(pc, f.Block, f.Addr)...)
	case mem.FaultStackUseAfterReturn:
		what = fmt.Sprintf("stack-use-after-return: %s of 8 bytes at %s", access, mem.Hex(f.Addr))
		if f.Seg != nil {
			more = append(more, fmt.Sprintf("%s is below the stack pointer %s: the frame that held it has returned", mem.Hex(f.Addr), mem.Hex(f.Seg.SP)))
		}
	default:
		what = fmt.Sprintf("%s: %s at %s", f.Kind, access, mem.Hex(f.Addr))
	}
	vm.m.Kill(th.rt, runtime.SIGSEGV, string(f.Kind), what, more, []runtime.Field{{Key: "addr", Val: runtime.Addr(f.Addr)}})
	return runtime.StopDead
}

// sourceText returns line n of src, trimmed, or "".
func sourceText(src []byte, n int) string {
	if n < 1 {
		return ""
	}
	return lineText(strings.Split(string(src), "\n"), n)
}

// lineText returns line n (1-based) of a source split into lines,
// trimmed, or "".
func lineText(lines []string, n int) string {
	if n < 1 || n > len(lines) {
		return ""
	}
	return strings.TrimSpace(lines[n-1])
}

// retry runs a blocking operation; when it blocks, the thread's pc goes
// back to the instruction so that it runs again when the thread wakes.
func (vm *VM) retry(th *threadCtx, op func(*threadCtx) (runtime.Stop, bool)) (runtime.Stop, bool) {
	stop, ok := op(th)
	if !ok && stop == runtime.StopBlock {
		th.top().pc--
	}
	return stop, ok
}
