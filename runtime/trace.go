package runtime

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Category is a set of trace categories (--trace).
type Category uint16

// The trace categories. Output and faults are always shown.
const (
	CatSched Category = 1 << iota
	CatProc
	CatThread
	CatCall
	CatMem
	CatIPC
	CatSync
	CatFault
	CatInsn
	// CatTLB and CatCache are the misses of the memory hardware (hw.go);
	// like insn they are not part of all.
	CatTLB
	CatCache
	// CatOutput marks program output and the reports that are always shown
	// (faults, leaks, deadlock, stops); it cannot be turned off.
	CatOutput
)

var catNames = []struct {
	name string
	cat  Category
}{
	{"sched", CatSched}, {"proc", CatProc}, {"thread", CatThread}, {"call", CatCall},
	{"mem", CatMem}, {"ipc", CatIPC}, {"sync", CatSync}, {"fault", CatFault}, {"insn", CatInsn},
	{"tlb", CatTLB}, {"cache", CatCache},
}

// CatAll is what --trace=all shows: every category but insn, tlb and cache.
const CatAll = CatSched | CatProc | CatThread | CatCall | CatMem | CatIPC | CatSync | CatFault

// ParseCategories parses the value of --trace: "all", "none", or a comma
// list of category names.
func ParseCategories(s string) (Category, error) {
	switch s {
	case "all", "":
		return CatAll, nil
	case "none":
		return 0, nil
	}
	var c Category
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		found := false
		for _, n := range catNames {
			if n.name == part {
				c |= n.cat
				found = true
			}
		}
		if part == "all" {
			c |= CatAll
			found = true
		}
		if !found {
			names := make([]string, 0, len(catNames))
			for _, n := range catNames {
				names = append(names, n.name)
			}
			return 0, fmt.Errorf("unknown trace category %q (want all, none, or a comma list of %s)", part, strings.Join(names, ","))
		}
	}
	return c, nil
}

// FormatCategories is ParseCategories' inverse: the --trace text that
// shows the categories of c, "all", "none", or their names in their fixed
// order.
func FormatCategories(c Category) string {
	switch c {
	case CatAll:
		return "all"
	case 0:
		return "none"
	}
	var names []string
	for _, n := range catNames {
		if c&n.cat != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, ",")
}

// CategoryNames lists the category names in their fixed order.
func CategoryNames() []string {
	names := make([]string, 0, len(catNames))
	for _, n := range catNames {
		names = append(names, n.name)
	}
	return names
}

// Field is one named value of an event, for JSON output.
type Field struct {
	Key string
	Val any // int, int64, uint64 (printed as a hex address string), string, bool, []string, Raw
}

// Raw is a JSON fragment written as it is.
type Raw string

// Addr is an address field: in JSON a "0x..." string, as in text.
type Addr uint64

// Event is one line (or block of lines) of the trace.
type Event struct {
	T    int64
	PID  int // 0 for kernel events (switches, idle)
	TID  int
	Cat  Category
	Ev   string // the event name in JSON ("call", "print", "fault", ...)
	Text string // the text rendering, after the tick and actor
	// More holds further lines of a multi-line report (a fault, a leak
	// summary, a view), printed indented under Text.
	More []string
	Cost int64 // ticks paid for this event; shown as "+N ticks"
	// Fields are the event's JSON fields, after t, ev, pid and tid.
	Fields []Field
	// CPU is 1 + the number of the CPU it happened on, on a machine of
	// several; 0 otherwise.
	CPU int
}

// Sink receives trace events.
type Sink interface {
	Emit(e *Event)
	Flush() error
}

// Tracer filters events by category and hands them to a sink. Program
// output is always passed on. Extra sinks added with Tee get the events of
// their own categories, whatever the main sink shows.
type Tracer struct {
	mask Category
	sink Sink
	tees []tee
	any  Category // mask and every tee's mask: what some sink wants
	// cpu is 1 + the CPU that runs now on a machine of several, which
	// each event is stamped with; 0 with one.
	cpu int

	// The trace budget (max_trace): the bytes of trace, besides the
	// program's own output, that the main sink may write in a stretch of
	// the run. Past it the tracer is full: it passes nothing on, and the
	// machine stops the run.
	counter ByteCounter // the main sink, when it counts its bytes
	budget  int64
	base    int64 // what counter had written when the stretch began
	full    bool
	shown   Category // the categories asked for, kept while full
	alarm   *bool    // set when full, for the machine
}

// ByteCounter is a sink that counts the bytes of trace it wrote: every
// byte but those of the program's own output.
type ByteCounter interface {
	TraceBytes() int64
}

