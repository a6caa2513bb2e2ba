package interp

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// ostepLines returns the runs a file of testdata/ostep holds, a line each:
// every line but the blank ones and the comments (#), which say how the
// simulator was run.
func ostepLines(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open("testdata/ostep/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var lines []string
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return lines
}

// ostepFields splits a line of testdata/ostep into its n fields, which
// " | " separates.
func ostepFields(t *testing.T, line string, n int) []string {
	t.Helper()
	fields := strings.Split(line, " | ")
	if len(fields) != n {
		t.Fatalf("bad line (want %d fields): %q", n, line)
	}
	return fields
}
