package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"proc/grammar"
)

// The lessons are small and well behaved; their mutants are not. A mutant
// takes a lesson and pushes one or more of its numbers, loops, processes,
// threads or settings to an extreme, so that TestBounds reaches the
// expensive corners of the machine from code a student could have written.
// Text is edited line by line, not through the AST, so that mutants may
// also be slightly broken, as real submissions are.

// mutantSeed fixes the mutants: mutant i of a seed is always the same
// script, whatever the number of mutants asked for, so a name such as
// m0042 found by a long run can be replayed alone.
const mutantSeed = 0x70726f63

// mutantCount is how many mutants make "all of them".
const mutantCount = 2000

// lessonFile is a script that mutants are made from.
type lessonFile struct {
	Path string // relative to the module root, for reports
	Src  []byte
}

// mutant is one variation of a lesson.
type mutant struct {
	Name string   // m0000, m0001, ...
	From string   // the lesson's path
	What []string // each mutation applied, in order
	Src  []byte
}

func (m mutant) String() string {
	return m.Name + " (" + m.From + ": " + strings.Join(m.What, "; ") + ")"
}

// lessons reads examples/*.proc and exercises/*/*.proc, in a fixed order.
func lessons(root string) ([]lessonFile, error) {
	var paths []string
	for _, pat := range []string{"examples/*.proc", "exercises/*/*.proc"} {
		m, err := filepath.Glob(filepath.Join(root, pat))
		if err != nil {
			return nil, err
		}
		paths = append(paths, m...)
	}
	slices.Sort(paths)
	var out []lessonFile
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, lessonFile{Path: filepath.ToSlash(rel), Src: src})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no scripts under %s", root)
	}
	return out, nil
}

// makeMutants returns the first n mutants of seed.
func makeMutants(seed uint64, n int, from []lessonFile) []mutant {
	out := make([]mutant, 0, n)
	for i := range n {
		out = append(out, makeMutant(seed, i, from))
	}
	return out
}

func makeMutant(seed uint64, i int, from []lessonFile) mutant {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	lf := from[r.IntN(len(from))]
	s := &script{lines: strings.Split(string(lf.Src), "\n")}
	// Most mutants change one thing; some combine two or three, which is
	// how the worst corners are reached (a quantum of 1 and a huge compute).
	n := 1
	switch p := r.IntN(10); {
	case p >= 8:
		n = 3
	case p >= 5:
		n = 2
	}
	var what []string
	for len(what) < n {
		applied := false
		for range 30 {
			k := mutationKinds[r.IntN(len(mutationKinds))]
			before := slices.Clone(s.lines)
			d, ok := k.apply(r, s)
			if ok && slices.Equal(before, s.lines) {
				// 0 -> 0, or a setting to the value it had: no mutation.
				ok = false
			}
			if ok {
				what = append(what, k.name+": "+d)
				applied = true
				break
			}
		}
		if !applied {
			break
		}
	}
	if len(what) == 0 || strings.Join(s.lines, "\n") == string(lf.Src) {
		// Every lesson has a statement, so "forever" always applies in
		// practice; this keeps a mutant a mutant anyway, also when a
		// later mutation undid an earlier one (0 -> N, then N -> 0).
		s.lines = append(s.lines, "while true {", "}")
		what = append(what, "forever: an endless loop at the end")
	}
	return mutant{Name: fmt.Sprintf("m%04d", i), From: lf.Path, What: what, Src: []byte(strings.Join(s.lines, "\n"))}
}

// script is the text being mutated, a line at a time.
type script struct {
	lines []string
}

// mutationKind changes a script, or says it does not apply to it.
type mutationKind struct {
	name  string
	apply func(r *rand.Rand, s *script) (string, bool)
}

var mutationKinds = []mutationKind{
	{"int", mutateInt},
	{"compute", mutateCompute},
	{"loop-bound", mutateLoopBound},
	{"loop-true", mutateLoopTrue},
	{"dup-body", mutateDupBody},
	{"forever", mutateForever},
	{"no-join", mutateNoJoin},
	{"fork", mutateInsertFork},
	{"thread", mutateInsertThread},
	{"config", mutateConfig},
	{"config", mutateConfig}, // settings reach the most corners: twice as likely
	{"show", mutateShow},
	{"big-string", mutateBigString},
	{"drop", mutateDrop},
	{"recurse", mutateRecurse},
}

// hugeInts are the numbers that break assumptions: the largest compute,
// 2^31, a negative, zero, a megabyte, and the largest int.
var hugeInts = []string{"1099511627776", "2147483648", "-1", "0", "1048576", "9223372036854775807"}

// code returns the part of a line before its comment.
func code(line string) string {
	in := false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c == '\\' && in:
			i++
		case c == '"':
			in = !in
		case c == '#' && !in:
			return line[:i]
		}
	}
	return line
}

