package augment

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
)

// Source returns dataset image i and its label (−1 when unknown). The feeder calls it from
// several goroutines at once, so it must be safe for concurrent use, and it must not modify the
// returned image afterwards.
type Source func(i int) (Image, int)

// FeederConfig describes one epoch of batches.
type FeederConfig struct {
	// Get reads dataset items.
	Get Source
	// Order lists the dataset indices of the epoch in the order they are batched.
	Order []int
	// BatchSize is the number of images per batch; the last batch may be smaller unless
	// DropLast is set.
	BatchSize int
	DropLast  bool
	// Pipeline makes the augmented views; nil means the identity.
	Pipeline Pipeline
	// Norm maps images to float32; nil means the "none" preset (pixel/255).
	Norm *Normalizer
	// Views is the number of augmented views per image besides the clean one (0: clean only).
	Views int
	// Workers is the number of goroutines building batches (0: GOMAXPROCS).
	Workers int
	// Prefetch is the number of batches kept ready ahead of the consumer (0: 2·Workers).
	Prefetch int
	// Seed and Epoch, with the dataset index and the view, seed each image's generator
	// (see ImageRNG).
	Seed  uint64
	Epoch int
}

// Batch is one batch of an epoch. Values are normalised float32 in NHWC order.
type Batch struct {
	// Number is the batch's position in the epoch (0, 1, …).
	Number int
	// Indices are the dataset indices of the images, Labels their labels (−1 when unknown).
	Indices []int
	Labels  []int
	// H, W, C give the image shape shared by the batch.
	H, W, C int
	// X holds the clean images: image b at X[b·H·W·C : (b+1)·H·W·C].
	X []float32
	// Aug holds the augmented views, view-major: view v of image b starts at
	// ((v·len(Indices)) + b)·H·W·C. It is nil when Views is 0.
	Aug []float32
}

// Feeder produces the batches of one epoch in order on a channel, built ahead of time by
// parallel workers. Each image's augmentation is seeded from (Seed, Epoch, index, view) alone, so
// the batches do not depend on the number of workers or their scheduling. Always call Close when
// done, also after reading every batch.
type Feeder struct {
	cfg  FeederConfig
	nb   int
	out  chan Batch
	done chan struct{}
	once sync.Once
	wg   sync.WaitGroup
	mu   sync.Mutex
	err  error
	fast *chain // the pipeline's concrete type when it offers buffer reuse
}

type feedResult struct {
	b   Batch
	err error
}

type feedJob struct {
	n   int
	out chan feedResult
}

// NewFeeder checks cfg and starts the workers.
func NewFeeder(cfg FeederConfig) (*Feeder, error) {
	if cfg.Get == nil {
		return nil, fmt.Errorf("feeder: no image source")
	}
	if cfg.BatchSize <= 0 {
		return nil, fmt.Errorf("feeder: batch size %d must be positive", cfg.BatchSize)
	}
	if cfg.Views < 0 {
		return nil, fmt.Errorf("feeder: views %d must be 0 or more", cfg.Views)
	}
	if cfg.Workers < 0 || cfg.Prefetch < 0 {
		return nil, fmt.Errorf("feeder: workers (%d) and prefetch (%d) must be 0 or more", cfg.Workers, cfg.Prefetch)
	}
	if cfg.Workers == 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Prefetch == 0 {
		cfg.Prefetch = 2 * cfg.Workers
	}
	if cfg.Norm == nil {
		cfg.Norm, _ = NormalizerPreset("none")
	}
	nb := len(cfg.Order) / cfg.BatchSize
	if !cfg.DropLast && len(cfg.Order)%cfg.BatchSize != 0 {
		nb++
	}
	f := &Feeder{cfg: cfg, nb: nb, out: make(chan Batch), done: make(chan struct{})}
	f.fast, _ = cfg.Pipeline.(*chain)

	jobs := make(chan feedJob)
	pending := make(chan chan feedResult, cfg.Prefetch)
	f.wg.Add(2 + cfg.Workers)
	go f.dispatch(jobs, pending)
	for range cfg.Workers {
		go f.work(jobs)
	}
	go f.emit(pending)
	return f, nil
}

// NumBatches returns the number of batches of the epoch.
func (f *Feeder) NumBatches() int { return f.nb }

// Batches returns the channel of batches. It is closed after the last batch, after an error
// (see Err) or after Close.
func (f *Feeder) Batches() <-chan Batch { return f.out }

// Err returns the first error met while building batches, if any. Check it once Batches is
// closed.
func (f *Feeder) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// Close stops the workers and waits for every goroutine of the feeder to end. It is safe to call
// more than once and from any goroutine.
func (f *Feeder) Close() {
	f.cancel()
	f.wg.Wait()
}

func (f *Feeder) cancel() { f.once.Do(func() { close(f.done) }) }

func (f *Feeder) fail(err error) {
	f.mu.Lock()
	if f.err == nil {
		f.err = err
	}
	f.mu.Unlock()
	f.cancel()
}

