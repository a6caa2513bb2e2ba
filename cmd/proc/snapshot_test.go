package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"proc/grammar"
	"proc/runtime"
)

// TestSnapshotAtKeepsTheRun runs every example with --json, with its own
// header, and again with --snapshot-at at steps from the first to past the
// end: the output is the same but for one more line, the snapshot of the
// step asked (or of the end), and so is the exit status.
func TestSnapshotAtKeepsTheRun(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../examples/*.proc")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	ostep, _ := filepath.Glob("../../examples/ostep/*.proc")
	files = append(files, ostep...)
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		h, err := grammar.ParseHeader(src)
		if err != nil {
			t.Fatal(err)
		}
		dir, name := filepath.Split(f)
		run := func(extra ...string) (string, int) {
			var out bytes.Buffer
			code := runScript(runJob{dir: dir, args: append([]string{name, "--json"}, extra...), header: h.Args}, &out, &bytes.Buffer{})
			return out.String(), code
		}
		want, wantCode := run()
		var stats struct {
			Steps int64 `json:"steps"`
		}
		lines := strings.Split(strings.TrimSuffix(want, "\n"), "\n")
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &stats); err != nil {
			t.Fatalf("%s: the last line is not the stats record: %v", f, err)
		}
		total := stats.Steps
		for _, step := range []int64{0, 1, total / 2, total - 1, total, total + 1, 1 << 40} {
			got, code := run(fmt.Sprintf("--snapshot-at=%d", step))
			i := strings.LastIndex(strings.TrimSuffix(got, "\n"), "\n")
			if got[:i+1] != want || code != wantCode {
				t.Errorf("%s --snapshot-at=%d: the run changed (exit %d, want %d)", f, step, code, wantCode)
				continue
			}
			var snap struct {
				Ev    string `json:"ev"`
				Step  int64  `json:"step"`
				Ended bool   `json:"ended"`
			}
			if err := json.Unmarshal([]byte(got[i+1:]), &snap); err != nil || snap.Ev != "snapshot" {
				t.Errorf("%s --snapshot-at=%d: the last line is not a snapshot: %v", f, step, err)
				continue
			}
			if snap.Step != min(step, total) || snap.Ended != (step >= total) {
				t.Errorf("%s --snapshot-at=%d of %d: step %d, ended %t", f, step, total, snap.Step, snap.Ended)
			}
		}
	}
}

// TestSnapshotDocumented: every field of the snapshot's JSON is named in
// docs/snapshot.md, and the runs the page shows give what it shows.
func TestSnapshotDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join(repoRoot, "docs", "snapshot.md"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(ty reflect.Type) {
		for ty.Kind() == reflect.Pointer || ty.Kind() == reflect.Slice {
			ty = ty.Elem()
		}
		if ty.Kind() != reflect.Struct || seen[ty] {
			return
		}
		seen[ty] = true
		for i := 0; i < ty.NumField(); i++ {
			f := ty.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if !bytes.Contains(doc, []byte("`"+name+"`")) {
				t.Errorf("docs/snapshot.md does not name the field %s of %s", name, ty.Name())
			}
			walk(f.Type)
		}
	}
	walk(reflect.TypeOf(runtime.Snapshot{}))

	snapshot := func(file string, step int) *runtime.Snapshot {
		var out bytes.Buffer
		dir, name := filepath.Split(filepath.Join(repoRoot, "examples", file))
		if code := runScript(runJob{dir: dir, args: []string{name, "--json", fmt.Sprintf("--snapshot-at=%d", step)}, ownHeader: true}, &out, &bytes.Buffer{}); code != 0 {
			t.Fatalf("%s: exit %d", file, code)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		var s runtime.Snapshot
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &s); err != nil {
			t.Fatal(err)
		}
		return &s
	}
	s := snapshot("10-threads-share.proc", 38)
	if s.Tick != 63 || fmt.Sprint(s.Running) != "[2]" || s.Threads[0].WaitsOn != "t2" || s.Processes[0].Globals[0].Value.V != "3" {
		t.Errorf("10-threads-share at 38: tick %d, running %v, main waits on %q, shared = %s", s.Tick, s.Running, s.Threads[0].WaitsOn, s.Processes[0].Globals[0].Value.V)
	}
	for _, th := range s.Threads {
		if v := th.Frames[0].Slots[0].Value; v.To != "p1:block:0x402010" {
			t.Errorf("10-threads-share at 38: obj of %d leads to %q", th.TID, v.To)
		}
	}
	if s := snapshot("23-pipe.proc", 45); len(s.Kernel.Pipes) != 1 || s.Kernel.Pipes[0].Data != `"item2;"` {
		t.Errorf("23-pipe at 45: %+v", s.Kernel.Pipes)
	}
	s = snapshot("25-shm-semaphores.proc", 60)
	for _, p := range s.Processes {
		for _, seg := range p.Segments {
			if seg.Kind == "shm" && (seg.Shared != "shm:local:buffer" || len(seg.Words) != 1 || seg.Words[0].Value.V != "100") {
				t.Errorf("25-shm-semaphores at 60: %+v", seg)
			}
		}
	}
}
