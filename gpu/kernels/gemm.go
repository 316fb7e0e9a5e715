package kernels

import (
	"fmt"

	"github.com/vkcnn/vkcnn/gpu"
)

// GemmConfig is the tiling of the matrix-product shader: each workgroup of
// Workgroup invocations computes a Rows x (Workgroup*Cols) tile of C.
type GemmConfig struct {
	Workgroup int
	Rows      int // TM: rows of C per invocation, all loaded as uniform A values
	Cols      int // TN: columns of C per invocation, Workgroup apart
}

// DefaultGemmConfig returns the tiling for a device. The values were
// chosen by BenchmarkGemm (see docs/BENCHMARKS.md).
func DefaultGemmConfig(info gpu.Info) GemmConfig {
	if info.Type == gpu.TypeCPU {
		return GemmConfig{Workgroup: 16, Rows: 16, Cols: 8}
	}
	return GemmConfig{Workgroup: 64, Rows: 8, Cols: 4}
}

// SetGemmConfig replaces the tiling used by later Gemm calls.
func (s *Set) SetGemmConfig(c GemmConfig) { s.config = c }

// Gemm describes C = Alpha * op(A) * op(B) + Beta * C for Batch matrices,
// the arguments of Sgemm plus element offsets and batch strides. op(A) is
// M x K and op(B) is K x N; all matrices are row-major. With TransA, A is
// stored K x M; with TransB, B is stored N x K. With Beta = 0, C is only
// written, so it may hold anything, NaN included.
type Gemm struct {
	TransA, TransB bool
	M, N, K        int
	Alpha, Beta    float32

	A, B, C                   *gpu.Buffer
	OffA, OffB, OffC          int // element offset of batch 0
	LDA, LDB, LDC             int // leading dimensions; 0 means the packed width
	Batch                     int // 0 or 1 for a single product
	StrideA, StrideB, StrideC int // elements between batches
}

// span returns the element count from the first to one past the last
// element of a rows x cols row-major matrix with leading dimension ld.
func span(rows, cols, ld int) int { return (rows-1)*ld + cols }

func (g *Gemm) normalize() error {
	if g.M < 0 || g.N < 0 || g.K < 0 {
		return fmt.Errorf("kernels: gemm: invalid shape M=%d N=%d K=%d", g.M, g.N, g.K)
	}
	if g.Batch == 0 {
		g.Batch = 1
	}
	aRows, aCols := g.M, g.K
	if g.TransA {
		aRows, aCols = g.K, g.M
	}
	bRows, bCols := g.K, g.N
	if g.TransB {
		bRows, bCols = g.N, g.K
	}
	if g.LDA == 0 {
		g.LDA = max(aCols, 1)
	}
	if g.LDB == 0 {
		g.LDB = max(bCols, 1)
	}
	if g.LDC == 0 {
		g.LDC = max(g.N, 1)
	}
	if g.LDA < max(aCols, 1) || g.LDB < max(bCols, 1) || g.LDC < max(g.N, 1) {
		return fmt.Errorf("kernels: gemm: leading dimensions lda=%d ldb=%d ldc=%d smaller than the row widths %d, %d, %d",
			g.LDA, g.LDB, g.LDC, aCols, bCols, g.N)
	}
	if g.M == 0 || g.N == 0 {
		return nil
	}

	last := g.Batch - 1
	if g.K > 0 {
		if err := checkRange("gemm: A", g.A, g.OffA+last*g.StrideA, span(aRows, aCols, g.LDA)); err != nil {
			return err
		}
		if err := checkRange("gemm: B", g.B, g.OffB+last*g.StrideB, span(bRows, bCols, g.LDB)); err != nil {
			return err
		}
	}
	return checkRange("gemm: C", g.C, g.OffC+last*g.StrideC, span(g.M, g.N, g.LDC))
}

// Gemm records the product. A product with M or N of zero records nothing;
// one with K of zero scales C by Beta.
func (s *Set) Gemm(r *gpu.Recording, g Gemm) error {
	if err := g.normalize(); err != nil {
		return err
	}
	if g.M == 0 || g.N == 0 {
		return nil
	}
	if g.A == nil || g.B == nil {
		return fmt.Errorf("kernels: gemm: A or B buffer is nil")
	}

	c := s.config
	k, err := s.Kernel("gemm", 3, 56, uint32(c.Workgroup), uint32(c.Rows), uint32(c.Cols), boolSpec(g.TransA), boolSpec(g.TransB))
	if err != nil {
		return err
	}
	push := pushConstants(nil).
		u32(g.M).u32(g.N).u32(g.K).
		u32(g.LDA).u32(g.LDB).u32(g.LDC).
		u32(g.OffA).u32(g.OffB).u32(g.OffC).
		u32(g.StrideA).u32(g.StrideB).u32(g.StrideC).
		f32(g.Alpha).f32(g.Beta)
	groups := [3]int{
		(g.N + c.Workgroup*c.Cols - 1) / (c.Workgroup * c.Cols),
		(g.M + c.Rows - 1) / c.Rows,
		g.Batch,
	}
	r.Dispatch(k, groups, push, g.A, g.B, g.C)
	return nil
}

func boolSpec(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}
