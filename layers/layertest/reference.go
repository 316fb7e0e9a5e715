package layertest

import (
	"math"

	"github.com/vkcnn/vkcnn/layers"
)

// The references below compute each operation in float64 with direct
// loops over the definitions in package layers. Besides the result they
// return its scale: for every output element, the sum of the absolute
// values of the terms added to make it, which is what float32 rounding
// errors are proportional to (see SumTolerance).

// convRef holds a ConvCase's sizes for the reference loops.
type convRef struct {
	n, c, h, w, o, oh, ow, k, s, p int
}

func newConvRef(c ConvCase) convRef {
	y := c.YShape()
	return convRef{
		n: c.N, c: c.C, h: c.H, w: c.W, o: c.O, oh: y[2], ow: y[3],
		k: c.Params.Kernel, s: c.Params.Stride, p: c.Params.Pad,
	}
}

func (g convRef) xIndex(n, c, h, w int) int { return ((n*g.c+c)*g.h+h)*g.w + w }
func (g convRef) wIndex(o, c, p, q int) int { return ((o*g.c+c)*g.k+p)*g.k + q }
func (g convRef) yIndex(n, o, i, j int) int { return ((n*g.o+o)*g.oh+i)*g.ow + j }

// forEachTap calls f for every (n, o, i, j, c, p, q) whose input position
// (i·S+p−P, j·S+q−P) lies inside x, that is for every product of the
// convolution that is not a product with padding.
func (g convRef) forEachTap(f func(n, o, i, j, c, p, q, h, w int)) {
	for n := range g.n {
		for o := range g.o {
			for i := range g.oh {
				for j := range g.ow {
					for c := range g.c {
						for p := range g.k {
							for q := range g.k {
								h, w := i*g.s+p-g.p, j*g.s+q-g.p
								if h >= 0 && h < g.h && w >= 0 && w < g.w {
									f(n, o, i, j, c, p, q, h, w)
								}
							}
						}
					}
				}
			}
		}
	}
}

// conv2DRef computes y[n,o,i,j] = b[o] + Σ w[o,c,p,q]·x[n,c,i·S+p−P,j·S+q−P].
func conv2DRef(cc ConvCase, x, w, b []float64) (y, scale []float64) {
	g := newConvRef(cc)
	y = make([]float64, cc.YShape().Len())
	scale = make([]float64, len(y))
	for n := range g.n {
		for o := range g.o {
			for i := range g.oh {
				for j := range g.ow {
					y[g.yIndex(n, o, i, j)] = b[o]
					scale[g.yIndex(n, o, i, j)] = math.Abs(b[o])
				}
			}
		}
	}
	g.forEachTap(func(n, o, i, j, c, p, q, h, v int) {
		term := w[g.wIndex(o, c, p, q)] * x[g.xIndex(n, c, h, v)]
		y[g.yIndex(n, o, i, j)] += term
		scale[g.yIndex(n, o, i, j)] += math.Abs(term)
	})
	return y, scale
}

// conv2DBackwardDataRef computes dx = dL/dx by scattering each product
// w[o,c,p,q]·dy[n,o,i,j] onto the input element that the forward pass
// multiplied by w[o,c,p,q].
func conv2DBackwardDataRef(cc ConvCase, dy, w []float64) (dx, scale []float64) {
	g := newConvRef(cc)
	dx = make([]float64, cc.XShape().Len())
	scale = make([]float64, len(dx))
	g.forEachTap(func(n, o, i, j, c, p, q, h, v int) {
		term := w[g.wIndex(o, c, p, q)] * dy[g.yIndex(n, o, i, j)]
		dx[g.xIndex(n, c, h, v)] += term
		scale[g.xIndex(n, c, h, v)] += math.Abs(term)
	})
	return dx, scale
}

// conv2DBackwardFilterRef computes dw[o,c,p,q] = Σ dy[n,o,i,j]·x[n,c,
// i·S+p−P, j·S+q−P] and db[o] = Σ dy[n,o,i,j], over n, i and j.
func conv2DBackwardFilterRef(cc ConvCase, x, dy []float64) (dw, dwScale, db, dbScale []float64) {
	g := newConvRef(cc)
	dw = make([]float64, cc.WShape().Len())
	dwScale = make([]float64, len(dw))
	db = make([]float64, g.o)
	dbScale = make([]float64, g.o)
	for n := range g.n {
		for o := range g.o {
			for i := range g.oh {
				for j := range g.ow {
					db[o] += dy[g.yIndex(n, o, i, j)]
					dbScale[o] += math.Abs(dy[g.yIndex(n, o, i, j)])
				}
			}
		}
	}
	g.forEachTap(func(n, o, i, j, c, p, q, h, v int) {
		term := dy[g.yIndex(n, o, i, j)] * x[g.xIndex(n, c, h, v)]
		dw[g.wIndex(o, c, p, q)] += term
		dwScale[g.wIndex(o, c, p, q)] += math.Abs(term)
	})
	return dw, dwScale, db, dbScale
}

