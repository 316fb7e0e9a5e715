// Package peak measures a Vulkan device's peak float32 arithmetic rate and
// its buffer copy bandwidth with small compute shaders, in the manner of
// vkpeak. Vulkan timestamp queries written before and after each dispatch
// time the work on the device, so submit and fence-wait overhead on the
// host is not counted. Each figure is the best of several repetitions.
package peak

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vkcnn/vkcnn/gpu"
)

// Result contains the measured peaks and the sizes that produced them.
type Result struct {
	Device string // gpu.Info.Name of the measured device

	// FMAScalarGFLOPS is the float32 fused multiply-add rate of scalar
	// code, in 10^9 floating-point operations per second, counting each
	// GLSL fma() as 2 operations. Vulkan lets a device run fma() as a
	// multiply and a separate add, and lavapipe in Mesa 25.0.7 does: its
	// results match that rounding exactly.
	FMAScalarGFLOPS float64
	// FMAVec4GFLOPS is the same rate with vec4 operands, still counting
	// 2 operations per float.
	FMAVec4GFLOPS float64
	// CopyGBps is the rate at which a compute shader copies one
	// device-local buffer to another, in 10^9 bytes per second, counting
	// the bytes read plus the bytes written.
	CopyGBps float64

	FMAScalar FMARun
	FMAVec4   FMARun
	Copy      CopyRun
}

// FMARun describes one FMA throughput measurement.
type FMARun struct {
	WorkgroupSize int
	Workgroups    int
	// Loops is the loop count per invocation that calibration chose so
	// that one dispatch takes about the target time.
	Loops int
	// FLOPs is the floating-point operation count of one dispatch.
	FLOPs       float64
	Repetitions int
	BestMs      float64 // shortest dispatch time of the repetitions
	TargetMs    float64 // the dispatch time that calibration aimed for
}

// CopyRun describes one copy bandwidth measurement.
type CopyRun struct {
	Bytes         int // size of the source buffer, and of the destination
	WorkgroupSize int
	Workgroups    int
	Repetitions   int
	BestMs        float64 // shortest dispatch time of the repetitions
}

// Options configures Measure.
type Options struct {
	// Quick aims each FMA dispatch at 20 ms instead of 200 ms, and uses a
	// quarter of the copy size and fewer repetitions. It suits smoke tests.
	// Its figures are noisier, and on CPU devices the smaller copy may
	// partly fit in the processor's caches.
	Quick bool
}

// plan is the problem size of one Measure call.
type plan struct {
	workgroupSize  int
	fmaWorkgroups  int
	fmaTarget      time.Duration
	fmaRepetitions int
	copyBytes      int
	copyWorkgroups int // max workgroups of the copy, whose grid-stride loop covers the rest
	copyRepeats    int
}

// Problem sizes. GPUs get enough workgroups to occupy every compute unit
// of a large discrete GPU: 4096 x 256 = 1M invocations is about 4 per
// resident thread of a GPU with 132 units of 2048 threads. The copy gets
// one invocation per vec4. CPU
// devices such as lavapipe run each workgroup as a task on one of a few
// threads, so 256 workgroups are plenty there, and smaller buffers keep
// the copy fast.
const (
	preferredWorkgroupSize = 256
	gpuFMAWorkgroups       = 4096
	cpuFMAWorkgroups       = 256
	cpuCopyWorkgroups      = 256
	gpuCopyBytes           = 64 << 20
	cpuCopyBytes           = 16 << 20
)

