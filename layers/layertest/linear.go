package layertest

import (
	"testing"

	"github.com/vkcnn/vkcnn/layers"
)

// TestLinear checks Linear on every LinearCases case.
func TestLinear(t *testing.T, newBackend func(testing.TB) layers.Backend) {
	b := openBackend(t, newBackend)
	rng := newRand(4)
	for _, c := range LinearCases() {
		t.Run(c.String(), func(t *testing.T) {
			x := uniform(rng, c.N*c.In, -1, 1)
			w := uniform(rng, c.Out*c.In, -1, 1)
			bias := uniform(rng, c.Out, -1, 1)

			xt := newTensor(t, b, c.XShape(), x)
			wt := newTensor(t, b, c.WShape(), w)
			bt := newTensor(t, b, c.BShape(), bias)
			yt := newOutput(t, b, c.YShape())
			p := newProgram(t, b)
			p.Linear(xt, wt, bt, yt)
			endAndRun(t, p, layers.StepState{})

			want, scale := linearRef(c, widen(x), widen(w), widen(bias))
			// Each output is a bias plus In products.
			checkClose(t, "y", c.YShape(), download(t, b, yt), want, scale, SumTolerance(c.In+1))
		})
	}
}

// TestLinearBackward checks dx, dw and db of LinearBackward on every
// LinearCases case, and that a nil dx is accepted.
func TestLinearBackward(t *testing.T, newBackend func(testing.TB) layers.Backend) {
	b := openBackend(t, newBackend)
	rng := newRand(5)
	for _, c := range LinearCases() {
		for _, withDX := range []bool{true, false} {
			name := c.String()
			if !withDX {
				name += "_nil_dx"
			}
			t.Run(name, func(t *testing.T) {
				x := uniform(rng, c.N*c.In, -1, 1)
				w := uniform(rng, c.Out*c.In, -1, 1)
				dy := uniform(rng, c.N*c.Out, -1, 1)

				xt := newTensor(t, b, c.XShape(), x)
				wt := newTensor(t, b, c.WShape(), w)
				dyt := newTensor(t, b, c.YShape(), dy)
				var dxt layers.Tensor
				if withDX {
					dxt = newOutput(t, b, c.XShape())
				}
				dwt := newOutput(t, b, c.WShape())
				dbt := newOutput(t, b, c.BShape())
				p := newProgram(t, b)
				p.LinearBackward(xt, wt, dyt, dxt, dwt, dbt)
				endAndRun(t, p, layers.StepState{})

				r := linearBackwardRef(c, widen(x), widen(w), widen(dy))
				if withDX {
					// Each dx element sums Out products.
					checkClose(t, "dx", c.XShape(), download(t, b, dxt), r.dx, r.dxScale, SumTolerance(c.Out))
				}
				// Each dw and db element sums N products or values.
				checkClose(t, "dw", c.WShape(), download(t, b, dwt), r.dw, r.dwScale, SumTolerance(c.N))
				checkClose(t, "db", c.BShape(), download(t, b, dbt), r.db, r.dbScale, SumTolerance(c.N))
			})
		}
	}
}
