package interp

import (
	"bytes"
	"strings"
	"testing"
)

// TestWildPointer: an access to heap memory that no block holds, in a heap
// with no live block, is a wild pointer, reported in a memory checker's
// words, not an overflow of a block that does not exist; and when the
// address is live in another process, the report says where.
func TestWildPointer(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src string
		want      []string
		not       []string
	}{
		{"own empty heap", "let p = 0x401100\nprint *p", []string{
			"wild-pointer: read of 8 bytes at 0x401100\n",
			"at main, line 2\n",
			"Address 0x401100 is not stack'd, malloc'd or (recently) free'd\n",
			"+++ killed by SIGSEGV +++",
		}, []string{"heap-buffer-overflow", "process 1 it is"}},
		{"a parent's block in a child's empty heap", `func child(ptr) {
    print *ptr
}
let box = alloc 8
box[0] = 42
let c = spawn child(box)
wait c
`, []string{
			"wild-pointer: read of 8 bytes at 0x401010\n",
			"at child, line 2\n",
			"Address 0x401010 is not stack'd, malloc'd or (recently) free'd\n",
			"in process 1 it is 0 bytes inside a block of 8 bytes at 0x401010, allocated at main, line 4\n",
			"an address is meaningful only in its own process: in process 2 it names nothing\n",
		}, []string{"heap-buffer-overflow", "not inside any live block"}},
		{"a write through it", `func child(ptr) {
    ptr[1] = 7
}
let box = alloc 16
let c = spawn child(box)
wait c
`, []string{
			"wild-pointer: write of 8 bytes at 0x401018\n",
			"in process 1 it is 8 bytes inside a block of 16 bytes at 0x401010, allocated at main, line 4\n",
		}, nil},
		{"another thread's stack, in another process", `func holder(q) {
    let x = 5
    send q, &x
    sleep 100
}
func reader(q) {
    let p = recv q
    print *p
}
let q = mqueue("/q")
let t = thread holder(q)
let r = spawn reader(q)
wait r
join t
`, []string{
			"segmentation fault: read of 8 bytes at 0x7effffff",
			"in process 1 it is in the stack of thread 1/2, in a live frame\n",
			"an address is meaningful only in its own process: in process 3 it names nothing\n",
		}, nil},
		{"free of another process's block", `func child(ptr) {
    free ptr
}
let box = alloc 8
let c = spawn child(box)
wait c
`, []string{
			"invalid-free: free(0x401010)",
			"0x401010 is not the start of a block returned by alloc\n",
			"in process 1 it is 0 bytes inside a block of 8 bytes at 0x401010, allocated at main, line 4\n",
		}, nil},
		{"an overflow is still an overflow", "let a = alloc 8\nlet b = a + 256\nprint *b", []string{
			"heap-buffer-overflow: read of 8 bytes at 0x401110\n",
			"0x401110 is 248 bytes after a block of 8 bytes at 0x401010\n",
		}, []string{"wild-pointer"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errw, _ := run(t, c.src)
			for _, w := range c.want {
				if !strings.Contains(errw, w) {
					t.Errorf("report lacks %q:\n%s", w, errw)
				}
			}
			for _, w := range c.not {
				if strings.Contains(errw, w) {
					t.Errorf("report has %q:\n%s", w, errw)
				}
			}
		})
	}
	prog, err := Load("t.proc", []byte("let p = 0x401100\nprint *p\n"))
	if err != nil {
		t.Fatal(err)
	}
	var js, errw bytes.Buffer
	s, err := NewSession(prog, Options{JSON: true, Stdout: &js, Stderr: &errw})
	if err != nil {
		t.Fatal(err)
	}
	s.Run()
	if !strings.Contains(js.String(), `"kind":"wild-pointer"`) {
		t.Errorf("JSON lacks the kind wild-pointer:\n%s", js.String())
	}
}
