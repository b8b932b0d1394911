package train

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/cct-dev/cct/augment"
	"github.com/cct-dev/cct/models/featcache"
	"github.com/cct-dev/cct/pseudolabel"
	"go.yaml.in/yaml/v3"
)

// Config is the whole description of a training run, read from one YAML file. Every key is listed
// with its meaning by HelpConfig; Default gives the project defaults (README.md lists the choices the paper leaves open).
type Config struct {
	Name        string            `yaml:"name" doc:"run name: the run folder is <runs-dir>/<name> (flag --name overrides it)"`
	Seed        int64             `yaml:"seed" doc:"seed of run 1; run r uses seed+r-1 for initialisation, data order, augmentation and label noise"`
	Runs        int               `yaml:"runs" doc:"independent runs (seeds seed..seed+runs-1); the report gives mean (std) of every metric"`
	Epochs      int               `yaml:"epochs" doc:"passes over the training data"`
	Batch       int               `yaml:"batch" doc:"mini-batch size B (also the EM problem size N with pseudolabel.scope batch)"`
	Loss        string            `yaml:"loss" doc:"method: cce (EM on loss 11), cce-pgd (PGD on loss 10/11), miadm, sela, migd, imsat, iic, kmeans (no network), supervised-ce, supervised-cce (noisy soft labels, Figure 2), seeds (only the labelled examples of seeds.fraction, Table 5)"`
	Lambda      float64           `yaml:"lambda" doc:"fairness weight λ of losses (5), (10), (11)"`
	Data        DataConfig        `yaml:"data"`
	Model       ModelConfig       `yaml:"model"`
	Optim       OptimConfig       `yaml:"optim"`
	Augment     AugmentConfig     `yaml:"augment"`
	Pseudolabel PseudolabelConfig `yaml:"pseudolabel"`
	MIGD        MIGDConfig        `yaml:"migd"`
	IMSAT       IMSATConfig       `yaml:"imsat"`
	SeLa        SeLaConfig        `yaml:"sela"`
	Seeds       SeedsConfig       `yaml:"seeds"`
	Labels      LabelsConfig      `yaml:"labels"`
	Eval        EvalConfig        `yaml:"eval"`
	KMeans      KMeansConfig      `yaml:"kmeans"`
}

// DataConfig says which examples are trained on.
type DataConfig struct {
	Name   string `yaml:"name" doc:"dataset: mnist, fashion-mnist, cifar10, cifar100-20, stl10, imagefolder:DIR, features:FILE.npy"`
	Split  string `yaml:"split" doc:"training split: train, test, all (train+test), unlabeled, or '+'-joined splits"`
	Dir    string `yaml:"dir" doc:"data folder (empty: $CCT_DATA, else ~/.cache/cct)"`
	Subset int    `yaml:"subset" doc:"train on a seeded random subset of this many examples (0: all)"`
	// Features replaces the images by their fixed features under a pretrained backbone (package
	// featcache), for the linear head of Table 2 and cct cluster.
	Features string `yaml:"features" doc:"pretrained backbone whose fixed features replace the images: none, or resnet50 (ImageNet ResNet-50, 2048-d; computed once per image and cached in the data folder's features/; needs model.name linear)"`
}

// ModelConfig chooses the network.
type ModelConfig struct {
	Name       string  `yaml:"name" doc:"network: linear (fixed features), vgg4, resnet18, resnet18-torchvision"`
	Clusters   int     `yaml:"clusters" doc:"number of output clusters K (0: the number of classes of the dataset)"`
	Init       string  `yaml:"init" doc:"kmeans (model.name linear: start the head at the k-means partition of the training inputs, see model.init_scale), or a PyTorch checkpoint (torch.save zip or legacy .pth.tar, e.g. SCAN's simclr_cifar-10.pth.tar or a torchvision state dict) whose ResNet-18 backbone weights and batch-norm statistics start the run; every backbone tensor must be in it (empty: random initialisation)"`
	InitScale  float64 `yaml:"init_scale" doc:"with model.init kmeans: β, the inverse variance of the Gaussian mixture the head starts as (logits −β‖x − c_k‖²/2 + const)"`
	InitPrefix string  `yaml:"init_prefix" doc:"key prefix of the backbone in model.init (empty: the first of backbone., module.backbone., module. and none that holds conv1.weight; none: no prefix)"`
}

