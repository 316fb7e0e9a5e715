package layers

import "fmt"

// Conv2d is a 2-D convolution with bias, NCHW.
type Conv2d struct {
	In, Out             int
	Kernel, Stride, Pad int

	b      Backend
	weight *Param
	bias   *Param
	y, dx  Tensor // sized for the largest batch
	x      Tensor // input of the last Forward
}

// NewConv2d returns a convolution with stride 1, as every model here uses.
func NewConv2d(in, out, kernel, pad int) *Conv2d {
	return &Conv2d{In: in, Out: out, Kernel: kernel, Stride: 1, Pad: pad}
}

func (c *Conv2d) params() ConvParams {
	return ConvParams{Kernel: c.Kernel, Stride: c.Stride, Pad: c.Pad}
}

// Kind returns "Conv2d".
func (c *Conv2d) Kind() string { return "Conv2d" }

// Setup allocates the weight [Out, In, K, K], bias, output and input gradient.
func (c *Conv2d) Setup(b Backend, index int, in Shape) (Shape, error) {
	if len(in) != 4 || in[1] != c.In {
		return nil, fmt.Errorf("layers: module %d Conv2d(%d→%d) got input %v, want [N %d H W]", index, c.In, c.Out, in, c.In)
	}
	oh, ow := ConvOutput(in[2], c.params()), ConvOutput(in[3], c.params())
	if oh < 1 || ow < 1 {
		return nil, fmt.Errorf("layers: module %d Conv2d: input %v too small for kernel %d", index, in, c.Kernel)
	}
	out := Shape{in[0], c.Out, oh, ow}
	fanIn := c.In * c.Kernel * c.Kernel
	var err error
	if c.weight, err = newParam(b, fmt.Sprintf("%d.weight", index), Shape{c.Out, c.In, c.Kernel, c.Kernel}, fanIn); err != nil {
		return nil, err
	}
	if c.bias, err = newParam(b, fmt.Sprintf("%d.bias", index), Shape{c.Out}, fanIn); err != nil {
		return nil, err
	}
	if c.y, err = b.NewTensor(out); err != nil {
		return nil, err
	}
	if c.dx, err = b.NewTensor(in); err != nil {
		return nil, err
	}
	c.b = b
	return out, nil
}

// Forward records y = conv(x, w) + b.
func (c *Conv2d) Forward(p Program, x Tensor, _ bool) (Tensor, error) {
	y, err := batchView(c.b, c.y, x.Shape()[0])
	if err != nil {
		return nil, err
	}
	c.x = x
	p.Conv2D(x, c.weight.Value, c.bias.Value, y, c.params())
	return y, nil
}

// Backward records dL/dw, dL/db and, when needed, dL/dx.
func (c *Conv2d) Backward(p Program, dy Tensor, needInput bool) (Tensor, error) {
	p.Conv2DBackwardFilter(c.x, dy, c.weight.Grad, c.bias.Grad, c.params())
	if !needInput {
		return nil, nil
	}
	dx, err := batchView(c.b, c.dx, dy.Shape()[0])
	if err != nil {
		return nil, err
	}
	p.Conv2DBackwardData(dy, c.weight.Value, dx, c.params())
	return dx, nil
}

// Params returns the weight and bias.
func (c *Conv2d) Params() []*Param { return []*Param{c.weight, c.bias} }
