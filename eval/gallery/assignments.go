package gallery

import (
	"encoding/csv"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // register the JPEG decoder
	_ "image/png"  // register the PNG decoder
	"io"
	"os"
	"strconv"
	"strings"
)

// FormatTop writes a ranking as the top3 cell of assignments.csv: "cluster:p" pairs separated
// by spaces, best first, e.g. "3:0.912 7:0.051 1:0.02".
func FormatTop(top []Choice) string {
	parts := make([]string, len(top))
	for i, c := range top {
		parts[i] = strconv.Itoa(c.Cluster) + ":" + strconv.FormatFloat(c.P, 'g', 4, 64)
	}
	return strings.Join(parts, " ")
}

// ParseTop reads a cell written by FormatTop.
func ParseTop(s string) ([]Choice, error) {
	var out []Choice
	for _, f := range strings.Fields(s) {
		k, p, ok := strings.Cut(f, ":")
		c, err1 := strconv.Atoi(k)
		v, err2 := strconv.ParseFloat(p, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("top3 cell %q: want cluster:probability pairs", s)
		}
		out = append(out, Choice{c, v})
	}
	return out, nil
}

// TopK returns the k most probable clusters of one probability row, best first (ties by
// cluster index).
func TopK(row []float32, k int) []Choice {
	out := make([]Choice, 0, k+1)
	for j, p := range row {
		c := Choice{j, float64(p)}
		pos := len(out)
		for pos > 0 && out[pos-1].P < c.P {
			pos--
		}
		if pos < k {
			out = append(out, Choice{})
			copy(out[pos+1:], out[pos:])
			out[pos] = c
			if len(out) > k {
				out = out[:k]
			}
		}
	}
	return out
}

// ReadAssignments reads an assignments.csv written by cct train or cct predict: the columns
// index, cluster and confidence, and the optional label, path and top3.
func ReadAssignments(path string) ([]Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"index", "cluster", "confidence"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("%s: no %q column (header %s)", path, need, strings.Join(header, ","))
		}
	}
	var items []Item
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		it := Item{Label: -1}
		var e1, e2, e3, e4 error
		it.Index, e1 = strconv.Atoi(rec[col["index"]])
		it.Cluster, e2 = strconv.Atoi(rec[col["cluster"]])
		it.Confidence, e3 = strconv.ParseFloat(rec[col["confidence"]], 64)
		if i, ok := col["label"]; ok {
			it.Label, e4 = strconv.Atoi(rec[i])
		}
		if i, ok := col["path"]; ok {
			it.Path = rec[i]
		}
		if i, ok := col["top3"]; ok && e4 == nil {
			it.Top, e4 = ParseTop(rec[i])
		}
		if err := errors.Join(e1, e2, e3, e4); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	return items, nil
}

// FileSource reads an item's image from its path (PNG or JPEG); items without a path have none.
func FileSource(it Item) (image.Image, error) {
	if it.Path == "" {
		return nil, nil
	}
	f, err := os.Open(it.Path)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s", it.Path)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("cannot decode %s", it.Path)
	}
	return img, nil
}

// Write builds the gallery and writes gallery.html and gallery.png into dir.
func Write(dir string, items []Item, src Source, opt Options) error {
	g, err := Build(items, src, opt)
	if err != nil {
		return err
	}
	if err := g.WriteHTML(dir+string(os.PathSeparator)+"gallery.html", opt.ClassNames); err != nil {
		return err
	}
	return g.WritePNG(dir + string(os.PathSeparator) + "gallery.png")
}
