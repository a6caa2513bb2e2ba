package runtime

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// jsonStringByRune is AppendJSONString written rune by rune, the plain way:
// the reference the byte-run version must agree with.
func jsonStringByRune(s string) string {
	b := []byte{'"'}
	for _, r := range s {
		switch {
		case r == '"':
			b = append(b, '\\', '"')
		case r == '\\':
			b = append(b, '\\', '\\')
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			b = append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
		default:
			b = append(b, string(r)...)
		}
	}
	return string(append(b, '"'))
}

var jsonStringCases = []string{
	"", "plain", `a"b\c`, "tab\tnl\nret\r", "\x00\x01\x1f\x7f", "héllo wörld", "日本語",
	"\u2028 and \u2029", "bad \xff byte", "\xc3", "\xe2\x80", "mixed \"\u2028\xfe\n",
	"call fib(n=5) frame=0x7fffffffefe0 ret=0x400034",
}

func TestJSONStringAgainstRunes(t *testing.T) {
	for _, s := range jsonStringCases {
		if got, want := string(AppendJSONString(nil, s)), jsonStringByRune(s); got != want {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
}

// FuzzJSONString: the JSON string of any text is valid JSON, agrees with
// the rune-by-rune version, and reads back as the text (when it is UTF-8).
func FuzzJSONString(f *testing.F) {
	for _, s := range jsonStringCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := AppendJSONString(nil, s)
		if want := jsonStringByRune(s); string(got) != want {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q: %s is not JSON: %v", s, got, err)
		}
		if utf8.ValidString(s) && back != s {
			t.Fatalf("%q reads back as %q", s, back)
		}
	})
}
