package cpu

// The ReLU-mask rewrite (reluMasks).

import (
	"maps"
	"slices"

	"github.com/gomlx/gomlx/backends"
)

// reluMasks rewrites the other users of a ReLU's mask to compare the ReLU's output instead of its
// input: for r = Where(x > 0, x, 0), (x > 0) = (r > 0) at every position (NaN included: both are
// false), so the gradient's mask reads r, which is stored for the next layer anyway, and x can be
// computed inside r's fused program without being stored (a residual sum before a ReLU, say). The
// new comparison takes r's id, ordered right after it.
func reluMasks(pc *compilation) {
	reach := pc.reach
	users := usersOf(slices.Collect(maps.Keys(reach)))
	for r := range reach {
		if r.op != backends.OpTypeWhere || len(r.inputs) != 3 || !r.shape.DType.IsFloat() {
			continue
		}
		c, x, z := r.inputs[0], r.inputs[1], r.inputs[2]
		if c.op != backends.OpTypeGreaterThan || c.inputs[0] != x || !isConstScalar(c.inputs[1], 0) || !isConstScalar(z, 0) ||
			!sameDims(c.shape, r.shape) {
			continue
		}
		var others []*node
		for _, u := range users[c] {
			// Users built before r would come before the new comparison: left as they are.
			if u != r && u.id > r.id && !slices.Contains(others, u) {
				others = append(others, u)
			}
		}
		if len(others) == 0 {
			continue
		}
		c2 := &node{id: r.id, sub: 1, op: backends.OpTypeGreaterThan, shape: c.shape, inputs: []*node{r, c.inputs[1]},
			builder: r.builder}
		for _, u := range others {
			for i, in := range u.inputs {
				if in == c {
					u.inputs[i] = c2
				}
			}
		}
		pc.stats.ReluMasks++
	}
}
