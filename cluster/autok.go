package cluster

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"github.com/cct-dev/cct/data"
	"github.com/cct-dev/cct/eval/nclusters"
	"github.com/cct-dev/cct/models/featcache"
	"github.com/cct-dev/cct/train"
)

// chooseK returns the number of clusters: the --clusters value, or the one package nclusters
// chooses on a seeded sample of autoSample images, from their features (resnet50, so only the
// sample's features are computed here; the cache keeps them for training) or from their pixels
// at the network's input size (none); the curve goes to runDir/clusters-auto.png and
// clusters-auto.csv.
func chooseK(opt Options, spec, features string, n int, runDir string, say func(string, ...any)) (int, error) {
	k, err := parseClusters(orAuto(opt.Clusters))
	if err != nil {
		return 0, err
	}
	if k > 0 {
		if n < k {
			return 0, fmt.Errorf("%s: %d images are fewer than the %d clusters asked for", opt.Dir, n, k)
		}
		return k, nil
	}
	kmin, kmax := max(opt.KMin, 2), opt.KMax
	if kmax <= 0 {
		kmax = 30
	}
	// At least 10 images per cluster of the largest K tried.
	kmax = min(kmax, n/10)
	if kmax < kmin {
		return 0, fmt.Errorf("%s: %d images are too few to choose the number of clusters (at least %d needed); give --clusters K", opt.Dir, n, 10*kmin)
	}
	ds, err := data.Load(spec, data.Train, "")
	if err != nil {
		return 0, err
	}
	if ds.N > autoSample {
		idx := rand.New(rand.NewPCG(uint64(opt.Seed), 0x6175746f)).Perm(ds.N)[:autoSample]
		slices.Sort(idx)
		if ds, err = ds.Subset(idx); err != nil {
			return 0, err
		}
	}
	var x []float32
	var d int
	if features == FeaturesResNet50 {
		fs, err := featcache.Compute(ds, featcache.Options{Backbone: FeaturesResNet50, DataDir: opt.DataDir,
			Backend: opt.Backend, Log: sayWriter(say)})
		if err != nil {
			return 0, err
		}
		// As the head sees them (see Config).
		if x, err = train.NormalizeRows(fs.Features, fs.D, featureNorm); err != nil {
			return 0, err
		}
		d = fs.D
	} else {
		x, d = pixels(ds), ds.ImageSize()
	}
	what := map[string]string{FeaturesResNet50: "ResNet-50 features", FeaturesNone: "pixels"}[features]
	say("choosing the number of clusters in %d..%d on the %s of %d images (Louvain communities of their 10-NN graph) ", kmin, kmax, what, ds.N)
	res, err := nclusters.Choose(x, ds.N, d, nclusters.Options{KMin: kmin, KMax: kmax, Seed: uint64(opt.Seed), Sample: autoSample,
		Progress: func(int) { say(".") }})
	say("\n")
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return 0, fmt.Errorf("run folder %s: %v", runDir, err)
	}
	if err := res.Plot(filepath.Join(runDir, "clusters-auto.png"), fmt.Sprintf("Choice of K on the %s of %d of %d images", what, res.N, n)); err != nil {
		return 0, err
	}
	if err := res.WriteCSV(filepath.Join(runDir, "clusters-auto.csv")); err != nil {
		return 0, err
	}
	say("clusters: %d (the median number of communities of at least 1%% of the images over %d Louvain runs, which found %v; sizes %v, modularity %.3f); curve in %s\n",
		res.K, len(res.LouvainKs), res.LouvainKs, res.Communities, res.LouvainQ, filepath.Join(runDir, "clusters-auto.png"))
	return res.K, nil
}

// autoSample is the number of images --clusters auto looks at (seeded sample of the folder); a
// variable for the tests.
var autoSample = 4000

// pixels returns the images of ds as float32 rows scaled to [0, 1].
func pixels(ds *data.Dataset) []float32 {
	x := make([]float32, len(ds.Images))
	for i, v := range ds.Images {
		x[i] = float32(v) / 255
	}
	return x
}

// sayWriter is an io.Writer that prints through say.
type sayWriter func(string, ...any)

func (s sayWriter) Write(p []byte) (int, error) {
	s("%s", p)
	return len(p), nil
}
