package interp

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"proc/grammar"
	"proc/runtime"
	"proc/runtime/mem"
)

// TestOpTable checks that every operation has its facts and that they
// agree with each other.
func TestOpTable(t *testing.T) {
	t.Parallel()
	consts := constNames(t, "ops.go", "OpNop")
	if len(consts) != int(numOps)+1 || consts[numOps] != "numOps" {
		t.Fatalf("the Op constants are %v, not the operations and numOps", consts)
	}
	seen := map[string]Op{}
	var code []Instr
	for op := range numOps {
		f := &opInfo[op]
		want := strings.ToLower(strings.TrimPrefix(consts[op], "Op"))
		if f.name != want {
			t.Errorf("%s is named %q in opInfo, want %q", consts[op], f.name, want)
		}
		if prev, ok := seen[f.name]; ok {
			t.Errorf("%s and %s have the same name %q", consts[prev], consts[op], f.name)
		}
		seen[f.name] = op
		if op.String() != f.name {
			t.Errorf("%s prints as %q, not its name %q", consts[op], op, f.name)
		}
		code = append(code, Instr{Op: op})

		jumps := f.a == oTarget || f.b == oTarget
		if (f.flow == flowBranch || f.flow == flowJump) != jumps {
			t.Errorf("%s: flow %d, but a target operand: %v", f.name, f.flow, jumps)
		}
		if (f.a == oGlobal) != (f.b == oSeg) {
			t.Errorf("%s: a global operand goes with a segment operand", f.name)
		}
		for _, o := range []operand{f.a, f.b} {
			if o == oSeg && f.a != oGlobal {
				t.Errorf("%s: a segment operand without a global", f.name)
			}
		}
		if f.b == oShape || f.b == oSite || f.b == oMore {
			t.Errorf("%s: B cannot stand for a shape, a spawn site or one more operand (see stackUse)", f.name)
		}
		if f.traceA && f.a == oNone {
			t.Errorf("%s: the trace shows an A it does not have", f.name)
		}
		if f.sym != "" && (f.pop != 2 || f.push != 1 || opOf(f.sym) != op || opSymbol(op) != f.sym) {
			t.Errorf("%s: the binary operator %q takes two values and gives one", f.name, f.sym)
		}
		if f.cmp && !f.arith {
			t.Errorf("%s: a comparison fastRun does not compute (arith)", f.name)
		}
		if f.arith && (!f.fast || f.sym == "") {
			t.Errorf("%s: arith but not a fast binary operator", f.name)
		}
		if f.fast && (f.slow || (f.shared != shNone && f.shared != shEnd)) {
			// fastRun runs nothing another thread can observe: it
			// leaves a return from the first frame to the general loop.
			t.Errorf("%s: fast, but slow or observable", f.name)
		}
		if f.writes && f.shared != shGlobal && f.shared != shMem {
			t.Errorf("%s: writes, but not to memory", f.name)
		}
		if f.shared == shBuiltin && f.a != oBuiltin {
			t.Errorf("%s: shared as its builtin says, but A is not a builtin", f.name)
		}
		if f.flow == flowEnd && op != OpRet && op != OpExit {
			t.Errorf("%s: ends the frame", f.name)
		}
	}
	fn := &Func{Code: code}
	for i, line := range strings.Split(strings.TrimSuffix(fn.Disasm(), "\n"), "\n") {
		if fields := strings.Fields(line); len(fields) < 3 || fields[2] != opInfo[i].name {
			t.Errorf("the disassembly of %s is %q", consts[i], line)
		}
	}

	for b, bi := range Builtins {
		// VM.slow hands the builtins from BuiltinPipe on to the kernel.
		// paddr is no kernel call, but the frame it reads follows the
		// order of every process's allocations; the atomic instructions
		// are no kernel calls either, but they load and store the word
		// their first argument points at, as OpLoad and OpStore do.
		atomic := b == BuiltinXchg || b == BuiltinFetchAdd || b == BuiltinCas
		if (bi.shared != shNone) != (b >= BuiltinPipe || b == BuiltinPaddr || atomic) {
			t.Errorf("builtin %s: shared %d, but it is one of the kernel's: %v", bi.Name, bi.shared, b >= BuiltinPipe)
		}
		if (bi.shared == shMem) != atomic || bi.writes != atomic {
			t.Errorf("builtin %s: shared %d, writes %v: only the atomic instructions read and write memory", bi.Name, bi.shared, bi.writes)
		}
		if bi.shared == shMem && bi.MinArgs < 1 {
			// Its footprint is the word its first operand points at.
			t.Errorf("builtin %s: shared memory, but no first argument", bi.Name)
		}
	}

	fused := constNames(t, "fast.go", "fNone")
	if len(fusedForms) != len(fused) {
		t.Errorf("%d fused steps, %d forms", len(fused), len(fusedForms))
	}
	for fo, form := range fusedForms {
		if fo == int(fNone) {
			continue
		}
		if len(form) < 2 {
			t.Errorf("%s stands for %d instructions", fused[fo], len(form))
		}
		for _, op := range form {
			if op != anyArith && !opInfo[op].fast {
				t.Errorf("%s fuses %s, which is not fast", fused[fo], op)
			}
		}
	}
}

