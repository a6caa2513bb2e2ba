package interp

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"proc/interp/internal/testkit"
	"proc/runtime"
	"proc/runtime/mem"
)

// refDetector is the race detector as it was first written: a vector clock
// per thread and per sync object, indexed by every thread ever created,
// and the shadow of each word with its last write and the reads since.
// It is slow on many threads, and plainly right: the tests run it beside
// the detector the VM uses and require the same reports, word for word.
// The one change from the first version: the reads since a write are
// checked in the order the threads first read, as the detector does (the
// first version took them in map order, so which reader a report named
// could change from run to run).
type refDetector struct {
	vm        *VM
	createdAt map[*runtime.Thread]site
	threads   map[*runtime.Thread]refClock
	objs      map[any]refClock
	cells     map[refKey]*refCell
	seen      map[string]bool
	races     []Race
	// work counts the clock entries visited, to compare costs with.
	work int64
}

type refClock map[int]int64

type refAccess struct {
	tid   int
	pid   int
	clock int64
	at    site
	write bool
}

type refCell struct {
	write *refAccess
	reads []refAccess
}

type refKey struct {
	obj  any
	addr uint64
}

func newRefDetector(vm *VM) *refDetector {
	return &refDetector{vm: vm, createdAt: map[*runtime.Thread]site{}, threads: map[*runtime.Thread]refClock{},
		objs: map[any]refClock{}, cells: map[refKey]*refCell{}, seen: map[string]bool{}}
}

func (r *refDetector) reports() []Race { return r.races }

func (r *refDetector) join(v, o refClock) {
	for k, x := range o {
		r.work++
		if x > v[k] {
			v[k] = x
		}
	}
}

func (r *refDetector) clock(t *runtime.Thread) refClock {
	v, ok := r.threads[t]
	if !ok {
		v = refClock{t.TID: 1}
		r.threads[t] = v
	}
	return v
}

func (r *refDetector) release(t *runtime.Thread, obj any) {
	v := r.clock(t)
	o, ok := r.objs[obj]
	if !ok {
		o = refClock{}
		r.objs[obj] = o
	}
	r.join(o, v)
	v[t.TID]++
}

func (r *refDetector) acquire(t *runtime.Thread, obj any) {
	if o, ok := r.objs[obj]; ok {
		r.join(r.clock(t), o)
	}
}

func (r *refDetector) fork(parent, child *runtime.Thread, at site) {
	r.createdAt[child] = at
	v := r.clock(parent)
	c := refClock{}
	r.join(c, v)
	c[child.TID] = 1
	r.threads[child] = c
	v[parent.TID]++
}

func (r *refDetector) access(th *threadCtx, addr uint64, write bool) {
	key := refKey{obj: th.proc.space, addr: addr}
	seg := th.proc.space.Find(addr)
	if seg != nil && seg.Kind == mem.SegStack && seg.TID == th.rt.TID {
		return
	}
	if seg != nil && seg.Shared != nil && len(seg.Words) > 0 {
		key = refKey{obj: seg.Shared, addr: addr - seg.Start}
	}
	t := th.rt
	v := r.clock(t)
	a := refAccess{tid: t.TID, pid: t.Proc.PID, clock: v[t.TID], at: th.where(), write: write}
	c := r.cells[key]
	if c == nil {
		c = &refCell{}
		r.cells[key] = c
	}
	if w := c.write; w != nil && w.tid != t.TID && w.clock > v[w.tid] {
		r.report(th, addr, seg, a, *w)
	}
	if write {
		for _, rd := range c.reads {
			r.work++
			if rd.tid != t.TID && rd.clock > v[rd.tid] {
				r.report(th, addr, seg, a, rd)
			}
		}
		c.write = &a
		c.reads = nil
		return
	}
	for i := range c.reads {
		r.work++
		if c.reads[i].tid == t.TID {
			c.reads[i] = a
			return
		}
	}
	c.reads = append(c.reads, a)
}