// OptimConfig is the optimiser of the network step.
type OptimConfig struct {
	Name        string  `yaml:"name" doc:"adam or sgd"`
	LR          float64 `yaml:"lr" doc:"learning rate (of the head when backbone_lr is set)"`
	BackboneLR  float64 `yaml:"backbone_lr" doc:"learning rate of every variable outside the head scope (0: same as lr; Table 4)"`
	HeadScope   string  `yaml:"head_scope" doc:"variables whose scope contains this name use lr, the others backbone_lr"`
	WeightDecay float64 `yaml:"weight_decay" doc:"ℓ2 weight decay wd: the gradient gets + wd·w (PyTorch's weight_decay), on trainable weights"`
	Momentum    float64 `yaml:"momentum" doc:"SGD momentum (PyTorch form v ← μv + g, w ← w − lr·v)"`
	Beta1       float64 `yaml:"beta1" doc:"Adam β1"`
	Beta2       float64 `yaml:"beta2" doc:"Adam β2"`
	Epsilon     float64 `yaml:"epsilon" doc:"Adam ε"`
	Schedule    string  `yaml:"schedule" doc:"learning-rate schedule: constant, or cosine (lr·½(1+cos(π·s/S)) at step s of S = epochs × batches per epoch)"`
	Warmup      int     `yaml:"warmup" doc:"linear learning-rate warm-up: the first W steps use lr·t/W at step t (0: none)"`
}

// AugmentConfig is the self-augmentation term β·H2(y, σ(aug x)) and the input normalisation.
type AugmentConfig struct {
	Pipeline  string  `yaml:"pipeline" doc:"augmentation pipeline of the extra view: none, digits, cifar, stl, scan"`
	Weight    float64 `yaml:"weight" doc:"β, weight of the augmented-view term (0: no augmented view for cce/miadm/sela)"`
	Normalize string  `yaml:"normalize" doc:"input normalisation: for images a preset (none, mnist, cifar10, cifar20, stl = ImageNet); for feature vectors none, l2 (x/‖x‖₂) or sqrt-l2 (sign(x)·√|x|, then l2)"`
	Whiten    int     `yaml:"whiten" doc:"feature vectors only: after augment.normalize, PCA whitening on the training features' first R principal axes, fitted on at most 20,000 of them (coordinates divided by their standard deviation, then l2); the checkpoint keeps it for eval and predict (0: none)"`
	Workers   int     `yaml:"workers" doc:"goroutines preparing batches (0: number of CPUs)"`
	BNStats   string  `yaml:"bn_stats" doc:"training views whose batch statistics update the batch-norm running averages used at evaluation: all (as PyTorch's train mode) or clean (not the augmented view)"`
	// Options tunes the pipeline (rotation range, crop padding, …); see augment.Options. A zero
	// value keeps the pipeline's default, a negative one switches that stage off.
	Options augment.Options `yaml:"options" doc:"pipeline option (0: the pipeline's default, negative: off); see augment.Options"`
}

