package runtime

import (
	"bufio"
	"io"
	"sort"
	"strconv"
	"strings"
)

// A Chrome trace is the run as a timeline that Perfetto (ui.perfetto.dev)
// and chrome://tracing open: a file in the Trace Event Format's "JSON
// Object Format", {"traceEvents": [...]}. One tick is one microsecond.
//
// The tracks:
//
//   - pid 0 "CPU", thread N "cpuN" for each CPU: what it did, slice after slice —
//     a slice per run of a thread, named after the thread ("worker [2/3]"),
//     a slice per context switch ("switch (process)" or "switch
//     (thread)", as long as its cost) and a slice per idle stretch.
//   - a process per simulated process (pid = its pid) with a thread per
//     simulated thread (tid = its tid): the same run slices, so each
//     thread's own line shows when it ran; instant events for everything
//     it did that the trace reports — system calls, IPC, sync, memory,
//     output, faults — with the trace line and the event's fields as
//     args. A send or recv that moved bytes is a slice instead, as long as
//     its copy through the kernel took. Calls and returns of functions are
//     left out.
//   - flow arrows from a send slice to the recv slice that got its bytes.
//     A message queue pairs each message with the recv that took it out.
//     A pipe or a socket is a byte stream: a send is paired with the recv
//     that read its last byte, so one recv may end several arrows.
//
// Every slice is a complete event ("ph":"X") with its duration, so none is
// ever left open, and every arrow has both ends: a send never received has
// none. An arrow's ends are at the starts of the send and recv slices,
// which is where every viewer looks for the slice to bind them to.
// Events are written in time order, each on a line of its own.

// ChromeCategories are the events a Chrome trace records: every category
// but insn (a line per instruction would drown the timeline) and call
// (calls are not drawn, so the interpreter need not build their events).
const ChromeCategories = CatAll &^ CatCall

// ChromeSink collects a run for a Chrome trace. Make one with
// Machine.RecordChrome before the run; write the file with WriteTrace
// after it.
type ChromeSink struct {
	m      *Machine
	events []chromeEvent // instants and slices, in the order they came
	flows  []chromeFlow
	seq    int

	// What has been sent but not yet received, per channel: a pipe, the
	// receiving end of a socket, or a queue.
	streams map[any]*chromeStream
	queues  map[*MQueue][]chromeMsg

	// bytes counts the JSON of the events kept; past max_trace the sink
	// keeps no more (cut), and neither does the file's list of runs.
	bytes int64
	cut   bool
}

// chromeEvent is one trace event, already rendered as JSON but for its
// place in the file.
type chromeEvent struct {
	ts   int64
	kind int   // order among events at one tick: runs, other slices, instants, flows
	dur  int64 // slices: longer first, so that they enclose shorter ones
	seq  int   // order of arrival, for a stable sort
	json []byte
}

// Orders of events at one tick.
const (
	kindRun = iota // a run encloses the send or recv slices in it
	kindSlice
	kindInstant
	kindFlow
)

// chromeEnd is one end of a flow arrow: where and when.
type chromeEnd struct {
	pid, tid int
	t        int64
}

// chromeFlow is a message from a send to the recv that got it.
type chromeFlow struct {
	name     string
	from, to chromeEnd
}

// chromeStream is a pipe or a socket direction: bytes are numbered in the
// order they were sent, and a send is done when a recv reads its last one.
type chromeStream struct {
	name    string
	written int64
	read    int64
	pending []chromeSend
}

// chromeSend is a send waiting for its last byte to be read.
type chromeSend struct {
	end  int64 // the number of bytes written when it was done
	from chromeEnd
}

// chromeMsg is a message in a queue, known by its sequence number there.
type chromeMsg struct {
	seq  int64
	from chromeEnd
}

// RecordChrome makes a Chrome trace sink that gets every event of m's run
// (ChromeCategories) whatever the trace shows.
func (m *Machine) RecordChrome() *ChromeSink {
	c := &ChromeSink{m: m, streams: map[any]*chromeStream{}, queues: map[*MQueue][]chromeMsg{}}
	m.trace.Tee(ChromeCategories, c)
	return c
}

// Flush does nothing: the file is written at the end, by WriteTrace.
func (c *ChromeSink) Flush() error { return nil }