func (r *refDetector) report(th *threadCtx, addr uint64, seg *mem.Segment, cur, prev refAccess) {
	k := []string{cur.at.String(), prev.at.String()}
	sort.Strings(k)
	key := strings.Join(k, "|")
	if r.seen[key] {
		return
	}
	r.seen[key] = true
	kind := func(a refAccess) string {
		if a.write {
			return "write"
		}
		return "read"
	}
	lines := []string{
		"data race on " + r.vm.describeAddr(th, addr, seg),
		fmt.Sprintf("%s of 8 bytes at %s by thread %d/%d:", kind(cur), mem.Hex(addr), cur.pid, cur.tid),
		"    " + cur.at.String(),
		fmt.Sprintf("previous %s at %s by thread %d/%d:", kind(prev), mem.Hex(addr), prev.pid, prev.tid),
		"    " + prev.at.String(),
	}
	for _, tid := range []int{cur.tid, prev.tid} {
		lines = append(lines, r.created(tid))
	}
	r.races = append(r.races, Race{Text: lines, Key: key})
}

func (r *refDetector) created(tid int) string {
	t := r.vm.m.Thread(tid)
	if t == nil {
		return fmt.Sprintf("thread %d: unknown", tid)
	}
	if t.CreatedBy == nil {
		return fmt.Sprintf("thread %d/%d is the main thread of process %d", t.Proc.PID, t.TID, t.Proc.PID)
	}
	where := ""
	if c, ok := t.CreatedBy.Ctx.(*threadCtx); ok {
		if s, ok := r.createdAt[t]; ok {
			where = " at " + s.String()
		} else {
			where = " at " + c.where().String()
		}
	}
	return fmt.Sprintf("thread %d/%d was created by %d/%d%s", t.Proc.PID, t.TID, t.CreatedBy.Proc.PID, t.CreatedBy.TID, where)
}

// raceTee tells both detectors everything; the VM sees the first one's
// reports.
type raceTee struct {
	det raceChecker
	ref *refDetector
}

func (t *raceTee) fork(parent, child *runtime.Thread, at site) {
	t.det.fork(parent, child, at)
	t.ref.fork(parent, child, at)
}

func (t *raceTee) acquire(th *runtime.Thread, obj any) {
	t.det.acquire(th, obj)
	t.ref.acquire(th, obj)
}

func (t *raceTee) release(th *runtime.Thread, obj any) {
	t.det.release(th, obj)
	t.ref.release(th, obj)
}

func (t *raceTee) access(th *threadCtx, addr uint64, write bool) {
	t.det.access(th, addr, write)
	t.ref.access(th, addr, write)
}

func (t *raceTee) reports() []Race { return t.det.reports() }

// diff says how the detector's reports differ from the reference's, or
// returns "".
func (t *raceTee) diff() string {
	got, want := t.det.reports(), t.ref.reports()
	for i := 0; i < len(got) || i < len(want); i++ {
		var g, w string
		if i < len(got) {
			g = strings.Join(got[i].Text, "\n  ")
		}
		if i < len(want) {
			w = strings.Join(want[i].Text, "\n  ")
		}
		if g != w {
			return fmt.Sprintf("report %d of %d (reference: %d):\n got:\n  %s\n want:\n  %s", i+1, len(got), len(want), g, w)
		}
	}
	return ""
}

// withReference returns a maker of race detectors (Options.newRace) that
// runs the reference detector beside the detector, and the pairs it made,
// one a session. The detector compacts its state when it has grown by
// minLimit.
func withReference(minLimit int) (func(*VM) raceChecker, *[]*raceTee) {
	var tees []*raceTee
	return func(vm *VM) raceChecker {
		d := newRaceDetector(vm)
		d.minLimit, d.limit = minLimit, minLimit
		t := &raceTee{det: d, ref: newRefDetector(vm)}
		tees = append(tees, t)
		return t
	}, &tees
}

