package peak

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/gpu/gputest"
)

// fmaTolerance bounds |device - host| / |host| for the stored sums. The
// host rounds a*c before adding b, while Vulkan lets the device's fma
// round once or twice, so the two differ by up to 1 ulp per step. With
// a = 0.9 an earlier difference shrinks by 0.9 each step, so each chain
// stays within about 10 ulps (1.2e-6 relative) of the host's. The bound
// also leaves room for the device summing the 16 floats in another order.
// One loop more or less changes the sums by far more, as the test checks.
const fmaTolerance = 1e-4

// testFMAParams are chain constants whose seed is a power of two, so
// id*seed is exact in float32 and the shader's start values fma(id, seed, k)
// equal the host's.
var testFMAParams = fmaParams{a: 0.9, b: 0.25, seed: 1.0 / 64}

// hostFMA returns what invocation id of shader s stores, computed with
// float32 arithmetic and no fused multiply-add.
func hostFMA(s fmaShader, p fmaParams, id int) float32 {
	x := float32(float32(id) * p.seed)
	acc := make([]float32, s.accumulators*s.lanes)
	for k := range acc {
		acc[k] = x + float32(k)
	}
	for range p.loops * s.rounds {
		for k := range acc {
			// The conversion rounds the product, so Go cannot fuse it.
			acc[k] = float32(acc[k]*p.a) + p.b
		}
	}

	// The shader sums the accumulators lane by lane, then the lanes.
	lanes := make([]float32, s.lanes)
	for j := range s.accumulators {
		for l := range lanes {
			lanes[l] += acc[j*s.lanes+l]
		}
	}
	sum := lanes[0]
	for _, v := range lanes[1:] {
		sum += v
	}
	return sum
}

func relativeError(got, want float32) float64 {
	return math.Abs(float64(got)-float64(want)) / math.Abs(float64(want))
}

func TestFMAShadersMatchHost(t *testing.T) {
	d := gputest.Open(t, gpu.Options{})
	const workgroupSize, workgroups = 64, 4

	for _, s := range []fmaShader{scalarFMA, vec4FMA} {
		f, err := newFMABench(d, s, workgroupSize, workgroups)
		if err != nil {
			t.Fatal(err)
		}
		defer f.release()

		for _, loops := range []int{1, 5} {
			p := testFMAParams
			p.loops = loops
			if _, err := f.timeOnce(p); err != nil {
				t.Fatalf("%s, %d loops: %v", s.name, loops, err)
			}
			got := make([]float32, f.invocations())
			if err := f.out.ReadFloat32(0, got); err != nil {
				t.Fatal(err)
			}

			fewer := p
			fewer.loops = loops - 1
			worst := 0.0
			for id, v := range got {
				want := hostFMA(s, p, id)
				e := relativeError(v, want)
				worst = max(worst, e)
				if e > fmaTolerance {
					t.Errorf("%s, %d loops, invocation %d: device %v, host %v (relative error %.2g > %g)",
						s.name, loops, id, v, want, e, fmaTolerance)
				}
				if shorter := hostFMA(s, fewer, id); relativeError(shorter, want) <= 10*fmaTolerance {
					t.Errorf("%s, %d loops, invocation %d: one loop fewer gives %v, too close to %v for the check to detect a skipped loop",
						s.name, loops, id, shorter, want)
				}
			}
			t.Logf("%s, %d loops: worst relative error %.2g over %d invocations", s.name, loops, worst, len(got))
		}
	}
}

func TestCopyMatchesSource(t *testing.T) {
	d := gputest.Open(t, gpu.Options{})
	const workgroupSize = 64
	// Three workgroups and an element count that is not a multiple of
	// their 192 invocations make each invocation run the grid-stride loop
	// two or three times.
	elements := 2*3*workgroupSize + 5

	c, err := newCopyBench(d, elements*copyElementBytes, workgroupSize, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer c.release()
	if c.workgroups != 3 {
		t.Fatalf("copy grid has %d workgroups, want 3", c.workgroups)
	}

	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]float32, 4*elements)
	for i := range src {
		src[i] = rng.Float32()*200 - 100
	}
	if err := c.src.WriteFloat32(0, src); err != nil {
		t.Fatal(err)
	}
	sentinel := make([]float32, len(src))
	for i := range sentinel {
		sentinel[i] = -1e30
	}
	if err := c.dst.WriteFloat32(0, sentinel); err != nil {
		t.Fatal(err)
	}

	td, err := c.record(d)
	if err != nil {
		t.Fatal(err)
	}
	defer td.release()
	if _, err := td.run(); err != nil {
		t.Fatal(err)
	}

	got := make([]float32, len(src))
	if err := c.dst.ReadFloat32(0, got); err != nil {
		t.Fatal(err)
	}
	mismatches := 0
	for i := range src {
		if math.Float32bits(got[i]) != math.Float32bits(src[i]) {
			if mismatches < 5 {
				t.Errorf("float %d (vec4 element %d): destination %v, source %v", i, i/4, got[i], src[i])
			}
			mismatches++
		}
	}
	if mismatches > 0 {
		t.Errorf("%d of %d floats differ", mismatches, len(src))
	}
}

func checkRate(t *testing.T, name string, v float64) {
	t.Helper()
	if !(v > 0) || math.IsInf(v, 0) {
		t.Errorf("%s = %v, want a positive finite number", name, v)
	}
}

