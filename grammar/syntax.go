package grammar

import "github.com/alecthomas/participle/v2/lexer"

// The concrete syntax, as participle structs. They mirror the grammar of
// docs/LANGUAGE.md closely and are converted into the AST of ast.go by
// convert.go; nothing outside this package sees them.
//
// Newlines are tokens (NL) because they end statements; the lexer drops
// them inside parentheses and square brackets and collapses runs of them,
// so the grammar only ever needs one NL at a time.
//
// Expressions are not declared here: fields of type exprField and
// condField are parsed by the hand-written precedence climber of expr.go,
// which yields AST nodes directly.

// A file is { item NL } . Parse reads it one top-level line at a time
// (parser.go); the lexer ends the last line with an NL even when the file
// does not, and never starts a file or follows an NL with one, so empty
// lines need no alternative.

// itemNode is anything that stands on a line of its own. Declarations are
// accepted in blocks too, so that convert can say they belong at the top
// level instead of reporting an unexpected keyword.
type itemNode interface{ start(*lexer.Token) }

// lead is the first token of a line: its position, and the keyword that
// selected the production (parseItem). The production's parser sets it
// (parser.go), where participle would fill a Pos field by reflection and
// capture the keyword with a field of its own.
//
// The syntax structs point into the token buffer (lead, identTok, block)
// rather than copy the tokens' positions, which are five words each: a
// line is converted to the AST before the buffer is refilled with the
// next (Parse).
type lead struct{ first *lexer.Token }

func (l *lead) start(t *lexer.Token) { l.first = t }

// block = "{" [ NL ] { item NL } "}" .
//
// The lexer puts an NL before every "}", so the last statement of a block
// is terminated like any other; the NL after "{" is there when the block
// spans lines. A block is parsed by its Parse method (parser.go), which
// hands each item to the production parser its first token selects, as
// the top level of a file does.
type block struct {
	Open  *lexer.Token // the opening brace
	Items []itemNode
	Close *lexer.Token // the closing brace
}

// identTok is a name: its Ident token. Its Parse method (parser.go)
// stands for the struct { Pos; Name string `@Ident` }, which would cost
// participle a struct, a capture and a conversion per name.
type identTok struct{ *lexer.Token }

// The comma lists are parsed by Parse methods (parser.go), each of which
// stands for the participle pattern in its comment: participle would take
// a branch and a capture per element.

// paramList is ( name ( "," name )* )? .
type paramList struct{ List []identTok }

// letNames is name ( "," name )? .
type letNames struct{ List []identTok }

// assignTail is ( "=" Expr )? ; X is nil when it is left out. A tail
// that is left out matches nothing, so participle needs no branch for it.
type assignTail struct{ X Expr }

// The arguments of keyword statements, each of the form named, written
// after the keyword or in parentheses as a call: see keywordArgs
// (expr.go).
type (
	printArgs  struct{ List []Expr } // Expr { "," Expr }
	assertArgs struct{ List []Expr } // Expr [ "," Expr ]
	sendArgs   struct{ List []Expr } // Expr "," Expr [ "," Expr ]
	optArg     struct{ List []Expr } // [ Expr ], or ()
	noArgs     struct{}              // nothing, or ()
)

type configDecl struct {
	lead
	Key   identTok  `parser:"'config' @@ '='"`
	Value exprField `parser:"@@"`
}

type globalDecl struct {
	lead
	Name identTok   `parser:"'global' @@"`
	Init assignTail `parser:"@@"`
}

type funcDecl struct {
	lead
	Name   identTok  `parser:"'func' @@"`
	Params paramList `parser:"'(' @@ ')'"`
	Body   block     `parser:"@@"`
}

// exprStmt is an expression statement or an assignment: both start with an
// expression, so the choice is made after it (at "=" or a compound
// assignment such as "+=") instead of by lookahead. tokens gives convert
// the source text for its messages; the production's parser sets it.
type exprStmt struct {
	lead
	tokens []lexer.Token
	X      exprField   `parser:"@@"`
	Value  assignValue `parser:"@@"`
}

// assignValue is ( "=" | "+=" | "-=" | "*=" | "/=" | "%=" ) Expr, or
// nothing: Op is the operator's token, nil when it is left out.
type assignValue struct {
	Op *lexer.Token
	X  Expr
}

type letStmt struct {
	lead
	Names letNames   `parser:"'let' @@"`
	Value assignTail `parser:"@@"`
}

// ifStmt keeps its else clauses as a list rather than as a nested ifStmt,
// so that a long else-if chain does not recurse in the parser. Only the
// last clause may be a plain block; convert checks that.
type ifStmt struct {
	lead
	Cond  condField     `parser:"'if' @@"`
	Then  block         `parser:"@@"`
	Elses []*elseClause `parser:"@@*"`
}

// elseClause is "else if COND BLOCK" or "else BLOCK".
type elseClause struct {
	Pos  lexer.Position
	If   *elseIf `parser:"'else' ( @@"`
	Body block   `parser:"| @@ )"`
}

// elseIf is the "if COND BLOCK" after an else; Pos is that of the "if".
type elseIf struct {
	Pos  lexer.Position
	Cond condField `parser:"'if' @@"`
	Then block     `parser:"@@"`
}

// strayElse is an else that starts a line: the closing brace before it
// ended the if statement. It is parsed so that convert can say so.
type strayElse struct {
	lead
	Clause *elseClause `parser:"@@"`
}

type whileStmt struct {
	lead
	Cond condField `parser:"'while' @@"`
	Body block     `parser:"@@"`
}

type forStmt struct {
	lead
	Head forHead `parser:"'for' @@"`
	Body block   `parser:"@@"`
}

// forHead is name "in" Expr ".." Expr. Its Parse method (parser.go)
// reads it by hand, so that a loop written as in Python,
// for i in range(3), is told the form to write with its own name.
type forHead struct {
	Var  identTok
	From Expr
	To   Expr
}

// branchStmt is break or continue: the keyword is in lead.
type branchStmt struct {
	lead
	Kw struct{} `parser:"Keyword"`
}

type returnStmt struct {
	lead
	Value optArg `parser:"'return' @@"`
}

type printStmt struct {
	lead
	Args printArgs `parser:"'print' @@"`
}

type assertStmt struct {
	lead
	Args assertArgs `parser:"'assert' @@"`
}

// showStmt takes any single word so that convert can list the valid ones;
// the word may be in parentheses, as the arguments of other keywords may.
type showStmt struct {
	lead
	What *showWhat `parser:"'show' ( '(' @@ ')' | @@ )?"`
}

type showWhat struct {
	Pos  lexer.Position
	Name string `parser:"@( Ident | Keyword | Int | String )"`
}

type freeStmt struct {
	lead
	Ptr exprField `parser:"'free' @@"`
}

type sendStmt struct {
	lead
	Args sendArgs `parser:"'send' @@"`
}

type closeStmt struct {
	lead
	X exprField `parser:"'close' @@"`
}

// lockStmt is lock X or unlock X: the keyword is in lead.
type lockStmt struct {
	lead
	X exprField `parser:"Keyword @@"`
}

type exitStmt struct {
	lead
	Code optArg `parser:"'exit' @@"`
}

type yieldStmt struct {
	lead
	Args noArgs `parser:"'yield' @@"`
}

// timeStmt is sleep N, compute N or io N: the keyword is in lead.
type timeStmt struct {
	lead
	N exprField `parser:"Keyword @@"`
}
