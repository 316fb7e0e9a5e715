// Package vulkan is the layers backend that records compute shaders through
// the gpu package. A Program is one command buffer: every operation appends
// its dispatches and a barrier, and Run submits the whole buffer once.
package vulkan

import (
	"fmt"

	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/gpu/kernels"
	"github.com/vkcnn/vkcnn/layers"
)

// Backend implements layers.Backend on one Vulkan device.
type Backend struct {
	dev     *gpu.Device
	ks      *kernels.Set
	state   *gpu.Buffer // StepState as {uint step, float lr}, written before each run
	scratch map[string]*gpu.Buffer
	columns map[columnKey]*gpu.Buffer // im2col output kept from Conv2D for Conv2DBackwardFilter
	owned   bool                      // Close closes dev

	// Profile makes programs recorded afterwards write a timestamp after
	// each operation, read by Program.Profile.
	Profile bool

	// ScratchLimit, when positive, lowers the size in floats of the
	// im2col scratch buffers, so tests can make small convolutions run in
	// several chunks.
	ScratchLimit int
}

// New opens a device with opts and creates a backend on it.
func New(opts gpu.Options) (*Backend, error) {
	dev, err := gpu.Open(opts)
	if err != nil {
		return nil, err
	}
	b, err := NewOnDevice(dev)
	if err != nil {
		dev.Close()
		return nil, err
	}
	b.owned = true
	return b, nil
}

// NewOnDevice creates a backend on an open device, which the caller keeps
// and closes after the backend.
func NewOnDevice(dev *gpu.Device) (*Backend, error) {
	state, err := dev.NewBuffer(8)
	if err != nil {
		return nil, err
	}
	return &Backend{dev: dev, ks: kernels.New(dev), state: state,
		scratch: map[string]*gpu.Buffer{}, columns: map[columnKey]*gpu.Buffer{}}, nil
}

// Name returns "vulkan".
func (b *Backend) Name() string { return "vulkan" }

// Device describes the device and driver.
func (b *Backend) Device() string {
	info := b.dev.Info()
	driver := info.DriverInfo
	if driver == "" {
		driver = info.DriverName + " " + info.DriverVersion
	}
	return fmt.Sprintf("%s (%s)", info.Name, driver)
}

// GPU returns the underlying device.
func (b *Backend) GPU() *gpu.Device { return b.dev }

// Close releases the backend's memory, and the device if New opened it.
func (b *Backend) Close() error {
	if b.owned {
		return b.dev.Close()
	}
	return nil
}

// Tensor is a float32 tensor in one device buffer, starting at its first
// element. A view shares the buffer with a smaller or reshaped shape.
type Tensor struct {
	shape layers.Shape
	buf   *gpu.Buffer
}

// Shape returns the tensor's shape.
func (t *Tensor) Shape() layers.Shape { return t.shape }

// NewTensor allocates a zeroed tensor.
func (b *Backend) NewTensor(shape layers.Shape) (layers.Tensor, error) {
	if err := shape.Valid(); err != nil {
		return nil, err
	}
	buf, err := b.dev.NewBuffer(4 * shape.Len())
	if err != nil {
		return nil, fmt.Errorf("vulkan: tensor %v: %w", shape, err)
	}
	if err := buf.WriteFloat32(0, make([]float32, shape.Len())); err != nil {
		return nil, err
	}
	return &Tensor{shape: append(layers.Shape(nil), shape...), buf: buf}, nil
}

func (b *Backend) tensor(t layers.Tensor) (*Tensor, error) {
	vt, ok := t.(*Tensor)
	if !ok || vt == nil {
		return nil, fmt.Errorf("vulkan: tensor %T is not from the Vulkan backend", t)
	}
	return vt, nil
}

// View returns a tensor of shape s over the first s.Len() elements of t.
func (b *Backend) View(t layers.Tensor, s layers.Shape) (layers.Tensor, error) {
	vt, err := b.tensor(t)
	if err != nil {
		return nil, err
	}
	if err := s.Valid(); err != nil {
		return nil, err
	}
	if 4*s.Len() > vt.buf.Size() {
		return nil, fmt.Errorf("vulkan: invalid view %v: needs %d elements, tensor %v has %d", s, s.Len(), vt.shape, vt.buf.Size()/4)
	}
	return &Tensor{shape: append(layers.Shape(nil), s...), buf: vt.buf}, nil
}

// Upload copies data into t.
func (b *Backend) Upload(t layers.Tensor, data []float32) error {
	vt, err := b.tensor(t)
	if err != nil {
		return err
	}
	if len(data) != vt.shape.Len() {
		return fmt.Errorf("vulkan: upload of %d values into tensor %v of %d", len(data), vt.shape, vt.shape.Len())
	}
	return vt.buf.WriteFloat32(0, data)
}

// Download copies t into dst.
func (b *Backend) Download(t layers.Tensor, dst []float32) error {
	vt, err := b.tensor(t)
	if err != nil {
		return err
	}
	if len(dst) != vt.shape.Len() {
		return fmt.Errorf("vulkan: download of tensor %v (%d values) into %d", vt.shape, vt.shape.Len(), len(dst))
	}
	return vt.buf.ReadFloat32(0, dst)
}

// scratchBuffer returns a buffer of at least n floats for temporary use
// inside one operation. Programs run one at a time and operations are
// separated by barriers, so one buffer per name serves every program. A
// request larger than the current buffer allocates a new one and keeps the
// old, which earlier recordings still bind.
func (b *Backend) scratchBuffer(name string, n int) (*gpu.Buffer, error) {
	if buf, ok := b.scratch[name]; ok && buf.Size() >= 4*n {
		return buf, nil
	}
	buf, err := b.dev.NewBuffer(4 * max(n, 1))
	if err != nil {
		return nil, fmt.Errorf("vulkan: scratch %s of %d floats: %w", name, n, err)
	}
	b.scratch[name] = buf
	return buf, nil
}

// maxScratchFloats bounds one scratch buffer (im2col columns and the
// channel-major convolution output) to what one storage-buffer binding can
// address, and to 64 MiB, so convolutions of large batches run in chunks.
func (b *Backend) maxScratchFloats() int {
	limit := min(int(b.dev.Info().MaxStorageBufferRange)/4, 16<<20)
	if b.ScratchLimit > 0 {
		limit = min(limit, b.ScratchLimit)
	}
	return limit
}