// PseudolabelConfig drives the y-step of the self-labeling losses.
type PseudolabelConfig struct {
	Scope     string  `yaml:"scope" doc:"batch: EM/PGD/MIADM on each mini-batch (N = B, ȳ over the batch); epoch: a dataset-level y refreshed once per epoch"`
	Sigma     string  `yaml:"sigma" doc:"network mode giving σ for a batch's y-step: train (batch statistics; the batch-norm running averages also take this batch) or eval (running averages, poor early in training)"`
	Method    string  `yaml:"method" doc:"solver of loss (11) for loss cce: em (the paper's EM, stops on tol and max_iters) or newton (interior-point method on the K dual variables, stops at KKT residual newton_tol within max_iters iterations)"`
	Tol       float64 `yaml:"tol" doc:"stop when the relative decrease of the loss is below tol"`
	NewtonTol float64 `yaml:"newton_tol" doc:"method newton: stop at this KKT residual of loss (11) (larger values stop earlier on the interior-point path, with softer labels)"`
	MaxIters  int     `yaml:"max_iters" doc:"maximum EM (or PGD, newton) iterations per y-step"`
	PGDStep   float64 `yaml:"pgd_step" doc:"PGD step size η (loss cce-pgd)"`
	PGDLoss   int     `yaml:"pgd_loss" doc:"loss minimised by PGD: 10 (λ KL(ȳ‖u)) or 11 (λ KL(u‖ȳ))"`
	Threads   int     `yaml:"threads" doc:"goroutines of the y-step solver (0: number of CPUs, at most one per 256 points)"`
}

// MIGDConfig is the MI gradient-descent baseline mean H(σ_i) − γ H(σ̄).
type MIGDConfig struct {
	FairWeight float64 `yaml:"fair_weight" doc:"γ, the weight of the fairness term H(σ̄) (1.3: the paper's weight of the fairness term in its eq. (1))"`
}

// IMSATConfig is R_SAT + λ_I(mean H(σ) − μ H(σ̄)), with R_SAT from virtual adversarial training
// (IMSAT's paper) or from the augmented view.
type IMSATConfig struct {
	LambdaI     float64 `yaml:"lambda_i" doc:"λ_I, weight of the mutual-information term"`
	Mu          float64 `yaml:"mu" doc:"μ, weight of the marginal entropy H(σ̄)"`
	SAT         string  `yaml:"sat" doc:"R_SAT: vat (KL(σ(x)‖σ(x + ε·r_adv)), IMSAT's VAT) or augment (KL(σ(x)‖σ(x')) with the augmented view x')"`
	Xi          float64 `yaml:"xi" doc:"VAT: ξ, the finite-difference step of the power iteration"`
	EpsScale    float64 `yaml:"eps_scale" doc:"VAT: ε_i = eps_scale × distance from input i to its eps_neighbor-th nearest training input"`
	EpsNeighbor int     `yaml:"eps_neighbor" doc:"VAT: which nearest neighbour sets ε_i"`
}

// SeLaConfig is the Sinkhorn self-labelling baseline.
type SeLaConfig struct {
	Lambda    float64 `yaml:"lambda" doc:"power of Q = P^λ in the Sinkhorn step"`
	Refreshes int     `yaml:"refreshes" doc:"label refreshes over training, on a quadratic schedule (more often early)"`
}

// SeedsConfig is weak supervision (Table 5): a seeded fraction of the training examples keeps its label.
type SeedsConfig struct {
	Fraction float64 `yaml:"fraction" doc:"fraction of labelled training examples (0: none); class c is cluster c"`
	Weight   float64 `yaml:"weight" doc:"weight of the CE on labelled examples (mean over the labelled ones in the batch)"`
}

// LabelsConfig is the noisy soft-label model of Figure 2 (losses supervised-ce and supervised-cce).
type LabelsConfig struct {
	Noise       float64 `yaml:"noise" doc:"η: with probability η an example's one-hot label is replaced (see replace_with)"`
	ReplaceWith string  `yaml:"replace_with" doc:"what a replaced label becomes: dirichlet (y ~ Dirichlet(1_K)) or uniform (y = 1/K, a label that says nothing)"`
}

// EvalConfig is the evaluation after every epoch.
type EvalConfig struct {
	Split string `yaml:"split" doc:"split evaluated after every epoch (empty: the training split, with data.subset applied)"`
	Batch int    `yaml:"batch" doc:"inference batch size (0: the training batch)"`
}

