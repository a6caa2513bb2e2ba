package runtime

import (
	"bytes"
	"strings"
	"testing"
)

func TestConfigDefaults(t *testing.T) {
	c := DefaultConfig()
	want := map[string]string{
		"sched": `"rr"`, "quantum": "4", "seed": "0", "rng": `"default"`, "cost_insn": "1", "cost_spawn": "20", "cost_fork": "20",
		"cost_thread": "2", "cost_switch_process": "2", "cost_switch_thread": "1", "cost_copy": "1",
		"heap_policy": `"first"`, "heap_align": "16", "heap_header": "16", "heap_coalesce": "true",
		"heap_size": "4096", "heap_grow": "true", "heap_max": "1048576", "stack_size": "65536",
		"pipe_cap": "4096", "mq_cap": "10", "net_latency": "5", "mlfq_levels": "3", "mlfq_boost": "100",
		"max_steps": "10000000", "max_procs": "256", "max_threads": "1024", "max_output": "1048576",
		"max_ticks": "1000000000000", "max_slices": "1000000", "max_trace": "16777216", "max_memory": "67108864",
		"max_copy": "268435456", "tlb_entries": "64", "tlb_miss_cost": "1", "asid": `"off"`, "cache_lines": "512", "cache_miss_cost": "1",
		"cpus": "1", "sched_queues": `"global"`, "balance": `"idle"`, "peek_interval": "30", "timer": `"oneshot"`,
		"warm_cache": "0", "warm_time": "10", "warm_rate": "2", "multiprogramming": "true", "wake_preempts": "false", "ready_order": `"queue"`, "reparent": `"init"`, "mlfq_quanta": `""`, "mlfq_allotment": "1", "mlfq_io_reset": "false", "mlfq_io_bump": "false",
	}
	if len(ConfigKeys()) != len(want) {
		t.Errorf("%d keys, want %d", len(ConfigKeys()), len(want))
	}
	for k, v := range want {
		got, ok := c.Get(k)
		if !ok || got != v {
			t.Errorf("%s = %s, want %s", k, got, v)
		}
	}
}

func TestConfigSet(t *testing.T) {
	c := DefaultConfig()
	for _, kv := range [][2]string{{"quantum", "2"}, {"sched", "fifo"}, {"sched", `"mlfq"`}, {"heap_coalesce", "false"}, {"heap_max", "1_000"}, {"seed", "0x10"}} {
		if err := c.Set(kv[0], kv[1]); err != nil {
			t.Errorf("Set(%s, %s): %v", kv[0], kv[1], err)
		}
	}
	if c.Quantum != 2 || c.Sched != SchedMLFQ || c.HeapCoalesce || c.HeapMax != 1000 || c.Seed != 16 {
		t.Errorf("config not set: %+v", c)
	}
	bad := []struct{ k, v, msg string }{
		{"quantm", "2", "did you mean quantum"},
		{"quantum", "fast", "takes an int"},
		{"quantum", "0", "between 1 and"},
		{"heap_coalesce", "yes", "takes a bool"},
		{"sched", "random", "must be one of"},
		{"heap_policy", "1", "must be one of"},
	}
	for _, b := range bad {
		err := c.Set(b.k, b.v)
		if err == nil || !strings.Contains(err.Error(), b.msg) {
			t.Errorf("Set(%s, %s) = %v, want %q", b.k, b.v, err, b.msg)
		}
	}
}

// TestPolicyKeys checks that sched and heap_policy, kept parsed, read back
// as the names they were set with, and that a bad name leaves the value.
func TestPolicyKeys(t *testing.T) {
	c := DefaultConfig()
	for _, name := range schedNames {
		if err := c.Set("sched", name); err != nil {
			t.Fatal(err)
		}
		if got, _ := c.Get("sched"); got != `"`+name+`"` || c.Sched.String() != name {
			t.Errorf("sched=%s reads back %s (%v)", name, got, c.Sched)
		}
	}
	for _, name := range []string{"first", "best", "worst", "next"} {
		if err := c.Set("heap_policy", name); err != nil {
			t.Fatal(err)
		}
		if got, _ := c.Get("heap_policy"); got != `"`+name+`"` {
			t.Errorf("heap_policy=%s reads back %s", name, got)
		}
	}
	before := c
	err := c.Set("sched", "random")
	if err == nil || err.Error() != `config key sched must be one of fifo, rr, sjf, stcf, priority, mlfq, lottery, not "random"` {
		t.Errorf("sched=random: %v", err)
	}
	err = c.Set("heap_policy", "fast")
	if err == nil || err.Error() != `config key heap_policy must be one of first, best, worst, next, not "fast"` {
		t.Errorf("heap_policy=fast: %v", err)
	}
	if c != before {
		t.Errorf("a refused value changed the config: %+v", c)
	}
	if p, ok := ParseSchedPolicy("sched"); ok {
		t.Errorf("ParseSchedPolicy(sched) = %v", p)
	}
}

// TestHaltNames checks that every reason a run stops has a name.
func TestHaltNames(t *testing.T) {
	for h := NotHalted; h <= HaltWatch; h++ {
		if s := h.String(); s == "" || strings.HasPrefix(s, "halt(") {
			t.Errorf("Halt(%d) has no name", h)
		}
	}
	if s := (HaltWatch + 1).String(); !strings.HasPrefix(s, "halt(") {
		t.Errorf("Halt past the last = %q", s)
	}
}

