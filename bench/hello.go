package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"
)

// runHello builds cmd/proc and measures the wall time of
// `proc run examples/01-hello.proc` (process start to exit, as a shell
// sees it) over n runs, after 3 warm-up runs.
func runHello(root string, n int) error {
	if n < 1 {
		return fmt.Errorf("-hello-runs must be at least 1")
	}
	dir, err := os.MkdirTemp("", "proc-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "proc")
	build := exec.Command("go", "build", "-o", bin, "./cmd/proc")
	build.Dir = root
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/proc in %s: %v", root, err)
	}
	var times []time.Duration
	for k := -3; k < n; k++ {
		cmd := exec.Command(bin, "run", "examples/01-hello.proc")
		cmd.Dir = root
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		t0 := time.Now()
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("proc run examples/01-hello.proc: %v", err)
		}
		if k >= 0 {
			times = append(times, time.Since(t0))
		}
	}
	fmt.Printf("proc run examples/01-hello.proc, %d runs: median %s, min %s, max %s (wall time, fork+exec included)\n",
		n, ms2(median(times)), ms2(slices.Min(times)), ms2(slices.Max(times)))
	return nil
}

// ms2 formats a duration in milliseconds with two decimals.
func ms2(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}
