package runtime_test

import (
	"io"
	"strconv"
	"testing"

	"proc/runtime"
	"proc/runtime/mem"
)

// stepper is a Lang whose threads each run work instructions of one tick,
// and which stops at the machine's step bound as the interpreter does.
type stepper struct {
	// ViewLang is left nil: the tests show no views.
	runtime.ViewLang
	m    *runtime.Machine
	work int64
}

func (x *stepper) Run(t *runtime.Thread, budget int64) runtime.Stop {
	left, ok := t.Ctx.(*int64)
	if !ok {
		left = new(int64)
		*left = x.work
		t.Ctx = left
	}
	for n := int64(0); n < budget; n++ {
		if x.m.Steps() >= x.m.StepBound() {
			return runtime.StopLimit
		}
		x.m.AdvanceTo(x.m.Now() + 1)
		x.m.CountSteps(1)
		if *left--; *left == 0 {
			x.m.EndThread(t, mem.Value{}, 0)
			return runtime.StopDead
		}
	}
	return runtime.StopPreempt
}

func (x *stepper) Where(t *runtime.Thread) string { return "" }
func (x *stepper) ProcessExit(p *runtime.Process) {}
func (x *stepper) Format(v mem.Value) string      { return strconv.FormatInt(v.N, 10) }
func (x *stepper) Quote(v mem.Value) string       { return x.Format(v) }

// TestPauseLeavesConfig checks that pausing the machine is its own
// operation: a paused leg leaves max_steps and the halt as they were, and
// a leg's limit halts the machine as max_steps would.
func TestPauseLeavesConfig(t *testing.T) {
	cfg := runtime.DefaultConfig()
	x := &stepper{work: 1000}
	m := runtime.NewMachine(cfg, runtime.NewTracer(0, runtime.NewTextSink(io.Discard, io.Discard, true)), x)
	x.m = m
	p := m.Start(runtime.Spawn{Image: &runtime.Image{TextSize: 64}, Name: "worker"}, nil).Thread.Proc

	if end := m.RunUntil(runtime.Leg{Pause: 10}); end != runtime.LegPaused {
		t.Fatalf("leg ended %v, want paused", end)
	}
	if m.Steps() != 10 || m.Config().MaxSteps != cfg.MaxSteps || m.StepBound() != cfg.MaxSteps {
		t.Errorf("after a pause: steps %d, max_steps %d, bound %d", m.Steps(), m.Config().MaxSteps, m.StepBound())
	}
	if h, why := m.Halted(); h != runtime.NotHalted {
		t.Errorf("a pause halted the machine: %v %q", h, why)
	}

	if end := m.RunUntil(runtime.Leg{Limit: 5}); end != runtime.LegStopped {
		t.Fatalf("leg ended %v, want stopped", end)
	}
	h, why := m.Halted()
	if h != runtime.HaltSteps || why != "step limit reached (max_steps=5) while 1/1 was running" || m.Steps() != 15 {
		t.Errorf("after a limit: %v %q at %d steps", h, why, m.Steps())
	}
	m.ClearHalt()
	if end := m.RunUntil(runtime.Leg{}); end != runtime.LegStuck || p.State == runtime.ProcRunning {
		t.Errorf("the rest of the run ended %v with process %v", end, p.State)
	}
	if m.Steps() != 1000 {
		t.Errorf("the run took %d steps, want 1000", m.Steps())
	}
}
