package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"proc/tour"
)

const tourUsage = `Usage: proc tour [N] [flags]

A guided tour of processes and threads, in short lessons that run in
order: what a process is, the five ways processes share information,
threads, a thread's memory, processes versus threads, and how JavaScript
stores its values. Each lesson is a few paragraphs, a script and a
question: predict the answer, then see the run and whether you were right.

  proc tour            the tour, one lesson at a time: read, predict, run
  proc tour N          lesson N: its text, its run, its question and answer
  proc tour --list     the lessons, one a line

Flags:
  --lang=en|ko   the language (한국어: --lang=ko). By default the first of
                 LC_ALL, LC_MESSAGES and LANG that is set decides: Korean
                 (ko_KR.UTF-8) gives ko, anything else en
  --from N       start the tour at lesson N
  --list         list the lessons
  --dir DIR      the lessons of DIR instead of those built into proc: a
                 folder NN-slug a lesson, with lesson.proc, en.md, ko.md and
                 answer (the tour folder of the repository is the model)

Each lesson runs as 'proc run' runs its script, with the flags of its
'# args:' header. After the question, type your answer and Enter (a
letter is enough when choices are shown; Enter alone skips); after the
run, Enter goes on and q ends the tour. At the end of input the tour ends.

The same lessons are in the page of proc web: its Tour button.
`

// tourMsgs are the words of the tour around the lessons, by language.
var tourMsgs = map[string]map[string]string{
	"en": {
		"head":     "== Lesson %d of %d: %s ==",
		"run":      "--- proc run %s ---",
		"question": "Question: %s",
		"prompt":   "Your prediction (Enter to skip, q to quit): ",
		"right":    "Right! The answer is %s.",
		"wrong":    "Not quite: you said %s; the answer is %s.",
		"skipped":  "The answer is %s.",
		"answer":   "Answer: %s",
		"next":     "Enter for the next lesson, q to quit: ",
		"end":      "That was the last lesson of the tour. Well done!",
		"noanswer": "the run printed no line that starts with %q, so the answer cannot be shown",
	},
	"ko": {
		"head":     "== %d/%d강: %s ==",
		"run":      "--- proc run %s ---",
		"question": "질문: %s",
		"prompt":   "예상한 답을 입력하세요 (건너뛰기는 Enter, 끝내기는 q): ",
		"right":    "맞았습니다! 답은 %s입니다.",
		"wrong":    "아쉽네요. 입력한 답은 %s, 실제 답은 %s입니다.",
		"skipped":  "답은 %s입니다.",
		"answer":   "답: %s",
		"next":     "다음 강으로 가려면 Enter, 끝내려면 q: ",
		"end":      "투어의 마지막 강이었습니다. 수고하셨습니다!",
		"noanswer": "실행 결과에 %q(으)로 시작하는 줄이 없어 답을 보여 줄 수 없습니다",
	},
}

// tourer runs the tour for one command line.
type tourer struct {
	lessons []*tour.Lesson
	// root is the folder of the lessons, as the learner finds it: "tour"
	// (the repository's) for the lessons built in, else --dir.
	root   string
	lang   string
	in     *bufio.Reader
	echo   bool // stdin is not a terminal: write what was read after the prompt
	stdout io.Writer
	stderr io.Writer
}

func (t *tourer) msg(key string, args ...any) string {
	return fmt.Sprintf(tourMsgs[t.lang][key], args...)
}

// tourFlags are the flags of proc tour.
type tourFlags struct {
	lang, dir string
	from      int
	list      bool
}

// flagSet is the flag set proc tour parses its arguments with (and the
// completion scripts offer).
func (f *tourFlags) flagSet(stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("tour", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	fs.StringVar(&f.lang, "lang", "", "")
	fs.IntVar(&f.from, "from", 1, "")
	fs.BoolVar(&f.list, "list", false, "")
	fs.StringVar(&f.dir, "dir", "", "")
	return fs
}

func cmdTour(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f tourFlags
	fs := f.flagSet(stderr)
	lang, from, list, dir := &f.lang, &f.from, &f.list, &f.dir
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, tourUsage)
			return 0
		}
		fmt.Fprint(stderr, tourUsage)
		return 2
	}
	t := &tourer{lang: *lang, stdout: stdout, stderr: stderr}
	if t.lang == "" {
		t.lang = tour.LangFromEnv(os.Getenv)
	}
	if tourMsgs[t.lang] == nil {
		fmt.Fprintf(stderr, "proc tour: --lang: want en or ko, got %q\n", t.lang)
		return 2
	}
	fsys := tour.Builtin()
	t.root = "tour"
	if *dir != "" {
		t.root = *dir
		if st, err := os.Stat(*dir); err != nil || !st.IsDir() {
			fmt.Fprintf(stderr, "proc tour: --dir: %s is not a folder\n", *dir)
			return 2
		}
		fsys = os.DirFS(*dir)
	}
	if t.lessons, err = tour.Load(fsys); err != nil {
		fmt.Fprintf(stderr, "proc tour: %v\n", err)
		return 2
	}
	n := len(t.lessons)
	if len(pos) > 1 {
		fmt.Fprintf(stderr, "proc tour: want at most one lesson number, got %d arguments\n\n%s", len(pos), tourUsage)
		return 2
	}
	if *list {
		for _, l := range t.lessons {
			fmt.Fprintf(stdout, "%2d  %s\n", l.Num, l.Text[t.lang].Title)
		}
		return 0
	}
	if len(pos) == 1 {
		k, err := strconv.Atoi(pos[0])
		if err != nil || k < 1 || k > n {
			fmt.Fprintf(stderr, "proc tour: want a lesson from 1 to %d, got %q\n", n, pos[0])
			return 2
		}
		return t.show(t.lessons[k-1])
	}
	if *from < 1 || *from > n {
		fmt.Fprintf(stderr, "proc tour: --from: want a lesson from 1 to %d, got %d\n", n, *from)
		return 2
	}
	t.in = bufio.NewReader(stdin)
	t.echo = !isTerminal(stdin)
	for _, l := range t.lessons[*from-1:] {
		if !t.step(l) {
			return 0
		}
	}
	fmt.Fprintln(stdout, t.msg("end"))
	return 0
}

