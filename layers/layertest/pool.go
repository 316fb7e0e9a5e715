package layertest

import (
	"math/rand/v2"
	"testing"

	"github.com/vkcnn/vkcnn/layers"
)

// poolInputs are the kinds of pooling input: continuous values, values
// from {0, 1, 2} so that most windows hold tied maxima, and values that
// are all negative, where a maximum started at 0 would be wrong.
var poolInputs = []struct {
	name string
	make func(rng *rand.Rand, n int) []float32
}{
	{"uniform", func(rng *rand.Rand, n int) []float32 { return uniform(rng, n, -1, 1) }},
	{"ties", func(rng *rand.Rand, n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.IntN(3))
		}
		return x
	}},
	{"negative", func(rng *rand.Rand, n int) []float32 { return uniform(rng, n, -2, -1) }},
}

// TestMaxPool2D checks MaxPool2D on every PoolCases case, overlapping
// windows included, for each kind of input.
func TestMaxPool2D(t *testing.T, newBackend func(testing.TB) layers.Backend) {
	b := openBackend(t, newBackend)
	rng := newRand(10)
	for _, c := range PoolCases(10) {
		for _, input := range poolInputs {
			t.Run(c.String()+"_"+input.name, func(t *testing.T) {
				x := input.make(rng, c.XShape().Len())
				xt := newTensor(t, b, c.XShape(), x)
				yt := newOutput(t, b, c.YShape())
				p := newProgram(t, b)
				p.MaxPool2D(xt, yt, c.Params)
				endAndRun(t, p, layers.StepState{})

				want, _ := maxPoolRef(c, widen(x))
				// A maximum is one of the inputs, so it is exact.
				checkExact(t, "y", c.YShape(), download(t, b, yt), want)
			})
		}
	}
}

// TestMaxPool2DBackward runs MaxPool2D and then MaxPool2DBackward in one
// program, on the cases of PoolCases whose windows do not overlap. Each dy
// must reach the first maximal element of its window, and every other
// element of dx must be 0.
func TestMaxPool2DBackward(t *testing.T, newBackend func(testing.TB) layers.Backend) {
	b := openBackend(t, newBackend)
	rng := newRand(11)
	for _, c := range PoolCases(11) {
		if c.Overlapping() {
			continue
		}
		for _, input := range poolInputs {
			t.Run(c.String()+"_"+input.name, func(t *testing.T) {
				x := input.make(rng, c.XShape().Len())
				dy := uniform(rng, c.YShape().Len(), -1, 1)

				xt := newTensor(t, b, c.XShape(), x)
				yt := newOutput(t, b, c.YShape())
				dyt := newTensor(t, b, c.YShape(), dy)
				dxt := newOutput(t, b, c.XShape())
				p := newProgram(t, b)
				p.MaxPool2D(xt, yt, c.Params)
				p.MaxPool2DBackward(xt, yt, dyt, dxt, c.Params)
				endAndRun(t, p, layers.StepState{})

				want := maxPoolBackwardRef(c, widen(x), widen(dy))
				// dx copies dy or is 0, so it is exact.
				checkExact(t, "dx", c.XShape(), download(t, b, dxt), want)
			})
		}
	}
}
