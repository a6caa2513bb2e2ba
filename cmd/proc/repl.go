package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/chzyer/readline"
	"golang.org/x/term"

	"proc/grammar"
	"proc/interp"
	"proc/interp/shell"
	"proc/runtime"
)

const replUsage = `Usage: proc repl [FILE.proc] [flags]

An interactive machine: each statement typed runs at once in process 1's
main thread (the shell thread) and prints its trace. With FILE, the script's
globals and functions are declared first and its statements wait in a
queue: Enter runs the next one. Type :help at the prompt for the commands.

Flags:
  --trace=CATS       all (default), none, or a comma list of
                     sched,proc,thread,call,mem,ipc,sync,fault,insn,tlb,cache
  --set KEY=VALUE    override a config key (repeatable); a script loaded
                     later leaves it as it is
  --seed N           the same as --set seed=N

A script's '# args:' header applies when it is loaded (proc repl FILE or
:load FILE), after its config lines: --set, --seed and --trace, unless
the command line gave the same flag; like config lines, it may lower a
limit, never raise one. The REPL ignores the header's other flags
(--json, --stats, --gantt, --race, --schedule) and says so.

When standard input is not a terminal, lines are read as they come, with no
prompt and no line editing, so that 'proc repl < session.txt' gives a
reproducible transcript.
`

// The prompts: one for a new input, one while a block or bracket is open.
const (
	promptNew  = "proc> "
	promptMore = "...> "
)

// errInterrupt is what a lineReader returns on Ctrl-C.
var errInterrupt = errors.New("interrupt")

// lineReader reads the lines typed at the prompt: readline on a terminal,
// plain lines otherwise, a fake in tests.
type lineReader interface {
	// ReadLine returns the next line without its end; io.EOF at the end
	// of input (Ctrl-D), errInterrupt on Ctrl-C.
	ReadLine() (string, error)
	SetPrompt(prompt string)
	// SaveHistory records a whole input, which may span lines.
	SaveHistory(entry string)
	Close() error
}

// plainReader reads lines from a file or pipe: no prompt, no escapes, no
// history.
type plainReader struct{ sc *bufio.Scanner }

func newPlainReader(r io.Reader) *plainReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	return &plainReader{sc: sc}
}

func (r *plainReader) ReadLine() (string, error) {
	if r.sc.Scan() {
		return strings.TrimSuffix(r.sc.Text(), "\r"), nil
	}
	if err := r.sc.Err(); err != nil {
		return "", err
	}
	return "", io.EOF
}

func (r *plainReader) SetPrompt(string)   {}
func (r *plainReader) SaveHistory(string) {}
func (r *plainReader) Close() error       { return nil }

// terminalReader is readline on a terminal: line editing, history kept in
// a file, Ctrl-R search, tab completion.
type terminalReader struct{ rl *readline.Instance }

func (r *terminalReader) ReadLine() (string, error) {
	line, err := r.rl.Readline()
	if errors.Is(err, readline.ErrInterrupt) {
		return "", errInterrupt
	}
	return line, err
}

func (r *terminalReader) SetPrompt(p string) { r.rl.SetPrompt(p) }

func (r *terminalReader) SaveHistory(entry string) {
	// The history file holds a line an entry: an input of many lines is
	// saved joined into one, when that keeps its meaning.
	if one, ok := oneLine(entry); ok {
		r.rl.SaveHistory(one)
		return
	}
	for _, l := range strings.Split(entry, "\n") {
		if strings.TrimSpace(l) != "" {
			r.rl.SaveHistory(l)
		}
	}
}

func (r *terminalReader) Close() error { return r.rl.Close() }

// oneLine joins the lines of an input into one that means the same: "; "
// where a newline ended a statement, a space inside brackets and next to
// braces. An input with a comment cannot be joined.
func oneLine(entry string) (string, bool) {
	lines := strings.Split(entry, "\n")
	if len(lines) == 1 {
		return entry, true
	}
	var b strings.Builder
	depth := 0
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if strings.Contains(l, "#") {
			return "", false
		}
		if l == "" {
			continue
		}
		if b.Len() > 0 {
			prev := b.String()
			if depth > 0 || strings.HasSuffix(prev, "{") || strings.HasPrefix(l, "}") {
				b.WriteByte(' ')
			} else {
				b.WriteString("; ")
			}
		}
		b.WriteString(l)
		depth += bracketDepth(l)
	}
	return b.String(), true
}

