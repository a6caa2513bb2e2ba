package interp

import "fmt"

// Op is a VM operation.
//
// What the rest of the package knows about an operation is in its entry
// of opInfo: its name, what its operands A and B are, what it takes off
// the operand stack and puts on it, what of it another thread can observe
// and whether the fast path runs it. The compiler, the two dispatch loops,
// the insn trace, explore and the disassembler read those facts there;
// what the operation does is in the dispatch loops: VM.run, its rarer
// cases in VM.slow, and fastRun for those the facts mark fast. TestOpTable
// checks that the facts and the loops agree.
//
// To add an operation: a constant below, its entry in opInfo, its case in
// VM.run or VM.slow (and in fastRun if it is fast), and the compiler code
// that emits it.
type Op uint8

// The VM's operations. Operands: A and B of the instruction.
const (
	OpNop       Op = iota
	OpConst        // push consts[A]
	OpInt          // push int A
	OpNil          // push nil
	OpTrue         // push true
	OpFalse        // push false
	OpPop          // drop the top
	OpLoadL        // push local slot A
	OpStoreL       // pop into local slot A
	OpLoadG        // push global A (B: 0 data, 1 bss)
	OpStoreG       // pop into global A (B: 0 data, 1 bss)
	OpAddrL        // push the address of local slot A
	OpAddrG        // push the address of global A (B as for OpLoadG)
	OpAddrF        // push the text address of function A
	OpLoad         // pop an address, push the word there
	OpStore        // pop a value, pop an address, store
	OpIndexAddr    // pop i, pop p, push p + 8*i
	OpFieldAddr    // pop an object, push the address of field consts[A]
	OpAdd
	OpSub
	OpMul
	OpDiv
	OpMod
	OpEq
	OpNe
	OpLt
	OpLe
	OpGt
	OpGe
	OpNeg
	OpNot
	OpJmp     // jump to A
	OpJmpF    // pop; jump to A if false
	OpJmpT    // pop; jump to A if true
	OpCall    // call function A with B arguments
	OpRet     // pop the result, return
	OpBuiltin // builtin A with B arguments
	OpPrint   // pop A values, print them
	OpAssert  // A=1: pop message; pop condition
	OpAlloc   // pop n, push a pointer to n zeroed bytes or nil
	OpFree    // pop a pointer, free it
	OpObject  // pop the field values of shape A, push a new object
	OpArray   // pop A values, push a new array
	OpShow    // show view A
	OpExit    // pop a status, end the process
	OpYield   // give up the CPU
	OpCompute // pop n, use n ticks of CPU
	OpSpawn   // spawn or thread: site A (see Program.Spawns)
	OpFork    // push 0 in the child, the child's pid in the parent
	OpJoin    // pop a tid, push the thread's result (blocks)
	OpWait    // pop a pid, push the child's exit status (blocks)
	OpSleep   // pop n, block for n ticks (A=1: io)
	OpSend    // pop [prio if A=1], value, target; send (may block)
	OpRecv    // pop [max if A=1], source; push what was received (may block)
	OpClose   // pop a descriptor, close it
	OpLock    // pop a mutex, lock it (may block)
	OpUnlock  // pop a mutex, unlock it
	OpPipe    // push the read and write descriptors of a new pipe
	OpHalt    // the end of a REPL input: the shell thread waits for the next one
	OpEcho    // pop a value for the REPL to show (A=0: not when nil)
	OpForLt   // for-loop test: if local A >= local A-1 (the end), jump to B
	OpIncJmp  // for-loop step: local A = local A + 1, jump to B
	OpCmpJmpF // pop y, pop x; jump to A unless x OP y, OP = Op(B) (a comparison)
	OpAddI    // top = top + A (an int constant; B=1 when written as a subtraction)
	OpDup     // push the top again (the address of a compound assignment's target)
	numOps
)

// operand is what an instruction's A or B stands for.
type operand uint8