// constNames returns the names of the constants of the const block of
// file that starts with first, in order.
func constNames(t *testing.T, file, first string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST || len(g.Specs) == 0 || g.Specs[0].(*ast.ValueSpec).Names[0].Name != first {
			continue
		}
		var names []string
		for _, s := range g.Specs {
			names = append(names, s.(*ast.ValueSpec).Names[0].Name)
		}
		return names
	}
	t.Fatalf("%s: no const block starts with %s", file, first)
	return nil
}

// TestOpDispatch reads the dispatch loops and checks that they do what the
// facts say: VM.run runs every operation or hands it to VM.slow, which
// runs those the facts mark slow; fastRun runs those they mark fast (and
// the general loop has code for each of them too); fastRun computes the
// arith ones on ints; a fused step counts as many instructions as it
// stands for; and the race detector hears of the accesses to shared
// memory the facts name, reads and writes as they say.
func TestOpDispatch(t *testing.T) {
	t.Parallel()
	names := constNames(t, "ops.go", "OpNop")
	opNamed := map[string]Op{}
	for op := range numOps {
		opNamed[names[op]] = op
	}
	fusedNamed := map[string]fusedOp{}
	for i, n := range constNames(t, "fast.go", "fNone") {
		fusedNamed[n] = fusedOp(i)
	}
	set := func(keep func(*opFacts) bool) []Op {
		var ops []Op
		for op := range numOps {
			if keep(&opInfo[op]) {
				ops = append(ops, op)
			}
		}
		return ops
	}
	run := dispatch(t, "vm.go", "run", "Op")
	slow := dispatch(t, "slow.go", "slow", "Op")
	fast := dispatch(t, "fast.go", "fastRun", "Op")

	var all []Op
	for _, c := range run.cases {
		for _, n := range c.names {
			all = append(all, opNamed[n])
		}
	}
	var slowOps []Op
	for _, c := range slow.cases {
		for _, n := range c.names {
			all = append(all, opNamed[n])
			slowOps = append(slowOps, opNamed[n])
		}
	}
	slices.Sort(all)
	if want := set(func(*opFacts) bool { return true }); !slices.Equal(all, want) {
		t.Errorf("VM.run and VM.slow run %v, want every operation once: %v", all, want)
	}
	slices.Sort(slowOps)
	if want := set(func(f *opFacts) bool { return f.slow }); !slices.Equal(slowOps, want) {
		t.Errorf("VM.slow runs %v; the facts say slow: %v", slowOps, want)
	}

	var fastOps, arithOps []Op
	for _, c := range fast.cases {
		for _, n := range c.names {
			fastOps = append(fastOps, opNamed[n])
			if slices.Contains(c.names, "OpAdd") {
				arithOps = append(arithOps, opNamed[n])
			}
			if !slices.ContainsFunc(run.cases, func(rc dispatchCase) bool { return slices.Contains(rc.names, n) }) {
				t.Errorf("fastRun runs %s, which the general loop hands to VM.slow", n)
			}
		}
	}
	slices.Sort(fastOps)
	if want := set(func(f *opFacts) bool { return f.fast }); !slices.Equal(fastOps, want) {
		t.Errorf("fastRun runs %v; the facts say fast: %v", fastOps, want)
	}
	slices.Sort(arithOps)
	if want := set(func(f *opFacts) bool { return f.arith }); !slices.Equal(arithOps, want) {
		t.Errorf("fastRun computes %v on ints; the facts say arith: %v", arithOps, want)
	}

	steps := dispatch(t, "fast.go", "fastRun", "F")
	var stepsSeen []fusedOp
	for _, c := range steps.cases {
		for _, n := range c.names {
			fo := fusedNamed[n]
			stepsSeen = append(stepsSeen, fo)
			ast.Inspect(c.body, func(x ast.Node) bool {
				if a, ok := x.(*ast.AssignStmt); ok && a.Tok == token.SUB_ASSIGN && exprString(a.Lhs[0]) == "n" {
					if k, err := strconv.Atoi(exprString(a.Rhs[0])); err != nil || k != len(fusedForms[fo]) {
						t.Errorf("fastRun's %s counts n -= %s; it stands for %d instructions", n, exprString(a.Rhs[0]), len(fusedForms[fo]))
					}
				}
				return true
			})
		}
	}
	if len(stepsSeen) != len(fusedForms)-1 {
		t.Errorf("fastRun runs the fused steps %v, not each of the %d", stepsSeen, len(fusedForms)-1)
	}

	var raced []Op
	for _, c := range run.cases {
		ast.Inspect(c.body, func(x ast.Node) bool {
			call, ok := x.(*ast.CallExpr)
			if !ok || exprString(call.Fun) != "vm.race.access" {
				return true
			}
			write := exprString(call.Args[2]) == "true"
			for _, n := range c.names {
				op := opNamed[n]
				raced = append(raced, op)
				if opInfo[op].writes != write {
					t.Errorf("the race detector hears %s as a write: %v; the facts say writes: %v", n, write, opInfo[op].writes)
				}
			}
			return true
		})
	}
	slices.Sort(raced)
	if want := set(func(f *opFacts) bool { return f.shared == shGlobal || f.shared == shMem }); !slices.Equal(raced, want) {
		t.Errorf("the race detector hears of %v; the facts say shared memory: %v", raced, want)
	}
}

