package cpu

// SetElementwiseFusion turns the fusion of elementwise ops on or off (on by default).
func SetElementwiseFusion(on bool) { noElementwiseFusion = !on }

// SetSumMerging turns the merging of sums into the pass of the program they read on or off (on by
// default).
func SetSumMerging(on bool) { noSumMerging = !on }
