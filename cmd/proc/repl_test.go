package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"proc/interp/shell"
	"proc/runtime"
)

// fakeReader plays the lines of a terminal session: "^C" stands for
// Ctrl-C, the end of lines for Ctrl-D. It records the prompt of each read
// and the history saved. With echo, it writes there the prompt and the
// line typed, as a terminal shows them.
type fakeReader struct {
	lines   []string
	prompt  string
	prompts []string
	history []string
	echo    io.Writer
}

func (f *fakeReader) ReadLine() (string, error) {
	f.prompts = append(f.prompts, f.prompt)
	if len(f.lines) == 0 {
		return "", io.EOF
	}
	l := f.lines[0]
	f.lines = f.lines[1:]
	if l == "^C" {
		return "", errInterrupt
	}
	if f.echo != nil {
		io.WriteString(f.echo, f.prompt+l+"\n")
	}
	return l, nil
}

func (f *fakeReader) SetPrompt(p string)       { f.prompt = p }
func (f *fakeReader) SaveHistory(entry string) { f.history = append(f.history, entry) }
func (f *fakeReader) Close() error             { return nil }

func runFake(t *testing.T, lines ...string) (*fakeReader, string) {
	t.Helper()
	f := &fakeReader{lines: lines}
	var out bytes.Buffer
	r := &repl{in: f, out: &out}
	r.shell.Store(newShell(t, shell.Options{Config: runtime.DefaultConfig(), Trace: runtime.CatAll, Out: &out}))
	r.loop()
	return f, out.String()
}

func TestReplPrompts(t *testing.T) {
	t.Parallel()
	f, out := runFake(t, "func f(n) {", "    return n + 1", "}", "f(1)")
	want := []string{promptNew, promptMore, promptMore, promptNew, promptNew}
	if !reflect.DeepEqual(f.prompts, want) {
		t.Errorf("prompts %q, want %q", f.prompts, want)
	}
	if !strings.Contains(out, "= 2\n") {
		t.Errorf("f(1) did not run:\n%s", out)
	}
	// A whole input is one entry; the terminal joins its lines.
	if want := []string{"func f(n) {\n    return n + 1\n}", "f(1)"}; !reflect.DeepEqual(f.history, want) {
		t.Errorf("history %q, want %q", f.history, want)
	}
}

func TestReplCtrlC(t *testing.T) {
	t.Parallel()
	f, out := runFake(t, "func g() {", "^C", "g()", "print 1")
	if want := []string{promptNew, promptMore, promptNew, promptNew, promptNew}; !reflect.DeepEqual(f.prompts, want) {
		t.Errorf("prompts %q, want %q", f.prompts, want)
	}
	if !strings.Contains(out, "undefined function: g") || !strings.Contains(out, "| 1\n") {
		t.Errorf("Ctrl-C did not drop the open input:\n%s", out)
	}
}

