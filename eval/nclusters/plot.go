package nclusters

import (
	"fmt"
	"image/color"
	"io"

	"github.com/cct-dev/cct/internal/fsutil"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Plot draws the curve Q(K) as a PNG at path (written atomically), with the cut-off line of the
// parsimony rule and the chosen K marked.
func (r *Result) Plot(path, title string) error {
	if len(r.Ks) == 0 {
		return fmt.Errorf("plot %s: empty curve", path)
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "number of clusters K"
	p.Y.Label.Text = "modularity Q of the k-means partition on the 10-NN graph"
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
	cut, err := plotter.NewLine(plotter.XYs{{X: float64(r.Ks[0]), Y: r.Cutoff}, {X: float64(r.Ks[len(r.Ks)-1]), Y: r.Cutoff}})
	if err != nil {
		return err
	}
	cut.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	cut.Color = color.Gray{120}
	var chosen plotter.XYs
	for i, k := range r.Ks {
		if k == r.K {
			chosen = append(chosen, plotter.XY{X: float64(k), Y: r.Q[i]})
		}
	}
	mark, err := plotter.NewScatter(chosen)
	if err != nil {
		return err
	}
	mark.Shape = draw.RingGlyph{}
	mark.Radius = vg.Points(7)
	mark.Color = color.RGBA{214, 39, 40, 255}
	p.Add(plotter.NewGrid(), line, points, cut, mark)
	p.Legend.Add("Q(K)", line, points)
	p.Legend.Add(fmt.Sprintf("cut-off %.3f", r.Cutoff), cut)
	p.Legend.Add(fmt.Sprintf("chosen K = %d", r.K), mark)
	p.Legend.Top = false
	p.Legend.Left = false
	c := vgimg.New(7*vg.Inch, 4.5*vg.Inch)
	p.Draw(draw.New(c))
	return fsutil.WriteAtomic(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: c}.WriteTo(w)
		return err
	})
}

// WriteCSV writes the curve as CSV (k, modularity, sd, chosen) to path atomically.
func (r *Result) WriteCSV(path string) error {
	return fsutil.WriteAtomic(path, func(w io.Writer) error {
		if _, err := fmt.Fprintln(w, "k,modularity,sd,chosen"); err != nil {
			return err
		}
		for i, k := range r.Ks {
			c := 0
			if k == r.K {
				c = 1
			}
			if _, err := fmt.Fprintf(w, "%d,%.6f,%.6f,%d\n", k, r.Q[i], r.SD[i], c); err != nil {
				return err
			}
		}
		return nil
	})
}
