// Package editors writes the syntax highlighting of .proc scripts for
// editors: a TextMate grammar for VS Code (editors/vscode) and a syntax
// file for Vim (editors/vim). The words they highlight come from the
// language itself: its keywords (grammar.Keywords), its builtins
// (interp.Builtins) and its config keys (runtime.ConfigKeys), so that
// 'go generate ./editors' after a change to the language brings both up
// to date, and the tests fail until it has run.
package editors

//go:generate go run ./gen
