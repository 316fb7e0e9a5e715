package layers

import "fmt"

// Linear is a fully connected layer with bias: y = x wᵀ + b.
type Linear struct {
	In, Out int

	b      Backend
	weight *Param
	bias   *Param
	y, dx  Tensor
	x      Tensor
}

// NewLinear returns a fully connected layer.
func NewLinear(in, out int) *Linear { return &Linear{In: in, Out: out} }

// Kind returns "Linear".
func (l *Linear) Kind() string { return "Linear" }

// Setup allocates the weight [Out, In], bias, output and input gradient.
func (l *Linear) Setup(b Backend, index int, in Shape) (Shape, error) {
	if len(in) != 2 || in[1] != l.In {
		return nil, fmt.Errorf("layers: module %d Linear(%d→%d) got input %v, want [N %d]", index, l.In, l.Out, in, l.In)
	}
	var err error
	if l.weight, err = newParam(b, fmt.Sprintf("%d.weight", index), Shape{l.Out, l.In}, l.In); err != nil {
		return nil, err
	}
	if l.bias, err = newParam(b, fmt.Sprintf("%d.bias", index), Shape{l.Out}, l.In); err != nil {
		return nil, err
	}
	out := Shape{in[0], l.Out}
	if l.y, err = b.NewTensor(out); err != nil {
		return nil, err
	}
	if l.dx, err = b.NewTensor(in); err != nil {
		return nil, err
	}
	l.b = b
	return out, nil
}

// Forward records y = x wᵀ + b.
func (l *Linear) Forward(p Program, x Tensor, _ bool) (Tensor, error) {
	y, err := batchView(l.b, l.y, x.Shape()[0])
	if err != nil {
		return nil, err
	}
	l.x = x
	p.Linear(x, l.weight.Value, l.bias.Value, y)
	return y, nil
}

// Backward records dL/dw, dL/db and, when needed, dL/dx.
func (l *Linear) Backward(p Program, dy Tensor, needInput bool) (Tensor, error) {
	var dx Tensor
	if needInput {
		var err error
		if dx, err = batchView(l.b, l.dx, dy.Shape()[0]); err != nil {
			return nil, err
		}
	}
	p.LinearBackward(l.x, l.weight.Value, dy, dx, l.weight.Grad, l.bias.Grad)
	return dx, nil
}

// Params returns the weight and bias.
func (l *Linear) Params() []*Param { return []*Param{l.weight, l.bias} }
