// Package npy reads and writes NumPy .npy files and reads numeric CSV matrices.
//
// Supported .npy files: format versions 1.0, 2.0 and 3.0; C order; rank 1 or 2; little-endian
// (or byte-order-free) float32, float64, int32, int64 and uint8. Writers produce version 1.0
// files (2.0 when the header needs it) of float32, float64 or int64, atomically: the data go to
// a temporary file in the target folder that is then renamed over the target.
package npy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// DType is an element type of an .npy file.
type DType int

// Supported element types.
const (
	Float32 DType = iota + 1
	Float64
	Int32
	Int64
	Uint8
)

// String returns the NumPy name of the type.
func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	case Int32:
		return "int32"
	case Int64:
		return "int64"
	case Uint8:
		return "uint8"
	}
	return fmt.Sprintf("DType(%d)", int(d))
}

// Size returns the number of bytes of one element.
func (d DType) Size() int {
	switch d {
	case Float32, Int32:
		return 4
	case Float64, Int64:
		return 8
	case Uint8:
		return 1
	}
	return 0
}

// IsFloat reports whether d is Float32 or Float64.
func (d DType) IsFloat() bool { return d == Float32 || d == Float64 }

// descr returns the header descr of d.
func (d DType) descr() string {
	switch d {
	case Float32:
		return "<f4"
	case Float64:
		return "<f8"
	case Int32:
		return "<i4"
	case Int64:
		return "<i8"
	case Uint8:
		return "|u1"
	}
	return ""
}

// Array is the content of an .npy file. Exactly one of F32, F64 and Ints holds the elements in
// C (row-major) order: F32 for float32, F64 for float64, Ints for int32, int64 and uint8.
type Array struct {
	Shape []int // one or two dimensions
	DType DType
	F32   []float32
	F64   []float64
	Ints  []int64
}

// Len returns the number of elements.
func (a *Array) Len() int {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

// Float64s returns the elements as float64 (a new slice, or F64 itself for float64 data).
// Integers beyond 2^53 in magnitude are rounded.
func (a *Array) Float64s() []float64 {
	switch {
	case a.F64 != nil:
		return a.F64
	case a.F32 != nil:
		out := make([]float64, len(a.F32))
		for i, v := range a.F32 {
			out[i] = float64(v)
		}
		return out
	default:
		out := make([]float64, len(a.Ints))
		for i, v := range a.Ints {
			out[i] = float64(v)
		}
		return out
	}
}

var magic = []byte("\x93NUMPY")

// ReadFile reads an .npy file.
func ReadFile(path string) (*Array, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("file %s: %w", path, unwrapPathError(err))
	}
	return Decode(b, path)
}