// bracketDepth is how many ( and [ a line leaves open; a newline inside
// them does not end a statement.
func bracketDepth(l string) int {
	d := 0
	inStr := false
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '(' || c == '[':
			d++
		case c == ')' || c == ']':
			d--
		}
	}
	return d
}

// historyFile is where the prompt's history is kept between sessions:
// $PROC_HISTORY (empty: none), else under the user's state directory
// ($XDG_STATE_HOME, or ~/.local/state), else ~/.proc_history.
func historyFile() string {
	if p, ok := os.LookupEnv("PROC_HISTORY"); ok {
		return p
	}
	dir := os.Getenv("XDG_STATE_HOME")
	home, herr := os.UserHomeDir()
	if dir == "" && herr == nil {
		dir = filepath.Join(home, ".local", "state")
	}
	if dir != "" {
		d := filepath.Join(dir, "proc")
		if os.MkdirAll(d, 0o700) == nil {
			return filepath.Join(d, "history")
		}
	}
	if herr != nil {
		return ""
	}
	return filepath.Join(home, ".proc_history")
}

// metaCommand is one of the commands of the prompt that start with ":".
type metaCommand struct {
	name, args, help string
	run              func(r *repl, arg string) bool // reports false to leave
}

var metaCommands []metaCommand

func init() {
	metaCommands = []metaCommand{
		{":help", "", "this list", (*repl).help},
		{":ps", "", "the processes, as show ps", func(r *repl, _ string) bool { r.lines(r.sh().Ps()); return true }},
		{":threads", "", "the threads: state, line, stack, what each waits for", func(r *repl, _ string) bool { r.lines(r.sh().Threads()); return true }},
		{":stack", "[TID]", "the frames of a thread (default: the shell thread), as show stack", (*repl).stack},
		{":heap", "[PID]", "the blocks and free list of a heap (default: the shell's)", (*repl).heap},
		{":maps", "[PID]", "an address space, like /proc/PID/maps (default: the shell's)", (*repl).maps},
		{":pagetable", "[PID]", "a page table: each page's physical frame (default: the shell's)", (*repl).pagetable},
		{":tlb", "", "the TLB of each CPU: the translations it holds, most recently used first", (*repl).tlb},
		{":vars", "", "main's locals and the globals: addresses and values", func(r *repl, _ string) bool { r.lines(r.sh().Vars()); return true }},
		{":step", "[N]", "run N instructions (default 1) of the other threads, and say which ran", (*repl).step},
		{":run", "", "run the other threads until only the shell is left (or none can run)", func(r *repl, _ string) bool { r.sh().Run(); return true }},
		{":next", "[N]", "run the next N statements (default 1) of a loaded file; Enter runs one", (*repl).next},
		{":back", "[N]", "go back N instructions (default 1) to the machine as it was; what was typed since is undone", (*repl).back},
		{":trace", "[CATS]", "the trace categories shown: all, none, or a list of " + strings.Join(runtime.CategoryNames(), ","), (*repl).trace},
		{":set", "[KEY=VALUE]", "change a config key for what comes next (alone: list them)", (*repl).set},
		{":load", "FILE", "declare a script's globals and functions, queue its statements", (*repl).load},
		{":reset", "", "start over: a new machine with nothing declared (settings stay)", (*repl).reset},
		{":stats", "", "the statistics table, as show stats", func(r *repl, _ string) bool { r.lines(r.sh().Stats()); return true }},
		{":quit", "", "leave (Ctrl-D too)", func(*repl, string) bool { return false }},
	}
}

