package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"proc/runtime"
)

// completionScript returns what proc completion SHELL prints.
func completionScript(t *testing.T, shell string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"completion", shell}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("proc completion %s: exit status %d\n%s", shell, code, stderr.String())
	}
	return stdout.String()
}

// TestCompletionCommandsAreMains: the commands the scripts complete are
// the ones Main's switch runs, read from main.go itself, so that a new
// command cannot be left out.
func TestCompletionCommandsAreMains(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var inMain []string
	ast.Inspect(f, func(n ast.Node) bool {
		fn, ok := n.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "Main" {
			return true
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			if cc, ok := n.(*ast.CaseClause); ok {
				for _, e := range cc.List {
					if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						if s, _ := strconv.Unquote(lit.Value); !strings.HasPrefix(s, "-") {
							inMain = append(inMain, s)
						}
					}
				}
			}
			return true
		})
		return false
	})
	if len(inMain) == 0 {
		t.Fatal("found no commands in Main's switch")
	}
	slices.Sort(inMain)
	offered := commandNames()
	slices.Sort(offered)
	if !slices.Equal(inMain, offered) {
		t.Errorf("Main runs %v, the completion offers %v", inMain, offered)
	}
}

// TestCompletionFlagsAreDocumented: every flag of a command's flag set,
// which the scripts offer, is in the command's -h.
func TestCompletionFlagsAreDocumented(t *testing.T) {
	t.Parallel()
	for _, c := range compCommands {
		flags := compFlags(c)
		if c.flags == nil {
			continue
		}
		if len(flags) == 0 {
			t.Errorf("%s: a flag set without flags", c.name)
		}
		var stdout, stderr bytes.Buffer
		if code := Main([]string{c.name, "-h"}, nil, &stdout, &stderr); code != 0 {
			t.Fatalf("proc %s -h: exit status %d", c.name, code)
		}
		for _, f := range flags {
			if !strings.Contains(stdout.String(), "-"+f.name) {
				t.Errorf("proc %s -h does not mention -%s", c.name, f.name)
			}
		}
	}
}

// TestCompletionScriptsNameEverything: each shell's script holds every
// command, every flag of every command's flag set, every config key after
// --set, every trace category and every report format.
func TestCompletionScriptsNameEverything(t *testing.T) {
	t.Parallel()
	for _, shell := range completionShells {
		script := completionScript(t, shell)
		want := []string{"proc"}
		for _, c := range compCommands {
			want = append(want, c.name)
			for _, f := range compFlags(c) {
				switch shell {
				case "bash", "zsh":
					want = append(want, f.option())
				case "fish":
					if len(f.name) == 1 {
						want = append(want, "-n '__fish_seen_subcommand_from "+c.name+"' -s "+f.name)
					} else {
						want = append(want, "-n '__fish_seen_subcommand_from "+c.name+"' -l "+f.name)
					}
				}
			}
		}
		for _, k := range runtime.ConfigKeys() {
			want = append(want, k+"=")
		}
		want = append(want, traceWords()...)
		want = append(want, testFormats...)
		for _, w := range want {
			if !hasWord(script, w) {
				t.Errorf("%s: the script lacks %q", shell, w)
			}
		}
	}
	// The zsh script names each command's flags in that command's spec.
	zsh := completionScript(t, "zsh")
	for _, c := range compCommands {
		start := strings.Index(zsh, "\n    "+c.name+")\n")
		if start < 0 {
			t.Errorf("zsh: no case for %s", c.name)
			continue
		}
		spec := zsh[start : start+strings.Index(zsh[start:], ";;")]
		for _, f := range compFlags(c) {
			if !strings.Contains(spec, f.option()) {
				t.Errorf("zsh: %s's spec lacks %s", c.name, f.option())
			}
		}
	}
}

// hasWord reports whether w is in text, and not as a part of a longer
// word or flag: "--set" is not in "--settle", nor "mem" in "member".
func hasWord(text, w string) bool {
	re := regexp.MustCompile(`(^|[^\w-])` + regexp.QuoteMeta(w) + `($|[^\w-])`)
	if strings.HasSuffix(w, "=") {
		re = regexp.MustCompile(`(^|[^\w-])` + regexp.QuoteMeta(w))
	}
	return re.MatchString(text)
}

