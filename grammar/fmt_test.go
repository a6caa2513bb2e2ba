package grammar

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
)

// sameAST reports where two scripts' ASTs differ, positions aside, or ""
// when they do not.
func sameAST(a, b *Script) string {
	return diffValue("Script", reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem())
}

var posType = reflect.TypeOf(Pos{})

func diffValue(path string, a, b reflect.Value) string {
	if a.Type() != b.Type() {
		return fmt.Sprintf("%s: %s against %s", path, a.Type(), b.Type())
	}
	switch a.Kind() {
	case reflect.Interface, reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + ": nil against not nil"
			}
			return ""
		}
		return diffValue(path, a.Elem(), b.Elem())
	case reflect.Struct:
		if a.Type() == posType {
			return ""
		}
		for i := 0; i < a.NumField(); i++ {
			f := a.Type().Field(i)
			if a.Type() == reflect.TypeOf(Script{}) && (f.Name == "Src" || f.Name == "File") {
				continue
			}
			if d := diffValue(path+"."+f.Name, a.Field(i), b.Field(i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Slice:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: %d elements against %d", path, a.Len(), b.Len())
		}
		for i := 0; i < a.Len(); i++ {
			if d := diffValue(fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i)); d != "" {
				return d
			}
		}
		return ""
	default:
		if a.Interface() != b.Interface() {
			return fmt.Sprintf("%s: %v against %v", path, a.Interface(), b.Interface())
		}
		return ""
	}
}

// tokenTexts lists the tokens of src, statement ends aside.
func tokenTexts(src []byte) []string {
	toks, _ := scan("x.proc", src)
	var out []string
	for _, t := range toks {
		if t.Type != tokNL && !t.EOF() {
			out = append(out, t.Value)
		}
	}
	return out
}

// commentTexts lists the comments of src.
func commentTexts(src []byte) []string {
	var out []string
	for _, c := range findComments(src) {
		out = append(out, c.text)
	}
	return out
}

// checkFormat checks the properties of FormatSource on src, which parses:
// the output parses to the same AST, with the same tokens, comments and
// header, has the canonical white space, and formats to itself.
func checkFormat(t *testing.T, name string, src []byte) []byte {
	t.Helper()
	in, err := Parse(name, src)
	if err != nil {
		t.Fatalf("%s does not parse: %v", name, err)
	}
	out, err := FormatSource(name, src)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	got, err := Parse(name, out)
	if err != nil {
		t.Fatalf("%s: the formatted text does not parse: %v\n%s", name, err, out)
	}
	if d := sameAST(in, got); d != "" {
		t.Fatalf("%s: formatting changed the AST at %s\n%s", name, d, out)
	}
	if a, b := tokenTexts(src), tokenTexts(out); !reflect.DeepEqual(a, b) {
		t.Fatalf("%s: formatting changed the tokens:\n%q\n%q", name, a, b)
	}
	if a, b := commentTexts(src), commentTexts(out); !reflect.DeepEqual(a, b) {
		t.Fatalf("%s: formatting changed the comments:\n%q\n%q", name, a, b)
	}
	h, err := ParseHeader(src)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	h2, err := ParseHeader(out)
	if err != nil || !reflect.DeepEqual(h, h2) {
		t.Fatalf("%s: formatting changed the header: %+v, %v against %+v", name, h, err, h2)
	}
	body := bytes.TrimPrefix(out, []byte("\uFEFF"))
	if len(body) > 0 {
		if !bytes.HasSuffix(body, []byte("\n")) || bytes.HasSuffix(body, []byte("\n\n")) || body[0] == '\n' {
			t.Fatalf("%s: the output does not end in exactly one newline, or starts with a blank line:\n%q", name, out)
		}
	}
	for i, line := range strings.Split(string(body), "\n") {
		if strings.TrimRight(line, " \t\r") != line {
			t.Fatalf("%s: trailing white space on line %d of the output: %q", name, i+1, line)
		}
	}
	if bytes.Contains(body, []byte("\n\n\n")) {
		t.Fatalf("%s: two blank lines in a row in the output:\n%s", name, out)
	}
	again, err := FormatSource(name, out)
	if err != nil {
		t.Fatalf("%s: formatting the output: %v", name, err)
	}
	if !bytes.Equal(again, out) {
		t.Fatalf("%s: formatting is not idempotent:\nonce:\n%s\ntwice:\n%s", name, out, again)
	}
	return out
}

// repoScripts returns every .proc file of the repository that parses.
func repoScripts(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != ".." && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".proc") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if _, err := Parse(path, src); err == nil {
			out[path] = src
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 50 {
		t.Fatalf("only %d scripts found", len(out))
	}
	return out
}