// linearRef computes y[n,o] = b[o] + Σ_i x[n,i]·w[o,i].
func linearRef(lc LinearCase, x, w, b []float64) (y, scale []float64) {
	y = make([]float64, lc.N*lc.Out)
	scale = make([]float64, len(y))
	for n := range lc.N {
		for o := range lc.Out {
			sum, abs := b[o], math.Abs(b[o])
			for i := range lc.In {
				term := x[n*lc.In+i] * w[o*lc.In+i]
				sum += term
				abs += math.Abs(term)
			}
			y[n*lc.Out+o], scale[n*lc.Out+o] = sum, abs
		}
	}
	return y, scale
}

// linearGrads are the reference gradients of y = x·wᵀ + b with their
// scales.
type linearGrads struct {
	dx, dxScale, dw, dwScale, db, dbScale []float64
}

// linearBackwardRef computes dx[n,i] = Σ_o dy[n,o]·w[o,i],
// dw[o,i] = Σ_n dy[n,o]·x[n,i] and db[o] = Σ_n dy[n,o].
func linearBackwardRef(lc LinearCase, x, w, dy []float64) linearGrads {
	r := linearGrads{
		dx: make([]float64, lc.N*lc.In), dxScale: make([]float64, lc.N*lc.In),
		dw: make([]float64, lc.Out*lc.In), dwScale: make([]float64, lc.Out*lc.In),
		db: make([]float64, lc.Out), dbScale: make([]float64, lc.Out),
	}
	for n := range lc.N {
		for o := range lc.Out {
			g := dy[n*lc.Out+o]
			r.db[o] += g
			r.dbScale[o] += math.Abs(g)
			for i := range lc.In {
				dxTerm := g * w[o*lc.In+i]
				r.dx[n*lc.In+i] += dxTerm
				r.dxScale[n*lc.In+i] += math.Abs(dxTerm)
				dwTerm := g * x[n*lc.In+i]
				r.dw[o*lc.In+i] += dwTerm
				r.dwScale[o*lc.In+i] += math.Abs(dwTerm)
			}
		}
	}
	return r
}

// maxPoolRef computes the maximum of every window and the flat index in x
// of its first maximal element in row-major window order.
func maxPoolRef(pc PoolCase, x []float64) (y []float64, argmax []int) {
	ys := pc.YShape()
	ph, pw := ys[2], ys[3]
	k, s := pc.Params.Kernel, pc.Params.Stride
	y = make([]float64, ys.Len())
	argmax = make([]int, ys.Len())
	for plane := range pc.N * pc.C {
		for i := range ph {
			for j := range pw {
				best := -1
				for p := range k {
					for q := range k {
						at := (plane*pc.H+i*s+p)*pc.W + j*s + q
						if best < 0 || x[at] > x[best] {
							best = at
						}
					}
				}
				out := (plane*ph+i)*pw + j
				y[out], argmax[out] = x[best], best
			}
		}
	}
	return y, argmax
}

// maxPoolBackwardRef routes dy[n,c,i,j] to the first maximal element of
// its window; windows must not overlap.
func maxPoolBackwardRef(pc PoolCase, x, dy []float64) []float64 {
	_, argmax := maxPoolRef(pc, x)
	dx := make([]float64, len(x))
	for out, at := range argmax {
		dx[at] = dy[out]
	}
	return dx
}

// softmaxRef is the reference of SoftmaxCrossEntropy for logits [N,K].
type softmaxRef struct {
	dlogits []float64
	loss    float64 // Σ_n −log softmax(z_n)[label_n]
	// lossScale is Σ_n (|max_k z[n,k]| + |z[n,label]| + log K + 1), the
	// size of the values a float32 computation of the loss rounds.
	lossScale float64
	correct   int
}

func softmaxCrossEntropyRef(z []float64, labels []int, n, k int) softmaxRef {
	r := softmaxRef{dlogits: make([]float64, n*k)}
	for row := range n {
		zr := z[row*k : (row+1)*k]
		t := labels[row]
		first := 0
		for i := range zr {
			if zr[i] > zr[first] {
				first = i
			}
		}
		m := zr[first]
		var s float64
		for _, v := range zr {
			s += math.Exp(v - m)
		}
		r.loss += m - zr[t] + math.Log(s)
		r.lossScale += math.Abs(m) + math.Abs(zr[t]) + math.Log(float64(k)) + 1
		if first == t {
			r.correct++
		}
		for i, v := range zr {
			p := math.Exp(v-m) / s
			if i == t {
				p--
			}
			r.dlogits[row*k+i] = p / float64(n)
		}
	}
	return r
}

// sgdRef applies one step of PyTorch's SGD in place: v = m·v + g + wd·w,
// then w = w − lr·v. It returns the scales of the new v and w.
func sgdRef(w, g, v []float64, p layers.SGDParams, lr float64) (vScale, wScale []float64) {
	vScale = make([]float64, len(w))
	wScale = make([]float64, len(w))
	m, wd := float64(p.Momentum), float64(p.WeightDecay)
	for i := range w {
		vScale[i] = math.Abs(m*v[i]) + math.Abs(g[i]) + math.Abs(wd*w[i])
		v[i] = m*v[i] + g[i] + wd*w[i]
		wScale[i] = math.Abs(w[i]) + lr*vScale[i]
		w[i] -= lr * v[i]
	}
	return vScale, wScale
}
