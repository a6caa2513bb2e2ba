//go:build !js

package web

// The browser tests drive a real Chromium, headless, through the DevTools
// protocol (chromedp). This file holds what any of them needs: one
// browser for the whole test binary, a tab per test with its console
// errors and its requests collected, the page served as `proc web` serves
// it and as a plain static file server serves an export.
//
// Chromium is found at $PROC_CHROMIUM, else as chromium or
// chromium-browser on the PATH; without one, the browser tests skip and
// say so. .ci/run installs Debian's chromium package.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopBrowser()
	os.Exit(code)
}

// theBrowser is the one Chromium of the test binary, started by the first
// test that needs it: a tab per test costs little, a browser per test a
// second or more.
var theBrowser struct {
	once    sync.Once
	ctx     context.Context // the browser's first tab; new tabs come from it
	cancel  []context.CancelFunc
	dataDir string
	skip    string // why there is no browser to test with
	err     error  // why the browser there is did not start
}

// chromiumPath returns the browser to test with, or "".
func chromiumPath() string {
	if p := os.Getenv("PROC_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser returns the context of the test binary's browser, starting it
// the first time; it skips t when there is no Chromium.
func browser(t testing.TB) context.Context {
	t.Helper()
	b := &theBrowser
	b.once.Do(func() {
		path := chromiumPath()
		if path == "" {
			b.skip = "no Chromium to test the page in: install the chromium package (.ci/run does, as root on Debian), or set PROC_CHROMIUM to a Chromium or Chrome binary"
			return
		}
		if b.dataDir, b.err = os.MkdirTemp("", "proc-web-test-"); b.err != nil {
			return
		}
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
			chromedp.ExecPath(path),
			chromedp.Headless,
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck,
			chromedp.UserDataDir(b.dataDir),
			chromedp.WindowSize(1280, 800),
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-extensions", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			// The page must work with no network: a name other than
			// localhost does not resolve, so that a request that leaves
			// this computer fails at once and shows in the console.
			chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"),
		)
		ctx, cancel := chromedp.NewContext(allocCtx)
		b.cancel = []context.CancelFunc{cancel, cancelAlloc}
		// Start it now, with no deadline: a deadline on the first run
		// would end the browser with it.
		if err := chromedp.Do(ctx); err != nil {
			b.err = fmt.Errorf("starting %s: %w", path, err)
			return
		}
		b.ctx = ctx
	})
	switch {
	case b.skip != "":
		t.Skip(b.skip)
	case b.err != nil:
		t.Fatal(b.err)
	}
	return b.ctx
}

// stopBrowser ends the browser, if one was started, and removes its
// profile.
func stopBrowser() {
	b := &theBrowser
	for _, cancel := range b.cancel {
		cancel()
	}
	if b.dataDir != "" {
		os.RemoveAll(b.dataDir)
	}
}

// A page is one tab of the browser, open at a page, with what the page
// wrote to its console and the requests it made. Its errors fail the test
// when it ends, unless allowed.
type page struct {
	t      testing.TB
	ctx    context.Context
	origin string

	mu       sync.Mutex
	errs     []string // console errors, uncaught exceptions, failed loads
	requests []string // the URLs the page asked for
	allowed  []string
}

// pageTimeout bounds what one test does in its tab.
const pageTimeout = 90 * time.Second

// openPage opens a new tab at address and waits for its load.
func openPage(t testing.TB, address string) *page {
	t.Helper()
	tab, closeTab := chromedp.NewContext(browser(t))
	ctx, cancel := context.WithTimeout(tab, pageTimeout)
	u, err := url.Parse(address)
	if err != nil {
		t.Fatal(err)
	}
	p := &page{t: t, ctx: ctx, origin: u.Scheme + "://" + u.Host}
	t.Cleanup(func() {
		p.checkErrors()
		cancel()
		closeTab()
	})
	if err := chromedp.Listen(ctx, p.record); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(address)); err != nil {
		t.Fatalf("opening %s: %v", address, err)
	}
	return p
}

// record notes the events of the tab that the tests check. It runs in the
// loop that reads the browser's messages: it only appends.
func (p *page) record(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			p.errs = append(p.errs, "console."+string(ev.Type)+": "+consoleArgs(ev.Args))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		p.errs = append(p.errs, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber+1, text))
	case *log.EventEntryAdded:
		if e := ev.Entry; e.Level == log.EntryLevelError {
			p.errs = append(p.errs, fmt.Sprintf("%s: %s (%s)", e.Source, e.Text, e.URL))
		}
	case *network.EventRequestWillBeSent:
		p.requests = append(p.requests, ev.Request.URL)
	}
}

