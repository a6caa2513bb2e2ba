//go:build js && wasm

// Command wasm is proc's engine for the page: the interpreter compiled to
// WebAssembly. It runs in a Web Worker (web/static/worker.js) and answers
// the page's requests through one global function,
//
//	procCall(request string) string
//
// which takes a JSON request and returns the JSON response of
// web.Engine.Call. `go generate ./web` builds it into web/static/proc.wasm.
package main

import (
	"encoding/json"
	"fmt"
	"syscall/js"

	"proc/web"
)

func main() {
	engine := web.NewEngine()
	js.Global().Set("procCall", js.FuncOf(func(this js.Value, args []js.Value) (resp any) {
		defer func() {
			// A panic in a callback ends the Go program, and every later
			// call would fail with no explanation: answer it as an error
			// instead, and start again from an engine with no run, since
			// the old one may be half-way through a change.
			if r := recover(); r != nil {
				engine = web.NewEngine()
				resp = errorResponse(fmt.Sprintf("internal error: %v; please report this with the script that caused it", r))
			}
		}()
		if len(args) != 1 || args[0].Type() != js.TypeString {
			return errorResponse("procCall takes one argument, the request as a JSON string")
		}
		return string(engine.Call([]byte(args[0].String())))
	}))
	// The engine lives as long as the worker: main must not return, or
	// procCall would answer that the program has exited.
	select {}
}

// errorResponse is a response of the wire protocol that says the request
// failed with message.
func errorResponse(message string) string {
	type failure struct {
		Message string `json:"message"`
	}
	b, _ := json.Marshal(struct {
		OK    bool    `json:"ok"`
		Error failure `json:"error"`
	}{Error: failure{message}})
	return string(b)
}
