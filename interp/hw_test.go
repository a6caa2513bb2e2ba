package interp

import (
	"bytes"
	"strings"
	"testing"

	"proc/runtime"
)

// hwRun runs src with the TLB and cache trace on and returns the trace,
// and the machine for its statistics.
func hwRun(t *testing.T, src string, sets ...string) (string, *runtime.Machine) {
	t.Helper()
	prog, err := Load("hw.proc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s, err := NewSession(prog, Options{Trace: runtime.CatTLB | runtime.CatCache | runtime.CatSched, Sets: sets, Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	if res := s.Run(); res.ExitCode() != 0 {
		t.Fatalf("exit %d:\n%s", res.ExitCode(), out.String())
	}
	return out.String(), s.M
}

const hwWork = `global g = 0
func work(n) {
    for i in 0..n {
        g = g + 1
    }
}
`

// A switch between threads of one process never flushes the TLB; one
// between processes does, unless the TLB is tagged.
func TestTLBFlushOnProcessSwitch(t *testing.T) {
	threads := hwWork + "let a = thread work(30)\nlet b = thread work(30)\njoin a\njoin b\n"
	procs := hwWork + "let a = spawn work(30)\nlet b = spawn work(30)\nwait a\nwait b\n"
	tr, m := hwRun(t, threads, "tlb_entries=8", "quantum=8")
	if strings.Contains(tr, "TLB flushed") {
		t.Errorf("threads of one process flushed the TLB:\n%s", tr)
	}
	if th, _ := m.Switches(); th < 10 {
		t.Errorf("only %d thread switches", th)
	}
	// Two pages: the data page, and the stacks of main and the two threads.
	if misses := strings.Count(tr, "TLB miss"); misses != 4 {
		t.Errorf("%d TLB misses for threads, want 4 (data and three stacks):\n%s", misses, tr)
	}
	tr, m = hwRun(t, procs, "tlb_entries=8", "quantum=8")
	_, ps := m.Switches()
	if flushes := strings.Count(tr, "TLB flushed"); flushes != int(ps) {
		t.Errorf("%d flushes for %d process switches", flushes, ps)
	}
	tr, _ = hwRun(t, procs, "tlb_entries=8", "quantum=8", "asid=on")
	if strings.Contains(tr, "TLB flushed") {
		t.Errorf("a tagged TLB was flushed:\n%s", tr)
	}
	if misses := strings.Count(tr, "TLB miss"); misses != 5 {
		t.Errorf("%d TLB misses with ASIDs, want 5 (main's stack; each child's stack and data)", misses)
	}
}

// The TLB replaces the least recently used entry: three pages in turn
// through a TLB of two miss every time.
func TestTLBLeastRecentlyUsed(t *testing.T) {
	src := `let a = alloc(8200)
let p = a + 4096
let q = a + 8192
for i in 0..5 {
    a[0] = i
    p[0] = i
    q[0] = i
}
`
	tr, _ := hwRun(t, src, "tlb_entries=2", "heap_size=16384")
	heap := 0
	for _, l := range strings.Split(tr, "\n") {
		if strings.Contains(l, "TLB miss: page 0x40") {
			heap++
		}
	}
	// With the stack's page too, every access misses: 3 heap pages, 5
	// times, and the stack in between each.
	if heap != 15 {
		t.Errorf("%d misses on heap pages, want 15:\n%s", heap, tr)
	}
	tr, _ = hwRun(t, src, "tlb_entries=4", "heap_size=16384")
	if n := strings.Count(tr, "TLB miss"); n != 4 {
		t.Errorf("%d misses with room for every page, want 4:\n%s", n, tr)
	}
}

// The cache is physically tagged: a line of shared memory one process
// brought in is a hit for the other; the same virtual address of a
// private global is another line in each.
func TestCachePhysicallyTagged(t *testing.T) {
	src := `global g = 0
func child() {
    let c = shm("box", 8)
    c[0] = 1
    g = 1
}
let c = shm("box", 8)
g = 2
c[0] = 2
let p = spawn child()
wait p
`
	tr, _ := hwRun(t, src, "cache_lines=64")
	var shmMiss, gMiss int
	for _, l := range strings.Split(tr, "\n") {
		if strings.Contains(l, "[2/2] cache miss: 0x7efffffff000") {
			shmMiss++
		}
		if strings.Contains(l, "[2/2] cache miss: 0x401000") {
			gMiss++
		}
	}
	if shmMiss != 0 || gMiss != 1 {
		t.Errorf("child: %d misses on the shared line (want 0), %d on its global (want 1):\n%s", shmMiss, gMiss, tr)
	}
}

// The TLB and the cache are on by default: the first touches of a page
// and of a line miss. tlb_entries = 0 and cache_lines = 0 switch them
// off, and then nothing of them shows: no misses, no table.
func TestHWOnByDefault(t *testing.T) {
	tr, m := hwRun(t, hwWork+"work(10)\n")
	if !m.HW() || !strings.Contains(tr, "TLB miss") || !strings.Contains(tr, "cache miss") {
		t.Errorf("no TLB or cache by default:\n%s", tr)
	}
	tr, m = hwRun(t, hwWork+"work(10)\n", "tlb_entries=0", "cache_lines=0")
	if m.HW() || strings.Contains(tr, "miss") {
		t.Errorf("hardware on with tlb_entries = 0 and cache_lines = 0:\n%s", tr)
	}
}
