// Package gallery shows what each cluster of a clustering holds: gallery.html, a self-contained
// page (thumbnails embedded as base64 JPEG, opens from disk with no server), and gallery.png, a
// contact sheet for terminals and reports.
//
// Per cluster k with members C_k, the page gives the size |C_k|, the mean confidence
// (1/|C_k|) Σ_{i∈C_k} max_j σ_ij, and a grid of thumbnails: the most confident members first and
// a row of the least confident ones (the doubtful cases). Clicking a thumbnail shows its file
// name, its label when known, and its top-3 clusters. Where labels exist, each cluster shows its
// matched class (the Hungarian matching of clusters to classes that maximises the matched count,
// as for ACC) and its purity, the share of its labelled members that belong to that class.
package gallery

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"

	"github.com/cct-dev/cct/eval"
	xdraw "golang.org/x/image/draw"
)

// Choice is one cluster of an item's ranking and its probability.
type Choice struct {
	Cluster int
	P       float64
}

// Item is one clustered example.
type Item struct {
	Index      int      // position in the dataset (the index column of assignments.csv)
	Cluster    int      // assigned cluster, in 0..K−1
	Confidence float64  // largest probability of the example's cluster distribution
	Top        []Choice // the most probable clusters, best first (may be empty)
	Label      int      // true class, −1 when unknown
	Path       string   // source file, "" when unknown
}

// Source gives the image of an item (nil, nil when it has none).
type Source func(it Item) (image.Image, error)

// Options configures Build. Zero fields take the defaults in brackets.
type Options struct {
	Title      string   // page title ["Clusters"]
	Clusters   int      // K; clusters without members are listed too [1 + the largest cluster index]
	ClassNames []string // names of the labels (empty: the label numbers)
	PerCluster int      // most confident thumbnails per cluster [24]
	Doubtful   int      // least confident thumbnails per cluster [8]
	Thumb      int      // thumbnail side in pixels [64]
}

// Thumb is an embedded thumbnail and what clicking it tells.
type Thumb struct {
	Item  Item
	Image image.Image // Options.Thumb pixels on its longer side; nil when the item has no image
	Err   string      // why there is no image, if it could not be read
}

// Cluster is one cluster's summary and its chosen thumbnails.
type Cluster struct {
	ID             int
	Size           int
	MeanConfidence float64
	Class          string  // matched class name ("" without labels or when unmatched)
	Purity         float64 // share of labelled members in the matched class (NaN without labels)
	Labelled       int     // members with a known label
	Confident      []Thumb // most confident first
	Doubtful       []Thumb // least confident last
}

// Gallery is the material of gallery.html and gallery.png.
type Gallery struct {
	Title    string
	N        int
	Clusters []Cluster
	ACC      float64 // accuracy under the matching (NaN without labels)
	Labelled int
	thumb    int
}

func (o Options) withDefaults(items []Item) Options {
	if o.Title == "" {
		o.Title = "Clusters"
	}
	if o.Clusters <= 0 {
		for _, it := range items {
			o.Clusters = max(o.Clusters, it.Cluster+1)
		}
	}
	if o.PerCluster <= 0 {
		o.PerCluster = 24
	}
	if o.Doubtful < 0 {
		o.Doubtful = 0
	} else if o.Doubtful == 0 {
		o.Doubtful = 8
	}
	if o.Thumb <= 0 {
		o.Thumb = 64
	}
	return o
}

