package eval

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadLabelColumn(t *testing.T) {
	assignments := "index,cluster,confidence,label\n0,3,0.9,1\n1,2,0.5,-1\n2,3,0.7,0\n"
	cases := []struct {
		name, text, col, fallback string
		want                      []int
		lines                     []int
		column                    string
	}{
		{"one per line", "1\n2\n3\n", "", "cluster", []int{1, 2, 3}, []int{1, 2, 3}, ""},
		{"one per line, header", "pred\n1\n 2\n3\n", "", "cluster", []int{1, 2, 3}, []int{2, 3, 4}, "pred"},
		{"blank lines skipped", "1\n\n2\n", "", "label", []int{1, 2}, []int{1, 3}, ""},
		{"BOM and CRLF", "\ufeffcluster\r\n4\r\n5\r\n", "", "cluster", []int{4, 5}, []int{2, 3}, "cluster"},
		{"default column cluster", assignments, "", "cluster", []int{3, 2, 3}, []int{2, 3, 4}, "cluster"},
		{"default column label", assignments, "", "label", []int{1, -1, 0}, []int{2, 3, 4}, "label"},
		{"named column", assignments, "index", "cluster", []int{0, 1, 2}, []int{2, 3, 4}, "index"},
		{"column number with header", assignments, "1", "label", []int{3, 2, 3}, []int{2, 3, 4}, "cluster"},
		{"column number, no header", "1,7\n2,8\n", "1", "label", []int{7, 8}, []int{1, 2}, ""},
		{"negative and spaces", " -3 \n+4\n", "", "label", []int{-3, 4}, []int{1, 2}, ""},
	}
	for _, c := range cases {
		got, err := readLabelColumn(strings.NewReader(c.text), "f.csv", c.col, c.fallback)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !slices.Equal(got.Values, c.want) || !slices.Equal(got.Lines, c.lines) || got.Column != c.column {
			t.Errorf("%s: got %v lines %v column %q, want %v %v %q", c.name, got.Values, got.Lines, got.Column, c.want, c.lines, c.column)
		}
	}
}

func TestReadLabelColumnErrors(t *testing.T) {
	cases := []struct {
		name, text, col, fallback string
		wantMsg                   string // substring of the error
		noColumn                  bool
	}{
		{"empty", "", "", "label", "f.csv: empty file", false},
		{"header only", "label\n", "", "label", "no data rows", false},
		{"non-integer", "1\n2\nx3\n", "", "label", `f.csv:3: column 1: "x3" is not an integer`, false},
		{"float", "label\n1\n2.5\n", "", "label", `f.csv:3: column "label": "2.5" is not an integer`, false},
		{"empty cell", "a,label\n1,\n", "", "label", `f.csv:2: column "label": "" is not an integer`, false},
		{"short row", "a,label\n1,2\n3\n", "", "label", "f.csv:3: row has 1 cells", false},
		{"missing named column", "a,b\n1,2\n", "label", "label", `header has no column "label"`, true},
		{"no default column", "a,b\n1,2\n", "", "label", `header has no column "label" (columns: a, b)`, true},
		{"many columns, no header", "1,2\n3,4\n", "", "label", "2 columns and no header", true},
		{"name without header", "1,2\n3,4\n", "label", "label", "no header line", true},
		{"column number too large", "1,2\n", "5", "label", "column 5 requested", true},
		{"bad quoting", "label\n\"1\n", "", "label", "f.csv:2:", false},
	}
	for _, c := range cases {
		_, err := readLabelColumn(strings.NewReader(c.text), "f.csv", c.col, c.fallback)
		if err == nil {
			t.Errorf("%s: want an error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.wantMsg) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %q, want it to contain %q on one line", c.name, err, c.wantMsg)
		}
		if errors.Is(err, ErrNoColumn) != c.noColumn {
			t.Errorf("%s: errors.Is(ErrNoColumn) = %v", c.name, !c.noColumn)
		}
	}
}

func TestPairLabels(t *testing.T) {
	pred := &LabelColumn{Path: "p.csv", Values: []int{0, 1, 1, 2}, Lines: []int{2, 3, 4, 5}}
	truth := &LabelColumn{Path: "t.csv", Values: []int{5, -1, 6, 6}, Lines: []int{1, 2, 3, 4}}
	p, tr, skipped, err := PairLabels(pred, truth)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p, []int{0, 1, 2}) || !slices.Equal(tr, []int{5, 6, 6}) || skipped != 1 {
		t.Errorf("got %v %v skipped %d", p, tr, skipped)
	}
	short := &LabelColumn{Path: "t.csv", Values: []int{5, 6}, Lines: []int{1, 2}}
	_, _, _, err = PairLabels(pred, short)
	if err == nil || !strings.HasPrefix(err.Error(), "p.csv:4: row 3 has no counterpart") {
		t.Errorf("length mismatch error: %v", err)
	}
	_, _, _, err = PairLabels(short, pred)
	if err == nil || !strings.HasPrefix(err.Error(), "p.csv:4:") {
		t.Errorf("length mismatch error (swapped): %v", err)
	}
	unknown := &LabelColumn{Path: "t.csv", Values: []int{-1, -1, -1, -1}, Lines: []int{1, 2, 3, 4}}
	if _, _, _, err = PairLabels(pred, unknown); err == nil {
		t.Error("all labels unknown: want an error")
	}
}

func TestReadLabelColumnFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.csv")
	if err := os.WriteFile(path, []byte("index,cluster,label\n0,1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadLabelColumn(path, "", "label")
	if err != nil || !slices.Equal(got.Values, []int{2}) || got.Path != path {
		t.Errorf("got %+v, %v", got, err)
	}
	if _, err := ReadLabelColumn(filepath.Join(t.TempDir(), "missing.csv"), "", "label"); err == nil {
		t.Error("missing file: want an error")
	}
}
