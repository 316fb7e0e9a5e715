package vulkan

import "github.com/vkcnn/vkcnn/layers"

func (p *Program) sameLen(op string, ts ...*Tensor) bool {
	for _, t := range ts[1:] {
		if t.shape.Len() != ts[0].shape.Len() {
			p.fail(op, shapeErr("tensors %v and %v differ in size", ts[0].shape, t.shape))
			return false
		}
	}
	return true
}

// ReLU records y = max(x, 0).
func (p *Program) ReLU(x, y layers.Tensor) {
	ts, ok := p.tensors("ReLU", x, y)
	if !ok || !p.sameLen("ReLU", ts...) {
		return
	}
	n := ts[0].shape.Len()
	p.grid("ReLU", "relu", n, push(n), ts[0].buf, ts[1].buf)
}

// ReLUBackward records dx = dy where y > 0, else 0.
func (p *Program) ReLUBackward(y, dy, dx layers.Tensor) {
	ts, ok := p.tensors("ReLUBackward", y, dy, dx)
	if !ok || !p.sameLen("ReLUBackward", ts...) {
		return
	}
	n := ts[0].shape.Len()
	p.grid("ReLUBackward", "relu_backward", n, push(n), ts[0].buf, ts[1].buf, ts[2].buf)
}

// Dropout records y = x/(1-P) where layers.DropoutKeep holds, else 0.
func (p *Program) Dropout(x, y layers.Tensor, dp layers.DropoutParams) {
	p.dropout("Dropout", x, y, dp)
}

// DropoutBackward records dx = dy/(1-P) under the same mask as Dropout.
func (p *Program) DropoutBackward(dy, dx layers.Tensor, dp layers.DropoutParams) {
	p.dropout("DropoutBackward", dy, dx, dp)
}

func (p *Program) dropout(op string, x, y layers.Tensor, dp layers.DropoutParams) {
	ts, ok := p.tensors(op, x, y)
	if !ok || !p.sameLen(op, ts...) {
		return
	}
	if dp.P < 0 || dp.P >= 1 {
		p.fail(op, shapeErr("invalid drop probability %v: want 0 <= P < 1", dp.P))
		return
	}
	n := ts[0].shape.Len()
	p.grid(op, "dropout", n, push(n, dp.Seed, dp.Layer, dp.P), ts[0].buf, ts[1].buf, p.b.state)
}

// SGD records v = m*v + (g + wd*w), w = w - lr*v.
func (p *Program) SGD(w, g, v layers.Tensor, sp layers.SGDParams) {
	ts, ok := p.tensors("SGD", w, g, v)
	if !ok || !p.sameLen("SGD", ts...) {
		return
	}
	n := ts[0].shape.Len()
	p.grid("SGD", "sgd", n, push(n, sp.Momentum, sp.WeightDecay), ts[0].buf, ts[1].buf, ts[2].buf, p.b.state)
}

// SoftmaxCrossEntropy records the per-row loss, correctness and gradient,
// then sums the rows into stats.
func (p *Program) SoftmaxCrossEntropy(logits, labels, dlogits, stats layers.Tensor) {
	const op = "SoftmaxCrossEntropy"
	ts, ok := p.tensors(op, logits, labels, dlogits, stats)
	if !ok {
		return
	}
	ls := ts[0].shape
	if len(ls) != 2 || ts[1].shape.Len() != ls[0] || !ts[2].shape.Equal(ls) || ts[3].shape.Len() != 2 {
		p.fail(op, shapeErr("logits %v, labels %v, dlogits %v, stats %v: want [N K], [N], [N K], [2]",
			ls, ts[1].shape, ts[2].shape, ts[3].shape))
		return
	}
	n, k := ls[0], ls[1]
	rows, err := p.b.scratchBuffer("row-stats", 2*n)
	if err != nil {
		p.fail(op, err)
		return
	}
	p.dispatch(op, "softmax_xent", []uint32{64}, (n+63)/64, 1, 1, push(n, k), ts[0].buf, ts[1].buf, ts[2].buf, rows)
	p.channelSum(op, rows, ts[3].buf, n, 2, 1, 2)
}
