package data

import (
	"math"
	"testing"
)

func TestResize(t *testing.T) {
	src := randomBytes(6*8*3, 4) // 6×8×3
	t.Run("identity", func(t *testing.T) {
		got := Resize(src, 6, 8, 3, 6, 8)
		for i := range src {
			if got[i] != src[i] {
				t.Fatalf("byte %d", i)
			}
		}
	})
	t.Run("constant stays constant", func(t *testing.T) {
		c := make([]uint8, 7*5)
		for i := range c {
			c[i] = 137
		}
		for _, sz := range [][2]int{{3, 2}, {14, 10}, {11, 3}, {2, 9}} {
			for i, v := range Resize(c, 7, 5, 1, sz[0], sz[1]) {
				if v != 137 {
					t.Fatalf("size %v byte %d = %d", sz, i, v)
				}
			}
		}
	})
	t.Run("halving averages 2x2 blocks", func(t *testing.T) {
		got := Resize(src, 6, 8, 3, 3, 4)
		for y := 0; y < 3; y++ {
			for x := 0; x < 4; x++ {
				for c := 0; c < 3; c++ {
					var sum float64
					for dy := 0; dy < 2; dy++ {
						for dx := 0; dx < 2; dx++ {
							sum += float64(src[((2*y+dy)*8+2*x+dx)*3+c])
						}
					}
					if want := math.Round(sum / 4); math.Abs(float64(got[(y*4+x)*3+c])-want) > 0.5 {
						t.Fatalf("pixel %d,%d,%d = %d, want %v", y, x, c, got[(y*4+x)*3+c], want)
					}
				}
			}
		}
	})
	t.Run("thirds average 1.5-pixel spans", func(t *testing.T) {
		// 3 source pixels to 2: output 0 = (a + b/2)/1.5, output 1 = (b/2 + c)/1.5.
		row := []uint8{30, 90, 210}
		got := Resize(row, 1, 3, 1, 1, 2)
		if got[0] != 50 || got[1] != 170 {
			t.Fatalf("got %v, want [50 170]", got)
		}
	})
	t.Run("doubling interpolates", func(t *testing.T) {
		// A ramp 0, 40, 80, 120 doubled: output centres at source x = (o+0.5)/2-0.5, clamped.
		row := []uint8{0, 40, 80, 120}
		got := Resize(row, 1, 4, 1, 1, 8)
		want := []uint8{0, 10, 30, 50, 70, 90, 110, 120}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("got %v, want %v", got, want)
			}
		}
	})
}
