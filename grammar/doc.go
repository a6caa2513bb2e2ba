// Package grammar turns .proc source text into an AST (ast.go). Every error
// it returns is an *Error carrying a file position, so that the command
// line and the REPL can print the offending line with a caret under the
// column.
//
// Parse works in three steps:
//
//   - lexer.go scans the bytes into tokens and checks how deeply the input
//     nests (nesting.go) before any parsing starts;
//   - participle parses the statements, declared as the structs of
//     syntax.go, one top-level line at a time, and calls the precedence
//     climber of expr.go for every expression, which builds AST
//     expressions directly; blocks, names and comma lists are read by
//     Parse methods that participle calls (parser.go);
//   - convert.go turns the statement structs into the AST and reports what
//     is well-formed syntax but still not a program: a value used as a
//     statement, an assignment to something that is not a place, a func
//     inside a func, a word after show that is none of ShowTargets.
//
// Expressions are parsed by hand because they hold most of the tokens of a
// script and participle costs about a microsecond for each struct it tries;
// see BenchmarkParse10k.
package grammar
