package main

import (
	"strings"
	"testing"

	"proc/interp"
)

// TestIncompleteReasons: each way a search is cut short is said with the
// flag that raises its bound, in text, and named by that flag in JSON.
func TestIncompleteReasons(t *testing.T) {
	t.Parallel()
	opts := interp.ExploreOptions{Preemptions: -1, MaxSchedules: 10000, MaxSteps: 30000000, MaxDepth: 10000, MaxMemory: 64 << 20}
	cases := []struct {
		res  interp.ExploreResult
		opts interp.ExploreOptions
		text string
		json string
	}{
		{interp.ExploreResult{Schedules: 10000, Stop: interp.ExploreMaxSchedules}, opts,
			"stopped after 10000 schedules (--max-schedules N raises the bound)", "max-schedules"},
		{interp.ExploreResult{Schedules: 4, Steps: 30000012, Stop: interp.ExploreMaxSteps}, opts,
			"stopped after 30000012 instructions (--max-total-steps N raises the bound)", "max-total-steps"},
		{interp.ExploreResult{Schedules: 7, Stop: interp.ExploreMaxMemory}, opts,
			"stopped when what it keeps reached 64 MiB (--max-memory MIB raises the bound)", "max-memory"},
		{interp.ExploreResult{Schedules: 1, Stop: interp.ExploreInterrupted}, opts,
			"interrupted after 1 schedule", "interrupted"},
		{interp.ExploreResult{Schedules: 9, Deep: 1}, opts,
			"1 schedule past 10000 choices was followed one way (--max-depth N raises the bound)", "max-depth"},
		{interp.ExploreResult{Schedules: 9, Deep: 2, Stop: interp.ExploreMaxSchedules}, interp.ExploreOptions{Preemptions: 2, MaxSchedules: 9, MaxDepth: 5},
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
