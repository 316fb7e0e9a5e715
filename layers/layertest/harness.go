package layertest

import (
	"math/rand/v2"
	"testing"

	"github.com/vkcnn/vkcnn/layers"
)

// openBackend calls newBackend and closes the backend when t ends.
func openBackend(t *testing.T, newBackend func(testing.TB) layers.Backend) layers.Backend {
	t.Helper()
	b := newBackend(t)
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("%s backend: Close: %v", b.Name(), err)
		}
	})
	return b
}

// newTensor allocates a tensor and uploads data into it; nil data leaves
// it zeroed.
func newTensor(t testing.TB, b layers.Backend, shape layers.Shape, data []float32) layers.Tensor {
	t.Helper()
	x, err := b.NewTensor(shape)
	if err != nil {
		t.Fatalf("NewTensor(%v): %v", shape, err)
	}
	if data != nil {
		upload(t, b, x, data)
	}
	return x
}

// newOutput allocates a tensor for an operation's output and fills it with
// a value that no correct result contains where it is checked, so a
// backend that accumulates into outputs, or leaves elements unwritten,
// fails the comparison.
func newOutput(t testing.TB, b layers.Backend, shape layers.Shape) layers.Tensor {
	t.Helper()
	return newTensor(t, b, shape, constant(shape.Len(), 1e4))
}

func upload(t testing.TB, b layers.Backend, x layers.Tensor, data []float32) {
	t.Helper()
	if err := b.Upload(x, data); err != nil {
		t.Fatalf("Upload to %v: %v", x.Shape(), err)
	}
}

func download(t testing.TB, b layers.Backend, x layers.Tensor) []float32 {
	t.Helper()
	out := make([]float32, x.Shape().Len())
	if err := b.Download(x, out); err != nil {
		t.Fatalf("Download from %v: %v", x.Shape(), err)
	}
	return out
}

// newProgram starts a program that is released when t ends.
func newProgram(t testing.TB, b layers.Backend) layers.Program {
	t.Helper()
	p, err := b.NewProgram()
	if err != nil {
		t.Fatalf("NewProgram: %v", err)
	}
	t.Cleanup(p.Release)
	return p
}

// endAndRun ends the recording of p and runs it once.
func endAndRun(t testing.TB, p layers.Program, s layers.StepState) {
	t.Helper()
	if err := p.End(); err != nil {
		t.Fatalf("End: %v", err)
	}
	run(t, p, s)
}

func run(t testing.TB, p layers.Program, s layers.StepState) {
	t.Helper()
	if err := p.Run(s); err != nil {
		t.Fatalf("Run(%+v): %v", s, err)
	}
}

// newRand returns the generator of one test function; the seed is fixed
// so that a failure repeats.
func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x6c617965727465))
}

// uniform returns n values drawn uniformly from [lo, hi).
func uniform(rng *rand.Rand, n int, lo, hi float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = lo + (hi-lo)*rng.Float32()
	}
	return out
}

func constant(n int, v float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// widen converts float32 values to float64, exactly.
func widen(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}