// dispatchCase is one case of a dispatch switch: the constants it
// lists, and its body.
type dispatchCase struct {
	names []string
	body  *ast.CaseClause
}

type dispatchSwitch struct{ cases []dispatchCase }

// dispatch returns the cases of the first switch on in.<field> in
// function fn of file, the outermost.
func dispatch(t *testing.T, file, fn, field string) dispatchSwitch {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var found *ast.SwitchStmt
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Name.Name != fn {
			continue
		}
		ast.Inspect(fd.Body, func(x ast.Node) bool {
			if sw, ok := x.(*ast.SwitchStmt); ok && found == nil && sw.Tag != nil && exprString(sw.Tag) == "in."+field {
				found = sw
			}
			return found == nil
		})
	}
	if found == nil {
		t.Fatalf("%s: no switch on in.%s in %s", file, field, fn)
	}
	var d dispatchSwitch
	for _, s := range found.Body.List {
		cc := s.(*ast.CaseClause)
		if cc.List == nil {
			continue
		}
		c := dispatchCase{body: cc}
		for _, e := range cc.List {
			c.names = append(c.names, exprString(e))
		}
		d.cases = append(d.cases, c)
	}
	return d
}

func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	case *ast.BasicLit:
		return e.Value
	}
	return fmt.Sprintf("%T", e)
}

// TestOpOperands compiles every program of opPrograms and a few REPL
// inputs and checks each instruction against its facts: its operands are
// what the facts say they are, the operand stack never runs dry, has the
// same depth wherever control meets, stays within the function's MaxStack
// and is empty where a frame or an input ends, and each fused step is the
// sequence its form says.
func TestOpOperands(t *testing.T) {
	t.Parallel()
	progs := opPrograms(t)
	compiled := 0
	for name, src := range progs {
		prog, err := Load(name, src)
		if err != nil {
			continue // a script that shows a compile error
		}
		compiled++
		for _, fn := range prog.Funcs {
			checkOperands(t, prog, fn)
			checkStack(t, prog, fn)
			checkFused(t, fn)
		}
	}
	if compiled < 40 {
		t.Fatalf("only %d programs compiled", compiled)
	}

	// The REPL compiles each input into a chunk of main of its own that
	// ends in OpHalt, and shows what a bare expression gives with OpEcho.
	var shown []string
	pr, err := NewPrompt(PromptOptions{Config: runtime.DefaultConfig(), Out: io.Discard,
		Echo: func(v mem.Value) { shown = append(shown, quote(v)) }})
	if err != nil {
		t.Fatal(err)
	}
	promptInput(t, pr, "")
	for _, in := range []string{"1 + 2", "let x = 3", "x", "func g(a) { return a * 2 }", "g(x)", "print x; x + 1", "let p = alloc 8"} {
		promptInput(t, pr, in)
	}
	for _, fn := range pr.Program().Funcs {
		checkOperands(t, pr.Program(), fn)
		checkStack(t, pr.Program(), fn)
		checkFused(t, fn)
	}
	if !slices.Contains(shown, "6") {
		t.Errorf("the REPL showed %q", shown)
	}
}

