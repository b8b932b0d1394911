// Package pca computes the principal axes of a data matrix and projects on them.
//
// For m points x_i ∈ ℝᵈ with mean μ, the centred matrix C (rows x_i − μ) has the thin SVD
// C = U S Vᵀ; the principal axes are the columns v_j of V, ordered by singular value s_j, and the
// variance of the data along v_j is s_j²/m. Fit finds the first r of them with a randomised range
// finder (Halko, Martinsson and Tropp 2011: r+10 Gaussian test vectors, two power iterations with
// re-orthonormalisation) followed by an exact SVD of the small (r+10)×d matrix QᵀC, which is
// accurate when the spectrum decays past r, as it does for image features.
package pca

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cct-dev/cct/backend/blas"
	"gonum.org/v1/gonum/mat"
)

// Basis holds the first R principal axes of D-dimensional data.
type Basis struct {
	D, R int
	Mean []float64 // μ, length D
	Axes []float64 // v_1..v_R as the columns of a D×R row-major matrix (orthonormal)
	Var  []float64 // s_j²/m, the variance along each axis, non-increasing
}

// Fit returns the first r principal axes of the m×d points in x (row-major); it needs
// 1 ≤ r < min(m, d). rng draws the test vectors.
func Fit(x []float64, m, d, r int, rng *rand.Rand) (*Basis, error) {
	if len(x) != m*d || r < 1 || r >= min(m, d) {
		return nil, fmt.Errorf("pca: %d axes of %d points of dimension %d (%d values): want 1 ≤ axes < min(points, dimension)", r, m, d, len(x))
	}
	c, mean := Centre(x, m, d)
	l := min(r+10, d, m)
	omega := make([]float64, d*l)
	for i := range omega {
		omega[i] = rng.NormFloat64()
	}
	y := make([]float64, m*l)
	blas.Gemm(false, false, m, l, d, 1, c, d, omega, l, 0, y, l) // Y = C Ω
	t := make([]float64, d*l)
	for range 2 {
		orthonormalise(y, m, l)
		blas.Gemm(true, false, d, l, m, 1, c, d, y, l, 0, t, l) // T = Cᵀ Y
		orthonormalise(t, d, l)
		blas.Gemm(false, false, m, l, d, 1, c, d, t, l, 0, y, l) // Y = C T
	}
	orthonormalise(y, m, l)
	// B = Yᵀ C (l×d); C ≈ Y B, so the right singular vectors and values of B are C's.
	b := make([]float64, l*d)
	blas.Gemm(true, false, l, d, m, 1, y, l, c, d, 0, b, d)
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(l, d, b), mat.SVDThin) {
		return nil, fmt.Errorf("pca: the SVD of the %d×%d projected matrix did not converge", l, d)
	}
	var v mat.Dense
	svd.VTo(&v) // d×l
	s := svd.Values(nil)
	basis := &Basis{D: d, R: r, Mean: mean, Axes: make([]float64, d*r), Var: make([]float64, r)}
	for i := range d {
		for j := range r {
			basis.Axes[i*r+j] = v.At(i, j)
		}
	}
	for j := range r {
		basis.Var[j] = s[j] * s[j] / float64(m)
	}
	return basis, nil
}

// Project returns the coordinates (x_i − μ)·v_j of the m points in x on the axes (m×R).
func (b *Basis) Project(x []float64, m int) []float64 {
	z := make([]float64, m*b.R)
	blas.Gemm(false, false, m, b.R, b.D, 1, centre(x, m, b.Mean), b.D, b.Axes, b.R, 0, z, b.R)
	return z
}

// Centre returns the m rows of dimension d in x minus their mean, and the mean.
func Centre(x []float64, m, d int) (c, mean []float64) {
	mean = make([]float64, d)
	for i := range m {
		for j := range d {
			mean[j] += x[i*d+j]
		}
	}
	for j := range mean {
		mean[j] /= float64(m)
	}
	return centre(x, m, mean), mean
}

// centre returns the m rows of x minus mean.
func centre(x []float64, m int, mean []float64) []float64 {
	d := len(mean)
	c := make([]float64, m*d)
	for i := range m {
		for j := range d {
			c[i*d+j] = x[i*d+j] - mean[j]
		}
	}
	return c
}

// orthonormalise replaces the columns of the r×c matrix a (row-major) by an orthonormal basis of
// their span: modified Gram–Schmidt, run twice for orthogonality to rounding. A column that
// vanishes (rank deficiency) is set to zero.
func orthonormalise(a []float64, r, c int) {
	for range 2 {
		for j := range c {
			for p := range j {
				dot := 0.0
				for i := range r {
					dot += a[i*c+j] * a[i*c+p]
				}
				for i := range r {
					a[i*c+j] -= dot * a[i*c+p]
				}
			}
			norm := 0.0
			for i := range r {
				norm += a[i*c+j] * a[i*c+j]
			}
			inv := 0.0
			if norm > 1e-300 {
				inv = 1 / math.Sqrt(norm)
			}
			for i := range r {
				a[i*c+j] *= inv
			}
		}
	}
}
