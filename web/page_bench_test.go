//go:build !js

package web

import (
	"encoding/json"
	"testing"
)

// The page's own speed, in a real browser: what a student waits for.
// These run only with -bench, and skip where there is no Chromium:
//
//	go test ./web -run '^$' -bench 'BenchmarkBrowser' -count 5

// benchPage opens the page with no script and returns it once its engine
// is ready.
func benchPage(b *testing.B) *page {
	p := openPage(b, servePage(b, nil))
	settle(p)
	return p
}

// BenchmarkBrowserLoad100k is Run of a 100,000-instruction script in the
// page, until the machine at step 0 is drawn: the run in the engine, the
// answer carried to the page, the trace, the timeline and the picture.
func BenchmarkBrowserLoad100k(b *testing.B) {
	p := benchPage(b)
	src := benchSource(b, "bench-100k.proc")
	p.mustEval(setSource(src)+`; true`, nil)
	for b.Loop() {
		p.mustEval(`ProcApp.run().then(() => ProcApp.idle()).then(() => ProcApp.state.steps)`, nil)
	}
}

// BenchmarkBrowserJump99999 is a jump of the slider to step 99,999 of the
// same run, from its start, until the machine there is drawn.
func BenchmarkBrowserJump99999(b *testing.B) {
	p := benchPage(b)
	src := benchSource(b, "bench-100k.proc")
	p.mustEval(setSource(src)+`; ProcApp.run().then(() => ProcApp.idle()).then(() => true)`, nil)
	for b.Loop() {
		b.StopTimer()
		p.mustEval(`ProcApp.setStep(0); ProcApp.idle().then(() => true)`, nil)
		b.StartTimer()
		p.mustEval(`ProcApp.setStep(99999); ProcApp.idle().then(() => ProcApp.state.snapshotStep)`, nil)
	}
}

// setSource is the JavaScript that puts src in the editor, as typing it
// would.
func setSource(src string) string {
	q, err := json.Marshal(src)
	if err != nil {
		panic(err)
	}
	return `(() => { const ta = document.getElementById("source"); ta.value = ` + string(q) + `; ta.dispatchEvent(new Event("input")); })()`
}
