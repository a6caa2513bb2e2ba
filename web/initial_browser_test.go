//go:build !js

package web

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// opened is what ProcEngine.initialScript() answers.
type opened struct {
	File   string `json:"file"`
	Source string `json:"source"`
	From   string `json:"from"`
}

// initialScript returns what the page at address opens with, or nil.
func initialScript(t *testing.T, address string) *opened {
	t.Helper()
	var got *opened
	openPage(t, address).mustEval(`ProcEngine.initialScript()`, &got)
	return got
}

// A script with what a URL, JSON or HTML could get wrong.
var tricky = Script{File: "a b+c.proc", Source: "# <b>&amp;</b> 100% \"quoted\" + plus\nprint \"h\u00e9llo \u4e16\u754c\", 1+2 # x=y&z\n"}

// TestBrowserInitialServed: proc web FILE opens the page with FILE; with
// no FILE, with nothing.
func TestBrowserInitialServed(t *testing.T) {
	if got := initialScript(t, servePage(t, nil)); got != nil {
		t.Errorf("with no script: %+v, want null", got)
	}
	got := initialScript(t, servePage(t, &tricky))
	if want := (opened{tricky.File, tricky.Source, "file"}); got == nil || *got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// TestBrowserInitialExport: an export opens with its script, or the one
// its address names (?script=URL, relative to the page), or the one its
// address holds (#src=...).
func TestBrowserInitialExport(t *testing.T) {
	dir := exportPage(t, &tricky)
	if err := os.MkdirAll(filepath.Join(dir, "lessons"), 0o755); err != nil {
		t.Fatal(err)
	}
	lesson := "print \"from the course site\"\n"
	if err := os.WriteFile(filepath.Join(dir, "lessons", "03 stack.proc"), []byte(lesson), 0o644); err != nil {
		t.Fatal(err)
	}
	site := serveFolder(t, dir)
	for _, tc := range []struct {
		query string
		want  opened
	}{
		{"", opened{tricky.File, tricky.Source, "file"}},
		{"index.html", opened{tricky.File, tricky.Source, "file"}},
		{"?script=lessons/03%20stack.proc", opened{"03 stack.proc", lesson, "url"}},
		{"index.html?script=" + url.QueryEscape(site+"lessons/03 stack.proc"), opened{"03 stack.proc", lesson, "url"}},
		{"#src=print%201%2B2%0A&file=sum.proc", opened{"sum.proc", "print 1+2\n", "link"}},
		{"?script=lessons/03%20stack.proc#src=print%202", opened{"script.proc", "print 2", "link"}},
	} {
		got := initialScript(t, site+tc.query)
		if got == nil || *got != tc.want {
			t.Errorf("%q: got %+v, want %+v", tc.query, got, tc.want)
		}
	}
}

// TestBrowserLink: ProcEngine.link makes an address that opens the page
// with the script, whatever its characters, and drops a ?script=.
func TestBrowserLink(t *testing.T) {
	site := serveFolder(t, exportPage(t, nil))
	p := openPage(t, site+"?script=nosuch.proc")
	// The page tries to open the script its address names.
	p.allowErrors("nosuch.proc")
	var link string
	p.mustEval(`ProcEngine.link(`+jsString(tricky.File)+`, `+jsString(tricky.Source)+`)`, &link)
	if !strings.HasPrefix(link, site+"#") {
		t.Errorf("link %s does not lead to %s", link, site)
	}
	got := initialScript(t, link)
	if want := (opened{tricky.File, tricky.Source, "link"}); got == nil || *got != want {
		t.Errorf("the link opens with %+v, want %+v", got, want)
	}
}

// TestBrowserInitialFails: a script that cannot be had is an error that
// names it, not a page that opens empty.
func TestBrowserInitialFails(t *testing.T) {
	dir := exportPage(t, nil)
	big := "print 1\n" + strings.Repeat("#", 1<<20)
	if err := os.WriteFile(filepath.Join(dir, "big.proc"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	site := serveFolder(t, dir)
	for _, tc := range []struct{ query, want string }{
		{"?script=nosuch.proc", "nosuch.proc: 404"},
		{"?script=big.proc", "big.proc: 1048584 bytes is too large for a script (at most 1048576)"},
		{"?script=javascript:alert(1)", "javascript:alert(1): a script is fetched over http or https only"},
	} {
		p := openPage(t, site+tc.query)
		p.allowErrors("404")
		if msg := p.evalError(`ProcEngine.initialScript()`); !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %s, want %s", tc.query, msg, tc.want)
		}
	}
}

// jsString writes s as a JavaScript string literal: a JSON string is
// one.
func jsString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}
