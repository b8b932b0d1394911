package eval_test

import (
	"fmt"

	"github.com/cct-dev/cct/eval"
)

func ExampleEvaluate() {
	pred := []int{0, 0, 0, 1, 1, 1}  // two clusters
	truth := []int{0, 0, 1, 1, 2, 2} // three classes
	s, err := eval.Evaluate(pred, truth)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("ACC %.4f NMI %.4f ARI %.4f map %v\n", s.ACC, s.NMI, s.ARI, s.Mapping)
	// Output: ACC 0.6667 NMI 0.5158 ARI 0.2424 map map[0:0 1:2]
}

func ExampleSummarizeRuns() {
	runs := []eval.Scores{{ACC: 0.95, NMI: 0.90, ARI: 0.89}, {ACC: 0.85, NMI: 0.80, ARI: 0.75}}
	fmt.Println(eval.SummarizeRuns(runs, false))
	// Output: ACC 90.00 (5.0) / NMI 85.00 (5.0) / ARI 82.00 (7.0)
}
