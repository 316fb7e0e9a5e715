package layertest

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/vkcnn/vkcnn/layers"
)

// elementwiseShapes are the tensor shapes of the element-wise tests: one
// element, an odd size, and the pooled activations of mnist-simple at
// batch 64 (589,824 elements).
var elementwiseShapes = []layers.Shape{{1}, {3, 5, 7, 11}, {64, 64, 12, 12}}

// withZeros returns uniform values in [-1, 1) of which about one in eight
// is replaced by an exact 0, the boundary case of ReLU.
func withZeros(rng *rand.Rand, n int) []float32 {
	x := uniform(rng, n, -1, 1)
	for i := range x {
		if rng.IntN(8) == 0 {
			x[i] = 0
		}
	}
	return x
}

// TestReLU checks ReLU into a separate output and in place (y = x).
func TestReLU(t *testing.T, newBackend func(testing.TB) layers.Backend) {
	b := openBackend(t, newBackend)
	rng := newRand(6)
	for _, shape := range elementwiseShapes {
		for _, inPlace := range []bool{false, true} {
			t.Run(caseName(shape, inPlace), func(t *testing.T) {
				x := withZeros(rng, shape.Len())
				xt := newTensor(t, b, shape, x)
				yt := xt
				if !inPlace {
					yt = newOutput(t, b, shape)
				}
				p := newProgram(t, b)
				p.ReLU(xt, yt)
				endAndRun(t, p, layers.StepState{})

				want := make([]float64, len(x))
				for i, v := range x {
					want[i] = max(float64(v), 0)
				}
				// max(x, 0) only selects, so it is exact.
				checkExact(t, "y", shape, download(t, b, yt), want)
			})
		}
	}
}

// TestReLUBackward checks ReLUBackward into a separate output and in place
// (dx = dy), with y = 0 at about one element in eight.
func TestReLUBackward(t *testing.T, newBackend func(testing.TB) layers.Backend) {
	b := openBackend(t, newBackend)
	rng := newRand(7)
	for _, shape := range elementwiseShapes {
		for _, inPlace := range []bool{false, true} {
			t.Run(caseName(shape, inPlace), func(t *testing.T) {
				y := withZeros(rng, shape.Len())
				for i := range y {
					y[i] = max(y[i], 0)
				}
				dy := uniform(rng, shape.Len(), -1, 1)

				yt := newTensor(t, b, shape, y)
				dyt := newTensor(t, b, shape, dy)
				dxt := dyt
				if !inPlace {
					dxt = newOutput(t, b, shape)
				}
				p := newProgram(t, b)
				p.ReLUBackward(yt, dyt, dxt)
				endAndRun(t, p, layers.StepState{})

				want := make([]float64, len(y))
				for i := range y {
					if y[i] > 0 {
						want[i] = float64(dy[i])
					}
				}
				// dx copies dy or is 0, so it is exact.
				checkExact(t, "dx", shape, download(t, b, dxt), want)
			})
		}
	}
}

// dropoutRef applies the mask of layers.DropoutKeep and the scale
// 1/(1−P) to x.
func dropoutRef(x []float32, p layers.DropoutParams, step uint32) (y, scale []float64) {
	y = make([]float64, len(x))
	scale = make([]float64, len(x))
	for i, v := range x {
		if layers.DropoutKeep(p.Seed, p.Layer, step, uint32(i), p.P) {
			y[i] = float64(v) / (1 - float64(p.P))
		}
		scale[i] = max(y[i], -y[i])
	}
	return y, scale
}

// dropoutTolerance bounds the relative error of x/(1−P) computed in
// float32 with up to three roundings (1−P, its reciprocal, the product).
const dropoutTolerance = 4 * unitRoundoff

// TestDropout checks the mask and the scale of Dropout for several drop
// probabilities, in place and not, on two runs with different Steps of one
// program: the mask must follow StepState.Step.
func TestDropout(t *testing.T, newBackend func(testing.TB) layers.Backend) {
	b := openBackend(t, newBackend)
	rng := newRand(8)
	for _, shape := range elementwiseShapes {
		for _, prob := range []float32{0, 0.25, 0.5, 0.9} {
			for _, inPlace := range []bool{false, true} {
				params := layers.DropoutParams{P: prob, Layer: rng.Uint32(), Seed: rng.Uint32()}
				t.Run(caseName(shape, inPlace)+dropoutName(params), func(t *testing.T) {
					x := uniform(rng, shape.Len(), -1, 1)
					xt := newTensor(t, b, shape, x)
					yt := xt
					if !inPlace {
						yt = newOutput(t, b, shape)
					}
					p := newProgram(t, b)
					p.Dropout(xt, yt, params)
					if err := p.End(); err != nil {
						t.Fatalf("End: %v", err)
					}

					for _, step := range []uint32{7, 8} {
						upload(t, b, xt, x) // in place, the previous run overwrote x
						run(t, p, layers.StepState{Step: step})
						want, scale := dropoutRef(x, params, step)
						// Dropped elements must be exactly 0; kept ones see
						// three roundings.
						checkClose(t, "y", shape, download(t, b, yt), want, scale, dropoutTolerance)
					}
				})
			}
		}
	}
}

// TestDropoutBackward checks that DropoutBackward applies the mask of
// Dropout with the same parameters and Step, in place and not.
func TestDropoutBackward(t *testing.T, newBackend func(testing.TB) layers.Backend) {
	b := openBackend(t, newBackend)
	rng := newRand(9)
	for _, shape := range elementwiseShapes {
		for _, inPlace := range []bool{false, true} {
			params := layers.DropoutParams{P: 0.4, Layer: rng.Uint32(), Seed: rng.Uint32()}
			t.Run(caseName(shape, inPlace), func(t *testing.T) {
				dy := uniform(rng, shape.Len(), -1, 1)
				dyt := newTensor(t, b, shape, dy)
				dxt := dyt
				if !inPlace {
					dxt = newOutput(t, b, shape)
				}
				p := newProgram(t, b)
				p.DropoutBackward(dyt, dxt, params)
				const step = 123
				endAndRun(t, p, layers.StepState{Step: step})

				want, scale := dropoutRef(dy, params, step)
				// Same mask and scale as the forward pass.
				checkClose(t, "dx", shape, download(t, b, dxt), want, scale, dropoutTolerance)
			})
		}
	}
}

// caseName names a subtest after a shape and whether the output is the
// input tensor.
func caseName(shape layers.Shape, inPlace bool) string {
	name := "shape"
	for _, d := range shape {
		name += "_" + strconv.Itoa(d)
	}
	if inPlace {
		name += "_in_place"
	}
	return name
}

func dropoutName(p layers.DropoutParams) string {
	return fmt.Sprintf("_P%g", p.P)
}
