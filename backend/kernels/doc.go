// Package kernels implements 2-D convolution and pooling, and their gradients, on plain slices in
// float32 or float64.
//
// Layouts: activations are NHWC (image n, row h, column w, channel c at ((n·H+h)·W+w)·C+c) and
// convolution kernels are HWIO (kernel row i, column j, input channel c, output channel o at
// ((i·KW+j)·C+c)·O+o).
//
// Output positions are grouped into classes that read the same kernel taps (the interior, and each
// border row and column band where part of the window lies in the padding); each class reads only
// its valid taps and multiplies them by the matching rows of the kernel, so no arithmetic is spent
// on padding (a 5×5 kernel with padding 2 on a 3×3 input reads 9 of its 25 taps). A class is then
// computed one of three ways:
//
//   - without a patch matrix, by rows (implicitForward): when every kernel column is read and the
//     class spans at least 6 consecutive output columns, the window of output column ow is KW·C
//     consecutive input values, consecutive windows start StrideW·C apart, and each output row is
//     one product per kernel row with the input itself as the left operand;
//   - without a patch matrix, indirectly (indirectForward): six output positions of the class at a
//     time, anywhere in the batch, each read in place as len(row taps) runs of len(column taps)·C
//     values (blas.IndirectTile);
//   - with a patch matrix (im2col) and blas.Gemm, when neither applies (dilations, OpenBLAS active,
//     output channels not a multiple of the tile width); work is tiled over images so that the
//     patch buffer stays bounded (2^21 elements).
//
// The input gradient of a unit-stride, undilated convolution is the convolution of the output
// gradient with the reversed, channel-swapped kernel, and is computed as one; otherwise it is a
// product with the transposed kernel followed by a scatter of the patch gradients. The filter
// gradient, where padding is at most a tenth of the column taps, is summed straight from a
// width-padded copy of the input by 6×16 tiles (blas.TileMulAdd, implicitFilterGrad); otherwise it is
// the product of the transposed output gradient with the patch matrix. A convolution with input
// dilation and unit strides is computed as the input gradient of a strided one, so no work is spent
// on the inserted zeros. Pooling runs in parallel over rows (forward) or images (backward). Outputs
// are always overwritten, never accumulated into, and have the same bits from run to run.
//
// Invalid parameters or slices of the wrong length panic: they are programming errors. Callers that
// take shapes from user input should call Validate first.
package kernels
