package vulkan

import (
	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/gpu/kernels"
	"github.com/vkcnn/vkcnn/layers"
)

// convGeometry is a convolution's sizes, checked against its tensors.
type convGeometry struct {
	n, c, h, w    int
	o, oh, ow     int
	k, stride, pd int
	ckk, ohw      int
	chunk         int // samples per im2col chunk
}

// convGeometry checks x [N,C,H,W], w [O,C,K,K] and y [N,O,OH,OW] against p.
func (p *Program) convGeometry(op string, x, w, y layers.Shape, cp layers.ConvParams) (convGeometry, bool) {
	if len(x) != 4 || len(w) != 4 || len(y) != 4 {
		p.fail(op, shapeErr("want 4-D x, w and y, got %v, %v, %v", x, w, y))
		return convGeometry{}, false
	}
	if cp.Kernel < 1 || cp.Stride < 1 || cp.Pad < 0 {
		p.fail(op, shapeErr("invalid kernel %d, stride %d, padding %d", cp.Kernel, cp.Stride, cp.Pad))
		return convGeometry{}, false
	}
	g := convGeometry{n: x[0], c: x[1], h: x[2], w: x[3], o: w[0], k: cp.Kernel, stride: cp.Stride, pd: cp.Pad}
	g.oh, g.ow = layers.ConvOutput(g.h, cp), layers.ConvOutput(g.w, cp)
	want := layers.Shape{g.n, g.o, g.oh, g.ow}
	if w[1] != g.c || w[2] != cp.Kernel || w[3] != cp.Kernel || !y.Equal(want) || g.oh < 1 || g.ow < 1 {
		p.fail(op, shapeErr("x %v, w %v, y %v do not fit kernel %d stride %d padding %d (y should be %v)",
			x, w, y, cp.Kernel, cp.Stride, cp.Pad, want))
		return convGeometry{}, false
	}
	g.ckk, g.ohw = g.c*g.k*g.k, g.oh*g.ow
	perSample := max(g.ckk, g.o) * g.ohw
	g.chunk = max(1, min(g.n, p.b.maxScratchFloats()/perSample))
	return g, true
}

// im2colPush packs the push constants shared by im2col and col2im.
func (g convGeometry) im2colPush(n0, nc int) []byte {
	return push(g.c, g.h, g.w, g.k, g.stride, g.pd, g.oh, g.ow, nc, n0)
}

// columnKey identifies the im2col matrix of one convolution input.
type columnKey struct {
	x                       *gpu.Buffer
	c, h, w, k, stride, pad int
}

func (g convGeometry) columnKey(x *gpu.Buffer) columnKey {
	return columnKey{x: x, c: g.c, h: g.h, w: g.w, k: g.k, stride: g.stride, pad: g.pd}
}

// keptColumns returns a buffer for the whole batch's im2col matrix of x,
// which Conv2D fills and a later Conv2DBackwardFilter of the same program
// reads instead of computing it again. It returns nil when the batch needs
// more than one chunk.
func (p *Program) keptColumns(g convGeometry, x *gpu.Buffer) (*gpu.Buffer, error) {
	if g.chunk < g.n {
		return nil, nil
	}
	key := g.columnKey(x)
	need := 4 * g.ckk * g.n * g.ohw
	if buf, ok := p.b.columns[key]; ok && buf.Size() >= need {
		return buf, nil
	}
	buf, err := p.b.dev.NewBuffer(need)
	if err != nil {
		return nil, err
	}
	p.b.columns[key] = buf
	return buf, nil
}

// Conv2D records im2col and one matrix product per chunk of samples:
// Y' [O, nc*OH*OW] = W [O, C*K*K] · col, then moves Y' into NCHW y with
// the bias added.
func (p *Program) Conv2D(x, w, b, y layers.Tensor, cp layers.ConvParams) {
	const op = "Conv2D"
	ts, ok := p.tensors(op, x, w, b, y)
	if !ok {
		return
	}
	g, ok := p.convGeometry(op, ts[0].shape, ts[1].shape, ts[3].shape, cp)
	if !ok {
		return
	}
	if ts[2].shape.Len() != g.o {
		p.fail(op, shapeErr("bias %v, want %d elements", ts[2].shape, g.o))
		return
	}
	col, err := p.keptColumns(g, ts[0].buf)
	if err != nil {
		p.fail(op, err)
		return
	}
	if col != nil {
		p.columns[g.columnKey(ts[0].buf)] = col
	} else if col, err = p.b.scratchBuffer("col", g.ckk*g.chunk*g.ohw); err != nil {
		p.fail(op, err)
		return
	}
	out, err := p.b.scratchBuffer("channel-major", g.o*g.chunk*g.ohw)
	if err != nil {
		p.fail(op, err)
		return
	}

	for n0 := 0; n0 < g.n; n0 += g.chunk {
		nc := min(g.chunk, g.n-n0)
		p.rows(op, "im2col", imageGroupSize, 1, nc, g.ckk, g.im2colPush(n0, nc), ts[0].buf, col)
		p.gemm(op, kernels.Gemm{
			M: g.o, N: nc * g.ohw, K: g.ckk, Alpha: 1,
			A: ts[1].buf, B: col, C: out,
		})
		p.rows(op, "cnhw_to_nchw", 64, 1, g.o, nc, push(g.o, g.ohw, nc, n0), out, ts[2].buf, ts[3].buf)
	}
}