// Emit records one event.
func (c *ChromeSink) Emit(e *Event) {
	if c.cut {
		return // the trace is as long as it may be
	}
	switch e.Ev {
	case "call", "return", "insn":
		return // not drawn (and not asked for: ChromeCategories)
	case "switch":
		kind := "thread"
		for _, f := range e.Fields {
			if f.Key == "kind" {
				kind, _ = f.Val.(string)
			}
		}
		c.cpuSlice("switch ("+kind+")", "sched", e.T, e.Cost, e.Fields, max(e.CPU-1, 0))
		return
	case "idle":
		for _, f := range e.Fields {
			if until, ok := f.Val.(int64); ok && f.Key == "until" && until > e.T {
				c.cpuSlice("idle", "sched", e.T, until-e.T, nil, max(e.CPU-1, 0))
			}
		}
		return
	case "show":
		if e.PID == 0 {
			return // the timeline and statistics printed after the run
		}
	case "send", "recv":
		if c.pair(e) {
			c.syscallSlice(e)
			return
		}
	}
	c.instant(e)
}

// cpuSlice records a slice of the track of a CPU.
func (c *ChromeSink) cpuSlice(name, cat string, t, dur int64, fields []Field, cpu int) {
	b := chromeHead(nil, name, cat, "X", t, 0, cpu)
	b = append(b, `,"dur":`...)
	b = strconv.AppendInt(b, dur, 10)
	if len(fields) > 0 {
		b = append(b, `,"args":{`...)
		b = appendFields(b, fields, false)
		b = append(b, '}')
	}
	c.add(t, kindSlice, dur, append(b, '}'))
}

// instant records an instant event on its thread's track; the kernel's
// own events (a deadlock, a stop) go on the CPU track, drawn across every
// track.
func (c *ChromeSink) instant(e *Event) {
	name := e.Ev
	if e.Ev == "fault" {
		for _, f := range e.Fields {
			if s, ok := f.Val.(string); ok && f.Key == "kind" {
				name = "fault: " + s
			}
		}
	}
	b := chromeHead(nil, name, categoryNames(e.Cat), "i", e.T, e.PID, e.TID)
	if e.PID == 0 {
		b = append(b, `,"s":"g"`...)
	} else {
		b = append(b, `,"s":"t"`...)
	}
	b = appendArgs(b, e)
	c.add(e.T, kindInstant, 0, append(b, '}'))
}

// syscallSlice records a send or recv that moved bytes as a slice on its
// thread's track: the copy's cost was paid just before the event, so the
// slice ends at the event's tick.
func (c *ChromeSink) syscallSlice(e *Event) {
	b := chromeHead(nil, e.Ev, categoryNames(e.Cat), "X", e.T-e.Cost, e.PID, e.TID)
	b = append(b, `,"dur":`...)
	b = strconv.AppendInt(b, e.Cost, 10)
	b = appendArgs(b, e)
	c.add(e.T-e.Cost, kindSlice, e.Cost, append(b, '}'))
}

// appendArgs appends an event's "args": the trace line, the event's
// fields, its cost and the lines of a report.
func appendArgs(b []byte, e *Event) []byte {
	b = append(b, `,"args":{"text":`...)
	b = AppendJSONString(b, e.Text)
	b = appendFields(b, e.Fields, true)
	if e.Cost != 0 {
		b = append(b, `,"cost":`...)
		b = strconv.AppendInt(b, e.Cost, 10)
	}
	if len(e.More) > 0 {
		b = append(b, `,"more":`...)
		b = appendJSONValue(b, e.More)
	}
	return append(b, '}')
}

func (c *ChromeSink) add(ts int64, kind int, dur int64, json []byte) {
	if c.bytes += int64(len(json)) + 2; c.bytes > c.m.cfg.MaxTrace {
		c.cut = true
		return
	}
	c.seq++
	c.events = append(c.events, chromeEvent{ts: ts, kind: kind, dur: dur, seq: c.seq, json: json})
}

