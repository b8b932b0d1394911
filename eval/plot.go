package eval

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strings"

	"github.com/cct-dev/cct/internal/fsutil"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/brewer"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// PlotConfusion draws the contingency table as a heat map PNG at path (written atomically):
// one column per class (named by classNames when given, else the class label), one row per
// cluster, rows in HungarianOrder so that matched cells run down the diagonal from the top left.
// Each row is labelled "cluster → class" with its matched class; cells show their counts when
// the table has at most 30 rows and columns.
func PlotConfusion(path string, t *Table, classNames []string) error {
	if t == nil || len(t.Counts) == 0 || len(t.Classes) == 0 {
		return fmt.Errorf("confusion plot %s: empty table", path)
	}
	rows, cols := len(t.Counts), len(t.Classes)
	order := t.HungarianOrder()
	assign := t.Assignment()
	name := func(j int) string {
		if j < len(classNames) && classNames[j] != "" {
			return classNames[j]
		}
		return fmt.Sprint(t.Classes[j])
	}
	g := &confusionGrid{t: t, order: order}
	maxCount := 0.0
	for _, row := range t.Counts {
		for _, v := range row {
			maxCount = math.Max(maxCount, float64(v))
		}
	}
	pal, err := brewer.GetPalette(brewer.TypeSequential, "Blues", 9)
	if err != nil {
		return err
	}
	hm := plotter.NewHeatMap(g, pal)
	hm.Min, hm.Max = 0, math.Max(maxCount, 1)

	p := plot.New()
	p.Title.Text = fmt.Sprintf("Confusion: %d clusters × %d classes (N = %d)", rows, cols, t.N)
	p.X.Label.Text = "class"
	p.Y.Label.Text = "cluster → matched class"
	p.Add(hm)
	xt := make([]plot.Tick, cols)
	for j := range cols {
		xt[j] = plot.Tick{Value: float64(j), Label: name(j)}
	}
	yt := make([]plot.Tick, rows)
	for r := range rows {
		i := order[rows-1-r]
		label := fmt.Sprint(t.Clusters[i])
		if assign[i] >= 0 {
			label += " → " + name(assign[i])
		}
		yt[r] = plot.Tick{Value: float64(r), Label: label}
	}
	p.X.Tick.Marker = plot.ConstantTicks(xt)
	p.Y.Tick.Marker = plot.ConstantTicks(yt)
	longest := 0
	for _, tk := range xt {
		longest = max(longest, len([]rune(tk.Label)))
	}
	if longest > 3 && cols > 4 {
		p.X.Tick.Label.Rotation = math.Pi / 4
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YTop
	}
	if rows <= 30 && cols <= 30 {
		var xys plotter.XYs
		var labels []string
		var dark []bool
		for r := range rows {
			for c := range cols {
				v := g.Z(c, r)
				xys = append(xys, plotter.XY{X: float64(c), Y: float64(r)})
				labels = append(labels, fmt.Sprint(int(v)))
				dark = append(dark, v > 0.6*hm.Max)
			}
		}
		l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
		if err != nil {
			return err
		}
		size := vg.Points(math.Max(5, math.Min(10, 160/float64(max(rows, cols)))))
		for k := range l.TextStyle {
			l.TextStyle[k].XAlign = draw.XCenter
			l.TextStyle[k].YAlign = draw.YCenter
			l.TextStyle[k].Font.Size = size
			if dark[k] {
				l.TextStyle[k].Color = color.White
			} else {
				l.TextStyle[k].Color = color.Black
			}
		}
		p.Add(l)
	}
	w := vg.Inch * vg.Length(math.Min(16, math.Max(5, 2.5+0.45*float64(cols))))
	h := vg.Inch * vg.Length(math.Min(16, math.Max(4, 1.5+0.4*float64(rows))))
	wt, err := p.WriterTo(w, h, "png")
	if err != nil {
		return err
	}
	return fsutil.WriteAtomic(path, func(out io.Writer) error {
		_, err := wt.WriteTo(out)
		return err
	})
}

// confusionGrid presents the table to plotter.HeatMap: column c is class c, grid row r is table
// row order[rows−1−r] (so that the first row in order is drawn at the top).
type confusionGrid struct {
	t     *Table
	order []int
}

func (g *confusionGrid) Dims() (c, r int) { return len(g.t.Classes), len(g.t.Counts) }
func (g *confusionGrid) Z(c, r int) float64 {
	return float64(g.t.Counts[g.order[len(g.order)-1-r]][c])
}
func (g *confusionGrid) X(c int) float64 { return float64(c) }
func (g *confusionGrid) Y(r int) float64 { return float64(r) }

