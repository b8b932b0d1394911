package nclusters

import (
	"fmt"
	"image/color"
	"io"
	"slices"

	"github.com/cct-dev/cct/internal/fsutil"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Plot draws, as a PNG at path (written atomically), the curve Q(K) of the k-means partitions and
// the chosen K at the modularity of the Louvain partition it counts, with a dashed line at that
// modularity.
func (r *Result) Plot(path, title string) error {
	if len(r.Ks) == 0 {
		return fmt.Errorf("plot %s: empty curve", path)
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "number of clusters K"
	p.Y.Label.Text = "modularity Q on the nearest-neighbour graph"
	pts := make(plotter.XYs, len(r.Ks))
	for i, k := range r.Ks {
		pts[i].X, pts[i].Y = float64(k), r.Q[i]
	}
	line, points, err := plotter.NewLinePoints(pts)
	if err != nil {
		return err
	}
	line.Color = color.RGBA{31, 119, 180, 255}
	points.Shape = draw.CircleGlyph{}
	points.Color = line.Color
	cut, err := plotter.NewLine(plotter.XYs{{X: float64(r.Ks[0]), Y: r.LouvainQ}, {X: float64(r.Ks[len(r.Ks)-1]), Y: r.LouvainQ}})
	if err != nil {
		return err
	}
	cut.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	cut.Color = color.Gray{120}
	mark, err := plotter.NewScatter(plotter.XYs{{X: float64(r.K), Y: r.LouvainQ}})
	if err != nil {
		return err
	}
	mark.Shape = draw.RingGlyph{}
	mark.Radius = vg.Points(7)
	mark.Color = color.RGBA{214, 39, 40, 255}
	p.Add(plotter.NewGrid(), line, points, cut, mark)
	p.Legend.Add("k-means partitions, Q(K)", line, points)
	p.Legend.Add(fmt.Sprintf("Louvain partition, Q = %.3f", r.LouvainQ), cut)
	p.Legend.Add(fmt.Sprintf("chosen K = %d (median of %d Louvain runs)", r.K, len(r.LouvainKs)), mark)
	// Room above the Louvain point, which is usually the highest.
	lo, hi := min(slices.Min(r.Q), r.LouvainQ), max(slices.Max(r.Q), r.LouvainQ)
	p.Y.Min, p.Y.Max = lo-0.05*(hi-lo), hi+0.08*(hi-lo)
	p.Legend.Top = false
	p.Legend.Left = false
	c := vgimg.New(7*vg.Inch, 4.5*vg.Inch)
	p.Draw(draw.New(c))
	return fsutil.WriteAtomic(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: c}.WriteTo(w)
		return err
	})
}

// WriteCSV writes the k-means curve as CSV (k, modularity, sd, chosen) to path atomically, and
// the Louvain partition as a last row with k = its K and sd empty: method kmeans or louvain.
func (r *Result) WriteCSV(path string) error {
	return fsutil.WriteAtomic(path, func(w io.Writer) error {
		if _, err := fmt.Fprintln(w, "method,k,modularity,sd,chosen"); err != nil {
			return err
		}
		for i, k := range r.Ks {
			if _, err := fmt.Fprintf(w, "kmeans,%d,%.6f,%.6f,0\n", k, r.Q[i], r.SD[i]); err != nil {
				return err
			}
		}
		_, err := fmt.Fprintf(w, "louvain,%d,%.6f,,1\n", r.K, r.LouvainQ)
		return err
	})
}