// pair follows the messages: a completed send (one with its byte count) is
// queued on its channel; a completed recv takes what it got off it. It
// reports whether e moved bytes on a channel it knows.
func (c *ChromeSink) pair(e *Event) bool {
	var fd int64
	var bytes int64 = -1
	qname := ""
	for _, f := range e.Fields {
		switch f.Key {
		case "fd":
			fd, _ = asInt(f.Val)
		case "bytes":
			bytes, _ = asInt(f.Val)
		case "mqueue":
			qname, _ = f.Val.(string)
		}
	}
	if bytes < 0 {
		return false // a call that blocked or failed: nothing moved yet
	}
	p := c.m.Proc(e.PID)
	if p == nil {
		return false
	}
	// An arrow starts and ends where the slice of the send or recv starts.
	here := chromeEnd{e.PID, e.TID, e.T - e.Cost}
	if qname != "" {
		q := c.m.host(p.Host).MQueues[qname]
		if q == nil {
			return false
		}
		if e.Ev == "send" {
			// The message just sent is the newest in the queue.
			c.queues[q] = append(c.queues[q], chromeMsg{seq: q.seq, from: here})
			return true
		}
		// The message received is the one no longer in the queue.
		pend := c.queues[q]
		for i, msg := range pend {
			if !queueHolds(q, msg.seq) {
				c.flows = append(c.flows, chromeFlow{name: "mqueue /" + q.Name, from: msg.from, to: here})
				c.queues[q] = append(pend[:i:i], pend[i+1:]...)
				break
			}
		}
		return true
	}
	f, ok := p.FD(fd)
	if !ok {
		return false
	}
	var key any
	var name string
	switch {
	case f.Kind == FDPipeWrite || f.Kind == FDPipeRead:
		key, name = f.Pipe, "pipe "+strconv.Itoa(f.Pipe.ID)
	case f.Kind == FDSocket && e.Ev == "send" && f.Sock.peer != nil:
		// Bytes sent on one end are read at the other.
		key, name = f.Sock.peer, "socket "+strconv.Itoa(f.Sock.ID)
	case f.Kind == FDSocket && e.Ev == "recv":
		key = f.Sock
		if f.Sock.peer != nil {
			name = "socket " + strconv.Itoa(f.Sock.peer.ID)
		}
	default:
		return false
	}
	s := c.streams[key]
	if s == nil {
		s = &chromeStream{name: name}
		c.streams[key] = s
	}
	if e.Ev == "send" {
		s.written += bytes
		s.pending = append(s.pending, chromeSend{end: s.written, from: here})
		return true
	}
	s.read += bytes
	n := 0
	for n < len(s.pending) && s.pending[n].end <= s.read {
		c.flows = append(c.flows, chromeFlow{name: s.name, from: s.pending[n].from, to: here})
		n++
	}
	s.pending = s.pending[n:]
	return true
}

// queueHolds reports whether the message with sequence number seq is still
// in q.
func queueHolds(q *MQueue, seq int64) bool {
	for _, msg := range q.msgs {
		if msg.seq == seq {
			return true
		}
	}
	return false
}

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	}
	return 0, false
}

