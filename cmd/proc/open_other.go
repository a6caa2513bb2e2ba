//go:build !unix

package main

import "os"

// openRegular opens path for reading; the caller has checked that it is a
// regular file.
func openRegular(path string, follow bool) (*os.File, error) {
	return os.Open(path)
}
