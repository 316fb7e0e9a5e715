package peak

import (
	"encoding/binary"
	"fmt"

	"github.com/vkcnn/vkcnn/gpu"
)

// copyElementBytes is the size of one vec4 that peak_copy loads and stores.
const copyElementBytes = 16

// copyBench is the copy shader with its source and destination buffers.
type copyBench struct {
	kernel     *gpu.Kernel
	src, dst   *gpu.Buffer
	elements   int // vec4 elements per buffer
	workgroups int
}

// newCopyBench allocates two buffers of bytes each, a multiple of 16, and
// sizes the grid to one element per invocation, capped at maxWorkgroups
// (the shader's grid-stride loop covers the rest).
func newCopyBench(dev *gpu.Device, bytes, workgroupSize, maxWorkgroups int) (*copyBench, error) {
	if bytes <= 0 || bytes%copyElementBytes != 0 {
		return nil, fmt.Errorf("peak: invalid copy size %d bytes: must be a positive multiple of %d", bytes, copyElementBytes)
	}
	k, err := newKernel(dev, "peak_copy", 2, 4, workgroupSize)
	if err != nil {
		return nil, err
	}
	src, err := dev.NewBuffer(bytes)
	if err != nil {
		return nil, fmt.Errorf("peak: copy source buffer: %w", err)
	}
	dst, err := dev.NewBuffer(bytes)
	if err != nil {
		src.Release()
		return nil, fmt.Errorf("peak: copy destination buffer: %w", err)
	}
	elements := bytes / copyElementBytes
	groups := (elements + workgroupSize - 1) / workgroupSize
	groups = max(1, min(groups, maxWorkgroups, int(dev.Info().MaxWorkgroupCount[0])))
	return &copyBench{kernel: k, src: src, dst: dst, elements: elements, workgroups: groups}, nil
}

func (c *copyBench) release() {
	c.src.Release()
	c.dst.Release()
}

// record returns a timed dispatch of the copy of every element.
func (c *copyBench) record(dev *gpu.Device) (*timedDispatch, error) {
	push := binary.LittleEndian.AppendUint32(nil, uint32(c.elements))
	return newTimedDispatch(dev, c.kernel, c.workgroups, push, c.src, c.dst)
}

// measureCopy times the copy of the plan's size. It does not fill the
// source, because the shader moves the bytes whatever they are.
func measureCopy(dev *gpu.Device, p plan) (CopyRun, error) {
	c, err := newCopyBench(dev, p.copyBytes, p.workgroupSize, p.copyWorkgroups)
	if err != nil {
		return CopyRun{}, err
	}
	defer c.release()

	td, err := c.record(dev)
	if err != nil {
		return CopyRun{}, err
	}
	defer td.release()
	// An untimed first run takes the one-time costs, such as page faults
	// on the first touch of host memory that CPU devices use.
	if _, err := td.run(); err != nil {
		return CopyRun{}, err
	}
	bestNs, err := td.best(p.copyRepeats)
	if err != nil {
		return CopyRun{}, err
	}
	return CopyRun{
		Bytes:         p.copyBytes,
		WorkgroupSize: p.workgroupSize,
		Workgroups:    c.workgroups,
		Repetitions:   p.copyRepeats,
		BestMs:        bestNs / 1e6,
	}, nil
}
