package cpu

import "github.com/vkcnn/vkcnn/layers"

// SGD records one step of PyTorch's SGD (dampening 0, no Nesterov) on the
// weights w with gradient g and momentum buffer v:
//
//	d = g + WeightDecay·w
//	v = Momentum·v + d
//	w = w − LR·v
//
// with LR taken from the StepState of each Run. PyTorch starts its buffer
// at d on the first step, which this matches when v starts at zero.
func (p *Program[T]) SGD(w, g, v layers.Tensor, sp layers.SGDParams) {
	p.record("SGD", func() (func(layers.StepState) error, error) {
		ops := operands[T]{backend: p.backend}
		wt := ops.tensor("w", w)
		gt := ops.tensor("g", g)
		vt := ops.tensor("v", v)
		ops.sameShape("g", gt, "w", wt)
		ops.sameShape("v", vt, "w", wt)
		ops.distinct("w", wt, "g", gt)
		ops.distinct("v", vt, "g", gt)
		ops.distinct("v", vt, "w", wt)
		if ops.err != nil {
			return nil, ops.err
		}

		wd, gd, vd := wt.Data(), gt.Data(), vt.Data()
		momentum, decay := T(sp.Momentum), T(sp.WeightDecay)
		var lr T // set by the returned closure before each run
		run := newElementwiseJob(len(wd), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				d := gd[i] + decay*wd[i]
				vd[i] = momentum*vd[i] + d
				wd[i] -= lr * vd[i]
			}
		})
		return func(s layers.StepState) error {
			lr = T(s.LR)
			run()
			return nil
		}, nil
	})
}
