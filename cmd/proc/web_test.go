package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"strings"
	"testing"
	"time"
)

var pageAt = regexp.MustCompile(`^proc web: the page is at (http://127\.0\.0\.1:\d+/) \(Ctrl-C stops\)\n$`)

// fetch returns the body and Content-Type of url, which must answer 200.
func fetch(t *testing.T, url string) (string, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s: %s", url, res.Status)
	}
	return string(body), res.Header.Get("Content-Type")
}

// TestWebServe: proc web FILE prints the page's address, serves the page
// and FILE as its script there, and ends when it is told to, with status
// 0.
func TestWebServe(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hello.proc")
	if err := os.WriteFile(file, []byte("print \"hi\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	out, w := io.Pipe()
	var stderr bytes.Buffer
	code := make(chan int, 1)
	go func() {
		code <- runWeb(ctx, []string{file}, w, &stderr)
		w.Close()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("%v; stderr: %s", err, stderr.String())
	}
	m := pageAt.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("the first line does not give the address: %q", line)
	}
	if body, _ := fetch(t, m[1]+"initial.json"); body != `{"file":"hello.proc","source":"print \"hi\"\n"}`+"\n" {
		t.Errorf("initial.json: %s", body)
	}
	if body, ctype := fetch(t, m[1]); ctype != "text/html; charset=utf-8" || !strings.Contains(body, "engine.js") {
		t.Errorf("/: %s: %.200s", ctype, body)
	}
	if _, ctype := fetch(t, m[1]+"proc.wasm"); ctype != "application/wasm" {
		t.Errorf("proc.wasm: %s", ctype)
	}
	stop()
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("exit status %d, want 0; stderr: %s", c, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("proc web did not stop")
	}
	if stderr.Len() > 0 {
		t.Errorf("stderr: %s", stderr.String())
	}
}

// TestWebInterrupt: Ctrl-C stops proc web, with status 0: that is how it
// is meant to end.
func TestWebInterrupt(t *testing.T) {
	if goruntime.GOOS == "windows" {
		t.Skip("no SIGINT to send on windows")
	}
	bin, err := exec.LookPath("proc")
	if err != nil {
		t.Skipf("proc is not installed for tests: %v", err)
	}
	cmd := exec.Command(bin, "web")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// The address is printed once proc web listens, after its handler of
	// Ctrl-C is in place.
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("%v; stderr: %s", err, stderr.String())
	}
	m := pageAt.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("the first line does not give the address: %q", line)
	}
	if body, _ := fetch(t, m[1]+"initial.json"); body != "{}\n" {
		t.Errorf("initial.json with no script: %s", body)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("after Ctrl-C: %v; stderr: %s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("proc web did not stop on Ctrl-C")
	}
}

// TestWebOpen: --open runs the system's opener with the address, and
// says so when there is none or it finds no browser.
func TestWebOpen(t *testing.T) {
	if goruntime.GOOS == "windows" {
		t.Skip("the opener is a shell script here")
	}
	name, _ := browserOpener(goruntime.GOOS)
	dir := t.TempDir()
	got := filepath.Join(dir, "opened")
	opener := "#!/bin/sh\necho \"$@\" > " + got + "\n[ \"$1\" = http://127.0.0.1:1/ ]\n"
	if err := os.WriteFile(filepath.Join(dir, name), []byte(opener), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	var stderr bytes.Buffer
	<-openBrowser("http://127.0.0.1:1/", &stderr)
	if b, err := os.ReadFile(got); err != nil || string(b) != "http://127.0.0.1:1/\n" {
		t.Errorf("the opener was given %q (%v)", b, err)
	}
	if stderr.Len() > 0 {
		t.Errorf("stderr: %s", stderr.String())
	}
	// The opener fails: no browser.
	<-openBrowser("http://127.0.0.1:2/", &stderr)
	if !strings.Contains(stderr.String(), "found no browser") || !strings.Contains(stderr.String(), "open the address yourself") {
		t.Errorf("a failed opener: stderr %q", stderr.String())
	}
	// No opener at all.
	stderr.Reset()
	t.Setenv("PATH", t.TempDir())
	<-openBrowser("http://127.0.0.1:1/", &stderr)
	if want := "proc web: --open: no " + name + " here to open a browser with; open the address yourself\n"; stderr.String() != want {
		t.Errorf("no opener: stderr %q, want %q", stderr.String(), want)
	}
}