// promptInput compiles an input at the prompt, as the REPL does, and runs
// it in the shell thread until it parks ("" only runs the shell thread to
// the prompt). A bare expression is compiled as the REPL does, from
// "print (EXPR)".
func promptInput(t *testing.T, pr *Prompt, text string) {
	t.Helper()
	var u *Unit
	if text != "" {
		o := CompileOptions{Base: pr.Machine().Config(), End: grammar.Pos{File: PromptFile, Line: 1, Col: 1}}
		sc, err := grammar.Parse(PromptFile, []byte(text+"\n"))
		if err != nil {
			bare, err := grammar.Parse(PromptFile, []byte("print ("+text+"\n)\n"))
			if err != nil {
				return // a syntax error at the prompt
			}
			o.Bare = bare.Body[0].(*grammar.PrintStmt).Args[0].(*grammar.ParenExpr).X
			sc = &grammar.Script{File: PromptFile}
		}
		var cerr *grammar.Error
		if u, cerr = pr.Compile(sc, o); cerr != nil {
			t.Fatal(cerr)
		}
		if !u.Runs() {
			return
		}
		pr.Resume(u, 0)
	}
	pr.Machine().RunUntil(runtime.Leg{Foreground: pr.Thread(), Limit: 1000000, Done: pr.Parked})
	if !pr.Parked() {
		t.Fatalf("%q: the shell thread did not park", text)
	}
}

func checkOperands(t *testing.T, prog *Program, fn *Func) {
	t.Helper()
	globals := [2]int{}
	for _, g := range prog.Globals {
		if g.Bss {
			globals[1]++
		} else {
			globals[0]++
		}
	}
	for pc, in := range fn.Code {
		f := &opInfo[in.Op]
		for i, o := range []operand{f.a, f.b} {
			v := [2]int32{in.A, in.B}[i]
			var limit int
			switch o {
			case oNone, oFlag, oMore, oSeg:
				limit = 2
				if o == oNone {
					limit = 1
				}
			case oConst:
				limit = len(prog.Consts)
			case oSlot:
				limit = fn.NSlots
			case oGlobal:
				limit = globals[min(max(in.B, 0), 1)]
			case oFunc:
				limit = len(prog.Funcs)
			case oBuiltin:
				limit = len(Builtins)
			case oShape:
				limit = len(prog.Shapes)
			case oSite:
				limit = len(prog.Spawns)
			case oTarget:
				limit = len(fn.Code)
			case oCmp:
				if v < 0 || v >= int32(numOps) || !opInfo[v].cmp {
					t.Errorf("%s.%d %s: %d is not a comparison", fn.Name, pc, in.Op, v)
				}
				continue
			default:
				continue
			}
			if v < 0 || int(v) >= limit {
				t.Errorf("%s.%d %s %d %d: operand %c is out of its range [0, %d)", fn.Name, pc, in.Op, in.A, in.B, "AB"[i], limit)
			}
		}
	}
}

// checkStack follows every path through fn with the facts' stack use.
func checkStack(t *testing.T, prog *Program, fn *Func) {
	t.Helper()
	depth := make([]int, len(fn.Code)+1)
	for i := range depth {
		depth[i] = -1
	}
	work := []int{0}
	depth[0] = 0
	reach := func(from, to, d int) {
		switch {
		case to == len(fn.Code) && fn.Code[from].Op == OpHalt:
			// The end of a REPL input: the next one is another function.
		case to < 0 || to >= len(fn.Code):
			t.Errorf("%s.%d: control leaves the function at %d", fn.Name, from, to)
		case depth[to] < 0:
			depth[to] = d
			work = append(work, to)
		case depth[to] != d:
			t.Errorf("%s.%d: the stack is %d deep at %d, which is also reached %d deep", fn.Name, from, d, to, depth[to])
		}
	}
	for len(work) > 0 {
		pc := work[len(work)-1]
		work = work[:len(work)-1]
		in := fn.Code[pc]
		pop, push := prog.stackUse(in)
		d := depth[pc]
		if d < pop {
			t.Errorf("%s.%d %s: pops %d of a stack %d deep", fn.Name, pc, in.Op, pop, d)
			continue
		}
		d += push - pop
		if d > fn.MaxStack {
			t.Errorf("%s.%d %s: the stack is %d deep, past MaxStack %d", fn.Name, pc, in.Op, d, fn.MaxStack)
		}
		f := &opInfo[in.Op]
		if (f.flow == flowEnd || in.Op == OpHalt) && d != 0 {
			// Frames and inputs end between statements.
			t.Errorf("%s.%d %s: leaves %d values on the stack", fn.Name, pc, in.Op, d)
		}
		if f.flow == flowBranch || f.flow == flowJump {
			to := int(in.A)
			if f.b == oTarget {
				to = int(in.B)
			}
			reach(pc, to, d)
		}
		if f.flow == flowNext || f.flow == flowBranch {
			reach(pc, pc+1, d)
		}
	}
}

