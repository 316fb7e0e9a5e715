package peak

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/shaders"
)

// fmaShader describes an FMA shader. Its counts must match the source in
// shaders/, and the tests check them by computing the same chains on the
// host.
type fmaShader struct {
	name         string
	accumulators int // independent accumulators per invocation
	lanes        int // floats per accumulator: 1 for float, 4 for vec4
	rounds       int // FMAs per accumulator in one loop iteration
}

var (
	scalarFMA = fmaShader{name: "peak_fma_scalar", accumulators: 8, lanes: 1, rounds: 4}
	vec4FMA   = fmaShader{name: "peak_fma_vec4", accumulators: 4, lanes: 4, rounds: 4}
)

// fmasPerLoop returns the float FMAs of one loop iteration of one invocation.
func (s fmaShader) fmasPerLoop() int { return s.accumulators * s.lanes * s.rounds }

// fmaParams are the shader's push constants. Every chain computes
// c = fma(c, a, b) loops*rounds times from c = id*seed + k, where k
// numbers the floats of the invocation from 0.
type fmaParams struct {
	loops int
	a, b  float32
	seed  float32
}

func (p fmaParams) push() []byte {
	push := binary.LittleEndian.AppendUint32(nil, uint32(p.loops))
	push = binary.LittleEndian.AppendUint32(push, math.Float32bits(p.a))
	push = binary.LittleEndian.AppendUint32(push, math.Float32bits(p.b))
	return binary.LittleEndian.AppendUint32(push, math.Float32bits(p.seed))
}

// Chain constants for measurement. With a = 0.999 and b = 0.001 every
// chain converges to b/(1-a) = 1, so its values stay normal floats near 1
// for any loop count. The seed keeps the start values of 1M invocations
// below 16 plus the float number.
const (
	measureA    = 0.999
	measureB    = 0.001
	measureSeed = 1.0 / 65536
)

// Calibration limits. maxLoops keeps the loop count well inside uint32 and
// bounds a dispatch on a device whose timestamps read 0. Each calibration
// step raises the loop count at most maxCalibrationStep times, so a timing
// of 0 or of a few coarse ticks cannot make the next dispatch overshoot
// the target by much.
const (
	maxLoops           = 1 << 24
	maxCalibrationStep = 64.0
)

// newKernel builds the pipeline of a peak shader with workgroupSize as
// specialization constant 0.
func newKernel(dev *gpu.Device, name string, buffers, pushSize, workgroupSize int) (*gpu.Kernel, error) {
	code, err := shaders.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("peak: %w", err)
	}
	k, err := dev.NewKernel(gpu.KernelSpec{
		Name:             name,
		SPIRV:            code,
		Buffers:          buffers,
		PushConstantSize: pushSize,
		SpecConstants:    []uint32{uint32(workgroupSize)},
	})
	if err != nil {
		return nil, fmt.Errorf("peak: %w", err)
	}
	return k, nil
}

// fmaBench is one FMA shader built for a workgroup size, with the buffer
// that receives one float per invocation.
type fmaBench struct {
	dev           *gpu.Device
	shader        fmaShader
	kernel        *gpu.Kernel
	workgroupSize int
	workgroups    int
	out           *gpu.Buffer
}

func newFMABench(dev *gpu.Device, s fmaShader, workgroupSize, workgroups int) (*fmaBench, error) {
	k, err := newKernel(dev, s.name, 1, 16, workgroupSize)
	if err != nil {
		return nil, err
	}
	out, err := dev.NewBuffer(4 * workgroupSize * workgroups)
	if err != nil {
		return nil, fmt.Errorf("peak: %s result buffer: %w", s.name, err)
	}
	return &fmaBench{dev: dev, shader: s, kernel: k, workgroupSize: workgroupSize, workgroups: workgroups, out: out}, nil
}

func (f *fmaBench) release() { f.out.Release() }

func (f *fmaBench) invocations() int { return f.workgroupSize * f.workgroups }

// record returns a timed dispatch of the shader over every invocation.
func (f *fmaBench) record(p fmaParams) (*timedDispatch, error) {
	return newTimedDispatch(f.dev, f.kernel, f.workgroups, p.push(), f.out)
}

// timeOnce records and runs one dispatch and returns its time in ns.
func (f *fmaBench) timeOnce(p fmaParams) (float64, error) {
	td, err := f.record(p)
	if err != nil {
		return 0, err
	}
	defer td.release()
	return td.run()
}

// timeTwice records one dispatch, runs it twice and returns the shorter
// time in ns, which may be 0 (see timedDispatch.run).
func (f *fmaBench) timeTwice(p fmaParams) (float64, error) {
	td, err := f.record(p)
	if err != nil {
		return 0, err
	}
	defer td.release()

	first, err := td.run()
	if err != nil {
		return 0, err
	}
	second, err := td.run()
	if err != nil {
		return 0, err
	}
	return min(first, second), nil
}

// calibrate returns the loop count at which one dispatch takes about
// targetNs, found by timing dispatches of growing loop counts from 1.
func (f *fmaBench) calibrate(p fmaParams, targetNs float64) (int, error) {
	p.loops = 1
	for {
		// A timing that is too long makes the loop count too small. One-time
		// work in a pipeline's first dispatch, or other processes sharing a
		// CPU device, can add such time to one run but rarely to both.
		ns, err := f.timeTwice(p)
		if err != nil {
			return 0, err
		}
		if ns >= targetNs/2 || p.loops >= maxLoops {
			if ns <= 0 {
				return p.loops, nil
			}
			scaled := math.Round(float64(p.loops) * targetNs / ns)
			return int(max(1, min(maxLoops, scaled))), nil
		}
		step := maxCalibrationStep
		if ns > 0 {
			step = min(step, targetNs/ns)
		}
		p.loops = int(min(maxLoops, math.Ceil(float64(p.loops)*step)))
	}
}

// measureFMA calibrates the loop count of shader s to the plan's target
// time and returns the best of the plan's repetitions.
func measureFMA(dev *gpu.Device, s fmaShader, p plan) (FMARun, error) {
	f, err := newFMABench(dev, s, p.workgroupSize, p.fmaWorkgroups)
	if err != nil {
		return FMARun{}, err
	}
	defer f.release()

	params := fmaParams{a: measureA, b: measureB, seed: measureSeed}
	targetNs := float64(p.fmaTarget.Nanoseconds())
	if params.loops, err = f.calibrate(params, targetNs); err != nil {
		return FMARun{}, err
	}

	td, err := f.record(params)
	if err != nil {
		return FMARun{}, err
	}
	defer td.release()
	bestNs, err := td.best(p.fmaRepetitions)
	if err != nil {
		return FMARun{}, err
	}

	return FMARun{
		WorkgroupSize: f.workgroupSize,
		Workgroups:    f.workgroups,
		Loops:         params.loops,
		FLOPs:         2 * float64(s.fmasPerLoop()) * float64(params.loops) * float64(f.invocations()),
		Repetitions:   p.fmaRepetitions,
		BestMs:        bestNs / 1e6,
		TargetMs:      targetNs / 1e6,
	}, nil
}