// WriteTrace writes the Chrome trace of the run: the metadata naming the
// tracks, then every slice, instant and flow in time order.
func (c *ChromeSink) WriteTrace(w io.Writer) error {
	m := c.m
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("{\"traceEvents\":[\n")
	first := true
	line := func(b []byte) {
		if !first {
			bw.WriteString(",\n")
		}
		first = false
		bw.Write(b)
	}

	// Names of the tracks, and the CPU first.
	line(chromeMeta(nil, "process_name", 0, 0, "name", "CPU"))
	line(chromeMeta(nil, "process_sort_index", 0, 0, "sort_index", -1))
	for _, cpu := range m.cpus {
		line(chromeMeta(nil, "thread_name", 0, cpu.ID, "name", "cpu"+strconv.Itoa(cpu.ID)))
	}
	for _, p := range m.procs {
		name := p.Name
		if p.Host != "" && p.Host != "local" {
			name += " (host " + p.Host + ")"
		}
		line(chromeMeta(nil, "process_name", p.PID, 0, "name", name))
		line(chromeMeta(nil, "process_sort_index", p.PID, 0, "sort_index", p.PID))
		for _, t := range p.Threads {
			line(chromeMeta(nil, "thread_name", p.PID, t.TID, "name", t.Name))
			line(chromeMeta(nil, "thread_sort_index", p.PID, t.TID, "sort_index", t.TID))
		}
	}

	events := c.events
	// Each run of a thread, on the CPU track and on the thread's own, as
	// many as max_trace has room for.
	var runBytes int64
	for _, s := range m.slices {
		if runBytes > m.cfg.MaxTrace {
			c.cut = true
			break
		}
		name := c.threadLabel(s.PID, s.TID)
		dur := s.End - s.Start
		b := chromeHead(nil, name, "run", "X", s.Start, 0, s.CPU)
		b = append(b, `,"dur":`...)
		b = strconv.AppendInt(b, dur, 10)
		b = append(b, `,"args":{"pid":`...)
		b = strconv.AppendInt(b, int64(s.PID), 10)
		b = append(b, `,"tid":`...)
		b = strconv.AppendInt(b, int64(s.TID), 10)
		b = append(b, "}}"...)
		c.seq++
		events = append(events, chromeEvent{ts: s.Start, kind: kindRun, dur: dur, seq: c.seq, json: b})
		b = chromeHead(nil, name, "run", "X", s.Start, s.PID, s.TID)
		b = append(b, `,"dur":`...)
		b = strconv.AppendInt(b, dur, 10)
		b = append(b, '}')
		c.seq++
		events = append(events, chromeEvent{ts: s.Start, kind: kindRun, dur: dur, seq: c.seq, json: b})
		runBytes += int64(len(b) + len(events[len(events)-2].json))
	}

	// Arrows, each bound to the send and recv slices starting at its ends
	// ("bp":"e": the finish binds to the slice around it, not the next).
	for i, f := range c.flows {
		b := chromeHead(nil, f.name, "ipc", "s", f.from.t, f.from.pid, f.from.tid)
		b = append(b, `,"id":`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		c.seq++
		events = append(events, chromeEvent{ts: f.from.t, kind: kindFlow, seq: c.seq, json: append(b, '}')})
		b = chromeHead(nil, f.name, "ipc", "f", f.to.t, f.to.pid, f.to.tid)
		b = append(b, `,"bp":"e","id":`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		c.seq++
		events = append(events, chromeEvent{ts: f.to.t, kind: kindFlow, seq: c.seq, json: append(b, '}')})
	}

	sort.SliceStable(events, func(i, j int) bool {
		a, b := &events[i], &events[j]
		if a.ts != b.ts {
			return a.ts < b.ts
		}
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		if a.dur != b.dur {
			return a.dur > b.dur
		}
		return a.seq < b.seq
	})
	for i := range events {
		line(events[i].json)
	}
	bw.WriteString("\n],\n\"otherData\":{\"generator\":\"proc\",\"time unit\":\"1 tick = 1 us\",\"ticks\":")
	bw.WriteString(strconv.FormatInt(m.clock, 10))
	if c.cut || m.slicesCut {
		// The run was longer than the trace may be: what it holds is the
		// beginning of it.
		bw.WriteString(",\"cut\":\"max_trace: the trace holds the beginning of the run\"")
	}
	bw.WriteString("}}\n")
	return bw.Flush()
}

// threadLabel names a run slice: the thread's name and [pid/tid], as the
// text trace writes them.
func (c *ChromeSink) threadLabel(pid, tid int) string {
	name := "?"
	if t := c.m.Thread(tid); t != nil {
		name = t.Name
	}
	return name + " [" + strconv.Itoa(pid) + "/" + strconv.Itoa(tid) + "]"
}

// chromeHead starts an event object: name, category, phase, time and
// track; the caller adds the rest and the closing brace.
func chromeHead(b []byte, name, cat, ph string, ts int64, pid, tid int) []byte {
	b = append(b, `{"name":`...)
	b = AppendJSONString(b, name)
	b = append(b, `,"cat":`...)
	b = AppendJSONString(b, cat)
	b = append(b, `,"ph":"`...)
	b = append(b, ph...)
	b = append(b, `","ts":`...)
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, `,"pid":`...)
	b = strconv.AppendInt(b, int64(pid), 10)
	b = append(b, `,"tid":`...)
	b = strconv.AppendInt(b, int64(tid), 10)
	return b
}

// chromeMeta renders a metadata event ("ph":"M") with one argument.
func chromeMeta(b []byte, name string, pid, tid int, key string, val any) []byte {
	b = append(b, `{"name":`...)
	b = AppendJSONString(b, name)
	b = append(b, `,"ph":"M","pid":`...)
	b = strconv.AppendInt(b, int64(pid), 10)
	b = append(b, `,"tid":`...)
	b = strconv.AppendInt(b, int64(tid), 10)
	b = append(b, `,"args":{`...)
	b = AppendJSONString(b, key)
	b = append(b, ':')
	b = appendJSONValue(b, val)
	return append(b, "}}"...)
}

// appendFields appends an event's fields as JSON members, each after a
// comma when comma is set (and between them in any case). Keys the args
// use themselves are left out, so that no key appears twice.
func appendFields(b []byte, fields []Field, comma bool) []byte {
	for _, f := range fields {
		switch f.Key {
		case "text", "cost", "more":
			continue
		}
		if comma {
			b = append(b, ',')
		}
		comma = true
		b = AppendJSONString(b, f.Key)
		b = append(b, ':')
		b = appendJSONValue(b, f.Val)
	}
	return b
}

// categoryNames names the categories of c, comma-separated as the Trace
// Event Format's "cat" is.
func categoryNames(c Category) string {
	if c&CatOutput != 0 {
		return "output"
	}
	var names []string
	for _, n := range catNames {
		if c&n.cat != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, ",")
}