const (
	oNone    operand = iota // unused (0)
	oInt                    // an int constant
	oConst                  // an index into Program.Consts
	oSlot                   // a slot of the running frame
	oGlobal                 // a word of the data or bss segment (the other operand says which)
	oSeg                    // 0: the data segment, 1: bss
	oFunc                   // an index into Program.Funcs
	oBuiltin                // an index into Builtins
	oShape                  // an index into Program.Shapes: its fields' values are popped
	oSite                   // an index into Program.Spawns: its arguments and with-values are popped
	oView                   // the view to show: an index into grammar.ShowTargets
	oTarget                 // a jump target: an instruction of the same function
	oCount                  // a number of values popped
	oMore                   // 1: one more value is popped (an optional operand), else 0
	oFlag                   // 0 or 1: a variant of the operation
	oCmp                    // a comparison, an Op whose facts say cmp
)

// flow is where control goes after an instruction.
type flow uint8

const (
	flowNext   flow = iota // to the next instruction
	flowBranch             // to its target or to the next instruction
	flowJump               // to its target
	flowEnd                // nowhere in this frame: a return, or the process ends
)

// sharing is what of an operation another thread can observe. An
// operation with any is a scheduling point of explore (see visible), and
// says which others it does not commute with (see VM.Next).
type sharing uint8

const (
	shNone    sharing = iota // nothing: only the thread's operand stack and frame slots
	shGlobal                 // the word of global A (a write if the facts say writes)
	shMem                    // the word at the address that is its first operand
	shOutput                 // the program's output, whose order is observable
	shIDs                    // the pid, tid and handle numbers it takes
	shTime                   // timers
	shSync                   // the mutex, semaphore or condition variable of its first operand
	shFD                     // what the descriptor of its first operand is open on
	shThread                 // the thread whose tid is its first operand (its end)
	shNames                  // host names: queues, segments, files, ports
	shAll                    // anything: the heap, the processes, the whole machine
	shBuiltin                // what its builtin's facts say (Builtins[A])
	shEnd                    // nothing, unless it returns from the thread's first frame: its end
)

// opFacts are what is known of an operation, by the compiler, the
// dispatch loops, explore and the race detector.
type opFacts struct {
	name string // in the disassembly and the insn trace
	sym  string // the source operator of a binary operation, or ""
	// a and b are what the instruction's A and B stand for.
	a, b operand
	// traceA: the insn trace shows A after the name (as a name for a
	// constant, slot, global, function or builtin, else as a number).
	traceA bool
	// pop and push are how many values the operation takes off the
	// operand stack and puts back: pop, and more as A and B say (see
	// Program.stackUse). Its first operand is the deepest value it pops.
	pop, push int8
	flow      flow
	shared    sharing
	// writes: its access to shared memory (shGlobal, shMem) is a write.
	writes bool
	// fast: fastRun runs it, when its operands are ints (and a store to
	// a slot while no page is shared copy-on-write, a call or return
	// that is not traced and stays within the stack and the thread).
	fast bool
	// arith: fastRun computes it on two ints (see arith), and a fused
	// step may end in it.
	arith bool
	// cmp: a comparison; OpCmpJmpF jumps on it (see compareInts).
	cmp bool
	// slow: VM.run hands it to VM.slow. It may call the kernel and end
	// the thread's turn; a thread alone brings its budget up to date
	// before it.
	slow bool
}

