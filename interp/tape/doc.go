// Package tape records a run of a script for time travel: every event of
// its trace with the count of instructions at which it was written, the
// program's output, how the run ended, its statistics and its timeline.
// The machine at any step of the run is had again by running the script
// again, with the same settings, to that step: the machine is
// deterministic, and a pause of it is invisible in the run, so nothing
// of the machine itself is kept but the last one run (the next step
// forward continues it; a step back runs again from the start).
//
// "Step N" is the machine after N instructions, in front of the next
// one: what the kernel does between two instructions (a switch, a
// wake-up) belongs to the step before. An event written at step N is in
// the past of the machine at step N, and of no step before it. The last
// step is the end of the run.
//
// In scheduler mode (Options.Choose) the run follows a schedule and then
// stops at the first point where more than one thread could run, for a
// person to choose the next: the schedule so built replays with proc
// run --schedule.
package tape
