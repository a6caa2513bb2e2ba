package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	lua "github.com/yuin/gopher-lua"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"proc/interp"
)

// peerOptions are the settings of the peer comparison.
type peerOptions struct {
	rounds, warmup int
	benches        []string
	engines        []string
	fibN, loopN    int
}

// A run is one prepared execution of a benchmark in one engine: calling it
// does the work and returns the result and the time the work took, as
// measured around the work only (compiling the source and creating the
// interpreter's state happen before, untimed).
type run func() (result string, elapsed time.Duration, err error)

// An engine prepares runs of the benchmarks.
type engine struct {
	name    string
	prepare func(bench string, n int) (run, error)
}

// procSets lift the step limit (default max_steps=10,000,000), so that a
// larger -fib or -loop is never stopped by it.
var procSets = []string{"max_steps=1000000000000"}

// procSources are the benchmarks in .proc. Both do their work in a function
// called from the top level, like every peer's version.
var procSources = map[string]string{
	"fib":  "func fib(n) { if n < 2 { return n }; return fib(n-1) + fib(n-2) }\nprint fib(%d)\n",
	"loop": "func loop(n) {\n\tlet s = 0\n\tfor i in 0..n { s = s + i }\n\treturn s\n}\nprint loop(%d)\n",
}

// procEngine runs .proc through interp.Load and NewSession with
// --trace=none and the given --set overrides; the timer covers Session.Run.
func procEngine(name string, sets ...string) engine {
	return engine{name: name, prepare: func(bench string, n int) (run, error) {
		prog, err := interp.Load(bench+".proc", []byte(fmt.Sprintf(procSources[bench], n)))
		if err != nil {
			return nil, err
		}
		var out, errw bytes.Buffer
		s, err := interp.NewSession(prog, interp.Options{Trace: 0, Sets: append(slices.Clone(procSets), sets...), Stdout: &out, Stderr: &errw})
		if err != nil {
			return nil, err
		}
		return func() (string, time.Duration, error) {
			t0 := time.Now()
			res := s.Run()
			d := time.Since(t0)
			if res.ExitCode() != 0 || errw.Len() > 0 {
				return "", d, fmt.Errorf("proc: exit %d %s %s", res.ExitCode(), res.Stopped, errw.String())
			}
			return strings.TrimSpace(out.String()), d, nil
		}, nil
	}}
}

// luaSources are the benchmarks in Lua, as local functions (Lua's fast
// idiom: a local is an upvalue, not a global table lookup); the chunk
// returns the function and the timer covers calling it.
var luaSources = map[string]string{
	"fib":  "local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end return fib",
	"loop": "local function loop(n) local s = 0 for i = 0, n - 1 do s = s + i end return s end return loop",
}

// luaEngine runs gopher-lua.
func luaEngine() engine {
	return engine{name: "gopher-lua", prepare: func(bench string, n int) (run, error) {
		L := lua.NewState()
		chunk, err := L.LoadString(luaSources[bench])
		if err == nil {
			L.Push(chunk)
			err = L.PCall(0, 1, nil)
		}
		if err != nil {
			L.Close()
			return nil, err
		}
		fn := L.Get(-1)
		L.Pop(1)
		return func() (string, time.Duration, error) {
			defer L.Close()
			t0 := time.Now()
			err := L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, lua.LNumber(n))
			d := time.Since(t0)
			if err != nil {
				return "", d, err
			}
			v := L.Get(-1)
			L.Pop(1)
			return v.String(), d, nil
		}, nil
	}}
}

// starlarkSources are the benchmarks in Starlark, which has no while and
// allows loops only inside functions; recursion is enabled for fib.
var starlarkSources = map[string]string{
	"fib":  "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
	"loop": "def loop(n):\n    s = 0\n    for i in range(n):\n        s = s + i\n    return s\n",
}

// starlarkEngine runs starlark-go; the timer covers starlark.Call.
func starlarkEngine() engine {
	return engine{name: "starlark-go", prepare: func(bench string, n int) (run, error) {
		thread := &starlark.Thread{Name: bench}
		globals, err := starlark.ExecFileOptions(&syntax.FileOptions{Recursion: true}, thread, bench+".star", starlarkSources[bench], nil)
		if err != nil {
			return nil, err
		}
		fn := globals[bench]
		return func() (string, time.Duration, error) {
			t0 := time.Now()
			v, err := starlark.Call(thread, fn, starlark.Tuple{starlark.MakeInt(n)}, nil)
			d := time.Since(t0)
			if err != nil {
				return "", d, err
			}
			return v.String(), d, nil
		}, nil
	}}
}

// pythonSources are the benchmarks in Python. The script times the call
// itself with time.perf_counter, so the interpreter's start-up and the
// compile are not counted, and prints the result and the seconds taken.
var pythonSources = map[string]string{
	"fib":  "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
	"loop": "def loop(n):\n    s = 0\n    for i in range(n):\n        s = s + i\n    return s\n",
}

const pythonTimer = `
import sys, time
sys.setrecursionlimit(100000)
t0 = time.perf_counter()
r = %s(%d)
t1 = time.perf_counter()
print(r, t1 - t0)
`

