package gallery

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// randomItems returns n items in k clusters with random confidences, labels in 0..k−1 that mostly
// follow the cluster (class c is cluster (c+1) mod k), and their probability rows.
func randomItems(r *rand.Rand, n, k int) ([]Item, [][]float32) {
	items := make([]Item, n)
	probs := make([][]float32, n)
	for i := range items {
		row := make([]float32, k)
		s := float32(0)
		for j := range row {
			row[j] = r.Float32()
			s += row[j]
		}
		for j := range row {
			row[j] /= s
		}
		top := TopK(row, 3)
		label := (top[0].Cluster + k - 1) % k
		if r.Float64() < 0.2 {
			label = r.IntN(k)
		}
		items[i] = Item{Index: i, Cluster: top[0].Cluster, Confidence: top[0].P, Top: top, Label: label}
		probs[i] = row
	}
	return items, probs
}

// TestTopK compares TopK with a full sort.
func TestTopK(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for range 100 {
		k := 1 + r.IntN(12)
		row := make([]float32, k)
		for j := range row {
			row[j] = float32(r.IntN(5)) // ties
		}
		idx := make([]int, k)
		for j := range idx {
			idx[j] = j
		}
		slices.SortStableFunc(idx, func(a, b int) int {
			if row[a] != row[b] {
				if row[a] > row[b] {
					return -1
				}
				return 1
			}
			return a - b
		})
		got := TopK(row, 3)
		if len(got) != min(3, k) {
			t.Fatalf("len %d", len(got))
		}
		for i, c := range got {
			if c.Cluster != idx[i] || c.P != float64(row[idx[i]]) {
				t.Fatalf("row %v: top %v, want order %v", row, got, idx[:len(got)])
			}
		}
	}
}

func TestFormatParseTop(t *testing.T) {
	top := []Choice{{3, 0.912}, {7, 0.051}, {1, 0.02}}
	got, err := ParseTop(FormatTop(top))
	if err != nil || len(got) != 3 || got[1] != top[1] {
		t.Fatalf("%v %v", got, err)
	}
	if _, err := ParseTop("3:x"); err == nil {
		t.Error("bad cell: no error")
	}
}

