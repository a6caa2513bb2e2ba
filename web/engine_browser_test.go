//go:build !js

package web

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// engineRequests are requests of the wire protocol, in an order that
// uses the engine's state: a run is loaded, then looked at.
var engineRequests = []string{
	`{"op":"load","file":"hello.proc","source":"global n = 2\nlet p = alloc(16)\nprint \"hello\", n\nfree(p)\n"}`,
	`{"op":"snapshot","step":0}`,
	`{"op":"snapshot","step":3}`,
	`{"op":"seek","step":0,"by":"line","tid":1,"dir":1}`,
	`{"op":"load","file":"bad.proc","source":"print (\n"}`,
	`{"op":"no-such-op"}`,
	`{}`,
}

// checkEngine asks the page's engine each of engineRequests and compares
// its answers with those of the engine compiled for this computer, asked
// the same: the page's engine is the same code, built for the browser.
func checkEngine(t *testing.T, p *page) {
	t.Helper()
	p.mustEval(`ProcEngine.ready.then(() => true)`, nil)
	// The page runs a script of its own as it opens, and the engine holds
	// one run: the requests here come after the page's, not among them.
	settle(p)
	native := NewEngine()
	for _, req := range engineRequests {
		var got, want any
		p.mustEval(`ProcEngine.call(`+req+`)`, &got)
		if err := json.Unmarshal(native.Call([]byte(req)), &want); err != nil {
			t.Fatalf("%s: the engine's answer is not JSON: %v", req, err)
		}
		if !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			t.Errorf("%s:\nin the browser: %.2000s\nnatively:       %.2000s", req, g, w)
		}
		if ok, isBool := got.(map[string]any)["ok"].(bool); !isBool {
			t.Errorf("%s: the answer has no ok: %v", req, got)
		} else if !ok {
			if msg, _ := got.(map[string]any)["error"].(map[string]any)["message"].(string); msg == "" {
				t.Errorf("%s: a refusal with no error message: %v", req, got)
			}
		}
	}
	p.checkLocal()
}

// TestBrowserServed: the page as proc web serves it loads its engine in
// the browser, and the engine answers as it does natively, with nothing
// asked of any other site.
func TestBrowserServed(t *testing.T) {
	s := serveSite(t, Handler(nil))
	checkEngine(t, openPage(t, s.URL))
	asked := s.paths()
	for _, want := range []string{"/", "/engine.js", "/worker.js", "/wasm_exec.js", "/proc.wasm"} {
		if !slices.Contains(asked, want) {
			t.Errorf("the page never asked for %s: %q", want, asked)
		}
	}
}

// TestBrowserExport: the exported folder, served by a plain static file
// server, works the same: no server-side code.
func TestBrowserExport(t *testing.T) {
	checkEngine(t, openPage(t, serveFolder(t, exportPage(t, nil))))
}

// TestBrowserExportUntypedWasm: a static file server that does not know
// .wasm files (it says application/octet-stream) still serves a page that
// works: the engine is then compiled from its bytes.
func TestBrowserExportUntypedWasm(t *testing.T) {
	files := http.FileServer(http.Dir(exportPage(t, nil)))
	srv := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".wasm") {
			w.Header().Set("Content-Type", "application/octet-stream")
		}
		files.ServeHTTP(w, r)
	})
	checkEngine(t, openPage(t, serveSite(t, srv).URL))
}

// TestBrowserEngineMissing: a page whose engine cannot be loaded says
// why, through ready and through every call.
func TestBrowserEngineMissing(t *testing.T) {
	dir := exportPage(t, nil)
	if err := os.Remove(filepath.Join(dir, "proc.wasm")); err != nil {
		t.Fatal(err)
	}
	p := openPage(t, serveFolder(t, dir))
	p.allowErrors("404")
	p.allowErrors("proc.wasm")
	if msg := p.evalError(`ProcEngine.ready`); !strings.Contains(msg, "proc.wasm: 404") {
		t.Errorf("ready: %s", msg)
	}
	if msg := p.evalError(`ProcEngine.call({"op":"snapshot","step":0})`); !strings.Contains(msg, "proc.wasm: 404") {
		t.Errorf("call: %s", msg)
	}
	found := false
	for _, e := range p.errors() {
		found = found || strings.Contains(e, "the engine could not start: proc.wasm: 404")
	}
	if !found {
		t.Errorf("the console does not say why the engine is missing: %q", p.errors())
	}
}

// TestBrowserCallTakesObject: a request is an object; anything else is
// refused in the page, before it reaches the engine.
func TestBrowserCallTakesObject(t *testing.T) {
	p := openPage(t, servePage(t, nil))
	for _, bad := range []string{`"load"`, `null`, `42`} {
		if msg := p.evalError(`ProcEngine.call(` + bad + `)`); !strings.Contains(msg, "takes a request object") {
			t.Errorf("call(%s): %s", bad, msg)
		}
	}
}

// TestBrowserServedPolicy: the page proc web serves cannot reach another
// site, whatever its scripts try: the browser refuses by the server's
// content policy, before any name is resolved.
func TestBrowserServedPolicy(t *testing.T) {
	p := openPage(t, servePage(t, nil))
	p.allowErrors("Content Security Policy")
	var got string
	p.mustEval(`fetch("http://example.com/").then(() => "reached", (err) => "refused")`, &got)
	if got != "refused" {
		t.Errorf("a request to another site was %s", got)
	}
	found := false
	for _, e := range p.errors() {
		found = found || strings.Contains(e, "Content Security Policy") && strings.Contains(e, "example.com")
	}
	if !found {
		t.Errorf("the request was not refused by the content policy: %q", p.errors())
	}
}
