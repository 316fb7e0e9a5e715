package kernels_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/gpu/gputest"
	"github.com/vkcnn/vkcnn/gpu/kernels"
)

var benchSizes = []int{256, 512, 1024}

// gemmConfigFromEnv reads VKCNN_GEMM_CONFIG=workgroup,rows,cols, used to
// compare tilings; unset means the device's default.
func gemmConfigFromEnv(b *testing.B, ks *kernels.Set) {
	env := os.Getenv("VKCNN_GEMM_CONFIG")
	if env == "" {
		return
	}
	var c kernels.GemmConfig
	if _, err := fmt.Sscanf(env, "%d,%d,%d", &c.Workgroup, &c.Rows, &c.Cols); err != nil {
		b.Fatalf("invalid VKCNN_GEMM_CONFIG %q: want workgroup,rows,cols", env)
	}
	ks.SetGemmConfig(c)
}

// BenchmarkGemm times C = A*B for square float32 matrices on the device
// (host time of one submit and wait per operation) and with gonum's Sgemm.
func BenchmarkGemm(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range benchSizes {
		flops := 2 * float64(n) * float64(n) * float64(n)
		a := randomFloats(rng, n*n)
		bm := randomFloats(rng, n*n)

		b.Run(fmt.Sprintf("vulkan/%d", n), func(b *testing.B) {
			d := gputest.Open(b, gpu.Options{})
			ks := kernels.New(d)
			gemmConfigFromEnv(b, ks)
			ab, _ := d.NewBuffer(4 * n * n)
			bb, _ := d.NewBuffer(4 * n * n)
			cb, _ := d.NewBuffer(4 * n * n)
			ab.WriteFloat32(0, a)
			bb.WriteFloat32(0, bm)
			rec, _ := d.NewRecording(0)
			if err := ks.Gemm(rec, kernels.Gemm{M: n, N: n, K: n, Alpha: 1, A: ab, B: bb, C: cb}); err != nil {
				b.Fatal(err)
			}
			if err := rec.End(); err != nil {
				b.Fatal(err)
			}
			rec.Run(time.Minute) // warm-up: compiles the pipeline in drivers that defer it
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := rec.Run(time.Minute); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})

		b.Run(fmt.Sprintf("gonum/%d", n), func(b *testing.B) {
			ga := blas32.General{Rows: n, Cols: n, Stride: n, Data: a}
			gb := blas32.General{Rows: n, Cols: n, Stride: n, Data: bm}
			gc := blas32.General{Rows: n, Cols: n, Stride: n, Data: make([]float32, n*n)}
			for i := 0; i < b.N; i++ {
				blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, ga, gb, 0, gc)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkDispatchOverhead records 256 dispatches of a one-element fill,
// each followed by a barrier, and reports the host time per dispatch of
// one submit and wait (the submit's own cost is spread over the 256).
func BenchmarkDispatchOverhead(b *testing.B) {
	d := gputest.Open(b, gpu.Options{})
	ks := kernels.New(d)
	y, _ := d.NewBuffer(4)
	const dispatches = 256
	rec, _ := d.NewRecording(0)
	for i := 0; i < dispatches; i++ {
		ks.Fill(rec, y, 0, 1, float32(i))
		rec.Barrier()
	}
	if err := rec.End(); err != nil {
		b.Fatal(err)
	}
	rec.Run(time.Minute)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := rec.Run(time.Minute); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*dispatches), "µs/dispatch")
}

// BenchmarkSubmitOverhead submits a recording of one one-element fill and
// waits for its fence: the fixed cost of a submit.
func BenchmarkSubmitOverhead(b *testing.B) {
	d := gputest.Open(b, gpu.Options{})
	ks := kernels.New(d)
	y, _ := d.NewBuffer(4)
	rec, _ := d.NewRecording(0)
	ks.Fill(rec, y, 0, 1, 1)
	if err := rec.End(); err != nil {
		b.Fatal(err)
	}
	rec.Run(time.Minute)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := rec.Run(time.Minute); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/submit")
}
