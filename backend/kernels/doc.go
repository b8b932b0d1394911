// Package kernels implements 2-D convolution and pooling, and their gradients, on plain slices in
// float32 or float64.
//
// Layouts: activations are NHWC (image n, row h, column w, channel c at ((n·H+h)·W+w)·C+c) and
// convolution kernels are HWIO (kernel row i, column j, input channel c, output channel o at
// ((i·KW+j)·C+c)·O+o).
//
// Convolutions are computed as im2col followed by one matrix product through package blas, tiled over
// the batch so that the im2col buffer stays bounded, with the im2col/col2im steps parallel over images
// and rows. Outputs are always overwritten, never accumulated into.
//
// Invalid parameters or slices of the wrong length panic: they are programming errors. Callers that
// take shapes from user input should call Validate first.
package kernels
