package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// repoRoot is the root of the module, from this package's folder.
const repoRoot = "../.."

// TestNoCitationOfAbsentDocument: the docs in the repository are the
// reference. A lesson, a doc or a comment that sends its reader to the
// sections of a spec sends them to a document they do not have.
//
// The pattern is written so that it does not match itself: a bracketed
// letter, and the section sign by its code point. The docs of the
// repository are not numbered, so a numbered section is always another
// document's.
var absentCite = regexp.MustCompile(`\bS[P]EC\b|(?i)\bs[p]ec(ification)?( section|\.md)|\bthe s[p]ecification\b|\x{00A7} ?\d|\bs[e]ctions? \d`)

func TestNoCitationOfAbsentDocument(t *testing.T) {
	t.Parallel()
	cite := absentCite
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && path != repoRoot {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".md", ".proc", ".golden", ".txtar", ".txt", ".yml", ".yaml":
		default:
			if d.Name() != "check" {
				return nil
			}
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			if cite.MatchString(line) {
				t.Errorf("%s:%d cites a document the repository does not have: %s", path, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCitationPattern: the pattern catches the ways a comment cites a
// document by its sections, and lets the repository's own words through.
// The lines are split so that this file does not match.
func TestCitationPattern(t *testing.T) {
	t.Parallel()
	for _, line := range []string{
		"// as S" + "PEC sec" + "tion 4 says",
		"// see S" + "PEC.md",
		"// the s" + "pec, sec" + "tion 3.2",
		"// s" + "pec sec" + "tion 2",
		"// Spec" + "ification sec" + "tion 5",
		"// per s" + "pec.md",
		"// follows the s" + "pecification",
		"// see \u00a7" + "4.1",
		"// see s" + "ection 6",
		"// (S" + "ections 2 and 3)",
	} {
		if !absentCite.MatchString(line) {
			t.Errorf("not caught: %s", line)
		}
	}
	for _, line := range []string{
		"// scaleSeries are the configurations of each series, as child specs.",
		"specs, ok := scaleSeries[s]",
		"return fmt.Errorf(\"bad spec %q\", spec)",
		"// the section on limits in the README",
		"| `show stats` | the statistics |",
	} {
		if absentCite.MatchString(line) {
			t.Errorf("caught, though it cites nothing absent: %s", line)
		}
	}
}

// runExample runs an example as the README tells a student to, `proc run
// examples/NAME.proc`, and returns its stdout and exit status.
func runExample(t *testing.T, name string, args ...string) (string, int) {
	t.Helper()
	var out, errb strings.Builder
	code := Main(append([]string{"run", filepath.Join(repoRoot, "examples", name+".proc")}, args...), nil, &out, &errb)
	if code == 2 {
		t.Fatalf("%s did not start: %s", name, errb.String())
	}
	return out.String(), code
}

// TestExamplesShowWhatTheySay: what an example's comment promises, its
// plain run shows.
func TestExamplesShowWhatTheySay(t *testing.T) {
	t.Parallel()
	t.Run("46 two CPUs: half the time, and lost updates", func(t *testing.T) {
		re := regexp.MustCompile(`two threads: (\d+) ticks, hits = (\d+) of 60`)
		var ticks, hits [2]int
		for i, cpus := range []string{"cpus=1", "cpus=2"} {
			out, _ := runExample(t, "46-two-cpus", "--set", cpus)
			m := re.FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("%s: no result line:\n%s", cpus, out)
			}
			ticks[i], _ = strconv.Atoi(m[1])
			hits[i], _ = strconv.Atoi(m[2])
		}
		if 2*ticks[1] > ticks[0]+ticks[0]/5 {
			t.Errorf("two CPUs take %d ticks, one %d: not about half", ticks[1], ticks[0])
		}
		if hits[1] > 40 || hits[1] >= hits[0] {
			t.Errorf("two CPUs keep %d of 60 updates, one %d: the race should lose more on two", hits[1], hits[0])
		}
	})
	t.Run("47 false sharing: one line is slower, and COHERENCE says why", func(t *testing.T) {
		out, _ := runExample(t, "47-false-sharing")
		one := regexp.MustCompile(`one line, two CPUs: +(\d+) ticks`).FindStringSubmatch(out)
		two := regexp.MustCompile(`two lines, two CPUs: +(\d+) ticks`).FindStringSubmatch(out)
		if one == nil || two == nil {
			t.Fatalf("no result lines:\n%s", out)
		}
		a, _ := strconv.Atoi(one[1])
		b, _ := strconv.Atoi(two[1])
		if a < b+b/4 {
			t.Errorf("one line %d ticks, two lines %d: false sharing should cost clearly more", a, b)
		}
		coh := map[string]int{}
		for _, m := range regexp.MustCompile(`(?m)^ +\d+ (near_a|near_b|far_a|far_b) .* (\d+)$`).FindAllStringSubmatch(out, -1) {
			coh[m[1]], _ = strconv.Atoi(m[2])
		}
		if len(coh) != 4 || coh["near_a"] < 50 || coh["near_b"] < 50 || coh["far_a"] > 2 || coh["far_b"] > 2 {
			t.Errorf("COHERENCE should be high for the threads of one line and near 0 for the others: %v\n%s", coh, out)
		}
	})
	t.Run("48 affinity: a queue per CPU migrates less and misses less", func(t *testing.T) {
		re := regexp.MustCompile(`three threads, two CPUs: (\d+) ticks`)
		migr := regexp.MustCompile(`(?m)^ +\d+ +1 scan .* (\d+)$`)
		var ticks, moves [2]int
		for i, q := range []string{"sched_queues=percpu", "sched_queues=global"} {
			out, _ := runExample(t, "48-affinity", "--set", q)
			m := re.FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("%s: no result line:\n%s", q, out)
			}
			ticks[i], _ = strconv.Atoi(m[1])
			for _, r := range migr.FindAllStringSubmatch(out, -1) {
				n, _ := strconv.Atoi(r[1])
				moves[i] += n
			}
		}
		if ticks[0] >= ticks[1] || moves[1] == 0 || moves[0]*10 > moves[1] {
			t.Errorf("percpu: %d ticks, %d migrations; global: %d ticks, %d migrations", ticks[0], moves[0], ticks[1], moves[1])
		}
	})
	t.Run("23 two sends, one recv", func(t *testing.T) {
		out, _ := runExample(t, "23-pipe")
		if !regexp.MustCompile(`(?m)recv\(3\)( = |.*resumed> = )"item\d;item\d;`).MatchString(out) {
			t.Errorf("no recv returns the bytes of two sends at once:\n%s", out)
		}
	})
	t.Run("ostep multi: one queue never warm at 150, a queue per CPU 100", func(t *testing.T) {
		// The statistics' threads: END of a, b and c, and the warm line.
		ends := func(args ...string) (map[string]int, string) {
			out, _ := runExample(t, "ostep/cpu-sched-multi", args...)
			got := map[string]int{}
			for _, m := range regexp.MustCompile(`(?m)^ +\d+ +\d+ ([abc]) +\d+ +(\d+) `).FindAllStringSubmatch(out, -1) {
				got[m[1]], _ = strconv.Atoi(m[2])
			}
			return got, regexp.MustCompile(`warm cache: .*`).FindString(out)
		}
		one, warm := ends()
		if one["a"] != 140 || one["b"] != 150 || one["c"] != 150 || !strings.Contains(warm, "cpu0 0 (0.0%), cpu1 0 (0.0%)") {
			t.Errorf("one queue: ends %v, %q; want the last at 150 and no tick warm", one, warm)
		}
		per, warm := ends("--set", "sched_queues=percpu")
		if per["b"] != 55 || max(per["a"], per["c"]) != 100 || strings.Contains(warm, "cpu1 0 ") {
			t.Errorf("a queue per CPU: ends %v, %q; want b at 55, the last at 100, warm ticks", per, warm)
		}
	})
	t.Run("25 the segment at two addresses", func(t *testing.T) {
		out, _ := runExample(t, "25-shm-semaphores")
		at := regexp.MustCompile(`(?m)\[(\d)/\d\] shm\("buffer", 8\) = (0x[0-9a-f]+)`).FindAllStringSubmatch(out, -1)
		if len(at) != 2 || at[0][1] == at[1][1] || at[0][2] == at[1][2] {
			t.Errorf("the two processes do not map the buffer at two addresses: %q\n%s", at, out)
		}
	})
	t.Run("22 a share shows over many draws", func(t *testing.T) {
		// Each process's CPU ticks until B (pid 3) ends, from the switches.
		share := func(args ...string) (map[string]int, int) {
			out, _ := runExample(t, "22-sched-lottery", append([]string{"--trace=sched,proc"}, args...)...)
			switchTo := regexp.MustCompile(`^ *(\d+) ----- switch \S+ -> (\d+)/`)
			end := regexp.MustCompile(`^ *(\d+) \[3/3\] \+\+\+ exited`)
			ticks, cur, since := map[string]int{}, "", 0
			for _, l := range strings.Split(out, "\n") {
				if m := end.FindStringSubmatch(l); m != nil {
					at, _ := strconv.Atoi(m[1])
					ticks[cur] += at - since
					return ticks, at
				}
				if m := switchTo.FindStringSubmatch(l); m != nil {
					at, _ := strconv.Atoi(m[1])
					ticks[cur] += at - since
					cur, since = m[2], at
				}
			}
			t.Fatalf("B never ends:\n%s", out)
			return nil, 0
		}
		if ticks, end := share(); ticks["2"] != 20 || end != 60 {
			t.Errorf("A ran %d of the %d ticks before B ended, want two turns of 10 in six", ticks["2"], end)
		}
		ticks, end := share("--set", "quantum=1")
		pct := (100*ticks["2"] + end/2) / end
		src, _ := os.ReadFile(filepath.Join(repoRoot, "examples", "22-sched-lottery.proc"))
		flat := strings.Join(strings.Fields(strings.ReplaceAll(string(src), "# ", " ")), " ")
		for _, want := range []string{"of the six turns before B ends, A wins two", "A gets " + strconv.Itoa(pct) + "% of the CPU until B ends"} {
			if !strings.Contains(flat, want) {
				t.Errorf("example 22 does not say %q", want)
			}
		}
	})
	t.Run("13 and 14 processes cost more, and the misses say why", func(t *testing.T) {
		// ticks N: ...; switches: P process (...), T thread (...); and
		// switch cost: D ticks direct + I indirect = S.
		totals := func(name string, args ...string) (ticks, switches, direct, indirect int) {
			out, _ := runExample(t, name, args...)
			m := regexp.MustCompile(`(?m)^ticks (\d+):`).FindStringSubmatch(out)
			sw := regexp.MustCompile(`(?m)^switches: (\d+) process \(cost \d+ each\), (\d+) thread`).FindStringSubmatch(out)
			c := regexp.MustCompile(`(?m)^switch cost: (\d+) ticks direct \+ (\d+) indirect`).FindStringSubmatch(out)
			if m == nil || sw == nil || c == nil {
				t.Fatalf("%s %v: no totals, or no table of the TLB and the cache:\n%s", name, args, out)
			}
			n := func(s string) int { v, _ := strconv.Atoi(s); return v }
			return n(m[1]), n(sw[1]) + n(sw[2]), n(c[1]), n(c[2])
		}
		pt, ps, pd, pi := totals("13-four-processes")
		tt, ts, td, ti := totals("14-four-threads")
		if 10*pt < 15*tt {
			t.Errorf("four processes take %d ticks, four threads %d: not clearly more", pt, tt)
		}
		if pi == 0 || ti != 0 {
			t.Errorf("indirect switch cost %d for the processes, %d for the threads: want some against none", pi, ti)
		}
		at, as, _, ai := totals("13-four-processes", "--set", "asid=on")
		if ai != 0 || at >= pt || at <= tt {
			t.Errorf("with asid=on the processes take %d ticks (%d indirect), without %d, the threads %d: the gap does not shrink", at, ai, pt, tt)
		}
		for _, f := range []string{"13-four-processes", "14-four-threads"} {
			src, _ := os.ReadFile(filepath.Join(repoRoot, "examples", f+".proc"))
			flat := strings.Join(strings.Fields(strings.ReplaceAll(string(src), "# ", " ")), " ")
			for _, want := range []string{
				fmt.Sprintf("%d switches against %d", ps, ts),
				fmt.Sprintf("switching costs %d ticks (%d direct + %d indirect) against %d", pd+pi, pd, pi, td+ti),
				fmt.Sprintf("The processes end at tick %d, the threads at %d.", pt, tt),
				fmt.Sprintf("%d switches, and the processes end at %d", as, at),
			} {
				if !strings.Contains(flat, want) {
					t.Errorf("example %s does not say %q", f, want)
				}
			}
		}
	})
	t.Run("29 both sides wait", func(t *testing.T) {
		out, _ := runExample(t, "29-bounded-buffer")
		for _, want := range []string{"buffer full: the producer waits\n", "buffer empty: the consumer waits\n", "sum = 21\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("no %q in:\n%s", want, out)
			}
		}
	})
	t.Run("33 the same bytes both ways", func(t *testing.T) {
		out, _ := runExample(t, "33-ipc-cost")
		for _, want := range []string{"through the pipe: 4096 bytes\n", "through shared memory: 4096 bytes\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("no %q in:\n%s", want, out)
			}
		}
		row := statsRows(t, out)
		for name, copied := range map[string]int{"pipe-w": 4096, "pipe-r": 4096, "shm-w": 0, "shm-r": 0} {
			if row[name]["COPIED"] != copied {
				t.Errorf("%s copied %d bytes, want %d", name, row[name]["COPIED"], copied)
			}
		}
		cpu := func(r map[string]map[string]int, name string) int { return r[name]["CPU"] }
		if w, s := cpu(row, "pipe-w"), cpu(row, "shm-w"); w >= s || s-w > s/5 {
			t.Errorf("pipe-w %d ticks, shm-w %d: not a little cheaper", w, s)
		}
		if r, s := cpu(row, "pipe-r"), cpu(row, "shm-r"); r-s > s/50 || s-r > s/50 {
			t.Errorf("pipe-r %d ticks, shm-r %d: not about even", r, s)
		}
		// The copies are in the default run: 512 units each way.
		dear, _ := runExample(t, "33-ipc-cost", "--set", "cost_copy=8")
		row8 := statsRows(t, dear)
		for _, name := range []string{"pipe-w", "pipe-r"} {
			if d := cpu(row8, name) - cpu(row, name); d != 7*512 {
				t.Errorf("%s: cost_copy=8 adds %d ticks, want 7 for each of 512 copies", name, d)
			}
		}
		if w, s := cpu(row8, "pipe-w"), cpu(row8, "shm-w"); 10*w < 17*s || w > 2*s {
			t.Errorf("with cost_copy=8, pipe-w %d ticks, shm-w %d: not almost twice", w, s)
		}
		ipc, _ := runExample(t, "33-ipc-cost", "--trace=ipc")
		if n := strings.Count(ipc, `shm("words", 4096) = `); n != 2 {
			t.Errorf("%d mappings of a 4096-byte segment, want 2", n)
		}
	})
	t.Run("35 a long quantum loses nothing", func(t *testing.T) {
		out, code := runExample(t, "35-explore-lost-update")
		if out != "counter = 4\n" || code != 0 {
			t.Errorf("exit %d, output:\n%s", code, out)
		}
	})
}

