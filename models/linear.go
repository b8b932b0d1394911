package models

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// buildLinear returns z = x·W + b on flattened inputs of dimension D = H·W·C (the paper's Table 2), with
// W ~ N(0, 2/D) (Kaiming normal, fan_in, gain √2) and b = 0, in HeadScope.
func buildLinear(cfg Config) (ModelFn, error) {
	return func(ctx *context.Context, x *graph.Node) *graph.Node {
		return dense(ctx.In(HeadScope), flatten(x), cfg.Clusters, false)
	}, nil
}

func linearMACs(cfg Config) (int64, error) {
	return int64(cfg.InputDim()) * int64(cfg.Clusters), nil
}