// consoleArgs writes the arguments of a console call as the console
// shows them, near enough to read in a test's failure.
func consoleArgs(args []*runtime.RemoteObject) string {
	var parts []string
	for _, a := range args {
		var s string
		switch {
		case a.Type == runtime.RemoteObjectTypeString && json.Unmarshal(a.Value, &s) == nil:
		case a.Description != "":
			s = a.Description
		default:
			s = string(a.Value)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// allowErrors lets errors that contain text happen without failing the
// test: a test of a failure expects its message.
func (p *page) allowErrors(text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.allowed = append(p.allowed, text)
}

// errors returns what the page reported as errors so far.
func (p *page) errors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errs...)
}

// checkErrors fails the test for each error that was not allowed.
func (p *page) checkErrors() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
next:
	for _, e := range p.errs {
		for _, a := range p.allowed {
			if strings.Contains(e, a) {
				continue next
			}
		}
		p.t.Errorf("the page reported an error: %s", e)
	}
}

// checkLocal fails the test if the page asked for anything but its own
// origin's files (or data it holds itself): it must work with no network.
func (p *page) checkLocal() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.requests) == 0 {
		p.t.Error("no request was seen: the check of the page's requests checks nothing")
	}
	for _, r := range p.requests {
		if !strings.HasPrefix(r, p.origin+"/") && !strings.HasPrefix(r, "data:") && !strings.HasPrefix(r, "blob:") {
			p.t.Errorf("the page asked for %s, not one of its own files", r)
		}
	}
}

// requested returns the URLs the page asked for so far.
func (p *page) requested() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.requests...)
}

// eval evaluates the JavaScript expression expr in the page, waits for it
// if it is a Promise, and decodes its value (as JSON) into out, unless out
// is nil. A thrown error or a rejected Promise is returned.
func (p *page) eval(expr string, out any) error {
	raw, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}

// mustEval is eval that fails the test on an error.
func (p *page) mustEval(expr string, out any) {
	p.t.Helper()
	if err := p.eval(expr, out); err != nil {
		p.t.Fatalf("%s: %v", expr, err)
	}
}

// evalError evaluates expr, which must throw or reject, and returns the
// message of its error.
func (p *page) evalError(expr string) string {
	p.t.Helper()
	err := p.eval(expr, nil)
	var ex *chromedp.ExceptionError
	if !errors.As(err, &ex) {
		p.t.Fatalf("%s: want an exception, got %v", expr, err)
	}
	return ex.Error()
}

// waitVisible waits until an element matches the CSS selector sel and is
// visible.
func (p *page) waitVisible(sel string) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		p.t.Fatalf("waiting for %s: %v", sel, err)
	}
}

// click clicks the first element that matches the CSS selector sel.
func (p *page) click(sel string) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		p.t.Fatalf("clicking %s: %v", sel, err)
	}
}

// typeText types text into the first element that matches sel, as keys.
func (p *page) typeText(sel, text string) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.SendKeys(chromedp.CSS(sel), text)); err != nil {
		p.t.Fatalf("typing into %s: %v", sel, err)
	}
}

// text returns the visible text of the first element that matches sel.
func (p *page) text(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("reading %s: %v", sel, err)
	}
	return s
}

// screenshot writes the whole page, as PNG, to the file name.
func (p *page) screenshot(name string) {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(name, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// servePage serves the page as `proc web` does, with initial (nil for
// none), on 127.0.0.1, and returns its address.
func servePage(t testing.TB, initial *Script) string {
	t.Helper()
	return serveSite(t, Handler(initial)).URL
}

// exportPage exports the page with initial (nil for none) into a new
// folder and returns it.
func exportPage(t *testing.T, initial *Script) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "export")
	if err := Export(dir, initial, false); err != nil {
		t.Fatal(err)
	}
	return dir
}

// serveFolder serves dir with a plain static file server (net/http's,
// whose only knowledge of the page is the types of files by extension),
// and returns its address.
func serveFolder(t *testing.T, dir string) string {
	t.Helper()
	return serveSite(t, http.FileServer(http.Dir(dir))).URL
}

// A site is a server of the tests on 127.0.0.1, with the paths it was
// asked for: the requests of the page's worker, which the tab's own
// record does not see.
type site struct {
	URL string // its address, ending in /

	mu    sync.Mutex
	asked []string
}

// serveSite serves h on 127.0.0.1 (a port of its own) until the test
// ends.
func serveSite(t testing.TB, h http.Handler) *site {
	t.Helper()
	s := &site{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.asked = append(s.asked, r.URL.Path)
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL + "/"
	return s
}

// paths returns the paths the site was asked for so far.
func (s *site) paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.asked...)
}
