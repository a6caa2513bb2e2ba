package editors

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"proc/grammar"
	"proc/runtime"
)

// update rewrites the generated files, as PROC_UPDATE=1 does for every
// golden file of the repository; 'go generate ./editors' does the same.
var update = os.Getenv("PROC_UPDATE") == "1"

// TestGeneratedFilesUpToDate: the files on disk are what the generator
// makes from the language as it is now.
func TestGeneratedFilesUpToDate(t *testing.T) {
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.FromSlash(name))
		if err == nil && bytes.Equal(got, want) {
			continue
		}
		if update {
			if err := os.WriteFile(filepath.FromSlash(name), want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s is not what the language's word lists make: run 'go generate ./editors' (%v)", name, err)
	}
}

// allowed are the words an editor may highlight: the keywords, the
// builtins and the config keys, each with the list it comes from.
func allowed() map[string]string {
	m := map[string]string{}
	for _, k := range grammar.Keywords() {
		m[k] = "keyword"
	}
	for _, b := range Builtins() {
		m[b] = "builtin"
	}
	for _, k := range runtime.ConfigKeys() {
		m[k] = "config key"
	}
	return m
}

// checkWords fails for each word of the language the file does not
// highlight, and for each word it highlights that the language does not
// have.
func checkWords(t *testing.T, file string, highlighted []string) {
	t.Helper()
	ok := allowed()
	seen := map[string]bool{}
	for _, w := range highlighted {
		seen[w] = true
		if ok[w] == "" {
			t.Errorf("%s highlights %q, which is neither a keyword, a builtin nor a config key", file, w)
		}
	}
	for w, kind := range ok {
		if !seen[w] {
			t.Errorf("%s does not highlight the %s %q", file, kind, w)
		}
	}
}

// wordList finds the word alternations of a regular expression:
// \b(?:a|b)\b and \b(a|b)\b, and \s+(a|b)\b as after config.
var wordList = regexp.MustCompile(`(?:\\b|\\s\+)\((?:\?:)?([A-Za-z0-9_|]+)\)`)

// tmRegexps returns every regular expression of a TextMate grammar
// (match, begin, end), by the path of its rule.
func tmRegexps(v any, path string, out map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			switch k {
			case "match", "begin", "end":
				if s, ok := x.(string); ok {
					out[path+"."+k] = s
				}
			default:
				tmRegexps(x, path+"."+k, out)
			}
		}
	case []any:
		for i, x := range v {
			tmRegexps(x, path+"["+strconv.Itoa(i)+"]", out)
		}
	}
}

func readTextMate(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(TextMateFile))
	if err != nil {
		t.Fatal(err)
	}
	var g map[string]any
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("%s is not JSON: %v", TextMateFile, err)
	}
	return g
}

// TestTextMateGrammar: the grammar is JSON, names its scope, its regular
// expressions compile (Go reads the simple Oniguruma they are kept to),
// and it highlights exactly the language's words.
func TestTextMateGrammar(t *testing.T) {
	t.Parallel()
	g := readTextMate(t)
	if g["scopeName"] != "source.proc" || g["name"] != "proc" {
		t.Errorf("scopeName %v, name %v", g["scopeName"], g["name"])
	}
	res := map[string]string{}
	tmRegexps(g, "", res)
	if len(res) == 0 {
		t.Fatal("no regular expressions found")
	}
	var words []string
	for path, re := range res {
		if _, err := regexp.Compile(re); err != nil {
			t.Errorf("%s: %q does not compile: %v", path, re, err)
		}
		for _, m := range wordList.FindAllStringSubmatch(re, -1) {
			words = append(words, strings.Split(m[1], "|")...)
		}
	}
	checkWords(t, TextMateFile, words)
}

// TestTextMateMatchesLexer: the grammar's rules take the tokens as the
// lexer (grammar/lexer.go) does.
func TestTextMateMatchesLexer(t *testing.T) {
	t.Parallel()
	repo := readTextMate(t)["repository"].(map[string]any)
	rule := func(name string) *regexp.Regexp {
		return regexp.MustCompile(`^(?:` + repo[name].(map[string]any)["match"].(string) + `)$`)
	}
	whole := func(re *regexp.Regexp, yes, no []string) {
		t.Helper()
		for _, s := range yes {
			if !re.MatchString(s) {
				t.Errorf("%s does not take %q", re, s)
			}
		}
		for _, s := range no {
			if re.MatchString(s) {
				t.Errorf("%s takes %q", re, s)
			}
		}
	}
	whole(rule("number"), []string{"0", "42", "1_000_000", "0x1f", "0XFF", "0xdead_beef"}, []string{"1__0", "_1", "0x", "1.5", "1_"})
	whole(rule("comment"), []string{"# a comment", "#", `# "not a string"`}, nil)
	whole(rule("operator"), []string{"..", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "*=", "/=", "%=", "+", "-", "*", "/", "%", "<", ">", "=", "!", "&", "."}, nil)
	str := repo["string"].(map[string]any)
	esc := str["patterns"].([]any)
	valid := regexp.MustCompile(`^(?:` + esc[0].(map[string]any)["match"].(string) + `)$`)
	whole(valid, []string{`\n`, `\t`, `\"`, `\\`}, []string{`\r`, `\x`, `\0`})
	if str["begin"] != `"` || str["end"] != `"|$` {
		t.Errorf("a string begins with %q and ends with %q; the lexer's is one line between double quotes", str["begin"], str["end"])
	}
	cfg := regexp.MustCompile(repo["config"].(map[string]any)["match"].(string))
	if m := cfg.FindStringSubmatch("config quantum = 2"); m == nil || m[1] != "config" || m[2] != "quantum" {
		t.Errorf("config line: %q", m)
	}
}

