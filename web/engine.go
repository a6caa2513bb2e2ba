// Package web is proc's page: the machine drawn in a browser, its engine
// (the interpreter compiled to WebAssembly) and the server of its files.
package web

// Engine answers the page's requests: one JSON request in, one JSON
// response out. It holds the run the page is looking at.
type Engine struct{}

// NewEngine returns an engine with no run loaded.
func NewEngine() *Engine { return &Engine{} }

// Call answers one request.
func (e *Engine) Call(req []byte) []byte {
	return []byte(`{"ok":false,"error":{"message":"not built yet"}}`)
}