// intro prints a lesson's title and body.
func (t *tourer) intro(l *tour.Lesson) {
	text := l.Text[t.lang]
	fmt.Fprintf(t.stdout, "%s\n\n%s\n\n", t.msg("head", l.Num, len(t.lessons), text.Title), text.Body)
}

// run runs the lesson's script as proc run runs it, trace and all, and
// returns its exit status and the program's own output (a second run
// with --trace=none), from which the answer is read.
func (t *tourer) run(l *tour.Lesson) (int, string) {
	file := filepath.Join(t.root, filepath.FromSlash(l.ScriptPath()))
	fmt.Fprintln(t.stdout, t.msg("run", file))
	code := runScript(runJob{args: []string{file}, src: l.Script, ownHeader: true}, t.stdout, t.stderr)
	var out bytes.Buffer
	quiet := []string{file, "--trace=none", "--stats=false", "--gantt=false", "--race=false", "--json=false"}
	runScript(runJob{args: quiet, src: l.Script, ownHeader: true}, &out, io.Discard)
	fmt.Fprintln(t.stdout)
	return code, out.String()
}

// show is proc tour N: the text, the run, the question and its answer.
func (t *tourer) show(l *tour.Lesson) int {
	t.intro(l)
	code, out := t.run(l)
	fmt.Fprintln(t.stdout, t.msg("question", l.Text[t.lang].Question))
	t.choices(l)
	real, ok := l.Answer.Found(out)
	if !ok {
		fmt.Fprintf(t.stderr, "proc tour: %s: %s\n", l.Slug, t.msg("noanswer", l.Answer.Marker))
		return max(code, 1)
	}
	fmt.Fprintln(t.stdout, t.msg("answer", l.Answer.Label(real)))
	return code
}

// choices prints the choices of the lesson's question, if it has some.
func (t *tourer) choices(l *tour.Lesson) {
	for i, c := range l.Answer.Choices {
		fmt.Fprintf(t.stdout, "  %c) %s\n", 'a'+i, c)
	}
}

// step is one lesson of the interactive tour. It returns false when the
// learner quits or the input ends.
func (t *tourer) step(l *tour.Lesson) bool {
	t.intro(l)
	fmt.Fprintln(t.stdout, t.msg("question", l.Text[t.lang].Question))
	t.choices(l)
	typed, ok := t.ask(t.msg("prompt"))
	if !ok || strings.EqualFold(typed, "q") {
		return false
	}
	fmt.Fprintln(t.stdout)
	_, out := t.run(l)
	real, found := l.Answer.Found(out)
	switch {
	case !found:
		fmt.Fprintf(t.stderr, "proc tour: %s: %s\n", l.Slug, t.msg("noanswer", l.Answer.Marker))
	case typed == "":
		fmt.Fprintln(t.stdout, t.msg("skipped", l.Answer.Label(real)))
	case l.Answer.Matches(typed, real):
		fmt.Fprintln(t.stdout, t.msg("right", l.Answer.Label(real)))
	default:
		fmt.Fprintln(t.stdout, t.msg("wrong", l.Answer.Label(l.Answer.Resolve(typed)), l.Answer.Label(real)))
	}
	if l.Num == len(t.lessons) {
		return true
	}
	typed, ok = t.ask(t.msg("next"))
	fmt.Fprintln(t.stdout)
	return ok && !strings.EqualFold(typed, "q")
}

// ask prints the prompt and reads a line. It returns false at the end of
// input with nothing typed.
func (t *tourer) ask(prompt string) (string, bool) {
	fmt.Fprint(t.stdout, prompt)
	line, err := t.in.ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(t.stdout)
		return "", false
	}
	line = strings.TrimSpace(line)
	if t.echo {
		fmt.Fprintln(t.stdout, line)
	}
	return line, true
}
