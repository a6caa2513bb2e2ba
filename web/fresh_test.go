//go:build !js

package web

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestEngineFresh: the committed engine (static/proc.wasm) and its
// support file are what `go generate ./web` makes of the sources now. A
// change to the interpreter that is not regenerated would leave the page
// running the old one. The build is reproducible only with the same Go
// release, so another release skips the comparison.
func TestEngineFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("building the engine takes a while: skipped with -short")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build the engine with: %v", err)
	}
	recorded, err := os.ReadFile(filepath.Join("static", "proc.wasm.version"))
	if err != nil {
		t.Fatalf("%v: run `go generate ./web`", err)
	}
	out, err := exec.Command(goCmd, "env", "GOVERSION").Output()
	if err != nil {
		t.Fatalf("go env GOVERSION: %v", err)
	}
	have, want := strings.TrimSpace(string(out)), strings.TrimSpace(string(recorded))
	if have != want {
		t.Skipf("static/proc.wasm was built with %s and this is %s: the bytes can be compared only under the same release", want, have)
	}
	dir := t.TempDir()
	gen := exec.Command(goCmd, "run", "./internal/genwasm", "-out", dir)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("building the engine: %v\n%s", err, out)
	}
	for _, name := range []string{"proc.wasm", "wasm_exec.js", "proc.wasm.version"} {
		built, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		committed, err := os.ReadFile(filepath.Join("static", name))
		if err != nil {
			t.Fatalf("%v: run `go generate ./web`", err)
		}
		if !bytes.Equal(built, committed) {
			t.Errorf("web/static/%s is stale: it differs from a build of the current sources; run `go generate ./web` and commit it", name)
		}
	}
}
