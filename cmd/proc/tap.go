package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// tapReporter prints TAP version 13 (testanything.org), which prove and
// many CI plugins read:
//
//	TAP version 13
//	1..3
//	ok 1 - NAME
//	not ok 2 - NAME
//	  ---
//	  message: "exit status 1, want 0"
//	  exit: 1
//	  want_exit: 0
//	  diff: |
//	    --- NAME.golden
//	    ...
//	  ...
//	# 2 passed, 1 failed
//
// The YAML block of a failure holds message, exit, want_exit, and when
// there are any, stderr (the run's) and diff.
type tapReporter struct {
	w     io.Writer
	notes io.Writer
	n     int
}

func (t *tapReporter) Start(n int) {
	fmt.Fprintf(t.w, "TAP version 13\n1..%d\n", n)
}

func (t *tapReporter) Result(r *testResult) {
	t.n++
	// A "#" in a description would start a TAP directive.
	name := strings.ReplaceAll(r.Name, "#", `\#`)
	if r.Pass {
		fmt.Fprintf(t.w, "ok %d - %s\n", t.n, name)
	} else {
		fmt.Fprintf(t.w, "not ok %d - %s\n", t.n, name)
		var b strings.Builder
		b.WriteString("  ---\n")
		fmt.Fprintf(&b, "  message: %s\n", jsonString(r.Reason()))
		fmt.Fprintf(&b, "  exit: %d\n  want_exit: %d\n", r.Exit, r.WantExit)
		if len(r.Problems) > 1 {
			b.WriteString("  problems:\n")
			for _, p := range r.Problems {
				fmt.Fprintf(&b, "    - %s\n", jsonString(p))
			}
		}
		yamlText(&b, "stderr", r.Stderr)
		yamlText(&b, "diff", r.Diff)
		b.WriteString("  ...\n")
		io.WriteString(t.w, b.String())
	}
	if r.Updated {
		fmt.Fprintf(t.notes, "updated %s.golden\n", r.Name)
	}
}

func (t *tapReporter) Finish(passed, failed int, _ time.Duration) {
	fmt.Fprintf(t.w, "# %d passed, %d failed\n", passed, failed)
}

// yamlText writes `  key: value` for a multi-line text: as a literal block
// when it can be one, since that reads well in a terminal, else as a
// double-quoted string. The block is kept to what both YAML and the YAMLish
// subset of TAP consumers (Perl's TAP::Parser) read alike: a bare "|", no
// indentation or chomping indicators, and every line indented, empty ones
// too. Empty text writes nothing.
func yamlText(b *strings.Builder, key, text string) {
	if text == "" {
		return
	}
	if !yamlLiteralSafe(text) {
		fmt.Fprintf(b, "  %s: %s\n", key, jsonString(text))
		return
	}
	fmt.Fprintf(b, "  %s: |\n", key)
	for _, line := range strings.SplitAfter(text, "\n") {
		if line != "" {
			b.WriteString("    ")
			b.WriteString(line)
		}
	}
}

// yamlLiteralSafe reports whether text reads back the same from a plain
// literal block: valid UTF-8 of printable characters, tabs and newlines,
// ending in exactly one newline (the block's default chomping), and with a
// first line that neither is empty nor starts with a space (YAML takes the
// block's indentation from it).
func yamlLiteralSafe(text string) bool {
	if !utf8.ValidString(text) || !strings.HasSuffix(text, "\n") || strings.HasSuffix(text, "\n\n") {
		return false
	}
	if first := text[:strings.IndexByte(text, '\n')]; first == "" || first[0] == ' ' || first[0] == '\t' {
		return false
	}
	for _, r := range text {
		switch {
		case r == '\t' || r == '\n':
		case r < 0x20 || r == 0x7f:
			return false
		case r >= 0x80 && r < 0xa0, r == 0xfeff, r == 0xfffe, r == 0xffff:
			return false
		}
	}
	return true
}

// jsonString quotes s as a JSON string, which is also a YAML double-quoted
// scalar. Invalid UTF-8 becomes U+FFFD.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