// KMeansConfig is the k-means baseline (loss kmeans).
type KMeansConfig struct {
	NInit    int     `yaml:"n_init" doc:"k-means++ restarts, the best inertia is kept"`
	MaxIters int     `yaml:"max_iters" doc:"Lloyd iterations per restart"`
	Tol      float64 `yaml:"tol" doc:"relative inertia change that stops Lloyd iterations"`
}

// Default returns the project defaults (README.md lists the choices the paper leaves open).
func Default() Config {
	return Config{
		Name:   "run",
		Runs:   1,
		Epochs: 50,
		Batch:  250,
		Loss:   "cce",
		Lambda: 100,
		Data:   DataConfig{Name: "mnist", Split: "all"},
		Model:  ModelConfig{Name: "vgg4", InitScale: 10},
		Optim: OptimConfig{Name: "adam", Schedule: "constant", LR: 1e-4, WeightDecay: 0.01, Momentum: 0.9,
			Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8, HeadScope: "head"},
		Augment:     AugmentConfig{Pipeline: "none", Weight: 0.5, Normalize: "none", BNStats: "all"},
		Pseudolabel: PseudolabelConfig{Method: "em", Scope: "batch", Sigma: "train", Tol: pseudolabel.DefaultEMTol, NewtonTol: pseudolabel.DefaultNewtonTol, MaxIters: pseudolabel.DefaultMaxIters, PGDStep: 1, PGDLoss: 11},
		MIGD:        MIGDConfig{FairWeight: 1.3},
		IMSAT:       IMSATConfig{LambdaI: 0.1, Mu: 4, SAT: "vat", Xi: 10, EpsScale: 0.25, EpsNeighbor: 10},
		SeLa:        SeLaConfig{Lambda: 25, Refreshes: 100},
		Seeds:       SeedsConfig{Weight: 1},
		Labels:      LabelsConfig{ReplaceWith: "dirichlet"},
		KMeans:      KMeansConfig{NInit: 10, MaxIters: 300, Tol: 1e-4},
	}
}

// LoadConfig reads the YAML file at path (empty path: defaults only) on top of Default, then applies
// each "key=value" of sets (dotted keys, YAML values), then validates. Unknown keys and values of
// the wrong type or out of range are errors naming the key.
func LoadConfig(path string, sets []string) (Config, error) {
	cfg := Default()
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("config %s: %v", path, err)
		}
		if err := decodeStrict(raw, &cfg); err != nil {
			return cfg, fmt.Errorf("config %s: %v", path, err)
		}
	}
	for _, s := range sets {
		if err := cfg.Set(s); err != nil {
			return cfg, err
		}
	}
	if err := cfg.Validate(); err != nil {
		if path != "" {
			return cfg, fmt.Errorf("config %s: %v", path, err)
		}
		return cfg, err
	}
	return cfg, nil
}

// Set applies one "dotted.key=value" override; the value is read as YAML (so lists and numbers work).
func (c *Config) Set(kv string) error {
	key, value, ok := strings.Cut(kv, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return fmt.Errorf("--set %q: want key=value, e.g. --set optim.lr=0.001", kv)
	}
	// Build the nested YAML document {a: {b: value}} and decode it strictly.
	var valueNode yaml.Node
	if err := yaml.Unmarshal([]byte(value), &valueNode); err != nil || len(valueNode.Content) == 0 {
		valueNode = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value}
	} else {
		valueNode = *valueNode.Content[0]
		clearLines(&valueNode) // no line numbers in errors about a command-line value
	}
	parts := strings.Split(key, ".")
	node := &valueNode
	for i := len(parts) - 1; i >= 0; i-- {
		node = &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: parts[i]}, node}}
	}
	if err := decodeNode(node, reflect.ValueOf(c).Elem(), ""); err != nil {
		return fmt.Errorf("--set %s: %v", kv, err)
	}
	return nil
}

