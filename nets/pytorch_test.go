package nets_test

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/gpu/gputest"
	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/layers/cpu"
	"github.com/vkcnn/vkcnn/layers/vulkan"
	"github.com/vkcnn/vkcnn/nets"
)

// pytorchFixtureEnv names the folder written by bench/pytorch_step_fixture.py.
const pytorchFixtureEnv = "VKCNN_PYTORCH_FIXTURE"

func readFloats(t *testing.T, path string) []float32 {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	values := make([]float32, len(raw)/4)
	for i := range values {
		values[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return values
}

// TestMatchesPyTorch loads weights and batches that PyTorch trained on,
// runs the same SGD steps (dropout off, constant learning rate) on both
// backends, and compares every step's loss and the final weights with
// PyTorch's. The cifar-baseline fixture is committed in testdata/pytorch
// (written by bench/pytorch_step_fixture.py with Debian's PyTorch 1.13.1);
// VKCNN_PYTORCH_FIXTURE can name a fresh, complete one, which adds mnist-bn.
func TestMatchesPyTorch(t *testing.T) {
	dir := os.Getenv(pytorchFixtureEnv)
	if dir == "" {
		dir = filepath.Join("testdata", "pytorch")
	}
	dev := gputest.Open(t, gpu.Options{})
	vk, err := vulkan.NewOnDevice(dev)
	if err != nil {
		t.Fatal(err)
	}
	backends := map[string]layers.Backend{"cpu": cpu.New(), "vulkan": vk}

	for _, name := range []string{"cifar-baseline", "mnist-bn"} {
		folder := filepath.Join(dir, name)
		if _, err := os.Stat(folder); err != nil {
			t.Logf("no %s fixture in %s", name, dir)
			continue
		}
		initial := readFloats(t, filepath.Join(folder, "initial.bin"))
		images := readFloats(t, filepath.Join(folder, "images.bin"))
		labels := readFloats(t, filepath.Join(folder, "labels.bin"))
		losses := readFloats(t, filepath.Join(folder, "losses.bin"))
		final := readFloats(t, filepath.Join(folder, "final.bin"))
		lr := readFloats(t, filepath.Join(folder, "lr.bin"))[0]

		for backendName, backend := range backends {
			t.Run(name+"/"+backendName, func(t *testing.T) {
				spec, _ := nets.Lookup(name)
				batch := len(labels) / len(losses)
				m, err := nets.Build(spec, backend, batch, 1)
				if err != nil {
					t.Fatal(err)
				}
				defer m.Release()
				for _, l := range m.Layers {
					if d, ok := l.(*layers.Dropout); ok {
						d.P = 0
					}
				}

				offset := 0
				for _, p := range m.Params {
					n := p.Shape.Len()
					if err := backend.Upload(p.Value, initial[offset:offset+n]); err != nil {
						t.Fatal(err)
					}
					offset += n
				}
				if offset != len(initial) {
					t.Fatalf("fixture has %d initial values, the model %d", len(initial), offset)
				}

				size := spec.Input.Len() * batch
				for s := range losses {
					r, err := m.TrainStep(images[s*size:(s+1)*size], labels[s*batch:(s+1)*batch], batch, uint32(s), lr)
					if err != nil {
						t.Fatal(err)
					}
					got := r.LossSum / float64(batch)
					// float32 in both engines, summed in different orders.
					if math.Abs(got-float64(losses[s])) > 1e-4*math.Abs(float64(losses[s])) {
						t.Errorf("step %d: mean loss %v, PyTorch %v", s, got, losses[s])
					}
				}

				offset = 0
				for _, p := range m.Params {
					got := download(t, backend, p.Value)
					want := final[offset : offset+len(got)]
					offset += len(got)
					var diffSq, normSq float64
					for j := range got {
						d := float64(got[j] - want[j])
						diffSq += d * d
						normSq += float64(want[j]) * float64(want[j])
					}
					// After three updates from identical weights: 1e-4 of
					// the tensor's L2 norm.
					if math.Sqrt(diffSq) > 1e-4*math.Sqrt(normSq)+1e-6 {
						t.Errorf("%s differs from PyTorch by %g of its norm", p.Name, math.Sqrt(diffSq/normSq))
					}
				}
			})
		}
	}
}