// repl is one session at the prompt.
type repl struct {
	shell atomic.Pointer[shell.Shell] // swapped by :reset; read by the Ctrl-C handler
	in    lineReader
	out   io.Writer
	dir   string // where :load looks for relative names ("" the current directory)

	// The command line's word, which a loaded script's header does not
	// change: the keys it set, and whether it gave --trace.
	pinned   []string
	cliTrace bool
}

func (r *repl) sh() *shell.Shell { return r.shell.Load() }

// replFlags are the flags of proc repl.
type replFlags struct {
	trace string
	sets  setFlag
	seed  string
}

// flagSet returns a flag set that parses proc repl's flags into f.
func (f *replFlags) flagSet(out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("repl", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() { fmt.Fprint(out, replUsage) }
	fs.StringVar(&f.trace, "trace", "all", "")
	fs.Var(&f.sets, "set", "")
	fs.StringVar(&f.seed, "seed", "", "")
	return fs
}

func cmdRepl(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f replFlags
	fs := f.flagSet(stderr)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, replUsage)
			return 0
		}
		return 2
	}
	if len(pos) > 1 {
		fmt.Fprintf(stderr, "proc repl: want at most one script, got %d\n\n%s", len(pos), replUsage)
		return 2
	}
	sets := f.sets
	if f.seed != "" {
		sets = append(sets, "seed="+f.seed)
	}
	cats, err := runtime.ParseCategories(f.trace)
	if err != nil {
		fmt.Fprintf(stderr, "proc repl: --trace: %v\n", err)
		return 2
	}
	r := &repl{out: stdout}
	fs.Visit(func(f *flag.Flag) { r.cliTrace = r.cliTrace || f.Name == "trace" })
	for _, kv := range sets {
		k, _, _ := strings.Cut(kv, "=")
		r.pinned = append(r.pinned, strings.TrimSpace(k))
	}
	cfg := runtime.DefaultConfig()
	var file string
	var src []byte
	var header shell.ScriptArgs
	var note string
	if len(pos) == 1 {
		// The script's config lines and header set up the machine before
		// it starts, so that the shell process's own heap follows them
		// too.
		file = pos[0]
		ceil, err := interp.Ceiling(sets)
		if err != nil {
			fmt.Fprintf(stderr, "proc repl: --set: %v\n", err)
			return 2
		}
		if src, err = readScript(file, true); err != nil {
			fmt.Fprintf(stderr, "proc: %v\n", err)
			return 2
		}
		if header, note, err = r.header(file, src); err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		if err := interp.CheckScriptSets(header.Sets, ceil); err != nil {
			fmt.Fprintf(stderr, "%s: # args: --set %v\n", file, err)
			return 2
		}
		prog := compileScript(file, src, ceil, stderr)
		if prog == nil {
			return 2
		}
		cfg = prog.Config
		if err := interp.ApplySets(&cfg, header.Sets); err != nil {
			fmt.Fprintf(stderr, "%s: # args: --set %v\n", file, err)
			return 2
		}
		if header.Trace != "" {
			if cats, err = runtime.ParseCategories(header.Trace); err != nil {
				fmt.Fprintf(stderr, "%s: # args: --trace: %v\n", file, err)
				return 2
			}
		}
	}
	if err := interp.ApplySets(&cfg, sets); err != nil {
		fmt.Fprintf(stderr, "proc repl: --set: %v\n", err)
		return 2
	}

	tty := isTerminal(stdin) && isTerminal(stdout)
	if tty {
		rl, err := readline.NewEx(&readline.Config{
			Prompt:                 promptNew,
			HistoryFile:            historyFile(),
			DisableAutoSaveHistory: true,
			HistorySearchFold:      true,
			AutoComplete:           &completer{r: r},
		})
		if err != nil {
			fmt.Fprintf(stderr, "proc repl: %v\n", err)
			return 2
		}
		r.in = &terminalReader{rl: rl}
		// Ctrl-C while the machine runs stops it; at the prompt readline
		// reads it as a key.
		// The handler stays installed until the process exits: a Ctrl-C
		// typed just as the session ends must not kill proc by SIGINT.
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt)
		go func() {
			for range sig {
				if sh := r.sh(); sh != nil {
					sh.Interrupt()
				}
			}
		}()
		fmt.Fprintln(stdout, banner())
	} else {
		r.in = newPlainReader(stdin)
	}
	defer r.in.Close()
	sh, err := shell.New(shell.Options{Config: cfg, Trace: cats, Pinned: r.pinned, Out: stdout})
	if err != nil {
		fmt.Fprintf(stderr, "proc repl: --set: %v\n", err)
		return 2
	}
	r.shell.Store(sh)
	if file != "" {
		if note != "" {
			r.say("%s", note)
		}
		r.sh().Load(file, src, header)
	}
	r.loop()
	return 0
}