func clearLines(n *yaml.Node) {
	n.Line = 0
	for _, c := range n.Content {
		clearLines(c)
	}
}

// at returns " (line N)" for a node read from a file, "" otherwise.
func at(n *yaml.Node) string {
	if n.Line > 0 {
		return fmt.Sprintf(" (line %d)", n.Line)
	}
	return ""
}

// decodeStrict decodes a YAML document into cfg, rejecting unknown keys and bad types with the
// dotted key named.
func decodeStrict(raw []byte, cfg *Config) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("bad YAML: %v", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(doc.Content) == 0 {
		return nil // empty file: defaults
	}
	return decodeNode(doc.Content[0], reflect.ValueOf(cfg).Elem(), "")
}

// decodeNode walks a YAML mapping in step with a struct, decoding each leaf on its own so that
// every error can name its key.
func decodeNode(node *yaml.Node, v reflect.Value, prefix string) error {
	if v.Kind() != reflect.Struct {
		intKind := v.Kind() == reflect.Int || v.Kind() == reflect.Int64
		if err := node.Decode(v.Addr().Interface()); err != nil || (intKind && node.ShortTag() != "!!int") {
			return fmt.Errorf("key %s%s: want a %s, got %q", prefix, at(node), typeName(v.Type()), node.Value)
		}
		return nil
	}
	if node.Kind != yaml.MappingNode {
		where := prefix
		if where == "" {
			where = "top level"
		}
		return fmt.Errorf("%s%s: want a mapping of keys, got %q", where, at(node), node.Value)
	}
	fields := yamlFields(v.Type())
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, val := node.Content[i], node.Content[i+1]
		full := joinKey(prefix, k.Value)
		idx, ok := fields[k.Value]
		if !ok {
			names := make([]string, 0, len(fields))
			for n := range fields {
				names = append(names, n)
			}
			sort.Strings(names)
			return fmt.Errorf("unknown key %s%s; valid keys here: %s", full, at(k), strings.Join(names, ", "))
		}
		if err := decodeNode(val, v.Field(idx), full); err != nil {
			return err
		}
	}
	return nil
}

func yamlFields(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			m[name] = i
		}
	}
	return m
}

func joinKey(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		return "integer"
	case reflect.Float64:
		return "number"
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	}
	return t.String()
}

