package pseudolabel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// hardSigma returns RandomSigma with every fourth row one-hot, every fourth row two entries
// (1 − 1e-30, 1e-30) and every fourth row a softmax that underflows: the rows that send the
// M-step to its zero-entry and safeguarded branches.
func hardSigma(n, k int, seed uint64) []float64 {
	sigma := RandomSigma(n, k, seed)
	for i := 0; i < n; i++ {
		row := sigma[i*k : (i+1)*k]
		switch i % 4 {
		case 0:
			clear(row)
			row[i%k] = 1
		case 1:
			if k > 1 {
				clear(row)
				row[(i+1)%k], row[(i+2)%k] = 1-1e-30, 1e-30
			}
		case 2:
			for j := range row {
				row[j] = math.Exp(-80 * float64(j))
			}
		}
	}
	return sigma
}

// TestEMSmallMatchesGeneral: the fused small-K path (stepBlockSmall) gives the labels, column
// sums, losses and root-finder evaluation counts of the general per-row path (stepBlock), iteration by
// iteration, warm and cold, on random and on hard σ.
func TestEMSmallMatchesGeneral(t *testing.T) {
	for _, tc := range []struct {
		n, k    int
		lambda  float64
		threads int
		hard    bool
		zeros   bool // start with y on two classes per row
	}{
		{1000, 10, 1.3, 2, false, false}, {333, 7, 0.5, 3, false, false}, {517, 2, 100, 1, false, false},
		{250, smallK, 1.3, 2, false, false}, {17, 1, 1.3, 1, false, false}, {401, 10, 1.3, 2, true, false},
		{300, 5, 100, 2, true, false}, {200, 10, 0, 2, false, false}, {240, 6, 1.3, 2, false, true},
		{240, 9, 100, 2, true, true}, {200, 10, 1e150, 2, false, false}, // (1+P)² out of recip2's range
	} {
		for _, cold := range []bool{false, true} {
			name := fmt.Sprintf("N=%d/K=%d/lambda=%g/hard=%v/zeros=%v/cold=%v", tc.n, tc.k, tc.lambda, tc.hard, tc.zeros, cold)
			t.Run(name, func(t *testing.T) {
				sigma := RandomSigma(tc.n, tc.k, uint64(tc.n+tc.k))
				if tc.hard {
					sigma = hardSigma(tc.n, tc.k, uint64(tc.n))
				}
				opt := EMOptions{Lambda: tc.lambda, Threads: tc.threads, ColdStart: cold}
				if tc.zeros {
					opt.Y0 = make([]float64, tc.n*tc.k)
					for i := 0; i < tc.n; i++ {
						opt.Y0[i*tc.k+i%tc.k] += 0.5
						opt.Y0[i*tc.k+(i+2)%tc.k] += 0.5
					}
				}
				fast, err := newEMSolver(sigma, tc.n, tc.k, opt)
				if err != nil {
					t.Fatal(err)
				}
				gen, err := newEMSolver(sigma, tc.n, tc.k, opt)
				if err != nil {
					t.Fatal(err)
				}
				gen.generic = true
				for it := 1; it <= 40; it++ {
					lf, lg := fast.step(), gen.step()
					if !closeRel(lf, lg, 1e-12) {
						t.Fatalf("iteration %d: loss %.17g, general path %.17g", it, lf, lg)
					}
					// (At λ = 1e150 the loss is λ times a KL of order 1e-5, a sum of logarithms
					// that cancel: its rounding depends on the order of the column sums.)
					if direct := Loss11(sigma, fast.y, tc.n, tc.k, tc.lambda); tc.lambda <= 100 && !closeRel(lf, direct, 1e-12) {
						t.Fatalf("iteration %d: loss %.17g, Loss11 of y %.17g", it, lf, direct)
					}
					for i, v := range fast.y {
						if !closeRel(v, gen.y[i], 1e-12) {
							t.Fatalf("iteration %d: y[%d] = %.17g, general path %.17g", it, i, v, gen.y[i])
						}
					}
					for j, v := range fast.col {
						if !closeRel(v, gen.col[j], 1e-12) {
							t.Fatalf("iteration %d: column sum %d = %.17g, general path %.17g", it, j, v, gen.col[j])
						}
					}
				}
				if fast.rootSteps != gen.rootSteps {
					t.Fatalf("%d root-finder evaluations, general path %d", fast.rootSteps, gen.rootSteps)
				}
			})
		}
	}
}