// checkAgainstReference runs prog with --race under sets and fails when
// the detector's reports differ from the reference's; it does so twice,
// with the detector compacting its state as it normally does and after
// nearly every event. It returns how many races were reported.
func checkAgainstReference(t testing.TB, name string, prog *Program, sets []string) int {
	t.Helper()
	var n int
	for _, limit := range []int{compactMin, 1} {
		newRace, tees := withReference(limit)
		var out strings.Builder
		if s, err := NewSession(prog, Options{Trace: 0, Sets: sets, Stdout: &out, Stderr: &out, Race: true, newRace: newRace}); err == nil {
			s.Run()
		}
		for _, tee := range *tees {
			if d := tee.diff(); d != "" {
				t.Fatalf("%s %v, compacting every %d: the detector differs from the reference\n%s", name, sets, limit, d)
			}
			n += len(tee.ref.reports())
		}
	}
	return n
}

// raceRefConfigs are the schedules each script is checked under.
var raceRefConfigs = [][]string{
	nil,
	{"quantum=1"},
	{"quantum=3"},
	{"sched=fifo"},
	{"sched=lottery", "seed=7"},
	{"sched=mlfq", "quantum=2"},
}

// scriptFiles returns every example, exercise and test script.
func scriptFiles(t testing.TB) map[string][]byte {
	progs := map[string][]byte{}
	for _, pattern := range []string{"../examples/*.proc", "../exercises/*/*.proc", "testdata/*.proc"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			progs[file] = src
		}
	}
	return progs
}

// TestRaceMatchesReference runs every example, exercise and test script,
// the race tests' scripts and a few hundred generated ones under several
// schedules, and requires the reports of the reference detector.
func TestRaceMatchesReference(t *testing.T) {
	t.Parallel()
	progs := scriptFiles(t)
	for name, src := range fastCases {
		progs["fast:"+name] = []byte(src)
	}
	progs["counter"] = []byte(testkit.CounterScript(3, false))
	progs["mutex"] = []byte(mutexScript(20, 3))
	n := 300
	if testing.Short() {
		n = 60
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		progs[fmt.Sprintf("generated %d", i)] = []byte(genRaceScript(rng))
	}
	races := 0
	for name, src := range progs {
		prog, err := Load("r.proc", src)
		if err != nil {
			if strings.HasPrefix(name, "generated") {
				t.Fatalf("%s: %v\n%s", name, err, src)
			}
			continue
		}
		for _, sets := range raceRefConfigs {
			races += checkAgainstReference(t, name, prog, append([]string{"max_steps=200000"}, sets...))
		}
	}
	if races < 100 {
		t.Errorf("only %d races reported in all: the scripts do not test much", races)
	}
}

// FuzzRaceReference runs arbitrary scripts with both detectors.
func FuzzRaceReference(f *testing.F) {
	addScriptSeeds(f)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		f.Add([]byte(genRaceScript(rng)))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		prog, err := Load("fuzz.proc", src)
		if err != nil {
			return
		}
		for _, sets := range raceRefConfigs[:3] {
			checkAgainstReference(t, "fuzz", prog, append(append([]string{}, fuzzLimits...), sets...))
		}
	})
}

