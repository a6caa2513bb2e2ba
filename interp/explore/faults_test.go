package explore

import (
	"context"
	"slices"
	"testing"

	"proc/interp"
)

// TestFaultsInOrder: two processes that fault are reported in the order
// they faulted, and both orders are outcomes: a step that faults commutes
// with no other, though it touches only its own process's memory.
func TestFaultsInOrder(t *testing.T) {
	t.Parallel()
	src := `func bad(p) {
    let x = p[0]
}
let a = [1, 2]
let c1 = spawn bad(a)
let c2 = spawn bad(a)
let r, w = pipe()
recv r
`
	prog, err := interp.Load("faults.proc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, stateless := range []bool{true, false} {
		res, err := Run(context.Background(), prog, Options{Preemptions: -1, Stateless: stateless})
		if err != nil {
			t.Fatal(err)
		}
		var orders []string
		for _, o := range res.Outcomes {
			if len(o.Faults) != 2 || !o.Deadlock {
				t.Errorf("stateless %v: faults %q, deadlock %v", stateless, o.Faults, o.Deadlock)
				continue
			}
			orders = append(orders, o.Faults[0][:3]+" "+o.Faults[1][:3])
		}
		slices.Sort(orders)
		if want := []string{"2/2 3/3", "3/3 2/2"}; !slices.Equal(orders, want) || !res.Complete {
			t.Errorf("stateless %v: fault orders %q, want %q (complete %v)", stateless, orders, want, res.Complete)
		}
	}
}
