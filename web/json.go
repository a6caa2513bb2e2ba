package web

import (
	"strconv"

	"proc/runtime"
)

// jsonWriter writes JSON by hand, for the large answers (a load's events
// and timeline): tens of thousands of small objects, which a reflecting
// encoder spends most of a load's time on.
type jsonWriter struct {
	b []byte
}

// raw writes s as it is.
func (w *jsonWriter) raw(s string) { w.b = append(w.b, s...) }

// key writes a key and its colon, after a comma unless first.
func (w *jsonWriter) key(k string, first bool) {
	if !first {
		w.b = append(w.b, ',')
	}
	w.str(k)
	w.b = append(w.b, ':')
}

// int writes n.
func (w *jsonWriter) int(n int64) { w.b = strconv.AppendInt(w.b, n, 10) }

// bool writes v.
func (w *jsonWriter) bool(v bool) { w.b = strconv.AppendBool(w.b, v) }

// str writes s as a JSON string that is also a JavaScript one.
func (w *jsonWriter) str(s string) { w.b = runtime.AppendJSONString(w.b, s) }

// strs writes a list of strings.
func (w *jsonWriter) strs(list []string) {
	w.b = append(w.b, '[')
	for i, s := range list {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.str(s)
	}
	w.b = append(w.b, ']')
}