// vimOptions are the words of a :syn keyword line that are not keywords.
var vimOptions = []string{"contained", "transparent", "skipwhite", "skipnl", "skipempty", "conceal", "display", "fold", "extend"}

// vimKeywords returns the words of the :syn keyword lines of a Vim syntax
// file, continuation lines included.
func vimKeywords(t *testing.T, src string) []string {
	t.Helper()
	var words []string
	in := false
	for _, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		fields := strings.Fields(trimmed)
		switch {
		case strings.HasPrefix(trimmed, "syn keyword ") || strings.HasPrefix(trimmed, "syntax keyword "):
			in, fields = true, fields[3:]
		case in && strings.HasPrefix(trimmed, `\`):
			fields = strings.Fields(strings.TrimPrefix(trimmed, `\`))
		default:
			in = false
			continue
		}
		for _, f := range fields {
			if !strings.Contains(f, "=") && !slices.Contains(vimOptions, f) {
				words = append(words, f)
			}
		}
	}
	return words
}

// TestVimSyntax: the Vim file highlights exactly the language's words.
func TestVimSyntax(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.FromSlash(VimFile))
	if err != nil {
		t.Fatal(err)
	}
	checkWords(t, VimFile, vimKeywords(t, string(b)))
	ft, err := os.ReadFile(filepath.FromSlash("vim/ftdetect/proc.vim"))
	if err != nil || !strings.Contains(string(ft), "*.proc") || !strings.Contains(string(ft), "setfiletype proc") {
		t.Errorf("vim/ftdetect/proc.vim does not make *.proc files of type proc (%v)", err)
	}
}

// TestVimHighlights opens a script in Vim, when Vim is installed, and asks
// it the syntax group at a few places: a keyword, a config key, a string,
// its escapes, a # inside a string, a comment, a builtin, a number.
func TestVimHighlights(t *testing.T) {
	t.Parallel()
	vim, err := exec.LookPath("vim")
	if err != nil {
		t.Skip("vim is not installed")
	}
	rtp, err := filepath.Abs("vim")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "h.proc")
	src := "config quantum = 2\nlet s = \"a\\n\\q # x\" # note\nprint len(s) + 0x1f\n"
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	cases := []struct {
		line, col int
		group     string
	}{
		{1, 1, "procConfig"}, {1, 8, "procConfigKey"}, {2, 1, "procDeclare"}, {2, 10, "procString"},
		{2, 11, "procEscape"}, {2, 13, "procBadEscape"}, {2, 16, "procString"}, {2, 21, "procComment"},
		{3, 1, "procStatement"}, {3, 7, "procBuiltin"}, {3, 16, "procNumber"}, {3, 14, "procOperator"},
	}
	var pos []string
	for _, c := range cases {
		pos = append(pos, "["+strconv.Itoa(c.line)+","+strconv.Itoa(c.col)+"]")
	}
	cmd := exec.Command(vim, "-u", "NONE", "-i", "NONE", "-N", "-es",
		"-c", "set rtp^="+rtp, "-c", "filetype on", "-c", "syntax on", "-c", "edit "+script,
		"-c", "redir! > "+out, "-c", "echo &filetype",
		"-c", "for [l, c] in ["+strings.Join(pos, ",")+"] | echo synIDattr(synID(l, c, 1), 'name') | endfor",
		"-c", "redir END", "-c", "qa!")
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("vim: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Fields(string(b))
	if len(got) != len(cases)+1 || got[0] != "proc" {
		t.Fatalf("vim said %q", got)
	}
	for i, c := range cases {
		if got[i+1] != c.group {
			t.Errorf("line %d, column %d (%q): %s, want %s", c.line, c.col, strings.Split(src, "\n")[c.line-1][c.col-1:], got[i+1], c.group)
		}
	}
}

// TestVSCodeExtension: the extension's manifest registers the language for
// .proc files with the grammar and the configuration beside it.
func TestVSCodeExtension(t *testing.T) {
	t.Parallel()
	var pkg struct {
		Contributes struct {
			Languages []struct {
				ID            string   `json:"id"`
				Extensions    []string `json:"extensions"`
				Configuration string   `json:"configuration"`
			} `json:"languages"`
			Grammars []struct {
				Language  string `json:"language"`
				ScopeName string `json:"scopeName"`
				Path      string `json:"path"`
			} `json:"grammars"`
		} `json:"contributes"`
	}
	b, err := os.ReadFile(filepath.Join("vscode", "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatalf("vscode/package.json: %v", err)
	}
	langs, grams := pkg.Contributes.Languages, pkg.Contributes.Grammars
	if len(langs) != 1 || langs[0].ID != "proc" || !slices.Equal(langs[0].Extensions, []string{".proc"}) {
		t.Fatalf("languages: %+v", langs)
	}
	if len(grams) != 1 || grams[0].Language != "proc" || grams[0].ScopeName != "source.proc" ||
		filepath.Clean(filepath.Join("vscode", grams[0].Path)) != filepath.FromSlash(TextMateFile) {
		t.Errorf("grammars: %+v", grams)
	}
	var conf struct {
		Comments struct {
			LineComment string `json:"lineComment"`
		} `json:"comments"`
		Brackets [][]string `json:"brackets"`
	}
	b, err = os.ReadFile(filepath.Join("vscode", langs[0].Configuration))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &conf); err != nil {
		t.Fatalf("%s: %v", langs[0].Configuration, err)
	}
	if conf.Comments.LineComment != "#" || len(conf.Brackets) != 3 {
		t.Errorf("language configuration: %+v", conf)
	}
}