// unwrapPathError drops the path that os errors repeat.
func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// Decode parses the bytes of an .npy file; name labels error messages.
func Decode(b []byte, name string) (*Array, error) {
	fail := func(format string, args ...any) (*Array, error) {
		return nil, fmt.Errorf("file %s: "+format, append([]any{name}, args...)...)
	}
	if len(b) < 10 || !bytes.Equal(b[:6], magic) {
		return fail("not an .npy file (wrong magic; want \\x93NUMPY)")
	}
	major, minor := b[6], b[7]
	var hlen, start int
	switch major {
	case 1:
		hlen, start = int(binary.LittleEndian.Uint16(b[8:10])), 10
	case 2, 3:
		if len(b) < 12 {
			return fail("truncated header")
		}
		h := binary.LittleEndian.Uint32(b[8:12])
		if uint64(h) > uint64(len(b)) {
			return fail("header length %d exceeds the file size %d", h, len(b))
		}
		hlen, start = int(h), 12
	default:
		return fail("unsupported .npy format version %d.%d", major, minor)
	}
	if start+hlen > len(b) {
		return fail("truncated header: needs %d bytes, file has %d", start+hlen, len(b))
	}
	header := string(b[start : start+hlen])
	dtype, fortran, shape, err := parseHeader(header)
	if err != nil {
		return fail("%v", err)
	}
	if fortran {
		return fail("Fortran-order arrays are not supported; save with np.ascontiguousarray")
	}
	if len(shape) != 1 && len(shape) != 2 {
		return fail("shape %s has rank %d, want 1 or 2", shapeString(shape), len(shape))
	}
	count := 1
	for _, d := range shape {
		if d != 0 && count > math.MaxInt32/d {
			return fail("shape %s is too large", shapeString(shape))
		}
		count *= d
	}
	data := b[start+hlen:]
	want := count * dtype.Size()
	if len(data) != want {
		return fail("header says %s %s (%d bytes), found %d", shapeString(shape), dtype, want, len(data))
	}
	a := &Array{Shape: shape, DType: dtype}
	switch dtype {
	case Float32:
		a.F32 = make([]float32, count)
		for i := range a.F32 {
			a.F32[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
	case Float64:
		a.F64 = make([]float64, count)
		for i := range a.F64 {
			a.F64[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
		}
	case Int32:
		a.Ints = make([]int64, count)
		for i := range a.Ints {
			a.Ints[i] = int64(int32(binary.LittleEndian.Uint32(data[4*i:])))
		}
	case Int64:
		a.Ints = make([]int64, count)
		for i := range a.Ints {
			a.Ints[i] = int64(binary.LittleEndian.Uint64(data[8*i:]))
		}
	case Uint8:
		a.Ints = make([]int64, count)
		for i := range a.Ints {
			a.Ints[i] = int64(data[i])
		}
	}
	return a, nil
}

// shapeString formats a shape as 1000×10.
func shapeString(shape []int) string {
	if len(shape) == 0 {
		return "()"
	}
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, "×")
}

// parseHeader reads the Python dict literal of an .npy header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (1000, 10), }.
func parseHeader(h string) (dtype DType, fortran bool, shape []int, err error) {
	p := &lit{s: strings.TrimRight(h, " \n\x00")}
	p.space()
	if !p.eat('{') {
		return 0, false, nil, fmt.Errorf("bad header: want a dict, got %q", clip(h))
	}
	seen := map[string]bool{}
	for {
		p.space()
		if p.eat('}') {
			break
		}
		key, ok := p.str()
		if !ok {
			return 0, false, nil, fmt.Errorf("bad header: want a quoted key at %q", clip(p.rest()))
		}
		p.space()
		if !p.eat(':') {
			return 0, false, nil, fmt.Errorf("bad header: want ':' after %q", key)
		}
		p.space()
		switch key {
		case "descr":
			d, ok := p.str()
			if !ok {
				return 0, false, nil, fmt.Errorf("bad header: descr is not a string (structured dtypes are not supported)")
			}
			if dtype, err = parseDescr(d); err != nil {
				return 0, false, nil, err
			}
		case "fortran_order":
			switch {
			case p.word("True"):
				fortran = true
			case p.word("False"):
				fortran = false
			default:
				return 0, false, nil, fmt.Errorf("bad header: fortran_order is not True or False")
			}
		case "shape":
			if shape, ok = p.tuple(); !ok {
				return 0, false, nil, fmt.Errorf("bad header: shape is not a tuple of non-negative integers")
			}
		default:
			return 0, false, nil, fmt.Errorf("bad header: unknown key %q", key)
		}
		seen[key] = true
		p.space()
		if p.eat(',') {
			continue
		}
		p.space()
		if !p.eat('}') {
			return 0, false, nil, fmt.Errorf("bad header: want ',' or '}' at %q", clip(p.rest()))
		}
		break
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return 0, false, nil, fmt.Errorf("bad header: missing key %q", k)
		}
	}
	return dtype, fortran, shape, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// parseDescr maps a NumPy type string to a DType.
func parseDescr(d string) (DType, error) {
	if len(d) == 3 && d[1:] == "u1" && strings.ContainsRune("|<=>", rune(d[0])) {
		return Uint8, nil
	}
	if len(d) == 3 && (d[0] == '<' || d[0] == '=') {
		switch d[1:] {
		case "f4":
			return Float32, nil
		case "f8":
			return Float64, nil
		case "i4":
			return Int32, nil
		case "i8":
			return Int64, nil
		}
	}
	if len(d) == 3 && d[0] == '>' {
		return 0, fmt.Errorf("dtype %q is big-endian; only little-endian data are supported", d)
	}
	return 0, fmt.Errorf("unsupported dtype %q (want float32, float64, int32, int64 or uint8)", d)
}

// lit is a cursor over a Python literal.
type lit struct {
	s string
	i int
}

func (p *lit) rest() string { return p.s[p.i:] }

func (p *lit) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *lit) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *lit) word(w string) bool {
	if strings.HasPrefix(p.rest(), w) {
		p.i += len(w)
		return true
	}
	return false
}

// str reads a '…' or "…" string without escapes.
func (p *lit) str() (string, bool) {
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", false
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", false
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, true
}

// tuple reads (d0, d1, ...) of non-negative integers, allowing a trailing comma and Python's
// long suffix L.
func (p *lit) tuple() ([]int, bool) {
	if !p.eat('(') {
		return nil, false
	}
	shape := []int{}
	for {
		p.space()
		if p.eat(')') {
			return shape, true
		}
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		if j == p.i || j-p.i > 12 {
			return nil, false
		}
		v, err := strconv.Atoi(p.s[p.i:j])
		if err != nil {
			return nil, false
		}
		shape = append(shape, v)
		p.i = j
		p.eat('L')
		p.space()
		if !p.eat(',') {
			p.space()
			if !p.eat(')') {
				return nil, false
			}
			return shape, true
		}
	}
}
