// Package cpu implements layers.Backend on the host: the reference that the
// Vulkan backend is tested against, and a fallback for machines without a
// GPU. Matrix products go through gonum's BLAS (blas32 or blas64), and
// convolutions are lowered to them with im2col.
//
// The backend is generic over its element type. New returns the float32
// backend used for training and parity tests, New64 a float64 one for
// gradient checks, whose tensors expose their elements through Data.
//
// A Program records one closure per operation, allocating its scratch
// memory at record time, and Run calls the closures in order. Work runs in
// parallel on a pool of goroutines, one per core. Sums over the batch are
// split into parts whose bounds depend only on the tensor shapes, and the
// partial sums are added in part order. Matrix products are cut into fixed
// tiles, each computed by one serial gonum call. So a Program gives bitwise
// identical results on every run and for any GOMAXPROCS.
package cpu