// dispatch hands out batch numbers in order. The capacity of pending bounds how far ahead of
// the consumer the workers run.
func (f *Feeder) dispatch(jobs chan<- feedJob, pending chan<- chan feedResult) {
	defer f.wg.Done()
	defer close(jobs)
	defer close(pending)
	for n := 0; n < f.nb; n++ {
		ch := make(chan feedResult, 1)
		select {
		case pending <- ch:
		case <-f.done:
			return
		}
		select {
		case jobs <- feedJob{n, ch}:
		case <-f.done:
			return
		}
	}
}

func (f *Feeder) work(jobs <-chan feedJob) {
	defer f.wg.Done()
	w := &feedWorker{f: f, pcg: rand.NewPCG(0, 0)}
	w.rng = rand.New(w.pcg)
	for {
		select {
		case j, ok := <-jobs:
			if !ok {
				return
			}
			b, err := w.build(j.n)
			j.out <- feedResult{b, err} // buffered: never blocks
		case <-f.done:
			return
		}
	}
}

// emit passes finished batches to the consumer in order.
func (f *Feeder) emit(pending <-chan chan feedResult) {
	defer f.wg.Done()
	defer close(f.out)
	for ch := range pending {
		var r feedResult
		select {
		case r = <-ch:
		case <-f.done:
			return
		}
		if r.err != nil {
			f.fail(r.err)
			return
		}
		select {
		case f.out <- r.b:
		case <-f.done:
			return
		}
	}
}

type feedWorker struct {
	f   *Feeder
	pcg *rand.PCG
	rng *rand.Rand
	buf [2]Image
}

// imageSeed derives the two PCG seed words of (seed, epoch, index, view).
func imageSeed(seed uint64, epoch, index, view int) (uint64, uint64) {
	h := splitmix64(seed ^ 0x6a09e667f3bcc909)
	h = splitmix64(h ^ uint64(int64(epoch)))
	h = splitmix64(h ^ uint64(int64(index)))
	h = splitmix64(h ^ uint64(int64(view)))
	return seed, h
}

// splitmix64 is the SplitMix64 output function of x + γ.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// ImageRNG returns the generator the feeder uses for view view of dataset image index in epoch
// epoch under seed seed: a PCG seeded from SplitMix64 hashes of the four numbers.
func ImageRNG(seed uint64, epoch, index, view int) *rand.Rand {
	return rand.New(rand.NewPCG(imageSeed(seed, epoch, index, view)))
}

func (w *feedWorker) build(n int) (b Batch, err error) {
	cfg := &w.f.cfg
	lo := n * cfg.BatchSize
	hi := min(lo+cfg.BatchSize, len(cfg.Order))
	idx := cfg.Order[lo:hi]
	bs := len(idx)
	b = Batch{Number: n, Indices: append([]int(nil), idx...), Labels: make([]int, bs)}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("batch %d: reading or augmenting an image failed: %v", n, r)
		}
	}()
	var hwc int
	for k, i := range idx {
		img, label := cfg.Get(i)
		if err := img.Validate(); err != nil {
			return Batch{}, fmt.Errorf("image %d: %w", i, err)
		}
		b.Labels[k] = label
		if k == 0 {
			b.H, b.W, b.C = img.H, img.W, img.C
			if err := cfg.Norm.Check(img.C); err != nil {
				return Batch{}, fmt.Errorf("image %d: %w", i, err)
			}
			hwc = img.H * img.W * img.C
			b.X = make([]float32, bs*hwc)
			if cfg.Views > 0 {
				b.Aug = make([]float32, cfg.Views*bs*hwc)
			}
		} else if img.H != b.H || img.W != b.W || img.C != b.C {
			return Batch{}, fmt.Errorf("image %d is %d×%d×%d but image %d is %d×%d×%d: a batch needs one shape",
				i, img.H, img.W, img.C, idx[0], b.H, b.W, b.C)
		}
		if err := cfg.Norm.Into(b.X[k*hwc:], img); err != nil {
			return Batch{}, fmt.Errorf("image %d: %w", i, err)
		}
		for v := 0; v < cfg.Views; v++ {
			aug := w.augment(img, i, v)
			if aug.H != img.H || aug.W != img.W || aug.C != img.C {
				return Batch{}, fmt.Errorf("pipeline %s turns %d×%d×%d image %d into %d×%d×%d: augmented views must keep the shape",
					cfg.Pipeline.Name(), img.H, img.W, img.C, i, aug.H, aug.W, aug.C)
			}
			if err := cfg.Norm.Into(b.Aug[(v*bs+k)*hwc:], aug); err != nil {
				return Batch{}, fmt.Errorf("image %d view %d: %w", i, v, err)
			}
		}
	}
	return b, nil
}

// augment returns view v of image i; the result may alias the worker's buffers.
func (w *feedWorker) augment(img Image, i, v int) Image {
	cfg := &w.f.cfg
	if cfg.Pipeline == nil {
		return img
	}
	w.pcg.Seed(imageSeed(cfg.Seed, cfg.Epoch, i, v))
	if c := w.f.fast; c != nil {
		return c.applyBuf(w.rng, img, &w.buf)
	}
	return cfg.Pipeline.Apply(w.rng, img)
}

// EpochOrder returns a permutation of 0..n−1 that depends on (seed, epoch) alone, for use as
// FeederConfig.Order.
func EpochOrder(n int, seed uint64, epoch int) []int {
	return rand.New(rand.NewPCG(imageSeed(seed, epoch, -1, -1))).Perm(n)
}