// banner greets a session on a terminal.
func banner() string {
	return fmt.Sprintf("proc %s: a machine to poke at, one statement at a time. :help lists the commands; Ctrl-D leaves.", version)
}

func isTerminal(f any) bool {
	if f, ok := f.(*os.File); ok {
		return term.IsTerminal(int(f.Fd()))
	}
	return false
}

// loop reads and runs inputs until the end of input or :quit. Nothing
// that happens in the machine ends it.
func (r *repl) loop() {
	var pending []string // the lines of an input still open
	for {
		if len(pending) == 0 {
			r.in.SetPrompt(promptNew)
		} else {
			r.in.SetPrompt(promptMore)
		}
		line, err := r.in.ReadLine()
		if errors.Is(err, errInterrupt) {
			// Ctrl-C drops what was typed.
			if len(pending) > 0 {
				r.sh().Drop(strings.Join(pending, "\n"))
			}
			pending = nil
			continue
		}
		if err != nil {
			if len(pending) > 0 {
				// The input ends inside a block: say what is missing.
				r.sh().Input(strings.Join(pending, "\n"))
			}
			if !errors.Is(err, io.EOF) {
				fmt.Fprintf(r.out, "proc repl: %v\n", err)
			}
			return
		}
		if len(pending) == 0 {
			t := strings.TrimSpace(line)
			if strings.HasPrefix(t, ":") {
				r.in.SaveHistory(t)
				quit := false
				r.guard(func() { quit = !r.meta(t) })
				if quit {
					return
				}
				continue
			}
			if t == "" {
				// Enter alone runs the next statement of a loaded file.
				if r.sh().Pending() > 0 {
					r.guard(func() { r.sh().Next(1) })
				}
				continue
			}
		}
		pending = append(pending, line)
		text := strings.Join(pending, "\n")
		if r.sh().Incomplete(text) {
			continue
		}
		pending = nil
		r.in.SaveHistory(text)
		r.guard(func() { r.sh().Input(text) })
	}
}

// guard runs one input. A bug in proc must not end the session: it is
// reported, and the session goes on with a new machine.
func (r *repl) guard(f func()) {
	defer func() {
		if v := recover(); v != nil {
			fmt.Fprintf(r.out, "proc: internal error: %v\nplease report this with the input that caused it\n", v)
			r.reset("")
		}
	}()
	f()
}

// meta runs a command that starts with ":". It reports false to leave.
func (r *repl) meta(line string) bool {
	name, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	var found []*metaCommand
	for i := range metaCommands {
		c := &metaCommands[i]
		if c.name == name {
			found = []*metaCommand{c}
			break
		}
		if strings.HasPrefix(c.name, name) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		r.say("unknown command %s: :help lists the commands", name)
		return true
	case 1:
		return found[0].run(r, arg)
	}
	var names []string
	for _, c := range found {
		names = append(names, c.name)
	}
	r.say("%s is ambiguous: %s", name, strings.Join(names, ", "))
	return true
}

func (r *repl) say(format string, args ...any) {
	r.sh().Flush()
	fmt.Fprintf(r.out, format+"\n", args...)
}

func (r *repl) lines(ls []string) {
	r.sh().Flush()
	for _, l := range ls {
		fmt.Fprintln(r.out, l)
	}
}