func TestMeasureQuick(t *testing.T) {
	d := gputest.Open(t, gpu.Options{})
	start := time.Now()
	res, err := Measure(d, Options{Quick: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("quick Measure took %v:\n%s", time.Since(start).Round(time.Millisecond), res)

	checkRate(t, "FMAScalarGFLOPS", res.FMAScalarGFLOPS)
	checkRate(t, "FMAVec4GFLOPS", res.FMAVec4GFLOPS)
	checkRate(t, "CopyGBps", res.CopyGBps)
	for _, run := range []struct {
		name string
		FMARun
	}{{"FMAScalar", res.FMAScalar}, {"FMAVec4", res.FMAVec4}} {
		if run.Loops < 1 || run.Loops > maxLoops {
			t.Errorf("%s.Loops = %d, want 1..%d", run.name, run.Loops, maxLoops)
		}
		checkRate(t, run.name+".BestMs", run.BestMs)
		checkRate(t, run.name+".FLOPs", run.FLOPs)
		if run.Repetitions < 1 {
			t.Errorf("%s.Repetitions = %d, want at least 1", run.name, run.Repetitions)
		}
	}
	checkRate(t, "Copy.BestMs", res.Copy.BestMs)
	if res.Copy.Bytes <= 0 || res.Copy.Bytes%copyElementBytes != 0 {
		t.Errorf("Copy.Bytes = %d, want a positive multiple of %d", res.Copy.Bytes, copyElementBytes)
	}
	if res.Device != d.Info().Name {
		t.Errorf("Device = %q, want %q", res.Device, d.Info().Name)
	}
}

func TestMeasureNilDevice(t *testing.T) {
	_, err := Measure(nil, Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "peak: ") {
		t.Fatalf("Measure(nil) error = %v, want one starting with \"peak: \"", err)
	}
}

func TestMakePlan(t *testing.T) {
	big := gpu.Info{
		Type:                    gpu.TypeDiscrete,
		MaxWorkgroupSize:        [3]uint32{1024, 1024, 64},
		MaxWorkgroupCount:       [3]uint32{1 << 31, 65535, 65535},
		MaxWorkgroupInvocations: 1024,
		MaxStorageBufferRange:   1 << 31,
	}
	cpu := big
	cpu.Type = gpu.TypeCPU
	small := big
	small.MaxWorkgroupInvocations = 128
	small.MaxWorkgroupCount[0] = 1000
	small.MaxStorageBufferRange = 1<<20 + 7

	tests := []struct {
		name           string
		info           gpu.Info
		opts           Options
		workgroupSize  int
		fmaWorkgroups  int
		copyBytes      int
		copyWorkgroups int
		fmaTarget      time.Duration
		fmaRepetitions int
	}{
		{"discrete full", big, Options{}, 256, gpuFMAWorkgroups, gpuCopyBytes, 1 << 31, 200 * time.Millisecond, 5},
		{"discrete quick", big, Options{Quick: true}, 256, gpuFMAWorkgroups, gpuCopyBytes / 4, 1 << 31, 20 * time.Millisecond, 3},
		{"CPU full", cpu, Options{}, 256, cpuFMAWorkgroups, cpuCopyBytes, cpuCopyWorkgroups, 200 * time.Millisecond, 5},
		{"CPU quick", cpu, Options{Quick: true}, 256, cpuFMAWorkgroups, cpuCopyBytes / 4, cpuCopyWorkgroups, 20 * time.Millisecond, 3},
		{"small limits", small, Options{}, 128, 1000, 1 << 20, 1000, 200 * time.Millisecond, 5},
	}
	for _, tt := range tests {
		p := makePlan(tt.info, tt.opts)
		if p.workgroupSize != tt.workgroupSize {
			t.Errorf("%s: workgroup size %d, want %d", tt.name, p.workgroupSize, tt.workgroupSize)
		}
		if p.fmaWorkgroups != tt.fmaWorkgroups {
			t.Errorf("%s: FMA workgroups %d, want %d", tt.name, p.fmaWorkgroups, tt.fmaWorkgroups)
		}
		if p.copyBytes != tt.copyBytes {
			t.Errorf("%s: copy bytes %d, want %d", tt.name, p.copyBytes, tt.copyBytes)
		}
		if p.copyWorkgroups != tt.copyWorkgroups {
			t.Errorf("%s: copy workgroups %d, want %d", tt.name, p.copyWorkgroups, tt.copyWorkgroups)
		}
		if p.fmaTarget != tt.fmaTarget {
			t.Errorf("%s: FMA target %v, want %v", tt.name, p.fmaTarget, tt.fmaTarget)
		}
		if p.fmaRepetitions != tt.fmaRepetitions {
			t.Errorf("%s: FMA repetitions %d, want %d", tt.name, p.fmaRepetitions, tt.fmaRepetitions)
		}
	}
}

// BenchmarkMeasure logs the device's peaks: full mode, or quick mode with
// -short. Each iteration is a whole Measure call, several seconds in full
// mode on a CPU device.
func BenchmarkMeasure(b *testing.B) {
	d := gputest.Open(b, gpu.Options{})
	opts := Options{Quick: testing.Short()}
	var res Result
	for b.Loop() {
		var err error
		if res, err = Measure(d, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(res.FMAScalarGFLOPS, "scalar-GFLOP/s")
	b.ReportMetric(res.FMAVec4GFLOPS, "vec4-GFLOP/s")
	b.ReportMetric(res.CopyGBps, "copy-GB/s")
	b.Logf("quick=%v\n%s", opts.Quick, res)
}
