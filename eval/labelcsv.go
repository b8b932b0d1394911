package eval

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// LabelColumn is one integer column read from a CSV file by ReadLabelColumn.
type LabelColumn struct {
	Path   string
	Column string // header name of the column read; "" when the file has no header
	Values []int
	Lines  []int // 1-based line of each value in the file
}

// ErrNoColumn is wrapped by ReadLabelColumn's error when the requested column cannot be found.
var ErrNoColumn = errors.New("column not found")

// ReadLabelColumn reads integer labels from the CSV file at path. The file either holds one
// integer per line (an optional header line is skipped), or has a header naming its columns.
// The first line is a header unless every cell in it is an integer.
//
// The column read is, in order: the header column named col; column number col (0-based) when
// col is an integer that is not a header name; when col is "", the header column named fallback,
// or the only column of a one-column file. Every value must be an integer; errors name the file
// and line, as "path:line: ...".
func ReadLabelColumn(path, col, fallback string) (*LabelColumn, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLabelColumn(f, path, col, fallback)
}

func readLabelColumn(in io.Reader, path, col, fallback string) (*LabelColumn, error) {
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	out := &LabelColumn{Path: path}
	index := -1
	first := true
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s:%d: %v", path, pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		line, _ := r.FieldPos(0)
		if first {
			first = false
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
			header := !allIntegers(rec)
			index, out.Column, err = chooseColumn(rec, header, col, fallback)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, line, err)
			}
			if header {
				continue
			}
		}
		if index >= len(rec) {
			return nil, fmt.Errorf("%s:%d: row has %d cells, column %d is missing", path, line, len(rec), index+1)
		}
		cell := strings.TrimSpace(rec[index])
		v, err := strconv.Atoi(cell)
		if err != nil {
			what := "column " + strconv.Itoa(index+1)
			if out.Column != "" {
				what = "column " + strconv.Quote(out.Column)
			}
			return nil, fmt.Errorf("%s:%d: %s: %q is not an integer", path, line, what, cell)
		}
		out.Values = append(out.Values, v)
		out.Lines = append(out.Lines, line)
	}
	if first {
		return nil, fmt.Errorf("%s: empty file", path)
	}
	if len(out.Values) == 0 {
		return nil, fmt.Errorf("%s: no data rows after the header", path)
	}
	return out, nil
}

// allIntegers reports whether every cell of rec parses as an integer.
func allIntegers(rec []string) bool {
	for _, c := range rec {
		if _, err := strconv.Atoi(strings.TrimSpace(c)); err != nil {
			return false
		}
	}
	return true
}

// chooseColumn picks the column index from the first record; see ReadLabelColumn.
func chooseColumn(first []string, header bool, col, fallback string) (int, string, error) {
	names := make([]string, len(first))
	for i, c := range first {
		names[i] = strings.TrimSpace(c)
	}
	find := func(name string) int {
		for i, n := range names {
			if header && n == name {
				return i
			}
		}
		return -1
	}
	if col != "" {
		if i := find(col); i >= 0 {
			return i, names[i], nil
		}
		if i, err := strconv.Atoi(col); err == nil && i >= 0 {
			if i >= len(first) {
				return 0, "", fmt.Errorf("column %d requested but the first row has %d columns: %w", i, len(first), ErrNoColumn)
			}
			if header {
				return i, names[i], nil
			}
			return i, "", nil
		}
		if !header {
			return 0, "", fmt.Errorf("no header line, so there is no column named %q: %w", col, ErrNoColumn)
		}
		return 0, "", fmt.Errorf("header has no column %q (columns: %s): %w", col, strings.Join(names, ", "), ErrNoColumn)
	}
	if i := find(fallback); i >= 0 {
		return i, names[i], nil
	}
	if len(first) == 1 {
		if header {
			return 0, names[0], nil
		}
		return 0, "", nil
	}
	if header {
		return 0, "", fmt.Errorf("header has no column %q (columns: %s): %w", fallback, strings.Join(names, ", "), ErrNoColumn)
	}
	return 0, "", fmt.Errorf("%d columns and no header; say which column to read: %w", len(first), ErrNoColumn)
}

// PairLabels aligns a prediction column with a reference column row by row and drops the rows
// whose reference label is -1 (unknown). The two columns must have the same number of rows.
// It returns the kept predictions and labels and the number of rows dropped.
func PairLabels(pred, truth *LabelColumn) (p, t []int, skipped int, err error) {
	if len(pred.Values) != len(truth.Values) {
		long, short := pred, truth
		if len(truth.Values) > len(pred.Values) {
			long, short = truth, pred
		}
		n := len(short.Values)
		return nil, nil, 0, fmt.Errorf("%s:%d: row %d has no counterpart: %s has %d rows, %s has %d",
			long.Path, long.Lines[n], n+1, pred.Path, len(pred.Values), truth.Path, len(truth.Values))
	}
	p = make([]int, 0, len(pred.Values))
	t = make([]int, 0, len(truth.Values))
	for i, l := range truth.Values {
		if l == -1 {
			skipped++
			continue
		}
		p = append(p, pred.Values[i])
		t = append(t, l)
	}
	if len(t) == 0 {
		return nil, nil, skipped, fmt.Errorf("%s: every label is -1 (unknown), nothing to score", truth.Path)
	}
	return p, t, skipped, nil
}
