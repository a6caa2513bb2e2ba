package main

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Header is what the comment lines at the top of a script say about how to
// run it: `# args: FLAGS` and `# exit: N` (SPEC section 10).
type Header struct {
	Args []string
	Exit int
}

// ParseHeader reads the header comments: the leading lines of a script that
// are comments or blank.
func ParseHeader(src []byte) (Header, error) {
	var h Header
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, "#") {
			break
		}
		body := strings.TrimSpace(strings.TrimPrefix(line, "#"))
		switch {
		case strings.HasPrefix(body, "args:"):
			args, err := splitArgs(strings.TrimPrefix(body, "args:"))
			if err != nil {
				return h, err
			}
			h.Args = append(h.Args, args...)
		case strings.HasPrefix(body, "exit:"):
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(body, "exit:")))
			if err != nil {
				return h, fmt.Errorf("# exit: want a number, got %q", strings.TrimSpace(strings.TrimPrefix(body, "exit:")))
			}
			h.Exit = n
		}
	}
	return h, nil
}

// splitArgs splits a command line on spaces, keeping double-quoted parts
// together.
func splitArgs(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inQuote, have := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote = !inQuote
			have = true
		case (r == ' ' || r == '\t') && !inQuote:
			if have {
				out = append(out, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteRune(r)
			have = true
		}
	}
	if inQuote {
		return nil, fmt.Errorf("# args: unterminated quote")
	}
	if have {
		out = append(out, cur.String())
	}
	return out, nil
}
