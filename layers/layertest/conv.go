package layertest

import (
	"testing"

	"github.com/vkcnn/vkcnn/layers"
)

// TestConv2D checks Conv2D on every ConvCases case.
func TestConv2D(t *testing.T, newBackend func(testing.TB) layers.Backend) {
	b := openBackend(t, newBackend)
	rng := newRand(1)
	for _, c := range ConvCases(1) {
		t.Run(c.String(), func(t *testing.T) {
			x := uniform(rng, c.XShape().Len(), -1, 1)
			w := uniform(rng, c.WShape().Len(), -1, 1)
			bias := uniform(rng, c.BShape().Len(), -1, 1)

			xt := newTensor(t, b, c.XShape(), x)
			wt := newTensor(t, b, c.WShape(), w)
			bt := newTensor(t, b, c.BShape(), bias)
			yt := newOutput(t, b, c.YShape())
			p := newProgram(t, b)
			p.Conv2D(xt, wt, bt, yt, c.Params)
			endAndRun(t, p, layers.StepState{})

			want, scale := conv2DRef(c, widen(x), widen(w), widen(bias))
			k := c.Params.Kernel
			// Each output is a bias plus C·K·K products.
			checkClose(t, "y", c.YShape(), download(t, b, yt), want, scale, SumTolerance(c.C*k*k+1))
		})
	}
}

// TestConv2DBackwardData checks Conv2DBackwardData on every ConvCases
// case, including input elements that no window reads (their gradient is
// 0).
func TestConv2DBackwardData(t *testing.T, newBackend func(testing.TB) layers.Backend) {
	b := openBackend(t, newBackend)
	rng := newRand(2)
	for _, c := range ConvCases(2) {
		t.Run(c.String(), func(t *testing.T) {
			dy := uniform(rng, c.YShape().Len(), -1, 1)
			w := uniform(rng, c.WShape().Len(), -1, 1)

			dyt := newTensor(t, b, c.YShape(), dy)
			wt := newTensor(t, b, c.WShape(), w)
			dxt := newOutput(t, b, c.XShape())
			p := newProgram(t, b)
			p.Conv2DBackwardData(dyt, wt, dxt, c.Params)
			endAndRun(t, p, layers.StepState{})

			want, scale := conv2DBackwardDataRef(c, widen(dy), widen(w))
			k := c.Params.Kernel
			// Each input element is read by at most O·K·K products.
			checkClose(t, "dx", c.XShape(), download(t, b, dxt), want, scale, SumTolerance(c.O*k*k))
		})
	}
}

// TestConv2DBackwardFilter checks dw and db of Conv2DBackwardFilter, sums
// over the batch, on every ConvCases case.
func TestConv2DBackwardFilter(t *testing.T, newBackend func(testing.TB) layers.Backend) {
	b := openBackend(t, newBackend)
	rng := newRand(3)
	for _, c := range ConvCases(3) {
		t.Run(c.String(), func(t *testing.T) {
			x := uniform(rng, c.XShape().Len(), -1, 1)
			dy := uniform(rng, c.YShape().Len(), -1, 1)

			xt := newTensor(t, b, c.XShape(), x)
			dyt := newTensor(t, b, c.YShape(), dy)
			dwt := newOutput(t, b, c.WShape())
			dbt := newOutput(t, b, c.BShape())
			p := newProgram(t, b)
			p.Conv2DBackwardFilter(xt, dyt, dwt, dbt, c.Params)
			endAndRun(t, p, layers.StepState{})

			dw, dwScale, db, dbScale := conv2DBackwardFilterRef(c, widen(x), widen(dy))
			ys := c.YShape()
			terms := c.N * ys[2] * ys[3]
			// Each gradient element sums N·OH·OW products (dw) or values (db).
			checkClose(t, "dw", c.WShape(), download(t, b, dwt), dw, dwScale, SumTolerance(terms))
			checkClose(t, "db", c.BShape(), download(t, b, dbt), db, dbScale, SumTolerance(terms))
		})
	}
}
