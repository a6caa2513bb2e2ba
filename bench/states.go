package main

import (
	"fmt"
	"slices"
)

// runStates counts the states of a model of example 34: two processes
// each add 1 to a shared counter k times (a load, then a store). A state
// is what each process has done (its loop counter; whether it has
// loaded, and the value it loaded) and the counter, at the points where
// one of them is about to load or store: the points where explore's
// search stores a state (a process's own stack work runs alone there).
// It is a lower bound of what that search stores, which also has the
// main process's spawns and waits and the processes' ends; nothing
// smaller than this can tell every final counter apart.
//
// The states are counted layer by layer, a layer being the states after
// one more load or store: each state is in exactly one, so a layer is
// all that is ever held.
func runStates(k int) error {
	if k < 1 || k > 127 {
		return fmt.Errorf("-states wants a count of increments from 1 to 127, not %d", k)
	}
	total, widest := countStates(k)
	fmt.Printf("two processes x %d increments of a shared counter: %d states (at most %d after the same number of loads and stores)\n", k, total, widest)
	return nil
}

// countStates returns the states of runStates's model with k increments
// a process, and the most in one layer.
func countStates(k int) (total, widest int) {
	kk := uint64(k)
	layer := []uint64{packState(0, 0, 0, 0, 0, 0, 0)}
	for len(layer) > 0 {
		total += len(layer)
		widest = max(widest, len(layer))
		var next []uint64
		for _, s := range layer {
			ia, la, va := s&0x7f, s>>7&1, s>>8&0xff
			ib, lb, vb := s>>16&0x7f, s>>23&1, s>>24&0xff
			c := s >> 32 & 0xff
			if ia < kk {
				if la == 0 {
					next = append(next, packState(ia, 1, c, ib, lb, vb, c))
				} else {
					next = append(next, packState(ia+1, 0, 0, ib, lb, vb, va+1))
				}
			}
			if ib < kk {
				if lb == 0 {
					next = append(next, packState(ia, la, va, ib, 1, c, c))
				} else {
					next = append(next, packState(ia, la, va, ib+1, 0, 0, vb+1))
				}
			}
		}
		slices.Sort(next)
		layer = slices.Compact(next)
	}
	return total, widest
}

// packState puts a state of runStates in one word: per process its loop
// counter (7 bits), whether it has loaded (1) and the value loaded (8),
// then the counter (8).
func packState(ia, la, va, ib, lb, vb, c uint64) uint64 {
	return ia | la<<7 | va<<8 | ib<<16 | lb<<23 | vb<<24 | c<<32
}
