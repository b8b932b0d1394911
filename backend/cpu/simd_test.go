package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
)

// specialF32 returns n float32 values mixing normal numbers, ±0, ±Inf, NaN, subnormals and
// repeated values (for comparisons).
func specialF32(rng *rand.Rand, n int) []float32 {
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), 1e-40, -1e-40, 1, -1, 0.5}
	v := make([]float32, n)
	for i := range v {
		if rng.IntN(4) == 0 {
			v[i] = specials[rng.IntN(len(specials))]
		} else {
			v[i] = float32(rng.NormFloat64() * 3)
		}
	}
	return v
}

func sameBits(a, b []float32) (int, bool) {
	for i := range a {
		if a[i] != a[i] && b[i] != b[i] {
			continue
		}
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i, false
		}
	}
	return -1, true
}

// TestSIMDMatchesGo runs every float32 loop that has an AVX2 version with and without it, on
// lengths around multiples of 8 and values including ±0, ±Inf, NaN and subnormals, and requires the
// same bits (any NaN matches any NaN).
func TestSIMDMatchesGo(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	type kernel struct {
		name string
		fn   func(o, x, y, z []float32)
	}
	var ks []kernel
	for _, op := range []backends.OpType{backends.OpTypeAdd, backends.OpTypeSub, backends.OpTypeMul,
		backends.OpTypeDiv, backends.OpTypeMax} {
		ks = append(ks,
			kernel{op.String() + "/vv", func(o, x, y, _ []float32) { binaryBlock(op, o, x, y, false, false) }},
			kernel{op.String() + "/vs", func(o, x, y, _ []float32) { binaryBlock(op, o, x, y[:1], false, true) }},
			kernel{op.String() + "/sv", func(o, x, y, _ []float32) { binaryBlock(op, o, x[:1], y, true, false) }})
	}
	for _, op := range []backends.OpType{backends.OpTypeEqual, backends.OpTypeNotEqual, backends.OpTypeLessThan,
		backends.OpTypeLessOrEqual, backends.OpTypeGreaterOrEqual, backends.OpTypeGreaterThan,
		backends.OpTypeGreaterThanTotalOrder} {
		ks = append(ks,
			kernel{op.String() + "/vv", func(o, x, y, _ []float32) { compareBlock(op, o, x, y, false, false) }},
			kernel{op.String() + "/vs", func(o, x, y, _ []float32) { compareBlock(op, o, x, y[:1], false, true) }},
			kernel{op.String() + "/sv", func(o, x, y, _ []float32) { compareBlock(op, o, x[:1], y, true, false) }})
	}
	for mode := 0; mode < 4; mode++ {
		ks = append(ks, kernel{fmt.Sprintf("where/%d", mode), func(o, c, t, f []float32) {
			ts, fs := mode&1 != 0, mode&2 != 0
			if ts {
				t = t[:1]
			}
			if fs {
				f = f[:1]
			}
			whereBlock(o, c, t, f, false, ts, fs)
		}})
	}
	ks = append(ks,
		kernel{"nonneg", func(o, x, _, _ []float32) { nonNegBlock(o, x) }},
		kernel{"sqrt", func(o, x, _, _ []float32) { unaryBlock(backends.OpTypeSqrt, o, x) }},
		kernel{"maxInto", func(o, x, y, _ []float32) {
			copy(o, x)
			maxInto(o, y)
		}},
		kernel{"addRows", func(o, x, y, _ []float32) {
			copy(o, y)
			if l := len(o) / 4; l > 0 {
				addRows(o[:l], x[:4*l])
			}
		}})
	defer func() { noSIMD = false }()
	for _, k := range ks {
		for n := 0; n <= 75; n++ {
			x, y, z := specialF32(rng, n), specialF32(rng, n), specialF32(rng, n)
			if n > 0 && strings.HasPrefix(k.name, "where") {
				for i := range x { // conditions: mostly 0/1, some −0 and NaN (both true)
					x[i] = float32(rng.IntN(2))
				}
				x[0] = float32(math.Copysign(0, -1))
			}
			got, want := make([]float32, n), make([]float32, n)
			if n == 0 && (strings.HasSuffix(k.name, "sv") || strings.HasSuffix(k.name, "vs") ||
				strings.HasPrefix(k.name, "where")) {
				continue // single values need an element
			}
			noSIMD = false
			k.fn(got, x, y, z)
			noSIMD = true
			k.fn(want, x, y, z)
			if i, ok := sameBits(got, want); !ok {
				t.Fatalf("%s n=%d: [%d] = %g (%#x), Go loop gives %g (%#x)", k.name, n, i, got[i],
					math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			}
		}
	}
}

// TestStreamCopy checks streamCopy for every destination alignment and lengths around multiples
// of 8.
func TestStreamCopy(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for off := 0; off < 8; off++ {
		for n := 0; n <= 80; n++ {
			src := specialF32(rng, n)
			buf := make([]float32, n+16)
			dst := buf[off : off+n]
			streamCopy(dst, src)
			if i, ok := sameBits(dst, src); !ok {
				t.Fatalf("off=%d n=%d: [%d] = %g, want %g", off, n, i, dst[i], src[i])
			}
			for i, v := range buf[off+n:] {
				if v != 0 {
					t.Fatalf("off=%d n=%d: wrote past the end at %d", off, n, off+n+i)
				}
			}
			for i, v := range buf[:off] {
				if v != 0 {
					t.Fatalf("off=%d n=%d: wrote before the start at %d", off, n, i)
				}
			}
		}
	}
}
