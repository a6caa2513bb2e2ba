package runtime

import "testing"

// A long ready queue whose head goes to its tail, as round robin does,
// keeps its order and, once grown, allocates nothing.
func TestReadyQueueKeepsItsArray(t *testing.T) {
	m := &Machine{}
	ths := make([]*Thread, 1000)
	for i := range ths {
		ths[i] = &Thread{TID: i}
		m.appendReady(ths[i])
	}
	turns := 0
	rotate := func() {
		for range 2500 {
			m.appendReady(m.take(0))
			turns++
		}
	}
	rotate()
	if n := testing.AllocsPerRun(10, rotate); n != 0 {
		t.Errorf("%v allocations a run of 2,500 turns", n)
	}
	if len(m.ready) != len(ths) {
		t.Fatalf("%d threads queued, want %d", len(m.ready), len(ths))
	}
	for i, x := range m.ready {
		if want := ths[(i+turns)%len(ths)]; x != want {
			t.Fatalf("after %d turns, place %d holds thread %d, want %d", turns, i, x.TID, want.TID)
		}
	}
	// Nothing stale is left behind the queue in its array.
	a := m.readyArr[:cap(m.readyArr)]
	live := 0
	for _, x := range a {
		if x != nil {
			live++
		}
	}
	if live != len(ths) {
		t.Errorf("%d pointers in the queue's array, want %d", live, len(ths))
	}
}

// Machine.Thread finds every thread by its tid, whether the tids run one
// after another or skip the numbers processes took, and nothing for a
// tid no thread has.
func TestThreadByTID(t *testing.T) {
	m := &Machine{}
	if m.Thread(1) != nil {
		t.Fatal("a machine with no threads has thread 1")
	}
	for _, tid := range []int{1, 2, 3, 5, 6, 9, 10, 11, 20} {
		m.threads = append(m.threads, &Thread{TID: tid})
	}
	for _, th := range m.threads {
		if got := m.Thread(th.TID); got != th {
			t.Errorf("Thread(%d) = %v", th.TID, got)
		}
	}
	for _, tid := range []int{-1, 0, 4, 7, 8, 12, 19, 21, 1 << 40} {
		if got := m.Thread(tid); got != nil {
			t.Errorf("Thread(%d) = thread %d, want none", tid, got.TID)
		}
	}
}
