package grammar

// Pos is a position in a source file. Line and Col are 1-based; Col counts
// runes, so a caret can be placed under the column on a terminal.
type Pos struct {
	File   string
	Offset int // byte offset from the start of the file
	Line   int
	Col    int
}

// Script is a whole parsed .proc file. Each list keeps source order.
type Script struct {
	File    string
	Src     []byte // the source text, kept for error snippets
	Configs []*Config
	Globals []*Global
	Funcs   []*Func
	Body    []Stmt // top-level statements: the body of main
}

// Config is `config KEY = VALUE`.
type Config struct {
	Pos   Pos
	Key   string
	Value Expr
}

// Global is `global NAME [= EXPR]`. Init is nil for a bss global.
type Global struct {
	Pos     Pos
	Name    string
	Init    Expr
	NamePos Pos
}

// Func is `func NAME(PARAMS) BLOCK`.
type Func struct {
	Pos     Pos
	Name    string
	NamePos Pos
	Params  []*Ident
	Body    *Block
}

// Block is `{ STMT... }`.
type Block struct {
	Pos   Pos // the opening brace
	Stmts []Stmt
	End   Pos // the closing brace
}

// Stmt is any statement.
type Stmt interface{ stmtPos() Pos }

// Expr is any expression.
type Expr interface{ exprPos() Pos }

type (
	// LetStmt is `let a [, b] [= EXPR]`.
	LetStmt struct {
		Pos   Pos
		Names []*Ident // one or two
		Value Expr     // may be nil
	}
	// AssignStmt is `LVALUE = EXPR`, or a compound assignment
	// `LVALUE OP= EXPR`. Target is *Ident, *IndexExpr, *FieldExpr or
	// *UnaryExpr with Op "*"; anything else is rejected by the name
	// resolver with a positioned error.
	AssignStmt struct {
		Pos    Pos // position of the target
		Target Expr
		Value  Expr
		Op     string // "" for "=", else + - * / or % of "+=" and the others
		OpPos  Pos    // the compound operator; unset for "="
	}
	// IfStmt is `if COND BLOCK [else BLOCK | else if ...]`.
	// Else is nil, a *Block or an *IfStmt.
	IfStmt struct {
		Pos  Pos
		Cond Expr
		Then *Block
		Else Stmt
	}
	// WhileStmt is `while COND BLOCK`.
	WhileStmt struct {
		Pos  Pos
		Cond Expr
		Body *Block
	}
	// ForStmt is `for VAR in FROM..TO BLOCK` (half-open).
	ForStmt struct {
		Pos  Pos
		Var  *Ident
		From Expr
		To   Expr
		Body *Block
	}
	// BranchStmt is `break` or `continue`.
	BranchStmt struct {
		Pos Pos
		Tok string // "break" or "continue"
	}
	// ReturnStmt is `return [EXPR]`.
	ReturnStmt struct {
		Pos   Pos
		Value Expr // may be nil
	}
	// PrintStmt is `print EXPR {, EXPR}`.
	PrintStmt struct {
		Pos  Pos
		Args []Expr
	}
	// AssertStmt is `assert COND [, MSG]`.
	AssertStmt struct {
		Pos  Pos
		Cond Expr
		Msg  Expr // may be nil
	}
	// ShowStmt is `show WHAT`, WHAT one of ShowTargets.
	ShowStmt struct {
		Pos  Pos
		What string
	}
	// FreeStmt is `free EXPR`.
	FreeStmt struct {
		Pos Pos
		Ptr Expr
	}
	// SendStmt is `send TARGET, VALUE [, PRIO]`.
	SendStmt struct {
		Pos    Pos
		Target Expr
		Value  Expr
		Prio   Expr // may be nil
	}
	// CloseStmt is `close EXPR`.
	CloseStmt struct {
		Pos Pos
		X   Expr
	}
	// LockStmt is `lock EXPR` or `unlock EXPR`.
	LockStmt struct {
		Pos    Pos
		Unlock bool
		X      Expr
	}
	// ExitStmt is `exit [EXPR]`.
	ExitStmt struct {
		Pos  Pos
		Code Expr // may be nil
	}
	// YieldStmt is `yield`.
	YieldStmt struct {
		Pos Pos
	}
	// TimeStmt is `sleep N`, `compute N` or `io N`.
	TimeStmt struct {
		Pos  Pos
		Kind string // "sleep", "compute" or "io"
		N    Expr
	}
	// ExprStmt is a call or system expression used as a statement,
	// including `call f(x)`.
	ExprStmt struct {
		Pos Pos
		X   Expr
	}
)

