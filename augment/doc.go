// Package augment holds seeded image transforms for 8-bit images, the named augmentation
// pipelines built from them (none, digits, cifar, stl, scan), per-dataset normalisation to
// float32, and a batch feeder that fills training batches ahead of the trainer with parallel
// workers.
//
// Every random transform draws from a *rand.Rand (math/rand/v2) passed in by the caller. The
// feeder derives each image's generator from (seed, epoch, index, view), so the images of a batch
// do not depend on how the work was spread over goroutines.
//
// Images are stored height × width × channels, row-major, with 1 (grey) or 3 (RGB) channels.
// Geometric transforms use continuous coordinates with pixel (row i, column j) centred at
// (x, y) = (j+0.5, i+0.5).
package augment
