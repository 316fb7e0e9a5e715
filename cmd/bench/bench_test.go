package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/vkcnn/vkcnn/bench"
	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/gpu/gputest"
	"github.com/vkcnn/vkcnn/layers/vulkan"
	"github.com/vkcnn/vkcnn/nets"
)

// TestDistinctLayers checks the layer shapes of mnist-simple at batch 2
// against the list worked out by hand from its architecture.
func TestDistinctLayers(t *testing.T) {
	spec, _ := nets.Lookup("mnist-simple")
	shapes, err := distinctLayers([]nets.Spec{spec}, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Conv2d x[2 1 28 28] w[32 1 3 3] pad 0 -> y[2 32 26 26]",
		"ReLU x[2 32 26 26]",
		"Conv2d x[2 32 26 26] w[64 32 3 3] pad 0 -> y[2 64 24 24]",
		"ReLU x[2 64 24 24]",
		"MaxPool2d x[2 64 24 24] window 2 stride 2 -> y[2 64 12 12]",
		"Dropout x[2 64 12 12] p 0.25",
		"Linear x[2 9216] w[128 9216] -> y[2 128]",
		"ReLU x[2 128]",
		"Dropout x[2 128] p 0.5",
		"Linear x[2 128] w[10 128] -> y[2 10]",
	}
	var got []string
	for _, s := range shapes {
		got = append(got, s.key())
	}
	if !slices.Equal(got, want) {
		t.Errorf("layer shapes\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestConvWork checks the FLOP and byte counts of the first convolution
// of mnist-simple at batch 2, computed by hand: 2·32·26·26 = 43264
// outputs, each 9 multiply-adds plus a bias add.
func TestConvWork(t *testing.T) {
	spec, _ := nets.Lookup("mnist-simple")
	shapes, _ := distinctLayers([]nets.Spec{spec}, 2)
	fwd := passes(shapes[0])[0]
	if fwd.pass != "forward" || fwd.flops != 43264*9*2+43264 {
		t.Errorf("%s: %v FLOPs, want %d", fwd.pass, fwd.flops, 43264*9*2+43264)
	}
	// x 1568, w 288, b 32, y 43264 floats of 4 bytes.
	if want := 4.0 * (1568 + 288 + 32 + 43264); fwd.bytes != want {
		t.Errorf("forward: %v bytes, want %v", fwd.bytes, want)
	}
}

// TestKernelsAreTrainerShaders checks that the benchmark times the
// trainer's own shaders: the shaders that a profiled training step of
// mnist-simple runs for each layer type are exactly those that the kernel
// programs of that layer type run.
func TestKernelsAreTrainerShaders(t *testing.T) {
	dev := gputest.Open(t, gpu.Options{})
	b, err := vulkan.NewOnDevice(dev)
	if err != nil {
		t.Fatal(err)
	}
	b.Profile = true
	spec, _ := nets.Lookup("mnist-simple")
	const batch = 4

	m, err := nets.Build(spec, b, batch, 1)
	if err != nil {
		t.Fatal(err)
	}
	images, labels := benchInput(batch, spec)
	if _, err := m.TrainStep(images, labels, batch, 0, spec.LR); err != nil {
		t.Fatal(err)
	}
	p, _ := m.Program(batch, true)
	ops, err := p.(*vulkan.Program).Profile()
	if err != nil {
		t.Fatal(err)
	}
	trainer := map[string][]string{}
	for _, op := range ops {
		trainer[op.Section] = appendNew(trainer[op.Section], op.Op)
	}

	shapes, _ := distinctLayers([]nets.Spec{spec}, batch)
	kernels := map[string][]string{}
	for _, s := range shapes {
		tensors, err := newKernelTensors(b, s)
		if err != nil {
			t.Fatal(err)
		}
		for _, kp := range passes(s) {
			prog, err := b.NewProgram()
			if err != nil {
				t.Fatal(err)
			}
			if kp.before != nil {
				kp.before(prog, tensors)
			}
			kp.record(prog, tensors)
			if err := prog.End(); err != nil {
				t.Fatal(err)
			}
			if err := prog.Run(stepState()); err != nil {
				t.Fatal(err)
			}
			kops, err := prog.(*vulkan.Program).Profile()
			if err != nil {
				t.Fatal(err)
			}
			timed := passOps(kops, kp.op)
			if len(timed) == 0 {
				t.Errorf("%s %s: no dispatch of %s timed", s.kind, kp.pass, kp.op)
			}
			for _, op := range timed {
				kernels[s.kind] = appendNew(kernels[s.kind], op.Op)
			}
			prog.Release()
		}
	}
	for kind, want := range kernels {
		got := trainer[kind]
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: the trainer runs %v, the benchmark times %v", kind, got, want)
		}
	}
	if len(kernels) < 5 {
		t.Errorf("kernels of %d layer types timed, want Conv2d, ReLU, MaxPool2d, Dropout and Linear", len(kernels))
	}
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// TestQuick runs bench -quick end to end on the test's Vulkan device and
// the CPU backend, and reads its results file back.
func TestQuick(t *testing.T) {
	gputest.Open(t, gpu.Options{}) // skips without Vulkan, fails on validation messages of its own device
	if testing.Short() {
		t.Skip("-short skips the benchmark run")
	}
	out := t.TempDir()
	o := options{vulkan: true, cpu: true, models: "all", batches: "64", warmup: 2, repeat: 5, steps: 3,
		kernels: true, quick: true, out: out}
	var stdout, log bytes.Buffer
	if err := run(o, nil, &stdout, &log); err != nil {
		t.Fatalf("%v\nlog:\n%s", err, log.String())
	}

	f, err := bench.Read(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}

	var vk, cpu *bench.Run
	for i := range f.Runs {
		switch f.Runs[i].Backend {
		case "vulkan":
			vk = &f.Runs[i]
		case "cpu":
			cpu = &f.Runs[i]
		}
	}
	if vk == nil || cpu == nil {
		t.Fatalf("runs %+v: want a vulkan and a cpu run", f.Runs)
	}
	if vk.Peaks == nil || vk.Peaks.FMAVec4GFLOPPerSec <= 0 || vk.Peaks.CopyGBPerSec <= 0 {
		t.Errorf("vulkan peaks %+v, want positive figures", vk.Peaks)
	}
	if len(vk.Kernels) == 0 {
		t.Error("no kernel timings")
	}

	for _, run := range []*bench.Run{vk, cpu} {
		if len(run.Models) != 2 {
			t.Errorf("%s: %d models, want mnist-simple and cifar-baseline", run.Backend, len(run.Models))
		}
		for _, m := range run.Models {
			if m.TrainImagesPerSec.Median <= 0 || m.EvalImagesPerSec.Median <= 0 {
				t.Errorf("%s %s: throughput %v / %v", run.Backend, m.Model, m.TrainImagesPerSec, m.EvalImagesPerSec)
			}
		}
	}

	for _, m := range vk.Models {
		total := 0.0
		for _, share := range m.LayerShare {
			total += share
		}
		if total < 0.999 || total > 1.001 {
			t.Errorf("%s: layer shares sum to %v, want 1", m.Model, total)
		}
		if m.MemoryBytes <= 0 || m.TimingCheck == nil {
			t.Errorf("%s: memory %d, timing check %v: want both measured", m.Model, m.MemoryBytes, m.TimingCheck)
		}
	}

	for _, name := range []string{bench.TrainChartFile, bench.EvalChartFile, bench.KernelChartFile} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(stdout.String(), "mnist-simple") {
		t.Errorf("the table does not list mnist-simple:\n%s", stdout.String())
	}
}
