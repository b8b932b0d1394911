package cpu

import (
	"fmt"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/shapeinference"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pkg/errors"
)

// execFn runs a single-output op. ins[i] may be reused for the output when owned[i] is true; an
// executor that takes over an input sets ins[i] to nil.
type execFn func(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error)

// multiExecFn runs a multi-output op.
type multiExecFn func(b *Backend, n *node, ins []*Buffer, owned []bool) ([]*Buffer, error)

var (
	executors      = map[backends.OpType]execFn{}
	multiExecutors = map[backends.OpType]multiExecFn{}
	supportedOps   = map[backends.OpType]bool{
		backends.OpTypeParameter: true,
		backends.OpTypeConstant:  true,
	}
)

func register(op backends.OpType, fn execFn) {
	executors[op] = fn
	supportedOps[op] = true
}

func registerMulti(op backends.OpType, fn multiExecFn) {
	multiExecutors[op] = fn
	supportedOps[op] = true
}

// Executable is a compiled program: nodes in topological order with the step of their last use.
type Executable struct {
	backend  *Backend
	name     string
	prog     []*node
	slot     map[*node]int
	lastUse  []int
	isOutput []bool
	outputs  []int
	params   []*node
	inSlots  [][]int
	stats    CompileStats
}

// Stats returns the counts of the rewrites made when compiling e.
func (e *Executable) Stats() CompileStats { return e.stats }

var _ backends.Executable = (*Executable)(nil)

// Compile implements backends.Builder.
func (b *Builder) Compile(outputs []backends.Op, shardings []*backends.ShardingSpec) (backends.Executable, error) {
	if len(shardings) > 0 {
		return nil, errors.New("cpu backend: sharding not supported")
	}
	outs, err := b.toNodes("Compile", outputs...)
	if err != nil {
		return nil, err
	}
	b.compiled = true
	pc := &compilation{reach: reachable(outs), outs: outs}
	runPasses(pc)
	reach := pc.reach
	prog := make([]*node, 0, len(reach))
	for n := range reach {
		prog = append(prog, n)
	}
	// A multi-output node made by a rewrite can share its id with its first projection: it comes
	// first.
	sort.Slice(prog, func(i, j int) bool {
		a, b := prog[i], prog[j]
		if a.id != b.id {
			return a.id < b.id
		}
		if a.sub != b.sub {
			return a.sub < b.sub
		}
		return a.op != opProjection && b.op == opProjection
	})
	e := &Executable{backend: b.backend, name: b.name, prog: prog, slot: make(map[*node]int, len(prog)),
		params: b.params, stats: pc.stats}
	b.backend.addStats(pc.stats)
	for i, n := range prog {
		e.slot[n] = i
		if n.op == opProjection {
			continue
		}
		if n.multiShapes != nil {
			if multiExecutors[n.op] == nil {
				return nil, errors.Errorf("cpu backend: operation %s is not implemented", n.op)
			}
		} else if n.op != backends.OpTypeParameter && n.op != backends.OpTypeConstant && executors[n.op] == nil {
			return nil, errors.Errorf("cpu backend: operation %s is not implemented", n.op)
		}
	}
	e.lastUse = make([]int, len(prog))
	e.isOutput = make([]bool, len(prog))
	e.inSlots = make([][]int, len(prog))
	for i, n := range prog {
		e.lastUse[i] = i
		e.inSlots[i] = make([]int, len(n.inputs))
		for j, in := range n.inputs {
			s := e.slot[in]
			e.inSlots[i][j] = s
			if n.op != opProjection {
				e.lastUse[s] = i
			}
		}
	}
	// A multi-output node lives until its last projection has been taken.
	for i, n := range prog {
		if n.op == opProjection {
			s := e.slot[n.inputs[0]]
			e.lastUse[s] = max(e.lastUse[s], i)
		}
	}
	for _, o := range outs {
		s := e.slot[o]
		e.isOutput[s] = true
		e.outputs = append(e.outputs, s)
		e.lastUse[s] = len(prog)
	}
	return e, nil
}

