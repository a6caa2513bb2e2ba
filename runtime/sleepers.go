package runtime

// sleepHeap holds the sleeping threads as a binary min-heap by wake-up
// tick, then by the order they went to sleep: the next wake-up is at the
// top, and waking one or taking one away (a killed sleeper) costs
// O(log n), so a thousand sleeping threads do not make every turn of the
// scheduler look at each of them.
type sleepHeap []*Thread

func (h sleepHeap) less(i, j int) bool {
	a, b := h[i], h[j]
	if a.wakeAt != b.wakeAt {
		return a.wakeAt < b.wakeAt
	}
	return a.sleepSeq < b.sleepSeq
}

func (h sleepHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].sleepIdx = i
	h[j].sleepIdx = j
}

func (h *sleepHeap) push(t *Thread) {
	t.sleepIdx = len(*h)
	*h = append(*h, t)
	h.up(t.sleepIdx)
}

// remove takes the thread at index i out of the heap.
func (h *sleepHeap) remove(i int) {
	n := len(*h) - 1
	if i != n {
		h.swap(i, n)
	}
	(*h)[n] = nil
	*h = (*h)[:n]
	if i < n {
		h.down(i)
		h.up(i)
	}
}

func (h sleepHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h sleepHeap) down(i int) {
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && h.less(r, l) {
			c = r
		}
		if !h.less(c, i) {
			return
		}
		h.swap(i, c)
		i = c
	}
}
