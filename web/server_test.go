//go:build !js

package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// get asks h for target with method and returns the response and its body.
func get(t *testing.T, h http.Handler, method, target string, header ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	req.Host = "127.0.0.1:8080"
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

func staticFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("static", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestHandlerFiles: each file of the page is served with its type, and
// "/" is index.html.
func TestHandlerFiles(t *testing.T) {
	h := Handler(nil)
	for _, tc := range []struct{ path, file, ctype string }{
		{"/", "index.html", "text/html; charset=utf-8"},
		{"/index.html", "index.html", "text/html; charset=utf-8"},
		{"/engine.js", "engine.js", "text/javascript; charset=utf-8"},
		{"/worker.js", "worker.js", "text/javascript; charset=utf-8"},
		{"/wasm_exec.js", "wasm_exec.js", "text/javascript; charset=utf-8"},
		{"/proc.wasm", "proc.wasm", "application/wasm"},
	} {
		res, body := get(t, h, "GET", tc.path)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", tc.path, res.StatusCode)
			continue
		}
		if got := res.Header.Get("Content-Type"); got != tc.ctype {
			t.Errorf("%s: Content-Type %q, want %q", tc.path, got, tc.ctype)
		}
		if body != staticFile(t, tc.file) {
			t.Errorf("%s: the body is not static/%s", tc.path, tc.file)
		}
		for _, k := range []string{"Content-Security-Policy", "X-Content-Type-Options", "ETag", "Cache-Control"} {
			if res.Header.Get(k) == "" {
				t.Errorf("%s: no %s header", tc.path, k)
			}
		}
	}
}

// TestHandlerInitial: the script the page opens with is served as
// initial.json, and {} when there is none.
func TestHandlerInitial(t *testing.T) {
	_, body := get(t, Handler(nil), "GET", "/initial.json")
	if strings.TrimSpace(body) != "{}" {
		t.Errorf("no script: initial.json is %q, want {}", body)
	}
	want := Script{File: "hello.proc", Source: "print \"<hi>\" # \u00e9\n"}
	res, body := get(t, Handler(&want), "GET", "/initial.json")
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var got Script
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("initial.json is %+v, want %+v", got, want)
	}
}

// TestHandlerRefuses: nothing but the page's files, by GET or HEAD, to a
// loopback name.
func TestHandlerRefuses(t *testing.T) {
	h := Handler(&Script{File: "a.proc", Source: "print 1\n"})
	for _, p := range []string{"/nosuch", "/static/index.html", "/../go.mod", "/web/server.go", "/a.proc", "/.", "//", "/index.html/", "/%2e%2e/go.mod"} {
		if res, _ := get(t, h, "GET", p); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, res.StatusCode)
		}
	}
	for _, m := range []string{"POST", "PUT", "DELETE", "OPTIONS", "PATCH"} {
		res, _ := get(t, h, m, "/index.html")
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: status %d, Allow %q", m, res.StatusCode, res.Header.Get("Allow"))
		}
	}
	for _, host := range []string{"example.com", "example.com:8080", "10.0.0.1:8080", "127.0.0.1.example.com", ""} {
		if res, _ := get(t, h, "GET", "/", "Host", host); res.StatusCode != http.StatusMisdirectedRequest {
			t.Errorf("Host %q: status %d, want 421", host, res.StatusCode)
		}
	}
	for _, host := range []string{"localhost:1234", "LOCALHOST", "127.0.0.1", "127.1.2.3:80", "[::1]:8080"} {
		if res, _ := get(t, h, "GET", "/", "Host", host); res.StatusCode != http.StatusOK {
			t.Errorf("Host %q: status %d, want 200", host, res.StatusCode)
		}
	}
}

// TestHandlerHeadAndCache: HEAD has the length and no body; a browser
// that has the file already gets 304.
func TestHandlerHeadAndCache(t *testing.T) {
	h := Handler(nil)
	res, body := get(t, h, "HEAD", "/proc.wasm")
	if res.StatusCode != http.StatusOK || body != "" {
		t.Errorf("HEAD: status %d, %d bytes of body", res.StatusCode, len(body))
	}
	if want := len(staticFile(t, "proc.wasm")); res.ContentLength != int64(want) {
		t.Errorf("HEAD: Content-Length %d, want %d", res.ContentLength, want)
	}
	etag := res.Header.Get("ETag")
	if res, _ := get(t, h, "GET", "/proc.wasm", "If-None-Match", etag); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match the ETag: status %d, want 304", res.StatusCode)
	}
}

