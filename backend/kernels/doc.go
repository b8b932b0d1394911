// Package kernels implements 2-D convolution and pooling, and their gradients, on plain slices in
// float32 or float64.
//
// Layouts: activations are NHWC (image n, row h, column w, channel c at ((n·H+h)·W+w)·C+c) and
// convolution kernels are HWIO (kernel row i, column j, input channel c, output channel o at
// ((i·KW+j)·C+c)·O+o).
//
// Convolutions are computed as im2col followed by one matrix product through package blas per tile of
// images (and, for large kernels, of kernel rows), so that the im2col buffer stays bounded (2^21
// elements); the im2col/col2im steps run in parallel over images and rows. The input gradient is a
// product with the transposed kernel followed by col2im, the filter gradient a product of the
// transposed im2col matrix with the output gradient. A convolution with input dilation and unit
// strides is computed as the input gradient of a strided one, so no work is spent on the inserted
// zeros. Pooling runs in parallel over rows (forward) or images (backward). Outputs are always
// overwritten, never accumulated into.
//
// Invalid parameters or slices of the wrong length panic: they are programming errors. Callers that
// take shapes from user input should call Validate first.
package kernels
