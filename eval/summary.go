package eval

import (
	"fmt"
	"math"
)

// Stat is the mean and spread of one score over several runs.
type Stat struct {
	Mean float64 `json:"mean"`
	// Std is the population standard deviation sqrt(Σ(x−mean)²/n), numpy's default (ddof=0),
	// which is what papers that tabulate "mean (std)" from np.std report.
	Std float64 `json:"std"`
	// SampleStd is the unbiased-variance form sqrt(Σ(x−mean)²/(n−1)); 0 when n = 1.
	SampleStd float64 `json:"sample_std"`
	Runs      int     `json:"runs"`
}

// Summarize returns the mean and standard deviations of xs. An empty slice gives the zero Stat
// (Runs = 0), so that reports stay valid JSON.
func Summarize(xs []float64) Stat {
	n := len(xs)
	if n == 0 {
		return Stat{}
	}
	var mean float64
	for _, x := range xs {
		mean += x
	}
	mean /= float64(n)
	var ss float64
	for _, x := range xs {
		d := x - mean
		ss += d * d
	}
	st := Stat{Mean: mean, Std: math.Sqrt(ss / float64(n)), Runs: n}
	if n > 1 {
		st.SampleStd = math.Sqrt(ss / float64(n-1))
	}
	return st
}

// String formats a score given as a fraction the way papers' tables do, in percent:
// mean with two decimals and the population std with one, e.g. "92.33 (6.4)".
func (s Stat) String() string {
	return fmt.Sprintf("%.2f (%.1f)", 100*s.Mean, 100*s.Std)
}

// Summary is the per-score Stat over several runs.
type Summary struct {
	// Accuracy is the plain accuracy (no matching) over runs of labelled training; nil otherwise.
	Accuracy *Stat `json:"accuracy,omitempty"`
	ACC      Stat  `json:"acc"`
	NMI      Stat  `json:"nmi"`
	ARI      Stat  `json:"ari"`
	Runs     int   `json:"runs"`
}

// SummarizeRuns returns the mean and std of ACC, NMI and ARI over runs, and of the plain
// accuracy when labelled is set.
func SummarizeRuns(runs []Scores, labelled bool) Summary {
	acc := make([]float64, len(runs))
	nmi := make([]float64, len(runs))
	ari := make([]float64, len(runs))
	plain := make([]float64, len(runs))
	for i, r := range runs {
		acc[i], nmi[i], ari[i], plain[i] = r.ACC, r.NMI, r.ARI, r.Accuracy
	}
	s := Summary{ACC: Summarize(acc), NMI: Summarize(nmi), ARI: Summarize(ari), Runs: len(runs)}
	if labelled {
		st := Summarize(plain)
		s.Accuracy = &st
	}
	return s
}

// String formats the summary as "ACC a / NMI b / ARI c" with each part as Stat.String, preceded
// by "plain accuracy p / " for labelled training.
func (s Summary) String() string {
	str := fmt.Sprintf("ACC %v / NMI %v / ARI %v", s.ACC, s.NMI, s.ARI)
	if s.Accuracy != nil {
		str = fmt.Sprintf("plain accuracy %v / ", *s.Accuracy) + str
	}
	return str
}