// TestCompletionSyntax: each script is one its shell reads without a
// syntax error, for the shells installed here.
func TestCompletionSyntax(t *testing.T) {
	t.Parallel()
	for _, shell := range completionShells {
		t.Run(shell, func(t *testing.T) {
			t.Parallel()
			path, err := exec.LookPath(shell)
			if err != nil {
				t.Skipf("%s is not installed", shell)
			}
			file := filepath.Join(t.TempDir(), "proc."+shell)
			if err := os.WriteFile(file, []byte(completionScript(t, shell)), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(path, "-n", file).CombinedOutput()
			if err != nil || len(out) > 0 {
				t.Errorf("%s -n: %v\n%s", shell, err, out)
			}
		})
	}
}

// TestCompletionBash runs the bash script's completion function on
// command lines, as bash does when Tab is pressed, and checks what it
// offers.
func TestCompletionBash(t *testing.T) {
	t.Parallel()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.proc": "", "b.txt": "", "sub/c.proc": ""})
	if err := os.WriteFile(filepath.Join(dir, "proc.bash"), []byte(completionScript(t, "bash")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ line, want string }{
		{"proc te", "test"},
		{"proc ", "run explore repl web test tour fmt version help completion a.proc sub"},
		{"proc run --tr", "--trace"},
		{"proc run --trace = sched,m", "sched,mem"},
		{"proc run --trace ", strings.Join(traceWords(), " ")},
		{"proc run --set quan", "quantum="},
		{"proc explore --set max_st", "max_steps="},
		{"proc test --format = g", "gradescope"},
		{"proc test --header-from ", "a.proc sub"},
		{"proc test -", "--format --header-from -j --run --set --update -h"},
		{"proc a.proc --sta", "--stats"},
		{"proc repl ", "a.proc sub"},
		{"proc web --export ", "sub"},
		{"proc completion ", "bash zsh fish"},
		{"proc run a.proc --seed ", ""},
	} {
		words := strings.Split(c.line, " ")
		var quoted []string
		for _, w := range words {
			quoted = append(quoted, shellQuote(w))
		}
		script := "source proc.bash\nCOMP_WORDS=(" + strings.Join(quoted, " ") + ")\nCOMP_CWORD=" +
			strconv.Itoa(len(words)-1) + "\n_proc\necho \"${COMPREPLY[*]}\"\n"
		cmd := exec.Command(bash, "--norc", "--noprofile", "-c", script)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if got := strings.TrimSuffix(string(out), "\n"); err != nil || got != c.want {
			t.Errorf("%q: got %q (%v), want %q", c.line, got, err, c.want)
		}
	}
}

// TestCompletionFish asks fish, when it is installed, what it completes
// on command lines with the fish script loaded.
func TestCompletionFish(t *testing.T) {
	t.Parallel()
	fish, err := exec.LookPath("fish")
	if err != nil {
		t.Skip("fish is not installed")
	}
	// fish keeps its own files under home, away from the files completed.
	dir, home := t.TempDir(), t.TempDir()
	writeFiles(t, dir, map[string]string{"a.proc": "", "b.txt": "", "sub/c.proc": ""})
	if err := os.WriteFile(filepath.Join(home, "proc.fish"), []byte(completionScript(t, "fish")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ line, want string }{
		{"proc te", "test"},
		{"proc run --tr", "--trace"},
		{"proc run --trace=sched,m", "--trace=sched,mem"},
		{"proc run --set qua", "quantum="},
		{"proc test --format=gr", "--format=gradescope"},
		{"proc test -", "-j --format --header-from --run --set --update"},
		{"proc run ", "a.proc sub/"},
		{"proc test --header-from ", "a.proc sub/"},
		{"proc completion ", "bash fish zsh"},
	} {
		cmd := exec.Command(fish, "--no-config", "-c", "source "+shellQuote(filepath.Join(home, "proc.fish"))+"; complete -C "+shellQuote(c.line))
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home, "XDG_DATA_HOME="+home)
		out, err := cmd.CombinedOutput()
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			// A completion, then a tab and its description.
			got = append(got, strings.SplitN(line, "\t", 2)[0])
		}
		slices.Sort(got)
		want := strings.Fields(c.want)
		slices.Sort(want)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%q: got %q (%v), want %q", c.line, got, err, want)
		}
	}
}
