module proc/bench

go 1.26.8

require (
	github.com/yuin/gopher-lua v1.1.2
	go.starlark.net v0.0.0-20260908191801-89a6a09411d5
	proc v0.0.0
)

require (
	github.com/alecthomas/participle/v2 v2.1.4 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

replace proc => ../
