package vulkan

import "github.com/vkcnn/vkcnn/layers"

// poolPush checks x [N,C,H,W] and y [N,C,OH,OW] against pp and packs the
// push constants shared by maxpool and maxpool_backward.
func (p *Program) poolPush(op string, x, y layers.Shape, pp layers.PoolParams) ([]byte, bool) {
	if len(x) != 4 || pp.Kernel < 1 || pp.Stride < 1 || x[2] < pp.Kernel || x[3] < pp.Kernel {
		p.fail(op, shapeErr("invalid pooling of %v with kernel %d stride %d", x, pp.Kernel, pp.Stride))
		return nil, false
	}
	oh, ow := layers.PoolOutput(x[2], pp), layers.PoolOutput(x[3], pp)
	if want := (layers.Shape{x[0], x[1], oh, ow}); !y.Equal(want) {
		p.fail(op, shapeErr("output %v, want %v for input %v", y, want, x))
		return nil, false
	}
	return push(x[0]*x[1], x[2], x[3], oh, ow, pp.Kernel, pp.Stride), true
}

// MaxPool2D records y = the maximum of each window of x.
func (p *Program) MaxPool2D(x, y layers.Tensor, pp layers.PoolParams) {
	ts, ok := p.tensors("MaxPool2D", x, y)
	if !ok {
		return
	}
	pc, ok := p.poolPush("MaxPool2D", ts[0].shape, ts[1].shape, pp)
	if !ok {
		return
	}
	ys := ts[1].shape
	p.rows("MaxPool2D", "maxpool", imageGroupSize, 1, 1, ys[0]*ys[1], pc, ts[0].buf, ts[1].buf)
}

// MaxPool2DBackward records dx, routing each window's gradient to its
// first maximal element.
func (p *Program) MaxPool2DBackward(x, y, dy, dx layers.Tensor, pp layers.PoolParams) {
	const op = "MaxPool2DBackward"
	ts, ok := p.tensors(op, x, y, dy, dx)
	if !ok {
		return
	}
	if pp.Stride < pp.Kernel {
		p.fail(op, shapeErr("overlapping windows (kernel %d, stride %d) are not supported", pp.Kernel, pp.Stride))
		return
	}
	pc, ok := p.poolPush(op, ts[0].shape, ts[1].shape, pp)
	if !ok {
		return
	}
	if !ts[2].shape.Equal(ts[1].shape) || !ts[3].shape.Equal(ts[0].shape) {
		p.fail(op, shapeErr("dy %v and dx %v must match y %v and x %v", ts[2].shape, ts[3].shape, ts[1].shape, ts[0].shape))
		return
	}
	xs := ts[0].shape
	p.rows(op, "maxpool_backward", imageGroupSize, 1, 1, xs[0]*xs[1], pc, ts[0].buf, ts[1].buf, ts[2].buf, ts[3].buf)
}
