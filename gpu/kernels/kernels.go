// Package kernels records vkcnn's general-purpose shaders (fill, axpy and
// the matrix product) into gpu recordings. It builds their pipelines, packs
// their push constants and checks every range against its buffer before
// recording, because a shader cannot report an out-of-range index.
package kernels

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/shaders"
)

// elementwiseGroupSize is the workgroup size of fill and axpy.
const elementwiseGroupSize = GroupSize

// GroupSize is the workgroup size of the grid-stride shaders.
const GroupSize = 64

// maxGroups caps the workgroup count of grid-stride shaders at the
// smallest maxComputeWorkGroupCount[0] that Vulkan guarantees.
const maxGroups = 65535

// Set holds the pipelines of one device, built on first use.
type Set struct {
	d      *gpu.Device
	cache  map[string]*gpu.Kernel
	config GemmConfig
}

// New returns the kernels of device d, with the matrix-product tiling
// chosen for its device type.
func New(d *gpu.Device) *Set {
	return &Set{d: d, cache: map[string]*gpu.Kernel{}, config: DefaultGemmConfig(d.Info())}
}

// Kernel builds (or returns the built) pipeline of the named shader with
// the given buffer count, push-constant size and specialization constants.
func (s *Set) Kernel(name string, buffers, pushSize int, spec ...uint32) (*gpu.Kernel, error) {
	key := fmt.Sprint(name, spec)
	if k, ok := s.cache[key]; ok {
		return k, nil
	}
	code, err := shaders.Lookup(name)
	if err != nil {
		return nil, err
	}
	k, err := s.d.NewKernel(gpu.KernelSpec{
		Name: name, SPIRV: code, Buffers: buffers, PushConstantSize: pushSize, SpecConstants: spec,
	})
	if err != nil {
		return nil, err
	}
	s.cache[key] = k
	return k, nil
}

// pushConstants packs 32-bit values in order, as std430 lays out a block
// of uint and float members.
type pushConstants []byte

func (p pushConstants) u32(v int) pushConstants {
	return binary.LittleEndian.AppendUint32(p, uint32(v))
}

func (p pushConstants) f32(v float32) pushConstants {
	return binary.LittleEndian.AppendUint32(p, math.Float32bits(v))
}

// checkRange reports whether elements [first, first+n) lie in b.
func checkRange(what string, b *gpu.Buffer, first, n int) error {
	if b == nil {
		return fmt.Errorf("kernels: %s buffer is nil", what)
	}
	if first < 0 || n < 0 || (first+n)*4 > b.Size() {
		return fmt.Errorf("kernels: %s elements [%d, %d) outside its buffer of %d elements", what, first, first+n, b.Size()/4)
	}
	return nil
}

// GridGroups returns the workgroup count for a grid-stride shader of
// workgroup size 64 over n elements.
func GridGroups(n int) int {
	return max(1, min((n+elementwiseGroupSize-1)/elementwiseGroupSize, maxGroups))
}

// Fill records y[offset+i] = value for i in [0, n).
func (s *Set) Fill(r *gpu.Recording, y *gpu.Buffer, offset, n int, value float32) error {
	if err := checkRange("fill: y", y, offset, n); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	k, err := s.Kernel("fill", 1, 12, elementwiseGroupSize)
	if err != nil {
		return err
	}
	push := pushConstants(nil).u32(n).u32(offset).f32(value)
	r.Dispatch(k, [3]int{GridGroups(n), 1, 1}, push, y)
	return nil
}

// Axpy records y[offY+i] = alpha*x[offX+i] + y[offY+i] for i in [0, n).
func (s *Set) Axpy(r *gpu.Recording, n int, alpha float32, x *gpu.Buffer, offX int, y *gpu.Buffer, offY int) error {
	if err := checkRange("axpy: x", x, offX, n); err != nil {
		return err
	}
	if err := checkRange("axpy: y", y, offY, n); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	k, err := s.Kernel("axpy", 2, 16, elementwiseGroupSize)
	if err != nil {
		return err
	}
	push := pushConstants(nil).u32(n).u32(offX).u32(offY).f32(alpha)
	r.Dispatch(k, [3]int{GridGroups(n), 1, 1}, push, x, y)
	return nil
}
