//go:build !js

package web

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"proc/interp"
	"proc/runtime"
)

// memoryTestPage draws a snapshot with memory.js and nothing else of the
// page, under the page's own security policy.
const memoryTestPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>memory</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="memory.css"></head>
<body><div id="mem"></div><div id="kern"></div>
<script src="memory.js"></script></body></html>`

// serveMemoryPage serves memory.js and memory.css as the page has them,
// and memoryTestPage, and returns the test page's address.
func serveMemoryPage(t *testing.T) string {
	t.Helper()
	sub, err := fs.Sub(static, "static")
	if err != nil {
		t.Fatal(err)
	}
	files := http.FileServer(http.FS(sub))
	s := serveSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", contentSecurity)
		if r.URL.Path == "/memory-test.html" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, memoryTestPage)
			return
		}
		files.ServeHTTP(w, r)
	}))
	return s.URL + "memory-test.html"
}

// machineAt runs examples/NAME.proc to step and returns the machine there
// with its snapshot as JSON.
func machineAt(t *testing.T, name string, step int64) (*runtime.Machine, []byte) {
	t.Helper()
	path := filepath.Join("..", "examples", name+".proc")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := interp.Load(path, src)
	if err != nil {
		t.Fatal(err)
	}
	s, err := interp.NewSession(prog, interp.Options{Trace: runtime.CatAll, Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	s.RunTo(step)
	js, err := json.Marshal(s.M.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	return s.M, js
}

// drawn is what the drawing shows, read back from its elements by
// readDrawing.
type drawn struct {
	Procs []struct {
		PID    int  `json:"pid"`
		Zombie bool `json:"zombie"`
		Segs   []struct {
			Start, End, Perm, Name, Note string
		} `json:"segs"`
		Blocks []struct {
			Addr, Start, End, Size, Site string
		} `json:"blocks"`
		Free []struct {
			Start, Size string
		} `json:"free"`
		Frames []struct {
			TID, Depth, Func, FP, Line string
			Rows                       [][3]string // address, name, value
		} `json:"frames"`
	} `json:"procs"`
	// Arrows are the pointer arrows: the process of their pointer, the
	// process of the column their head lies in, their target's id.
	Arrows []struct {
		PID, HeadPID, To string
	} `json:"arrows"`
	// Pointers counts the values with a target; Dangling lists the
	// dangling ones: each with its broken mark or not.
	Pointers int    `json:"pointers"`
	Dangling []bool `json:"dangling"`
	Threads  []struct {
		TID, State, Wait, Line string
	} `json:"threads"`
}

// readDrawing is the script that reads a drawing back.
const readDrawing = `(() => {
  const txt = (e, sel) => { const x = sel ? e.querySelector(sel) : e; return x ? x.textContent : ''; };
  const base = document.querySelector('.pm-canvas').getBoundingClientRect();
  const cols = [...document.querySelectorAll('.pm-proc')].map((c) => ({pid: c.dataset.pid, r: c.getBoundingClientRect()}));
  const out = {procs: [], arrows: [], pointers: 0, dangling: [], threads: []};
  for (const c of document.querySelectorAll('.pm-proc')) {
    const p = {pid: Number(c.dataset.pid), zombie: c.classList.contains('pm-zombie'), segs: [], blocks: [], free: [], frames: []};
    for (const s of c.querySelectorAll('.pm-seg')) {
      p.segs.push({Start: s.dataset.start, End: s.dataset.end, Perm: s.dataset.perm, Name: s.dataset.name, Note: txt(s, ':scope > .pm-note')});
    }
    for (const b of c.querySelectorAll('.pm-block')) {
      p.blocks.push({Addr: b.dataset.addr, Start: b.dataset.start, End: b.dataset.end, Size: b.dataset.size, Site: txt(b, '.pm-site')});
    }
    for (const f of c.querySelectorAll('.pm-free')) p.free.push({Start: f.dataset.start, Size: f.dataset.size});
    for (const f of c.querySelectorAll('.pm-frame')) {
      p.frames.push({TID: f.dataset.tid, Depth: f.dataset.depth, Func: f.dataset.func, FP: f.dataset.fp, Line: f.dataset.line || '',
        Rows: [...f.querySelectorAll('.pm-row')].map((r) => [r.dataset.addr, r.dataset.name, txt(r, '.pm-val')])});
    }
    out.procs.push(p);
  }
  for (const a of document.querySelectorAll('path.pm-arrow:not(.pm-chain)')) {
    const n = a.getAttribute('d').match(/-?[0-9.]+/g).map(Number);
    const x = base.left + n[n.length - 2] - 2;
    const col = cols.find((c) => x >= c.r.left && x <= c.r.right);
    out.arrows.push({PID: a.dataset.pid, HeadPID: col ? col.pid : '', To: a.dataset.to});
  }
  out.pointers = document.querySelectorAll('.pm-val[data-to]').length;
  for (const v of document.querySelectorAll('.pm-val[data-dangling]')) {
    out.dangling.push(!!(v.nextElementSibling && v.nextElementSibling.classList.contains('pm-broken')) && !v.dataset.to);
  }
  for (const t of document.querySelectorAll('.pk-thread')) {
    out.threads.push({TID: t.dataset.tid, State: t.dataset.state, Wait: txt(t, '.pk-wait'), Line: (t.querySelector('.pk-line') || {dataset: {}}).dataset.line || ''});
  }
  return out;
})()`

// hexN reads an address the drawing shows.
func hexN(t *testing.T, s string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 64)
	if err != nil || !strings.HasPrefix(s, "0x") {
		t.Fatalf("not an address: %q", s)
	}
	return n
}

// TestBrowserMemoryMatchesViews: what ProcMemory and ProcKernel draw of a
// machine at a step is what show maps, show heap, show stack and show
// threads print of it, line for line, and every arrow stays in the
// process of its pointer.
func TestBrowserMemoryMatchesViews(t *testing.T) {
	p := openPage(t, serveMemoryPage(t))
	p.waitVisible("#mem")
	cases := []struct {
		name  string
		steps []int64
	}{
		{"02-memory-layout", []int64{0, 14, 30}},
		{"03-stack-frames", []int64{24}},
		{"04-heap-first-fit", []int64{16, 41}},
		{"06-leak", []int64{35}},
		{"08-values-and-references", []int64{97}},
		{"09-process-isolation", []int64{20, 90, 105}},
		{"10-threads-share", []int64{30}},
		{"11-fork-cow", []int64{6, 16}},
		{"12-zombie-orphan", []int64{14, 25}},
		{"23-pipe", []int64{48}},
		{"25-shm-semaphores", []int64{100}},
		{"26-mmap-file", []int64{40}},
		{"27-sockets", []int64{42}},
		{"28-mutex", []int64{48}},
		{"39-fork-threads", []int64{30}},
	}
	for _, c := range cases {
		for _, step := range c.steps {
			what := fmt.Sprintf("%s at step %d", c.name, step)
			m, snap := machineAt(t, c.name, step)
			p.mustEval(`ProcMemory.draw(document.getElementById('mem'), `+string(snap)+`, {}),
				ProcKernel.draw(document.getElementById('kern'), `+string(snap)+`, {}), true`, nil)
			var d drawn
			p.mustEval(readDrawing, &d)
			checkDrawing(t, what, m, snap, &d)
		}
	}
}

func checkDrawing(t *testing.T, what string, m *runtime.Machine, js []byte, d *drawn) {
	t.Helper()
	var snap runtime.Snapshot
	if err := json.Unmarshal(js, &snap); err != nil {
		t.Fatal(err)
	}
	if len(d.Procs) != len(snap.Processes) {
		t.Fatalf("%s: %d columns for %d processes", what, len(d.Procs), len(snap.Processes))
	}
	for i, dp := range d.Procs {
		sp := snap.Processes[i]
		if dp.PID != sp.PID || dp.Zombie != sp.Zombie {
			t.Errorf("%s: column %d is process %d (zombie %v), want %d (%v)", what, i, dp.PID, dp.Zombie, sp.PID, sp.Zombie)
			continue
		}
		if sp.Zombie {
			continue
		}
		proc := m.Proc(sp.PID)
		// The segments are drawn from the highest address down: show
		// maps lists them from the lowest.
		var maps []string
		for j := len(dp.Segs) - 1; j >= 0; j-- {
			s := dp.Segs[j]
			maps = append(maps, fmt.Sprintf("%08x-%08x %s %08x %-10s %s", hexN(t, s.Start), hexN(t, s.End), s.Perm, 0, s.Name, s.Note))
		}
		if got, want := strings.Join(maps, "\n"), strings.Join(m.MapsView(proc), "\n"); got != want {
			t.Errorf("%s: process %d draws\n%s\nshow maps:\n%s", what, sp.PID, got, want)
		}
		// The heap's blocks and free chunks, lowest first as show heap.
		var heap []string
		for j := len(dp.Blocks) - 1; j >= 0; j-- {
			b := dp.Blocks[j]
			size, _ := strconv.Atoi(b.Size)
			heap = append(heap, fmt.Sprintf("  block %s  %5d bytes  [%s-%s)  %s", b.Addr, size, b.Start, b.End, b.Site))
		}
		var free []string
		for j := len(dp.Free) - 1; j >= 0; j-- {
			free = append(free, fmt.Sprintf("[%s, %s]", dp.Free[j].Start, dp.Free[j].Size))
		}
		heap = append(heap, "free list: "+strings.Join(free, " "))
		var want []string
		for _, l := range m.HeapView(proc) {
			if strings.HasPrefix(l, "  block ") || strings.HasPrefix(l, "free list:") {
				want = append(want, l)
			}
		}
		if got, want := strings.Join(heap, "\n"), strings.Join(want, "\n"); got != want {
			t.Errorf("%s: process %d draws the heap\n%s\nshow heap:\n%s", what, sp.PID, got, want)
		}
		// Each thread's frames, innermost first, each from its return
		// address down to its last local, as show stack.
		byTID := map[string][]string{}
		var tids []string
		for _, f := range dp.Frames {
			if _, ok := byTID[f.TID]; !ok {
				tids = append(tids, f.TID)
			}
			lines := []string{fmt.Sprintf("#%s %s  frame=%s  line %s", f.Depth, f.Func, f.FP, f.Line)}
			for _, r := range f.Rows {
				lines = append(lines, fmt.Sprintf("   %s  %-14s  %s", r[0], r[1], r[2]))
			}
			// Drawn outermost first: each frame goes before the ones
			// already read.
			byTID[f.TID] = append(lines, byTID[f.TID]...)
		}
		for _, tid := range tids {
			n, _ := strconv.Atoi(tid)
			if got, want := strings.Join(byTID[tid], "\n"), strings.Join(m.StackView(m.Thread(n)), "\n"); got != want {
				t.Errorf("%s: thread %s draws\n%s\nshow stack:\n%s", what, tid, got, want)
			}
		}
	}
	// Every pointer with a target has its arrow, which ends in its own
	// process's column; every dangling one has its mark and no arrow.
	if len(d.Arrows) != d.Pointers {
		t.Errorf("%s: %d arrows for %d pointers", what, len(d.Arrows), d.Pointers)
	}
	for _, a := range d.Arrows {
		if a.PID != a.HeadPID {
			t.Errorf("%s: the arrow of a pointer of process %s to %s ends in the column of process %q", what, a.PID, a.To, a.HeadPID)
		}
		if !strings.HasPrefix(a.To, "p"+a.PID+":") && !strings.HasPrefix(a.To, "shm:") && !strings.HasPrefix(a.To, "file:") {
			t.Errorf("%s: a pointer of process %s leads to %s", what, a.PID, a.To)
		}
	}
	for i, ok := range d.Dangling {
		if !ok {
			t.Errorf("%s: dangling pointer %d has no broken mark, or has a target", what, i)
		}
	}
	// The threads as the snapshot has them (show threads' states and
	// waits), listed under their processes.
	if len(d.Threads) != len(snap.Threads) {
		t.Errorf("%s: %d threads drawn, the snapshot has %d", what, len(d.Threads), len(snap.Threads))
	}
	byTID := map[string]runtime.SnapThread{}
	for _, st := range snap.Threads {
		byTID[fmt.Sprint(st.TID)] = st
	}
	for _, dt := range d.Threads {
		st, ok := byTID[dt.TID]
		if !ok || dt.State != st.State || dt.Wait != st.WaitingFor || (st.Line > 0 && dt.Line != fmt.Sprint(st.Line)) {
			t.Errorf("%s: thread drawn as %+v, the snapshot has %+v", what, dt, st)
		}
	}
}