// Validate checks every value's range and the combinations of keys; the error names the key.
func (c *Config) Validate() error {
	// Configurations written before these keys existed.
	if c.Optim.Schedule == "" {
		c.Optim.Schedule = "constant"
	}
	if c.Augment.BNStats == "" {
		c.Augment.BNStats = "all"
	}
	oneOf := func(key, v string, valid ...string) error {
		for _, s := range valid {
			if v == s {
				return nil
			}
		}
		return fmt.Errorf("key %s: %q is not one of %s", key, v, strings.Join(valid, ", "))
	}
	type check struct {
		bad bool
		msg string
	}
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	checks := []check{
		{c.Name == "" || strings.ContainsAny(c.Name, `/\`) || c.Name == "." || c.Name == "..", "key name: must be a non-empty folder name without slashes"},
		{c.Runs < 1 || c.Runs > 100, "key runs: must be in 1..100"},
		{c.Epochs < 0, "key epochs: must be ≥ 0"},
		{c.Batch < 1, "key batch: must be ≥ 1"},
		{!finite(c.Lambda) || c.Lambda < 0, "key lambda: must be a finite number ≥ 0"},
		{c.Data.Name == "", "key data.name: empty"},
		{c.Data.Split == "", "key data.split: empty"},
		{c.Data.Subset < 0, "key data.subset: must be ≥ 0"},
		{c.usesFeatures() && c.Model.Name != "linear", "key data.features: pretrained features train model.name linear"},
		{c.Model.Clusters < 0 || c.Model.Clusters == 1, "key model.clusters: must be 0 (number of classes) or ≥ 2"},
		{c.Model.Init == "kmeans" && c.Model.Name != "linear", "key model.init: kmeans starts model.name linear only"},
		{c.Model.Init == "kmeans" && !(c.Model.InitScale > 0), "key model.init_scale: must be > 0"},
		{c.Model.Init != "" && c.Model.Init != "kmeans" && c.Model.Name != "resnet18" && c.Model.Name != "resnet18-torchvision", "key model.init: PyTorch weights load into model.name resnet18 or resnet18-torchvision"},
		{c.Model.InitPrefix != "" && c.Model.Init == "", "key model.init_prefix: set without model.init"},
		{!finite(c.Optim.LR) || c.Optim.LR <= 0, "key optim.lr: must be > 0"},
		{!finite(c.Optim.BackboneLR) || c.Optim.BackboneLR < 0, "key optim.backbone_lr: must be ≥ 0"},
		{!finite(c.Optim.WeightDecay) || c.Optim.WeightDecay < 0, "key optim.weight_decay: must be ≥ 0"},
		{c.Optim.Momentum < 0 || c.Optim.Momentum >= 1, "key optim.momentum: must be in [0, 1)"},
		{c.Optim.Beta1 < 0 || c.Optim.Beta1 >= 1, "key optim.beta1: must be in [0, 1)"},
		{c.Optim.Beta2 < 0 || c.Optim.Beta2 >= 1, "key optim.beta2: must be in [0, 1)"},
		{!(c.Optim.Epsilon > 0), "key optim.epsilon: must be > 0"},
		{c.Optim.Warmup < 0, "key optim.warmup: must be ≥ 0"},
		{!finite(c.Augment.Weight) || c.Augment.Weight < 0, "key augment.weight: must be ≥ 0"},
		{c.Augment.Workers < 0, "key augment.workers: must be ≥ 0"},
		{c.Augment.Whiten < 0, "key augment.whiten: must be ≥ 0"},
		{!(c.Pseudolabel.Tol >= 0), "key pseudolabel.tol: must be ≥ 0"},
		{!(c.Pseudolabel.NewtonTol > 0), "key pseudolabel.newton_tol: must be > 0"},
		{c.Pseudolabel.MaxIters < 1, "key pseudolabel.max_iters: must be ≥ 1"},
		{!(c.Pseudolabel.PGDStep > 0), "key pseudolabel.pgd_step: must be > 0"},
		{c.Pseudolabel.PGDLoss != 10 && c.Pseudolabel.PGDLoss != 11, "key pseudolabel.pgd_loss: must be 10 or 11"},
		{c.Pseudolabel.Threads < 0, "key pseudolabel.threads: must be ≥ 0"},
		{!finite(c.MIGD.FairWeight), "key migd.fair_weight: must be finite"},
		{!finite(c.IMSAT.LambdaI) || c.IMSAT.LambdaI < 0, "key imsat.lambda_i: must be ≥ 0"},
		{!finite(c.IMSAT.Mu), "key imsat.mu: must be finite"},
		{c.IMSAT.SAT != "vat" && c.IMSAT.SAT != "augment", "key imsat.sat: want vat or augment"},
		{!finite(c.IMSAT.Xi) || c.IMSAT.Xi <= 0, "key imsat.xi: must be > 0"},
		{!finite(c.IMSAT.EpsScale) || c.IMSAT.EpsScale <= 0, "key imsat.eps_scale: must be > 0"},
		{c.IMSAT.EpsNeighbor < 1, "key imsat.eps_neighbor: must be ≥ 1"},
		{!(c.SeLa.Lambda > 0), "key sela.lambda: must be > 0"},
		{c.SeLa.Refreshes < 1, "key sela.refreshes: must be ≥ 1"},
		{!(c.Seeds.Fraction >= 0 && c.Seeds.Fraction <= 1), "key seeds.fraction: must be in [0, 1]"},
		{!finite(c.Seeds.Weight) || c.Seeds.Weight < 0, "key seeds.weight: must be ≥ 0"},
		{!(c.Labels.Noise >= 0 && c.Labels.Noise <= 1), "key labels.noise: must be in [0, 1]"},
		{c.Labels.ReplaceWith != "dirichlet" && c.Labels.ReplaceWith != "uniform", "key labels.replace_with: want dirichlet or uniform"},
		{c.Eval.Batch < 0, "key eval.batch: must be ≥ 0"},
		{c.KMeans.NInit < 1, "key kmeans.n_init: must be ≥ 1"},
		{c.KMeans.MaxIters < 1, "key kmeans.max_iters: must be ≥ 1"},
		{!(c.KMeans.Tol >= 0), "key kmeans.tol: must be ≥ 0"},
	}
	for _, ch := range checks {
		if ch.bad {
			return fmt.Errorf("%s", ch.msg)
		}
	}
	for _, e := range []error{
		oneOf("loss", c.Loss, Losses...),
		oneOf("data.features", orDefault(c.Data.Features, "none"), append([]string{"none"}, featcache.Backbones...)...),
		oneOf("optim.name", c.Optim.Name, "adam", "sgd"),
		oneOf("optim.schedule", c.Optim.Schedule, "constant", "cosine"),
		oneOf("augment.bn_stats", c.Augment.BNStats, "all", "clean"),
		oneOf("pseudolabel.scope", c.Pseudolabel.Scope, "batch", "epoch"),
		oneOf("pseudolabel.sigma", c.Pseudolabel.Sigma, "train", "eval"),
		oneOf("pseudolabel.method", c.Pseudolabel.Method, "em", "newton"),
	} {
		if e != nil {
			return e
		}
	}
	if v := c.method().validate; v != nil {
		return v(c)
	}
	return nil
}

// Labelled reports whether the method trains on labels (supervised-*, or seeds.fraction > 0), so
// that output c is class c and the plain accuracy, not the Hungarian-matched ACC, is its figure.
func (c *Config) Labelled() bool {
	m := lookupMethod(c.Loss)
	return m != nil && m.labelled || c.Seeds.Fraction > 0
}

// YAML returns the configuration as a YAML document (the resolved config.yaml of a run folder).
func (c *Config) YAML() []byte {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		panic(err) // a plain struct of scalars always encodes
	}
	_ = enc.Close()
	return buf.Bytes()
}

// HelpConfig documents every key of the configuration with its default value.
func HelpConfig() string {
	var b strings.Builder
	b.WriteString("Configuration keys (YAML; set one with --set key=value). Defaults in brackets.\n\n")
	def := Default()
	var walk func(t reflect.Type, v reflect.Value, prefix string)
	walk = func(t reflect.Type, v reflect.Value, prefix string) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			key := joinKey(prefix, name)
			if f.Type.Kind() == reflect.Struct && f.Tag.Get("doc") == "" {
				walk(f.Type, v.Field(i), key)
				continue
			}
			if f.Type.Kind() == reflect.Struct {
				// A struct of another package: list its keys under the group's doc.
				for j := 0; j < f.Type.NumField(); j++ {
					sub, _, _ := strings.Cut(f.Type.Field(j).Tag.Get("yaml"), ",")
					fmt.Fprintf(&b, "  %-22s %s [%v]\n", joinKey(key, sub), f.Tag.Get("doc"), v.Field(i).Field(j).Interface())
				}
				continue
			}
			fmt.Fprintf(&b, "  %-22s %s [%v]\n", key, f.Tag.Get("doc"), v.Field(i).Interface())
		}
	}
	walk(reflect.TypeOf(def), reflect.ValueOf(def), "")
	return b.String()
}
