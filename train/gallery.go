package train

import (
	"fmt"
	"path/filepath"

	"github.com/cct-dev/cct/data"
	"github.com/cct-dev/cct/eval/gallery"
)

// GalleryOptions configures WriteGallery.
type GalleryOptions struct {
	PerCluster, Doubtful, Thumb int    // see gallery.Options
	DataDir                     string // data folder of built-in datasets (empty: the run's)
}

// WriteGallery rewrites gallery.html and gallery.png of the run folder dir from its
// assignments.csv. Thumbnails come from the path column when present, otherwise from the run's
// evaluation dataset, read again.
func WriteGallery(dir string, opt GalleryOptions) error {
	items, err := gallery.ReadAssignments(filepath.Join(dir, "assignments.csv"))
	if err != nil {
		return fmt.Errorf("%v (is %s a finished run folder?)", err, dir)
	}
	cfg, err := jobConfig(dir)
	if err != nil {
		if cfg, err = jobConfig(filepath.Dir(dir)); err != nil { // run-<r>/ of a multi-run job
			return fmt.Errorf("%s is not a run folder: no config.yaml in it or above it", dir)
		}
	}
	var ds *data.Dataset
	src := gallery.FileSource
	if items[0].Path == "" {
		if ds, err = evalDataset(&cfg, opt.DataDir); err != nil {
			return err
		}
		if ds.N != len(items) {
			return fmt.Errorf("%s has %d rows, the run's evaluation data %d examples", filepath.Join(dir, "assignments.csv"), len(items), ds.N)
		}
		src = datasetSource(ds)
	} else if ds, err = evalDataset(&cfg, opt.DataDir); err != nil {
		ds = nil // class names only; the images come from the files
	}
	k := cfg.Model.Clusters
	var names []string
	if ds != nil {
		names = ds.ClassNames
		if k == 0 {
			k = ds.NumClasses()
		}
	}
	return gallery.Write(dir, items, src, gallery.Options{
		Title: fmt.Sprintf("%s: %s on %s", cfg.Name, methodLabel(&cfg), cfg.Data.Name), Clusters: k, ClassNames: names,
		PerCluster: opt.PerCluster, Doubtful: opt.Doubtful, Thumb: opt.Thumb})
}

// evalDataset loads the evaluation examples of a job as the trainer did (its evaluation split,
// or its training split with data.subset applied).
func evalDataset(cfg *Config, dataDirFlag string) (*data.Dataset, error) {
	dataDir, err := data.Dir(orDefault(dataDirFlag, cfg.Data.Dir))
	if err != nil {
		return nil, err
	}
	if cfg.Eval.Split != "" && cfg.Eval.Split != cfg.Data.Split {
		return data.Load(cfg.Data.Name, cfg.Eval.Split, dataDir)
	}
	ds, err := data.Load(cfg.Data.Name, cfg.Data.Split, dataDir)
	if err != nil {
		return nil, err
	}
	if cfg.Data.Subset > 0 && cfg.Data.Subset < ds.N {
		return ds.Subset(randomSubset(cfg.Seed, ds.N, cfg.Data.Subset))
	}
	return ds, nil
}