// TestFmtRepository formats every script of the repository that parses:
// the properties of checkFormat hold for each.
func TestFmtRepository(t *testing.T) {
	for path, src := range repoScripts(t) {
		checkFormat(t, path, src)
	}
}

// TestFmtRepositoryFormatted: the scripts of the repository are in the
// canonical format, as .ci/run checks with proc fmt -l. The scripts of
// grammar/testdata are the exception: they are the parser's and the
// formatter's inputs, written in every layout the grammar allows on
// purpose.
func TestFmtRepositoryFormatted(t *testing.T) {
	var bad []string
	for path, src := range repoScripts(t) {
		if filepath.Dir(path) == filepath.Join("..", "grammar", "testdata") {
			continue
		}
		out, err := FormatSource(path, src)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, src) {
			bad = append(bad, path)
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("not formatted (run proc fmt -w on them): %s", strings.Join(bad, " "))
	}
}

// TestFmtNodeTypes: the corpus of the formatter's tests, testdata/all.proc
// and testdata/fmt.proc, holds every statement and expression type that
// ast.go declares, so a new node type fails here until it is added to
// the corpus, and so to the properties checked on it.
func TestFmtNodeTypes(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "ast.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv == nil || (fn.Name.Name != "stmtPos" && fn.Name.Name != "exprPos") {
			continue
		}
		star := fn.Recv.List[0].Type.(*ast.StarExpr)
		want[star.X.(*ast.Ident).Name] = true
	}
	if len(want) < 30 {
		t.Fatalf("found only %d node types in ast.go", len(want))
	}
	seen := map[string]bool{}
	for _, name := range []string{"testdata/all.proc", "testdata/fmt.proc"} {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		checkFormat(t, name, src)
		s, err := Parse(name, src)
		if err != nil {
			t.Fatal(err)
		}
		collectTypes(reflect.ValueOf(s), seen)
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("no %s in testdata/all.proc or testdata/fmt.proc: add one", name)
		}
	}
}

// collectTypes notes the name of every struct type reachable from v.
func collectTypes(v reflect.Value, seen map[string]bool) {
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if !v.IsNil() {
			collectTypes(v.Elem(), seen)
		}
	case reflect.Struct:
		seen[v.Type().Name()] = true
		for i := 0; i < v.NumField(); i++ {
			collectTypes(v.Field(i), seen)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			collectTypes(v.Index(i), seen)
		}
	}
}

// TestFmtGolden formats testdata/fmt.proc, which lays out every form of
// the grammar in many ways, and compares the result with
// testdata/fmt.golden (PROC_UPDATE=1 rewrites it).
func TestFmtGolden(t *testing.T) {
	src, err := os.ReadFile("testdata/fmt.proc")
	if err != nil {
		t.Fatal(err)
	}
	got := checkFormat(t, "fmt.proc", src)
	const golden = "testdata/fmt.golden"
	if update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with PROC_UPDATE=1 to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("proc fmt of fmt.proc differs from %s (PROC_UPDATE=1 rewrites it):\n%s", golden, lineDiff(string(want), string(got)))
	}
}