// reachable returns the nodes the outputs depend on, including all projections of multi-output nodes.
func reachable(outs []*node) map[*node]bool {
	seen := map[*node]bool{}
	stack := append([]*node(nil), outs...)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[n] {
			continue
		}
		seen[n] = true
		stack = append(stack, n.inputs...)
		stack = append(stack, n.projs...)
	}
	return seen
}

// Finalize implements backends.Executable.
func (e *Executable) Finalize() { e.prog = nil }

// Inputs implements backends.Executable.
func (e *Executable) Inputs() (names []string, inputShapes []shapes.Shape) {
	for _, p := range e.params {
		names = append(names, p.params.(paramInfo).name)
		inputShapes = append(inputShapes, p.shape)
	}
	return
}

// Outputs implements backends.Executable.
func (e *Executable) Outputs() []shapes.Shape {
	out := make([]shapes.Shape, len(e.outputs))
	for i, s := range e.outputs {
		out[i] = e.prog[s].shape
	}
	return out
}

// Execute implements backends.Executable. Donated inputs may be reused for intermediate values or
// outputs; the others are never modified.
func (e *Executable) Execute(inputs []backends.Buffer, donate []bool, _ backends.DeviceNum) (results []backends.Buffer, err error) {
	if e.prog == nil {
		return nil, errors.New("cpu backend: executable finalized")
	}
	if len(inputs) != len(e.params) {
		return nil, errors.Errorf("cpu backend: %q takes %d inputs, got %d", e.name, len(e.params), len(inputs))
	}
	in := make([]*Buffer, len(inputs))
	for i, x := range inputs {
		buf, err := asBuffer(x)
		if err != nil {
			return nil, errors.WithMessagef(err, "input #%d", i)
		}
		if !buf.shape.Equal(e.params[i].shape) {
			return nil, errors.Errorf("cpu backend: input #%d (%s) has shape %s, want %s", i,
				e.params[i].params.(paramInfo).name, buf.shape, e.params[i].shape)
		}
		in[i] = buf
	}
	values := make([]*Buffer, len(e.prog))
	owned := make([]bool, len(e.prog))
	var current *node
	defer func() {
		if r := recover(); r != nil {
			op := "?"
			if current != nil {
				op = current.op.String()
			}
			err = errors.Errorf("cpu backend: executing %s: %v\n%s", op, r, debug.Stack())
			results = nil
		}
	}()
	b := e.backend
	for i, n := range e.prog {
		current = n
		switch n.op {
		case backends.OpTypeParameter:
			idx := n.params.(paramInfo).index
			values[i] = in[idx]
			owned[i] = idx < len(donate) && donate[idx]
		case backends.OpTypeConstant:
			values[i] = n.params.(*Buffer)
		case opProjection:
			// Filled in when the multi-output node ran.
		default:
			ins := make([]*Buffer, len(n.inputs))
			insOwned := make([]bool, len(n.inputs))
			for j, s := range e.inSlots[i] {
				ins[j] = values[s]
				insOwned[j] = owned[s] && e.lastUse[s] == i && !e.isOutput[s] && countInt(e.inSlots[i], s) == 1
			}
			var t0 time.Time
			if opProfile.Load() {
				t0 = time.Now()
			}
			if n.multiShapes != nil {
				outs, err := multiExecutors[n.op](b, n, ins, insOwned)
				if err != nil {
					return nil, errors.WithMessagef(err, "cpu backend: %s", opName(n.op))
				}
				for k, p := range n.projs {
					if s, ok := e.slot[p]; ok {
						values[s] = outs[k]
						owned[s] = true
					} else {
						b.release(outs[k])
					}
				}
			} else {
				out, err := executors[n.op](b, n, ins, insOwned)
				if err != nil {
					return nil, errors.WithMessagef(err, "cpu backend: %s", opName(n.op))
				}
				if !out.shape.Equal(n.shape) {
					return nil, errors.Errorf("cpu backend: %s produced %s, want %s", n.op, out.shape, n.shape)
				}
				values[i] = out
				owned[i] = true
			}
			if opProfile.Load() {
				recordOpTime(n, time.Since(t0))
			}
			for j, s := range e.inSlots[i] {
				if e.lastUse[s] != i || values[s] == nil {
					continue
				}
				if ins[j] != nil && owned[s] && !e.isOutput[s] {
					b.release(values[s])
				}
				values[s] = nil
			}
		}
		if e.lastUse[i] == i && values[i] != nil {
			if owned[i] && !e.isOutput[i] {
				b.release(values[i])
			}
			values[i] = nil
		}
	}
	current = nil
	results = make([]backends.Buffer, len(e.outputs))
	handed := map[int]bool{}
	for k, s := range e.outputs {
		v := values[s]
		if v == nil || v.flat == nil {
			return nil, errors.Errorf("cpu backend: output #%d missing", k)
		}
		if !owned[s] || handed[s] {
			c := &Buffer{shape: v.shape, flat: allocFlat(v.shape.DType, v.shape.Size())}
			if err := copyFlat(c.flat, v.flat); err != nil {
				return nil, err
			}
			v = c
		}
		handed[s] = true
		results[k] = v
	}
	return results, nil
}

