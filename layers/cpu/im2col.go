package cpu

// A convolution of one image is lowered to a matrix product over its
// im2col matrix. Row r = (c·K + p)·K + q and column i·OW + j of that matrix
// hold x[c, i·S+p−P, j·S+q−P], or 0 where the index falls in the padding,
// so the matrix is (C·K·K)×(OH·OW) and Conv2D is y = w·cols with w viewed
// as O×(C·K·K). The im2row matrix is its transpose, (OH·OW)×(C·K·K), whose
// rows are the receptive fields of the output pixels.

// im2col fills cols with the im2col matrix of one image x ([C,H,W]).
func im2col[T Float](cols, x []T, g convGeometry) {
	plane := g.h * g.w
	outPixels := g.colCols()
	for c := range g.c {
		xc := x[c*plane : (c+1)*plane]
		for p := range g.k {
			for q := range g.k {
				row := cols[((c*g.k+p)*g.k+q)*outPixels:][:outPixels]
				jLo, jHi := g.validOutputRange(q)
				for i := range g.oh {
					out := row[i*g.ow : (i+1)*g.ow]
					hIn := i*g.s + p - g.pad
					if hIn < 0 || hIn >= g.h {
						clear(out)
						continue
					}
					xRow := xc[hIn*g.w : (hIn+1)*g.w]
					clear(out[:jLo])
					wIn := jLo*g.s + q - g.pad
					for j := jLo; j < jHi; j++ {
						out[j] = xRow[wIn]
						wIn += g.s
					}
					clear(out[jHi:])
				}
			}
		}
	}
}

// im2row fills rows with the im2row matrix of one image x ([C,H,W]).
func im2row[T Float](rows, x []T, g convGeometry) {
	plane := g.h * g.w
	fieldLen := g.colRows()
	for i := range g.oh {
		for j := range g.ow {
			field := rows[(i*g.ow+j)*fieldLen:][:fieldLen]
			h0, w0 := i*g.s-g.pad, j*g.s-g.pad
			qLo, qHi := max(0, -w0), min(g.k, g.w-w0)
			for c := range g.c {
				xc := x[c*plane : (c+1)*plane]
				for p := range g.k {
					out := field[(c*g.k+p)*g.k:][:g.k]
					hIn := h0 + p
					if hIn < 0 || hIn >= g.h || qLo >= qHi {
						clear(out)
						continue
					}
					clear(out[:qLo])
					copy(out[qLo:qHi], xc[hIn*g.w+w0+qLo:])
					clear(out[qHi:])
				}
			}
		}
	}
}

// col2im writes into dx ([C,H,W]) the sum, for every input element, of the
// entries of the im2col-shaped matrix dcols that were copied from it by
// im2col. It is the adjoint of im2col and turns dL/dcols into dL/dx.
func col2im[T Float](dx, dcols []T, g convGeometry) {
	clear(dx)
	plane := g.h * g.w
	outPixels := g.colCols()
	for c := range g.c {
		dxc := dx[c*plane : (c+1)*plane]
		for p := range g.k {
			for q := range g.k {
				row := dcols[((c*g.k+p)*g.k+q)*outPixels:][:outPixels]
				jLo, jHi := g.validOutputRange(q)
				for i := range g.oh {
					hIn := i*g.s + p - g.pad
					if hIn < 0 || hIn >= g.h {
						continue
					}
					dxRow := dxc[hIn*g.w : (hIn+1)*g.w]
					in := row[i*g.ow : (i+1)*g.ow]
					wIn := jLo*g.s + q - g.pad
					for j := jLo; j < jHi; j++ {
						dxRow[wIn] += in[j]
						wIn += g.s
					}
				}
			}
		}
	}
}

// validOutputRange returns the output columns [jLo, jHi) whose kernel tap q
// reads inside an input row, that is 0 <= j·S+q−P < W.
func (g convGeometry) validOutputRange(q int) (jLo, jHi int) {
	// j·S >= P−q gives jLo = ceil((P−q)/S); j·S <= w−1+P−q gives the last j.
	jLo = 0
	if d := g.pad - q; d > 0 {
		jLo = (d + g.s - 1) / g.s
	}
	jHi = 0
	if d := g.w - 1 + g.pad - q; d >= 0 {
		jHi = d/g.s + 1
	}
	jHi = min(jHi, g.ow)
	jLo = min(jLo, jHi)
	return jLo, jHi
}
