// Command gen writes the editors' syntax files from the language's word
// lists; 'go generate ./editors' runs it in the editors folder.
package main

import (
	"fmt"
	"os"

	"proc/editors"
)

func main() {
	if err := editors.Write("."); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
