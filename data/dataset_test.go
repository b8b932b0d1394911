package data

import "testing"

func TestSubsetAndCounts(t *testing.T) {
	d := &Dataset{Name: "x", N: 4, H: 1, W: 2, C: 1, Images: []uint8{0, 1, 10, 11, 20, 21, 30, 31},
		Labels: []int{1, -1, 0, 1}, ClassNames: []string{"a", "b"}}
	counts, unknown := d.ClassCounts()
	if counts[0] != 1 || counts[1] != 2 || unknown != 1 || d.Labeled() {
		t.Fatalf("counts %v unknown %d", counts, unknown)
	}
	s, err := d.Subset([]int{3, 0, 3})
	if err != nil {
		t.Fatal(err)
	}
	want := []uint8{30, 31, 0, 1, 30, 31}
	for i := range want {
		if s.Images[i] != want[i] {
			t.Fatalf("images %v, want %v", s.Images, want)
		}
	}
	if s.N != 3 || s.Labels[1] != 1 || !s.Labeled() {
		t.Fatalf("subset %+v", s)
	}
	if _, err := d.Subset([]int{4}); err == nil {
		t.Fatal("index 4: no error")
	}
	f := &Dataset{N: 2, D: 3, Features: []float32{1, 2, 3, 4, 5, 6}, Labels: []int{0, 0}}
	if g := f.Feature(1); g[0] != 4 || len(g) != 3 || f.IsImage() {
		t.Fatalf("feature %v", g)
	}
}

func TestConcat(t *testing.T) {
	a := &Dataset{Split: "train", N: 1, H: 1, W: 1, C: 1, Images: []uint8{5}, Labels: []int{0}, ClassNames: []string{"a"}, Files: []string{"f1"}}
	b := &Dataset{Split: "test", N: 2, H: 1, W: 1, C: 1, Images: []uint8{6, 7}, Labels: []int{-1, 0}, ClassNames: []string{"a"}, Files: []string{"f2"}}
	c, err := concat("x", "all", []*Dataset{a, b})
	if err != nil || c.N != 3 || c.Images[2] != 7 || c.Labels[1] != -1 || len(c.Files) != 2 || c.Split != "all" {
		t.Fatalf("%v %+v", err, c)
	}
	b.H = 2
	if _, err := concat("x", "all", []*Dataset{a, b}); err == nil {
		t.Fatal("shape mismatch: no error")
	}
}
