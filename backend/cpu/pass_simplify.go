package cpu

// The peephole simplifier of fused programs (simplifyProgram).

import (
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/backends"
)

// simplifyProgram replaces Sign(Add(Sign(x), 1)) (either operand order of the Add) by one
// opStepNonNeg step, replaces steps equal to an earlier step by it, then drops the steps no longer
// referenced and renumbers the others.
func simplifyProgram(p fusedProgram, leaves []*node) fusedProgram {
	refs := make([]int, len(p.steps))
	for _, st := range p.steps {
		for _, a := range st.args {
			if a >= 0 {
				refs[a]++
			}
		}
	}
	isOne := func(a int) bool { return a < 0 && isConstScalar(leaves[-a-1], 1) }
	changed := false
	for i := range p.steps {
		st := p.steps[i]
		if st.op != backends.OpTypeSign || st.args[0] < 0 || refs[st.args[0]] != 1 {
			continue
		}
		add := p.steps[st.args[0]]
		if add.op != backends.OpTypeAdd {
			continue
		}
		inner := -1
		switch {
		case isOne(add.args[1]) && add.args[0] >= 0:
			inner = add.args[0]
		case isOne(add.args[0]) && add.args[1] >= 0:
			inner = add.args[1]
		}
		if inner < 0 || refs[inner] != 1 || p.steps[inner].op != backends.OpTypeSign {
			continue
		}
		p.steps[i] = fusedStep{op: opStepNonNeg, args: []int{p.steps[inner].args[0]}}
		changed = true
	}
	// Common steps: a step equal to an earlier one (same op, same operands) is replaced by it.
	same := map[string]int{}
	alias := make([]int, len(p.steps))
	for i := range p.steps {
		alias[i] = i
		st := &p.steps[i]
		for j, a := range st.args {
			if a >= 0 && alias[a] != a {
				st.args[j] = alias[a]
				changed = true
			}
		}
		key := fmt.Sprint(st.op, st.args)
		if k, ok := same[key]; ok && i != len(p.steps)-1 {
			alias[i] = k
			changed = true
			continue
		}
		same[key] = i
	}
	if !changed {
		return p
	}
	// Keep the steps reachable from the result, in order.
	live := make([]bool, len(p.steps))
	live[len(p.steps)-1] = true
	for i := len(p.steps) - 1; i >= 0; i-- {
		if !live[i] {
			continue
		}
		for _, a := range p.steps[i].args {
			if a >= 0 {
				live[a] = true
			}
		}
	}
	newIndex := make([]int, len(p.steps))
	var steps []fusedStep
	for i, st := range p.steps {
		if !live[i] {
			continue
		}
		args := slices.Clone(st.args)
		for j, a := range args {
			if a >= 0 {
				args[j] = newIndex[a]
			}
		}
		newIndex[i] = len(steps)
		steps = append(steps, fusedStep{op: st.op, args: args})
	}
	p.steps = steps
	return p
}
