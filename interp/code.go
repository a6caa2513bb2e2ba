package interp

import (
	"fmt"

	"proc/grammar"
	"proc/runtime"
	"proc/runtime/mem"
)

// Instr is one instruction: 4 bytes of simulated text.
type Instr struct {
	Op Op
	A  int32
	B  int32
}

// InsnBytes is the size of an instruction in the text segment.
const InsnBytes = 4

// Func is a compiled function.
type Func struct {
	Name    string
	Index   int
	Pos     grammar.Pos
	NParams int
	NSlots  int      // parameters, locals and hidden loop slots
	Slots   []string // slot names ("" for hidden ones)
	Code    []Instr
	Fast    []fastInstr // Code as the VM's fast path reads it (see fuse)
	Lines   []linePos   // position of each instruction (see PosAt)
	// File is the file of the positions in Lines; the few instructions
	// from another file keep theirs in otherFile.
	File      string
	otherFile map[int]string
	MaxStack  int    // operand stack depth it may need
	Addr      uint64 // text address of its first instruction
}

// linePos is an instruction's position within its function's File.
type linePos struct{ Offset, Line, Col int32 }

// addLine records pos as the position of the next instruction.
func (f *Func) addLine(pos grammar.Pos) {
	pc := len(f.Lines)
	f.Lines = append(f.Lines, linePos{Offset: int32(pos.Offset), Line: int32(pos.Line), Col: int32(pos.Col)})
	if pos.File == f.File {
		return
	}
	if f.File == "" && pos.File != "" && len(f.otherFile) == 0 {
		// The first position with a file: the ones before had none.
		f.File = pos.File
		for k := 0; k < pc; k++ {
			f.setOtherFile(k, "")
		}
		return
	}
	f.setOtherFile(pc, pos.File)
}

func (f *Func) setOtherFile(pc int, file string) {
	if f.otherFile == nil {
		f.otherFile = map[int]string{}
	}
	f.otherFile[pc] = file
}

// PosAt returns the source position of instruction pc, and false if there
// is no such instruction.
func (f *Func) PosAt(pc int) (grammar.Pos, bool) {
	if pc < 0 || pc >= len(f.Lines) {
		return grammar.Pos{}, false
	}
	l := f.Lines[pc]
	file := f.File
	if other, ok := f.otherFile[pc]; ok {
		file = other
	}
	return grammar.Pos{File: file, Offset: int(l.Offset), Line: int(l.Line), Col: int(l.Col)}, true
}

// Global is a global variable: in data (with an initial value) or bss.
type Global struct {
	Name  string
	Pos   grammar.Pos
	Bss   bool
	Index int // index within its segment
	Init  mem.Value
}

// SpawnSite is one `spawn f(args) with {...}` or `thread f(args) with
// {...}`: the arguments, then the with-values, are on the operand stack.
type SpawnSite struct {
	Thread bool
	Func   int
	NArgs  int
	With   []string // the with-clause keys, in the order their values were pushed
}

// Shape is the field list of an object literal.
type Shape struct {
	Fields []string
}

// Program is a compiled script, ready to be loaded into processes.
type Program struct {
	File    string
	Src     []byte
	Funcs   []*Func // Funcs[0] is main, the top-level statements
	Globals []*Global
	Consts  []mem.Value
	Shapes  []*Shape
	Spawns  []*SpawnSite
	Config  runtime.Config // defaults plus the script's config lines
	Image   runtime.Image
	// Sources holds the text of the other files whose code joined the
	// program (the REPL's :load), by file name, for fault reports.
	Sources map[string][]byte
}

// sourceLine returns the source text of the line at pos, trimmed, or "".
func (p *Program) sourceLine(pos grammar.Pos) string {
	if src, ok := p.Sources[pos.File]; ok {
		return sourceText(src, pos.Line)
	}
	return sourceText(p.Src, pos.Line)
}

// FuncAt returns the function whose text holds addr and the index of the
// instruction there.
func (p *Program) FuncAt(addr uint64) (*Func, int) {
	for _, f := range p.Funcs {
		end := f.Addr + uint64(len(f.Code))*InsnBytes
		if addr >= f.Addr && addr < end {
			return f, int(addr-f.Addr) / InsnBytes
		}
	}
	return nil, 0
}

// Global returns the global with the given name, or nil.
func (p *Program) Global(name string) *Global {
	for _, g := range p.Globals {
		if g.Name == name {
			return g
		}
	}
	return nil
}

// Disasm returns a listing of f's code, for debugging and tests.
func (f *Func) Disasm() string {
	s := ""
	for i, in := range f.Code {
		s += fmt.Sprintf("%#x %4d %-10s %d %d\n", f.Addr+uint64(i)*InsnBytes, i, in.Op, in.A, in.B)
	}
	return s
}
