package main

import (
	"encoding/json"
	"io"
	"math"
	"time"
)

// jsonReporter prints JSON Lines for autograders: one object per script, in
// the sorted order, then a summary object.
//
//	{"name":"hello","status":"pass","time":0.012,"exit":0,"want_exit":0,"diff":"","error":""}
//	{"name":"loop","status":"fail","time":0.034,"exit":1,"want_exit":0,"diff":"--- loop.golden\n...","error":"exit status 1, want 0\n..."}
//	{"passed":1,"failed":1}
//
// Every field is always present, except "updated", which appears (true)
// only when -update rewrote the golden.
type jsonReporter struct {
	enc   *json.Encoder
	notes io.Writer
}

// jsonResult is the record of one script.
type jsonResult struct {
	Name   string  `json:"name"`
	Status string  `json:"status"` // "pass" or "fail"
	Time   float64 `json:"time"`   // seconds
	// Exit is the exit status of the run, -1 if the script did not run
	// (it could not be read, or its header is wrong).
	Exit     int    `json:"exit"`
	WantExit int    `json:"want_exit"`
	Diff     string `json:"diff"`  // unified diff, golden to actual
	Error    string `json:"error"` // why it failed besides the diff, and the run's stderr
	Updated  bool   `json:"updated,omitempty"`
}

// jsonSummary is the last line.
type jsonSummary struct {
	Passed int `json:"passed"`
	Failed int `json:"failed"`
}

func newJSONReporter(stdout, notes io.Writer) *jsonReporter {
	enc := json.NewEncoder(stdout)
	// Traces are full of <, > and &; \u003c would only hide them.
	enc.SetEscapeHTML(false)
	return &jsonReporter{enc: enc, notes: notes}
}

func (j *jsonReporter) Start(int) {}

func (j *jsonResult) fill(r *testResult) {
	j.Name, j.Status = r.Name, "pass"
	if !r.Pass {
		j.Status = "fail"
	}
	j.Time = math.Round(r.Elapsed.Seconds()*1000) / 1000
	j.Exit, j.WantExit = r.Exit, r.WantExit
	j.Diff = r.Diff
	j.Error = r.Explanation()
	j.Updated = r.Updated
}

func (j *jsonReporter) Result(r *testResult) {
	var rec jsonResult
	rec.fill(r)
	j.enc.Encode(rec)
	if r.Updated {
		io.WriteString(j.notes, "updated "+r.Name+".golden\n")
	}
}

func (j *jsonReporter) Finish(passed, failed int, _ time.Duration) {
	j.enc.Encode(jsonSummary{Passed: passed, Failed: failed})
}
