package layertest

import (
	"testing"

	"github.com/vkcnn/vkcnn/layers"
)

// TestSGD checks two runs of SGD with different learning rates, so the
// step must read StepState.LR on each run and carry v over, for plain SGD
// and for momentum with weight decay.
func TestSGD(t *testing.T, newBackend func(testing.TB) layers.Backend) {
	b := openBackend(t, newBackend)
	rng := newRand(13)
	shapes := []layers.Shape{{1}, {7, 3, 3, 3}, {128, 9216}}
	settings := []layers.SGDParams{{}, {Momentum: 0.9, WeightDecay: 5e-4}}
	for _, shape := range shapes {
		for _, params := range settings {
			t.Run(caseName(shape, false)+sgdName(params), func(t *testing.T) {
				w := uniform(rng, shape.Len(), -1, 1)
				g := uniform(rng, shape.Len(), -1, 1)
				v := uniform(rng, shape.Len(), -1, 1)

				wt := newTensor(t, b, shape, w)
				gt := newTensor(t, b, shape, g)
				vt := newTensor(t, b, shape, v)
				p := newProgram(t, b)
				p.SGD(wt, gt, vt, params)
				if err := p.End(); err != nil {
					t.Fatalf("End: %v", err)
				}

				wantW, wantV := widen(w), widen(v)
				for _, lr := range []float32{0.1, 0.01} {
					run(t, p, layers.StepState{LR: lr})
					vScale, wScale := sgdRef(wantW, widen(g), wantV, params, float64(lr))
					// v sums three terms; w adds LR·v to w.
					checkClose(t, "v", shape, download(t, b, vt), wantV, vScale, SumTolerance(3))
					checkClose(t, "w", shape, download(t, b, wt), wantW, wScale, SumTolerance(3))
					// Continue from the backend's values, so that the
					// second check covers one step only.
					wantW, wantV = widen(download(t, b, wt)), widen(download(t, b, vt))
				}
			})
		}
	}
}

func sgdName(p layers.SGDParams) string {
	if p.Momentum == 0 && p.WeightDecay == 0 {
		return "_plain"
	}
	return "_momentum_decay"
}
