package optim

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// reference runs the same optimiser in plain Go on L(w) = Σ_j c_j·w_j⁴/4 + Σ_j w_j (gradient
// c_j·w_j³ + 1), for variables "backbone" and "head".
func reference(opt Options, w0 map[string][]float64, c []float64, steps int) map[string][]float64 {
	out := map[string][]float64{}
	for name, w0v := range w0 {
		w := append([]float64(nil), w0v...)
		m := make([]float64, len(w))
		v := make([]float64, len(w))
		lr := opt.LR
		if name == "backbone" && opt.BackboneLR > 0 {
			lr = opt.BackboneLR
		}
		for t := 1; t <= steps; t++ {
			lr := lr
			if opt.Schedule == "cosine" {
				lr *= 0.5 * (1 + math.Cos(math.Pi*math.Min(float64(t-1), float64(opt.TotalSteps))/float64(opt.TotalSteps)))
			}
			if opt.Warmup > 0 && t < opt.Warmup {
				lr *= float64(t) / float64(opt.Warmup)
			}
			for j := range w {
				g := c[j]*w[j]*w[j]*w[j] + 1 + opt.WeightDecay*w[j]
				if opt.Name == "sgd" {
					m[j] = opt.Momentum*m[j] + g
					w[j] -= lr * m[j]
					continue
				}
				m[j] = opt.Beta1*m[j] + (1-opt.Beta1)*g
				v[j] = opt.Beta2*v[j] + (1-opt.Beta2)*g*g
				mh := m[j] / (1 - math.Pow(opt.Beta1, float64(t)))
				vh := v[j] / (1 - math.Pow(opt.Beta2, float64(t)))
				w[j] -= lr * mh / (math.Sqrt(vh) + opt.Epsilon)
			}
		}
		out[name] = w
	}
	return out
}

func TestOptimizerMatchesReference(t *testing.T) {
	backend, err := backends.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	cases := []Options{
		{Name: "adam", LR: 0.05, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8},
		{Name: "adam", LR: 0.05, BackboneLR: 0.005, HeadScope: "head", WeightDecay: 0.1, Beta1: 0.8, Beta2: 0.99, Epsilon: 1e-3},
		{Name: "sgd", LR: 0.01, Momentum: 0.9, WeightDecay: 0.01},
		{Name: "sgd", LR: 0.02, BackboneLR: 0.1, HeadScope: "head"},
		{Name: "adam", LR: 0.05, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8, Schedule: "cosine", TotalSteps: 3},
		{Name: "sgd", LR: 0.02, Momentum: 0.5, Schedule: "cosine", TotalSteps: 10},
		{Name: "adam", LR: 0.05, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8, Warmup: 3},
		{Name: "sgd", LR: 0.02, Momentum: 0.9, Schedule: "cosine", TotalSteps: 5, Warmup: 2},
	}
	c := []float64{1, 0.5, 2}
	w0 := map[string][]float64{"backbone": {0.3, -1.2, 0.7}, "head": {-0.4, 0.9, 1.5}}
	const steps = 4
	for _, opt := range cases {
		o, err := New(opt)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.New()
		vars := map[string]*context.Variable{}
		for name, w := range w0 {
			vars[name] = ctx.In("model").In(name).In("layer").VariableWithValue("w", append([]float64(nil), w...))
		}
		exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, g *Graph) *Node {
			cst := Const(g, c)
			var loss *Node
			for _, name := range []string{"backbone", "head"} {
				w := vars[name].ValueGraph(g)
				term := Add(ReduceAllSum(Mul(cst, DivScalar(Mul(Square(w), Square(w)), 4))), ReduceAllSum(w))
				if loss == nil {
					loss = term
				} else {
					loss = Add(loss, term)
				}
			}
			o.UpdateGraph(ctx, g, loss)
			return loss
		})
		if err != nil {
			t.Fatal(err)
		}
		for s := 0; s < steps; s++ {
			if _, err := exec.Exec(); err != nil {
				t.Fatal(err)
			}
		}
		want := reference(opt, w0, c, steps)
		for name, v := range vars {
			got := v.MustValue().Value().([]float64)
			for j := range got {
				if math.Abs(got[j]-want[name][j]) > 1e-12*(1+math.Abs(want[name][j])) {
					t.Errorf("%+v %s[%d]: got %.15g want %.15g", opt, name, j, got[j], want[name][j])
				}
			}
		}
	}
}

func TestNewRejectsUnknown(t *testing.T) {
	for _, o := range []Options{{Name: "rmsprop"}, {Name: "adam", Schedule: "step"}, {Name: "sgd", Schedule: "cosine"}, {Name: "adam", Warmup: -1}} {
		if _, err := New(o); err == nil {
			t.Fatalf("%+v: want error", o)
		}
	}
}

func TestIsHead(t *testing.T) {
	o, _ := New(Options{Name: "sgd", HeadScope: "head"})
	for scope, want := range map[string]bool{"/head": true, "/model/head/dense": true, "/headless": false, "/model/conv": false} {
		if got := o.IsHead(scope); got != want {
			t.Errorf("IsHead(%q) = %v, want %v", scope, got, want)
		}
	}
}
