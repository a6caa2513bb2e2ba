// Package explore is the model checker of `proc explore`: it runs a
// program under every distinct schedule, a depth-first search of the
// machine's states with sleep sets, and the replay of one schedule it
// printed (`proc run --schedule`).
//
// Each run of a search (Run) starts the program afresh and follows a
// forced prefix of choices, then goes its own way. At each point with a
// choice it takes the fingerprint of the machine's state and stops when
// the state was explored before (stateful.go explains why that is sound
// with sleep sets); Options.Stateless turns that off, Options.Bitstate
// keeps the states as bits. A probe run that keeps the threads level
// comes first, and after a search that ended, searches bounded to 0, 1,
// 2... preemptions give each outcome a schedule with the fewest. The choices are made
// only at the operations another thread can observe, and a thread's next
// operation is compared with the others' through the footprints the
// interpreter gives (interp.VM.Next, interp.Dependent): sleep sets skip
// the interleavings that differ only in the order of operations that
// commute, an operation that touches nothing shared runs first alone,
// and a join or wait that would block waits until its thread or process
// has ended (stateful.go).
//
// A search always has bounds (Options; DefaultMaxSchedules and the other
// defaults): schedules, instructions, choices in one schedule, memory
// kept, and optionally preemptions. Result says whether every schedule
// was covered, and if not, why the search stopped (Stop).
//
// The distinct results of the runs are Outcomes, keyed by the output,
// the exit statuses, the faults, a deadlock and a limit; each keeps one
// schedule that reaches it, as does each data race found (the race
// detector is on in every run). ParseSchedule reads such a schedule,
// CheckSchedule tells whether it fits a program, and Replay is the
// chooser that follows it in a run of the interpreter.
package explore
