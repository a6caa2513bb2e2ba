package grammar

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestSnippet(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{
			"plain",
			"x = 1\nprint 1 2\n",
			"s.proc:2:9: unexpected \"2\" at end of statement\n" +
				"print 1 2\n" +
				"        ^\n",
		},
		{
			"tab kept in the padding",
			"func f() {\n\tprint 1 2\n}\n",
			"s.proc:2:10: unexpected \"2\" at end of statement\n" +
				"\tprint 1 2\n" +
				"\t        ^\n",
		},
		{
			"tabs between tokens",
			"x =\t\t1\t2\n",
			"s.proc:1:8: unexpected \"2\" at end of statement\n" +
				"x =\t\t1\t2\n" +
				"   \t\t \t^\n",
		},
		{
			"runes, not bytes",
			"print \"héllo\" 1\n",
			"s.proc:1:15: unexpected \"1\" at end of statement\n" +
				"print \"héllo\" 1\n" +
				"              ^\n",
		},
		{
			"CRLF",
			"print 1 2\r\n",
			"s.proc:1:9: unexpected \"2\" at end of statement\n" +
				"print 1 2\n" +
				"        ^\n",
		},
		{
			"invalid byte shown as ?",
			"x = 1 \xff\n",
			"s.proc:1:7: invalid UTF-8 byte 0xff\n" +
				"x = 1 ?\n" +
				"      ^\n",
		},
		{
			"NUL shown as ?",
			"x =\x00 1\n",
			"s.proc:1:4: invalid character U+0000\n" +
				"x =? 1\n" +
				"   ^\n",
		},
		{
			"end of input after the last newline",
			"x = (1 +\n",
			"s.proc:2:1: expected expression, found end of input (\"(\" at line 1 is never closed)\n" +
				"\n" +
				"^\n",
		},
		{
			"a block never closed: its brace",
			"func f() {\n\tprint 1\n",
			"s.proc:1:10: unexpected end of input: this \"{\" is never closed\n" +
				"func f() {\n" +
				"         ^\n",
		},
		{
			"end of input on the last line",
			"print f(1,",
			"s.proc:1:11: expected expression, found end of input\n" +
				"print f(1,\n" +
				"          ^\n",
		},
	} {
		src := []byte(tc.src)
		_, err := Parse("s.proc", src)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: no *Error: %v", tc.name, err)
			continue
		}
		if got := e.Snippet(src); got != tc.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}
}

func TestSnippetBadPositions(t *testing.T) {
	src := []byte("x = 1\n")
	for _, p := range []Pos{{Line: 0, Col: 1}, {Line: 99, Col: 1}, {Line: -1, Col: -1}} {
		e := &Error{Pos: p, Msg: "m"}
		got := e.Snippet(src)
		if got != e.Error()+"\n" {
			t.Errorf("%+v: got %q", p, got)
		}
	}
	// A column past the end of the line still gets its caret.
	e := &Error{Pos: Pos{File: "f", Line: 1, Col: 9}, Msg: "m"}
	if got, want := e.Snippet(src), "f:1:9: m\nx = 1\n        ^\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// Col 0 is treated as 1.
	e = &Error{Pos: Pos{File: "f", Line: 1, Col: 0}, Msg: "m"}
	if got, want := e.Snippet(src), "f:1:0: m\nx = 1\n^\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestSnippetLongLine checks that a snippet shows only a window of a long
// line around the caret: a chain of operators a mebibyte long is valid,
// and a name error at its end would otherwise print the line and a
// mebibyte of padding.
func TestSnippetLongLine(t *testing.T) {
	line := "x = " + strings.Repeat("a + ", 1000) + "b"
	src := []byte("y = 1\n" + line + "\n")
	cut := func(from, to int) string { return line[from:to] }
	for _, tc := range []struct {
		name string
		col  int
		want string
	}{
		{"caret near the start", 3, cut(0, snippetWidth) + "...\n" + "  ^\n"},
		{"caret in the middle", 2001, "..." + cut(2000-snippetWidth/2, 2000+snippetWidth/2) + "...\n" +
			strings.Repeat(" ", 3+snippetWidth/2) + "^\n"},
		{"caret near the end", len(line), "..." + cut(len(line)-snippetWidth, len(line)) + "\n" +
			strings.Repeat(" ", 3+snippetWidth-1) + "^\n"},
		{"caret past the end", len(line) + 1, "..." + cut(len(line)-snippetWidth, len(line)) + "\n" +
			strings.Repeat(" ", 3+snippetWidth) + "^\n"},
	} {
		e := &Error{Pos: Pos{File: "s.proc", Line: 2, Col: tc.col}, Msg: "m"}
		want := fmt.Sprintf("s.proc:2:%d: m\n", tc.col) + tc.want
		if got := e.Snippet(src); got != want {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.name, got, want)
		}
	}
	// A line of exactly the width is shown whole.
	e := &Error{Pos: Pos{File: "s.proc", Line: 1, Col: 2}, Msg: "m"}
	whole := strings.Repeat("x", snippetWidth)
	if got, want := e.Snippet([]byte(whole)), "s.proc:1:2: m\n"+whole+"\n ^\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
