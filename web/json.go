package web

import (
	"strconv"
	"unicode/utf8"
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

const hexDigits = "0123456789abcdef"

// str writes s as a JSON string that is also a JavaScript one: control
// characters, quotes and backslashes escaped, U+2028 and U+2029 too, and
// a byte that is not UTF-8 as U+FFFD.
func (w *jsonWriter) str(s string) {
	b := append(w.b, '"')
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
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, "\\ufffd"...)
			start = i + size
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			start = i + size
		}
		i += size
	}
	b = append(b, s[start:]...)
	w.b = append(b, '"')
}

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