// tee is an extra sink with its own categories: a Chrome trace records
// every event while --trace shows only a few.
type tee struct {
	mask Category
	sink Sink
}

// NewTracer returns a tracer that passes the categories in mask (output is
// always passed) to sink.
func NewTracer(mask Category, sink Sink) *Tracer {
	t := &Tracer{sink: sink, budget: -1}
	t.counter, _ = sink.(ByteCounter)
	t.SetMask(mask)
	return t
}

// ResetBudget starts a stretch of the run with a trace budget of n bytes
// (a negative n: no budget).
func (t *Tracer) ResetBudget(n int64) {
	t.budget = n
	if t.counter != nil {
		t.base = t.counter.TraceBytes()
	}
	if t.full {
		t.full = false
		t.SetMask(t.shown)
	}
}

// Full reports whether the trace budget is spent.
func (t *Tracer) Full() bool { return t.full }

// spent checks the budget after the main sink wrote an event.
func (t *Tracer) spent() {
	if t.counter == nil || t.budget < 0 || t.counter.TraceBytes()-t.base <= t.budget {
		return
	}
	t.fill()
}

// fill marks the trace full: nothing more is passed on.
func (t *Tracer) fill() {
	t.full = true
	if t.alarm != nil {
		*t.alarm = true
	}
	shown := t.mask &^ CatOutput
	t.mask, t.any = 0, 0
	t.shown = shown
}

// room reports whether e can be written within the budget, by an upper
// bound of its size in text or JSON (escapes aside).
func (t *Tracer) room(e *Event) bool {
	left := t.base + t.budget - t.counter.TraceBytes()
	var n int64
	if e.Ev == "print" {
		// The text is the program's (max_output); each of its lines
		// takes a tick, an actor and a bar.
		n = 32 * int64(1+strings.Count(e.Text, "\n"))
	} else {
		n = int64(len(e.Text)) + 128
	}
	if n > left {
		return false
	}
	for _, m := range e.More {
		n += int64(len(m)) + 16
		if n > left {
			return false
		}
	}
	return true
}

// EmitFinal writes a closing report of the run (the line that says why it
// stopped, the timeline, the statistics) whether or not the budget is
// spent: it is what tells the reader what happened.
func (t *Tracer) EmitFinal(e *Event) {
	t.sink.Emit(e)
	for _, x := range t.tees {
		if x.mask&e.Cat != 0 {
			x.sink.Emit(e)
		}
	}
}

// Tee adds a sink that gets the events of the categories in mask (output
// is always passed), independently of the main sink's categories.
func (t *Tracer) Tee(mask Category, s Sink) {
	t.tees = append(t.tees, tee{mask | CatOutput, s})
	t.any |= mask | CatOutput
}

// Fields reports whether some sink reads the events' Fields (JSON, and
// the Chrome trace): the text sink needs only Text, so hot events skip
// building them (TextOnlySink).
func (t *Tracer) Fields() bool {
	if len(t.tees) > 0 {
		return true
	}
	switch t.sink.(type) {
	case *TextSink, TextOnlySink:
		return false
	}
	return true
}

// TextOnlySink is a sink that reads the events' text (Text, More, Cost)
// and never their Fields, as the text sink does: the hot events then skip
// building them.
type TextOnlySink interface {
	Sink
	TextOnly()
}

// On reports whether events of category c would be printed by some sink.
// Callers test it before building an event, so a filtered-out event costs
// nothing.
func (t *Tracer) On(c Category) bool { return t.any&c != 0 }

// Mask returns the categories shown by the main sink.
func (t *Tracer) Mask() Category {
	if t.full {
		return t.shown | CatOutput
	}
	return t.mask
}

// SetMask changes the categories shown by the main sink (the REPL's
// :trace).
func (t *Tracer) SetMask(c Category) {
	if t.full {
		t.shown = c
		return
	}
	t.mask = c | CatOutput
	t.any = t.mask
	for _, x := range t.tees {
		t.any |= x.mask
	}
}

// Emit passes e on to each sink that shows its category.
func (t *Tracer) Emit(e *Event) {
	if t.cpu != 0 && e.CPU == 0 {
		e.CPU = t.cpu
	}
	if t.mask&e.Cat != 0 {
		if t.counter != nil && t.budget >= 0 && !t.room(e) {
			// One event larger than what is left (a long report, a
			// view): nothing of it is written, and the trace is full.
			t.fill()
			return
		}
		t.sink.Emit(e)
		if t.counter != nil {
			t.spent()
		}
	}
	for _, x := range t.tees {
		if x.mask&e.Cat != 0 {
			x.sink.Emit(e)
		}
	}
}