// TestBuildStats checks each cluster's size, mean confidence, order and matched class against
// direct computation, and that the matching's accuracy equals the brute-force best over all
// cluster→class permutations (k = 4).
func TestBuildStats(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	k := 4
	items, _ := randomItems(r, 300, k)
	g, err := Build(items, nil, Options{Clusters: k + 1, PerCluster: 5, Doubtful: 3, ClassNames: []string{"a", "b", "c", "d"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Clusters) != k+1 || g.Clusters[k].Size != 0 {
		t.Fatalf("clusters %d, last size %d", len(g.Clusters), g.Clusters[k].Size)
	}
	for _, c := range g.Clusters[:k] {
		var confs []float64
		sum := 0.0
		for _, it := range items {
			if it.Cluster == c.ID {
				confs = append(confs, it.Confidence)
				sum += it.Confidence
			}
		}
		if c.Size != len(confs) || math.Abs(c.MeanConfidence-sum/float64(len(confs))) > 1e-12 {
			t.Errorf("cluster %d: size %d mean %v, want %d %v", c.ID, c.Size, c.MeanConfidence, len(confs), sum/float64(len(confs)))
		}
		slices.Sort(confs)
		if c.Confident[0].Item.Confidence != confs[len(confs)-1] || c.Doubtful[len(c.Doubtful)-1].Item.Confidence != confs[0] {
			t.Errorf("cluster %d: most/least confident %v/%v, want %v/%v", c.ID, c.Confident[0].Item.Confidence,
				c.Doubtful[len(c.Doubtful)-1].Item.Confidence, confs[len(confs)-1], confs[0])
		}
		if len(c.Confident) != 5 || len(c.Doubtful) != 3 {
			t.Errorf("thumbs %d/%d", len(c.Confident), len(c.Doubtful))
		}
		// Mostly class (cluster+k−1) mod k, by construction.
		want := []string{"a", "b", "c", "d"}[(c.ID+k-1)%k]
		if c.Class != want {
			t.Errorf("cluster %d: class %q, want %q", c.ID, c.Class, want)
		}
		in := 0
		for _, it := range items {
			if it.Cluster == c.ID && it.Label == (c.ID+k-1)%k {
				in++
			}
		}
		if math.Abs(c.Purity-float64(in)/float64(c.Size)) > 1e-12 {
			t.Errorf("cluster %d: purity %v, want %v", c.ID, c.Purity, float64(in)/float64(c.Size))
		}
	}
	best := 0
	for _, p := range permutations(k) {
		n := 0
		for _, it := range items {
			if p[it.Cluster] == it.Label {
				n++
			}
		}
		best = max(best, n)
	}
	if math.Abs(g.ACC-float64(best)/300) > 1e-12 {
		t.Errorf("ACC %v, brute force %v", g.ACC, float64(best)/300)
	}
}

func permutations(k int) [][]int {
	if k == 1 {
		return [][]int{{0}}
	}
	var out [][]int
	for _, p := range permutations(k - 1) {
		for pos := 0; pos <= len(p); pos++ {
			q := append(append(append([]int{}, p[:pos]...), k-1), p[pos:]...)
			out = append(out, q)
		}
	}
	return out
}

// TestWriteFiles writes a gallery from image files and reads the outputs back.
func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(3, 3))
	items, _ := randomItems(r, 40, 3)
	for i := range items {
		img := image.NewRGBA(image.Rect(0, 0, 20+i, 16))
		for p := range img.Pix {
			img.Pix[p] = uint8(37 * (i + p))
		}
		path := filepath.Join(dir, "in", "img"+string(rune('a'+i%26))+string(rune('a'+i/26))+".png")
		os.MkdirAll(filepath.Dir(path), 0o755)
		f, _ := os.Create(path)
		png.Encode(f, img)
		f.Close()
		items[i].Path = path
	}
	items[5].Path = filepath.Join(dir, "missing.png")
	if err := Write(dir, items, FileSource, Options{Title: "test <page>", Thumb: 32}); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "gallery.html"))
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for _, s := range []string{"test &lt;page&gt;", `id="cluster-2"`, "data:image/jpeg;base64,", "in/imgaa.png", "cannot open"} {
		if !strings.Contains(html, s) {
			t.Errorf("gallery.html lacks %q", s)
		}
	}
	if n := strings.Count(html, "<img "); n != 39 {
		t.Errorf("%d images embedded, want 39 (one file missing)", n)
	}
	f, err := os.Open(filepath.Join(dir, "gallery.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet, err := png.Decode(f)
	if err != nil || sheet.Bounds().Dy() < 3*28 {
		t.Fatalf("gallery.png: %v %v", err, sheet.Bounds())
	}
	// Not blank: the sheet holds more than background and text colours.
	colours := map[color.RGBA]bool{}
	b := sheet.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, _ := sheet.At(x, y).RGBA()
			colours[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bb >> 8), 255}] = true
		}
	}
	if len(colours) < 20 {
		t.Errorf("gallery.png has %d colours", len(colours))
	}
}

// TestReadAssignments reads a file with quoted paths and the optional columns.
func TestReadAssignments(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.csv")
	os.WriteFile(path, []byte("index,cluster,confidence,label,path,top3\n0,2,0.9,-1,\"x, y.png\",2:0.9 1:0.05 0:0.05\n1,0,0.5,3,b.png,0:0.5 2:0.3 1:0.2\n"), 0o644)
	items, err := ReadAssignments(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Path != "x, y.png" || items[1].Label != 3 || items[1].Top[1].Cluster != 2 {
		t.Fatalf("%+v", items)
	}
	os.WriteFile(path, []byte("index,cluster\n0,1\n"), 0o644)
	if _, err := ReadAssignments(path); err == nil {
		t.Error("no confidence column: no error")
	}
}

func TestScale(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 28, 14))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	s := Scale(img, 56)
	if s.Bounds().Dx() != 56 || s.Bounds().Dy() != 28 || s.Pix[0] != 200 {
		t.Fatalf("%v %v", s.Bounds(), s.Pix[:4])
	}
	s = Scale(image.NewRGBA(image.Rect(0, 0, 300, 100)), 60)
	if s.Bounds().Dx() != 60 || s.Bounds().Dy() != 20 {
		t.Fatalf("%v", s.Bounds())
	}
}
