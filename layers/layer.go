package layers

import "fmt"

// Param is a learnable tensor with its gradient and momentum buffer. Name
// follows PyTorch's state_dict naming for a flat nn.Sequential, such as
// "0.weight" for the first module's weight.
type Param struct {
	Name     string
	Shape    Shape
	FanIn    int // PyTorch's default initialization draws from ±1/sqrt(FanIn)
	Value    Tensor
	Grad     Tensor
	Momentum Tensor
}

// Layer is one module of a sequential network. Setup allocates its
// tensors for the largest batch; Forward and Backward record operations
// for the batch size of the tensor they are given, so one layer serves
// programs of several batch sizes (a short last batch).
type Layer interface {
	// Kind is the PyTorch module name, such as "Conv2d" or "ReLU".
	Kind() string

	// Setup allocates outputs, gradients and parameters for inputs of
	// shape in (in[0] is the largest batch) and returns the output shape.
	Setup(b Backend, index int, in Shape) (Shape, error)

	// Forward records the layer on x and returns its output.
	Forward(p Program, x Tensor, train bool) (Tensor, error)

	// Backward records the gradient of the layer's last Forward input
	// from dy = dL/dy. It returns dL/dx, or nil when needInput is false;
	// parameter gradients land in Params()[i].Grad either way.
	Backward(p Program, dy Tensor, needInput bool) (Tensor, error)

	// Params returns the learnable parameters, in state_dict order.
	Params() []*Param
}

// batchView returns t viewed with batch size n in its first dimension.
func batchView(b Backend, t Tensor, n int) (Tensor, error) {
	s := append(Shape(nil), t.Shape()...)
	if n > s[0] {
		return nil, fmt.Errorf("layers: batch %d larger than the %d the layer was set up for", n, s[0])
	}
	s[0] = n
	return b.View(t, s)
}

// newTensors allocates tensors of one shape.
func newTensors(b Backend, s Shape, count int) ([]Tensor, error) {
	out := make([]Tensor, count)
	for i := range out {
		t, err := b.NewTensor(s)
		if err != nil {
			return nil, err
		}
		out[i] = t
	}
	return out, nil
}

func newParam(b Backend, name string, s Shape, fanIn int) (*Param, error) {
	ts, err := newTensors(b, s, 3)
	if err != nil {
		return nil, fmt.Errorf("parameter %s: %w", name, err)
	}
	return &Param{Name: name, Shape: s, FanIn: fanIn, Value: ts[0], Grad: ts[1], Momentum: ts[2]}, nil
}
