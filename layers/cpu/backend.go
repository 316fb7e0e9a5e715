package cpu

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"

	"github.com/vkcnn/vkcnn/layers"
)

// The float32 backend implements the layers interfaces.
var (
	_ layers.Backend = (*Backend[float32])(nil)
	_ layers.Program = (*Program[float32])(nil)
)

// errClosed is returned by every method of a closed backend and by Run of
// its programs.
var errClosed = errors.New("cpu: backend is closed")

// Backend is the host backend with element type T. Its methods may be
// called from several goroutines, but one Program must not be Run by two
// goroutines at once, because its scratch memory is shared between runs.
type Backend[T Float] struct {
	closed atomic.Bool
}

// New returns the float32 backend, the one used for training.
func New() *Backend[float32] {
	return &Backend[float32]{}
}

// New64 returns a float64 backend for gradient checks. Upload and Download
// still convert from and to float32, so tests that need exact float64
// values read and write Tensor.Data.
func New64() *Backend[float64] {
	return &Backend[float64]{}
}

// Name returns "cpu".
func (b *Backend[T]) Name() string {
	return "cpu"
}

// Device describes the element type and the number of cores Go schedules on.
func (b *Backend[T]) Device() string {
	var zero T
	return fmt.Sprintf("gonum %T on %d CPU cores", zero, runtime.GOMAXPROCS(0))
}

// NewTensor allocates a zeroed tensor.
func (b *Backend[T]) NewTensor(shape layers.Shape) (layers.Tensor, error) {
	if b.closed.Load() {
		return nil, errClosed
	}
	if err := shape.Valid(); err != nil {
		return nil, fmt.Errorf("cpu: NewTensor: %w", err)
	}
	t := &Tensor[T]{
		shape:   slices.Clone(shape),
		storage: make([]T, shape.Len()),
		owner:   b,
	}
	return t, nil
}

// View returns a tensor of shape s over the first s.Len() elements of t's
// storage. s may be larger than t's own shape, up to the size of the
// allocation t was cut from.
func (b *Backend[T]) View(t layers.Tensor, s layers.Shape) (layers.Tensor, error) {
	if b.closed.Load() {
		return nil, errClosed
	}
	src, err := b.tensor(t)
	if err != nil {
		return nil, fmt.Errorf("cpu: View: %w", err)
	}
	if err := s.Valid(); err != nil {
		return nil, fmt.Errorf("cpu: View: %w", err)
	}
	if s.Len() > len(src.storage) {
		return nil, fmt.Errorf("cpu: View: shape %v has %d elements, but the storage of the %v tensor has only %d",
			s, s.Len(), src.shape, len(src.storage))
	}
	view := &Tensor[T]{
		shape:   slices.Clone(s),
		storage: src.storage,
		owner:   b,
	}
	return view, nil
}

// Upload copies data into t, converting each value to T.
func (b *Backend[T]) Upload(t layers.Tensor, data []float32) error {
	if b.closed.Load() {
		return errClosed
	}
	dst, err := b.tensor(t)
	if err != nil {
		return fmt.Errorf("cpu: Upload: %w", err)
	}
	elems := dst.Data()
	if len(data) != len(elems) {
		return fmt.Errorf("cpu: Upload: %d values for a %v tensor of %d elements", len(data), dst.shape, len(elems))
	}
	for i, v := range data {
		elems[i] = T(v)
	}
	return nil
}

// Download copies t into dst, rounding each value to float32.
func (b *Backend[T]) Download(t layers.Tensor, dst []float32) error {
	if b.closed.Load() {
		return errClosed
	}
	src, err := b.tensor(t)
	if err != nil {
		return fmt.Errorf("cpu: Download: %w", err)
	}
	elems := src.Data()
	if len(dst) != len(elems) {
		return fmt.Errorf("cpu: Download: %d destination values for a %v tensor of %d elements", len(dst), src.shape, len(elems))
	}
	for i, v := range elems {
		dst[i] = float32(v)
	}
	return nil
}

// NewProgram starts recording a program.
func (b *Backend[T]) NewProgram() (layers.Program, error) {
	if b.closed.Load() {
		return nil, errClosed
	}
	return &Program[T]{backend: b}, nil
}

// Close marks the backend closed: later calls to its methods and to Run of
// its programs fail. Host memory is freed by the garbage collector once the
// caller drops its tensors.
func (b *Backend[T]) Close() error {
	b.closed.Store(true)
	return nil
}

// tensor checks that t is a tensor of this backend.
func (b *Backend[T]) tensor(t layers.Tensor) (*Tensor[T], error) {
	if t == nil {
		return nil, errors.New("missing tensor (nil)")
	}
	ct, ok := t.(*Tensor[T])
	if !ok || ct == nil {
		var zero T
		return nil, fmt.Errorf("tensor of type %T does not belong to the cpu %T backend", t, zero)
	}
	if ct.owner != b {
		return nil, errors.New("tensor belongs to another backend")
	}
	return ct, nil
}