// TestFmtCases shows the canonical layout, case by case.
func TestFmtCases(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"x=1+2*3\n", "x = 1 + 2 * 3\n"},
		{"  print   \"a\"  ,b\n\n\n\nprint c", "print \"a\", b\n\nprint c\n"},
		{"func f(a,b){\nreturn a-b\n}\n", "func f(a, b) {\n    return a - b\n}\n"},
		{"func f(a,b){\n\n\treturn -a\n\n}\n", "func f(a, b) {\n    return -a\n}\n"},
		{"if a { x = 1 } else if b { x = 2 } else {\nx = 3 }\n", "if a { x = 1 } else if b { x = 2 } else {\n    x = 3\n}\n"},
		{"while x {\n}\nwhile y { ; }\n", "while x {}\nwhile y {}\n"},
		{"lock m; unlock m\n", "lock m\nunlock m\n"},
		{"for i in 0 .. n { compute 1;yield; }\n", "for i in 0..n { compute 1; yield }\n"},
		{"global g = 0xFF_ff\nglobal h = 1_000\nprint \"tab\there\\t\\\"\"\n", "global g = 0xFF_ff\nglobal h = 1_000\nprint \"tab\there\\t\\\"\"\n"},
		{"x = - 9223372036854775808\ny = & &z\nw = - -1\n*p = * q * 2\n", "x = -9223372036854775808\ny = & &z\nw = - -1\n*p = *q * 2\n"},
		{"send(w, \"x\")\nsend (w), \"x\"\nprint (a + b) * 2\nsleep (5)\nyield ( )\nlet f = fork ()\nshow (maps)\nlet v = alloc (8) != nil\n",
			"send(w, \"x\")\nsend (w), \"x\"\nprint (a + b) * 2\nsleep(5)\nyield()\nlet f = fork()\nshow(maps)\nlet v = alloc (8) != nil\n"},
		{"if (a) {\nx = 1\n}\n", "if (a) {\n    x = 1\n}\n"},
		{"let o = { a : 1 , b : [ 1,2 ] }\no.a[ 0 ] = o . b\n", "let o = {a: 1, b: [1, 2]}\no.a[0] = o.b\n"},
		{"let t = thread w(3,\n\tx) with {\n\tname: \"t\",\n\n\tburst: 1 }\n", "let t = thread w(3, x) with {\n    name: \"t\",\n\n    burst: 1\n}\n"},
		{"let o = {a: 1,\n b: {\n c: 2}}\n", "let o = {a: 1, b: {\n    c: 2\n}}\n"},
		{"{a: 1}.a = 2\nif x == {} {\n}\n", "{a: 1}.a = 2\nif x == {} {}\n"},
		// Comments.
		{"# args: --trace=none   \n# exit: 1\n\n\n\nprint 1   # one\nprint 22  # two\n", "# args: --trace=none\n# exit: 1\n\nprint 1   # one\nprint 22  # two\n"},
		{"\tprint 1     # far\n", "print 1     # far\n"},
		{"x = 100000# near\n", "x = 100000 # near\n"},
		{"func f() {  # opens\n# first\n  x()\n\n  # last\n}\n# end", "func f() {  # opens\n    # first\n    x()\n\n    # last\n}\n# end\n"},
		{"f(1, # one\n  2,\n  # two\n  3)\n", "f(1, # one\n    2,\n    # two\n    3)\n"},
		{"let o = {\n  # a field\n  a: 1, # one\n  b: 2 # two\n}\n", "let o = {\n    # a field\n    a: 1, # one\n    b: 2 # two\n}\n"},
		{"while x {\n   # nothing\n}\n", "while x {\n    # nothing\n}\n"},
		{"a(); b()  # c\n", "a()\nb()  # c\n"},
		{"\n\n# only a comment\n\n", "# only a comment\n"},
		{"", ""},
		{"\n\n", ""},
		{"\uFEFF# args: --stats\nprint 1\r\n", "\uFEFF# args: --stats\nprint 1\n"},
		{"x = \"# not a comment\" # a comment\n", "x = \"# not a comment\" # a comment\n"},
	} {
		out, err := FormatSource("case.proc", []byte(c.in))
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if string(out) != c.want {
			t.Errorf("%q:\ngot:\n%s\nwant:\n%s", c.in, out, c.want)
			continue
		}
		checkFormat(t, "case.proc", []byte(c.in))
	}
}

// TestFmtError: a file that does not parse gives Parse's error and no
// text.
func TestFmtError(t *testing.T) {
	out, err := FormatSource("bad.proc", []byte("x = (1\n"))
	if err == nil || out != nil {
		t.Fatalf("got %q, %v; want an error", out, err)
	}
	if _, ok := err.(*Error); !ok {
		t.Fatalf("error %T is not *Error", err)
	}
	out, err = FormatSource("bad.proc", []byte("  # args: --stats\nprint 1\n"))
	if err == nil || out != nil {
		t.Fatalf("got %q, %v; want the header's error", out, err)
	}
	if _, ok := err.(*HeaderError); !ok {
		t.Fatalf("error %T is not *HeaderError", err)
	}
}

// FuzzFmt: whatever parses formats to text that parses to the same AST,
// with the same tokens, comments and header, and that formats to itself.
func FuzzFmt(f *testing.F) {
	for _, dir := range []string{"testdata", "../examples", "../examples/ostep", "../exercises/*"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.proc"))
		for _, name := range files {
			if src, err := os.ReadFile(name); err == nil {
				f.Add(src)
			}
		}
	}
	for _, seed := range []string{
		"f(1, # one\n2)\nlet o = {\n# c\na: {b: 1,\nc: 2} # d\n}\n",
		"if a { b(); c() } else {\n\n  d() # d\n\n}\n# end",
		"\uFEFF# args: --stats\r\nx = [1, # one\r\n 2]\r\n",
		"print (recv r), 5; send (w), \"#\"; x = - -1; y = & &z\n",
		"let t = thread f(1,\n 2) with {\n name: \"t\", # n\n\n burst: 3\n}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if _, err := Parse("fuzz.proc", src); err != nil {
			return
		}
		if _, err := ParseHeader(src); err != nil {
			if _, ferr := FormatSource("fuzz.proc", src); ferr == nil {
				t.Fatalf("a header that cannot be read (%v) was formatted", err)
			}
			return
		}
		checkFormat(t, "fuzz.proc", src)
	})
}

