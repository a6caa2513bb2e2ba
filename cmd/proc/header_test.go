package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"proc/grammar"
)

func TestParseHeader(t *testing.T) {
	t.Parallel()
	cases := []struct {
		src  string
		want grammar.Header
		err  string
	}{
		{src: "# args: --trace=none\n# exit: 1\nprint 1\n", want: grammar.Header{Args: []string{"--trace=none"}, Exit: 1, HasExit: true}},
		{src: "\n# a comment\n# args: --set \"sched = rr\"\n\n# args: --stats\nprint 1\n", want: grammar.Header{Args: []string{"--set", "sched = rr", "--stats"}}},
		// CRLF line endings are read as LF.
		{src: "# args: --trace=none\r\n# exit: 2\r\nprint 1\r\n", want: grammar.Header{Args: []string{"--trace=none"}, Exit: 2, HasExit: true}},
		// After the first statement nothing is a header line.
		{src: "print 1\n# args: --chrome x\n#args: --stats\n", want: grammar.Header{}},
		// A comment that only mentions a header is a comment.
		{src: "# '# args:' gives the flags\nprint 1\n", want: grammar.Header{}},
		{src: "#args: --stats\n", err: `line 1: a header line is written "# args:"`},
		{src: "# x\n  # args: --stats\n", err: `line 2: a header line is written "# args:"`},
		{src: "#  args: --stats\n", err: `line 1: a header line is written "# args:"`},
		{src: "# Exit: 1\n", err: `line 1: a header line is written "# exit:"`},
		{src: "\t# exit: 1\n", err: `line 1: a header line is written "# exit:"`},
		{src: "# exit: one\n", err: `line 1: # exit: want an exit status from 0 to 255, got "one"`},
		{src: "# exit: 256\n", err: `want an exit status from 0 to 255`},
		{src: "# args: --set \"a\n", err: `line 1: # args: unterminated quote`},
	}
	for _, c := range cases {
		h, err := grammar.ParseHeader([]byte(c.src))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.src, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.src, err)
			continue
		}
		if !reflect.DeepEqual(h, c.want) {
			t.Errorf("%q: %+v, want %+v", c.src, h, c.want)
		}
	}
}

// A header line may be long; a script may not be larger than
// maxScriptBytes, and one that is is refused with a message rather than
// read in part.
func TestScriptSize(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	long := "# args: --set seed=1" + strings.Repeat(" ", maxScriptBytes-40) + "\nprint 1\n"
	ok := filepath.Join(dir, "long.proc")
	os.WriteFile(ok, []byte(long), 0o644)
	src, err := readScript(ok, false)
	if err != nil {
		t.Fatal(err)
	}
	if h, err := grammar.ParseHeader(src); err != nil || len(h.Args) != 2 {
		t.Errorf("long header: %+v, %v", h, err)
	}
	big := filepath.Join(dir, "big.proc")
	os.WriteFile(big, []byte(long+strings.Repeat("#", 64)), 0o644)
	if _, err := readScript(big, false); err == nil || !strings.Contains(err.Error(), "too large for a script (at most 1048576)") {
		t.Errorf("big script: %v", err)
	}
	var out, errb strings.Builder
	if code := Main([]string{"run", big}, nil, &out, &errb); code != 2 || !strings.Contains(errb.String(), "too large") {
		t.Errorf("proc run of a big script: exit %d, stderr %q", code, errb.String())
	}
}