// Build groups items by cluster, computes each cluster's statistics and reads the thumbnails of
// the members it shows through src. An item whose image cannot be read keeps its place with the
// reason instead of a picture.
func Build(items []Item, src Source, opt Options) (*Gallery, error) {
	opt = opt.withDefaults(items)
	if len(items) == 0 {
		return nil, fmt.Errorf("gallery: no examples")
	}
	members := make([][]int, opt.Clusters)
	for i, it := range items {
		if it.Cluster < 0 || it.Cluster >= opt.Clusters {
			return nil, fmt.Errorf("gallery: example %d has cluster %d, outside 0..%d", it.Index, it.Cluster, opt.Clusters-1)
		}
		members[it.Cluster] = append(members[it.Cluster], i)
	}
	g := &Gallery{Title: opt.Title, N: len(items), ACC: math.NaN(), thumb: opt.Thumb}
	matched, purity, labelled, acc, nl := matchClasses(items, opt)
	g.ACC, g.Labelled = acc, nl
	for k := range opt.Clusters {
		idx := members[k]
		// Most confident first; ties by dataset order.
		slices.SortStableFunc(idx, func(a, b int) int {
			if ca, cb := items[a].Confidence, items[b].Confidence; ca != cb {
				if ca > cb {
					return -1
				}
				return 1
			}
			return items[a].Index - items[b].Index
		})
		c := Cluster{ID: k, Size: len(idx), Class: matched[k], Purity: purity[k], Labelled: labelled[k]}
		for _, i := range idx {
			c.MeanConfidence += items[i].Confidence / float64(len(idx))
		}
		nc := min(opt.PerCluster, len(idx))
		nd := min(opt.Doubtful, len(idx)-nc)
		for _, i := range idx[:nc] {
			c.Confident = append(c.Confident, thumbOf(items[i], src, opt.Thumb))
		}
		for _, i := range idx[len(idx)-nd:] {
			c.Doubtful = append(c.Doubtful, thumbOf(items[i], src, opt.Thumb))
		}
		g.Clusters = append(g.Clusters, c)
	}
	return g, nil
}

// matchClasses returns, per cluster, the name of its Hungarian-matched class, its purity and its
// labelled count, and the accuracy of the matching over the labelled items.
func matchClasses(items []Item, opt Options) (names []string, purity []float64, labelled []int, acc float64, n int) {
	names = make([]string, opt.Clusters)
	purity = make([]float64, opt.Clusters)
	labelled = make([]int, opt.Clusters)
	for k := range purity {
		purity[k] = math.NaN()
	}
	var pred, truth []int
	for _, it := range items {
		if it.Label >= 0 {
			pred, truth = append(pred, it.Cluster), append(truth, it.Label)
			labelled[it.Cluster]++
		}
	}
	if len(pred) == 0 {
		return names, purity, labelled, math.NaN(), 0
	}
	t, err := eval.Contingency(pred, truth)
	if err != nil {
		return names, purity, labelled, math.NaN(), 0
	}
	assign := t.Assignment()
	matchedCount := 0
	for r, j := range assign {
		k := t.Clusters[r]
		if j < 0 {
			continue
		}
		class := t.Classes[j]
		names[k] = fmt.Sprint(class)
		if class < len(opt.ClassNames) && opt.ClassNames[class] != "" {
			names[k] = opt.ClassNames[class]
		}
		purity[k] = float64(t.Counts[r][j]) / float64(labelled[k])
		matchedCount += t.Counts[r][j]
	}
	return names, purity, labelled, float64(matchedCount) / float64(len(pred)), len(pred)
}

// thumbOf reads an item's image and scales it to side pixels on its longer side.
func thumbOf(it Item, src Source, side int) Thumb {
	th := Thumb{Item: it}
	if src == nil {
		return th
	}
	img, err := src(it)
	if err != nil {
		th.Err = err.Error()
		return th
	}
	if img != nil {
		th.Image = Scale(img, side)
	}
	return th
}

// Scale resizes img so that its longer side is side pixels (Catmull–Rom when shrinking, nearest
// neighbour when enlarging, which keeps small images such as 28×28 digits crisp), onto an
// opaque RGBA canvas (transparent pixels over white).
func Scale(img image.Image, side int) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return image.NewRGBA(image.Rect(0, 0, 1, 1))
	}
	s := float64(side) / float64(max(w, h))
	tw, th := max(1, int(math.Round(float64(w)*s))), max(1, int(math.Round(float64(h)*s)))
	out := image.NewRGBA(image.Rect(0, 0, tw, th))
	xdraw.Draw(out, out.Bounds(), image.NewUniform(color.White), image.Point{}, xdraw.Src)
	var sc xdraw.Scaler = xdraw.CatmullRom
	if s >= 1 {
		sc = xdraw.NearestNeighbor
	}
	sc.Scale(out, out.Bounds(), img, b, xdraw.Over, nil)
	return out
}

// RGB returns an H×W×C byte image (C = 1 grey or 3 RGB, HWC order) as an image.Image.
func RGB(pix []uint8, h, w, c int) image.Image {
	if c == 1 {
		g := image.NewGray(image.Rect(0, 0, w, h))
		copy(g.Pix, pix[:h*w])
		return g
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range h * w {
		out.Pix[4*i], out.Pix[4*i+1], out.Pix[4*i+2], out.Pix[4*i+3] = pix[c*i], pix[c*i+1], pix[c*i+2], 255
	}
	return out
}