// The lines typed are numbered in the order typed: those of an input that
// failed, or that Ctrl-C dropped, keep their numbers, and no later error
// points at them.
func TestReplLineNumbers(t *testing.T) {
	t.Parallel()
	_, out := runFake(t,
		"let a = 1",
		"if a {",
		"    print a +",
		"}",
		"func g() {",
		"    return 1",
		"^C",
		"print nosuch",
		":threads",
		"",
		"let b = [1,",
		"2 +]",
		"print a + nope")
	for _, want := range []string{"<repl>:3:14: ", "<repl>:4:1: ", "<repl>:7:7: undefined: nosuch", "<repl>:9:4: ", "<repl>:10:11: undefined: nope"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

func TestReplQuit(t *testing.T) {
	t.Parallel()
	f, out := runFake(t, ":q", "print 1")
	if len(f.lines) != 1 || strings.Contains(out, "| 1") {
		t.Errorf(":q did not leave; left %q\n%s", f.lines, out)
	}
	if !reflect.DeepEqual(f.history, []string{":q"}) {
		t.Errorf("history %q", f.history)
	}
}

// The end of input inside a block points at the brace still open.
func TestReplEOFInBlock(t *testing.T) {
	t.Parallel()
	_, out := runFake(t, "while true {")
	if !strings.Contains(out, "<repl>:1:12: unexpected end of input: this \"{\" is never closed\nwhile true {\n           ^\n") {
		t.Errorf("no error for the open block:\n%s", out)
	}
}

// Enter alone runs the next statement of a loaded file, and nothing when
// none waits.
func TestReplEnter(t *testing.T) {
	t.Parallel()
	_, out := runFake(t, "", ":reset", "")
	if strings.Contains(out, "nothing queued") {
		t.Errorf("Enter said something with nothing queued:\n%s", out)
	}
}

// A line of a mebibyte, typed or loaded, gives a clean error with a
// window of the line, and the session goes on; so do long else-if chains.
func TestReplLongLines(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("megabyte inputs take seconds")
	}
	long := "print 1" + strings.Repeat("+1", (1<<20-len("print 1"))/2)
	file := filepath.Join(t.TempDir(), "chain.proc")
	if err := os.WriteFile(file, []byte(long+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out := runFake(t, long, ":load "+file,
		"let x = 2", "if x == 0 {}"+strings.Repeat(" else if x == 1 {}", 300)+" else { print x }")
	const room = "the program's code would pass the 1024 KiB the REPL keeps for text"
	if strings.Count(out, room) != 2 || !strings.Contains(out, "| 2\n") || len(out) > 8192 {
		t.Errorf("want two errors about the room for text and the else arm's output, in at most 8 KiB; got %d bytes:\n%.3000s", len(out), out)
	}
}

func TestOneLine(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"print 1":                                "print 1",
		"func f() {\n    print 1\n}":             "func f() { print 1 }",
		"if x {\n  a()\n  b()\n} else {\nc()\n}": "if x { a(); b() } else { c() }",
		"let a = [1,\n2,\n3]":                    "let a = [1, 2, 3]",
		"print f(\"(\",\n1)":                     "print f(\"(\", 1)",
	} {
		if got, ok := oneLine(in); !ok || got != want {
			t.Errorf("oneLine(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := oneLine("func f() {\n  # a comment\n}"); ok {
		t.Error("an input with a comment was joined")
	}
}

func TestCompleter(t *testing.T) {
	t.Parallel()
	f := &fakeReader{}
	r := &repl{in: f, out: io.Discard}
	r.shell.Store(newShell(t, shell.Options{Config: runtime.DefaultConfig(), Out: io.Discard}))
	r.sh().Input("let counter = 1\nglobal limit = 3\nfunc compute_it() { return 1 }")
	c := &completer{r: r}
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"pri", []string{"nt"}},
		{"whi", []string{"le"}},
		{"print cou", []string{"nter"}},
		{"print lim", []string{"it"}},
		{"comp", []string{"ute", "ute_it"}},
		{"mut", []string{"ex"}},
		{":st", []string{"ack ", "ats ", "ep "}},
		{"  :he", []string{"lp ", "ap "}},
		{":set qu", []string{"antum="}},
		{":trace mem,sy", []string{"nc"}},
		{":stack 1", nil},
		{"", nil},
	} {
		got, n := c.Do([]rune(tc.line), len(tc.line))
		var gs []string
		for _, g := range got {
			gs = append(gs, string(g))
		}
		sort.Strings(gs)
		want := append([]string(nil), tc.want...)
		sort.Strings(want)
		if !reflect.DeepEqual(gs, want) {
			t.Errorf("complete %q = %q (%d), want %q", tc.line, gs, n, want)
		}
	}
}

// Every command has a line in :help, and the list in the README is the
// same list.
func TestHelpListsEveryCommand(t *testing.T) {
	t.Parallel()
	_, out := runFake(t, ":help")
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range metaCommands {
		if !strings.Contains(out, "  "+c.name) {
			t.Errorf(":help lacks %s", c.name)
		}
		if row := "| `" + strings.TrimSpace(c.name+" "+c.args) + "` |"; !strings.Contains(string(readme), row) {
			t.Errorf("the README's table of commands lacks %s", row)
		}
	}
}

// The session shown in the README's "The REPL" is what proc prints, byte
// for byte: the banner, the prompts and the lines typed as a terminal
// shows them, and the rest as proc repl prints it.
func TestReadmeTranscript(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const start = "```\n$ proc repl\n"
	i := strings.Index(string(readme), start)
	if i < 0 {
		t.Fatal("the README shows no session of proc repl")
	}
	block := string(readme[i+len(start):])
	block = block[:strings.Index(block, "```\n")]
	first, want, _ := strings.Cut(block, "\n")
	if first != banner() {
		t.Errorf("the README's banner is\n%s\nproc's is\n%s", first, banner())
	}
	var typed []string
	for _, l := range strings.Split(want, "\n") {
		for _, p := range []string{promptNew, promptMore} {
			if in, ok := strings.CutPrefix(l, p); ok {
				typed = append(typed, in)
				break
			}
		}
	}
	var out bytes.Buffer
	f := &fakeReader{lines: typed, echo: &out}
	r := &repl{in: f, out: &out}
	r.shell.Store(newShell(t, shell.Options{Config: runtime.DefaultConfig(), Trace: runtime.CatAll, Out: &out}))
	r.loop()
	if got := out.String(); got != want {
		t.Errorf("the README's session:\n%s\nproc prints:\n%s", want, got)
	}
}

// newShell starts a shell for a test.
func newShell(t *testing.T, opts shell.Options) *shell.Shell {
	t.Helper()
	sh, err := shell.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return sh
}

// A machine too small for the shell process is an error of the settings
// (status 2, as proc run gives), not an internal error.
func TestReplNoRoom(t *testing.T) {
	t.Parallel()
	var out, errw bytes.Buffer
	if code := cmdRepl([]string{"--set", "max_memory=100"}, strings.NewReader("print 1\n"), &out, &errw); code != 2 || out.Len() != 0 {
		t.Errorf("status %d, stdout %q", code, out.String())
	}
	if want := "proc repl: --set: the machine's memory (max_memory=100 bytes) cannot hold process 1\n"; errw.String() != want {
		t.Errorf("stderr %q, want %q", errw.String(), want)
	}
}