// view prints a titled view, or what went wrong.
func (r *repl) view(title string, ls []string, err error) bool {
	if err != nil {
		r.say("%v", err)
		return true
	}
	r.say("%s", title)
	for _, l := range ls {
		fmt.Fprintln(r.out, "  "+l)
	}
	return true
}

func (r *repl) help(string) bool {
	r.say("Type a statement: it runs at once in the shell thread (process 1's main thread), with its trace.")
	r.say("A bare expression shows its value. Declarations (global, func) join the program.")
	r.say("Other threads run while the shell thread is blocked (join, wait, recv, lock), or on :step and :run.")
	r.say("A block stays open over several lines (...>). Ctrl-C drops the input or stops the machine; Ctrl-D leaves.")
	r.say("Commands (a unique prefix is enough):")
	for _, c := range metaCommands {
		r.say("  %-18s %s", strings.TrimSpace(c.name+" "+c.args), c.help)
	}
	return true
}

// number parses an optional count or id argument.
func (r *repl) number(arg string, def int64) (int64, bool) {
	if arg == "" {
		return def, true
	}
	n, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || n <= 0 {
		r.say("want a positive number, not %q", arg)
		return 0, false
	}
	return n, true
}

func (r *repl) stack(arg string) bool {
	tid, ok := r.number(arg, 0)
	if !ok {
		return true
	}
	return r.view(r.sh().Stack(int(tid)))
}

func (r *repl) heap(arg string) bool {
	pid, ok := r.number(arg, 0)
	if !ok {
		return true
	}
	return r.view(r.sh().Heap(int(pid)))
}

func (r *repl) maps(arg string) bool {
	pid, ok := r.number(arg, 0)
	if !ok {
		return true
	}
	return r.view(r.sh().Maps(int(pid)))
}

func (r *repl) pagetable(arg string) bool {
	pid, ok := r.number(arg, 0)
	if !ok {
		return true
	}
	return r.view(r.sh().PageTable(int(pid)))
}

func (r *repl) tlb(string) bool { return r.view(r.sh().TLB()) }

func (r *repl) step(arg string) bool {
	if n, ok := r.number(arg, 1); ok {
		r.sh().Step(n)
	}
	return true
}

func (r *repl) next(arg string) bool {
	if n, ok := r.number(arg, 1); ok {
		r.sh().Next(int(min(n, 1<<30)))
	}
	return true
}

// back goes back in the machine's time: the shell it returns (a new
// machine, unless it could not go back) takes over, as after :reset.
func (r *repl) back(arg string) bool {
	if n, ok := r.number(arg, 1); ok {
		r.shell.Store(r.sh().Back(n))
	}
	return true
}

func (r *repl) trace(arg string) bool {
	if arg == "" {
		r.say("trace: %s", r.sh().TraceText())
		return true
	}
	r.sh().SetTrace(arg)
	return true
}

func (r *repl) set(arg string) bool {
	if arg == "" {
		r.lines(r.sh().Settings())
		return true
	}
	r.sh().Set(arg)
	return true
}

func (r *repl) load(arg string) bool {
	if arg == "" {
		r.say(":load wants a file name")
		return true
	}
	path := arg
	if r.dir != "" && !filepath.IsAbs(arg) {
		path = filepath.Join(r.dir, arg)
	}
	src, err := readScript(path, true)
	if err != nil {
		r.say("%v", err)
		return true
	}
	args, note, err := r.header(arg, src)
	if err != nil {
		r.say("%v", err)
		return true
	}
	if note != "" {
		r.say("%s", note)
	}
	r.sh().Load(arg, src, args)
	return true
}