// TestFiles: the page's files, and their weight: the page without its
// engine stays small enough to load at once on a slow connection.
func TestFiles(t *testing.T) {
	names := Files()
	for _, want := range []string{"index.html", "engine.js", "worker.js", "wasm_exec.js", "proc.wasm", InitialFile} {
		if !slices.Contains(names, want) {
			t.Errorf("Files() has no %s: %v", want, names)
		}
	}
	if !slices.IsSorted(names) {
		t.Errorf("Files() is not sorted: %v", names)
	}
	files, err := pageFiles(nil)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for name, f := range files {
		if name != "proc.wasm" {
			total += len(f.data)
		}
	}
	if total >= 500<<10 {
		t.Errorf("the page without proc.wasm weighs %d bytes, over 500 KiB", total)
	}
}

// TestListen: the page is served at loopback addresses only.
func TestListen(t *testing.T) {
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0", "10.1.2.3:0", "example.com:80", "127.0.0.1", "nonsense"} {
		ln, err := Listen(addr)
		if err == nil {
			ln.Close()
			t.Errorf("Listen(%q) listens at %v", addr, ln.Addr())
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0"} {
		ln, err := Listen(addr)
		if err != nil {
			t.Errorf("Listen(%q): %v", addr, err)
			continue
		}
		if !strings.HasPrefix(URL(ln), "http://127.0.0.1:") && !strings.HasPrefix(URL(ln), "http://[::1]:") {
			t.Errorf("Listen(%q): URL %s", addr, URL(ln))
		}
		ln.Close()
	}
	// [::1] where this computer has IPv6.
	if probe, err := net.Listen("tcp", "[::1]:0"); err == nil {
		probe.Close()
		ln, err := Listen("[::1]:0")
		if err != nil {
			t.Errorf("Listen([::1]:0): %v", err)
		} else {
			if !strings.HasPrefix(URL(ln), "http://[::1]:") {
				t.Errorf("URL %s", URL(ln))
			}
			ln.Close()
		}
	}
}

// TestServe: Serve answers until its context is done, then returns nil.
func TestServe(t *testing.T) {
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, &Script{File: "x.proc", Source: "print 2\n"}) }()
	res, err := http.Get(URL(ln) + "initial.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), `"print 2\n"`) {
		t.Errorf("initial.json: %s", body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context was done")
	}
	if _, err := http.Get(URL(ln)); err == nil {
		t.Error("the server still answers after Serve returned")
	}
}

// TestExport: a fresh folder, the same one again, one that holds other
// files (refused unless forced, and then left as it was but for the
// page's files), a link in a file's place.
func TestExport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site", "proc")
	script := &Script{File: "hello.proc", Source: "print \"hi\"\n"}
	if err := Export(dir, script, false); err != nil {
		t.Fatal(err)
	}
	checkExport := func(script *Script) {
		t.Helper()
		files, err := pageFiles(script)
		if err != nil {
			t.Fatal(err)
		}
		for name, f := range files {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Errorf("%s: %v", name, err)
			} else if string(b) != string(f.data) {
				t.Errorf("%s: not the page's file", name)
			}
		}
	}
	checkExport(script)
	// Again, with no script: an earlier export is overwritten.
	if err := Export(dir, nil, false); err != nil {
		t.Fatalf("again: %v", err)
	}
	checkExport(nil)

	// A folder of other files is left alone.
	other := t.TempDir()
	mine := filepath.Join(other, "notes.txt")
	if err := os.WriteFile(mine, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Export(other, nil, false)
	if !errors.Is(err, ErrOccupied) || !strings.Contains(err.Error(), "notes.txt") {
		t.Errorf("into a folder of other files: %v, want ErrOccupied naming notes.txt", err)
	}
	if entries, _ := os.ReadDir(other); len(entries) != 1 {
		t.Errorf("a refused export wrote %d files", len(entries)-1)
	}
	if err := Export(other, nil, true); err != nil {
		t.Fatalf("forced: %v", err)
	}
	if b, _ := os.ReadFile(mine); string(b) != "mine" {
		t.Errorf("a forced export changed notes.txt: %q", b)
	}
	dir = other
	checkExport(nil)

	// A link where index.html goes is replaced, and what it points to is
	// left as it was.
	linked := t.TempDir()
	target := filepath.Join(t.TempDir(), "target.html")
	if err := os.WriteFile(target, []byte("target"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(linked, "index.html")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	if err := Export(linked, nil, false); !errors.Is(err, ErrOccupied) {
		t.Errorf("a link in index.html's place: %v, want ErrOccupied", err)
	}
	if err := Export(linked, nil, true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(target); string(b) != "target" {
		t.Errorf("the export wrote through the link: %q", b)
	}
	dir = linked
	checkExport(nil)

	// A file where the folder should be.
	if err := Export(mine, nil, true); err == nil {
		t.Error("export into a plain file: no error")
	}
}
