package train

import (
	"fmt"

	"github.com/cct-dev/cct/losses"
	"github.com/cct-dev/cct/pseudolabel"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// targetSource says where the soft targets y of a method's network step come from.
type targetSource int

const (
	noTargets     targetSource = iota // the loss takes no y (migd, imsat, iic, seeds)
	solvedTargets                     // a y-step solver on σ, per batch or per epoch (method.solve)
	selaTargets                       // SeLa's hard labels, refreshed by Sinkhorn on a schedule
	labelTargets                      // the noisy soft labels of supervised training (Figure 2)
)

// method is one value of the key loss: everything the trainer, the network, evaluation and the
// reports need to know about it. The registry methods lists them all; nothing else in the package
// switches on the loss name.
type method struct {
	name string
	// network is false for a method without a network (k-means in Go): no backend, no checkpoint,
	// nothing to evaluate or predict with.
	network bool
	// targets is where the network step's y comes from.
	targets targetSource
	// labelled marks training on labels (every example's, or only the seeds'), so that output c is
	// class c and the figure is the plain accuracy; seeds.fraction > 0 makes any method labelled.
	labelled bool
	// augView tells whether the network step takes an augmented view x' (nil: never).
	augView func(cfg *Config, hasPipeline bool) bool
	// vat tells whether the network step takes the VAT radii ε (nil: never).
	vat func(cfg *Config) bool
	// solve is the y-step of solvedTargets: y (n×k) from σ (n×k).
	solve func(cfg *Config, sigma []float64, n, k int) (pseudolabel.Result, error)
	// loss builds the method's training loss from the step's nodes (see network.lossGraph).
	loss func(n *network, t stepNodes) *Node
	// validate checks the keys the method needs (nil: nothing more than Config.Validate).
	validate func(cfg *Config) error
	// label names the method in reports and tables (nil: the name).
	label func(cfg *Config) string
}

// stepNodes are the nodes of one network step that a method's loss is built from: z = model(x),
// zAug = model(x') (nil without the augmented view), the VAT radii ε and the targets y (nil when
// the method does not take them).
type stepNodes struct {
	ctx          *context.Context
	x, z, zAug   *Node
	eps, targets *Node
}

// withAug returns f(z, y) + β·f(z', y), the term of the clean view plus β times that of the
// augmented view when there is one.
func (t stepNodes) withAug(beta float64, f func(z, y *Node) *Node) *Node {
	l := f(t.z, t.targets)
	if t.zAug != nil {
		l = Add(l, MulScalar(f(t.zAug, t.targets), beta))
	}
	return l
}

// targetsAugView: the self-labeling and supervised methods add β·H(y, σ(x')) when there is a
// pipeline and β > 0.
func targetsAugView(cfg *Config, hasPipeline bool) bool {
	return hasPipeline && cfg.Augment.Weight > 0
}

// collisionLoss is mean H2(y, σ(z)) + β·mean H2(y, σ(z')).
func collisionLoss(n *network, t stepNodes) *Node {
	return t.withAug(n.cfg.Augment.Weight, losses.CollisionCE)
}

// shannonLoss is mean H(y, σ(z)) + β·mean H(y, σ(z')).
func shannonLoss(n *network, t stepNodes) *Node {
	return t.withAug(n.cfg.Augment.Weight, losses.SoftCrossEntropy)
}

// imsatVAT tells whether IMSAT's R_SAT is VAT (imsat.sat vat) rather than the augmented view.
func imsatVAT(cfg *Config) bool { return cfg.IMSAT.SAT == "vat" }

// needsPipeline is the validation of methods that always take an augmented view.
func needsPipeline(cfg *Config) error {
	if cfg.Augment.Pipeline == "none" {
		return fmt.Errorf("key augment.pipeline: loss %s needs an augmented view, set a pipeline other than none", cfg.Loss)
	}
	return nil
}

// methods is the registry of the values of the key loss, in the order help and errors list them.
var methods = []*method{
	{
		name: "cce", network: true, targets: solvedTargets, augView: targetsAugView, loss: collisionLoss,
		solve: func(cfg *Config, sigma []float64, n, k int) (pseudolabel.Result, error) {
			if cfg.Pseudolabel.Method == "newton" {
				nr, err := pseudolabel.Newton(sigma, n, k, pseudolabel.NewtonOptions{
					Lambda: cfg.Lambda, Tol: cfg.Pseudolabel.NewtonTol, MaxIters: cfg.Pseudolabel.MaxIters, Threads: cfg.Pseudolabel.Threads})
				return nr.Result, err
			}
			return pseudolabel.EM(sigma, n, k, pseudolabel.EMOptions{
				Lambda: cfg.Lambda, Tol: cfg.Pseudolabel.Tol, MaxIters: cfg.Pseudolabel.MaxIters, Threads: cfg.Pseudolabel.Threads})
		},
	},
	{
		name: "cce-pgd", network: true, targets: solvedTargets, augView: targetsAugView, loss: collisionLoss,
		solve: func(cfg *Config, sigma []float64, n, k int) (pseudolabel.Result, error) {
			obj := pseudolabel.Objective11
			if cfg.Pseudolabel.PGDLoss == 10 {
				obj = pseudolabel.Objective10
			}
			return pseudolabel.PGD(sigma, n, k, pseudolabel.PGDOptions{Objective: obj, Lambda: cfg.Lambda,
				Step: cfg.Pseudolabel.PGDStep, Tol: cfg.Pseudolabel.Tol, MaxIters: cfg.Pseudolabel.MaxIters, Threads: cfg.Pseudolabel.Threads})
		},
	},
	{
		name: "miadm", network: true, targets: solvedTargets, augView: targetsAugView, loss: shannonLoss,
		solve: func(cfg *Config, sigma []float64, n, k int) (pseudolabel.Result, error) {
			y, err := pseudolabel.MIADMUpdate(sigma, n, k)
			return pseudolabel.Result{Y: y, Iters: 1}, err // one closed-form update
		},
	},
	{name: "sela", network: true, targets: selaTargets, augView: targetsAugView, loss: shannonLoss},
	{
		name: "migd", network: true,
		loss: func(n *network, t stepNodes) *Node { return losses.MIGD(t.z, n.cfg.MIGD.FairWeight) },
	},
	{
		name: "imsat", network: true, vat: imsatVAT,
		augView: func(cfg *Config, _ bool) bool { return !imsatVAT(cfg) },
		loss: func(n *network, t stepNodes) *Node {
			cfg := n.cfg
			info := MulScalar(losses.IMSATInfo(t.z, cfg.IMSAT.Mu), cfg.IMSAT.LambdaI)
			if t.eps != nil {
				forward := func(x *Node) *Node { return n.model(t.ctx, x) }
				noise := t.ctx.RandomNormal(t.x.Graph(), t.x.Shape())
				return Add(losses.VAT(forward, t.x, noise, cfg.IMSAT.Xi, t.eps), info)
			}
			return Add(losses.IMSATKL(t.z, t.zAug), info)
		},
		validate: func(cfg *Config) error {
			if !imsatVAT(cfg) {
				return needsPipeline(cfg)
			}
			return nil
		},
		label: func(cfg *Config) string {
			if imsatVAT(cfg) {
				return "imsat (VAT)"
			}
			return "imsat (augmented view)"
		},
	},
	{
		name: "iic", network: true, augView: func(*Config, bool) bool { return true }, validate: needsPipeline,
		loss: func(n *network, t stepNodes) *Node { return losses.IIC(t.z, t.zAug, 1) },
	},
	{name: "kmeans"},
	{name: "supervised-ce", network: true, targets: labelTargets, labelled: true, augView: targetsAugView, loss: shannonLoss},
	{name: "supervised-cce", network: true, targets: labelTargets, labelled: true, augView: targetsAugView, loss: collisionLoss},
	{
		name: "seeds", network: true, labelled: true,
		loss: func(n *network, t stepNodes) *Node { return ScalarZero(t.z.Graph(), t.z.DType()) },
		validate: func(cfg *Config) error {
			if cfg.Seeds.Fraction == 0 {
				return fmt.Errorf("key seeds.fraction: loss seeds trains on labelled examples only, set a fraction > 0")
			}
			return nil
		},
	},
}

// Losses lists the values of the key loss.
var Losses = func() []string {
	names := make([]string, len(methods))
	for i, m := range methods {
		names[i] = m.name
	}
	return names
}()

// lookupMethod returns the method registered under name, nil when there is none.
func lookupMethod(name string) *method {
	for _, m := range methods {
		if m.name == name {
			return m
		}
	}
	return nil
}

// method returns the method of the key loss. The configuration must have been validated.
func (c *Config) method() *method {
	m := lookupMethod(c.Loss)
	if m == nil {
		panic(fmt.Sprintf("key loss: %q is not one of the methods", c.Loss))
	}
	return m
}

// methodLabel names the method as reports and tables show it: the loss, with IMSAT's R_SAT variant.
func methodLabel(cfg *Config) string {
	m := lookupMethod(cfg.Loss)
	if m == nil || m.label == nil {
		return cfg.Loss
	}
	return m.label(cfg)
}
