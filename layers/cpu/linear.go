package cpu

import (
	"fmt"

	"github.com/vkcnn/vkcnn/layers"
)

// linearGeometry is a fully connected layer's sizes: x is [N,In], w is
// [Out,In], b is [Out] and y is [N,Out].
type linearGeometry struct {
	n, in, out int
}

// newLinearGeometry derives the geometry from the shapes of x and w.
func newLinearGeometry(x, w layers.Shape) (linearGeometry, error) {
	if len(x) != 2 {
		return linearGeometry{}, fmt.Errorf("x has shape %v, expected 2 dimensions [N,In] (flatten it with a View)", x)
	}
	if len(w) != 2 || w[1] != x[1] {
		return linearGeometry{}, fmt.Errorf("w has shape %v, expected [Out,%d] for x %v", w, x[1], x)
	}
	return linearGeometry{n: x[0], in: x[1], out: w[0]}, nil
}

// Linear records y = x·wᵀ + b.
func (p *Program[T]) Linear(x, w, b, y layers.Tensor) {
	p.record("Linear", func() (func(layers.StepState) error, error) {
		ops := operands[T]{backend: p.backend}
		xt := ops.tensor("x", x)
		wt := ops.tensor("w", w)
		bt := ops.tensor("b", b)
		yt := ops.tensor("y", y)
		if ops.err != nil {
			return nil, ops.err
		}

		g, err := newLinearGeometry(xt.shape, wt.shape)
		if err != nil {
			return nil, err
		}
		derivedFrom := fmt.Sprintf("for x %v and w %v", xt.shape, wt.shape)
		ops.shape("b", bt, layers.Shape{g.out}, derivedFrom)
		ops.shape("y", yt, layers.Shape{g.n, g.out}, derivedFrom)
		ops.distinct("y", yt, "x", xt)
		ops.distinct("y", yt, "w", wt)
		ops.distinct("y", yt, "b", bt)
		if ops.err != nil {
			return nil, ops.err
		}

		xd, wd, bd, yd := xt.Data(), wt.Data(), bt.Data(), yt.Data()
		product := gemmShape{transB: true, m: g.n, n: g.out, k: g.in, lda: g.in, ldb: g.in, ldc: g.out}
		multiply := newParallelGemm(product, xd, wd, 1, yd)
		return func(layers.StepState) error {
			for n := range g.n {
				copy(yd[n*g.out:(n+1)*g.out], bd)
			}
			multiply()
			return nil
		}, nil
	})
}

// LinearBackward records the gradients of y = x·wᵀ + b:
//
//	dx = dy·w        ([N,In]; skipped when dx is nil)
//	dw = dyᵀ·x       ([Out,In], summed over the batch)
//	db[o] = Σ_n dy[n,o]
//
// dw is computed as dyT·xTᵀ from transposed copies of dy and x, so that
// each element is a dot product of two contiguous rows.
func (p *Program[T]) LinearBackward(x, w, dy, dx, dw, db layers.Tensor) {
	p.record("LinearBackward", func() (func(layers.StepState) error, error) {
		ops := operands[T]{backend: p.backend}
		xt := ops.tensor("x", x)
		wt := ops.tensor("w", w)
		dyt := ops.tensor("dy", dy)
		var dxt *Tensor[T]
		if dx != nil {
			dxt = ops.tensor("dx", dx)
		}
		dwt := ops.tensor("dw", dw)
		dbt := ops.tensor("db", db)
		if ops.err != nil {
			return nil, ops.err
		}

		g, err := newLinearGeometry(xt.shape, wt.shape)
		if err != nil {
			return nil, err
		}
		derivedFrom := fmt.Sprintf("for x %v and w %v", xt.shape, wt.shape)
		ops.shape("dy", dyt, layers.Shape{g.n, g.out}, derivedFrom)
		ops.shape("dw", dwt, layers.Shape{g.out, g.in}, derivedFrom)
		ops.shape("db", dbt, layers.Shape{g.out}, derivedFrom)
		inputs := []struct {
			name string
			t    *Tensor[T]
		}{{"x", xt}, {"w", wt}, {"dy", dyt}}
		for _, in := range inputs {
			if dxt != nil {
				ops.distinct("dx", dxt, in.name, in.t)
			}
			ops.distinct("dw", dwt, in.name, in.t)
			ops.distinct("db", dbt, in.name, in.t)
		}
		ops.distinct("db", dbt, "dw", dwt)
		if dxt != nil {
			ops.shape("dx", dxt, layers.Shape{g.n, g.in}, derivedFrom)
			ops.distinct("dw", dwt, "dx", dxt)
			ops.distinct("db", dbt, "dx", dxt)
		}
		if ops.err != nil {
			return nil, ops.err
		}

		xd, wd, dyd, dwd, dbd := xt.Data(), wt.Data(), dyt.Data(), dwt.Data(), dbt.Data()
		var dxd []T
		if dxt != nil {
			dxd = dxt.Data()
		}
		var dataGrad func()
		if dxd != nil {
			product := gemmShape{m: g.n, n: g.in, k: g.out, lda: g.out, ldb: g.in, ldc: g.in}
			dataGrad = newParallelGemm(product, dyd, wd, 0, dxd)
		}
		dyT := make([]T, g.out*g.n)
		xT := make([]T, g.in*g.n)
		product := gemmShape{transB: true, m: g.out, n: g.in, k: g.n, lda: g.n, ldb: g.n, ldc: g.in}
		filterGrad := newParallelGemm(product, dyT, xT, 0, dwd)
		return func(layers.StepState) error {
			if dataGrad != nil {
				dataGrad()
			}

			transpose(dyT, dyd, g.n, g.out)
			transpose(xT, xd, g.n, g.in)
			filterGrad()

			clear(dbd)
			for n := range g.n {
				addTo(dbd, dyd[n*g.out:(n+1)*g.out])
			}
			return nil
		}, nil
	})
}
