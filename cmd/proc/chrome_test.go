package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"proc/grammar"
)

// chromeFile is a Chrome trace as the Trace Event Format's JSON Object
// Format defines it.
type chromeFile struct {
	TraceEvents []chromeEv     `json:"traceEvents"`
	OtherData   map[string]any `json:"otherData"`
}

type chromeEv struct {
	Name string         `json:"name"`
	Cat  string         `json:"cat"`
	Ph   string         `json:"ph"`
	Ts   *float64       `json:"ts"`
	Dur  *float64       `json:"dur"`
	Pid  *int           `json:"pid"`
	Tid  *int           `json:"tid"`
	ID   *int           `json:"id"`
	Bp   string         `json:"bp"`
	S    string         `json:"s"`
	Args map[string]any `json:"args"`
}

// runChrome runs a script as `cd DIR && proc run NAME.proc ARGS --chrome
// FILE` would, with the args of its header, and returns the file's bytes.
func runChrome(t *testing.T, path string, extra ...string) []byte {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := grammar.ParseHeader(src)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "trace.json")
	dir, name := filepath.Split(path)
	args := append(append([]string{name}, extra...), "--chrome", out)
	var stdout, stderr bytes.Buffer
	if code := runScript(runJob{dir: dir, args: args, header: h.Args}, &stdout, &stderr); code != h.Exit {
		t.Fatalf("%s: exit status %d, want %d\n%s", path, code, h.Exit, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkChrome checks the rules of the Trace Event Format that viewers rely
// on, and returns the parsed file.
func checkChrome(t *testing.T, name string, b []byte) chromeFile {
	t.Helper()
	var f chromeFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%s: not a Chrome trace: %v", name, err)
	}
	if len(f.TraceEvents) == 0 {
		t.Fatalf("%s: no events", name)
	}
	type track struct{ pid, tid int }
	procNames := map[int]string{}
	threadNames := map[track]string{}
	slices := map[track][][2]float64{}
	starts := map[track]map[float64]bool{} // where send and recv slices start
	flows := map[int][]chromeEv{}
	last := -1.0
	for i, e := range f.TraceEvents {
		if e.Pid == nil || e.Tid == nil {
			t.Fatalf("%s: event %d (%s) has no pid or tid", name, i, e.Name)
		}
		tr := track{*e.Pid, *e.Tid}
		if e.Ph == "M" {
			n, _ := e.Args["name"].(string)
			switch e.Name {
			case "process_name":
				procNames[*e.Pid] = n
			case "thread_name":
				threadNames[tr] = n
			}
			continue
		}
		if e.Ts == nil {
			t.Fatalf("%s: event %d (%s %s) has no ts", name, i, e.Ph, e.Name)
		}
		if *e.Ts < last {
			t.Errorf("%s: event %d (%s) at %v comes after one at %v", name, i, e.Name, *e.Ts, last)
		}
		last = *e.Ts
		switch e.Ph {
		case "X":
			if e.Dur == nil || *e.Dur < 0 {
				t.Errorf("%s: slice %d (%s) has no duration or a negative one", name, i, e.Name)
				continue
			}
			slices[tr] = append(slices[tr], [2]float64{*e.Ts, *e.Ts + *e.Dur})
			if e.Name == "send" || e.Name == "recv" {
				if starts[tr] == nil {
					starts[tr] = map[float64]bool{}
				}
				starts[tr][*e.Ts] = true
			}
		case "i":
			if e.S != "t" && e.S != "g" {
				t.Errorf("%s: instant %d (%s) has scope %q", name, i, e.Name, e.S)
			}
		case "s", "f":
			if e.ID == nil {
				t.Fatalf("%s: flow event %d has no id", name, i)
			}
			flows[*e.ID] = append(flows[*e.ID], e)
		case "B", "E":
			t.Errorf("%s: event %d: slices are complete events, not B/E", name, i)
		default:
			t.Errorf("%s: event %d has phase %q", name, i, e.Ph)
		}
		if procNames[*e.Pid] == "" {
			t.Errorf("%s: event %d (%s) is on process %d, which has no process_name", name, i, e.Name, *e.Pid)
		}
		if threadNames[tr] == "" {
			t.Errorf("%s: event %d (%s) is on thread %d/%d, which has no thread_name", name, i, e.Name, *e.Pid, *e.Tid)
		}
	}
	if procNames[0] != "CPU" || threadNames[track{0, 0}] != "cpu0" {
		t.Errorf("%s: the CPU track is named %q/%q, want CPU/cpu0", name, procNames[0], threadNames[track{0, 0}])
	}
	// Slices on one track nest or follow each other, as a stack does.
	for tr, ss := range slices {
		sort.SliceStable(ss, func(i, j int) bool {
			if ss[i][0] != ss[j][0] {
				return ss[i][0] < ss[j][0]
			}
			return ss[i][1] > ss[j][1]
		})
		var open []float64
		for _, s := range ss {
			for len(open) > 0 && open[len(open)-1] <= s[0] {
				open = open[:len(open)-1]
			}
			if len(open) > 0 && s[1] > open[len(open)-1] {
				t.Errorf("%s: on %d/%d the slice %v overlaps one ending at %v", name, tr.pid, tr.tid, s, open[len(open)-1])
				break
			}
			open = append(open, s[1])
		}
	}
	// Each arrow has one start and one finish with its id, and each end
	// is where a send or recv slice starts on its thread.
	for id, es := range flows {
		if len(es) != 2 || es[0].Ph != "s" || es[1].Ph != "f" {
			t.Errorf("%s: flow %d is %d events, want an s then an f", name, id, len(es))
			continue
		}
		if es[0].Name != es[1].Name || es[0].Cat != es[1].Cat {
			t.Errorf("%s: flow %d: the ends are named %s/%s and %s/%s", name, id, es[0].Cat, es[0].Name, es[1].Cat, es[1].Name)
		}
		if es[1].Bp != "e" {
			t.Errorf("%s: flow %d: the finish does not bind to its enclosing slice", name, id)
		}
		for _, e := range es {
			if !starts[track{*e.Pid, *e.Tid}][*e.Ts] {
				t.Errorf("%s: flow %d: no send or recv slice starts at %v on %d/%d", name, id, *e.Ts, *e.Pid, *e.Tid)
			}
		}
		if *es[1].Ts < *es[0].Ts {
			t.Errorf("%s: flow %d goes back in time", name, id)
		}
	}
	return f
}

// chromeScripts are every example and every exercise's reference.
func chromeScripts(t *testing.T) []string {
	ex, _ := filepath.Glob("../../examples/*.proc")
	ostep, _ := filepath.Glob("../../examples/ostep/*.proc")
	ex = append(ex, ostep...)
	sol, _ := filepath.Glob("../../exercises/*/solution.proc")
	if len(ex) == 0 || len(sol) == 0 {
		t.Fatal("no scripts found")
	}
	return append(ex, sol...)
}

// TestChromeValid writes the Chrome trace of every example and exercise
// and checks it, and that two runs give the same bytes.
func TestChromeValid(t *testing.T) {
	t.Parallel()
	for _, path := range chromeScripts(t) {
		b := runChrome(t, path)
		checkChrome(t, path, b)
		if again := runChrome(t, path); !bytes.Equal(b, again) {
			t.Errorf("%s: two runs give different Chrome traces", path)
		}
	}
}

// TestChromeFlows checks the arrows of each kind of channel: every message
// of these examples is received, so each send has its arrow.
func TestChromeFlows(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		script string
		name   string
		n      int
	}{
		{"../../examples/23-pipe.proc", "pipe 1", 3},
		{"../../examples/24-mqueue.proc", "mqueue /jobs", 4},
		{"../../examples/27-sockets.proc", "", 2}, // a socket per direction
		{"../../exercises/09-pipe-producer-consumer/solution.proc", "pipe 1", 5},
		{"../../exercises/13-socket-echo-server/solution.proc", "", 4},
	} {
		f := checkChrome(t, c.script, runChrome(t, c.script))
		n := 0
		for _, e := range f.TraceEvents {
			if e.Ph == "s" && (c.name == "" || e.Name == c.name) {
				n++
			}
		}
		if n != c.n {
			t.Errorf("%s: %d arrows named %q, want %d", c.script, n, c.name, c.n)
		}
	}
	// A message queue's arrows follow priorities, not the order of sends:
	// the first message received (prio 9) is the second one sent.
	f := checkChrome(t, "24-mqueue", runChrome(t, "../../examples/24-mqueue.proc"))
	var sends []float64
	first := map[int]float64{}
	for _, e := range f.TraceEvents {
		switch e.Ph {
		case "s":
			sends = append(sends, *e.Ts)
			first[*e.ID] = *e.Ts
		}
	}
	for _, e := range f.TraceEvents {
		if e.Ph == "f" {
			if first[*e.ID] != sends[1] {
				t.Errorf("the first message received was sent at %v, want %v (prio 9)", first[*e.ID], sends[1])
			}
			break
		}
	}
}

