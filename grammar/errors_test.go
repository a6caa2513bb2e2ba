package grammar

import (
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// chunk is one case of a chunked test file.
type chunk struct {
	start int    // line of the file where the chunk starts
	src   string // the source, with the ### comments removed
	line  int    // the line, within the chunk, of the expected error; 0 if none
	want  *regexp.Regexp
}

// expectRE finds the trailing `### "regexp"` of a line; the regexp is a Go
// string literal, double- or back-quoted.
var expectRE = regexp.MustCompile("###\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|`[^`]*`)\\s*$")

// readChunks splits a file into cases at lines "---". Each chunk's last
// newline is dropped so that an error at the end of input is reported on
// the chunk's last line, where its ### comment is.
func readChunks(t *testing.T, file string) []chunk {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var chunks []chunk
	var lines []string
	c := chunk{start: 1}
	flush := func() {
		c.src = strings.Join(lines, "\n")
		chunks = append(chunks, c)
	}
	for i, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if l == "---" {
			flush()
			lines, c = nil, chunk{start: i + 2}
			continue
		}
		if m := expectRE.FindStringSubmatchIndex(l); m != nil {
			if c.want != nil {
				t.Fatalf("%s:%d: two expected errors in one chunk", file, i+1)
			}
			pat, err := strconv.Unquote(l[m[2]:m[3]])
			if err != nil {
				t.Fatalf("%s:%d: bad quoted regexp: %v", file, i+1, err)
			}
			if c.want, err = regexp.Compile(pat); err != nil {
				t.Fatalf("%s:%d: bad regexp: %v", file, i+1, err)
			}
			c.line = len(lines) + 1
			l = strings.TrimRight(l[:m[0]], " \t")
		}
		lines = append(lines, l)
	}
	flush()
	return chunks
}

func TestSyntaxErrors(t *testing.T) {
	const file = "testdata/errors.proc"
	chunks := readChunks(t, file)
	n := 0
	for _, c := range chunks {
		_, err := Parse("errors.proc", []byte(c.src))
		if c.want == nil {
			if err != nil {
				t.Errorf("%s:%d: unexpected error: %v", file, c.start, err)
			}
			continue
		}
		n++
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s:%d: got %v, want an *Error matching %q", file, c.start+c.line-1, err, c.want)
			continue
		}
		if e.Pos.Line != c.line || !c.want.MatchString(e.Msg) {
			t.Errorf("%s:%d: got error at chunk line %d: %q, want line %d matching %q",
				file, c.start+c.line-1, e.Pos.Line, e.Msg, c.line, c.want)
		}
		if e.Pos.File != "errors.proc" || e.Pos.Col < 1 {
			t.Errorf("%s:%d: bad position %+v", file, c.start+c.line-1, e.Pos)
		}
	}
	if n < 20 {
		t.Errorf("only %d error cases in %s", n, file)
	}
}
