// Package optim builds the optimiser step of the trainer as a GoMLX graph: Adam and SGD with
// momentum in PyTorch's form, ℓ2 weight decay added to the gradient (PyTorch's weight_decay, not
// AdamW's decoupled decay), and two learning rates: one for the variables of a head scope and one for
// the others (the backbone), as Table 4's protocol asks.
//
// With g = ∂L/∂w + wd·w and t the step (starting at 1):
//
//	Adam: m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  w ← w − lr_t·(m/(1−β1^t)) / (√(v/(1−β2^t)) + ε)
//	SGD:  b ← μ·b + g;  w ← w − lr_t·b
//
// where lr_t = lr (schedule "constant") or, with schedule "cosine" over T steps,
// lr_t = lr·½·(1 + cos(π·min(t−1, T)/T)): lr at the first step, decaying to 0 at step T+1.
// A warm-up of W steps further multiplies lr_t by min(1, t/W), keeping the first steps small while
// the network's predictions (and so its pseudo-labels) are still close to uniform.
package optim

import (
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// Scope is the context scope that holds the optimiser's state (moments, momentum buffers).
const Scope = "optim"

// Options configures the optimiser.
type Options struct {
	Name        string  // "adam" or "sgd"
	LR          float64 // learning rate (of the head when BackboneLR > 0)
	BackboneLR  float64 // learning rate of variables outside HeadScope; 0: LR for all
	HeadScope   string  // a variable is in the head when its scope has a path element equal to HeadScope
	WeightDecay float64 // ℓ2 coefficient added to the gradient: g + wd·w
	Momentum    float64 // SGD momentum μ
	Beta1       float64 // Adam β1
	Beta2       float64 // Adam β2
	Epsilon     float64 // Adam ε
	Schedule    string  // "constant" (or "") or "cosine"
	TotalSteps  int     // T of the cosine schedule (≥ 1)
	Warmup      int     // W: linear warm-up steps (0: none)
}

// Optimizer implements optimizers.Interface with Options.
type Optimizer struct{ opt Options }

// New returns the optimiser for opt; it fails on an unknown name.
func New(opt Options) (*Optimizer, error) {
	if opt.Name != "adam" && opt.Name != "sgd" {
		return nil, fmt.Errorf("optimiser %q: want adam or sgd", opt.Name)
	}
	switch opt.Schedule {
	case "", "constant":
	case "cosine":
		if opt.TotalSteps < 1 {
			return nil, fmt.Errorf("cosine schedule needs at least one step, got %d", opt.TotalSteps)
		}
	default:
		return nil, fmt.Errorf("learning-rate schedule %q: want constant or cosine", opt.Schedule)
	}
	if opt.Warmup < 0 {
		return nil, fmt.Errorf("warm-up of %d steps: want 0 or more", opt.Warmup)
	}
	return &Optimizer{opt: opt}, nil
}

// IsHead tells whether a variable of the given scope is in the head (uses LR rather than BackboneLR).
func (o *Optimizer) IsHead(scope string) bool {
	if o.opt.HeadScope == "" {
		return false
	}
	for _, part := range strings.Split(scope, context.ScopeSeparator) {
		if part == o.opt.HeadScope {
			return true
		}
	}
	return false
}

// lrFor returns the learning rate of a variable in scope.
func (o *Optimizer) lrFor(scope string) float64 {
	if o.opt.BackboneLR > 0 && !o.IsHead(scope) {
		return o.opt.BackboneLR
	}
	return o.opt.LR
}

// UpdateGraph adds one optimiser step on loss (a scalar) to the graph: gradients of every trainable
// variable used by the graph, and the updates of those variables and of the optimiser state. It
// increments the global step (optimizers.GetGlobalStep), which is t in the Adam bias correction.
func (o *Optimizer) UpdateGraph(ctx *context.Context, g *Graph, loss *Node) {
	if !loss.Shape().IsScalar() {
		panic(fmt.Sprintf("optimiser needs a scalar loss, got shape %s", loss.Shape()))
	}
	var vars []*context.Variable
	for v := range ctx.IterVariables() {
		if v.Trainable && v.InUseByGraph(g) {
			vars = append(vars, v)
		}
	}
	if len(vars) == 0 {
		panic("optimiser: the loss depends on no trainable variable")
	}
	grads := ctx.BuildTrainableVariablesGradientsGraph(loss)
	step := optimizers.IncrementGlobalStepGraph(ctx, g, dtypes.Float64)
	var factor *Node // lr_t / lr, nil for a constant learning rate
	if o.opt.Schedule == "cosine" {
		T := float64(o.opt.TotalSteps)
		frac := DivScalar(Min(AddScalar(step, -1), Scalar(g, dtypes.Float64, T)), T)
		factor = MulScalar(OnePlus(Cos(MulScalar(frac, math.Pi))), 0.5)
	}
	if o.opt.Warmup > 0 {
		ramp := MinScalar(DivScalar(step, float64(o.opt.Warmup)), 1)
		if factor == nil {
			factor = ramp
		} else {
			factor = Mul(factor, ramp)
		}
	}
	for i, v := range vars {
		w := v.ValueGraph(g)
		dt := w.DType()
		grad := grads[i]
		if o.opt.WeightDecay > 0 {
			grad = Add(grad, MulScalar(w, o.opt.WeightDecay))
		}
		lr := o.lrFor(v.Scope())
		// The state of variable /a/b/w lives in /optim/a/b.
		stateCtx := ctx.InAbsPath(context.RootScope + Scope + v.Scope()).Checked(false).WithInitializer(initializers.Zero)
		var delta *Node
		switch o.opt.Name {
		case "sgd":
			if o.opt.Momentum > 0 {
				bufVar := stateCtx.VariableWithShape(v.Name()+"_momentum", v.Shape()).SetTrainable(false)
				buf := Add(MulScalar(bufVar.ValueGraph(g), o.opt.Momentum), grad)
				bufVar.SetValueGraph(buf)
				grad = buf
			}
			delta = MulScalar(grad, lr)
		default: // adam
			mVar := stateCtx.VariableWithShape(v.Name()+"_m", v.Shape()).SetTrainable(false)
			vVar := stateCtx.VariableWithShape(v.Name()+"_v", v.Shape()).SetTrainable(false)
			b1, b2 := o.opt.Beta1, o.opt.Beta2
			m := Add(MulScalar(mVar.ValueGraph(g), b1), MulScalar(grad, 1-b1))
			s := Add(MulScalar(vVar.ValueGraph(g), b2), MulScalar(Square(grad), 1-b2))
			mVar.SetValueGraph(m)
			vVar.SetValueGraph(s)
			// Bias corrections 1/(1−β^t), computed in float64 and cast to the variable's dtype.
			c1 := ConvertDType(Reciprocal(OneMinus(Pow(Scalar(g, dtypes.Float64, b1), step))), dt)
			c2 := ConvertDType(Reciprocal(OneMinus(Pow(Scalar(g, dtypes.Float64, b2), step))), dt)
			denom := AddScalar(Sqrt(Mul(s, c2)), o.opt.Epsilon)
			delta = MulScalar(Div(Mul(m, c1), denom), lr)
		}
		if factor != nil {
			delta = Mul(delta, ConvertDType(factor, dt))
		}
		v.SetValueGraph(Sub(w, delta))
	}
}

// Clear deletes the optimiser state.
func (o *Optimizer) Clear(ctx *context.Context) error {
	return ctx.InAbsPath(context.RootScope + Scope).DeleteVariablesInScope()
}

var _ optimizers.Interface = (*Optimizer)(nil)