// leading returns the leading blanks of a line.
func leading(line string) string {
	return line[:len(line)-len(strings.TrimLeft(line, " \t"))]
}

func isIdent(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// span is a piece of a line: [lo, hi) of line i.
type span struct{ i, lo, hi int }

// intLits finds the integer literals outside strings and comments.
func (s *script) intLits() []span {
	var out []span
	for i, line := range s.lines {
		c := code(line)
		in := false
		for j := 0; j < len(c); j++ {
			ch := c[j]
			switch {
			case ch == '\\' && in:
				j++
			case ch == '"':
				in = !in
			case !in && '0' <= ch && ch <= '9' && (j == 0 || !isIdent(c[j-1])):
				k := j
				for k < len(c) && isIdent(c[k]) {
					k++
				}
				out = append(out, span{i, j, k})
				j = k - 1
			}
		}
	}
	return out
}

// strLits finds the string literals outside comments and config lines
// (a config string names a policy: a mutant there is only refused).
func (s *script) strLits() []span {
	var out []span
	for i, line := range s.lines {
		c := code(line)
		if strings.HasPrefix(strings.TrimSpace(c), "config ") {
			continue
		}
		start := -1
		for j := 0; j < len(c); j++ {
			switch c[j] {
			case '\\':
				if start >= 0 {
					j++
				}
			case '"':
				if start < 0 {
					start = j
				} else {
					out = append(out, span{i, start, j + 1})
					start = -1
				}
			}
		}
	}
	return out
}

// braces counts the opening minus the closing braces of a line's code.
func braces(line string) int {
	c := code(line)
	n, in := 0, false
	for j := 0; j < len(c); j++ {
		switch ch := c[j]; {
		case ch == '\\' && in:
			j++
		case ch == '"':
			in = !in
		case ch == '{' && !in:
			n++
		case ch == '}' && !in:
			n--
		}
	}
	return n
}

// block is a construct whose header line opens a brace that a later line
// closes: [open, close] are line numbers.
type block struct{ open, close int }

// blocks finds the multi-line blocks whose header starts with one of the
// prefixes.
func (s *script) blocks(prefixes ...string) []block {
	var out []block
	for i, line := range s.lines {
		t := strings.TrimSpace(code(line))
		if !strings.HasSuffix(t, "{") || braces(line) != 1 {
			continue
		}
		if !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(t, p) }) {
			continue
		}
		depth := 0
		for j := i; j < len(s.lines); j++ {
			depth += braces(s.lines[j])
			if depth == 0 {
				out = append(out, block{i, j})
				break
			}
		}
	}
	return out
}

func (s *script) loops() []block { return s.blocks("while ", "for ") }

// statements finds the lines that are one simple statement each, and are
// safe to move into a block of their own: not a declaration, not a let
// (later lines would lose the name), not a jump.
func (s *script) statements() []int {
	var out []int
	for i, line := range s.lines {
		t := strings.TrimSpace(code(line))
		if t == "" || braces(line) != 0 || strings.Contains(t, "{") || strings.Contains(t, "}") {
			continue
		}
		first, _, _ := strings.Cut(t, " ")
		switch first {
		case "func", "global", "config", "let", "return", "break", "continue":
			continue
		}
		out = append(out, i)
	}
	return out
}

// insert puts lines before line i.
func (s *script) insert(i int, lines ...string) {
	s.lines = slices.Insert(s.lines, i, lines...)
}

// headerEnd is the first line after the leading comments and blanks, where
// a setting can go without hiding the lesson's own header.
func (s *script) headerEnd() int {
	for i, line := range s.lines {
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			return i
		}
	}
	return len(s.lines)
}

// helper appends a function the mutants may call, once.
func (s *script) helper(name string) {
	for _, line := range s.lines {
		if strings.HasPrefix(line, "func "+name+"(") {
			return
		}
	}
	s.lines = append(s.lines, "", helpers[name])
}