// TestFmtKeywordArgs: takesArgs names exactly the keywords whose
// arguments the parser reads in parentheses, and takesList those that
// take several, so that a keyword added to
// the language is laid out as the others.
func TestFmtKeywordArgs(t *testing.T) {
	for _, kw := range Keywords() {
		parses := false
		for _, form := range []string{"%s()", "x = %s()", "%s(a, b)", "x = %s(a, b)", "%s(a, b, c)", "%s(maps)", "x = %s(maps)"} {
			if _, err := Parse("kw.proc", []byte(fmt.Sprintf(form, kw)+"\n")); err == nil {
				parses = true
				break
			}
		}
		if parses != takesArgs(kw) {
			t.Errorf("%s: a call form parses: %v; takesArgs says %v", kw, parses, takesArgs(kw))
		}
		list := false
		for _, form := range []string{"%s(a, b)", "x = %s(a, b)"} {
			if _, err := Parse("kw.proc", []byte(fmt.Sprintf(form, kw)+"\n")); err == nil {
				list = true
			}
		}
		if list != takesList(kw) {
			t.Errorf("%s: a list of two arguments parses: %v; takesList says %v", kw, list, takesList(kw))
		}
	}
}

// relayout changes the white space of src where it cannot change the
// tokens or the structure the formatter keeps: the spaces between two
// tokens on a line become more, fewer, tabs or none (where the two tokens
// stay two), and inside parentheses and brackets outside any brace they
// may become a line break.
func relayout(src []byte, rng *rand.Rand) []byte {
	toks, err := scan("x.proc", src)
	if err != nil {
		panic(err)
	}
	var real []int
	for i := range toks {
		if toks[i].Type != tokNL && !toks[i].EOF() {
			real = append(real, i)
		}
	}
	var b bytes.Buffer
	var open []string
	braces := 0
	pos := 0
	for k, i := range real {
		a := &toks[i]
		end := a.Pos.Offset + len(a.Value)
		b.Write(src[pos:end])
		pos = end
		if a.Type == tokPunct {
			switch a.Value {
			case "(", "[", "{":
				open = append(open, a.Value)
				if a.Value == "{" {
					braces++
				}
			case ")", "]", "}":
				if a.Value == "}" {
					braces--
				}
				open = open[:len(open)-1]
			}
		}
		if k+1 == len(real) {
			break
		}
		next := &toks[real[k+1]]
		gap := string(src[end:next.Pos.Offset])
		if strings.Trim(gap, " \t") != "" {
			continue
		}
		choices := []string{" ", "  ", "\t", "   "}
		wordish := func(t *lexer.Token) bool { return t.Type == tokIdent || t.Type == tokKeyword || t.Type == tokInt }
		if !(wordish(a) && wordish(next)) && (a.Type != tokPunct || next.Type != tokPunct ||
			twoCharOp(a.Value[len(a.Value)-1], next.Value[0]) == "") {
			choices = append(choices, "", "")
		}
		if len(open) > 0 && open[len(open)-1] != "{" && braces == 0 {
			choices = append(choices, "\n", "\n\t\t", " \n ")
		}
		b.WriteString(choices[rng.Intn(len(choices))])
		pos = next.Pos.Offset
	}
	b.Write(src[pos:])
	return b.Bytes()
}

// commentPad matches the white space before a comment, which depends on
// the layout of the line it was written on.
var commentPad = regexp.MustCompile(`[ ]+#`)

// TestFmtCanonical: the layout of the output does not depend on the
// layout of the input. Each script of the repository, laid out anew many
// ways by relayout, formats to what the script formats to, but for the
// room before end-of-line comments, which keep their written column.
func TestFmtCanonical(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	scripts := repoScripts(t)
	var names []string
	for name := range scripts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		src := scripts[name]
		if _, err := ParseHeader(src); err != nil {
			continue
		}
		want, err := FormatSource(name, src)
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n < 10; n++ {
			in := relayout(src, rng)
			checkFormat(t, name+" laid out anew", in)
			got, err := FormatSource(name, in)
			if err != nil {
				t.Fatalf("%s laid out anew: %v\n%s", name, err, in)
			}
			if a, b := commentPad.ReplaceAll(got, []byte(" #")), commentPad.ReplaceAll(want, []byte(" #")); !bytes.Equal(a, b) {
				t.Fatalf("%s: laid out anew, it formats differently:\n%s\ninput:\n%s", name, lineDiff(string(b), string(a)), in)
			}
		}
	}
}
