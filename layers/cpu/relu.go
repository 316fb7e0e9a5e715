package cpu

import "github.com/vkcnn/vkcnn/layers"

// ReLU records y = max(x, 0). y may be x. A NaN in x stays NaN in y, as in
// PyTorch.
func (p *Program[T]) ReLU(x, y layers.Tensor) {
	p.record("ReLU", func() (func(layers.StepState) error, error) {
		ops := operands[T]{backend: p.backend}
		xt := ops.tensor("x", x)
		yt := ops.tensor("y", y)
		ops.sameShape("y", yt, "x", xt)
		if ops.err != nil {
			return nil, ops.err
		}

		xd, yd := xt.Data(), yt.Data()
		run := newElementwiseJob(len(xd), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				v := xd[i]
				if v <= 0 {
					v = 0
				}
				yd[i] = v
			}
		})
		return func(layers.StepState) error {
			run()
			return nil
		}, nil
	})
}

// ReLUBackward records dx = dy where y > 0, else 0, from the forward
// output y. dx may be dy.
func (p *Program[T]) ReLUBackward(y, dy, dx layers.Tensor) {
	p.record("ReLUBackward", func() (func(layers.StepState) error, error) {
		ops := operands[T]{backend: p.backend}
		yt := ops.tensor("y", y)
		dyt := ops.tensor("dy", dy)
		dxt := ops.tensor("dx", dx)
		ops.sameShape("dy", dyt, "y", yt)
		ops.sameShape("dx", dxt, "y", yt)
		ops.distinct("dx", dxt, "y", yt)
		if ops.err != nil {
			return nil, ops.err
		}

		yd, dyd, dxd := yt.Data(), dyt.Data(), dxt.Data()
		run := newElementwiseJob(len(yd), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				if yd[i] > 0 {
					dxd[i] = dyd[i]
				} else {
					dxd[i] = 0
				}
			}
		})
		return func(layers.StepState) error {
			run()
			return nil
		}, nil
	})
}
