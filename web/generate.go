package web

// The engine of the page, compiled to WebAssembly, and the toolchain's
// support file for it. Run `go generate ./web` after a change to the
// interpreter, the runtime or the engine, and commit web/static: the
// test TestEngineFresh says when it is needed.
//go:generate go run ./internal/genwasm -out static
