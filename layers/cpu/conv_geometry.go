package cpu

import (
	"fmt"

	"github.com/vkcnn/vkcnn/layers"
)

// convGeometry is a convolution's sizes: x is [N,C,H,W], w is [O,C,K,K]
// and y is [N,O,OH,OW].
type convGeometry struct {
	n, c, h, w int
	o, oh, ow  int
	k, s, pad  int
}

// colRows returns C·K·K, the number of rows of an image's im2col matrix
// and the length of each dot product of the convolution.
func (g convGeometry) colRows() int { return g.c * g.k * g.k }

// colCols returns OH·OW, the number of output pixels per image and channel.
func (g convGeometry) colCols() int { return g.oh * g.ow }

func (g convGeometry) xShape() layers.Shape { return layers.Shape{g.n, g.c, g.h, g.w} }
func (g convGeometry) wShape() layers.Shape { return layers.Shape{g.o, g.c, g.k, g.k} }
func (g convGeometry) yShape() layers.Shape { return layers.Shape{g.n, g.o, g.oh, g.ow} }

// newConvGeometry derives the geometry from the shapes of the input (or
// its gradient) and of the weights (or their gradient), and checks the
// parameters. xName and wName are the operand names used in errors.
func newConvGeometry(xName string, x layers.Shape, wName string, w layers.Shape, p layers.ConvParams) (convGeometry, error) {
	if p.Kernel < 1 || p.Stride < 1 || p.Pad < 0 {
		return convGeometry{}, fmt.Errorf("invalid parameters %+v: Kernel and Stride must be at least 1 and Pad at least 0", p)
	}
	if len(x) != 4 {
		return convGeometry{}, fmt.Errorf("%s has shape %v, expected 4 dimensions [N,C,H,W]", xName, x)
	}
	if len(w) != 4 {
		return convGeometry{}, fmt.Errorf("%s has shape %v, expected 4 dimensions [O,C,K,K]", wName, w)
	}
	g := convGeometry{
		n: x[0], c: x[1], h: x[2], w: x[3],
		o: w[0],
		k: p.Kernel, s: p.Stride, pad: p.Pad,
	}
	if want := g.wShape(); !w.Equal(want) {
		return convGeometry{}, fmt.Errorf("%s has shape %v, expected %v for %s %v and kernel %d", wName, w, want, xName, x, p.Kernel)
	}
	if g.h+2*g.pad < g.k || g.w+2*g.pad < g.k {
		return convGeometry{}, fmt.Errorf("kernel %d is larger than %s %v padded by %d", g.k, xName, x, g.pad)
	}
	g.oh = layers.ConvOutput(g.h, p)
	g.ow = layers.ConvOutput(g.w, p)
	return g, nil
}
