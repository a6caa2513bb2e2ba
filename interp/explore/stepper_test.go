package explore

import (
	"slices"
	"testing"

	"proc/interp"
	"proc/interp/internal/testkit"
)

// TestFormatSchedule: a schedule written and read again is the same.
func TestFormatSchedule(t *testing.T) {
	for _, s := range [][]int{{}, {2}, {1, 3, 2, 2}} {
		text := FormatSchedule(s)
		back, err := ParseSchedule(text)
		if err != nil || !slices.Equal(back, s) {
			t.Errorf("%v written %q, read back %v, %v", s, text, back, err)
		}
	}
	if got := FormatSchedule(nil); got != "-" {
		t.Errorf("the empty schedule is written %q, want -", got)
	}
	// A run of three or more choices of one thread is written TID*N.
	for _, c := range []struct {
		s    []int
		text string
	}{
		{[]int{2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3}, "2*6.3*6"},
		{[]int{2, 2, 2, 2, 1, 3, 3, 3, 3, 3, 3, 1}, "2*4.1.3*6.1"},
		{[]int{1, 1, 2, 2, 2, 1}, "1.1.2*3.1"},
		{[]int{4, 4}, "4.4"},
		// A pattern of two to four choices repeated three times or more
		// is written (S)*N.
		{[]int{1, 2, 3, 2, 3, 2, 3, 2, 3}, "1.(2.3)*4"},
		{[]int{2, 3, 2, 3, 1}, "2.3.2.3.1"},
		{[]int{1, 2, 3, 1, 2, 3, 1, 2, 3, 4, 4, 4}, "(1.2.3)*3.4*3"},
		{[]int{2, 2, 2, 3, 2, 3, 2, 3, 2}, "2*3.(3.2)*3"},
		{[]int{2, 2, 2, 3, 2, 3, 2, 3}, "2*3.3.2.3.2.3"},
	} {
		if got := FormatSchedule(c.s); got != c.text {
			t.Errorf("%v is written %q, want %q", c.s, got, c.text)
		}
		back, err := ParseSchedule(c.text)
		if err != nil || !slices.Equal(back, c.s) {
			t.Errorf("%q read back %v, %v", c.text, back, err)
		}
	}
	// Both forms read the same, in any mix.
	for _, text := range []string{"2.2.2.1", "2*3.1", "2.2*2.1", "2*1.2*2.1*1"} {
		got, err := ParseSchedule(text)
		if err != nil || !slices.Equal(got, []int{2, 2, 2, 1}) {
			t.Errorf("%q read %v, %v", text, got, err)
		}
	}
	for _, text := range []string{"(2.1)*2", "2.1.2.1", "(2.1)*1.(2.1)*1", "((2.1)*1)*2"} {
		got, err := ParseSchedule(text)
		if err != nil || !slices.Equal(got, []int{2, 1, 2, 1}) {
			t.Errorf("%q read %v, %v", text, got, err)
		}
	}
	// What is not a schedule, or one too long to have come from a search.
	for _, text := range []string{"2*", "2*0", "2*-1", "2*+3", "*3", "+2", "2**3", "2*3*4", "2.", "1*1048577", "1*999999999999999999999", "1*1048576.2",
		"(2.3)", "(2.3)*0", "()*3", "(2.3*3", "(2.3)*3.", "(2.3)3", "2.3)*3", "(((((1)*2)*2)*2)*2)*2", "(1)*1048577", "(1.2)*999999999999", "(1.2)*524288.3"} {
		if got, err := ParseSchedule(text); err == nil {
			t.Errorf("%q read as %d choices, want an error", text, len(got))
		}
	}
	if got, err := ParseSchedule("1*1048576"); err != nil || len(got) != MaxScheduleLen {
		t.Errorf("a schedule of MaxScheduleLen choices: %d, %v", len(got), err)
	}
}

// TestStepper builds a schedule one choice at a time, always taking the
// highest tid that could run, and checks that every choice comes with
// the threads that could run, that the run ends with no choice left, and
// that the schedule so built replays to the same output, with every
// choice used.
func TestStepper(t *testing.T) {
	prog, err := interp.Load("c.proc", []byte(testkit.CounterScript(2, false)))
	if err != nil {
		t.Fatal(err)
	}
	var schedule []int
	var out string
	for step := 0; ; step++ {
		if step > 1000 {
			t.Fatal("no end to the choices")
		}
		st := NewStepper(schedule)
		sink := &outcomeSink{}
		s, err := interp.NewSession(prog, interp.Options{Sink: sink, Chooser: st})
		if err != nil {
			t.Fatal(err)
		}
		s.M.Run()
		if err := st.Err(); err != nil {
			t.Fatalf("schedule %s: %v", FormatSchedule(schedule), err)
		}
		cands, last := st.Choice()
		if cands == nil {
			out = sink.out.String()
			break
		}
		if len(cands) < 2 {
			t.Fatalf("schedule %s: a choice of %d threads", FormatSchedule(schedule), len(cands))
		}
		if last != nil && !slices.Contains(cands, last) {
			t.Fatalf("schedule %s: the thread that ran before, %d, is not among the choices", FormatSchedule(schedule), last.TID)
		}
		schedule = append(schedule, cands[len(cands)-1].TID)
	}
	if len(schedule) == 0 {
		t.Fatal("no choice was made")
	}
	if err := CheckSchedule(prog, nil, schedule); err != nil {
		t.Fatalf("schedule %s: %v", FormatSchedule(schedule), err)
	}
	sink := &outcomeSink{}
	s, err := interp.NewSession(prog, interp.Options{Sink: sink, Chooser: Replay(schedule)})
	if err != nil {
		t.Fatal(err)
	}
	s.M.Run()
	if got := sink.out.String(); got != out {
		t.Errorf("schedule %s replays to %q, the choices ran to %q", FormatSchedule(schedule), got, out)
	}
	// Too long a schedule does not fit.
	st := NewStepper(append(slices.Clone(schedule), 2))
	s, _ = interp.NewSession(prog, interp.Options{Sink: &outcomeSink{}, Chooser: st})
	s.M.Run()
	if st.Err() == nil {
		t.Errorf("a schedule one choice too long fits")
	}
}
