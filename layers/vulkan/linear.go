package vulkan

import (
	"github.com/vkcnn/vkcnn/gpu/kernels"
	"github.com/vkcnn/vkcnn/layers"
)

// linearShapes checks x [N,In] (any shape of N*In elements with N first),
// w [Out,In] and returns N, In and Out.
func (p *Program) linearShapes(op string, x, w layers.Shape) (n, in, out int, ok bool) {
	if len(w) != 2 || len(x) < 1 {
		p.fail(op, shapeErr("want w [Out, In] and x [N, ...], got w %v, x %v", w, x))
		return 0, 0, 0, false
	}
	n, out, in = x[0], w[0], w[1]
	if x.Len() != n*in {
		p.fail(op, shapeErr("x %v does not hold %d features per sample for w %v", x, in, w))
		return 0, 0, 0, false
	}
	return n, in, out, true
}

// Linear records y = b broadcast over rows, then y += x · wᵀ.
func (p *Program) Linear(x, w, b, y layers.Tensor) {
	const op = "Linear"
	ts, ok := p.tensors(op, x, w, b, y)
	if !ok {
		return
	}
	n, in, out, ok := p.linearShapes(op, ts[0].shape, ts[1].shape)
	if !ok {
		return
	}
	if ts[2].shape.Len() != out || !ts[3].shape.Equal(layers.Shape{n, out}) {
		p.fail(op, shapeErr("bias %v and y %v, want %d and [%d %d]", ts[2].shape, ts[3].shape, out, n, out))
		return
	}
	p.grid(op, "broadcast_rows", n*out, push(n, out), ts[2].buf, ts[3].buf)
	p.gemm(op, kernels.Gemm{
		TransB: true, M: n, N: out, K: in, Alpha: 1, Beta: 1,
		A: ts[0].buf, B: ts[1].buf, C: ts[3].buf,
	})
}

// LinearBackward records dx = dy · w, dw = dyᵀ · x and db = column sums of dy.
func (p *Program) LinearBackward(x, w, dy, dx, dw, db layers.Tensor) {
	const op = "LinearBackward"
	ts, ok := p.tensors(op, x, w, dy, dw, db)
	if !ok {
		return
	}
	n, in, out, ok := p.linearShapes(op, ts[0].shape, ts[1].shape)
	if !ok {
		return
	}
	if !ts[2].shape.Equal(layers.Shape{n, out}) || !ts[3].shape.Equal(ts[1].shape) || ts[4].shape.Len() != out {
		p.fail(op, shapeErr("dy %v, dw %v, db %v do not match x %v and w %v", ts[2].shape, ts[3].shape, ts[4].shape, ts[0].shape, ts[1].shape))
		return
	}

	if dx != nil {
		dxs, ok := p.tensors(op, dx)
		if !ok {
			return
		}
		if dxs[0].shape.Len() != n*in {
			p.fail(op, shapeErr("dx %v, want %d elements like x %v", dxs[0].shape, n*in, ts[0].shape))
			return
		}
		p.gemm(op+"/data", kernels.Gemm{M: n, N: in, K: out, Alpha: 1, A: ts[2].buf, B: ts[1].buf, C: dxs[0].buf})
	}
	// The labels split the call into its data and filter gradients, so a
	// profile can time each on its own.
	p.gemm(op+"/filter", kernels.Gemm{TransA: true, M: out, N: in, K: n, Alpha: 1, A: ts[2].buf, B: ts[0].buf, C: ts[3].buf})
	p.channelSum(op+"/filter", ts[2].buf, ts[4].buf, n, out, 1, out)
}
