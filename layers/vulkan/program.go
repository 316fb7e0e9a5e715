package vulkan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/gpu/kernels"
	"github.com/vkcnn/vkcnn/layers"
)

// runTimeout bounds one run of a program; a training step of the largest
// model on lavapipe takes seconds.
const runTimeout = 10 * time.Minute

// maxProfiledOps bounds the timestamps of a profiled program.
const maxProfiledOps = 4096

// Program records layers operations into one command buffer.
type Program struct {
	b       *Backend
	rec     *gpu.Recording
	err     error
	profile bool

	// section is the label of the operations recorded now (a layer type,
	// set by Section), and sections the label of each timestamp.
	section  string
	sections []string

	// columns maps convolution inputs to the im2col matrices that this
	// program's Conv2D calls wrote, for Conv2DBackwardFilter to reuse.
	columns map[columnKey]*gpu.Buffer
}

// NewProgram starts recording.
func (b *Backend) NewProgram() (layers.Program, error) {
	timestamps := 0
	if b.Profile {
		timestamps = maxProfiledOps
	}
	rec, err := b.dev.NewRecording(timestamps)
	if err != nil {
		return nil, err
	}
	p := &Program{b: b, rec: rec, profile: b.Profile, columns: map[columnKey]*gpu.Buffer{}}
	if p.profile {
		p.rec.Timestamp("start")
		p.sections = append(p.sections, "")
	}
	return p, nil
}

// Section labels the operations recorded after it, such as the layer
// type that records them, for Profile.
func (p *Program) Section(name string) { p.section = name }

// mark ends a dispatch: a timestamp labelled op when profiling.
func (p *Program) mark(op string) {
	if p.profile && p.err == nil {
		p.rec.Timestamp(op)
		p.sections = append(p.sections, p.section)
	}
}

// OpTime is the device time of one recorded operation.
type OpTime struct {
	Op      string
	Section string // the Section in effect when the operation was recorded
	Ns      float64
}

// Profile returns the device time of each operation of the last run, in
// recording order, for a program recorded with Backend.Profile set.
func (p *Program) Profile() ([]OpTime, error) {
	ns, labels, err := p.rec.Timestamps()
	if err != nil {
		return nil, err
	}
	var out []OpTime
	for i := 1; i < len(ns); i++ {
		section := ""
		if i < len(p.sections) {
			section = p.sections[i]
		}
		out = append(out, OpTime{Op: labels[i], Section: section, Ns: ns[i] - ns[i-1]})
	}
	return out, nil
}

func (p *Program) fail(op string, err error) {
	if p.err == nil && err != nil {
		p.err = fmt.Errorf("vulkan: %s: %w", op, err)
	}
}

// tensors converts the arguments of op, failing the program on a foreign
// or nil tensor.
func (p *Program) tensors(op string, ts ...layers.Tensor) ([]*Tensor, bool) {
	if p.err != nil {
		return nil, false
	}
	out := make([]*Tensor, len(ts))
	for i, t := range ts {
		vt, err := p.b.tensor(t)
		if err != nil {
			p.fail(op, fmt.Errorf("argument %d: %w", i, err))
			return nil, false
		}
		out[i] = vt
	}
	return out, true
}

// push packs 32-bit push constants: int and uint32 as uint, float32 as float.
func push(values ...any) []byte {
	var out []byte
	for _, v := range values {
		switch v := v.(type) {
		case int:
			out = binary.LittleEndian.AppendUint32(out, uint32(v))
		case uint32:
			out = binary.LittleEndian.AppendUint32(out, v)
		case float32:
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
		default:
			panic(fmt.Sprintf("push: unsupported type %T", v))
		}
	}
	return out
}

// grid records a grid-stride shader over n elements, then a barrier.
func (p *Program) grid(op, shader string, n int, pc []byte, bufs ...*gpu.Buffer) {
	if n == 0 {
		return
	}
	p.dispatch(op, shader, []uint32{kernels.GroupSize}, kernels.GridGroups(n), 1, 1, pc, bufs...)
}

// imageGroupSize is the workgroup width of shaders dispatched over image
// rows, one invocation per column.
const imageGroupSize = 32

// rows records a shader dispatched as x by y by z workgroups of width
// invocations, where the shader loops over the elements of its workgroup.
func (p *Program) rows(op, shader string, width, x, y, z int, pc []byte, bufs ...*gpu.Buffer) {
	p.dispatch(op, shader, []uint32{uint32(width)}, x, y, z, pc, bufs...)
}

// dispatch records x by y by z workgroups of a shader built with the given
// specialization constants (the workgroup size first), then a barrier.
// Counts outside the device's limits fail the recording in gpu.Recording.
func (p *Program) dispatch(op, shader string, spec []uint32, x, y, z int, pc []byte, bufs ...*gpu.Buffer) {
	if p.err != nil || x == 0 || y == 0 || z == 0 {
		return
	}
	k, err := p.b.ks.Kernel(shader, len(bufs), len(pc), spec...)
	if err != nil {
		p.fail(op, err)
		return
	}
	p.rec.Dispatch(k, [3]int{x, y, z}, pc, bufs...)
	p.rec.Barrier()
	p.mark(op + ":" + shader)
}

// gemm records a matrix product, then a barrier.
func (p *Program) gemm(op string, g kernels.Gemm) {
	if p.err != nil {
		return
	}
	if err := p.b.ks.Gemm(p.rec, g); err != nil {
		p.fail(op, err)
		return
	}
	p.rec.Barrier()
	p.mark(op + ":gemm")
}

// channelSumGroup is the workgroup size of channel_sum, a power of two as
// its tree reduction needs.
const channelSumGroup = 64

// channelSum records dst[o] = sum over n < N, s < S of src[n*strideN + o*S + s].
func (p *Program) channelSum(op string, src, dst *gpu.Buffer, n, o, s, strideN int) {
	p.dispatch(op, "channel_sum", []uint32{channelSumGroup}, o, 1, 1, push(n, o, s, strideN), src, dst)
}

// End finishes recording.
func (p *Program) End() error {
	if p.err != nil {
		return p.err
	}
	return p.rec.End()
}

// Run writes the step state and submits the command buffer once.
func (p *Program) Run(s layers.StepState) error {
	if p.err != nil {
		return p.err
	}
	if err := p.b.state.WriteUint32(0, []uint32{s.Step, math.Float32bits(s.LR)}); err != nil {
		return err
	}
	err := p.rec.Run(runTimeout)
	if errors.Is(err, gpu.ErrTimeout) {
		return fmt.Errorf("vulkan: program did not finish within %v: %w", runTimeout, err)
	}
	return err
}

// Release frees the command buffer.
func (p *Program) Release() { p.rec.Release() }

func shapeErr(format string, args ...any) error { return fmt.Errorf(format, args...) }