// Flush flushes every sink and returns the first error.
func (t *Tracer) Flush() error {
	err := t.sink.Flush()
	for _, x := range t.tees {
		if e := x.sink.Flush(); err == nil {
			err = e
		}
	}
	return err
}

// costColumn is where "+N ticks" starts on a text line.
const costColumn = 60

// TextSink writes the human-readable trace. With quiet set (--trace=none),
// program output goes to out bare, as a real program's would, and the
// reports that are always shown go to errw.
type TextSink struct {
	out   *bufio.Writer
	errw  *bufio.Writer
	quiet bool
	buf   []byte
	trace int64 // bytes written besides the program's output
}

// TraceBytes returns the bytes written besides the program's own output
// (ByteCounter).
func (s *TextSink) TraceBytes() int64 { return s.trace }

// NewTextSink returns a text sink writing to out, and with quiet, reports
// to errw.
func NewTextSink(out, errw io.Writer, quiet bool) *TextSink {
	return &TextSink{out: bufio.NewWriterSize(out, 64<<10), errw: bufio.NewWriter(errw), quiet: quiet}
}

// Emit writes one event.
func (s *TextSink) Emit(e *Event) {
	if s.quiet {
		switch e.Ev {
		case "print":
			s.out.WriteString(e.Text)
			s.out.WriteByte('\n')
			return
		case "show":
			// A view the user asked for (show, --stats) is output too.
			for _, m := range e.More {
				s.buf = appendLine(s.buf[:0], m)
				s.buf = append(s.buf, '\n')
				s.out.Write(s.buf)
				s.trace += int64(len(s.buf))
			}
			return
		}
		// A report that is always shown: keep stdout the program's own.
		s.out.Flush()
		s.buf = FormatEvent(s.buf[:0], e)
		s.errw.Write(s.buf)
		s.errw.Flush()
		s.trace += int64(len(s.buf))
		return
	}
	s.buf = FormatEvent(s.buf[:0], e)
	s.out.Write(s.buf)
	n := int64(len(s.buf))
	if e.Ev == "print" {
		// The tick, the actor and the bar are trace; the text is the
		// program's, counted by max_output.
		n -= int64(len(e.Text))
	}
	s.trace += n
}

// Flush flushes buffered output.
func (s *TextSink) Flush() error {
	if err := s.out.Flush(); err != nil {
		return err
	}
	return s.errw.Flush()
}

// FormatEvent appends the text rendering of e to b: the tick right-aligned
// in six columns, the actor as [pid/tid] (or ----- for the kernel), the
// event, and its cost in a column of its own.
//
// Strings of the script reach the trace (program output, names, assert
// messages), and a newline in one must not start a line that reads like
// an event: each line of program output gets the tick, the actor and the
// bar, and any other control character but a tab is written as an escape
// (\n, \r, \x1b).
func FormatEvent(b []byte, e *Event) []byte {
	start := len(b)
	b = appendHead(b, e)
	if e.Ev == "print" {
		text := e.Text
		for {
			line, rest, more := strings.Cut(text, "\n")
			b = append(b, "| "...)
			b = appendLine(b, line)
			if !more {
				break
			}
			b = append(b, '\n')
			start = len(b)
			b = appendHead(b, e)
			text = rest
		}
	} else {
		b = appendLine(b, e.Text)
	}
	if e.Cost != 0 {
		n := len(b) - start
		for n < costColumn {
			b = append(b, ' ')
			n++
		}
		b = append(b, " +"...)
		b = strconv.AppendInt(b, e.Cost, 10)
		if e.Cost == 1 {
			b = append(b, " tick"...)
		} else {
			b = append(b, " ticks"...)
		}
	}
	b = append(b, '\n')
	for _, m := range e.More {
		b = append(b, "             "...)
		b = appendLine(b, m)
		b = append(b, '\n')
	}
	return b
}

// appendHead appends the tick and the actor of e, and a space.
func appendHead(b []byte, e *Event) []byte {
	b = appendPadded(b, e.T, 6)
	b = append(b, ' ')
	if e.CPU > 0 {
		b = append(b, "cpu"...)
		b = strconv.AppendInt(b, int64(e.CPU-1), 10)
		b = append(b, ' ')
	}
	if e.PID == 0 {
		b = append(b, "-----"...)
	} else {
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(e.PID), 10)
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(e.TID), 10)
		b = append(b, ']')
	}
	return append(b, ' ')
}

