package cpu

import (
	"fmt"
	"math"

	"github.com/vkcnn/vkcnn/layers"
)

// dropoutScale checks p and returns the factor 1/(1−P) that kept elements
// are multiplied by, rounded to T as PyTorch rounds it to the tensor's type.
func dropoutScale[T Float](p layers.DropoutParams, n int) (T, error) {
	if !(p.P >= 0 && p.P < 1) {
		return 0, fmt.Errorf("invalid drop probability P = %v: it must be in [0, 1)", p.P)
	}
	if uint64(n) > math.MaxUint32+1 {
		return 0, fmt.Errorf("%d elements: the dropout hash indexes at most 2^32", n)
	}
	return 1 / (1 - T(p.P)), nil
}

// Dropout records inverted dropout: y[i] = x[i]/(1−P) where
// layers.DropoutKeep(Seed, Layer, Step, i, P) holds, else 0, with Step
// taken from the StepState of each Run and i the flat NCHW index. y may be
// x.
func (p *Program[T]) Dropout(x, y layers.Tensor, dp layers.DropoutParams) {
	p.record("Dropout", func() (func(layers.StepState) error, error) {
		ops := operands[T]{backend: p.backend}
		xt := ops.tensor("x", x)
		yt := ops.tensor("y", y)
		ops.sameShape("y", yt, "x", xt)
		if ops.err != nil {
			return nil, ops.err
		}
		return newDropoutRun(xt.Data(), yt.Data(), dp)
	})
}

// DropoutBackward records dx[i] = dy[i]/(1−P) where the mask of the
// forward pass with the same parameters and Step keeps element i, else 0.
// dx may be dy.
func (p *Program[T]) DropoutBackward(dy, dx layers.Tensor, dp layers.DropoutParams) {
	p.record("DropoutBackward", func() (func(layers.StepState) error, error) {
		ops := operands[T]{backend: p.backend}
		dyt := ops.tensor("dy", dy)
		dxt := ops.tensor("dx", dx)
		ops.sameShape("dx", dxt, "dy", dyt)
		if ops.err != nil {
			return nil, ops.err
		}
		return newDropoutRun(dyt.Data(), dxt.Data(), dp)
	})
}

// newDropoutRun returns the closure shared by Dropout and DropoutBackward,
// which apply the same mask and scale: dst[i] = src[i]·scale or 0.
func newDropoutRun[T Float](src, dst []T, dp layers.DropoutParams) (func(layers.StepState) error, error) {
	scale, err := dropoutScale[T](dp, len(src))
	if err != nil {
		return nil, err
	}

	var step uint32 // set by the returned closure before each run
	run := newElementwiseJob(len(src), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if layers.DropoutKeep(dp.Seed, dp.Layer, step, uint32(i), dp.P) {
				dst[i] = src[i] * scale
			} else {
				dst[i] = 0
			}
		}
	})
	return func(s layers.StepState) error {
		step = s.Step
		run()
		return nil
	}, nil
}
