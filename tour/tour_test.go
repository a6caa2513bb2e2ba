package tour

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

func builtin(t *testing.T) []*Lesson {
	t.Helper()
	ls, err := Load(Builtin())
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

// TestTourLessons: the lessons built in are numbered from 1 without a
// gap, at least 20, each with its text in every language.
func TestTourLessons(t *testing.T) {
	ls := builtin(t)
	if len(ls) < 20 {
		t.Errorf("%d lessons, want at least 20", len(ls))
	}
	for i, l := range ls {
		if l.Num != i+1 || !strings.HasPrefix(l.Slug, fmt.Sprintf("%02d-", i+1)) {
			t.Errorf("lesson %d is %s", i+1, l.Slug)
		}
		if len(l.Text) != len(Langs) {
			t.Errorf("%s: languages %v, want %v", l.Slug, l.Text, Langs)
		}
		for _, lang := range Langs {
			x, ok := l.Text[lang]
			if !ok || x.Title == "" || x.Body == "" || x.Question == "" {
				t.Errorf("%s/%s.md: want a title, a body and a question: %+v", l.Slug, lang, x)
			}
		}
	}
}

// TestTourLanguages: the Korean text is Korean, in its title, body and
// question, and the English text has no Hangul.
func TestTourLanguages(t *testing.T) {
	for _, l := range builtin(t) {
		ko, en := l.Text["ko"], l.Text["en"]
		for name, s := range map[string]string{"title": ko.Title, "body": ko.Body, "question": ko.Question} {
			if !HasHangul(s) {
				t.Errorf("%s/ko.md: the %s has no Hangul: %q", l.Slug, name, s)
			}
		}
		for name, s := range map[string]string{"title": en.Title, "body": en.Body, "question": en.Question} {
			if HasHangul(s) {
				t.Errorf("%s/en.md: the %s has Hangul: %q", l.Slug, name, s)
			}
		}
		if en.Title == ko.Title || en.Question == ko.Question {
			t.Errorf("%s: the languages share a title or a question", l.Slug)
		}
	}
}

func TestTourLoadRefusesGaps(t *testing.T) {
	lesson := func() map[string]*fstest.MapFile {
		return map[string]*fstest.MapFile{
			"lesson.proc": {Data: []byte("print \"x =\", 1\n")},
			"answer":      {Data: []byte("marker: x =\nanswer: 1\n")},
			"en.md":       {Data: []byte("# One\n\nBody.\n\n---\nquestion: What?\n")},
			"ko.md":       {Data: []byte("# 하나\n\n본문.\n\n---\nquestion: 무엇?\n")},
		}
	}
	fsys := fstest.MapFS{}
	for _, dir := range []string{"01-one", "03-three"} {
		for name, f := range lesson() {
			fsys[dir+"/"+name] = f
		}
	}
	if _, err := Load(fsys); err == nil || !strings.Contains(err.Error(), "want 02 here") {
		t.Errorf("a gap: got %v", err)
	}
	delete(fsys, "03-three/ko.md")
	if _, err := Load(fsys); err == nil || !strings.Contains(err.Error(), "ko.md") {
		t.Errorf("a missing language: got %v", err)
	}
}

func TestTourParseText(t *testing.T) {
	x, err := ParseText("# Title\n\nOne.\n\n---\n\nTwo.\n\n---\nquestion: What is\n  it?\n")
	if err != nil {
		t.Fatal(err)
	}
	if x.Title != "Title" || x.Body != "One.\n\n---\n\nTwo." || x.Question != "What is it?" {
		t.Errorf("got %+v", x)
	}
	for _, bad := range []string{"Title\n---\nquestion: q\n", "# T\nbody\n", "# T\nbody\n---\nq: x\n", "# T\n---\nquestion: q\n"} {
		if _, err := ParseText(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestTourAnswer(t *testing.T) {
	a, err := ParseAnswer("# c\nmarker: n =\nanswer: 3\nchoices: 1 | 3 | nine lives\n")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Check("x\nn = 3\nn = 4\n"); err != nil {
		t.Error(err)
	}
	if err := a.Check("n = 4\n"); err == nil {
		t.Error("a wrong output passes")
	}
	if err := a.Check("no marker\n"); err == nil {
		t.Error("an output without the marker passes")
	}
	for typed, want := range map[string]bool{"3": true, " b ": true, "B)": true, "a": false, "1": false, "": false, "c": false, "d": false} {
		if got := a.Matches(typed, "3"); got != want {
			t.Errorf("Matches(%q) = %v, want %v", typed, got, want)
		}
	}
	if !a.Matches("c", "nine lives") || !a.Matches("Nine  Lives", "nine lives") {
		t.Error("a choice of words does not match")
	}
	if got := a.Label("3"); got != "b) 3" {
		t.Errorf("Label = %q", got)
	}
	for _, bad := range []string{"answer: 1\n", "marker: x\n", "marker: x\nanswer: 2\nchoices: 1 | 3\n", "marker: x\nanswer: 1\nwhat: 2\n", "marker: x\nmarker: y\nanswer: 1\n"} {
		if _, err := ParseAnswer(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestTourLangFromEnv(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "en"},
		{map[string]string{"LANG": "ko_KR.UTF-8"}, "ko"},
		{map[string]string{"LANG": "ko"}, "ko"},
		{map[string]string{"LANG": "en_US.UTF-8"}, "en"},
		{map[string]string{"LANG": "ko_KR.UTF-8", "LC_ALL": "C"}, "en"},
		{map[string]string{"LANG": "C", "LC_MESSAGES": "ko_KR.UTF-8"}, "ko"},
		{map[string]string{"LC_ALL": "ko_KR.eucKR", "LC_MESSAGES": "en_GB"}, "ko"},
	} {
		if got := LangFromEnv(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("%v: %s, want %s", c.env, got, c.want)
		}
	}
}
