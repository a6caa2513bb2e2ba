package interp

// What the tests of package interp_test, which explore (package explore
// imports interp), use of this package's tests.

var (
	FastCases  = fastCases
	FuzzLimits = fuzzLimits
	FirstDiff  = firstDiff
	CompactMin = compactMin
)

// WithReference returns opts with a race detector that runs the reference
// detector beside the detector, which compacts its state when it has grown
// by minLimit (withReference), and a function that finds the first run
// made with those options in which the two differ: its index and the
// difference, or -1 and "".
func WithReference(opts Options, minLimit int) (Options, func() (int, string)) {
	newRace, tees := withReference(minLimit)
	opts.newRace = newRace
	return opts, func() (int, string) {
		for i, tee := range *tees {
			if d := tee.diff(); d != "" {
				return i, d
			}
		}
		return -1, ""
	}
}
