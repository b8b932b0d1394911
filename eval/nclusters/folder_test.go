package nclusters

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/cct-dev/cct/data"
)

// TestFolderCurve prints the criterion's curve on the pixels of an image dataset named by
// $NCLUSTERS_DATA (e.g. imagefolder:/path/to/pngs,size=28,channels=1,labels=none); skipped
// when unset. A measurement, not a check: go test -run FolderCurve -v ./eval/nclusters
func TestFolderCurve(t *testing.T) {
	spec := os.Getenv("NCLUSTERS_DATA")
	if spec == "" {
		t.Skip("set NCLUSTERS_DATA to a dataset name")
	}
	ds, err := data.Load(spec, data.Train, "")
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, len(ds.Images))
	for i, v := range ds.Images {
		x[i] = float32(v) / 255
	}
	res, err := Choose(x, ds.N, ds.ImageSize(), Options{Seed: seed()})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i, k := range res.Ks {
		fmt.Fprintf(&b, " %d:%.3f:%.4f", k, res.Q[i], res.SD[i])
	}
	t.Logf("%s: %d images, chosen K = %d, argmax Q at %d; K:Q:SD%s", spec, ds.N, res.K, res.ArgMax, b.String())
	t.Logf("Louvain: Q %.4f, communities %v, K per restart %v", res.LouvainQ, res.Communities, res.LouvainKs)
}

func seed() uint64 {
	var s uint64
	fmt.Sscan(os.Getenv("NCLUSTERS_SEED"), &s)
	return s
}