// Conv2DBackwardData records, per chunk, dY' = dy in channel-major order,
// dcol = Wᵀ · dY' and the col2im gather into dx.
func (p *Program) Conv2DBackwardData(dy, w, dx layers.Tensor, cp layers.ConvParams) {
	const op = "Conv2DBackwardData"
	ts, ok := p.tensors(op, dy, w, dx)
	if !ok {
		return
	}
	g, ok := p.convGeometry(op, ts[2].shape, ts[1].shape, ts[0].shape, cp)
	if !ok {
		return
	}
	dyp, err := p.b.scratchBuffer("channel-major", g.o*g.chunk*g.ohw)
	if err != nil {
		p.fail(op, err)
		return
	}
	dcol, err := p.b.scratchBuffer("col", g.ckk*g.chunk*g.ohw)
	if err != nil {
		p.fail(op, err)
		return
	}

	for n0 := 0; n0 < g.n; n0 += g.chunk {
		nc := min(g.chunk, g.n-n0)
		p.rows(op, "nchw_to_cnhw", 64, 1, g.o, nc, push(g.o, g.ohw, nc, n0), ts[0].buf, dyp)
		p.gemm(op, kernels.Gemm{
			TransA: true, M: g.ckk, N: nc * g.ohw, K: g.o, Alpha: 1,
			A: ts[1].buf, B: dyp, C: dcol,
		})
		p.rows(op, "col2im", imageGroupSize, 1, nc, g.c, g.im2colPush(n0, nc), dcol, ts[2].buf)
	}
}

// Conv2DBackwardFilter records dw = Σ over chunks of dY' · colᵀ, each
// chunk accumulating into dw after the first, and db as the sum of dy over
// N, OH and OW. When a Conv2D of this program already wrote x's im2col
// matrix for the whole batch, it reuses it.
func (p *Program) Conv2DBackwardFilter(x, dy, dw, db layers.Tensor, cp layers.ConvParams) {
	const op = "Conv2DBackwardFilter"
	ts, ok := p.tensors(op, x, dy, dw, db)
	if !ok {
		return
	}
	g, ok := p.convGeometry(op, ts[0].shape, ts[2].shape, ts[1].shape, cp)
	if !ok {
		return
	}
	if ts[3].shape.Len() != g.o {
		p.fail(op, shapeErr("bias gradient %v, want %d elements", ts[3].shape, g.o))
		return
	}
	col, kept := p.columns[g.columnKey(ts[0].buf)]
	if !kept {
		var err error
		if col, err = p.b.scratchBuffer("col", g.ckk*g.chunk*g.ohw); err != nil {
			p.fail(op, err)
			return
		}
	}
	dyp, err := p.b.scratchBuffer("channel-major", g.o*g.chunk*g.ohw)
	if err != nil {
		p.fail(op, err)
		return
	}

	for n0 := 0; n0 < g.n; n0 += g.chunk {
		nc := min(g.chunk, g.n-n0)
		if !kept {
			p.rows(op, "im2col", imageGroupSize, 1, nc, g.ckk, g.im2colPush(n0, nc), ts[0].buf, col)
		}
		p.rows(op, "nchw_to_cnhw", 64, 1, g.o, nc, push(g.o, g.ohw, nc, n0), ts[1].buf, dyp)
		beta := float32(1)
		if n0 == 0 {
			beta = 0
		}
		p.gemm(op, kernels.Gemm{
			TransB: true, M: g.o, N: g.ckk, K: nc * g.ohw, Alpha: 1, Beta: beta,
			A: dyp, B: col, C: ts[2].buf,
		})
	}
	p.channelSum(op, ts[1].buf, ts[3].buf, g.n, g.o, g.ohw, g.o*g.ohw)
}
