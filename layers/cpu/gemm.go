package cpu

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
)

// gonum's Gemm (v0.17.0) spreads its work over goroutines of its own once
// C spans four or more 64×64 blocks. This package calls it on tiles of C
// of at most tileRows×tileCols, which it computes on the calling
// goroutine, and does its own parallel split: each tile is then computed
// by one goroutine, in one fixed order, wherever it runs.
const (
	tileRows = 64
	tileCols = 128
)

// kChunk is the length of the pieces into which long dot products are
// cut: C gets one Gemm call per piece, with beta = 1 after the first, so
// that the rows of A and B read by a tile stay in cache.
const kChunk = 512

// gemmShape is C = op(A)·op(B) + beta·C for row-major matrices, where
// op(A) is Aᵀ when transA is set. op(A) is m×k, op(B) is k×n and C is
// m×n; lda, ldb and ldc are the row strides of A, B and C as stored.
//
// gonum is the fastest on this package's shapes when A is m×k and B is
// n×k as stored (transB set, no transA): every element of C is then dot
// products of contiguous rows. The operations arrange their scratch
// buffers so that most products take that form.
type gemmShape struct {
	transA, transB bool
	m, n, k        int
	lda, ldb, ldc  int
}

// tiles returns the number of tiles of C.
func (s gemmShape) tiles() int {
	return ceilDiv(s.m, tileRows) * ceilDiv(s.n, tileCols)
}

// gemm computes every tile of C on the calling goroutine.
func gemm[T Float](s gemmShape, a, b []T, beta T, c []T) {
	for tile := range s.tiles() {
		gemmTile(s, tile, a, b, beta, c)
	}
}

// newParallelGemm returns a function that computes the tiles of C in
// parallel. a, b and c are fixed at record time.
func newParallelGemm[T Float](s gemmShape, a, b []T, beta T, c []T) func() {
	job := newParallelJob(s.tiles(), func(tile int) {
		gemmTile(s, tile, a, b, beta, c)
	})
	return job.run
}

// gemmTile computes one tile of C, numbered row-major over the tiles.
func gemmTile[T Float](s gemmShape, tile int, a, b []T, beta T, c []T) {
	tilesPerRow := ceilDiv(s.n, tileCols)
	i0, j0 := tile/tilesPerRow*tileRows, tile%tilesPerRow*tileCols
	m, n := min(tileRows, s.m-i0), min(tileCols, s.n-j0)

	for k0 := 0; k0 < s.k; k0 += kChunk {
		k := min(kChunk, s.k-k0)

		// Element (i, l) of op(A) is a[i·lda+l], or a[l·lda+i] when
		// transposed, and likewise for B with (l, j).
		aOff := i0*s.lda + k0
		if s.transA {
			aOff = k0*s.lda + i0
		}
		bOff := k0*s.ldb + j0
		if s.transB {
			bOff = j0*s.ldb + k0
		}
		tileBeta := beta
		if k0 > 0 {
			tileBeta = 1
		}
		gemmCall(s.transA, s.transB, m, n, k, a[aOff:], s.lda, b[bOff:], s.ldb, tileBeta, c[i0*s.ldc+j0:], s.ldc)
	}
}

// gemmCall is one call of gonum's blas32.Gemm or blas64.Gemm with alpha 1.
func gemmCall[T Float](transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	tA, tB := blas.NoTrans, blas.NoTrans
	aRows, aCols := m, k
	if transA {
		tA = blas.Trans
		aRows, aCols = k, m
	}
	bRows, bCols := k, n
	if transB {
		tB = blas.Trans
		bRows, bCols = n, k
	}

	switch a := any(a).(type) {
	case []float32:
		blas32.Gemm(tA, tB, 1,
			blas32.General{Rows: aRows, Cols: aCols, Stride: lda, Data: a},
			blas32.General{Rows: bRows, Cols: bCols, Stride: ldb, Data: any(b).([]float32)},
			float32(beta),
			blas32.General{Rows: m, Cols: n, Stride: ldc, Data: any(c).([]float32)})
	case []float64:
		blas64.Gemm(tA, tB, 1,
			blas64.General{Rows: aRows, Cols: aCols, Stride: lda, Data: a},
			blas64.General{Rows: bRows, Cols: bCols, Stride: ldb, Data: any(b).([]float64)},
			float64(beta),
			blas64.General{Rows: m, Cols: n, Stride: ldc, Data: any(c).([]float64)})
	}
}

func ceilDiv(a, b int) int {
	return (a + b - 1) / b
}

// transpose writes the transpose of the rows×cols row-major matrix src
// into dst (cols×rows).
func transpose[T Float](dst, src []T, rows, cols int) {
	const tile = 32 // keeps a tile of src and of dst in L1 cache
	for i0 := 0; i0 < rows; i0 += tile {
		i1 := min(i0+tile, rows)
		for j0 := 0; j0 < cols; j0 += tile {
			j1 := min(j0+tile, cols)
			for i := i0; i < i1; i++ {
				row := src[i*cols : i*cols+cols]
				for j := j0; j < j1; j++ {
					dst[j*rows+i] = row[j]
				}
			}
		}
	}
}