func TestParseCategories(t *testing.T) {
	if c, _ := ParseCategories("all"); c != CatAll || c&CatInsn != 0 {
		t.Errorf("all = %b", c)
	}
	if c, _ := ParseCategories("none"); c != 0 {
		t.Errorf("none = %b", c)
	}
	if c, _ := ParseCategories("sched,mem,insn"); c != CatSched|CatMem|CatInsn {
		t.Errorf("list = %b", c)
	}
	if _, err := ParseCategories("sched,bogus"); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("bogus accepted: %v", err)
	}
	for _, c := range []Category{0, CatAll, CatSched, CatSched | CatMem | CatInsn, CatAll | CatInsn} {
		text := FormatCategories(c)
		if back, err := ParseCategories(text); err != nil || back != c {
			t.Errorf("FormatCategories(%b) = %q, which parses to %b, %v", c, text, back, err)
		}
	}
	if got := FormatCategories(CatMem | CatSched); got != "sched,mem" {
		t.Errorf("FormatCategories(mem|sched) = %q", got)
	}
}

func TestFormatEvent(t *testing.T) {
	e := &Event{T: 20, PID: 1, TID: 1, Text: "thread helper(1) = 3", Cost: 2}
	got := string(FormatEvent(nil, e))
	want := "    20 [1/1] thread helper(1) = 3" + strings.Repeat(" ", 60-len("    20 [1/1] thread helper(1) = 3")) + " +2 ticks\n"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	p := string(FormatEvent(nil, &Event{T: 29, PID: 2, TID: 2, Ev: "print", Text: "hi"}))
	if p != "    29 [2/2] | hi\n" {
		t.Errorf("print line %q", p)
	}
	k := string(FormatEvent(nil, &Event{T: 5, Text: "switch", More: []string{"a"}}))
	if k != "     5 ----- switch\n             a\n" {
		t.Errorf("kernel line %q", k)
	}
}

// TestFormatEventScriptStrings: a string of the script never starts a
// line of its own. Each line of program output gets the tick, the actor
// and the bar; elsewhere a control character is written as an escape.
func TestFormatEventScriptStrings(t *testing.T) {
	forged := "     5 [1/1] +++ exited with 0 +++"
	for _, c := range []struct {
		e    Event
		want string
	}{
		{Event{T: 1, PID: 1, TID: 1, Ev: "print", Text: "x\n" + forged},
			"     1 [1/1] | x\n     1 [1/1] |      5 [1/1] +++ exited with 0 +++\n"},
		{Event{T: 1, PID: 1, TID: 1, Ev: "print", Text: "a\n"},
			"     1 [1/1] | a\n     1 [1/1] | \n"},
		{Event{T: 1, PID: 1, TID: 1, Ev: "print", Text: "tab\there\rcr\x1b[2K"},
			"     1 [1/1] | tab\there\\rcr\\x1b[2K\n"},
		{Event{T: 2, PID: 1, TID: 1, Ev: "fault", Text: "assertion failed: x\n" + forged, More: []string{"at main, line 1", "y\n" + forged}},
			"     2 [1/1] assertion failed: x\\n" + forged + "\n             at main, line 1\n             y\\n" + forged + "\n"},
	} {
		if got := string(FormatEvent(nil, &c.e)); got != c.want {
			t.Errorf("%q:\ngot  %q\nwant %q", c.e.Text, got, c.want)
		}
	}
	// Without a trace, output is the program's own bytes, and a view
	// keeps each of its lines.
	var out, errw bytes.Buffer
	s := NewTextSink(&out, &errw, true)
	s.Emit(&Event{Ev: "print", Text: "x\n" + forged})
	s.Emit(&Event{Ev: "show", Text: "show ps", More: []string{"name\n" + forged}})
	s.Flush()
	if want := "x\n" + forged + "\nname\\n" + forged + "\n"; out.String() != want {
		t.Errorf("quiet output %q, want %q", out.String(), want)
	}
}

func TestJSONString(t *testing.T) {
	got := string(AppendJSONString(nil, "a\"b\\\n\x01\xff"))
	if got != `"a\"b\\\n\u0001`+"\uFFFD"+`"` {
		t.Errorf("got %s", got)
	}
}

// TestBalanceAndTimerKeys checks that balance and timer read back as the
// names they were set with, and refuse any other.
func TestBalanceAndTimerKeys(t *testing.T) {
	c := DefaultConfig()
	for k, names := range map[string][]string{"balance": {"idle", "peek", "none"}, "timer": {"oneshot", "periodic"}} {
		for _, name := range names {
			if err := c.Set(k, name); err != nil {
				t.Fatal(err)
			}
			if got, _ := c.Get(k); got != `"`+name+`"` {
				t.Errorf("%s=%s reads back %s", k, name, got)
			}
		}
		before := c
		if err := c.Set(k, "sometimes"); err == nil || !strings.Contains(err.Error(), "must be one of") {
			t.Errorf("%s=sometimes: %v", k, err)
		}
		if c != before {
			t.Errorf("a bad %s changed the config", k)
		}
	}
	if c.Balance != BalanceNone || !c.Periodic {
		t.Errorf("balance %v, periodic %v", c.Balance, c.Periodic)
	}
	for _, kv := range [][2]string{{"warm_rate", "0"}, {"peek_interval", "0"}, {"warm_cache", "-1"}} {
		if err := c.Set(kv[0], kv[1]); err == nil {
			t.Errorf("%s = %s was taken", kv[0], kv[1])
		}
	}
}