// genRaceScript writes a random script of threads and processes that
// share globals, a heap array and shared memory, some of the time under
// a mutex or with atomic instructions, and order themselves with joins,
// waits, semaphores, condition variables, pipes and atomic instructions.
// Many of its runs deadlock or end with threads still blocked: that is
// fine, the point is the accesses before.
func genRaceScript(rng *rand.Rand) string {
	var b strings.Builder
	nfuncs := 2 + rng.IntN(4)
	b.WriteString("global g0 = 0\nglobal g1 = 0\nglobal g2 = 0\nglobal m0\nglobal m1\nglobal s0\nglobal c0\nglobal arr\nglobal pr\nglobal pw\n")
	local := 0
	var ops func(depth, fn int, held map[int]bool) string
	ops = func(depth, fn int, held map[int]bool) string {
		var o strings.Builder
		n := 1 + rng.IntN(6)
		for range n {
			switch k := rng.IntN(26); {
			case k < 3:
				g := rng.IntN(3)
				fmt.Fprintf(&o, "g%d = g%d + 1\n", g, g)
			case k < 5:
				local++
				fmt.Fprintf(&o, "let v%d = g%d\n", local, rng.IntN(3))
			case k < 7:
				fmt.Fprintf(&o, "arr[%d] = %d\n", rng.IntN(4), rng.IntN(100))
			case k < 8:
				local++
				fmt.Fprintf(&o, "let v%d = arr[%d]\n", local, rng.IntN(4))
			case k < 10 && depth < 3:
				m := rng.IntN(2)
				if held[m] {
					continue
				}
				held[m] = true
				fmt.Fprintf(&o, "lock m%d\n%sunlock m%d\n", m, ops(depth+1, fn, held), m)
				delete(held, m)
			case k < 11:
				o.WriteString("up(s0)\n")
			case k < 12:
				o.WriteString("down(s0)\n")
			case k < 13:
				o.WriteString("yield\n")
			case k < 14:
				fmt.Fprintf(&o, "sleep %d\n", 1+rng.IntN(20))
			case k < 15:
				if rng.IntN(2) == 0 {
					o.WriteString("signal(c0)\n")
				} else {
					o.WriteString("broadcast(c0)\n")
				}
			case k < 16 && held[0]:
				o.WriteString("cwait(c0, m0)\n")
			case k < 17 && depth < 3:
				fmt.Fprintf(&o, "for i in 0..%d {\n%s}\n", 1+rng.IntN(4), ops(depth+1, fn, held))
			case k < 18 && fn+1 < nfuncs && len(held) == 0:
				local++
				id := local
				callee := fn + 1 + rng.IntN(nfuncs-fn-1)
				fmt.Fprintf(&o, "let t%d = thread w%d()\n", id, callee)
				if rng.IntN(3) > 0 {
					fmt.Fprintf(&o, "%sjoin t%d\n", ops(depth+1, fn, held), id)
				}
			case k < 19:
				o.WriteString("send pw, \"x\"\n")
			case k < 20 && len(held) == 0:
				local++
				fmt.Fprintf(&o, "let v%d = recv pr, 1\n", local)
			case k < 21 && len(held) == 0 && depth < 2:
				local++
				id := local
				fmt.Fprintf(&o, "let p%d = spawn shared(%d)\n", id, rng.IntN(4))
				if rng.IntN(3) > 0 {
					fmt.Fprintf(&o, "%swait p%d\n", ops(depth+1, fn, held), id)
				}
			case k == 22:
				fmt.Fprintf(&o, "fetch_add(&g%d, 1)\n", rng.IntN(3))
			case k == 23:
				fmt.Fprintf(&o, "xchg(arr + %d, %d)\n", 8*rng.IntN(4), rng.IntN(100))
			case k == 24:
				fmt.Fprintf(&o, "cas(&g%d, %d, %d)\n", rng.IntN(3), rng.IntN(3), rng.IntN(3))
			case k == 25:
				local++
				fmt.Fprintf(&o, "let h%d = shm(\"x\", 32)\nfetch_add(h%d + %d, 1)\n", local, local, 8*rng.IntN(4))
			default:
				local++
				fmt.Fprintf(&o, "let h%d = shm(\"x\", 32)\nh%d[%d] = h%d[%d] + 1\n", local, local, rng.IntN(4), local, rng.IntN(4))
			}
		}
		return o.String()
	}
	b.WriteString("func shared(k) {\n  let h = shm(\"x\", 32)\n  h[k] = h[k] + 1\n  let v = h[(k + 1) % 4]\n  g0 = g0 + 1\n}\n")
	for f := range nfuncs {
		fmt.Fprintf(&b, "func w%d() {\n%s}\n", f, ops(0, f, map[int]bool{}))
	}
	b.WriteString("m0 = mutex()\nm1 = mutex()\ns0 = sem(1)\nc0 = cond()\narr = alloc 32\nlet r, w = pipe()\npr = r\npw = w\n")
	nthreads := 1 + rng.IntN(5)
	for i := range nthreads {
		fmt.Fprintf(&b, "let main%d = thread w%d()\n", i, rng.IntN(nfuncs))
	}
	b.WriteString(ops(1, 0, map[int]bool{}))
	for i := range nthreads {
		if rng.IntN(4) > 0 {
			fmt.Fprintf(&b, "join main%d\n", i)
		}
	}
	b.WriteString(ops(1, 0, map[int]bool{}))
	return b.String()
}