// closeRel reports |a − b| ≤ tol·max(|a|, |b|), or a = b (infinities included).
func closeRel(a, b, tol float64) bool {
	return a == b || math.Abs(a-b) <= tol*math.Max(math.Abs(a), math.Abs(b))
}

// TestEMDeterministic: the rows go to the goroutines dynamically, yet repeated runs, and runs
// with other thread counts, give bit-identical labels and losses.
func TestEMDeterministic(t *testing.T) {
	n := 2000
	for _, k := range []int{10, 60} {
		sigma := RandomSigma(n, k, 5)
		ref, err := EM(sigma, n, k, EMOptions{Lambda: 1.3, MaxIters: 15, Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, threads := range []int{2, 2, 3, 8} {
			res, err := EM(sigma, n, k, EMOptions{Lambda: 1.3, MaxIters: 15, Threads: threads})
			if err != nil {
				t.Fatal(err)
			}
			for it, l := range res.Losses {
				if l != ref.Losses[it] {
					t.Fatalf("K=%d threads=%d: loss %d is %.17g, one thread %.17g", k, threads, it+1, l, ref.Losses[it])
				}
			}
			for i, v := range res.Y {
				if v != ref.Y[i] {
					t.Fatalf("K=%d threads=%d: y[%d] = %.17g, one thread %.17g", k, threads, i, v, ref.Y[i])
				}
			}
		}
	}
}

// TestEMSmallRandomStarts: from random labels, random column sums and random previous roots
// u = (1+P)x anywhere above σ_max (far from the root and outside [x0, σ_max] included, which
// sends the root finder to its bisection and to more than two evaluations), one step of the
// small-K path equals one step of the general path, and both equal the cold start's step.
func TestEMSmallRandomStarts(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, k := range []int{2, 3, 10, 17, smallK} {
		n := 3000
		sigma := RandomSigma(n, k, uint64(k))
		y0 := RandomSigma(n, k, uint64(k)+100)
		u0 := make([]float64, n)
		for i := range u0 {
			smax := slices.Max(sigma[i*k : (i+1)*k])
			switch i % 3 {
			case 0: // near σ_max: F is steep
				u0[i] = smax * (1 + math.Pow(10, -12*rng.Float64()))
			default:
				u0[i] = smax * (1 + math.Pow(10, 2*rng.Float64()-1.5))
			}
		}
		col0 := make([]float64, k)
		for j := range col0 {
			col0[j] = float64(n) / float64(k) * math.Exp(2*rng.NormFloat64())
		}
		// fast, general, and a cold start from Lemma 1's point, which ignores u.
		var solvers [3]*emSolver
		for v := range solvers {
			s, err := newEMSolver(sigma, n, k, EMOptions{Lambda: 1.3, Y0: y0, Threads: 2, ColdStart: v == 2})
			if err != nil {
				t.Fatal(err)
			}
			copy(s.uprev, u0)
			copy(s.col, col0)
			s.generic = v == 1
			s.rootSteps = 0
			s.step()
			solvers[v] = s
		}
		fast, gen, cold := solvers[0], solvers[1], solvers[2]
		// The M-step solution is unique: the warm starts, however far, reach the cold start's
		// to the root finder's tolerance (|Δx| ≤ 1e-12·x).
		for i, v := range fast.y {
			if math.Abs(v-cold.y[i]) > 5e-12 {
				t.Fatalf("K=%d: y[%d] = %.17g, from the cold start %.17g", k, i, v, cold.y[i])
			}
		}
		for i, v := range fast.y {
			if !closeRel(v, gen.y[i], 1e-12) {
				t.Fatalf("K=%d: y[%d] = %.17g, general path %.17g", k, i, v, gen.y[i])
			}
		}
		for i, v := range fast.uprev {
			if !closeRel(v, gen.uprev[i], 1e-12) {
				t.Fatalf("K=%d: u[%d] = %.17g, general path %.17g", k, i, v, gen.uprev[i])
			}
		}
		if !closeRel(fast.nll, gen.nll, 1e-12) || fast.rootSteps != gen.rootSteps {
			t.Fatalf("K=%d: Σ−log(σ·y) %.17g and %d evaluations, general path %.17g and %d", k, fast.nll, fast.rootSteps, gen.nll, gen.rootSteps)
		}
	}
}
