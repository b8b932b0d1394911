package data

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/cct-dev/cct/data/npy"
)

func TestFeatures(t *testing.T) {
	dir := t.TempDir()
	x := []float32{1, 2, 3, 4, 5, 6}
	train := filepath.Join(dir, "feat.npy")
	if err := npy.WriteFloat32(train, []int{3, 2}, x); err != nil {
		t.Fatal(err)
	}
	if err := npy.WriteInt64(filepath.Join(dir, "feat.labels.npy"), []int{3}, []int64{0, 2, -1}); err != nil {
		t.Fatal(err)
	}
	test := filepath.Join(dir, "test.npy")
	if err := npy.WriteFloat64(test, []int{1, 2}, []float64{7.5, 8}); err != nil {
		t.Fatal(err)
	}
	testLabels := filepath.Join(dir, "tl.csv")
	writeFile(t, testLabels, []byte("label\n4\n"))

	d, err := Load("features:"+train, Train, "")
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 3 || d.D != 2 || d.Feature(2)[1] != 6 || d.Labels[1] != 2 || d.Labels[2] != -1 || d.NumClasses() != 3 || d.IsImage() {
		t.Fatalf("%+v", d)
	}
	all, err := Load("features:"+train+",test="+test+",test-labels="+testLabels, All, "")
	if err != nil {
		t.Fatal(err)
	}
	// Five classes: the test labels reach 4, and both splits share the count.
	if all.N != 4 || all.Features[6] != 7.5 || all.Labels[3] != 4 || all.NumClasses() != 5 || len(all.Files) != 4 {
		t.Fatalf("%+v", all)
	}
	csv := filepath.Join(dir, "f.csv")
	writeFile(t, csv, []byte("a,b,c\n1,2,3\n4,5,6\n"))
	c, err := Load("features:"+csv, Train, "")
	if err != nil || c.N != 2 || c.D != 3 || c.Labeled() {
		t.Fatalf("%v %+v", err, c)
	}
}

func TestFeaturesErrors(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "f.npy")
	npy.WriteFloat32(f, []int{2, 2}, []float32{1, 2, 3, 4})
	vec := filepath.Join(dir, "v.npy")
	npy.WriteFloat32(vec, []int{4}, []float32{1, 2, 3, 4})
	nan := filepath.Join(dir, "nan.csv")
	writeFile(t, nan, []byte("1,2\n3,NaN\n"))
	three := filepath.Join(dir, "three.npy")
	npy.WriteInt64(three, []int{3}, []int64{0, 1, 1})
	frac := filepath.Join(dir, "frac.csv")
	writeFile(t, frac, []byte("0\n1.5\n"))
	wide := filepath.Join(dir, "wide.csv")
	writeFile(t, wide, []byte("0,1\n1,0\n"))
	neg := filepath.Join(dir, "neg.npy")
	npy.WriteInt64(neg, []int{2}, []int64{0, -2})
	for _, tc := range []struct{ name, want string }{
		{"features:" + vec, "expected an N×D matrix"},
		{"features:" + nan, "row 1 column 1 is NaN"},
		{"features:" + f + ",labels=" + three, "has 3 labels, expected 2"},
		{"features:" + f + ",labels=" + frac, "label 1.5 of row 1"},
		{"features:" + f + ",labels=" + wide, "2 columns"},
		{"features:" + f + ",labels=" + neg, "label -2 of row 1"},
		{"features:" + filepath.Join(dir, "missing.npy"), "missing.npy"},
	} {
		_, err := Load(tc.name, Train, "")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}
