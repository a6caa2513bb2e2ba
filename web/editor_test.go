package web

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"proc/interp"
)

// TestEditorBuiltins: the page's editor highlights every builtin of the
// language, and nothing else as one.
func TestEditorBuiltins(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("static/editor.js")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)const BUILTINS = new Set\(\[(.*?)\]\)`).FindSubmatch(src)
	if m == nil {
		t.Fatal("editor.js has no BUILTINS set")
	}
	var got []string
	for _, w := range regexp.MustCompile(`"([^"]*)"`).FindAllSubmatch(m[1], -1) {
		got = append(got, string(w[1]))
	}
	var want []string
	for _, b := range interp.Builtins {
		want = append(want, b.Name)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("editor.js highlights the builtins %v, the language has %v", got, want)
	}
}
