// Package kernels implements 2-D convolution and pooling, and their gradients, on plain slices in
// float32 or float64.
//
// Layouts: activations are NHWC (image n, row h, column w, channel c at ((n·H+h)·W+w)·C+c) and
// convolution kernels are HWIO (kernel row i, column j, input channel c, output channel o at
// ((i·KW+j)·C+c)·O+o).
//
// Convolutions are computed as patch gathering (im2col) followed by matrix products through package
// blas. Output positions are grouped into classes that read the same kernel taps (the interior, and
// each border row and column band where part of the window lies in the padding); each class gathers
// only its valid taps and multiplies by the matching rows of the kernel, so no arithmetic is spent on
// padding (a 5×5 kernel with padding 2 on a 3×3 input reads 9 of its 25 taps). Work is tiled over
// images so that the patch buffer stays bounded (2^21 elements); gathering and scattering run in
// parallel over rows and images. The input gradient is a product with the transposed kernel followed
// by a scatter of the patch gradients, the filter gradient the product of the transposed output
// gradient with the patch matrix. A convolution with input dilation and unit strides is computed as
// the input gradient of a strided one, so no work is spent on the inserted zeros. Pooling runs in
// parallel over rows (forward) or images (backward). Outputs are always overwritten, never
// accumulated into.
//
// Invalid parameters or slices of the wrong length panic: they are programming errors. Callers that
// take shapes from user input should call Validate first.
package kernels
