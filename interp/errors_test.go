package interp

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	"proc/grammar"
)

// TestErrors checks every case of testdata/errors.proc: a script that must
// fail before tick 0 with the message given in its ### comment, on that line.
func TestErrors(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/errors.proc")
	if err != nil {
		t.Fatal(err)
	}
	chunks := strings.Split(string(data), "\n---\n")
	if len(chunks) < 30 {
		t.Fatalf("only %d cases", len(chunks))
	}
	want := regexp.MustCompile(`### "(.*)"\s*$`)
	for i, chunk := range chunks {
		var wantLine int
		var wantRe *regexp.Regexp
		for n, line := range strings.Split(chunk, "\n") {
			if m := want.FindStringSubmatch(line); m != nil {
				wantLine = n + 1
				wantRe = regexp.MustCompile(m[1])
			}
		}
		if wantRe == nil {
			t.Errorf("case %d has no ### expectation", i+1)
			continue
		}
		_, err := Load("case.proc", []byte(chunk))
		if err == nil {
			t.Errorf("case %d: no error, want %q at line %d\n%s", i+1, wantRe, wantLine, chunk)
			continue
		}
		var ge *grammar.Error
		if !errors.As(err, &ge) {
			t.Errorf("case %d: error %v is not a *grammar.Error", i+1, err)
			continue
		}
		if ge.Pos.Line != wantLine || !wantRe.MatchString(ge.Msg) {
			t.Errorf("case %d: got %d: %s\nwant %d: %s\n%s", i+1, ge.Pos.Line, ge.Msg, wantLine, wantRe, chunk)
		}
	}
}