func countInt(list []int, v int) int {
	c := 0
	for _, x := range list {
		if x == v {
			c++
		}
	}
	return c
}

// String describes the compiled program, one op per line.
func (e *Executable) String() string {
	s := ""
	for i, n := range e.prog {
		ins := ""
		for _, x := range e.inSlots[i] {
			ins += fmt.Sprintf(" %d", x)
		}
		s += fmt.Sprintf("%d: %s %s <-%s\n", i, n.op, n.shape, ins)
	}
	return s
}

var (
	opProfile   atomic.Bool
	opProfileMu sync.Mutex
	opTimes     = map[string]time.Duration{}
)

// SetOpProfile turns on or off the accumulation of time spent per operation type (see OpProfile).
func SetOpProfile(on bool) { opProfile.Store(on) }

// OpProfile returns the time spent per operation type since the last call, and resets it.
func OpProfile() map[string]time.Duration {
	opProfileMu.Lock()
	defer opProfileMu.Unlock()
	out := opTimes
	opTimes = map[string]time.Duration{}
	return out
}

func recordOpTime(n *node, d time.Duration) {
	name := opName(n.op)
	switch n.op {
	default:
		if n.shape.Ok() {
			name += fmt.Sprintf("%v", n.shape.Dimensions)
		}
	case backends.OpTypeReduceSum, backends.OpTypeReduceMax:
		name += fmt.Sprintf("%v->%v", n.inputs[0].shape.Dimensions, n.shape.Dimensions)
	case opFusedMax:
		p := n.params.(fusedMaxParams)
		name += fmt.Sprintf("%v->%v", p.inShape.Dimensions, n.shape.Dimensions)
	case opFusedMulti:
		p := n.params.(fusedMultiParams)
		ops := ""
		for _, st := range p.prog.steps {
			ops += opName(st.op)[:3]
		}
		name += fmt.Sprintf("%v:%s", p.inShape.Dimensions, ops)
		if p.valueStep >= 0 {
			name += fmt.Sprintf("+%dsums", len(p.sumSteps))
		} else {
			name += fmt.Sprintf(":%dsums", len(p.sumSteps))
		}
	case opFusedElementwise:
		p := n.params.(fusedProgram)
		ops := ""
		for _, st := range p.steps {
			ops += opName(st.op)[:3]
		}
		name += fmt.Sprintf("%v:%s", n.shape.Dimensions, ops)
	}
	opProfileMu.Lock()
	opTimes[name] += d
	opProfileMu.Unlock()
}

// elideScalarBroadcasts makes elementwise ops read a broadcast single value directly (their
// executors broadcast size-1 operands), so that e.g. Max(x, BroadcastInDim(0)) does not materialize
// a tensor of zeros.
func elideScalarBroadcasts(pc *compilation) {
	reach := pc.reach
	for n := range reach {
		if !shapeinference.StandardBinaryOperations.Has(n.op) && !shapeinference.ComparisonOperations.Has(n.op) &&
			n.op != backends.OpTypeWhere {
			continue
		}
		for i, in := range n.inputs {
			if in.op == backends.OpTypeBroadcastInDim && in.inputs[0].shape.Size() == 1 {
				n.inputs[i] = in.inputs[0]
			}
		}
	}
}

func sortSlice(nodes []*node, less func(a, b *node) bool) {
	sort.Slice(nodes, func(i, j int) bool { return less(nodes[i], nodes[j]) })
}
