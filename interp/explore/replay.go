package explore

import (
	"fmt"
	"strconv"
	"strings"

	"proc/interp"
	"proc/runtime"
)

// replayer is the Chooser of `proc run --schedule`: it follows a schedule
// printed by explore, then goes on without preemption.
type replayer struct {
	choices []int
	at      int
	err     string
}

// ParseSchedule reads a schedule string: tids separated by dots ("-" for
// the empty schedule), where TID*N stands for N choices of one thread in a
// row (FormatSchedule writes a run of three or more that way, and either
// form reads the same). A schedule longer than MaxScheduleLen choices is
// refused: it could not come from a search, and would only cost memory.
func ParseSchedule(s string) ([]int, error) {
	if s == "-" || s == "" {
		return nil, nil
	}
	var out []int
	for _, part := range strings.Split(s, ".") {
		id, count, run := strings.Cut(part, "*")
		n, err := strconv.Atoi(id)
		if err != nil || n < 1 || strings.HasPrefix(id, "+") {
			return nil, fmt.Errorf("schedule %q: %q is not a thread id (want tids separated by dots, as explore prints; TID*N is N choices of thread TID)", s, part)
		}
		k := 1
		if run {
			k, err = strconv.Atoi(count)
			if err != nil || k < 1 || strings.HasPrefix(count, "+") {
				return nil, fmt.Errorf("schedule %q: in %q, %q is not a count (TID*N is N choices of thread TID, N at least 1)", s, part, count)
			}
		}
		if k > MaxScheduleLen-len(out) {
			return nil, fmt.Errorf("schedule %q: more than %d choices", s, MaxScheduleLen)
		}
		for range k {
			out = append(out, n)
		}
	}
	return out, nil
}

// MaxScheduleLen bounds the choices of a schedule ParseSchedule reads.
const MaxScheduleLen = 1 << 20

// Replay returns the chooser that replays a schedule read by
// ParseSchedule (interp.Options.Chooser): at each scheduling point with
// more than one thread to choose from it runs the next thread of the
// schedule, and past its end keeps the running thread, as a search does
// past its depth bound. A run that cannot follow the schedule stops
// there; CheckSchedule says why.
func Replay(schedule []int) runtime.Chooser { return &replayer{choices: schedule} }

// Choose implements runtime.Chooser.
func (r *replayer) Choose(enabled []*runtime.Thread, last *runtime.Thread, yielded bool) int {
	cands := candidates(enabled, last, yielded)
	index := func(t *runtime.Thread) int {
		for i, x := range enabled {
			if x == t {
				return i
			}
		}
		return -1
	}
	if len(cands) == 1 {
		return index(cands[0])
	}
	if r.at < len(r.choices) {
		want := r.choices[r.at]
		r.at++
		for _, t := range cands {
			if t.TID == want {
				return index(t)
			}
		}
		var ids []string
		for _, t := range cands {
			ids = append(ids, strconv.Itoa(t.TID))
		}
		r.err = fmt.Sprintf("the schedule does not fit the script: choice %d wants thread %d, but the runnable threads are %s", r.at, want, strings.Join(ids, ", "))
		return -1
	}
	// Past the end of the schedule: keep the running thread, as explore
	// does past its depth bound.
	return index(keepRunning(cands, last))
}

// CheckSchedule replays a schedule without output and reports whether it
// fits the program.
func CheckSchedule(prog *interp.Program, sets []string, schedule []int) error {
	r := &replayer{choices: schedule}
	s, err := interp.NewSession(prog, interp.Options{Trace: 0, Sets: sets, Sink: &outcomeSink{}, Chooser: r})
	if err != nil {
		return err
	}
	s.M.Run()
	return r.fit()
}

// fit says why the schedule did not fit the run that replayed it, nil
// when it did: a choice it could not make, or choices left over.
func (r *replayer) fit() error {
	if r.err != "" {
		return fmt.Errorf("%s", r.err)
	}
	if r.at < len(r.choices) {
		return fmt.Errorf("the schedule does not fit the script: it has %d choices, the run made only %d", len(r.choices), r.at)
	}
	return nil
}

// Stepper is the chooser of a schedule made by hand, one choice at a
// time: it replays a schedule as Replay does and then, instead of going
// on, stops the run at the first scheduling point where more than one
// thread could run. Adding the thread picked there to the schedule and
// running again moves on to the next such point; the schedule so made
// replays with Replay (proc run --schedule) to the same run.
type Stepper struct {
	r replayer
	// cands are the threads that could run where the run stopped, and
	// last the one that ran before when it could go on.
	cands []*runtime.Thread
	last  *runtime.Thread
}

// NewStepper returns the chooser that replays schedule (ParseSchedule)
// and stops at the next choice after it.
func NewStepper(schedule []int) *Stepper { return &Stepper{r: replayer{choices: schedule}} }

// Choose implements runtime.Chooser.
func (s *Stepper) Choose(enabled []*runtime.Thread, last *runtime.Thread, yielded bool) int {
	cands := candidates(enabled, last, yielded)
	if len(cands) > 1 && s.r.at >= len(s.r.choices) && s.r.err == "" {
		s.cands = append([]*runtime.Thread(nil), cands...)
		if k := keepRunning(cands, last); k == last {
			s.last = k
		}
		return -1
	}
	return s.r.Choose(enabled, last, yielded)
}

// Choice returns the threads, by tid, that could run at the point where
// the run stopped, and the one of them that ran before it (nil when it
// was not among them): none when the run ended without another choice.
func (s *Stepper) Choice() (cands []*runtime.Thread, last *runtime.Thread) { return s.cands, s.last }

// Err says why the schedule does not fit the program, nil when it does.
// A run that ended before the schedule's last choice does not fit either.
func (s *Stepper) Err() error { return s.r.fit() }

// FormatSchedule writes a schedule as ParseSchedule reads it and explore
// prints it: tids separated by dots, a run of three or more choices of one
// thread written TID*N ("2*6.1.3*6" for 2.2.2.2.2.2.1.3.3.3.3.3.3), "-" for
// the empty schedule. A student reads the runs, not the dots.
func FormatSchedule(schedule []int) string {
	if len(schedule) == 0 {
		return "-"
	}
	var b strings.Builder
	for i := 0; i < len(schedule); {
		tid := schedule[i]
		j := i + 1
		for j < len(schedule) && schedule[j] == tid {
			j++
		}
		for k := i; k < j; k++ {
			if k > 0 {
				b.WriteByte('.')
			}
			b.WriteString(strconv.Itoa(tid))
			if j-i >= 3 {
				b.WriteByte('*')
				b.WriteString(strconv.Itoa(j - i))
				break
			}
		}
		i = j
	}
	return b.String()
}
