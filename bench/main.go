// Command bench measures proc against peer interpreters and measures how
// proc scales. It is its own module, so that the peers (gopher-lua,
// starlark-go) never enter the proc module's dependencies.
//
// Usage, from this folder:
//
//	go run .                      fib(27) and the 1e6 loop: proc, Lua, Starlark, CPython
//	go run . -rounds 11 -bench fib
//	go run . -scale               processes, threads and script sizes, each in a subprocess
//	go run . -scale -configs target
//	go run . -hello               wall time of `proc run examples/01-hello.proc`
//	go run . -states 100          the states of a model of example 34 (see states.go)
//	go run . -child threads:10000:10 -cpuprofile cpu.out   one configuration, profiled
//
// See BENCHMARKS.md at the repository root for what each figure means.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

func main() {
	var (
		rounds   = flag.Int("rounds", 7, "peer benchmark rounds; each round runs every engine once, in rotating order")
		warmup   = flag.Int("warmup", 1, "untimed rounds before the measured ones")
		benches  = flag.String("bench", "fib,loop", "peer benchmarks to run (comma list of fib, loop)")
		engines  = flag.String("engines", "proc,proc-fifo,lua,starlark,python", "engines to run (comma list); python is skipped when python3 is not on PATH")
		fibN     = flag.Int("fib", 27, "argument of fib")
		loopN    = flag.Int("loop", 1000000, "iterations of the integer loop")
		scale    = flag.Bool("scale", false, "run the scaling measurements instead of the peer benchmarks")
		configs  = flag.String("configs", "procs,threads,target,lines", "scaling series to run (comma list of procs, threads, target, lines)")
		timeout  = flag.Duration("timeout", 0, "limit for one scaling configuration (0: 10 minutes)")
		hello    = flag.Bool("hello", false, "measure the wall time of `proc run examples/01-hello.proc` instead")
		states   = flag.Int("states", 0, "count the states of a model of example 34 with N increments a process instead")
		helloN   = flag.Int("hello-runs", 50, "runs of the hello measurement")
		root     = flag.String("root", "..", "the proc repository (for -hello)")
		child    = flag.String("child", "", "run one scaling configuration (procs:N, threads:N:T or lines:N) and print its figures as JSON")
		cpuProf  = flag.String("cpuprofile", "", "with -child: write a CPU profile of the configuration to this file")
		memProf  = flag.String("memprofile", "", "with -child: write a heap profile (allocations) of the configuration to this file")
		showInfo = flag.Bool("info", true, "print the machine description first")
	)
	flag.Func("set", "with -scale or -child: one more config override KEY=VALUE for the scaling runs (repeatable), e.g. -set cpus=4", func(v string) error {
		if !strings.Contains(v, "=") {
			return fmt.Errorf("want KEY=VALUE, not %q", v)
		}
		extraSets = append(extraSets, v)
		scaleSets = append(scaleSets, v)
		return nil
	})
	flag.Parse()
	if *child != "" {
		if err := runChild(*child, *cpuProf, *memProf); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if *showInfo {
		printMachine()
	}
	var err error
	switch {
	case *hello:
		err = runHello(*root, *helloN)
	case *states != 0:
		err = runStates(*states)
	case *scale:
		err = runScale(splitList(*configs), *timeout)
	default:
		err = runPeers(peerOptions{
			rounds: *rounds, warmup: *warmup, benches: splitList(*benches), engines: splitList(*engines),
			fibN: *fibN, loopN: *loopN,
		})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// splitList splits a comma list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// printMachine prints what the figures were measured on.
func printMachine() {
	fmt.Printf("machine: %d CPUs, %s, %s %s/%s", runtime.NumCPU(), cpuModel(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if out, err := exec.Command("python3", "--version").Output(); err == nil {
		fmt.Printf(", %s", strings.TrimSpace(string(out)))
	}
	fmt.Println()
	fmt.Println()
}

// cpuModel returns the CPU's model name from /proc/cpuinfo, or "unknown CPU".
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