var helpers = map[string]string{
	"mut_spin": "func mut_spin() {\n    while true {\n        compute 1000\n    }\n}",
	"mut_idle": "func mut_idle() {\n    sleep 1099511627776\n}",
	"mut_big":  "func mut_big() {\n    let s = \"x\"\n    for i in 0..20 {\n        s = s + s\n    }\n    return s\n}",
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func mutateInt(r *rand.Rand, s *script) (string, bool) {
	lits := s.intLits()
	if len(lits) == 0 {
		return "", false
	}
	sp := pick(r, lits)
	line := s.lines[sp.i]
	old, v := line[sp.lo:sp.hi], pick(r, hugeInts)
	s.lines[sp.i] = line[:sp.lo] + v + line[sp.hi:]
	return fmt.Sprintf("%s -> %s at line %d", old, v, sp.i+1), true
}

func mutateCompute(r *rand.Rand, s *script) (string, bool) {
	var at []int
	for i, line := range s.lines {
		if strings.HasPrefix(strings.TrimSpace(code(line)), "compute ") {
			at = append(at, i)
		}
	}
	if len(at) == 0 {
		return "", false
	}
	i := pick(r, at)
	c := code(s.lines[i])
	s.lines[i] = strings.TrimRight(c, " \t") + " * 1000000"
	return fmt.Sprintf("compute N*1000000 at line %d", i+1), true
}

func mutateLoopBound(r *rand.Rand, s *script) (string, bool) {
	fors := s.blocks("for ")
	var ok []block
	for _, b := range fors {
		if strings.Contains(s.lines[b.open], "..") {
			ok = append(ok, b)
		}
	}
	if len(ok) == 0 {
		return "", false
	}
	b := pick(r, ok)
	line := s.lines[b.open]
	lo, rest, _ := strings.Cut(line, "..")
	bound := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(code(rest)), "{"))
	v := pick(r, []string{"1099511627776", "10000000", "(" + bound + ") * 100000"})
	s.lines[b.open] = lo + ".." + v + " {"
	return fmt.Sprintf("for bound %s -> %s at line %d", bound, v, b.open+1), true
}

func mutateLoopTrue(r *rand.Rand, s *script) (string, bool) {
	ws := s.blocks("while ")
	if len(ws) == 0 {
		return "", false
	}
	b := pick(r, ws)
	s.lines[b.open] = leading(s.lines[b.open]) + "while true {"
	return fmt.Sprintf("while condition -> true at line %d", b.open+1), true
}

func mutateDupBody(r *rand.Rand, s *script) (string, bool) {
	ls := s.loops()
	if len(ls) == 0 {
		return "", false
	}
	b := pick(r, ls)
	body := slices.Clone(s.lines[b.open+1 : b.close])
	if len(body) == 0 {
		return "", false
	}
	// The copy gets a block of its own, so a let in the body is not
	// declared twice.
	in := leading(s.lines[b.open]) + "    "
	copyLines := append([]string{in + "if true {"}, body...)
	copyLines = append(copyLines, in+"}")
	s.insert(b.close, copyLines...)
	return fmt.Sprintf("loop body at line %d twice", b.open+1), true
}

func mutateForever(r *rand.Rand, s *script) (string, bool) {
	st := s.statements()
	if len(st) == 0 {
		return "", false
	}
	i := pick(r, st)
	in := leading(s.lines[i])
	s.lines[i] = in + "while true { " + strings.TrimSpace(code(s.lines[i])) + " }"
	return fmt.Sprintf("while true around line %d", i+1), true
}

func mutateNoJoin(r *rand.Rand, s *script) (string, bool) {
	type hit struct{ i, at int }
	var hits []hit
	for i, line := range s.lines {
		c := code(line)
		for _, kw := range []string{"join ", "wait "} {
			for off := 0; ; {
				j := strings.Index(c[off:], kw)
				if j < 0 {
					break
				}
				if k := off + j; k == 0 || !isIdent(c[k-1]) {
					hits = append(hits, hit{i, k})
				}
				off += j + len(kw)
			}
		}
	}
	if len(hits) == 0 {
		return "", false
	}
	h := pick(r, hits)
	line := s.lines[h.i]
	rest := line[h.at+5:]
	t := strings.TrimSpace(line[:h.at])
	switch {
	case t == "" && !strings.HasPrefix(rest, "spawn ") && !strings.HasPrefix(rest, "thread ") && !strings.HasPrefix(rest, "fork"):
		// `join t` alone: `t` alone would not be a statement.
		s.lines[h.i] = ""
	default:
		s.lines[h.i] = line[:h.at] + rest
	}
	return fmt.Sprintf("%s dropped at line %d", strings.TrimSpace(line[h.at:h.at+5]), h.i+1), true
}

// loopBodyStart picks a loop and returns the line where a statement can go
// at the top of its body, with the body's indentation.
func (s *script) loopBodyStart(r *rand.Rand) (int, string, bool) {
	ls := s.loops()
	if len(ls) == 0 {
		return 0, "", false
	}
	b := pick(r, ls)
	return b.open + 1, leading(s.lines[b.open]) + "    ", true
}

func mutateInsertFork(r *rand.Rand, s *script) (string, bool) {
	at, in, ok := s.loopBodyStart(r)
	if !ok {
		return "", false
	}
	s.insert(at, in+"fork")
	return fmt.Sprintf("fork in the loop at line %d", at), true
}

