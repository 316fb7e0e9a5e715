package kernels_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/gpu/gputest"
	"github.com/vkcnn/vkcnn/gpu/kernels"
)

func randomFloats(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = rng.Float32()*2 - 1
	}
	return v
}

func upload(t *testing.T, d *gpu.Device, values []float32) *gpu.Buffer {
	t.Helper()
	b, err := d.NewBuffer(4 * max(len(values), 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.WriteFloat32(0, values); err != nil {
		t.Fatal(err)
	}
	return b
}

func run(t *testing.T, d *gpu.Device, record func(*gpu.Recording) error) {
	t.Helper()
	rec, err := d.NewRecording(0)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	if err := record(rec); err != nil {
		t.Fatal(err)
	}
	if err := rec.End(); err != nil {
		t.Fatal(err)
	}
	if err := rec.Run(time.Minute); err != nil {
		t.Fatal(err)
	}
}

func TestFillAndAxpy(t *testing.T) {
	d := gputest.Open(t, gpu.Options{})
	ks := kernels.New(d)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 7, 64, 65, 1000, 4_500_001} {
		x := randomFloats(rng, n+3)
		y := randomFloats(rng, n+5)
		xb, yb := upload(t, d, x), upload(t, d, y)
		fb := upload(t, d, y)

		run(t, d, func(r *gpu.Recording) error {
			if err := ks.Fill(r, fb, 2, n, -1.5); err != nil {
				return err
			}
			return ks.Axpy(r, n, 0.25, xb, 3, yb, 5)
		})

		filled := make([]float32, n+5)
		fb.ReadFloat32(0, filled)
		got := make([]float32, n+5)
		yb.ReadFloat32(0, got)
		for i := range got {
			wantFill, wantAxpy := y[i], y[i]
			if i >= 2 && i < n+2 {
				wantFill = -1.5
			}
			if i >= 5 {
				wantAxpy = float32(0.25*float64(x[i-2]) + float64(y[i]))
			}
			if filled[i] != wantFill {
				t.Fatalf("n=%d: fill[%d] = %v, want %v", n, i, filled[i], wantFill)
			}
			if math.Abs(float64(got[i]-wantAxpy)) > 1e-6 {
				t.Fatalf("n=%d: axpy y[%d] = %v, want %v", n, i, got[i], wantAxpy)
			}
		}
		xb.Release()
		yb.Release()
		fb.Release()
	}
}

func TestRangeChecks(t *testing.T) {
	d := gputest.Open(t, gpu.Options{})
	ks := kernels.New(d)
	small := upload(t, d, make([]float32, 10))
	rec, _ := d.NewRecording(0)
	defer rec.Release()
	if err := ks.Fill(rec, small, 5, 6, 0); err == nil {
		t.Error("fill past the end: no error")
	}
	if err := ks.Gemm(rec, kernels.Gemm{M: 4, N: 4, K: 4, A: small, B: small, C: small}); err == nil {
		t.Error("gemm with 16-element operands in 10-element buffers: no error")
	}
}

type gemmCase struct {
	m, n, k        int
	transA, transB bool
	alpha, beta    float32
}

func gemmCases() []gemmCase {
	cases := []gemmCase{
		{1, 1, 1, false, false, 1, 0},
		{1000, 3, 777, false, false, 1, 0},
		{1000, 3, 777, true, true, 1, 0},
		{2, 3, 5, false, false, 1, 0},
		{7, 11, 13, true, false, 1, 0},
		{17, 19, 23, false, true, 1, 0},
		{31, 37, 41, true, true, 0.5, 0},
		{64, 64, 64, false, false, 1, 0},
		{65, 129, 63, false, false, 1, 1},
		{128, 1, 9216, false, true, 1, 0},
		{64, 9216, 128, true, false, 1, 0},
		{1, 257, 1, false, false, 2, -1},
		{257, 1, 1, true, false, 1, 0.5},
		{3, 500, 2, false, true, -1, 0},
		{100, 100, 0, false, false, 1, 0.25},
		{97, 89, 83, false, false, 1, 0},
		{97, 89, 83, true, false, 1, 0},
		{97, 89, 83, false, true, 1, 0},
		{97, 89, 83, true, true, 1, 0},
		{288, 576, 25, false, false, 1, 0},
		{10, 128, 64, false, true, 1, 1},
		{333, 5, 1024, true, false, 1, 0},
	}
	return cases
}

// TestGemmMatchesSgemm compares the shader with gonum's Sgemm. Tolerance:
// |got - want| <= 1e-5 * (K + 1) * max(1, |want|); both sum K float32
// products, in different orders, so rounding differences grow with K.
func TestGemmMatchesSgemm(t *testing.T) {
	d := gputest.Open(t, gpu.Options{})
	ks := kernels.New(d)
	rng := rand.New(rand.NewPCG(7, 8))

	for _, c := range gemmCases() {
		t.Run(fmt.Sprintf("%dx%dx%d_tA%v_tB%v", c.m, c.n, c.k, c.transA, c.transB), func(t *testing.T) {
			a := blas32.General{Rows: c.m, Cols: c.k, Stride: c.k}
			if c.transA {
				a = blas32.General{Rows: c.k, Cols: c.m, Stride: c.m}
			}
			b := blas32.General{Rows: c.k, Cols: c.n, Stride: c.n}
			if c.transB {
				b = blas32.General{Rows: c.n, Cols: c.k, Stride: c.k}
			}
			a.Data = randomFloats(rng, max(a.Rows*a.Cols, 1))
			b.Data = randomFloats(rng, max(b.Rows*b.Cols, 1))
			want := blas32.General{Rows: c.m, Cols: c.n, Stride: c.n, Data: randomFloats(rng, c.m*c.n)}
			cInit := append([]float32(nil), want.Data...)

			ab, bb, cb := upload(t, d, a.Data), upload(t, d, b.Data), upload(t, d, cInit)
			run(t, d, func(r *gpu.Recording) error {
				return ks.Gemm(r, kernels.Gemm{
					TransA: c.transA, TransB: c.transB, M: c.m, N: c.n, K: c.k,
					Alpha: c.alpha, Beta: c.beta, A: ab, B: bb, C: cb,
				})
			})
			got := make([]float32, c.m*c.n)
			if err := cb.ReadFloat32(0, got); err != nil {
				t.Fatal(err)
			}

			tA, tB := blas.NoTrans, blas.NoTrans
			if c.transA {
				tA = blas.Trans
			}
			if c.transB {
				tB = blas.Trans
			}
			if c.k == 0 {
				for i := range want.Data {
					want.Data[i] *= c.beta
				}
			} else {
				blas32.Gemm(tA, tB, c.alpha, a, b, c.beta, want)
			}

			tol := 1e-5 * float64(c.k+1)
			for i := range got {
				w := float64(want.Data[i])
				if diff := math.Abs(float64(got[i]) - w); diff > tol*math.Max(1, math.Abs(w)) {
					t.Fatalf("C[%d][%d] = %v, want %v (diff %g, tolerance %g)", i/c.n, i%c.n, got[i], w, diff, tol)
				}
			}
		})
	}
}

// TestGemmBatchedWithOffsets runs three products in one dispatch, each at
// its own offset and stride, with C[batch] surrounded by sentinels that
// must stay untouched.
func TestGemmBatchedWithOffsets(t *testing.T) {
	d := gputest.Open(t, gpu.Options{})
	ks := kernels.New(d)
	rng := rand.New(rand.NewPCG(9, 10))
	const m, n, k, batch, pad = 13, 29, 7, 3, 5
	strideA, strideB, strideC := m*k+3, k*n+1, m*n+2*pad

	a := randomFloats(rng, 2+batch*strideA)
	b := randomFloats(rng, 4+batch*strideB)
	c := make([]float32, batch*strideC)
	const sentinel = 12345
	for i := range c {
		c[i] = sentinel
	}
	ab, bb, cb := upload(t, d, a), upload(t, d, b), upload(t, d, c)
	run(t, d, func(r *gpu.Recording) error {
		return ks.Gemm(r, kernels.Gemm{
			M: m, N: n, K: k, Alpha: 1, A: ab, B: bb, C: cb,
			OffA: 2, OffB: 4, OffC: pad, Batch: batch, StrideA: strideA, StrideB: strideB, StrideC: strideC,
		})
	})
	got := make([]float32, len(c))
	cb.ReadFloat32(0, got)

	for bi := 0; bi < batch; bi++ {
		base := bi * strideC
		for i := 0; i < strideC; i++ {
			v := got[base+i]
			if i < pad || i >= pad+m*n {
				if v != sentinel {
					t.Fatalf("batch %d: sentinel at %d overwritten with %v", bi, i, v)
				}
				continue
			}
			row, col := (i-pad)/n, (i-pad)%n
			var want float64
			for kk := 0; kk < k; kk++ {
				want += float64(a[2+bi*strideA+row*k+kk]) * float64(b[4+bi*strideB+kk*n+col])
			}
			if math.Abs(float64(v)-want) > 1e-5 {
				t.Fatalf("batch %d C[%d][%d] = %v, want %v", bi, row, col, v, want)
			}
		}
	}
}

// TestRunTimeout runs a product that takes far longer than its 1 ms
// timeout, expects ErrTimeout, and checks that the device still works.
func TestRunTimeout(t *testing.T) {
	d := gputest.Open(t, gpu.Options{})
	ks := kernels.New(d)
	const n = 1024
	a := upload(t, d, make([]float32, n*n))
	c := upload(t, d, make([]float32, n*n))
	rec, err := d.NewRecording(0)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	for i := 0; i < 4; i++ {
		if err := ks.Gemm(rec, kernels.Gemm{M: n, N: n, K: n, Alpha: 1, A: a, B: a, C: c}); err != nil {
			t.Fatal(err)
		}
		rec.Barrier()
	}
	if err := rec.End(); err != nil {
		t.Fatal(err)
	}

	err = rec.Run(time.Millisecond)
	if !errors.Is(err, gpu.ErrTimeout) {
		t.Fatalf("Run with a 1 ms timeout: error %v, want ErrTimeout", err)
	}
	if err := rec.Run(time.Minute); err != nil {
		t.Fatalf("Run after a timeout: %v", err)
	}
}
