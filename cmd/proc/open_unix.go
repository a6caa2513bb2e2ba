//go:build unix

package main

import (
	"os"
	"syscall"
)

// openRegular opens path for reading without waiting on a FIFO that has no
// writer (O_NONBLOCK) and, unless follow, without following a symbolic
// link that took the file's place since it was looked at (O_NOFOLLOW).
func openRegular(path string, follow bool) (*os.File, error) {
	flags := os.O_RDONLY | syscall.O_NONBLOCK
	if !follow {
		flags |= syscall.O_NOFOLLOW
	}
	return os.OpenFile(path, flags, 0)
}
