//go:build !js

package web

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// harnessPage is a page of the harness's own, to check its helpers: an
// input whose text a button copies below it, shown a moment later.
const harnessPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>harness</title><link rel="icon" href="data:,"></head>
<body>
<input id="in"><button id="copy">copy</button>
<p id="out" style="display:none"></p>
<script>
document.getElementById("copy").onclick = () => {
  const out = document.getElementById("out");
  out.textContent = document.getElementById("in").value;
  setTimeout(() => { out.style.display = "block"; }, 100);
};
</script>
</body></html>`

// TestHarness: the helpers of browser_test.go do what they say: typing,
// clicking, waiting for an element to show, reading it, evaluating, a
// screenshot, and a console error failing the test unless allowed.
func TestHarness(t *testing.T) {
	site := serveSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(harnessPage))
	}))
	p := openPage(t, site.URL)
	p.typeText("#in", "hello, world")
	p.click("#copy")
	p.waitVisible("#out")
	if got := p.text("#out"); got != "hello, world" {
		t.Errorf("text(#out) = %q", got)
	}
	var n int
	p.mustEval(`new Promise((resolve) => setTimeout(() => resolve(6 * 7), 10))`, &n)
	if n != 42 {
		t.Errorf("eval of a Promise: %d", n)
	}
	if msg := p.evalError(`Promise.reject(new Error("no such thing"))`); !strings.Contains(msg, "no such thing") {
		t.Errorf("evalError: %s", msg)
	}
	shot := filepath.Join(t.TempDir(), "page.png")
	p.screenshot(shot)
	if b, err := os.ReadFile(shot); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("the screenshot is not a PNG (%v)", err)
	}
	p.allowErrors("expected by the test")
	p.mustEval(`console.error("expected by the test"), true`, nil)
	if errs := p.errors(); len(errs) != 1 || !strings.Contains(errs[0], "console.error: expected by the test") {
		t.Errorf("errors() = %q", errs)
	}
	// An uncaught exception is recorded too (and allowed here).
	p.allowErrors("thrown by the test")
	p.mustEval(`setTimeout(() => { throw new Error("thrown by the test"); }, 0), new Promise((r) => setTimeout(r, 50))`, nil)
	if errs := p.errors(); len(errs) != 2 || !strings.Contains(errs[1], "thrown by the test") {
		t.Errorf("errors() after an exception = %q", errs)
	}
}
