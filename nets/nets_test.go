package nets_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/gpu/gputest"
	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/layers/cpu"
	"github.com/vkcnn/vkcnn/layers/vulkan"
	"github.com/vkcnn/vkcnn/nets"
)

func TestCosineLR(t *testing.T) {
	cases := []struct {
		t, total int
		want     float64
	}{
		{0, 100, 0.01},
		{50, 100, 0.005},
		{100, 100, 0},
		{25, 100, 0.01 * (1 + math.Sqrt2/2) / 2},
	}
	for _, c := range cases {
		got := float64(nets.CosineLR(0.01, c.t, c.total))
		if math.Abs(got-c.want) > 1e-9 {
			t.Errorf("CosineLR(0.01, %d, %d) = %v, want %v", c.t, c.total, got, c.want)
		}
	}
}

// TestParameterCounts builds every model on the CPU backend and compares
// its learnable parameter count with the count stated for its architecture.
func TestParameterCounts(t *testing.T) {
	for _, name := range nets.Names() {
		spec, _ := nets.Lookup(name)
		b := cpu.New()
		m, err := nets.Build(spec, b, 1, 1)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := m.ParameterCount(); got != spec.Parameters {
			t.Errorf("%s: %d parameters, want %d", name, got, spec.Parameters)
		}
		b.Close()
	}
}

func TestLookupUnknownModel(t *testing.T) {
	if _, err := nets.Lookup("resnet-50"); err == nil {
		t.Fatal("Lookup(resnet-50): no error")
	}
}

// randomBatches returns steps batches of n MNIST-shaped images and labels.
func randomBatches(steps, n int, size int) (images, labels [][]float32) {
	rng := rand.New(rand.NewPCG(5, 8))
	for s := 0; s < steps; s++ {
		img := make([]float32, n*size)
		for i := range img {
			img[i] = float32(rng.NormFloat64())
		}
		lab := make([]float32, n)
		for i := range lab {
			lab[i] = float32(rng.IntN(10))
		}
		images, labels = append(images, img), append(labels, lab)
	}
	return images, labels
}

func download(t *testing.T, b layers.Backend, tensor layers.Tensor) []float32 {
	t.Helper()
	out := make([]float32, tensor.Shape().Len())
	if err := b.Download(tensor, out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTrainStepParity trains mnist-simple for 20 steps of 8 images on both
// backends from the same initialization, data and dropout masks, and
// compares every step's loss and, at the end, every parameter.
func TestTrainStepParity(t *testing.T) {
	const steps, batch = 20, 8
	dev := gputest.Open(t, gpu.Options{})
	vk, err := vulkan.NewOnDevice(dev)
	if err != nil {
		t.Fatal(err)
	}
	ref := cpu.New()
	defer ref.Close()

	spec, _ := nets.Lookup("mnist-simple")
	mv, err := nets.Build(spec, vk, batch, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer mv.Release()
	mc, err := nets.Build(spec, ref, batch, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Release()

	images, labels := randomBatches(steps, batch, spec.Input.Len())
	for s := 0; s < steps; s++ {
		lr := nets.CosineLR(spec.LR, s, steps)
		rv, err := mv.TrainStep(images[s], labels[s], batch, uint32(s), lr)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := mc.TrainStep(images[s], labels[s], batch, uint32(s), lr)
		if err != nil {
			t.Fatal(err)
		}
		// The two backends sum in different orders; over 20 steps the
		// rounding differences stay below 1e-3 of the loss.
		if diff := math.Abs(rv.LossSum - rc.LossSum); diff > 1e-3*math.Max(1, math.Abs(rc.LossSum)) {
			t.Fatalf("step %d: loss sum vulkan %v, cpu %v", s, rv.LossSum, rc.LossSum)
		}
		if rv.Correct != rc.Correct {
			t.Errorf("step %d: correct vulkan %d, cpu %d", s, rv.Correct, rc.Correct)
		}
	}

	for i, pv := range mv.Params {
		gotV := download(t, vk, pv.Value)
		gotC := download(t, ref, mc.Params[i].Value)
		// Parameters after 20 updates: absolute 1e-4 plus relative 1e-3,
		// against initial magnitudes up to 1/sqrt(fan_in) (0.33 at most).
		for j := range gotC {
			if diff := math.Abs(float64(gotV[j] - gotC[j])); diff > 1e-4+1e-3*math.Abs(float64(gotC[j])) {
				t.Fatalf("%s[%d]: vulkan %v, cpu %v after %d steps", pv.Name, j, gotV[j], gotC[j], steps)
			}
		}
	}
}

// TestVulkanRunsRepeatable trains two models with the same seed on the
// same device and expects bitwise identical losses: no reduction depends
// on scheduling.
func TestVulkanRunsRepeatable(t *testing.T) {
	const steps, batch = 5, 8
	dev := gputest.Open(t, gpu.Options{})
	vk, err := vulkan.NewOnDevice(dev)
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := nets.Lookup("mnist-simple")
	images, labels := randomBatches(steps, batch, spec.Input.Len())

	var losses [2][]float64
	for run := range losses {
		m, err := nets.Build(spec, vk, batch, 11)
		if err != nil {
			t.Fatal(err)
		}
		for s := 0; s < steps; s++ {
			r, err := m.TrainStep(images[s], labels[s], batch, uint32(s), 0.01)
			if err != nil {
				t.Fatal(err)
			}
			losses[run] = append(losses[run], r.LossSum)
		}
		m.Release()
	}
	for s := range losses[0] {
		if losses[0][s] != losses[1][s] {
			t.Errorf("step %d: loss %v in run 1, %v in run 2", s, losses[0][s], losses[1][s])
		}
	}
}