// statsRows reads the rows of the statistics table of a run: by process
// name, each column's number.
func statsRows(t *testing.T, out string) map[string]map[string]int {
	t.Helper()
	rows := map[string]map[string]int{}
	var head []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 2 && f[0] == "PID" && f[1] == "NAME" {
			head = f
			continue
		}
		if len(f) > 0 && f[0] == "TID" {
			head = nil // a table of threads: not read here
			continue
		}
		if head == nil || len(f) != len(head) {
			continue
		}
		// A process has a row in the table of processes and, with a TLB
		// or a cache, one in the table of their hits and misses: its
		// columns are those of both.
		row := rows[f[1]]
		if row == nil {
			row = map[string]int{}
			rows[f[1]] = row
		}
		for i, col := range head {
			if n, err := strconv.Atoi(f[i]); err == nil {
				row[col] = n
			}
		}
	}
	if len(rows) == 0 {
		t.Fatalf("no statistics table in:\n%s", out)
	}
	return rows
}

// TestPetersonRacesExplained: explore passes Peterson's algorithm and
// warns of races all the same; the example and the docs say why, so that
// a student does not take either for a bug.
func TestPetersonRacesExplained(t *testing.T) {
	t.Parallel()
	var out, errb strings.Builder
	code := Main([]string{"explore", filepath.Join(repoRoot, "examples", "36-peterson.proc")}, nil, &out, &errb)
	races := strings.Count(out.String(), "\nWARNING: data race")
	if code != 0 || strings.Contains(out.String(), "FAILED") || races == 0 {
		t.Fatalf("explore of 36: exit %d, %d races:\n%s%s", code, races, out.String(), errb.String())
	}
	src, err := os.ReadFile(filepath.Join(repoRoot, "examples", "36-peterson.proc"))
	if err != nil {
		t.Fatal(err)
	}
	if n := []string{"no", "one", "two", "three", "four", "five", "six", "seven"}; races >= len(n) || !strings.Contains(string(src), " "+n[races]+" data-race warnings") {
		t.Errorf("example 36 does not say explore prints %d data-race warnings", races)
	}
	for _, f := range []string{"examples/36-peterson.proc", "README.md", "docs/LANGUAGE.md"} {
		text, err := os.ReadFile(filepath.Join(repoRoot, f))
		if err != nil {
			t.Fatal(err)
		}
		flat := strings.Join(strings.Fields(strings.ReplaceAll(string(text), "# ", " ")), " ")
		for _, want := range []string{"sequentially consistent", "fences", "atomic"} {
			if !strings.Contains(flat, want) {
				t.Errorf("%s does not explain Peterson's races: no %q", f, want)
			}
		}
	}
}

