// Package tour holds proc's guided tour: numbered lessons, each a folder
// with a script shared by every language, the text of the lesson in each
// language, and the answer to its prediction question.
//
// A lesson folder NN-slug holds:
//
//	lesson.proc  the script; its '# args:' header says how it runs
//	en.md, ko.md the text: a '# Title' line, the body, then a line '---'
//	             and 'question: ...', the prediction question
//	answer       the answer, shared by the languages (see Answer)
//
// The lessons of this folder are built into the binary; a teacher may
// load others from a folder on disk with the same layout.
package tour

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// lessonFiles are the lessons built into proc.
//
//go:embed [0-9][0-9]-*
var lessonFiles embed.FS

// Builtin returns the file system of the lessons built into proc.
func Builtin() fs.FS { return lessonFiles }

// Langs are the languages every lesson is written in, the default first.
var Langs = []string{"en", "ko"}

// Text is a lesson's text in one language.
type Text struct {
	Title    string
	Body     string
	Question string
}

// Lesson is one step of the tour.
type Lesson struct {
	Num    int
	Slug   string // the folder's name, "01-what-is-a-process"
	Script []byte // lesson.proc
	Text   map[string]Text
	Answer Answer
}

// ScriptPath is where the lesson's script is, as a path in the folder of
// lessons: the name a trace shows and a teacher finds it under.
func (l *Lesson) ScriptPath() string { return path.Join(l.Slug, "lesson.proc") }

// Answer is the answer to a lesson's question, written in the file
// `answer` of the lesson as lines KEY: VALUE (a line that starts with #
// is a comment):
//
//	marker: x =          the program prints a line that starts with this
//	answer: 10           and the rest of that line, trimmed, is this
//	choices: 10 | 11     optional: the answers offered, shown as a), b) ...
//
// The answer is checked against the program's real output: the text after
// the marker on the first line of output that starts with it.
type Answer struct {
	Marker  string
	Value   string
	Choices []string
}

var lessonDir = regexp.MustCompile(`^(\d\d)-[a-z0-9-]+$`)

// Load reads the lessons of fsys: every folder NN-slug at its top. The
// numbers must run from 1 without a gap, and every lesson must have its
// script, its answer and its text in every language of Langs.
func Load(fsys fs.FS) ([]*Lesson, error) {
	ents, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var ls []*Lesson
	for _, e := range ents {
		m := lessonDir.FindStringSubmatch(e.Name())
		if !e.IsDir() || m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		l, err := loadLesson(fsys, e.Name(), n)
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i].Num < ls[j].Num })
	if len(ls) == 0 {
		return nil, fmt.Errorf("no lessons: a lesson is a folder named NN-slug")
	}
	for i, l := range ls {
		if l.Num != i+1 {
			return nil, fmt.Errorf("%s: lessons are numbered from 01 without a gap or a repeat; want %02d here", l.Slug, i+1)
		}
	}
	return ls, nil
}

func loadLesson(fsys fs.FS, dir string, n int) (*Lesson, error) {
	l := &Lesson{Num: n, Slug: dir, Text: map[string]Text{}}
	var err error
	if l.Script, err = fs.ReadFile(fsys, path.Join(dir, "lesson.proc")); err != nil {
		return nil, err
	}
	a, err := fs.ReadFile(fsys, path.Join(dir, "answer"))
	if err != nil {
		return nil, err
	}
	if l.Answer, err = ParseAnswer(string(a)); err != nil {
		return nil, fmt.Errorf("%s: %v", path.Join(dir, "answer"), err)
	}
	for _, lang := range Langs {
		name := path.Join(dir, lang+".md")
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		if l.Text[lang], err = ParseText(string(b)); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
	}
	return l, nil
}

// ParseText reads a lesson's text: a first line '# Title', the body, and
// at the end a line '---' followed by 'question: ...' (which may go on
// over the next lines).
func ParseText(s string) (Text, error) {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	first, rest, _ := strings.Cut(s, "\n")
	if !strings.HasPrefix(first, "# ") || strings.TrimSpace(first[2:]) == "" {
		return Text{}, fmt.Errorf("line 1: want the title, '# Title'")
	}
	t := Text{Title: strings.TrimSpace(first[2:])}
	i := strings.LastIndex("\n"+rest, "\n---\n")
	if i < 0 {
		return Text{}, fmt.Errorf("no line '---' before the question")
	}
	body, q := rest[:max(i-1, 0)], rest[i+4:]
	t.Body = strings.TrimSpace(body)
	q = strings.TrimSpace(q)
	if !strings.HasPrefix(q, "question:") {
		return Text{}, fmt.Errorf("after '---': want 'question: ...'")
	}
	t.Question = strings.Join(strings.Fields(strings.TrimPrefix(q, "question:")), " ")
	if t.Body == "" || t.Question == "" {
		return Text{}, fmt.Errorf("want a body and a question")
	}
	return t, nil
}