// checkFused checks that each fused step of fn starts where its form's
// instructions are.
func checkFused(t *testing.T, fn *Func) {
	t.Helper()
	if fn.Fast == nil {
		return // run by the general loop alone
	}
	if len(fn.Fast) != len(fn.Code) {
		t.Errorf("%s: %d fast instructions for %d", fn.Name, len(fn.Fast), len(fn.Code))
		return
	}
	for pc, fi := range fn.Fast {
		if fi.F == fNone {
			continue
		}
		form := fusedForms[fi.F]
		if int(fi.N) != len(form) {
			t.Errorf("%s.%d: a step of %d instructions for a form of %d", fn.Name, pc, fi.N, len(form))
		}
		for k, want := range form {
			at := pc + k
			if fi.F == fIncFor && k == 1 {
				at = int(fn.Code[pc].B)
			}
			if at >= len(fn.Code) {
				t.Errorf("%s.%d: the step runs past the code", fn.Name, pc)
				break
			}
			got := fn.Code[at].Op
			if got != want && !(want == anyArith && opInfo[got].arith) {
				t.Errorf("%s.%d: instruction %d of the step is %s, its form says %s", fn.Name, pc, k, got, want)
			}
		}
	}
}

// TestOpStackUse runs the main thread of every program of opPrograms one
// instruction at a time, with the fast path and without, and checks that
// each instruction that stays in its frame takes off and puts back what
// its facts say.
func TestOpStackUse(t *testing.T) {
	t.Parallel()
	progs := opPrograms(t)
	seen := map[Op]bool{}
	for name, src := range progs {
		prog, err := Load(name, src)
		if err != nil {
			continue
		}
		for _, engine := range []Engine{{}, {NoFastPath: true}} {
			s, err := NewSession(prog, Options{Stdout: io.Discard, Stderr: io.Discard, Engine: engine})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			m := s.M
			main := m.Procs()[0].Threads[0]
			th := main.Ctx.(*threadCtx)
			for steps := 0; steps < 20000; steps++ {
				if len(th.frames) == 0 {
					break
				}
				fr := th.top()
				in, fn, sp, depth := fr.fn.Code[fr.pc], fr.fn, th.sp, len(th.frames)
				before := m.Steps()
				// One instruction: the step limit is the next one.
				cfg := m.Config()
				cfg.MaxSteps = m.Steps() + 1
				m.SetConfig(cfg)
				stop := s.VM.Run(main, 1<<40)
				if stop != runtime.StopLimit && stop != runtime.StopYield && stop != runtime.StopResched {
					break
				}
				if m.Steps() != before+1 || in.Op == OpCall || in.Op == OpRet || len(th.frames) != depth || th.top().fn != fn {
					continue
				}
				pop, push := prog.stackUse(in)
				if got := th.sp - sp; got != push-pop {
					t.Errorf("%s: %s %d %d moved the operand stack by %d, its facts say %d (pop %d, push %d)", name, in.Op, in.A, in.B, got, push-pop, pop, push)
				}
				seen[in.Op] = true
			}
		}
	}
	if len(seen) < 40 {
		var missing []Op
		for op := range numOps {
			if !seen[op] {
				missing = append(missing, op)
			}
		}
		t.Errorf("only %d operations were checked; not %v", len(seen), missing)
	}
}

// everyOp runs most operations on one thread that never blocks.
const everyOp = `func f(a, b) {
	let x = a / b + a % b
	let y = -a
	let c = a != b
	c = a <= b
	c = a > b
	c = a >= b
	c = !c
	let d = a < b && b > 0 || a == 7
	assert x > 0, "x"
	assert x > 0
	return x + y
}
let arr = [1, 2]
arr[0] += 5
let o = {n: 1}
o.n += 1
print f(7, 3), arr[0], o.n
yield
compute 3
let r, w = pipe()
send w, "hi"
print recv r
let m = mutex()
lock m
unlock m
exit 0
`

// opPrograms returns the sources of the examples, the exercises, the fast
// path cases and everyOp, by name.
func opPrograms(t *testing.T) map[string][]byte {
	t.Helper()
	progs := corpus(t)
	progs["every op"] = []byte(everyOp)
	return progs
}
