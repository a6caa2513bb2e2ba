package interp_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"proc/interp"
	"proc/interp/explore"
)

// x86Programs are the programs of OSTEP's x86.py (threads-intro and
// threads-locks in the ostep-homework repository) written in proc: the
// globals the program names (its address 2000 is value) and a function
// worker(ax, bx, cx, dx) that each thread runs with the registers -a gives
// it and that returns the register its -R may watch. Each does the loads
// and stores of shared memory the program does, in its order; what it
// does in registers alone is local. x86.py's loop `sub $1, %bx; test $0,
// %bx; jgt .top` runs its body once more while bx is above 0, so at least
// once. A spin loop yields each time round, so that a search of every
// schedule ends: a thread that finds the lock taken can do nothing new
// until another runs, and the outcomes are the same.
var x86Programs = map[string]string{
	"threads-intro/loop.s": `
func worker(ax, bx, cx, dx) {
    while true {
        dx = dx - 1
        if dx < 0 {
            return dx
        }
    }
}
`,
	"threads-intro/simple-race.s": `
global value = 0

func worker(ax, bx, cx, dx) {
    value = value + 1
    return 0
}
`,
	"threads-intro/looping-race-nolock.s": `
global value = 0

func worker(ax, bx, cx, dx) {
    while true {
        value = value + 1
        bx = bx - 1
        if bx <= 0 {
            return 0
        }
    }
}
`,
	"threads-intro/wait-for-me.s": `
global value = 0

func worker(ax, bx, cx, dx) {
    if ax == 1 {
        value = 1
    } else {
        while value != 1 {
            yield
        }
    }
    return ax
}
`,
	"threads-locks/flag.s": `
global flag = 0
global count = 0

func worker(ax, bx, cx, dx) {
    while true {
        while flag != 0 {
            yield
        }
        flag = 1
        count = count + 1
        flag = 0
        bx = bx - 1
        if bx <= 0 {
            return 0
        }
    }
}
`,
	"threads-locks/test-and-set.s": `
global mutex = 0
global count = 0

func worker(ax, bx, cx, dx) {
    while true {
        while xchg(&mutex, 1) != 0 {
            yield
        }
        count = count + 1
        mutex = 0
        bx = bx - 1
        if bx <= 0 {
            return 0
        }
    }
}
`,
	"threads-locks/test-and-test-and-set.s": `
global mutex = 0
global count = 0

func worker(ax, bx, cx, dx) {
    while true {
        while true {
            while mutex != 0 {
                yield
            }
            if xchg(&mutex, 1) == 0 {
                break
            }
        }
        count = count + 1
        mutex = 0
        bx = bx - 1
        if bx <= 0 {
            return 0
        }
    }
}
`,
	// yield.s is test-and-set.s with a yield in its spin, which every
	// spin here has.
	"threads-locks/yield.s": `
global mutex = 0
global count = 0

func worker(ax, bx, cx, dx) {
    while true {
        while xchg(&mutex, 1) != 0 {
            yield
        }
        count = count + 1
        mutex = 0
        bx = bx - 1
        if bx <= 0 {
            return 0
        }
    }
}
`,
	"threads-locks/ticket.s": `
global ticket = 0
global turn = 0
global count = 0

func worker(ax, bx, cx, dx) {
    while true {
        let my = fetch_add(&ticket, 1)
        while turn != my {
            yield
        }
        count = count + 1
        fetch_add(&turn, 1)
        bx = bx - 1
        if bx <= 0 {
            return 0
        }
    }
}
`,
	// peterson.s: bx is the thread's number, 0 or 1; flag is an array
	// of two words, here on the heap (see main).
	"threads-locks/peterson.s": `
global turn = 0
global count = 0
global flag = nil

func worker(ax, bx, cx, dx) {
    let other = 1 - bx
    flag[bx] = 1
    turn = other
    while flag[other] == 1 && turn == other {
        yield
    }
    count = count + 1
    flag[bx] = 0
    turn = other
    return 0
}
`,
}

// x86Case is a line of testdata/ostep/x86.txt.
type x86Case struct {
	prog    string
	args    []string // x86.py's arguments but the interrupts' (-t, -a, -M, -R, -c)
	sweep   string   // the interrupts each run had
	finals  []string // the distinct final values x86.py gave
	threads int
	regs    []map[string]int // -a: each thread's registers
	mem     []string         // -M
	reg     string           // -R
}