// appendLine appends s to b with every control character but a tab
// written as an escape, so that s stays on one line of a terminal: a
// newline could start a line that looks like an event, and a carriage
// return or a terminal's escape sequence could write over one.
func appendLine(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != 0x7f || c == '\t' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	return append(b, s[start:]...)
}

// OneLine returns s as it would appear within a line of the text trace:
// every control character but a tab written as an escape.
func OneLine(s string) string {
	return string(appendLine(nil, s))
}

func appendPadded(b []byte, n int64, w int) []byte {
	var tmp [24]byte
	d := strconv.AppendInt(tmp[:0], n, 10)
	for i := len(d); i < w; i++ {
		b = append(b, ' ')
	}
	return append(b, d...)
}

// JSONSink writes one JSON object a line.
type JSONSink struct {
	out   *bufio.Writer
	buf   []byte
	trace int64 // bytes written besides the program's output
}

// TraceBytes returns the bytes written besides the program's own output
// (ByteCounter).
func (s *JSONSink) TraceBytes() int64 { return s.trace }

// NewJSONSink returns a JSON Lines sink.
func NewJSONSink(out io.Writer) *JSONSink {
	return &JSONSink{out: bufio.NewWriterSize(out, 64<<10)}
}

// Emit writes e as one JSON object.
func (s *JSONSink) Emit(e *Event) {
	b := s.buf[:0]
	b = append(b, `{"t":`...)
	b = strconv.AppendInt(b, e.T, 10)
	b = append(b, `,"ev":`...)
	b = strconv.AppendQuote(b, e.Ev)
	b = append(b, `,"pid":`...)
	b = strconv.AppendInt(b, int64(e.PID), 10)
	b = append(b, `,"tid":`...)
	b = strconv.AppendInt(b, int64(e.TID), 10)
	if e.CPU > 0 {
		b = append(b, `,"cpu":`...)
		b = strconv.AppendInt(b, int64(e.CPU-1), 10)
	}
	if e.Ev == "print" {
		b = append(b, `,"text":`...)
		b = AppendJSONString(b, e.Text)
	}
	for _, f := range e.Fields {
		b = append(b, ',')
		b = AppendJSONString(b, f.Key)
		b = append(b, ':')
		b = appendJSONValue(b, f.Val)
	}
	if e.Cost != 0 {
		b = append(b, `,"cost":`...)
		b = strconv.AppendInt(b, e.Cost, 10)
	}
	if e.Ev != "print" && e.Ev != "stats" {
		b = append(b, `,"text":`...)
		b = AppendJSONString(b, e.Text)
		if len(e.More) > 0 {
			b = append(b, `,"more":`...)
			b = appendJSONValue(b, e.More)
		}
	}
	b = append(b, "}\n"...)
	s.out.Write(b)
	s.buf = b
	n := int64(len(b))
	if e.Ev == "print" {
		n -= int64(len(e.Text))
	}
	s.trace += n
}

// WriteRaw writes a complete JSON line (the stats record).
func (s *JSONSink) WriteRaw(line []byte) {
	s.out.Write(line)
}

// Flush flushes buffered output.
func (s *JSONSink) Flush() error { return s.out.Flush() }

func appendJSONValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case uint64:
		return strconv.AppendUint(b, x, 10)
	case Addr:
		b = append(b, `"0x`...)
		b = strconv.AppendUint(b, uint64(x), 16)
		return append(b, '"')
	case string:
		return AppendJSONString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case []string:
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSONString(b, s)
		}
		return append(b, ']')
	case Raw:
		return append(b, x...)
	case nil:
		return append(b, "null"...)
	case map[string]int64:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSONString(b, k)
			b = append(b, ':')
			b = strconv.AppendInt(b, x[k], 10)
		}
		return append(b, '}')
	}
	return AppendJSONString(b, fmt.Sprint(v))
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string that is also a JavaScript
// one (U+2028 and U+2029 escaped): the JSON trace and the page's engine
// write their strings with it. Invalid UTF-8 becomes U+FFFD
// so every line stays valid JSON.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	// Runs of bytes that need no escape are copied whole.
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\t':
				b = append(b, '\\', 't')
			case '\r':
				b = append(b, '\\', 'r')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x2028 || r == 0x2029:
			// Valid JSON, but not valid JavaScript source.
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
			start = i + size
		case r == utf8.RuneError && size == 1:
			// A byte that is not UTF-8 becomes U+FFFD.
			b = append(b, s[start:i]...)
			b = append(b, "\uFFFD"...)
			start = i + size
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
