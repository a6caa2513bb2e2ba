// Command genwasm builds the page's engine: the command proc/web/wasm
// compiled to WebAssembly as proc.wasm, with the toolchain's own
// wasm_exec.js (the JavaScript half of Go's WebAssembly support, which
// must come from the same Go release) beside it, and the Go version that
// built both in proc.wasm.version.
//
// `go generate ./web` runs it and writes web/static, where the files are
// committed so that `go run ./cmd/proc web` needs no extra step. The web
// package's tests run it into a temporary folder with -out and compare.
//
// The build is reproducible: the same sources and the same Go release give
// the same bytes on any machine (-trimpath, no version-control stamp, no
// symbol table, and no GOFLAGS or GOWASM from the environment).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	out := flag.String("out", "static", "the folder to write proc.wasm, wasm_exec.js and proc.wasm.version to")
	flag.Parse()
	if err := generate(*out); err != nil {
		fmt.Fprintf(os.Stderr, "genwasm: %v\n", err)
		os.Exit(1)
	}
}

// generate writes the three files into dir.
func generate(dir string) error {
	env, err := goEnv("GOROOT", "GOVERSION")
	if err != nil {
		return err
	}
	goroot, version := env[0], env[1]
	wasm := filepath.Join(dir, "proc.wasm")
	tmp := wasm + ".tmp"
	build := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", tmp, "proc/web/wasm")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "GOFLAGS=", "GOWASM=", "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("building proc/web/wasm: %v", err)
	}
	// A plain file, not an executable, whatever the umask made of it;
	// and renamed into place only once whole: a failed build leaves the
	// old engine as it was.
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, wasm); err != nil {
		return err
	}
	support, err := os.ReadFile(filepath.Join(goroot, "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return fmt.Errorf("the toolchain's WebAssembly support file: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "wasm_exec.js"), support, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "proc.wasm.version"), []byte(version+"\n"), 0o644)
}

// goEnv returns the values of the go command's environment variables
// names, in order.
func goEnv(names ...string) ([]string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("go", append([]string{"env"}, names...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go env: %v\n%s", err, stderr.String())
	}
	vals := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(vals) != len(names) {
		return nil, fmt.Errorf("go env %s: %d values for %d names", strings.Join(names, " "), len(vals), len(names))
	}
	return vals, nil
}
