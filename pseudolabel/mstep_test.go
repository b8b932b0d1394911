package pseudolabel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// mstepObjective is f(y) = −log(σ·y) − Σ p_k log y_k (terms with p_k = 0 skipped).
func mstepObjective(y, sigma, p []float64) float64 {
	var dot, s float64
	for k := range y {
		dot += sigma[k] * y[k]
		if p[k] > 0 {
			s += p[k] * math.Log(y[k])
		}
	}
	return -math.Log(dot) - s
}

// mmSolve minimises the same f by the minorise–maximise update y_k ← (p_k + σ_k y_k/(σ·y))/(1+P),
// which follows from Jensen's inequality on log(σ·y) and owes nothing to formula (16).
func mmSolve(sigma, p []float64, iters int) []float64 {
	k := len(p)
	y := make([]float64, k)
	var P float64
	for j := range y {
		y[j] = 1 / float64(k)
		P += p[j]
	}
	for it := 0; it < iters; it++ {
		var dot float64
		for j := range y {
			dot += sigma[j] * y[j]
		}
		var change float64
		for j := range y {
			v := (p[j] + sigma[j]*y[j]/dot) / (1 + P)
			change = math.Max(change, math.Abs(v-y[j]))
			y[j] = v
		}
		if change < 1e-17 {
			break
		}
	}
	return y
}

type mstepCase struct {
	name  string
	sigma []float64
	p     []float64
}

// mstepCases draws random instances: K from 2 to 1000, P = Σp from 0.1 to 1000, p with and
// without zeros, including zeros at the largest σ.
func mstepCases() []mstepCase {
	rng := rand.New(rand.NewPCG(1, 2))
	var cases []mstepCase
	for _, k := range []int{2, 3, 5, 10, 100, 1000} {
		for _, P := range []float64{0.1, 1.3, 10, 100, 1000} {
			for _, zeros := range []string{"none", "some", "at-max"} {
				if k == 2 && zeros == "some" {
					continue
				}
				sigma := RandomSigma(1, k, rng.Uint64())
				p := make([]float64, k)
				var sum float64
				for j := range p {
					p[j] = rng.ExpFloat64()
					sum += p[j]
				}
				m := 0
				for j := range sigma {
					if sigma[j] > sigma[m] {
						m = j
					}
				}
				switch zeros {
				case "some":
					for j := range p {
						if rng.Float64() < 0.3 && j != m {
							sum -= p[j]
							p[j] = 0
						}
					}
				case "at-max":
					sum -= p[m]
					p[m] = 0
				}
				for j := range p {
					p[j] *= P / sum
				}
				cases = append(cases, mstepCase{fmt.Sprintf("K=%d/P=%g/zeros=%s", k, P, zeros), sigma, p})
			}
		}
	}
	return cases
}

// checkKKT verifies the KKT conditions of (15) with multiplier γ = 1 + P: y ∈ Δ, and
// γ − σ_k/x − p_k/y_k = 0 where y_k > 0, γ − σ_k/x ≥ 0 where y_k = 0, relative to the size of
// the terms.
func checkKKT(t *testing.T, y, sigma, p []float64, tol float64) {
	t.Helper()
	var sum, x, P float64
	for k := range y {
		if y[k] < 0 || math.IsNaN(y[k]) {
			t.Fatalf("y[%d] = %v", k, y[k])
		}
		sum += y[k]
		x += sigma[k] * y[k]
		P += p[k]
	}
	if math.Abs(sum-1) > tol {
		t.Fatalf("Σy = %.17g", sum)
	}
	gamma := 1 + P
	for k := range y {
		if y[k] > 0 {
			r := gamma - sigma[k]/x - p[k]/y[k]
			scale := gamma + sigma[k]/x + p[k]/y[k]
			if math.Abs(r) > tol*scale {
				t.Fatalf("stationarity at k=%d: residual %g (scale %g), y=%g p=%g", k, r, scale, y[k], p[k])
			}
		} else if p[k] > 0 {
			t.Fatalf("y[%d] = 0 with p = %g", k, p[k])
		} else if gamma-sigma[k]/x < -tol*gamma {
			t.Fatalf("dual feasibility at k=%d: %g", k, gamma-sigma[k]/x)
		}
	}
}

func TestMStepKKTAndIndependentSolver(t *testing.T) {
	defer func(h bool) { useHalley = h }(useHalley)
	cases := mstepCases()
	refs := make([][]float64, len(cases))
	for i, c := range cases {
		refs[i] = mmSolve(c.sigma, c.p, 20000)
	}
	for _, h := range []bool{true, false} {
		useHalley = h
		testMStepKKT(t, cases, refs)
	}
}

func testMStepKKT(t *testing.T, cases []mstepCase, refs [][]float64) {
	for i, c := range cases {
		t.Run(fmt.Sprintf("halley=%v/%s", useHalley, c.name), func(t *testing.T) {
			k := len(c.p)
			y := make([]float64, k)
			x, steps := MStep(y, c.sigma, c.p)
			checkKKT(t, y, c.sigma, c.p, 1e-10)
			var dot float64
			for j := range y {
				dot += c.sigma[j] * y[j]
			}
			if math.Abs(dot-x) > 1e-10*x {
				t.Fatalf("returned x = %v, σ·y = %v", x, dot)
			}
			if steps > rootMaxSteps {
				t.Fatalf("%d root-finder evaluations", steps)
			}
			ref := refs[i]
			fN, fR := mstepObjective(y, c.sigma, c.p), mstepObjective(ref, c.sigma, c.p)
			if fN > fR+1e-12*math.Abs(fR)+1e-12 {
				t.Fatalf("f(halley) = %.15g > f(mm) = %.15g", fN, fR)
			}
			if fR-fN > 1e-7*math.Max(1, math.Abs(fN)) {
				t.Fatalf("independent solver far off: f(halley) = %.15g, f(mm) = %.15g", fN, fR)
			}
			for j := range y {
				if d := math.Abs(y[j] - ref[j]); d > 1e-5 {
					t.Fatalf("y[%d] = %v, mm gives %v", j, y[j], ref[j])
				}
			}
		})
	}
}

