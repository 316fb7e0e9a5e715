package cpu

import (
	"fmt"

	"github.com/vkcnn/vkcnn/layers"
)

// Conv2DBackwardData records dx = dL/dx for y = conv(x, w) + b:
//
//	dx[n,c,h,v] = Σ over o, p, q, i, j with i·S+p−P = h and j·S+q−P = v
//	              of w[o,c,p,q]·dy[n,o,i,j].
//
// For each image, dcols = wᵀ·dy_n is the gradient of its im2col matrix,
// and col2im adds its entries back onto the input elements they came from.
// Input elements that no window reads get 0.
func (p *Program[T]) Conv2DBackwardData(dy, w, dx layers.Tensor, cp layers.ConvParams) {
	p.record("Conv2DBackwardData", func() (func(layers.StepState) error, error) {
		ops := operands[T]{backend: p.backend}
		dyt := ops.tensor("dy", dy)
		wt := ops.tensor("w", w)
		dxt := ops.tensor("dx", dx)
		if ops.err != nil {
			return nil, ops.err
		}

		g, err := newConvGeometry("dx", dxt.shape, "w", wt.shape, cp)
		if err != nil {
			return nil, err
		}
		ops.shape("dy", dyt, g.yShape(), fmt.Sprintf("for dx %v, w %v and %+v", dxt.shape, wt.shape, cp))
		ops.distinct("dx", dxt, "dy", dyt)
		ops.distinct("dx", dxt, "w", wt)
		if ops.err != nil {
			return nil, ops.err
		}

		dyd, wd, dxd := dyt.Data(), wt.Data(), dxt.Data()
		fieldLen, outPixels := g.colRows(), g.colCols()
		xImage, yImage := g.c*g.h*g.w, g.o*outPixels

		// wT is w transposed to [C·K·K, O], and dyT an image of dy
		// transposed to [OH·OW, O], so dcols = wT·dyTᵀ is a product of
		// contiguous rows.
		wT := make([]T, fieldLen*g.o)
		product := gemmShape{transB: true, m: fieldLen, n: outPixels, k: g.o, lda: g.o, ldb: g.o, ldc: outPixels}
		parts := batchParts(g.n)
		dyTLen, dcolsLen := outPixels*g.o, fieldLen*outPixels
		dyTScratch := make([]T, parts*dyTLen)
		dcolsScratch := make([]T, parts*dcolsLen)
		job := newParallelJob(parts, func(part int) {
			dyT := dyTScratch[part*dyTLen : (part+1)*dyTLen]
			dcols := dcolsScratch[part*dcolsLen : (part+1)*dcolsLen]
			lo, hi := partRange(g.n, parts, part)
			for n := lo; n < hi; n++ {
				transpose(dyT, dyd[n*yImage:(n+1)*yImage], g.o, outPixels)
				gemm(product, wT, dyT, 0, dcols)
				col2im(dxd[n*xImage:(n+1)*xImage], dcols, g)
			}
		})
		return func(layers.StepState) error {
			transpose(wT, wd, g.o, fieldLen)
			job.run()
			return nil
		}, nil
	})
}

// Conv2DBackwardFilter records the gradients of y = conv(x, w) + b with
// respect to w and b, summed over the batch:
//
//	dw[o,c,p,q] = Σ over n, i, j of dy[n,o,i,j]·x[n,c,i·S+p−P,j·S+q−P]
//	db[o]       = Σ over n, i, j of dy[n,o,i,j]
//
// that is dw = Σ_n dy_n·cols_nᵀ with cols_n the im2col matrix of image n.
// Each batch part sums its images into its own buffer (part 0 into dw and
// db), and the buffers are then added in part order.
func (p *Program[T]) Conv2DBackwardFilter(x, dy, dw, db layers.Tensor, cp layers.ConvParams) {
	p.record("Conv2DBackwardFilter", func() (func(layers.StepState) error, error) {
		ops := operands[T]{backend: p.backend}
		xt := ops.tensor("x", x)
		dyt := ops.tensor("dy", dy)
		dwt := ops.tensor("dw", dw)
		dbt := ops.tensor("db", db)
		if ops.err != nil {
			return nil, ops.err
		}

		g, err := newConvGeometry("x", xt.shape, "dw", dwt.shape, cp)
		if err != nil {
			return nil, err
		}
		derivedFrom := fmt.Sprintf("for x %v, dw %v and %+v", xt.shape, dwt.shape, cp)
		ops.shape("dy", dyt, g.yShape(), derivedFrom)
		ops.shape("db", dbt, layers.Shape{g.o}, derivedFrom)
		ops.distinct("dw", dwt, "x", xt)
		ops.distinct("dw", dwt, "dy", dyt)
		ops.distinct("db", dbt, "x", xt)
		ops.distinct("db", dbt, "dy", dyt)
		ops.distinct("db", dbt, "dw", dwt)
		if ops.err != nil {
			return nil, ops.err
		}

		xd, dyd, dwd, dbd := xt.Data(), dyt.Data(), dwt.Data(), dbt.Data()
		fieldLen, outPixels := g.colRows(), g.colCols()
		xImage, yImage := g.c*g.h*g.w, g.o*outPixels

		// dw_part += dy_n·cols_nᵀ, with dy_n viewed as [O, OH·OW].
		product := gemmShape{transB: true, m: g.o, n: fieldLen, k: outPixels, lda: outPixels, ldb: outPixels, ldc: fieldLen}
		parts := batchParts(g.n)
		colsLen := fieldLen * outPixels
		colsScratch := make([]T, parts*colsLen)
		partDW := make([][]T, parts)
		partDB := make([][]T, parts)
		partDW[0], partDB[0] = dwd, dbd
		for part := 1; part < parts; part++ {
			partDW[part] = make([]T, len(dwd))
			partDB[part] = make([]T, len(dbd))
		}

		job := newParallelJob(parts, func(part int) {
			cols := colsScratch[part*colsLen : (part+1)*colsLen]
			pdw, pdb := partDW[part], partDB[part]
			clear(pdb)
			lo, hi := partRange(g.n, parts, part)
			for n := lo; n < hi; n++ {
				dyn := dyd[n*yImage : (n+1)*yImage]
				im2col(cols, xd[n*xImage:(n+1)*xImage], g)
				beta := T(1)
				if n == lo {
					beta = 0
				}
				gemm(product, dyn, cols, beta, pdw)
				for o := range g.o {
					pdb[o] += sum(dyn[o*outPixels : (o+1)*outPixels])
				}
			}
		})
		return func(layers.StepState) error {
			job.run()
			for part := 1; part < parts; part++ {
				addTo(dwd, partDW[part])
				addTo(dbd, partDB[part])
			}
			return nil
		}, nil
	})
}

// sum returns the sum of s, added from first to last.
func sum[T Float](s []T) T {
	var total T
	for _, v := range s {
		total += v
	}
	return total
}

// addTo adds src to dst element by element.
func addTo[T Float](dst, src []T) {
	for i, v := range src {
		dst[i] += v
	}
}