// PlotCurves draws per-epoch curves from a history as a PNG at path (written atomically): one
// panel with acc, nmi and ari when present (y axis covering at least [0, 1]), and one panel per other named value
// (loss, ...), in a grid of at most three columns. Non-finite values are left out of the lines.
func PlotCurves(path, title string, history []Epoch) error {
	if len(history) == 0 {
		return fmt.Errorf("curves plot %s: empty history", path)
	}
	type panel struct {
		title  string
		series []string
	}
	var panels []panel
	var scores, others []string
	for _, n := range SeriesNames(history) {
		switch n {
		case "acc", "nmi", "ari":
			scores = append(scores, n)
		default:
			others = append(others, n)
		}
	}
	scoreTitle := strings.ToUpper(strings.Join(scores, " / "))
	for _, n := range others {
		panels = append(panels, panel{n, []string{n}})
		if n == "loss" && len(scores) > 0 {
			panels = append(panels, panel{scoreTitle, scores})
			scores = nil
		}
	}
	if len(scores) > 0 {
		panels = append([]panel{{scoreTitle, scores}}, panels...)
	}
	if len(panels) == 0 {
		return fmt.Errorf("curves plot %s: the history has no values", path)
	}
	cols := min(3, len(panels))
	rows := (len(panels) + cols - 1) / cols
	plots := make([][]*plot.Plot, rows)
	for r := range plots {
		plots[r] = make([]*plot.Plot, cols)
	}
	for k, pn := range panels {
		p := plot.New()
		p.Title.Text = pn.title
		p.X.Label.Text = "epoch"
		p.Add(plotter.NewGrid())
		drawn := 0
		for s, name := range pn.series {
			var xys plotter.XYs
			for _, e := range history {
				if v, ok := e.Values[name]; ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
					xys = append(xys, plotter.XY{X: float64(e.Epoch), Y: v})
				}
			}
			if len(xys) == 0 {
				continue
			}
			line, points, err := plotter.NewLinePoints(xys)
			if err != nil {
				return fmt.Errorf("curves plot %s: series %s: %v", path, name, err)
			}
			line.Color = plotutil.Color(s)
			line.Width = vg.Points(1.5)
			points.Color = plotutil.Color(s)
			points.Shape = draw.CircleGlyph{}
			points.Radius = vg.Points(2)
			p.Add(line, points)
			if len(pn.series) > 1 {
				p.Legend.Add(strings.ToUpper(name), line, points)
			}
			drawn++
		}
		if drawn == 0 {
			p.Title.Text += " (no finite values)"
		} else if pn.title == scoreTitle {
			// Scores are fractions: show at least [0, 1] (ARI may go below 0).
			p.Y.Min, p.Y.Max = math.Min(p.Y.Min, 0), math.Max(p.Y.Max, 1)
		}
		p.Legend.Top = false
		p.Legend.Left = false
		plots[k/cols][k%cols] = p
	}
	w := vg.Inch * vg.Length(4*cols)
	h := vg.Inch*vg.Length(3*rows) + vg.Inch/2
	img := vgimg.New(w, h)
	dc := draw.New(img)
	if title != "" {
		// Title strip across the top; the panels share the rest of the canvas.
		st := plot.New().Title.TextStyle
		st.Font.Size = vg.Points(14)
		st.XAlign = draw.XCenter
		st.YAlign = draw.YTop
		dc.FillText(st, vg.Point{X: w / 2, Y: h - vg.Points(6)}, title)
		dc = draw.Crop(dc, 0, 0, 0, -vg.Inch/2)
	} else {
		dc = draw.Crop(dc, 0, 0, 0, 0)
	}
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(plots, tiles, dc)
	for r := range plots {
		for c, p := range plots[r] {
			if p != nil {
				p.Draw(canvases[r][c])
			}
		}
	}
	return fsutil.WriteAtomic(path, func(out io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(out)
		return err
	})
}

// Series is one line of PlotSeries: points (X[i], Y[i]) with error bars ±Std[i] (Std may be nil).
type Series struct {
	Name string
	X, Y []float64
	Std  []float64
}

// PlotSeries draws one line with points per series against a shared x axis, with ±std error bars
// where given, and writes the PNG at path atomically.
func PlotSeries(path, title, xLabel, yLabel string, series []Series) error {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, xLabel, yLabel
	p.Add(plotter.NewGrid())
	for i, s := range series {
		if len(s.X) != len(s.Y) || (s.Std != nil && len(s.Std) != len(s.Y)) {
			return fmt.Errorf("plot %s: series %s has %d x, %d y and %d std values", path, s.Name, len(s.X), len(s.Y), len(s.Std))
		}
		xys := make(plotter.XYs, len(s.X))
		for j := range s.X {
			xys[j] = plotter.XY{X: s.X[j], Y: s.Y[j]}
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return fmt.Errorf("plot %s: series %s: %v", path, s.Name, err)
		}
		c := plotutil.Color(i)
		line.Color, points.Color = c, c
		line.Width = vg.Points(1.5)
		points.Shape = plotutil.Shape(i)
		p.Add(line, points)
		p.Legend.Add(s.Name, line, points)
		if s.Std != nil {
			errs := make(plotter.YErrors, len(s.Std))
			for j, v := range s.Std {
				errs[j].Low, errs[j].High = v, v
			}
			bars, err := plotter.NewYErrorBars(struct {
				plotter.XYer
				plotter.YErrorer
			}{xys, errs})
			if err != nil {
				return fmt.Errorf("plot %s: series %s: %v", path, s.Name, err)
			}
			bars.Color = c
			p.Add(bars)
		}
	}
	p.Legend.Top = false
	p.Legend.Left = true
	img := vgimg.New(6*vg.Inch, 4*vg.Inch)
	p.Draw(draw.New(img))
	return fsutil.WriteAtomic(path, func(out io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(out)
		return err
	})
}