// TestChromeIndependentOfTrace checks that --trace filters the text trace
// only: the Chrome trace records every event whatever it shows.
func TestChromeIndependentOfTrace(t *testing.T) {
	t.Parallel()
	path := "../../examples/27-sockets.proc"
	all := runChrome(t, path, "--trace=all")
	none := runChrome(t, path, "--trace=none")
	if !bytes.Equal(all, none) {
		t.Errorf("--trace=all and --trace=none give different Chrome traces")
	}
	for _, want := range []string{`"name":"switch (process)"`, `"name":"connect"`, `"name":"print"`, `"name":"exit"`, `"ph":"s"`} {
		if !bytes.Contains(none, []byte(want)) {
			t.Errorf("the Chrome trace of %s has no %s", path, want)
		}
	}
}

// TestChromeStopped checks that a run that ends in a deadlock still
// writes a complete trace, with the deadlock on the CPU track.
func TestChromeStopped(t *testing.T) {
	t.Parallel()
	path := "../../examples/30-dining-philosophers.proc"
	f := checkChrome(t, path, runChrome(t, path))
	found := false
	for _, e := range f.TraceEvents {
		if e.Name == "deadlock" && e.Ph == "i" && *e.Pid == 0 && e.S == "g" {
			found = true
		}
	}
	if !found {
		t.Errorf("%s: no deadlock instant on the CPU track", path)
	}
}
