package main

import (
	"strings"
	"testing"

	"proc/interp/explore"
)

// TestIncompleteReasons: each way a search is cut short is said with the
// flag that raises its bound, in text, and named by that flag in JSON.
func TestIncompleteReasons(t *testing.T) {
	t.Parallel()
	opts := explore.Options{Preemptions: -1, MaxSchedules: 10000, MaxSteps: 30000000, MaxDepth: 10000, MaxMemory: 64 << 20}
	cases := []struct {
		res  explore.Result
		opts explore.Options
		text string
		json string
	}{
		{explore.Result{Schedules: 10000, Stop: explore.StopMaxSchedules}, opts,
			"stopped after 10000 schedules (--max-schedules N raises the bound)", "max-schedules"},
		{explore.Result{Schedules: 4, Steps: 30000012, Stop: explore.StopMaxSteps}, opts,
			"stopped after 30000012 instructions (--max-total-steps N raises the bound)", "max-total-steps"},
		{explore.Result{Schedules: 7, Stop: explore.StopMaxMemory}, opts,
			"stopped when what it keeps reached 64 MiB (--max-memory MIB raises the bound)", "max-memory"},
		{explore.Result{Schedules: 1, Stop: explore.StopInterrupted}, opts,
			"interrupted after 1 schedule", "interrupted"},
		{explore.Result{Schedules: 12, Stop: explore.StopTimeout}, opts,
			"stopped when its time ran out, after 12 schedules (--timeout DURATION raises the bound)", "timeout"},
		{explore.Result{Schedules: 9, Deep: 1}, opts,
			"1 schedule past 10000 choices was followed one way (--max-depth N raises the bound)", "max-depth"},
		{explore.Result{Schedules: 9, Deep: 2, Stop: explore.StopMaxSchedules}, explore.Options{Preemptions: 2, MaxSchedules: 9, MaxDepth: 5},
			"stopped after 9 schedules (--max-schedules N raises the bound), 2 schedules past 5 choices were followed one way (--max-depth N raises the bound), only schedules with at most 2 preemptions (--preemptions K raises the bound)",
			"max-schedules,max-depth,preemptions"},
	}
	for _, c := range cases {
		if got := strings.Join(incomplete(&c.res, c.opts, true), ", "); got != c.text {
			t.Errorf("text:\n got %s\nwant %s", got, c.text)
		}
		if got := strings.Join(incomplete(&c.res, c.opts, false), ","); got != c.json {
			t.Errorf("json: got %s, want %s", got, c.json)
		}
	}
}