// opInfo holds the facts of every operation.
var opInfo = [numOps]opFacts{
	OpNop:       {name: "nop", fast: true},
	OpConst:     {name: "const", a: oConst, traceA: true, push: 1, fast: true},
	OpInt:       {name: "int", a: oInt, traceA: true, push: 1, fast: true},
	OpNil:       {name: "nil", push: 1, fast: true},
	OpTrue:      {name: "true", push: 1, fast: true},
	OpFalse:     {name: "false", push: 1, fast: true},
	OpPop:       {name: "pop", pop: 1, fast: true},
	OpLoadL:     {name: "loadl", a: oSlot, traceA: true, push: 1, fast: true},
	OpStoreL:    {name: "storel", a: oSlot, traceA: true, pop: 1, fast: true},
	OpLoadG:     {name: "loadg", a: oGlobal, b: oSeg, traceA: true, push: 1, shared: shGlobal},
	OpStoreG:    {name: "storeg", a: oGlobal, b: oSeg, traceA: true, pop: 1, shared: shGlobal, writes: true},
	OpAddrL:     {name: "addrl", a: oSlot, traceA: true, push: 1},
	OpAddrG:     {name: "addrg", a: oGlobal, b: oSeg, traceA: true, push: 1},
	OpAddrF:     {name: "addrf", a: oFunc, traceA: true, push: 1},
	OpLoad:      {name: "load", pop: 1, push: 1, shared: shMem},
	OpStore:     {name: "store", pop: 2, shared: shMem, writes: true},
	OpIndexAddr: {name: "indexaddr", pop: 2, push: 1},
	OpFieldAddr: {name: "fieldaddr", a: oConst, pop: 1, push: 1},
	OpAdd:       {name: "add", sym: "+", pop: 2, push: 1, fast: true, arith: true},
	OpSub:       {name: "sub", sym: "-", pop: 2, push: 1, fast: true, arith: true},
	OpMul:       {name: "mul", sym: "*", pop: 2, push: 1, fast: true, arith: true},
	OpDiv:       {name: "div", sym: "/", pop: 2, push: 1},
	OpMod:       {name: "mod", sym: "%", pop: 2, push: 1},
	OpEq:        {name: "eq", sym: "==", pop: 2, push: 1, fast: true, arith: true, cmp: true},
	OpNe:        {name: "ne", sym: "!=", pop: 2, push: 1, fast: true, arith: true, cmp: true},
	OpLt:        {name: "lt", sym: "<", pop: 2, push: 1, fast: true, arith: true, cmp: true},
	OpLe:        {name: "le", sym: "<=", pop: 2, push: 1, fast: true, arith: true, cmp: true},
	OpGt:        {name: "gt", sym: ">", pop: 2, push: 1, fast: true, arith: true, cmp: true},
	OpGe:        {name: "ge", sym: ">=", pop: 2, push: 1, fast: true, arith: true, cmp: true},
	OpNeg:       {name: "neg", pop: 1, push: 1, fast: true},
	OpNot:       {name: "not", pop: 1, push: 1, fast: true},
	OpJmp:       {name: "jmp", a: oTarget, traceA: true, flow: flowJump, fast: true},
	OpJmpF:      {name: "jmpf", a: oTarget, traceA: true, pop: 1, flow: flowBranch, fast: true},
	OpJmpT:      {name: "jmpt", a: oTarget, traceA: true, pop: 1, flow: flowBranch, fast: true},
	OpCall:      {name: "call", a: oFunc, b: oCount, traceA: true, push: 1, fast: true},
	OpRet:       {name: "ret", pop: 1, flow: flowEnd, shared: shEnd, fast: true},
	OpBuiltin:   {name: "builtin", a: oBuiltin, b: oCount, traceA: true, push: 1, shared: shBuiltin, slow: true},
	OpPrint:     {name: "print", a: oCount, traceA: true, shared: shOutput, slow: true},
	OpAssert:    {name: "assert", a: oMore, pop: 1, slow: true},
	OpAlloc:     {name: "alloc", pop: 1, push: 1, shared: shAll, slow: true},
	OpFree:      {name: "free", pop: 1, shared: shAll, slow: true},
	OpObject:    {name: "object", a: oShape, push: 1, shared: shAll, slow: true},
	OpArray:     {name: "array", a: oCount, push: 1, shared: shAll, slow: true},
	OpShow:      {name: "show", a: oView, shared: shAll, slow: true},
	OpExit:      {name: "exit", pop: 1, flow: flowEnd, shared: shAll, slow: true},
	OpYield:     {name: "yield", shared: shTime, slow: true},
	OpCompute:   {name: "compute", pop: 1, slow: true},
	OpSpawn:     {name: "spawn", a: oSite, push: 1, shared: shIDs, slow: true},
	OpFork:      {name: "fork", push: 1, shared: shAll, slow: true},
	OpJoin:      {name: "join", pop: 1, push: 1, shared: shThread, slow: true},
	OpWait:      {name: "wait", pop: 1, push: 1, shared: shAll, slow: true},
	OpSleep:     {name: "sleep", a: oFlag, pop: 1, shared: shAll, slow: true},
	OpSend:      {name: "send", a: oMore, pop: 2, shared: shFD, slow: true},
	OpRecv:      {name: "recv", a: oMore, pop: 1, push: 1, shared: shFD, slow: true},
	OpClose:     {name: "close", pop: 1, shared: shFD, slow: true},
	OpLock:      {name: "lock", pop: 1, shared: shSync, slow: true},
	OpUnlock:    {name: "unlock", pop: 1, shared: shSync, slow: true},
	OpPipe:      {name: "pipe", push: 2, shared: shIDs, slow: true},
	OpHalt:      {name: "halt", slow: true},
	OpEcho:      {name: "echo", a: oFlag, pop: 1, slow: true},
	OpForLt:     {name: "forlt", a: oSlot, b: oTarget, flow: flowBranch, fast: true},
	OpIncJmp:    {name: "incjmp", a: oSlot, b: oTarget, flow: flowJump, fast: true},
	OpCmpJmpF:   {name: "cmpjmpf", a: oTarget, b: oCmp, pop: 2, flow: flowBranch, fast: true},
	OpAddI:      {name: "addi", a: oInt, b: oFlag, pop: 1, push: 1, fast: true},
	OpDup:       {name: "dup", pop: 1, push: 2, fast: true},
}

