// Package augment holds seeded image transforms for 8-bit images, the named augmentation
// pipelines built from them, per-dataset normalisation to float32, and a batch feeder that fills
// training batches ahead of the trainer with parallel workers.
//
// Images are stored height × width × channels, row-major, with 1 (grey) or 3 (RGB) channels
// (Image). Geometric transforms use continuous coordinates with pixel (row i, column j) centred
// at (x, y) = (j+0.5, i+0.5).
//
// Every random transform draws from a *rand.Rand (math/rand/v2) passed in by the caller. The
// feeder derives each image's generator from (seed, epoch, dataset index, view) alone
// (ImageRNG), so the images of a batch do not depend on how the work was spread over
// goroutines.
//
// Pipelines (New, Names, Defaults):
//
//	none    identity
//	digits  random affine map, ±15°, ±10% shift, scale 0.9..1.1, ±10° shear, bilinear
//	cifar   flip, random crop at the input size with 4 px of zero padding
//	stl     flip, random crop with 12 px padding, colour jitter (0.4, 0.4, 0.4, 0.1) with
//	        p = 0.8, grayscale with p = 0.2
//	scan    SCAN's strong augmentation: flip, random crop at the input size, 4 operations
//	        drawn from SCAN's 14 RandAugment operations (RandOps) with uniform magnitudes and
//	        mirroring, 1 cutout hole with side 1..16 (≤ 32 px) or 1..32
//
// The photometric RandAugment operations reproduce Pillow's ImageOps and ImageEnhance
// arithmetic, and the geometric ones Pillow's nearest-neighbour affine transform with its pixel
// centre convention, so that SCAN's magnitudes mean the same thing here.
//
// Normalisation presets (NormalizerPreset): none (pixel/255), mnist, fashion-mnist, cifar10,
// cifar20 (cifar100, cifar100-20), imagenet (stl, stl10).
package augment