// TestReadmeTraceLinesAreReal: the lines "How to read a trace" explains
// are lines of the runs it names, byte for byte, so that what a reader
// is taught to read is what proc writes.
func TestReadmeTraceLinesAreReal(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "### How to read a trace")
	if start < 0 {
		t.Fatal("no section How to read a trace in the README")
	}
	sec := text[start:]
	sec = sec[:strings.Index(sec, "\n## ")]
	traceLine := regexp.MustCompile(`^ +\d+ (\[\d+/\d+\]|-----) `)
	var lines []string
	for _, l := range strings.Split(sec, "\n") {
		if traceLine.MatchString(l) {
			lines = append(lines, l)
		}
	}
	// Inline code, once the fences of the code blocks are out of the way.
	prose := regexp.MustCompile("(?m)^```.*$").ReplaceAllString(sec, "")
	for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(prose, -1) {
		if traceLine.MatchString(m[1]) {
			lines = append(lines, m[1])
		}
	}
	var outs []string
	for _, m := range regexp.MustCompile(`examples/(\d\d-[a-z-]+)\.proc`).FindAllStringSubmatch(sec, -1) {
		out, _ := runExample(t, m[1])
		outs = append(outs, out)
	}
	if len(lines) < 2 || len(outs) == 0 {
		t.Fatalf("%d trace lines and %d runs named in the section", len(lines), len(outs))
	}
	for _, l := range lines {
		found := false
		for _, out := range outs {
			found = found || strings.Contains("\n"+out, "\n"+l+"\n")
		}
		if !found {
			t.Errorf("the README shows a trace line no run it names prints:\n%s", l)
		}
	}
}

// TestAtomicLocksExplained: the headers of the two locks built of atomic
// instructions say what proc explore finds in them, and it does.
func TestAtomicLocksExplained(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, last, header string
	}{
		{"44-test-and-set", "154 schedules, 38 outcomes, 0 data races, complete: every schedule was covered",
			"every schedule, 154 of them: 38 outcomes"},
		{"45-ticket-lock", "1 outcome, 0 data races, complete: every schedule was covered",
			"one outcome, counter = 4"},
	} {
		path := filepath.Join(repoRoot, "examples", c.name+".proc")
		var out, errb strings.Builder
		code := Main([]string{"explore", path}, nil, &out, &errb)
		if code != 0 || strings.Contains(out.String(), "FAILED") || !strings.HasSuffix(strings.TrimSpace(out.String()), c.last) {
			t.Errorf("explore of %s: exit %d, want it to end %q:\n%s%s", c.name, code, c.last, out.String(), errb.String())
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		flat := strings.Join(strings.Fields(strings.ReplaceAll(string(src), "# ", " ")), " ")
		if !strings.Contains(flat, c.header) {
			t.Errorf("%s does not say what explore finds: no %q", c.name, c.header)
		}
	}
}
