package cpu

import (
	"fmt"

	"github.com/vkcnn/vkcnn/layers"
)

// rowLayoutMinK is the dot-product length C·K·K from which Conv2D multiplies
// by the im2row matrix, as dot products of contiguous rows. Below it, Conv2D
// multiplies by the im2col matrix with row updates, which gonum runs faster
// for short products such as the 9 of a 3×3 kernel on one channel.
const rowLayoutMinK = 32

// Conv2D records y = conv(x, w) + b, one image at a time: the image's
// im2row (or im2col) matrix is built in scratch memory, and y's [O, OH·OW]
// block is w·colsᵀ (or w·cols) added onto b.
func (p *Program[T]) Conv2D(x, w, b, y layers.Tensor, cp layers.ConvParams) {
	p.record("Conv2D", func() (func(layers.StepState) error, error) {
		ops := operands[T]{backend: p.backend}
		xt := ops.tensor("x", x)
		wt := ops.tensor("w", w)
		bt := ops.tensor("b", b)
		yt := ops.tensor("y", y)
		if ops.err != nil {
			return nil, ops.err
		}

		g, err := newConvGeometry("x", xt.shape, "w", wt.shape, cp)
		if err != nil {
			return nil, err
		}
		derivedFrom := fmt.Sprintf("for x %v, w %v and %+v", xt.shape, wt.shape, cp)
		ops.shape("b", bt, layers.Shape{g.o}, derivedFrom)
		ops.shape("y", yt, g.yShape(), derivedFrom)
		ops.distinct("y", yt, "x", xt)
		ops.distinct("y", yt, "w", wt)
		ops.distinct("y", yt, "b", bt)
		if ops.err != nil {
			return nil, ops.err
		}

		xd, wd, bd, yd := xt.Data(), wt.Data(), bt.Data(), yt.Data()
		fieldLen, outPixels := g.colRows(), g.colCols()
		xImage, yImage := g.c*g.h*g.w, g.o*outPixels
		useRows := fieldLen >= rowLayoutMinK
		// y_n = w·rowsᵀ or w·cols, with w viewed as [O, C·K·K].
		rowsProduct := gemmShape{transB: true, m: g.o, n: outPixels, k: fieldLen, lda: fieldLen, ldb: fieldLen, ldc: outPixels}
		colsProduct := gemmShape{m: g.o, n: outPixels, k: fieldLen, lda: fieldLen, ldb: outPixels, ldc: outPixels}

		parts := batchParts(g.n)
		colsLen := fieldLen * outPixels
		scratch := make([]T, parts*colsLen)
		job := newParallelJob(parts, func(part int) {
			cols := scratch[part*colsLen : (part+1)*colsLen]
			lo, hi := partRange(g.n, parts, part)
			for n := lo; n < hi; n++ {
				xn := xd[n*xImage : (n+1)*xImage]
				yn := yd[n*yImage : (n+1)*yImage]
				for o := range g.o {
					fill(yn[o*outPixels:(o+1)*outPixels], bd[o])
				}
				if useRows {
					im2row(cols, xn, g)
					gemm(rowsProduct, wd, cols, 1, yn)
				} else {
					im2col(cols, xn, g)
					gemm(colsProduct, wd, cols, 1, yn)
				}
			}
		})
		return func(layers.StepState) error {
			job.run()
			return nil
		}, nil
	})
}

// fill sets every element of s to v.
func fill[T Float](s []T, v T) {
	for i := range s {
		s[i] = v
	}
}
