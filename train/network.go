package train

import (
	"fmt"
	"strings"

	"github.com/cct-dev/cct/losses"
	"github.com/cct-dev/cct/models"
	"github.com/cct-dev/cct/models/torchckpt"
	"github.com/cct-dev/cct/train/optim"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// network holds the model and its compiled programs: probs (σ = softmax(z) in inference mode, no
// gradients, nothing updated), sigma (σ of a training batch for its y-step, without gradients, in
// the mode pseudolabel.sigma names) and step (one optimiser step on the method's loss, training
// mode).
type network struct {
	cfg     *Config
	k       int
	in      *inputs
	ctx     *context.Context
	model   models.ModelFn
	method  *method
	probs   *context.Exec
	sigma   *context.Exec
	step    *context.Exec
	targets bool // step takes soft targets y [B, K]
	augView bool // step takes the augmented view
	vat     bool // step takes the VAT radii ε [B] (IMSAT with imsat.sat vat)
	seeds   bool // step takes one-hot seed labels [B, K] (zero rows for unlabelled examples)
}

// newNetwork builds the model and the programs on ctx.
func newNetwork(backend backends.Backend, ctx *context.Context, cfg *Config, k int, in *inputs) (*network, error) {
	mc := models.Config{Clusters: k}
	if len(in.dims) == 3 {
		mc.Height, mc.Width, mc.Channels = in.dims[0], in.dims[1], in.dims[2]
	} else {
		mc.Height, mc.Width, mc.Channels = 1, 1, in.dims[0]
	}
	model, err := models.Build(cfg.Model.Name, mc)
	if err != nil {
		return nil, fmt.Errorf("key model.name: %v", err)
	}
	opt, err := optim.New(optim.Options{
		Name: cfg.Optim.Name, LR: cfg.Optim.LR, BackboneLR: cfg.Optim.BackboneLR, HeadScope: cfg.Optim.HeadScope,
		WeightDecay: cfg.Optim.WeightDecay, Momentum: cfg.Optim.Momentum,
		Beta1: cfg.Optim.Beta1, Beta2: cfg.Optim.Beta2, Epsilon: cfg.Optim.Epsilon,
		Schedule: cfg.Optim.Schedule, TotalSteps: max(1, cfg.Epochs) * batchCount(in.ds.N, cfg.Batch),
		Warmup: cfg.Optim.Warmup,
	})
	if err != nil {
		return nil, fmt.Errorf("key optim.name: %v", err)
	}
	m := cfg.method()
	if !m.network {
		return nil, fmt.Errorf("loss %s has no network", cfg.Loss)
	}
	n := &network{cfg: cfg, k: k, in: in, ctx: ctx, model: model, method: m}
	n.targets = m.targets != noTargets
	n.augView = m.augView != nil && m.augView(cfg, in.pipe != nil)
	n.vat = m.vat != nil && m.vat(cfg)
	n.seeds = cfg.Seeds.Fraction > 0
	if n.augView && in.pipe == nil {
		return nil, fmt.Errorf("key augment.pipeline: loss %s needs an augmented view", cfg.Loss)
	}
	softmax := func(training bool) func(ctx *context.Context, x *Node) *Node {
		return func(ctx *context.Context, x *Node) *Node {
			ctx.SetTraining(x.Graph(), training)
			return StopGradient(Softmax(model(ctx, x), -1))
		}
	}
	if n.probs, err = context.NewExec(backend, ctx, softmax(false)); err != nil {
		return nil, err
	}
	n.sigma = n.probs
	if cfg.Pseudolabel.Sigma == "train" {
		// Batch statistics, as the training step that follows uses: the running averages are
		// not yet meaningful early in training, and a σ computed with them can be confidently
		// wrong, a fixed point of the collision cross-entropy (its gradient σ − q vanishes
		// when σ is one-hot). The batch-norm running averages take this batch's statistics too.
		if n.sigma, err = context.NewExec(backend, ctx, softmax(true)); err != nil {
			return nil, err
		}
	}
	n.step, err = context.NewExec(backend, ctx, func(ctx *context.Context, in []*Node) []*Node {
		loss := n.lossGraph(ctx, in)
		opt.UpdateGraph(ctx, loss.Graph(), loss)
		return []*Node{loss}
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// lossGraph builds the training loss of the method from the step's inputs, in order: x, then the
// augmented view x' (augView), the VAT radii ε (vat), the targets y (targets), the seed labels s
// (seeds). With z = model(x) and z' = model(x') (two forward passes, as IIC, IMSAT and SCAN do:
// batch norm normalises each view with its own statistics and updates its running averages after
// each), the method's term (method.loss, see the registry in method.go) is
//
//	cce, cce-pgd, supervised-cce: mean H2(y, σ(z)) + β·mean H2(y, σ(z'))
//	miadm, sela, supervised-ce:    mean H(y, σ(z))  + β·mean H(y, σ(z'))   (Shannon CE)
//	migd:                          mean H(σ(z)) − γ·H(σ̄)
//	imsat:                         R_SAT + λ_I·(mean H(σ(z)) − μ·H(σ̄)), R_SAT = KL(σ(z)‖σ(z')) or
//	                               VAT's KL(σ(x)‖σ(x + ε·r_adv)) (losses.VAT, ξ = imsat.xi)
//	iic:                           IIC(z, z')
//	seeds:                         0 (only the seed term below)
//
// plus, with weak supervision, w·(Σ_i H(s_i, σ(z_i)))/(number of labelled examples in the batch).
func (n *network) lossGraph(ctx *context.Context, in []*Node) *Node {
	g := in[0].Graph()
	ctx.SetTraining(g, true)
	x := in[0]
	next := 1
	take := func() *Node { v := in[next]; next++; return v }
	var xAug, eps, y, s *Node
	if n.augView {
		xAug = take()
	}
	if n.vat {
		eps = take()
	}
	if n.targets {
		y = take()
	}
	if n.seeds {
		s = take()
	}
	z := n.model(ctx, x)
	var zAug *Node
	if xAug != nil {
		zAug = n.augmentedLogits(ctx, xAug)
	}
	loss := n.method.loss(n, stepNodes{ctx: ctx, x: x, z: z, zAug: zAug, eps: eps, targets: y})
	if s != nil {
		count := Max(ReduceAllSum(s), ScalarOne(g, s.DType()))
		seedLoss := Div(ReduceAllSum(losses.SoftCrossEntropyPerExample(z, s)), count)
		loss = Add(loss, MulScalar(seedLoss, n.cfg.Seeds.Weight))
	}
	return loss
}

// augmentedLogits applies the model to the augmented view. With augment.bn_stats "clean" the
// batch-norm running averages (running_mean, running_var) keep the values the clean view gave
// them: they are set back after the call (the view's batch statistics still normalise it, as in
// training mode).
func (n *network) augmentedLogits(ctx *context.Context, xAug *Node) *Node {
	if n.cfg.Augment.BNStats != "clean" {
		return n.model(ctx, xAug)
	}
	g := xAug.Graph()
	saved := map[*context.Variable]*Node{}
	for v := range ctx.IterVariables() {
		if !v.Trainable && strings.HasPrefix(v.Name(), "running_") && v.InUseByGraph(g) {
			saved[v] = v.ValueGraph(g)
		}
	}
	z := n.model(ctx, xAug)
	for v, node := range saved {
		v.SetValueGraph(node)
	}
	return z
}

// initFromTorch sets the backbone variables of ctx from the PyTorch checkpoint model.init, before
// the network is built (a run that resumes from its own checkpoint does not call it). It returns
// the one-line account of what was loaded and ignored.
func initFromTorch(ctx *context.Context, cfg *Config, in *inputs) (string, error) {
	if len(in.dims) != 3 {
		return "", fmt.Errorf("key model.init: %s needs images, the data holds feature vectors", cfg.Model.Name)
	}
	ck, err := torchckpt.Open(cfg.Model.Init)
	if err != nil {
		return "", fmt.Errorf("key model.init: %v", err)
	}
	variant := models.ResNet18Torchvision
	if cfg.Model.Name == "resnet18" {
		variant = models.ResNet18CIFAR
		if in.dims[0] == 96 {
			variant = models.ResNet18STL
		}
	}
	prefix, guess := models.ParsePrefix(cfg.Model.InitPrefix)
	rep, err := models.LoadTorchResNet18(ctx, ck, variant, 64, in.dims[2], prefix, guess)
	if err != nil {
		return "", fmt.Errorf("key model.init: %s %v", cfg.Model.Init, err)
	}
	return cfg.Model.Init + ": " + rep.Summary(), nil
}

// tensor wraps a float32 batch with the given dimensions.
func tensor(x []float32, dims ...int) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(x, dims...)
}

// probabilities returns σ (rows of K float32) for a batch of b examples in inference mode.
func (n *network) probabilities(x []float32, b int) ([]float32, error) {
	return n.run(n.probs, x, b)
}

// batchSigma returns σ of a training batch for its y-step (pseudolabel.sigma's mode).
func (n *network) batchSigma(x []float32, b int) ([]float32, error) {
	return n.run(n.sigma, x, b)
}

func (n *network) run(e *context.Exec, x []float32, b int) ([]float32, error) {
	out, err := e.Exec(tensor(x, n.in.batchDims(b)...))
	if err != nil {
		return nil, err
	}
	defer out[0].FinalizeAll()
	return tensors.CopyFlatData[float32](out[0])
}

// trainStep runs one optimiser step and returns the loss.
func (n *network) trainStep(x, xAug, eps, y, seeds []float32, b int) (float64, error) {
	args := []any{tensor(x, n.in.batchDims(b)...)}
	if n.augView {
		args = append(args, tensor(xAug, n.in.batchDims(b)...))
	}
	if n.vat {
		args = append(args, tensor(eps, b))
	}
	if n.targets {
		args = append(args, tensor(y, b, n.k))
	}
	if n.seeds {
		args = append(args, tensor(seeds, b, n.k))
	}
	out, err := n.step.Exec(args...)
	if err != nil {
		return 0, err
	}
	defer out[0].FinalizeAll()
	if out[0].DType() != dtypes.Float32 {
		return 0, fmt.Errorf("loss has dtype %s, want float32", out[0].DType())
	}
	return float64(tensors.ToScalar[float32](out[0])), nil
}

// predictAll returns σ for every example of in (N×K float32), in dataset order, in inference
// batches of bs. The last batch is padded to bs so that one program serves every batch.
func (n *network) predictAll(in *inputs, bs int) ([]float32, error) {
	N := in.ds.N
	order := identity(N)
	out := make([]float32, N*n.k)
	pos := 0
	bs = min(bs, N)
	err := in.forEachBatch(order, bs, false, false, 0, 0, func(idx []int, x, _ []float32) error {
		b := len(idx)
		if b < bs {
			x = append(x, make([]float32, (bs-b)*in.size)...)
		}
		p, err := n.probabilities(x, bs)
		if err != nil {
			return err
		}
		copy(out[pos*n.k:], p[:b*n.k])
		pos += b
		return nil
	})
	return out, err
}
