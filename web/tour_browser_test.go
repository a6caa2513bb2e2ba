//go:build !js

package web

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"proc/tour"
)

// pickLesson chooses lesson n in the tour pane's picker, as a learner does.
func pickLesson(p *page, n int) {
	p.t.Helper()
	p.mustEval(`(() => {
		const s = document.getElementById("tour-pick");
		s.value = "`+itoa(int64(n))+`";
		s.dispatchEvent(new Event("change"));
		return true;
	})()`, nil)
}

// verdict checks the answer in the pane's field and returns the verdict:
// right or wrong, and its text.
func verdict(p *page) (string, string) {
	p.t.Helper()
	p.click("#tour-check")
	var v struct{ Kind, Text string }
	p.mustEval(`(() => { const v = document.getElementById("tour-verdict"); return {kind: v.dataset.verdict, text: v.textContent}; })()`, &v)
	return v.Kind, v.Text
}

// TestBrowserTour: the Tour button opens the lessons beside the editor;
// lesson 2 in Korean shows its Korean title and text; its script loads
// into the editor and runs; a wrong prediction and then a right one get
// their verdicts, with the real answer. In a narrow window the lesson
// comes under the editor.
func TestBrowserTour(t *testing.T) {
	ls, err := tour.Load(tour.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	l := ls[1]
	p := openPage(t, servePage(t, nil))
	settle(p)
	p.click("#tour-btn")
	p.waitVisible("#tour-title")
	p.click(`#tour .tour-langs [data-lang="ko"]`)
	pickLesson(p, 2)

	title := p.text("#tour-title")
	if !tour.HasHangul(title) || title != l.Text["ko"].Title {
		t.Errorf("lesson 2's title in Korean is %q, want %q", title, l.Text["ko"].Title)
	}
	if q := p.text("#tour-question"); q != l.Text["ko"].Question {
		t.Errorf("the question is %q, want %q", q, l.Text["ko"].Question)
	}
	// The body's markup became elements, and nothing else did.
	var shape struct{ P, Li, Code, Other int }
	p.mustEval(`(() => {
		const t = document.getElementById("tour-text");
		const n = (s) => t.querySelectorAll(s).length;
		return {p: n(":scope > p"), li: n(":scope > ul > li"), code: n("code"), other: n("*:not(p):not(ul):not(li):not(code):not(em)")};
	})()`, &shape)
	if shape.P < 2 || shape.Li != 2 || shape.Code < 2 || shape.Other != 0 {
		t.Errorf("the lesson's text as elements: %+v; want paragraphs, two items, code and nothing else", shape)
	}

	p.click("#tour-load")
	settle(p)
	var got struct {
		File, Source string
		Steps        int64
	}
	p.mustEval(`({file: ProcApp.state.file, steps: ProcApp.state.steps, source: document.querySelector("#editor textarea").value})`, &got)
	if got.File != l.Slug+".proc" || got.Source != string(l.Script) || got.Steps == 0 {
		t.Errorf("after Load the script: file %q, %d steps, editor holds %q; want %s.proc run, and its script", got.File, got.Steps, got.Source, l.Slug)
	}

	// A wrong choice, then the right one typed as its letter, with spaces
	// and in capitals.
	p.click("#tour-choices button:nth-child(2)")
	kind, text := verdict(p)
	if kind != "wrong" || !strings.Contains(text, "a) 100") || !tour.HasHangul(text) {
		t.Errorf("a wrong answer: %s, %q; want wrong, in Korean, with the answer a) 100", kind, text)
	}
	p.mustEval(`document.getElementById("tour-answer").value = "", true`, nil)
	p.typeText("#tour-answer", "  A ")
	kind, text = verdict(p)
	if kind != "right" || !strings.Contains(text, "a) 100") {
		t.Errorf("a right answer: %s, %q; want right, with the answer a) 100", kind, text)
	}

	// Next goes on to lesson 3; the language stays.
	p.click("#tour-next")
	if title := p.text("#tour-title"); title != ls[2].Text["ko"].Title {
		t.Errorf("after next: %q, want %q", title, ls[2].Text["ko"].Title)
	}

	// In a narrow window the lesson stacks under the editor.
	if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(600, 900)); err != nil {
		t.Fatal(err)
	}
	var pos struct{ EditorBottom, TourTop, TourLeft, EditorLeft float64 }
	p.mustEval(`(() => {
		const e = document.querySelector(".pane-editor").getBoundingClientRect();
		const t = document.getElementById("tour").getBoundingClientRect();
		return {editorBottom: e.bottom, tourTop: t.top, tourLeft: t.left, editorLeft: e.left};
	})()`, &pos)
	if pos.TourTop < pos.EditorBottom-1 || pos.TourLeft != pos.EditorLeft {
		t.Errorf("in a narrow window the tour is not under the editor: %+v", pos)
	}
	p.checkLocal()
}

// TestBrowserTourCheck: the page checks a prediction as proc tour does,
// for every lesson and a range of typed answers.
func TestBrowserTourCheck(t *testing.T) {
	ls, err := tour.Load(tour.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	type tcase struct {
		Answer tourAnswer `json:"answer"`
		Typed  string     `json:"typed"`
		Want   bool       `json:"want"`
		Label  string     `json:"label"`
	}
	var cases []tcase
	for _, l := range ls {
		a := l.Answer
		typed := []string{a.Value, strings.ToUpper(a.Value), "  " + strings.ReplaceAll(a.Value, " ", "   ") + " ", "", " ", "a", "B)", "c", "z", "nothing like it", a.Value + "x"}
		typed = append(typed, a.Choices...)
		for _, s := range typed {
			cases = append(cases, tcase{tourAnswer{a.Marker, a.Value, a.Choices}, s, a.Matches(s, a.Value), a.Label(a.Value)})
		}
	}
	js, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	p := openPage(t, servePage(t, nil))
	var got []struct {
		Match bool
		Label string
	}
	p.mustEval(`(`+string(js)+`).map((c) => ({match: ProcTour.matches(c.answer, c.typed, c.answer.value), label: ProcTour.label(c.answer, c.answer.value)}))`, &got)
	if len(got) != len(cases) {
		t.Fatalf("%d answers, want %d", len(got), len(cases))
	}
	for i, c := range cases {
		if got[i].Match != c.Want || got[i].Label != c.Label {
			t.Errorf("answer %q to %q: the page says %v (%q), proc tour %v (%q)", c.Typed, c.Answer.Value, got[i].Match, got[i].Label, c.Want, c.Label)
		}
	}
}
