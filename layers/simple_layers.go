package layers

import "fmt"

// ReLU is max(x, 0), computed into its own output tensor.
type ReLU struct {
	b     Backend
	y, dx Tensor
	last  Tensor // output of the last Forward
}

// Kind returns "ReLU".
func (r *ReLU) Kind() string { return "ReLU" }

// Setup allocates the output and input gradient.
func (r *ReLU) Setup(b Backend, _ int, in Shape) (Shape, error) {
	ts, err := newTensors(b, in, 2)
	if err != nil {
		return nil, err
	}
	r.b, r.y, r.dx = b, ts[0], ts[1]
	return in, nil
}

// Forward records y = max(x, 0).
func (r *ReLU) Forward(p Program, x Tensor, _ bool) (Tensor, error) {
	y, err := r.b.View(r.y, x.Shape())
	if err != nil {
		return nil, err
	}
	p.ReLU(x, y)
	r.last = y
	return y, nil
}

// Backward records dx = dy where y > 0.
func (r *ReLU) Backward(p Program, dy Tensor, needInput bool) (Tensor, error) {
	if !needInput {
		return nil, nil
	}
	dx, err := r.b.View(r.dx, dy.Shape())
	if err != nil {
		return nil, err
	}
	p.ReLUBackward(r.last, dy, dx)
	return dx, nil
}

// Params returns nil.
func (r *ReLU) Params() []*Param { return nil }

// MaxPool2d is max pooling with a square window.
type MaxPool2d struct {
	Kernel, Stride int

	b     Backend
	y, dx Tensor
	x, ly Tensor // input and output of the last Forward
}

// NewMaxPool2d returns k x k pooling with stride k.
func NewMaxPool2d(k int) *MaxPool2d { return &MaxPool2d{Kernel: k, Stride: k} }

// Kind returns "MaxPool2d".
func (m *MaxPool2d) Kind() string { return "MaxPool2d" }

func (m *MaxPool2d) params() PoolParams { return PoolParams{Kernel: m.Kernel, Stride: m.Stride} }

// Setup allocates the output and input gradient.
func (m *MaxPool2d) Setup(b Backend, index int, in Shape) (Shape, error) {
	if len(in) != 4 || in[2] < m.Kernel || in[3] < m.Kernel {
		return nil, fmt.Errorf("layers: module %d MaxPool2d(%d) got input %v", index, m.Kernel, in)
	}
	out := Shape{in[0], in[1], PoolOutput(in[2], m.params()), PoolOutput(in[3], m.params())}
	var err error
	if m.y, err = b.NewTensor(out); err != nil {
		return nil, err
	}
	if m.dx, err = b.NewTensor(in); err != nil {
		return nil, err
	}
	m.b = b
	return out, nil
}

// Forward records the pooling.
func (m *MaxPool2d) Forward(p Program, x Tensor, _ bool) (Tensor, error) {
	y, err := batchView(m.b, m.y, x.Shape()[0])
	if err != nil {
		return nil, err
	}
	p.MaxPool2D(x, y, m.params())
	m.x, m.ly = x, y
	return y, nil
}

// Backward records dx, routing each window's gradient to its maximum.
func (m *MaxPool2d) Backward(p Program, dy Tensor, needInput bool) (Tensor, error) {
	if !needInput {
		return nil, nil
	}
	dx, err := batchView(m.b, m.dx, dy.Shape()[0])
	if err != nil {
		return nil, err
	}
	p.MaxPool2DBackward(m.x, m.ly, dy, dx, m.params())
	return dx, nil
}

// Params returns nil.
func (m *MaxPool2d) Params() []*Param { return nil }

// Dropout is inverted dropout, the identity in evaluation.
type Dropout struct {
	P    float32
	Seed uint32

	b     Backend
	index int
	y, dx Tensor
	train bool
}

// NewDropout returns dropout with drop probability p.
func NewDropout(p float32) *Dropout { return &Dropout{P: p} }

// Kind returns "Dropout".
func (d *Dropout) Kind() string { return "Dropout" }

func (d *Dropout) params() DropoutParams {
	return DropoutParams{P: d.P, Layer: uint32(d.index), Seed: d.Seed}
}

// Setup allocates the output and input gradient. The module index is the
// layer input of the mask hash.
func (d *Dropout) Setup(b Backend, index int, in Shape) (Shape, error) {
	ts, err := newTensors(b, in, 2)
	if err != nil {
		return nil, err
	}
	d.b, d.index, d.y, d.dx = b, index, ts[0], ts[1]
	return in, nil
}

// Forward records the masked, rescaled copy in training and passes x
// through in evaluation.
func (d *Dropout) Forward(p Program, x Tensor, train bool) (Tensor, error) {
	d.train = train
	if !train || d.P == 0 {
		return x, nil
	}
	y, err := d.b.View(d.y, x.Shape())
	if err != nil {
		return nil, err
	}
	p.Dropout(x, y, d.params())
	return y, nil
}

// Backward records dx = dy under the same mask.
func (d *Dropout) Backward(p Program, dy Tensor, needInput bool) (Tensor, error) {
	if !needInput {
		return nil, nil
	}
	if !d.train || d.P == 0 {
		return dy, nil
	}
	dx, err := d.b.View(d.dx, dy.Shape())
	if err != nil {
		return nil, err
	}
	p.DropoutBackward(dy, dx, d.params())
	return dx, nil
}

// Params returns nil.
func (d *Dropout) Params() []*Param { return nil }

// Flatten reshapes [N, C, H, W] to [N, C*H*W] without copying.
type Flatten struct {
	b  Backend
	in Shape // shape of the last Forward input
}

// Kind returns "Flatten".
func (f *Flatten) Kind() string { return "Flatten" }

// Setup returns [N, C*H*W].
func (f *Flatten) Setup(b Backend, _ int, in Shape) (Shape, error) {
	f.b = b
	return Shape{in[0], in.Len() / in[0]}, nil
}

// Forward returns a view of x.
func (f *Flatten) Forward(_ Program, x Tensor, _ bool) (Tensor, error) {
	s := x.Shape()
	f.in = s
	return f.b.View(x, Shape{s[0], s.Len() / s[0]})
}

// Backward returns a view of dy in the input's shape.
func (f *Flatten) Backward(_ Program, dy Tensor, needInput bool) (Tensor, error) {
	if !needInput {
		return nil, nil
	}
	return f.b.View(dy, f.in)
}

// Params returns nil.
func (f *Flatten) Params() []*Param { return nil }
