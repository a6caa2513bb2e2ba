package grammar

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Header is what the comment lines at the top of a script say about how to
// run it: `# args: FLAGS` and `# exit: N`.
//
// The syntax is strict, and read here only: the header is the run of lines
// at the top of the script that are blank or comments; in it, a line that
// starts with exactly "# args:" or "# exit:" (the hash in the first
// column, one space) is a header line. A line of the header that looks
// like one written another way ("#args:", "  # args:", "# Args:") is an
// error rather than a comment, so that a header never means one thing to a
// person and another to proc. Lines after the first statement are never
// header lines.
//
// Whatever a header says is the script's own word: it may choose how the
// run is shown and lower a limit, never write a file or raise a limit (see
// parseHeaderFlags in cmd/proc).
type Header struct {
	Args []string
	Exit int
	// HasExit reports that an `# exit:` line was given.
	HasExit bool
}

// HeaderError is a header line proc cannot read.
type HeaderError struct {
	Line int
	Msg  string
}

func (e *HeaderError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// looksLikeHeader matches the header lines written some other way.
var looksLikeHeader = regexp.MustCompile(`(?i)^\s*#\s*(args|exit)\s*:`)

// ParseHeader reads the header of a script.
func ParseHeader(src []byte) (Header, error) {
	var h Header
	text := string(src)
	for n := 1; text != ""; n++ {
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		line = strings.TrimSuffix(line, "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		if !strings.HasPrefix(trimmed, "#") {
			break
		}
		switch {
		case strings.HasPrefix(line, "# args:"):
			args, err := splitArgs(strings.TrimPrefix(line, "# args:"))
			if err != nil {
				return h, &HeaderError{n, err.Error()}
			}
			h.Args = append(h.Args, args...)
		case strings.HasPrefix(line, "# exit:"):
			v := strings.TrimSpace(strings.TrimPrefix(line, "# exit:"))
			code, err := strconv.Atoi(v)
			if err != nil || code < 0 || code > 255 {
				return h, &HeaderError{n, fmt.Sprintf("# exit: want an exit status from 0 to 255, got %q", v)}
			}
			h.Exit, h.HasExit = code, true
		case looksLikeHeader.MatchString(line):
			m := looksLikeHeader.FindStringSubmatch(line)
			return h, &HeaderError{n, fmt.Sprintf("a header line is written %q: the hash in the first column, one space, then %s: in lower case", "# "+strings.ToLower(m[1])+":", strings.ToLower(m[1]))}
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