type (
	// Ident is a name.
	Ident struct {
		Pos  Pos
		Name string
	}
	// IntLit is an integer literal.
	IntLit struct {
		Pos   Pos
		Value int64
	}
	// StringLit is a string literal, escapes already decoded.
	StringLit struct {
		Pos   Pos
		Value string
	}
	// BoolLit is true or false.
	BoolLit struct {
		Pos   Pos
		Value bool
	}
	// NilLit is nil.
	NilLit struct {
		Pos Pos
	}
	// BinaryExpr is X OP Y; Pos is the operator's position.
	BinaryExpr struct {
		Pos Pos
		Op  string // || && == != < <= > >= + - * / %
		X   Expr
		Y   Expr
	}
	// UnaryExpr is OP X with OP one of - ! & *.
	UnaryExpr struct {
		Pos Pos
		Op  string
		X   Expr
	}
	// CallExpr is NAME(ARGS). Explicit is set for `call NAME(ARGS)`.
	CallExpr struct {
		Pos      Pos // the name
		Name     string
		Args     []Expr
		Explicit bool
	}
	// IndexExpr is X[INDEX].
	IndexExpr struct {
		Pos   Pos // the opening bracket
		X     Expr
		Index Expr
	}
	// FieldExpr is X.NAME.
	FieldExpr struct {
		Pos  Pos // the field name
		X    Expr
		Name string
	}
	// ObjectLit is `{k: v, ...}`: allocates on the heap.
	ObjectLit struct {
		Pos    Pos
		Fields []*Field
	}
	// ArrayLit is `[a, b, ...]`: allocates on the heap.
	ArrayLit struct {
		Pos   Pos
		Elems []Expr
	}
	// SpawnExpr is `spawn CALL [with {...}]` or `thread CALL [with {...}]`.
	SpawnExpr struct {
		Pos    Pos
		Thread bool // false: spawn, true: thread
		Call   *CallExpr
		With   []*Field // the with-clause; syntax, not a heap object
	}
	// ForkExpr is `fork`.
	ForkExpr struct {
		Pos Pos
	}
	// PrefixExpr is `join X`, `wait X` or `alloc X`.
	PrefixExpr struct {
		Pos Pos
		Op  string // "join", "wait" or "alloc"
		X   Expr
	}
	// RecvExpr is `recv SRC [, MAX]`.
	RecvExpr struct {
		Pos Pos
		Src Expr
		Max Expr // may be nil
	}
	// ParenExpr is ( X ), kept so that error positions and printing stay true.
	ParenExpr struct {
		Pos Pos
		X   Expr
	}
)

// Field is one `key: value` of an object literal or a with-clause.
type Field struct {
	Pos   Pos
	Key   string
	Value Expr
}

func (s *LetStmt) stmtPos() Pos    { return s.Pos }
func (s *AssignStmt) stmtPos() Pos { return s.Pos }
func (s *IfStmt) stmtPos() Pos     { return s.Pos }
func (s *WhileStmt) stmtPos() Pos  { return s.Pos }
func (s *ForStmt) stmtPos() Pos    { return s.Pos }
func (s *BranchStmt) stmtPos() Pos { return s.Pos }
func (s *ReturnStmt) stmtPos() Pos { return s.Pos }
func (s *PrintStmt) stmtPos() Pos  { return s.Pos }
func (s *AssertStmt) stmtPos() Pos { return s.Pos }
func (s *ShowStmt) stmtPos() Pos   { return s.Pos }
func (s *FreeStmt) stmtPos() Pos   { return s.Pos }
func (s *SendStmt) stmtPos() Pos   { return s.Pos }
func (s *CloseStmt) stmtPos() Pos  { return s.Pos }
func (s *LockStmt) stmtPos() Pos   { return s.Pos }
func (s *ExitStmt) stmtPos() Pos   { return s.Pos }
func (s *YieldStmt) stmtPos() Pos  { return s.Pos }
func (s *TimeStmt) stmtPos() Pos   { return s.Pos }
func (s *ExprStmt) stmtPos() Pos   { return s.Pos }
func (b *Block) stmtPos() Pos      { return b.Pos }

func (e *Ident) exprPos() Pos      { return e.Pos }
func (e *IntLit) exprPos() Pos     { return e.Pos }
func (e *StringLit) exprPos() Pos  { return e.Pos }
func (e *BoolLit) exprPos() Pos    { return e.Pos }
func (e *NilLit) exprPos() Pos     { return e.Pos }
func (e *BinaryExpr) exprPos() Pos { return e.Pos }
func (e *UnaryExpr) exprPos() Pos  { return e.Pos }
func (e *CallExpr) exprPos() Pos   { return e.Pos }
func (e *IndexExpr) exprPos() Pos  { return e.Pos }
func (e *FieldExpr) exprPos() Pos  { return e.Pos }
func (e *ObjectLit) exprPos() Pos  { return e.Pos }
func (e *ArrayLit) exprPos() Pos   { return e.Pos }
func (e *SpawnExpr) exprPos() Pos  { return e.Pos }
func (e *ForkExpr) exprPos() Pos   { return e.Pos }
func (e *PrefixExpr) exprPos() Pos { return e.Pos }
func (e *RecvExpr) exprPos() Pos   { return e.Pos }
func (e *ParenExpr) exprPos() Pos  { return e.Pos }

// StmtPos returns the position of a statement.
func StmtPos(s Stmt) Pos { return s.stmtPos() }

// ExprPos returns the position of an expression.
func ExprPos(e Expr) Pos { return e.exprPos() }
