package explore

import (
	"fmt"
	"slices"
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
// row and (S)*N for the schedule S N times over, as FormatSchedule writes
// them (either form reads the same as the choices written out). A
// schedule longer than MaxScheduleLen choices is refused: it could not
// come from a search, and would only cost memory.
func ParseSchedule(s string) ([]int, error) {
	if s == "-" || s == "" {
		return nil, nil
	}
	out, err := parseChoices(s, s, nil, 0)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// parseChoices appends the choices of s, a part of the schedule whole at
// nesting depth depth, to out.
func parseChoices(whole, s string, out []int, depth int) ([]int, error) {
	for s != "" {
		var part string
		if s[0] == '(' {
			// A group: up to its closing parenthesis, then *N.
			level, end := 0, -1
			for i := 0; i < len(s) && end < 0; i++ {
				switch s[i] {
				case '(':
					level++
				case ')':
					level--
					if level == 0 {
						end = i
					}
				}
			}
			if end < 0 || depth >= 4 {
				return nil, fmt.Errorf("schedule %q: %q is not a group (write (S)*N for the schedule S N times over, at most 4 deep)", whole, s)
			}
			inner := s[1:end]
			rest := s[end+1:]
			count, after, dot := strings.Cut(rest, ".")
			if dot && after == "" {
				return nil, fmt.Errorf("schedule %q ends with a dot", whole)
			}
			if !strings.HasPrefix(count, "*") {
				return nil, fmt.Errorf("schedule %q: the group (%s) is not followed by *N (write (S)*N for the schedule S N times over)", whole, inner)
			}
			k, err := strconv.Atoi(count[1:])
			if err != nil || k < 1 || strings.HasPrefix(count[1:], "+") {
				return nil, fmt.Errorf("schedule %q: in (%s)%s, %q is not a count ((S)*N is S N times over, N at least 1)", whole, inner, count, count[1:])
			}
			once, err := parseChoices(whole, inner, nil, depth+1)
			if err != nil {
				return nil, err
			}
			if len(once) == 0 || k > (MaxScheduleLen-len(out))/len(once) {
				if len(once) == 0 {
					return nil, fmt.Errorf("schedule %q: the group () is empty", whole)
				}
				return nil, fmt.Errorf("schedule %q: more than %d choices", whole, MaxScheduleLen)
			}
			for range k {
				out = append(out, once...)
			}
			s = after
			continue
		}
		var dot bool
		part, s, dot = strings.Cut(s, ".")
		if dot && s == "" {
			return nil, fmt.Errorf("schedule %q ends with a dot", whole)
		}
		id, count, run := strings.Cut(part, "*")
		n, err := strconv.Atoi(id)
		if err != nil || n < 1 || strings.HasPrefix(id, "+") {
			return nil, fmt.Errorf("schedule %q: %q is not a thread id (want tids separated by dots, as explore prints; TID*N is N choices of thread TID)", whole, part)
		}
		k := 1
		if run {
			k, err = strconv.Atoi(count)
			if err != nil || k < 1 || strings.HasPrefix(count, "+") {
				return nil, fmt.Errorf("schedule %q: in %q, %q is not a count (TID*N is N choices of thread TID, N at least 1)", whole, part, count)
			}
		}
		if k > MaxScheduleLen-len(out) {
			return nil, fmt.Errorf("schedule %q: more than %d choices", whole, MaxScheduleLen)
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
// thread written TID*N ("2*6.1.3*6" for 2.2.2.2.2.2.1.3.3.3.3.3.3), a
// pattern of two to four choices repeated three times or more written
// (S)*N ("1.(2.3)*4" for 1.2.3.2.3.2.3.2.3), "-" for the empty schedule.
// A student reads the runs, not the dots.
func FormatSchedule(schedule []int) string {
	if len(schedule) == 0 {
		return "-"
	}
	var b strings.Builder
	for i := 0; i < len(schedule); {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		tid := schedule[i]
		j := i + 1
		for j < len(schedule) && schedule[j] == tid {
			j++
		}
		if j-i >= 3 {
			b.WriteString(strconv.Itoa(tid))
			b.WriteByte('*')
			b.WriteString(strconv.Itoa(j - i))
			i = j
			continue
		}
		// The pattern of 2 to 4 choices that repeats over the most of
		// what follows, at least three times.
		bestP, bestR := 0, 0
		for p := 2; p <= 4 && i+3*p <= len(schedule); p++ {
			r := 1
			for i+(r+1)*p <= len(schedule) && slices.Equal(schedule[i+r*p:i+(r+1)*p], schedule[i:i+p]) {
				r++
			}
			if r >= 3 && p*r > bestP*bestR {
				bestP, bestR = p, r
			}
		}
		if bestP > 0 {
			b.WriteByte('(')
			for k, t := range schedule[i : i+bestP] {
				if k > 0 {
					b.WriteByte('.')
				}
				b.WriteString(strconv.Itoa(t))
			}
			b.WriteString(")*")
			b.WriteString(strconv.Itoa(bestR))
			i += bestP * bestR
			continue
		}
		b.WriteString(strconv.Itoa(tid))
		i++
	}
	return b.String()
}
