package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	goruntime "runtime"
	"syscall"

	"proc/web"
)

const webUsage = `Usage: proc web [FILE.proc] [flags]

Serves the page to a browser on this computer and prints its address: an
editor, and the machine drawn step by step — memory, threads, kernel
objects, the trace — forward and back in time. The engine runs in the
browser, compiled to WebAssembly; proc web only serves the page's files,
which are all inside proc itself, so the page needs no network. With
FILE, the page opens with the script in its editor and runs it at once.
FILE is read once, when proc web starts; nothing else of this computer is
read or written: the script the page runs is the one its editor holds.
Ctrl-C stops proc web.

Flags:
  --addr HOST:PORT   where to serve the page (default 127.0.0.1:0: a free
                     port); HOST must be 127.0.0.1, [::1] or localhost, as
                     the page is for this computer only
  --open             also open the page in this computer's browser
  --export DIR       write the page into DIR instead of serving it: static
                     files that any web server serves as they are (a
                     course site, say), the engine running in each
                     visitor's browser. With FILE, the page opens with it.
                     DIR is made if needed; one that exists must be empty
                     or hold an earlier export
  --force            with --export, write into DIR whatever else it holds:
                     the page's files are replaced, the others left alone

Scripts run in the page with the limits proc run has. The page also opens
with a script its address names: index.html?script=URL fetches it (a path
relative to the page, or another site's that allows it), and
index.html#src=TEXT holds it. FILE must be a regular file of at most 1 MiB.

The page's Tour button opens the lessons of proc tour beside the editor.

Exit status: 0 the page was served until Ctrl-C, or exported; 1 it could
not be served; 2 a usage error, or FILE or DIR could not be used.
`

// webFlags are the flags of proc web.
type webFlags struct {
	addr   string
	open   bool
	export string
	force  bool
}

// flagSet returns a flag set that parses proc web's flags into f.
func (f *webFlags) flagSet(out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("web", flag.ContinueOnError)
	fs.SetOutput(out)
	// Usage goes to stdout for -h (below) and to stderr after a bad flag.
	fs.Usage = func() {}
	fs.StringVar(&f.addr, "addr", "127.0.0.1:0", "")
	fs.BoolVar(&f.open, "open", false, "")
	fs.StringVar(&f.export, "export", "", "")
	fs.BoolVar(&f.force, "force", false, "")
	return fs
}

func cmdWeb(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runWeb(ctx, args, stdout, stderr)
}

// runWeb is proc web, serving until ctx is done.
func runWeb(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var f webFlags
	fs := f.flagSet(stderr)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, webUsage)
			return 0
		}
		fmt.Fprint(stderr, webUsage)
		return 2
	}
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	switch {
	case len(pos) > 1:
		fmt.Fprintf(stderr, "proc web: want at most one script, got %d\n\n%s", len(pos), webUsage)
		return 2
	case given["export"] && f.export == "":
		fmt.Fprintln(stderr, "proc web: --export: want a folder")
		return 2
	case given["export"] && (given["addr"] || f.open):
		fmt.Fprintln(stderr, "proc web: --export writes the page and serves nothing: it takes no --addr or --open")
		return 2
	case f.force && !given["export"]:
		fmt.Fprintln(stderr, "proc web: --force goes with --export")
		return 2
	}
	var script *web.Script
	if len(pos) == 1 {
		src, err := readScript(pos[0], true)
		if err != nil {
			fmt.Fprintf(stderr, "proc: %v\n", err)
			return 2
		}
		script = &web.Script{File: filepath.Base(pos[0]), Source: string(src)}
	}
	if given["export"] {
		return exportWeb(f, script, stdout, stderr)
	}
	ln, err := web.Listen(f.addr)
	if err != nil {
		fmt.Fprintf(stderr, "proc web: --addr: %v\n", err)
		return 2
	}
	url := web.URL(ln)
	fmt.Fprintf(stdout, "proc web: the page is at %s (Ctrl-C stops)\n", url)
	if f.open {
		openBrowser(url, stderr)
	}
	if err := web.Serve(ctx, ln, script); err != nil {
		fmt.Fprintf(stderr, "proc web: %v\n", err)
		return 1
	}
	return 0
}

// exportWeb is proc web --export.
func exportWeb(f webFlags, script *web.Script, stdout, stderr io.Writer) int {
	err := web.Export(f.export, script, f.force)
	switch {
	case errors.Is(err, web.ErrOccupied):
		fmt.Fprintf(stderr, "proc web: --export: %v; give --force to write into it all the same\n", err)
		return 2
	case err != nil:
		fmt.Fprintf(stderr, "proc web: --export: %v\n", friendlyFileError(err))
		return 2
	}
	fmt.Fprintf(stdout, "proc web: the page is in %s: serve the folder with any static file server, and open index.html\n", f.export)
	return 0
}

// browserOpener returns the command that opens an address in the
// system's browser on goos, and its arguments before the address.
func browserOpener(goos string) (string, []string) {
	switch goos {
	case "darwin":
		return "open", nil
	case "windows":
		return "rundll32", []string{"url.dll,FileProtocolHandler"}
	}
	return "xdg-open", nil
}

// openBrowser asks the system to open url in its browser, and says so on
// stderr when it cannot: the address is printed all the same. The channel
// closes once the opener has ended.
func openBrowser(url string, stderr io.Writer) <-chan struct{} {
	done := make(chan struct{})
	name, args := browserOpener(goruntime.GOOS)
	path, err := exec.LookPath(name)
	if err != nil {
		fmt.Fprintf(stderr, "proc web: --open: no %s here to open a browser with; open the address yourself\n", name)
		close(done)
		return done
	}
	cmd := exec.Command(path, append(args, url)...)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "proc web: --open: %v; open the address yourself\n", err)
		close(done)
		return done
	}
	go func() {
		defer close(done)
		// The opener may wait for the browser; proc web serves meanwhile.
		if err := cmd.Wait(); err != nil {
			fmt.Fprintf(stderr, "proc web: --open: %s found no browser (%v); open the address yourself\n", name, err)
		}
	}()
	return done
}
