// Package shell is the REPL of proc (`proc repl`): a session that keeps
// one program and one machine alive across inputs.
//
// A Shell reads what is typed at the prompt (Input) or loaded from a file
// (Load), and runs it at once, or, for a file, one top-level statement at
// a time (Next). Between inputs the machine is paused: Step and Run let
// the other threads go on while the shell thread waits, and Vars, Ps,
// Threads, Stack, Heap and Maps show the machine's state. Settings change
// with Set and SetTrace; the limits count per input. Back goes back a
// number of instructions by running the session again on a new machine.
// Every method says what it has to say to Options.Out, and none ends the
// session, whatever happens in the machine.
//
// The interpreter's side lives in package interp (interp.Prompt): the
// program grows one unit at a time under the compiler's prompt policy,
// and process 1's main thread, the shell thread, runs each unit's piece
// of main and parks at its end until the next input. When the shell
// process dies a fresh one takes over, with every function and global
// still declared.
package shell
