package grammar

import (
	"os"
	"strings"
	"testing"
)

// TestShowTargetsDocumented: every view show accepts is in the table of
// statements of docs/LANGUAGE.md and has its entry under Views.
func TestShowTargetsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/LANGUAGE.md")
	if err != nil {
		t.Fatal(err)
	}
	var row string
	for _, l := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(l, "| `show ") {
			row = l
		}
	}
	if row == "" {
		t.Fatal("no row of show in the table of statements")
	}
	for _, w := range ShowTargets {
		if !strings.Contains(row, "`show "+w+"`") {
			t.Errorf("the table of statements lacks show %s", w)
		}
		if !strings.Contains(string(doc), "\n- `show "+w+"`") {
			t.Errorf("Views lacks show %s", w)
		}
	}
}
