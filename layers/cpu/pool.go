package cpu

import (
	"fmt"

	"github.com/vkcnn/vkcnn/layers"
)

// poolGeometry is max pooling's sizes: x is [N,C,H,W] and y is
// [N,C,PH,PW].
type poolGeometry struct {
	planes, h, w int // planes is N·C
	ph, pw, k, s int
}

// newPoolGeometry checks x, y and the parameters.
func newPoolGeometry(x, y layers.Shape, p layers.PoolParams) (poolGeometry, error) {
	if p.Kernel < 1 || p.Stride < 1 {
		return poolGeometry{}, fmt.Errorf("invalid parameters %+v: Kernel and Stride must be at least 1", p)
	}
	if len(x) != 4 {
		return poolGeometry{}, fmt.Errorf("x has shape %v, expected 4 dimensions [N,C,H,W]", x)
	}
	if x[2] < p.Kernel || x[3] < p.Kernel {
		return poolGeometry{}, fmt.Errorf("kernel %d is larger than x %v", p.Kernel, x)
	}
	g := poolGeometry{
		planes: x[0] * x[1], h: x[2], w: x[3],
		ph: layers.PoolOutput(x[2], p), pw: layers.PoolOutput(x[3], p),
		k: p.Kernel, s: p.Stride,
	}
	if want := (layers.Shape{x[0], x[1], g.ph, g.pw}); !y.Equal(want) {
		return poolGeometry{}, fmt.Errorf("y has shape %v, expected %v for x %v and %+v", y, want, x, p)
	}
	return g, nil
}

// MaxPool2D records y[n,c,i,j] = max of x[n,c,i·S+p,j·S+q] over
// 0 <= p, q < K. A NaN in a window makes its maximum NaN, as in PyTorch.
func (p *Program[T]) MaxPool2D(x, y layers.Tensor, pp layers.PoolParams) {
	p.record("MaxPool2D", func() (func(layers.StepState) error, error) {
		ops := operands[T]{backend: p.backend}
		xt := ops.tensor("x", x)
		yt := ops.tensor("y", y)
		if ops.err != nil {
			return nil, ops.err
		}
		g, err := newPoolGeometry(xt.shape, yt.shape, pp)
		if err != nil {
			return nil, err
		}
		ops.distinct("y", yt, "x", xt)
		if ops.err != nil {
			return nil, ops.err
		}

		xd, yd := xt.Data(), yt.Data()
		xPlane, yPlane := g.h*g.w, g.ph*g.pw
		run := newPlaneJob(g.planes, yPlane, func(plane int) {
			xc := xd[plane*xPlane : (plane+1)*xPlane]
			yc := yd[plane*yPlane : (plane+1)*yPlane]
			for i := range g.ph {
				for j := range g.pw {
					top, left := i*g.s, j*g.s
					m := xc[top*g.w+left]
					for r := top; r < top+g.k; r++ {
						for _, v := range xc[r*g.w+left : r*g.w+left+g.k] {
							if v > m || v != v {
								m = v
							}
						}
					}
					yc[i*g.pw+j] = m
				}
			}
		})
		return func(layers.StepState) error {
			run()
			return nil
		}, nil
	})
}

// MaxPool2DBackward records dx from dy for y = MaxPool2D(x): each
// dy[n,c,i,j] goes to the first element of its window, in row-major order,
// that equals y[n,c,i,j] (or is NaN when y is), and every other element of
// dx is 0. Windows must not overlap (Stride >= Kernel), so no element of
// dx receives two values.
func (p *Program[T]) MaxPool2DBackward(x, y, dy, dx layers.Tensor, pp layers.PoolParams) {
	p.record("MaxPool2DBackward", func() (func(layers.StepState) error, error) {
		ops := operands[T]{backend: p.backend}
		xt := ops.tensor("x", x)
		yt := ops.tensor("y", y)
		dyt := ops.tensor("dy", dy)
		dxt := ops.tensor("dx", dx)
		if ops.err != nil {
			return nil, ops.err
		}
		if pp.Stride < pp.Kernel {
			return nil, fmt.Errorf("overlapping windows (%+v): Stride must be at least Kernel", pp)
		}
		g, err := newPoolGeometry(xt.shape, yt.shape, pp)
		if err != nil {
			return nil, err
		}
		ops.sameShape("dy", dyt, "y", yt)
		ops.sameShape("dx", dxt, "x", xt)
		ops.distinct("dx", dxt, "x", xt)
		ops.distinct("dx", dxt, "y", yt)
		ops.distinct("dx", dxt, "dy", dyt)
		if ops.err != nil {
			return nil, ops.err
		}

		xd, yd, dyd, dxd := xt.Data(), yt.Data(), dyt.Data(), dxt.Data()
		xPlane, yPlane := g.h*g.w, g.ph*g.pw
		run := newPlaneJob(g.planes, xPlane, func(plane int) {
			xc := xd[plane*xPlane : (plane+1)*xPlane]
			dxc := dxd[plane*xPlane : (plane+1)*xPlane]
			yc := yd[plane*yPlane : (plane+1)*yPlane]
			dyc := dyd[plane*yPlane : (plane+1)*yPlane]
			clear(dxc)
			for i := range g.ph {
				for j := range g.pw {
					m := yc[i*g.pw+j]
					at := firstMatch(xc, i*g.s, j*g.s, g, m)
					if at >= 0 {
						dxc[at] = dyc[i*g.pw+j]
					}
				}
			}
		})
		return func(layers.StepState) error {
			run()
			return nil
		}, nil
	})
}

// firstMatch returns the index in the plane x of the first element of the
// window at (top, left), in row-major order, equal to m, or NaN when m is
// NaN; -1 if there is none.
func firstMatch[T Float](x []T, top, left int, g poolGeometry, m T) int {
	isNaN := m != m
	for r := top; r < top+g.k; r++ {
		for q := left; q < left+g.k; q++ {
			v := x[r*g.w+q]
			if v == m || (isNaN && v != v) {
				return r*g.w + q
			}
		}
	}
	return -1
}

// newPlaneJob returns a function that runs body on every plane (an [H,W]
// slice of one sample and channel), in parallel parts when the planes
// hold enough elements, planeLen each, to be worth splitting.
func newPlaneJob(planes, planeLen int, body func(plane int)) func() {
	parts := min(planes, elementParts(planes*planeLen))
	runPlanes := func(lo, hi int) {
		for plane := lo; plane < hi; plane++ {
			body(plane)
		}
	}
	if parts == 1 {
		return func() { runPlanes(0, planes) }
	}
	job := newParallelJob(parts, func(part int) {
		runPlanes(partRange(planes, parts, part))
	})
	return job.run
}
