package train

import (
	"io"
	"os"

	"github.com/cct-dev/cct/data"
	"github.com/cct-dev/cct/models/featcache"
)

// loadData reads a split of a dataset and, when the job sets data.features, replaces its images
// by their fixed pretrained features (package featcache: computed once per image, then read
// from the cache under the data folder), so that the linear head trains on them.
func loadData(cfg *Config, name, split, dataDir string, env *runEnv) (*data.Dataset, error) {
	ds, err := data.Load(name, split, dataDir)
	if err != nil {
		return nil, err
	}
	return pretrainedFeatures(cfg, ds, dataDir, env)
}

// pretrainedFeatures returns ds itself, or its features when the job sets data.features.
func pretrainedFeatures(cfg *Config, ds *data.Dataset, dataDir string, env *runEnv) (*data.Dataset, error) {
	if !cfg.usesFeatures() {
		return ds, nil
	}
	// Extraction can take minutes: its progress goes to stderr even for a quiet run.
	var log io.Writer = os.Stderr
	if env != nil && !env.Quiet && env.Out != nil {
		log = env.Out
	}
	return featcache.Compute(ds, featcache.Options{Backbone: cfg.Data.Features, DataDir: dataDir, Log: log})
}

// usesFeatures reports whether data.features names a backbone.
func (c *Config) usesFeatures() bool { return c.Data.Features != "" && c.Data.Features != "none" }