// pythonEngine runs CPython (python3 on PATH) in a fresh process a run.
func pythonEngine() engine {
	return engine{name: "cpython", prepare: func(bench string, n int) (run, error) {
		src := pythonSources[bench] + fmt.Sprintf(pythonTimer, bench, n)
		return func() (string, time.Duration, error) {
			out, err := exec.Command("python3", "-c", src).Output()
			if err != nil {
				return "", 0, fmt.Errorf("python3: %v", err)
			}
			f := strings.Fields(string(out))
			if len(f) != 2 {
				return "", 0, fmt.Errorf("python3 printed %q", out)
			}
			sec, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return "", 0, err
			}
			return f[0], time.Duration(sec * float64(time.Second)), nil
		}, nil
	}}
}

// enginesByName returns the engines asked for, in order.
func enginesByName(names []string) ([]engine, error) {
	var es []engine
	for _, n := range names {
		switch n {
		case "proc":
			es = append(es, procEngine("proc"))
		case "proc-fifo":
			es = append(es, procEngine("proc-fifo", "sched=fifo"))
		case "lua", "gopher-lua":
			es = append(es, luaEngine())
		case "starlark", "starlark-go":
			es = append(es, starlarkEngine())
		case "python", "cpython":
			if _, err := exec.LookPath("python3"); err != nil {
				fmt.Fprintln(os.Stderr, "bench: python3 not on PATH; skipping CPython")
				continue
			}
			es = append(es, pythonEngine())
		default:
			return nil, fmt.Errorf("unknown engine %q (want proc, proc-fifo, lua, starlark, python)", n)
		}
	}
	return es, nil
}

// want is each benchmark's correct result.
func want(bench string, n int) string {
	switch bench {
	case "fib":
		a, b := 0, 1
		for i := 0; i < n; i++ {
			a, b = b, a+b
		}
		return strconv.Itoa(a)
	case "loop":
		return strconv.FormatInt(int64(n)*int64(n-1)/2, 10)
	}
	return ""
}

// runPeers runs every benchmark in every engine, rounds times in rotating
// order, and prints the medians and the ratios against proc.
func runPeers(o peerOptions) error {
	es, err := enginesByName(o.engines)
	if err != nil {
		return err
	}
	if o.rounds < 1 {
		return fmt.Errorf("-rounds must be at least 1")
	}
	fmt.Printf("%d rounds (after %d warm-up), each running every engine once in rotating order; times are medians of the work alone\n\n", o.rounds, o.warmup)
	type row struct {
		bench, engine, result string
		times                 []time.Duration
	}
	var rows []*row
	failed := false
	for _, bench := range o.benches {
		n := 0
		switch bench {
		case "fib":
			n = o.fibN
		case "loop":
			n = o.loopN
		default:
			return fmt.Errorf("unknown benchmark %q (want fib, loop)", bench)
		}
		byEngine := map[string]*row{}
		for _, e := range es {
			r := &row{bench: fmt.Sprintf("%s(%d)", bench, n), engine: e.name}
			byEngine[e.name] = r
			rows = append(rows, r)
		}
		for round := -o.warmup; round < o.rounds; round++ {
			for k := range es {
				e := es[(k+max(round, 0))%len(es)]
				r := byEngine[e.name]
				run, err := e.prepare(bench, n)
				if err != nil {
					return fmt.Errorf("%s %s: %v", e.name, bench, err)
				}
				goruntime.GC()
				result, d, err := run()
				if err != nil {
					return fmt.Errorf("%s %s: %v", e.name, bench, err)
				}
				if round < 0 {
					continue
				}
				r.times = append(r.times, d)
				if r.result != "" && r.result != result {
					return fmt.Errorf("%s %s: result %s, then %s", e.name, bench, r.result, result)
				}
				r.result = result
			}
		}
		w := want(bench, n)
		for _, e := range es {
			if got := byEngine[e.name].result; got != w {
				fmt.Fprintf(os.Stderr, "bench: %s %s(%d) = %s, want %s\n", e.name, bench, n, got, w)
				failed = true
			}
		}
	}

	// The table: one row per benchmark and engine; one ratio column per
	// proc configuration (its median over the peer's median).
	var procNames []string
	for _, e := range es {
		if strings.HasPrefix(e.name, "proc") {
			procNames = append(procNames, e.name)
		}
	}
	med := map[string]time.Duration{}
	for _, r := range rows {
		med[r.bench+"/"+r.engine] = median(r.times)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "benchmark\tengine\tresult\tmedian\tmin\tmax\t"
	for _, p := range procNames {
		header += p + "/peer\t"
	}
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t", r.bench, r.engine, r.result, ms(med[r.bench+"/"+r.engine]), ms(slices.Min(r.times)), ms(slices.Max(r.times)))
		for _, p := range procNames {
			if strings.HasPrefix(r.engine, "proc") {
				fmt.Fprint(tw, "\t")
				continue
			}
			fmt.Fprintf(tw, "%.2f\t", float64(med[r.bench+"/"+p])/float64(med[r.bench+"/"+r.engine]))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	fmt.Println()
	fmt.Println("ratio = proc median / peer median: at most 1.00 means proc is as fast or faster.")
	fmt.Println("proc: default config (sched=rr, quantum=4); proc-fifo: sched=fifo (one dispatch runs the thread to its end); both --trace=none.")
	fmt.Println("cpython: timed inside the interpreter with time.perf_counter around the call, so start-up is excluded.")
	if failed {
		return fmt.Errorf("some engine computed a wrong result")
	}
	fmt.Println("results: every engine's result checked against the expected value: ok")
	return nil
}

// median returns the median of ds (the mean of the middle two for an even
// count).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
}
