package cpu

// SetElementwiseFusion turns the fusion of elementwise ops on or off (on by default).
func SetElementwiseFusion(on bool) { noElementwiseFusion = !on }
