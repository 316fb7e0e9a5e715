package cpu

import (
	"slices"

	"github.com/vkcnn/vkcnn/layers"
)

// Float is the set of element types the backend computes in.
type Float interface {
	float32 | float64
}

// Tensor is a dense row-major (NCHW) array of T in host memory. A view made
// by Backend.View shares the storage of the tensor it was made from and
// covers its first Shape().Len() elements.
type Tensor[T Float] struct {
	shape   layers.Shape
	storage []T // the whole allocation, shared by every view of it
	owner   *Backend[T]
}

// Shape returns a copy of the tensor's dimensions.
func (t *Tensor[T]) Shape() layers.Shape {
	return slices.Clone(t.shape)
}

// Data returns the tensor's elements in NCHW order. The slice aliases the
// storage: writes to it are what the next Run reads, and a Run's outputs
// show up in it without a Download.
func (t *Tensor[T]) Data() []T {
	return t.storage[:t.shape.Len()]
}

// sharesStorage reports whether t and u are views of the same allocation,
// which for views that all start at element 0 means that they overlap.
func (t *Tensor[T]) sharesStorage(u *Tensor[T]) bool {
	return &t.storage[0] == &u.storage[0]
}
