//go:build !js

package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"
)

// The page's files. The engine (proc.wasm) is among them, so the server
// is excluded from the engine's own build (js): the engine must not carry
// a copy of itself.
//
//go:embed static
var static embed.FS

// Script is the script the page opens with: its file name (without its
// folder) and its text.
type Script struct {
	File   string `json:"file"`
	Source string `json:"source"`
}

// InitialFile is the name under which the page finds the script it opens
// with: Script as JSON, or {} when it opens with none.
const InitialFile = "initial.json"

// contentTypes are the types of the page's files by their extension. The
// table is the server's own rather than the system's (mime reads
// /etc/mime.types), so that the page is served the same everywhere:
// proc.wasm must be application/wasm for the browser to compile it while
// it downloads.
var contentTypes = map[string]string{
	".css":     "text/css; charset=utf-8",
	".html":    "text/html; charset=utf-8",
	".ico":     "image/x-icon",
	".js":      "text/javascript; charset=utf-8",
	".json":    "application/json",
	".png":     "image/png",
	".proc":    "text/plain; charset=utf-8",
	".svg":     "image/svg+xml",
	".txt":     "text/plain; charset=utf-8",
	".version": "text/plain; charset=utf-8",
	".wasm":    "application/wasm",
	".woff2":   "font/woff2",
}

// contentSecurity is the policy the browser enforces on the served page:
// everything it loads comes from the server itself (no other site, no
// inline script), and WebAssembly may be compiled.
const contentSecurity = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
	"style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; " +
	"worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// pageFile is one file of the page as it is served.
type pageFile struct {
	data []byte
	// ctype is its Content-Type.
	ctype string
	// etag lets a browser that has it already skip the download.
	etag string
}

// pageFiles returns the page's files by their path (slash-separated,
// without a leading slash), with initial as InitialFile and the lessons
// of the tour as TourFile.
func pageFiles(initial *Script) (map[string]pageFile, error) {
	files := map[string]pageFile{}
	sub, err := fs.Sub(static, "static")
	if err != nil {
		return nil, err
	}
	err = fs.WalkDir(sub, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(sub, name)
		if err != nil {
			return err
		}
		files[name] = newPageFile(name, data)
		return nil
	})
	if err != nil {
		return nil, err
	}
	js := []byte("{}\n")
	if initial != nil {
		if js, err = json.Marshal(initial); err != nil {
			return nil, err
		}
		js = append(js, '\n')
	}
	files[InitialFile] = newPageFile(InitialFile, js)
	lessons, err := builtinTour()
	if err != nil {
		return nil, err
	}
	files[TourFile] = newPageFile(TourFile, lessons)
	return files, nil
}

func newPageFile(name string, data []byte) pageFile {
	ctype, ok := contentTypes[path.Ext(name)]
	if !ok {
		ctype = "application/octet-stream"
	}
	sum := sha256.Sum256(data)
	return pageFile{data: data, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:16]) + `"`}
}

// Files returns the paths of the page's files, sorted, InitialFile and
// TourFile among them: what Handler serves and Export writes.
func Files() []string {
	files, err := pageFiles(nil)
	if err != nil {
		// The files are part of the binary: reading them cannot fail.
		panic(err)
	}
	return sortedNames(files)
}

func sortedNames(files map[string]pageFile) []string {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Handler serves the page's files, and initial (nil for none) as
// InitialFile. "/" is index.html. It reads nothing of the host: the files
// are part of the binary, and the script the page runs is the one its
// editor holds. It answers GET and HEAD only, lists no folder, and
// answers only requests addressed to a loopback name, so that a web site
// whose name a resolver points at 127.0.0.1 cannot read the page through
// the visitor's browser.
func Handler(initial *Script) http.Handler {
	files, err := pageFiles(initial)
	if err != nil {
		panic(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopbackHost(r.Host) {
			http.Error(w, "proc web answers only requests to 127.0.0.1, [::1] or localhost", http.StatusMisdirectedRequest)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "proc web answers GET and HEAD only", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(r.URL.Path, "/")
		if name == "" {
			name = "index.html"
		}
		f, ok := files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.ctype)
		h.Set("ETag", f.etag)
		// A browser asks again each time, so that a newer proc's page is
		// never mixed with an older one's files; the ETag keeps it cheap.
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", contentSecurity)
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.data))
	})
}

// loopbackHost reports whether a request's Host names this computer:
// localhost or a loopback address, with or without a port.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Listen listens on addr (HOST:PORT; port 0 picks a free one), whose host
// must be a loopback address or localhost: the page is for this computer
// only.
func Listen(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("%q is not HOST:PORT, such as 127.0.0.1:8080", addr)
	}
	switch {
	case host == "":
		return nil, fmt.Errorf("%s would listen on every interface: the page is served to this computer only (give a host: 127.0.0.1, [::1] or localhost)", addr)
	case !loopbackHost(host):
		return nil, fmt.Errorf("%s is not a loopback address: the page is served to this computer only (use 127.0.0.1, [::1] or localhost)", host)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	// localhost may resolve to anything: check what was bound.
	if a, ok := ln.Addr().(*net.TCPAddr); !ok || !a.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("%s resolved to %v, which is not a loopback address", host, ln.Addr())
	}
	return ln, nil
}

// URL is the address of the page served on ln.
func URL(ln net.Listener) string {
	return "http://" + ln.Addr().String() + "/"
}

// Serve serves the page (Handler(initial)) on ln until ctx is done, then
// lets the requests in progress end, for at most a second, and returns
// nil; or it returns why it could not serve.
func Serve(ctx context.Context, ln net.Listener, initial *Script) error {
	srv := &http.Server{
		Handler:           Handler(initial),
		ReadHeaderTimeout: 10 * time.Second,
		// A browser that goes away mid-download is not news.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	shut := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(shut)
		c, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if srv.Shutdown(c) != nil {
			srv.Close()
		}
	})
	err := srv.Serve(ln)
	if stop() {
		// ctx is not done: the server failed on its own.
		return err
	}
	<-shut
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