func mutateInsertThread(r *rand.Rand, s *script) (string, bool) {
	at, in, ok := s.loopBodyStart(r)
	if !ok {
		return "", false
	}
	form := pick(r, []string{"thread mut_spin()", "thread mut_idle()", "spawn mut_spin()", "spawn mut_idle()"})
	s.insert(at, in+form)
	s.helper(strings.TrimSuffix(strings.Fields(form)[1], "()"))
	return fmt.Sprintf("%s in the loop at line %d", form, at), true
}

// configValues are the settings that make a lesson expensive: short
// quanta, fine-grained heaps, big buffers, and the limits raised.
var configValues = [][2]string{
	{"quantum", "1"},
	{"sched", `"rr"`},
	{"sched", `"mlfq"`},
	{"sched", `"lottery"`},
	{"sched", `"priority"`},
	{"mlfq_boost", "1"},
	{"cost_insn", "0"},
	{"cost_copy", "0"},
	{"heap_align", "1"},
	{"heap_header", "0"},
	{"heap_max", "1073741824"},
	{"stack_size", "67108864"},
	{"pipe_cap", "16777216"},
	{"mq_cap", "1048576"},
	{"max_steps", "1099511627776"},
	{"max_output", "17179869184"},
	{"max_threads", "4194304"},
	{"max_procs", "1048576"},
}

func mutateConfig(r *rand.Rand, s *script) (string, bool) {
	kv := pick(r, configValues)
	line := "config " + kv[0] + " = " + kv[1]
	// A key the lesson sets already is changed where it is, so that the
	// lesson's own line does not win.
	for i, l := range s.lines {
		if f := strings.Fields(code(l)); len(f) >= 2 && f[0] == "config" && f[1] == kv[0] {
			s.lines[i] = line
			return fmt.Sprintf("%s = %s at line %d", kv[0], kv[1], i+1), true
		}
	}
	at := s.headerEnd()
	s.insert(at, line)
	if kv[0] == "heap_align" {
		// The two go together: blocks as small as they can be.
		s.insert(at+1, "config heap_header = 0")
		return "heap_align = 1, heap_header = 0", true
	}
	return fmt.Sprintf("%s = %s", kv[0], kv[1]), true
}

func mutateShow(r *rand.Rand, s *script) (string, bool) {
	at, in, ok := s.loopBodyStart(r)
	view := pick(r, grammar.ShowTargets)
	if !ok {
		// No loop: a view in a loop of its own at the end of main.
		s.lines = append(s.lines, "while true {", "    show "+view, "}")
		return "show " + view + " forever at the end", true
	}
	s.insert(at, in+"show "+view)
	return fmt.Sprintf("show %s in the loop at line %d", view, at), true
}

func mutateBigString(r *rand.Rand, s *script) (string, bool) {
	lits := s.strLits()
	if len(lits) == 0 {
		return "", false
	}
	sp := pick(r, lits)
	line := s.lines[sp.i]
	s.lines[sp.i] = line[:sp.lo] + "mut_big()" + line[sp.hi:]
	s.helper("mut_big")
	return fmt.Sprintf("string at line %d -> 1 MiB", sp.i+1), true
}

func mutateDrop(r *rand.Rand, s *script) (string, bool) {
	st := s.statements()
	if len(st) == 0 {
		return "", false
	}
	// Most often a line that releases or wakes something: a close, an
	// unlock, a free, a send, an up or a signal left out is a classic bug.
	var rel []int
	for _, i := range st {
		first, _, _ := strings.Cut(strings.TrimSpace(code(s.lines[i])), " ")
		switch strings.TrimRight(first, "(") {
		case "close", "unlock", "free", "send", "up", "signal", "broadcast":
			rel = append(rel, i)
		}
		if strings.HasPrefix(strings.TrimSpace(s.lines[i]), "up(") || strings.HasPrefix(strings.TrimSpace(s.lines[i]), "signal(") {
			rel = append(rel, i)
		}
	}
	i := pick(r, st)
	if len(rel) > 0 && r.IntN(3) > 0 {
		i = pick(r, rel)
	}
	old := strings.TrimSpace(code(s.lines[i]))
	s.lines[i] = ""
	return fmt.Sprintf("line %d dropped (%s)", i+1, old), true
}

func mutateRecurse(r *rand.Rand, s *script) (string, bool) {
	fs := s.blocks("func ")
	var ok []block
	for _, b := range fs {
		if !strings.HasPrefix(s.lines[b.open], "func mut_") {
			ok = append(ok, b)
		}
	}
	if len(ok) == 0 {
		return "", false
	}
	b := pick(r, ok)
	head := strings.TrimSpace(code(s.lines[b.open]))
	name, params, _ := strings.Cut(strings.TrimPrefix(head, "func "), "(")
	params, _, _ = strings.Cut(params, ")")
	s.insert(b.open+1, "    call "+name+"("+params+")")
	return fmt.Sprintf("%s calls itself first", name), true
}