// header reads the `# args:` header of a script to load: what of it the
// REPL applies (what the command line did not give), and a note naming
// the flags it ignores, which only make sense for one whole run.
func (r *repl) header(file string, src []byte) (shell.ScriptArgs, string, error) {
	var args shell.ScriptArgs
	hdr, err := scriptHeader(file, src)
	if err != nil {
		return args, "", err
	}
	args.Sets = hdr.sets
	if hdr.given["trace"] && !r.cliTrace {
		if _, err := runtime.ParseCategories(hdr.trace); err != nil {
			return args, "", fmt.Errorf("%s: # args: --trace: %v", file, err)
		}
		args.Trace = hdr.trace
	}
	var ignored []string
	for _, name := range []string{"json", "stats", "gantt", "race", "schedule"} {
		if hdr.given[name] {
			ignored = append(ignored, "--"+name)
		}
	}
	switch len(ignored) {
	case 0:
		return args, "", nil
	case 1:
		return args, fmt.Sprintf("%s: # args: %s is a flag of proc run: the REPL ignores it (:stats shows the statistics)", file, ignored[0]), nil
	}
	return args, fmt.Sprintf("%s: # args: %s are flags of proc run: the REPL ignores them (:stats shows the statistics)", file, strings.Join(ignored, " ")), nil
}

func (r *repl) reset(string) bool {
	old := r.sh()
	r.say("reset: a new machine, with nothing declared")
	sh, err := shell.New(shell.Options{Config: old.Config(), Ceiling: old.Ceiling(), Trace: old.Trace(), Pinned: r.pinned, Out: r.out})
	if err != nil {
		// The machine before goes on: the session keeps a shell.
		r.say("%v: the machine before the reset goes on (:set max_memory=N, then :reset)", err)
		return true
	}
	r.shell.Store(sh)
	sh.Flush()
	return true
}

// completer completes the word before the cursor: a command after ":",
// a config key after ":set", a category after ":trace", a file after
// ":load", otherwise a keyword, a builtin or a name in scope.
type completer struct{ r *repl }

// Do implements readline.AutoCompleter.
func (c *completer) Do(line []rune, pos int) ([][]rune, int) {
	before := string(line[:pos])
	trimmed := strings.TrimLeft(before, " \t")
	var word string
	var cands []string
	switch {
	case strings.HasPrefix(trimmed, ":") && !strings.ContainsAny(trimmed, " \t"):
		word = trimmed
		for _, m := range metaCommands {
			cands = append(cands, m.name+" ")
		}
	case strings.HasPrefix(trimmed, ":set "):
		word = lastField(trimmed, " ")
		for _, k := range runtime.ConfigKeys() {
			cands = append(cands, k+"=")
		}
	case strings.HasPrefix(trimmed, ":trace "):
		word = lastField(trimmed, " ,")
		cands = append([]string{"all", "none"}, runtime.CategoryNames()...)
	case strings.HasPrefix(trimmed, ":load "):
		word = strings.TrimLeft(trimmed[len(":load "):], " ")
		cands = fileCandidates(word)
	case strings.HasPrefix(trimmed, ":"):
		return nil, 0
	default:
		start := len(before)
		for start > 0 && isNameByte(before[start-1]) {
			start--
		}
		word = before[start:]
		if word == "" {
			return nil, 0
		}
		cands = append(cands, grammar.Keywords()...)
		for _, b := range interp.Builtins {
			cands = append(cands, b.Name)
		}
		if sh := c.r.sh(); sh != nil {
			cands = append(cands, sh.Names()...)
		}
	}
	sort.Strings(cands)
	var out [][]rune
	seen := map[string]bool{}
	for _, cand := range cands {
		if strings.HasPrefix(cand, word) && !seen[cand] {
			seen[cand] = true
			out = append(out, []rune(cand[len(word):]))
		}
	}
	return out, len([]rune(word))
}

func isNameByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// lastField returns what follows the last of the separators in s.
func lastField(s, seps string) string {
	if i := strings.LastIndexAny(s, seps); i >= 0 {
		return s[i+1:]
	}
	return s
}

// fileCandidates lists the .proc files and the folders whose path starts
// with prefix.
func fileCandidates(prefix string) []string {
	dir, base := filepath.Split(prefix)
	entries, err := os.ReadDir(filepath.Join(".", dir))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, base) || strings.HasPrefix(name, ".") && !strings.HasPrefix(base, ".") {
			continue
		}
		switch {
		case e.IsDir():
			out = append(out, dir+name+"/")
		case strings.HasSuffix(name, ".proc"):
			out = append(out, dir+name)
		}
	}
	return out
}