// makePlan chooses sizes for the device type and mode.
func makePlan(info gpu.Info, opts Options) plan {
	p := plan{
		workgroupSize:  preferredWorkgroupSize,
		fmaWorkgroups:  gpuFMAWorkgroups,
		fmaTarget:      200 * time.Millisecond,
		fmaRepetitions: 5,
		copyBytes:      gpuCopyBytes,
		copyWorkgroups: int(info.MaxWorkgroupCount[0]),
		copyRepeats:    20,
	}
	if info.Type == gpu.TypeCPU {
		p.fmaWorkgroups = cpuFMAWorkgroups
		p.copyBytes = cpuCopyBytes
		p.copyWorkgroups = cpuCopyWorkgroups
	}
	if opts.Quick {
		p.fmaTarget = 20 * time.Millisecond
		p.fmaRepetitions = 3
		p.copyBytes /= 4
		p.copyRepeats = 5
	}

	// Vulkan guarantees at least 128 invocations per workgroup, so the
	// clamp only matters on devices below the preferred 256.
	p.workgroupSize = min(p.workgroupSize, int(info.MaxWorkgroupInvocations), int(info.MaxWorkgroupSize[0]))
	p.fmaWorkgroups = min(p.fmaWorkgroups, int(info.MaxWorkgroupCount[0]))
	p.copyWorkgroups = min(p.copyWorkgroups, int(info.MaxWorkgroupCount[0]))
	// Both copy buffers must fit in one storage-buffer binding.
	p.copyBytes = min(p.copyBytes, int(info.MaxStorageBufferRange)/copyElementBytes*copyElementBytes)
	return p
}

// Measure runs the scalar FMA, vec4 FMA and copy benchmarks on dev and
// returns their best rates. It needs timestamp queries on the compute
// queue. The FMA dispatches are calibrated to a target time, so the run
// time hardly depends on the device. On lavapipe with 2 cores, full mode
// took 2.3 to 3 seconds and quick mode 0.2 to 0.45 seconds.
//
// Measure releases its buffers and recordings, but its three pipelines
// stay until dev is closed, and the memory blocks its buffers came from
// stay reserved by dev's allocator for later buffers.
func Measure(dev *gpu.Device, opts Options) (Result, error) {
	if dev == nil {
		return Result{}, errors.New("peak: device is nil; open one with gpu.Open")
	}
	info := dev.Info()
	if !info.TimestampsSupported {
		return Result{}, fmt.Errorf("peak: device %d (%s) has no timestamp queries on its compute queue "+
			"(timestampValidBits is 0 or timestampPeriod is 0), so dispatches cannot be timed on the device; "+
			"select another device with VKCNN_DEVICE", info.Index, info.Name)
	}
	p := makePlan(info, opts)
	res := Result{Device: info.Name}

	var err error
	if res.FMAScalar, err = measureFMA(dev, scalarFMA, p); err != nil {
		return Result{}, err
	}
	if res.FMAVec4, err = measureFMA(dev, vec4FMA, p); err != nil {
		return Result{}, err
	}
	if res.Copy, err = measureCopy(dev, p); err != nil {
		return Result{}, err
	}

	res.FMAScalarGFLOPS = res.FMAScalar.FLOPs / (res.FMAScalar.BestMs * 1e6)
	res.FMAVec4GFLOPS = res.FMAVec4.FLOPs / (res.FMAVec4.BestMs * 1e6)
	res.CopyGBps = 2 * float64(res.Copy.Bytes) / (res.Copy.BestMs * 1e6)
	return res, nil
}

// String formats the result as one "name: rate (sizes)" line per benchmark.
func (r Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "device: %s\n", r.Device)
	fmt.Fprintf(&b, "fma scalar: %.1f GFLOP/s (%d x %d invocations, %d loops, best %.2f ms of %d)\n",
		r.FMAScalarGFLOPS, r.FMAScalar.Workgroups, r.FMAScalar.WorkgroupSize, r.FMAScalar.Loops, r.FMAScalar.BestMs, r.FMAScalar.Repetitions)
	fmt.Fprintf(&b, "fma vec4: %.1f GFLOP/s (%d x %d invocations, %d loops, best %.2f ms of %d)\n",
		r.FMAVec4GFLOPS, r.FMAVec4.Workgroups, r.FMAVec4.WorkgroupSize, r.FMAVec4.Loops, r.FMAVec4.BestMs, r.FMAVec4.Repetitions)
	fmt.Fprintf(&b, "copy: %.1f GB/s read+write (%.1f MiB, best %.3f ms of %d)\n",
		r.CopyGBps, float64(r.Copy.Bytes)/(1<<20), r.Copy.BestMs, r.Copy.Repetitions)
	return b.String()
}