// ParseAnswer reads an answer file (see Answer).
func ParseAnswer(s string) (Answer, error) {
	var a Answer
	seen := map[string]bool{}
	for n, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, " \t\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return a, fmt.Errorf("line %d: want KEY: VALUE", n+1)
		}
		v = strings.TrimPrefix(v, " ")
		if seen[k] {
			return a, fmt.Errorf("line %d: %s given twice", n+1, k)
		}
		seen[k] = true
		switch k {
		case "marker":
			a.Marker = v
		case "answer":
			a.Value = strings.TrimSpace(v)
		case "choices":
			for _, c := range strings.Split(v, "|") {
				a.Choices = append(a.Choices, strings.TrimSpace(c))
			}
		default:
			return a, fmt.Errorf("line %d: unknown key %q (want marker, answer or choices)", n+1, k)
		}
	}
	switch {
	case a.Marker == "":
		return a, fmt.Errorf("no marker")
	case a.Value == "":
		return a, fmt.Errorf("no answer")
	case len(a.Choices) == 1 || len(a.Choices) > 26:
		return a, fmt.Errorf("choices: want from 2 to 26")
	}
	if a.Choices != nil && a.choice(a.Value) < 0 {
		return a, fmt.Errorf("answer %q is not one of the choices", a.Value)
	}
	return a, nil
}

// Found returns what the program's output says the answer is: the rest
// of its first line that starts with the marker, trimmed.
func (a Answer) Found(output string) (string, bool) {
	for _, line := range strings.Split(output, "\n") {
		if strings.HasPrefix(line, a.Marker) {
			return strings.TrimSpace(line[len(a.Marker):]), true
		}
	}
	return "", false
}

// Check says whether the program's output gives the recorded answer.
func (a Answer) Check(output string) error {
	got, ok := a.Found(output)
	if !ok {
		return fmt.Errorf("no line of output starts with %q", a.Marker)
	}
	if got != a.Value {
		return fmt.Errorf("the output says %q after %q; the answer file says %q", got, a.Marker, a.Value)
	}
	return nil
}

// Label is how the answer v is shown: with its letter when there are
// choices, "b) thread".
func (a Answer) Label(v string) string {
	if i := a.choice(v); i >= 0 {
		return fmt.Sprintf("%c) %s", 'a'+i, a.Choices[i])
	}
	return v
}

// Resolve turns a typed answer into the answer it stands for: with
// choices, a letter ("b" or "b)") stands for its choice.
func (a Answer) Resolve(typed string) string {
	t := strings.TrimSpace(typed)
	if l := strings.TrimSuffix(normal(t), ")"); a.Choices != nil && len(l) == 1 {
		if i := int(l[0]) - 'a'; i >= 0 && i < len(a.Choices) {
			return a.Choices[i]
		}
	}
	return t
}

// Matches says whether the learner's typed answer is real, the answer the
// output gave. Case, surrounding spaces and runs of spaces do not count;
// with choices, the letter of the right one is right too.
func (a Answer) Matches(typed, real string) bool {
	t := normal(a.Resolve(typed))
	return t != "" && t == normal(real)
}

func (a Answer) choice(v string) int {
	for i, c := range a.Choices {
		if normal(c) == normal(v) {
			return i
		}
	}
	return -1
}

func normal(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// LangFromEnv picks the language of the tour from the locale variables,
// as programs do: the first of LC_ALL, LC_MESSAGES and LANG that is set
// decides; Korean (ko, ko_KR.UTF-8) gives "ko", anything else "en".
func LangFromEnv(getenv func(string) string) string {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			if v == "ko" || strings.HasPrefix(v, "ko_") || strings.HasPrefix(v, "ko.") {
				return "ko"
			}
			return "en"
		}
	}
	return "en"
}

// HasHangul says whether s holds a Hangul letter.
func HasHangul(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Hangul, r) {
			return true
		}
	}
	return false
}