func parseX86Case(t *testing.T, line string) x86Case {
	f := strings.Split(line, " | ")
	if len(f) != 3 {
		t.Fatalf("bad line %q", line)
	}
	words := strings.Fields(f[0])
	c := x86Case{prog: words[0], args: words[1:], sweep: f[1], threads: 1}
	for _, v := range strings.Split(f[2], ";") {
		c.finals = append(c.finals, strings.TrimSpace(v))
	}
	var argv []string
	for i := 0; i < len(c.args); i++ {
		switch c.args[i] {
		case "-t":
			i++
			c.threads, _ = strconv.Atoi(c.args[i])
		case "-a":
			i++
			argv = strings.Split(c.args[i], ",")
		case "-M":
			i++
			c.mem = strings.Split(c.args[i], ",")
		case "-R":
			i++
			c.reg = c.args[i]
		case "-c":
		default:
			t.Fatalf("%s: unknown argument %q", line, c.args[i])
		}
	}
	for k := 0; k < c.threads; k++ {
		regs := map[string]int{}
		if len(argv) > 0 {
			a := argv[0]
			if len(argv) > 1 {
				a = argv[k]
			}
			for _, kv := range strings.Split(a, ":") {
				name, v, _ := strings.Cut(kv, "=")
				n, err := strconv.Atoi(v)
				if err != nil {
					t.Fatalf("%s: bad -a %q", line, a)
				}
				regs[name] = n
			}
		}
		c.regs = append(c.regs, regs)
	}
	return c
}

// script is the case in proc: the program's globals and worker, a
// thread a worker with its registers, and at the end the watched
// memory in -M's order and then, for -R, each thread's register as it
// halted, in thread order: x86.py's final values, written as the test
// data writes them.
func (c x86Case) script(t *testing.T) string {
	body, ok := x86Programs[c.prog]
	if !ok {
		t.Fatalf("no proc version of %s", c.prog)
	}
	var b strings.Builder
	b.WriteString(strings.TrimPrefix(body, "\n") + "\n")
	if strings.Contains(body, "global flag = nil") {
		b.WriteString("flag = [0, 0]\n")
	}
	for k, r := range c.regs {
		fmt.Fprintf(&b, "let t%d = thread worker(%d, %d, %d, %d)\n", k, r["ax"], r["bx"], r["cx"], r["dx"])
	}
	var show []string
	for _, m := range c.mem {
		if m == "2000" {
			m = "value"
		}
		show = append(show, m)
	}
	for k := range c.regs {
		if c.reg != "" {
			fmt.Fprintf(&b, "let r%d = join t%d\n", k, k)
			show = append(show, fmt.Sprintf("r%d", k))
		} else {
			fmt.Fprintf(&b, "join t%d\n", k)
		}
	}
	fmt.Fprintf(&b, "print %s\n", strings.Join(show, ", "))
	if strings.Contains(body, "global flag = nil") {
		b.WriteString("free flag\n")
	}
	return b.String()
}

// TestX86AsOSTEP explores the proc version of each program of x86.py
// that testdata/ostep/x86.txt runs, and requires every final value x86.py
// gave, over the interrupt intervals and seeds the file names, to be an
// outcome of the search: the search covers every schedule, so it must
// find every value some run of x86.py can end with. For the locks that
// work (test-and-set, test-and-test-and-set, yield, ticket, Peterson's)
// and for the programs without a race the two sets must be equal, one
// value each but for what the order of the last stores decides (the
// final turn of Peterson's algorithm).
func TestX86AsOSTEP(t *testing.T) {
	f, err := os.Open("testdata/ostep/x86.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		c := parseX86Case(t, line)
		src := c.script(t)
		prog, err := interp.Load(strings.TrimSuffix(c.prog[strings.Index(c.prog, "/")+1:], ".s")+".proc", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.prog, err, src)
		}
		res, err := explore.Run(context.Background(), prog, explore.Options{Preemptions: -1})
		if err != nil {
			t.Fatalf("%s: %v", c.prog, err)
		}
		if !res.Complete {
			t.Errorf("x86.py -p %s %s: the search was not complete (%d schedules)", c.prog, strings.Join(c.args, " "), res.Schedules)
		}
		var got []string
		for _, o := range res.Outcomes {
			if o.Failed() {
				t.Errorf("x86.py -p %s %s: a schedule failed: %v %v %q", c.prog, strings.Join(c.args, " "), o.Faults, o.Deadlock, o.Stopped)
			}
			v := strings.TrimSuffix(o.Output, "\n")
			if !slices.Contains(got, v) {
				got = append(got, v)
			}
		}
		slices.Sort(got)
		for _, v := range c.finals {
			if !slices.Contains(got, v) {
				t.Errorf("x86.py -p %s %s (%s) ends with %q, which no schedule of proc's version does: %q", c.prog, strings.Join(c.args, " "), c.sweep, v, got)
			}
		}
		t.Logf("%s %s: x86.py %q, proc %q", c.prog, strings.Join(c.args, " "), c.finals, got)
		if x86Exact[c.prog] && len(got) != len(c.finals) {
			t.Errorf("x86.py -p %s %s: x86.py ends with %q, proc's version with %q", c.prog, strings.Join(c.args, " "), c.finals, got)
		}
		n++
	}
	if n < 15 {
		t.Fatalf("only %d cases", n)
	}
}

// x86Exact are the programs whose final values cannot depend on the
// schedule but for the order of the last stores, which x86.py's runs all
// reach: proc's search must find no other.
var x86Exact = map[string]bool{
	"threads-intro/loop.s":                  true,
	"threads-intro/wait-for-me.s":           true,
	"threads-locks/test-and-set.s":          true,
	"threads-locks/test-and-test-and-set.s": true,
	"threads-locks/yield.s":                 true,
	"threads-locks/ticket.s":                true,
	"threads-locks/peterson.s":              true,
}
