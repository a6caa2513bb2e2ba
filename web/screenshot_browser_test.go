//go:build !js

package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestScreenshots takes the pictures of the page that the README shows,
// when PROC_SCREENSHOTS names the folder to write them to (docs/images):
//
//	PROC_SCREENSHOTS=../docs/images go test ./web -run TestScreenshots
//
// Each is the page at a moment chosen by the text of an event of its run
// (the tour's, near the end of the run of the lesson it loads), so that a
// change in the engine or the page shows in the pictures after they are
// taken again.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("PROC_SCREENSHOTS")
	if dir == "" {
		t.Skip("PROC_SCREENSHOTS is not set: no pictures to take")
	}
	shots := []struct {
		name, example string
		// at is the text of the event to stop after ("" the start).
		at string
		// then runs in the page after the move (a mode, a theme).
		then string
	}{
		{"web-isolation.png", "09-process-isolation.proc", "wait(2) <unfinished", memoryInView},
		{"web-threads.png", "10-threads-share.proc", "show maps", memoryInView},
		{"web-pipe.png", "23-pipe.proc", "send(4, \"item3;\")", ""},
		{"web-scheduler.png", "15-race.proc", "", `ProcApp.setMode("sched")`},
		{"web-explore.png", "35-explore-lost-update.proc", "", `ProcApp.setMode("explore"); document.getElementById("explore-run").click()`},
		{"web-dark-large.png", "11-fork-cow.proc", "page 0x7fffffffe000 copied", `document.getElementById("theme").click(); document.getElementById("font").click()`},
		{"web-tour.png", "09-process-isolation.proc", "", tourInView},
		{"web-two-cpus.png", "46-two-cpus.proc", "join(2) <unfinished", ""},
		{"web-warm-cache.png", "ostep/cpu-sched-multi.proc", "", ""},
	}
	for _, sh := range shots {
		t.Run(sh.name, func(t *testing.T) {
			s := example(t, sh.example)
			p := openScript(t, s)
			if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(1600, 1000)); err != nil {
				t.Fatal(err)
			}
			if sh.at != "" {
				var want wireLoad
				native(t, NewEngine(), loadReq(s.File, s.Source, "", false), &want)
				step := int64(-1)
				for _, ev := range want.Events {
					if strings.Contains(ev.Text, sh.at) {
						step = ev.Step
						break
					}
				}
				if step < 0 {
					t.Fatalf("no event of %s says %q", sh.example, sh.at)
				}
				p.mustEval("ProcApp.setStep("+itoa(step)+")", nil)
				settle(p)
			}
			if sh.then != "" {
				p.mustEval("(async () => { "+sh.then+" })().then(() => true)", nil)
				settle(p)
				// Explore and the scheduler answer after their own request.
				p.mustEval(`new Promise((r) => setTimeout(r, 500)).then(() => ProcApp.idle()).then(() => true)`, nil)
			}
			// The viewport only: the page fits it, and a full-page capture
			// would lay it out again and lose the pane's scroll.
			png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, sh.name), png, 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// tourInView opens the tour at lesson 2, loads its script, goes near
// the end of its run, and checks a wrong prediction.
const tourInView = `await ProcTour.open(2, "en");
	document.getElementById("tour-load").click();
	await new Promise((r) => setTimeout(r, 200));
	await ProcApp.idle();
	ProcApp.setStep(Math.round(ProcApp.state.steps * 0.8));
	await ProcApp.idle();
	document.getElementById("tour-choices").children[1].click();`

// memoryInView scrolls the machine's pane to the memory picture.
const memoryInView = `document.querySelector(".pane-centre").scrollTop = document.querySelector("#memory").closest("section").offsetTop - document.querySelector(".pane-centre").offsetTop`

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