// TestMStepWarmStart checks that a warm start from either side of the root gives the same
// solution as the cold start.
func TestMStepWarmStart(t *testing.T) {
	for _, c := range mstepCases() {
		k := len(c.p)
		var P float64
		allPos := true
		m := 0
		for j, v := range c.p {
			P += v
			allPos = allPos && v > 0
			if c.sigma[j] > c.sigma[m] {
				m = j
			}
		}
		y0 := make([]float64, k)
		sol0 := solvePoint(y0, c.sigma, c.p, P, m, allPos, 0)
		for j := range y0 {
			y0[j] = sol0.value(y0[j], c.p[j])
		}
		x0 := sol0.x
		for _, f := range []float64{0.5, 0.9, 0.999, 1.001, 1.1, 2} {
			y := make([]float64, k)
			sol := solvePoint(y, c.sigma, c.p, P, m, allPos, x0*f)
			x := sol.x
			if math.Abs(x-x0) > 1e-10*x0 {
				t.Fatalf("%s warm %g: x = %v, cold x = %v", c.name, f, x, x0)
			}
			for j := range y {
				if d := math.Abs(sol.value(y[j], c.p[j]) - y0[j]); d > 1e-10 {
					t.Fatalf("%s warm %g: y[%d] differs by %g", c.name, f, j, d)
				}
			}
		}
	}
}

// TestMStepHandCases checks closed forms: K = 2 with equal σ gives y = p/P; P = 0 gives the
// vertex of the largest σ; the zero case with p = (p1, 0) and σ = (σ1, σ2 > σ1).
func TestMStepHandCases(t *testing.T) {
	tests := []struct {
		sigma, p, want []float64
	}{
		{[]float64{0.5, 0.5}, []float64{1, 3}, []float64{0.25, 0.75}},
		{[]float64{0.2, 0.7, 0.1}, []float64{0, 0, 0}, []float64{0, 1, 0}},
		// c = σ2/(1+p1) = 0.8/1.5, y1 = p1 c/(σ2−σ1) = 0.5·(0.8/1.5)/0.6 = 4/9, y2 = 5/9.
		{[]float64{0.2, 0.8}, []float64{0.5, 0}, []float64{4.0 / 9, 5.0 / 9}},
		// Same but p1 large: y1 = 5·(0.8/6)/0.6 > 1, so y = e_1.
		{[]float64{0.2, 0.8}, []float64{5, 0}, []float64{1, 0}},
	}
	for i, tc := range tests {
		y := make([]float64, len(tc.p))
		MStep(y, tc.sigma, tc.p)
		for j := range y {
			if math.Abs(y[j]-tc.want[j]) > 1e-12 {
				t.Errorf("case %d: y = %v, want %v", i, y, tc.want)
				break
			}
		}
	}
}

func TestMStepRootEvals(t *testing.T) {
	// Halley from MStep's start (at least x0 of the paper's Lemma 1) needs at most ~19
	// evaluations for P ∈ [0.1, 1000], K ≤ 100.
	for _, c := range mstepCases() {
		if len(c.p) > 100 {
			continue
		}
		y := make([]float64, len(c.p))
		if _, steps := MStep(y, c.sigma, c.p); steps > 25 {
			t.Errorf("%s: %d root-finder evaluations", c.name, steps)
		}
	}
}

func TestRecip2(t *testing.T) {
	for _, c := range [][2]float64{{1, 3}, {1e-200, 1e-150}, {1e200, 1e150}, {7e-3, 2.5}, {1e-300, 1}} {
		ra, rb := recip2(c[0], c[1])
		if math.Abs(ra*c[0]-1) > 1e-15 || math.Abs(rb*c[1]-1) > 1e-15 {
			t.Fatalf("recip2(%v, %v) = %v, %v", c[0], c[1], ra, rb)
		}
	}
}

// TestMStepTinyP: p_m at the largest σ far below the rounding level of 1+P puts Lemma 1's start
// on the pole σ_max/(1+P) in floating point; the solver must still return the minimiser.
func TestMStepTinyP(t *testing.T) {
	sigma := []float64{0.0114, 0.0836, 0.0324, 0.1747, 0.1941, 0.1492, 0.0974, 0.1345, 0.0056, 0.1173}
	yPrev := []float64{0, 1.8e-42, 3.9e-176, 0.9999999999996907, 5.9e-111, 3.1e-13, 5.8e-141, 9.2e-21, 2.4e-165, 5.1e-28}
	p := make([]float64, len(sigma))
	for j := range p {
		p[j] = 2.04 * yPrev[j]
	}
	y := make([]float64, len(p))
	MStep(y, sigma, p)
	var sum float64
	for _, v := range y {
		if !(v >= 0) {
			t.Fatalf("y = %v", y)
		}
		sum += v
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Fatalf("Σy = %v", sum)
	}
	ref := mmSolve(sigma, p, 20000)
	if fN, fR := mstepObjective(y, sigma, p), mstepObjective(ref, sigma, p); fN > fR+1e-12*math.Abs(fR) {
		t.Fatalf("f = %v, independent solver %v", fN, fR)
	}
}
