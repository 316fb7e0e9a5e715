package vulkan

import (
	"github.com/vkcnn/vkcnn/layers"
)

// bnGroupSize is the workgroup size of the per-channel reductions, a power
// of two as their tree reduction needs.
const bnGroupSize = 64

// bnGeometry returns N, C and S = H*W for x [N,C,H,W] or [N,C] (S = 1).
func (p *Program) bnGeometry(op string, x layers.Shape, perChannel ...*Tensor) (n, c, s int, ok bool) {
	switch len(x) {
	case 2:
		n, c, s = x[0], x[1], 1
	case 4:
		n, c, s = x[0], x[1], x[2]*x[3]
	default:
		p.fail(op, shapeErr("x %v: want [N C H W] or [N C]", x))
		return 0, 0, 0, false
	}
	for _, t := range perChannel {
		if t.shape.Len() != c {
			p.fail(op, shapeErr("per-channel tensor %v for x %v, want %d elements", t.shape, x, c))
			return 0, 0, 0, false
		}
	}
	return n, c, s, true
}

// BatchNormTrain records the batch statistics and the normalized output.
func (p *Program) BatchNormTrain(x, gamma, beta, y, runMean, runVar, saveMean, saveInvStd layers.Tensor, bp layers.BatchNormParams) {
	const op = "BatchNormTrain"
	ts, ok := p.tensors(op, x, gamma, beta, y, runMean, runVar, saveMean, saveInvStd)
	if !ok {
		return
	}
	n, c, s, ok := p.bnGeometry(op, ts[0].shape, ts[1], ts[2], ts[4], ts[5], ts[6], ts[7])
	if !ok {
		return
	}
	if !ts[3].shape.Equal(ts[0].shape) {
		p.fail(op, shapeErr("y %v, want the shape of x %v", ts[3].shape, ts[0].shape))
		return
	}
	if n*s < 2 {
		p.fail(op, shapeErr("x %v has %d value per channel: training needs more than one value per channel, so use a batch of at least 2", ts[0].shape, n*s))
		return
	}
	p.dispatch(op, "bn_stats", []uint32{bnGroupSize}, c, 1, 1, push(n, c, s, bp.Eps, bp.Momentum),
		ts[0].buf, ts[4].buf, ts[5].buf, ts[6].buf, ts[7].buf)
	p.dispatch(op, "bn_apply", []uint32{64, 0}, 1, c, n, push(n, c, s, bp.Eps),
		ts[0].buf, ts[1].buf, ts[2].buf, ts[6].buf, ts[7].buf, ts[3].buf)
}

// BatchNormEval records the output with the running statistics.
func (p *Program) BatchNormEval(x, gamma, beta, runMean, runVar, y layers.Tensor, bp layers.BatchNormParams) {
	const op = "BatchNormEval"
	ts, ok := p.tensors(op, x, gamma, beta, runMean, runVar, y)
	if !ok {
		return
	}
	n, c, s, ok := p.bnGeometry(op, ts[0].shape, ts[1], ts[2], ts[3], ts[4])
	if !ok {
		return
	}
	if !ts[5].shape.Equal(ts[0].shape) {
		p.fail(op, shapeErr("y %v, want the shape of x %v", ts[5].shape, ts[0].shape))
		return
	}
	p.dispatch(op, "bn_apply", []uint32{64, 1}, 1, c, n, push(n, c, s, bp.Eps),
		ts[0].buf, ts[1].buf, ts[2].buf, ts[3].buf, ts[4].buf, ts[5].buf)
}

// BatchNormBackward records dgamma and dbeta per channel, then dx.
func (p *Program) BatchNormBackward(x, gamma, dy, saveMean, saveInvStd, dx, dgamma, dbeta layers.Tensor, bp layers.BatchNormParams) {
	const op = "BatchNormBackward"
	ts, ok := p.tensors(op, x, gamma, dy, saveMean, saveInvStd, dx, dgamma, dbeta)
	if !ok {
		return
	}
	n, c, s, ok := p.bnGeometry(op, ts[0].shape, ts[1], ts[3], ts[4], ts[6], ts[7])
	if !ok {
		return
	}
	if !ts[2].shape.Equal(ts[0].shape) || !ts[5].shape.Equal(ts[0].shape) {
		p.fail(op, shapeErr("dy %v and dx %v, want the shape of x %v", ts[2].shape, ts[5].shape, ts[0].shape))
		return
	}
	p.dispatch(op, "bn_backward_reduce", []uint32{bnGroupSize}, c, 1, 1, push(n, c, s),
		ts[0].buf, ts[2].buf, ts[3].buf, ts[4].buf, ts[6].buf, ts[7].buf)
	p.rows(op, "bn_backward_apply", 64, 1, c, n, push(n, c, s),
		ts[0].buf, ts[2].buf, ts[1].buf, ts[3].buf, ts[4].buf, ts[6].buf, ts[7].buf, ts[5].buf)
}