func (o Op) String() string {
	if o < numOps && opInfo[o].name != "" {
		return opInfo[o].name
	}
	return fmt.Sprintf("op%d", o)
}

// binaryOps maps a binary operator of the source to its operation.
var binaryOps = func() map[string]Op {
	m := map[string]Op{}
	for op := range numOps {
		if s := opInfo[op].sym; s != "" {
			m[s] = op
		}
	}
	return m
}()

// opOf returns the operation of a binary operator, or OpNop.
func opOf(s string) Op { return binaryOps[s] }

// opSymbol returns how op is written in the source: its operator, or its
// name.
func opSymbol(op Op) string {
	if op < numOps && opInfo[op].sym != "" {
		return opInfo[op].sym
	}
	return op.String()
}

// stackUse returns how many values in takes off the operand stack and
// how many it puts back.
func (p *Program) stackUse(in Instr) (pop, push int) {
	f := &opInfo[in.Op]
	pop, push = int(f.pop), int(f.push)
	switch f.a {
	case oCount, oMore:
		pop += int(in.A)
	case oShape:
		pop += len(p.Shapes[in.A].Fields)
	case oSite:
		s := p.Spawns[in.A]
		pop += s.NArgs + len(s.With)
	}
	if f.b == oCount {
		pop += int(in.B) // no B stands for a shape, a site or more
	}
	return pop, push
}

// target returns the jump target of in, and false if it has none.
func target(in Instr) (int, bool) {
	switch f := &opInfo[in.Op]; {
	case f.a == oTarget:
		return int(in.A), true
	case f.b == oTarget:
		return int(in.B), true
	}
	return 0, false
}

// visible reports whether in is a scheduling point for explore: whether
// another thread can observe it.
func visible(th *threadCtx, in Instr) bool {
	switch opInfo[in.Op].shared {
	case shNone:
		return false
	case shBuiltin:
		return Builtins[in.A].shared != shNone
	case shEnd:
		return len(th.frames) == 1 // the end of a thread is observable
	}
	return true
}
