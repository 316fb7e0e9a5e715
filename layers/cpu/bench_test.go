package cpu_test

import (
	"math/rand/v2"
	"testing"

	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/layers/cpu"
)

// BenchmarkMNISTSimpleStep times one training step of MNIST's mnist-simple
// net at batch 64 on random data, and reports images per second. The net
// is Conv(1→32, 3) ReLU, Conv(32→64, 3) ReLU, MaxPool 2, Dropout 0.25,
// Flatten 9216, Linear(9216→128) ReLU, Dropout 0.5 and Linear(128→10).
// The step adds softmax cross-entropy, every backward pass except the one
// to the input image, and SGD with momentum on all eight parameters.
func BenchmarkMNISTSimpleStep(b *testing.B) {
	const n = 64
	be := cpu.New()
	defer be.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	tensor := func(shape layers.Shape, scale float32) layers.Tensor {
		x, err := be.NewTensor(shape)
		if err != nil {
			b.Fatal(err)
		}
		values := make([]float32, shape.Len())
		for i := range values {
			values[i] = scale * (2*rng.Float32() - 1)
		}
		if err := be.Upload(x, values); err != nil {
			b.Fatal(err)
		}
		return x
	}
	view := func(x layers.Tensor, shape layers.Shape) layers.Tensor {
		v, err := be.View(x, shape)
		if err != nil {
			b.Fatal(err)
		}
		return v
	}

	conv := layers.ConvParams{Kernel: 3, Stride: 1}
	pool := layers.PoolParams{Kernel: 2, Stride: 2}
	drop1 := layers.DropoutParams{P: 0.25, Layer: 3, Seed: 1}
	drop2 := layers.DropoutParams{P: 0.5, Layer: 6, Seed: 1}
	sgd := layers.SGDParams{Momentum: 0.9}

	x := tensor(layers.Shape{n, 1, 28, 28}, 1)
	labels := tensor(layers.Shape{n}, 0)
	labelValues := make([]float32, n)
	for i := range labelValues {
		labelValues[i] = float32(rng.IntN(10))
	}
	if err := be.Upload(labels, labelValues); err != nil {
		b.Fatal(err)
	}

	type param struct{ w, g, v layers.Tensor }
	newParam := func(shape layers.Shape, fanIn int) param {
		return param{tensor(shape, 1/float32(fanIn)), tensor(shape, 0), tensor(shape, 0)}
	}
	w1, b1 := newParam(layers.Shape{32, 1, 3, 3}, 9), newParam(layers.Shape{32}, 9)
	w2, b2 := newParam(layers.Shape{64, 32, 3, 3}, 288), newParam(layers.Shape{64}, 288)
	w3, b3 := newParam(layers.Shape{128, 9216}, 9216), newParam(layers.Shape{128}, 9216)
	w4, b4 := newParam(layers.Shape{10, 128}, 128), newParam(layers.Shape{10}, 128)

	a1 := tensor(layers.Shape{n, 32, 26, 26}, 0)
	a2 := tensor(layers.Shape{n, 64, 24, 24}, 0)
	pooled := tensor(layers.Shape{n, 64, 12, 12}, 0)
	dropped := tensor(layers.Shape{n, 64, 12, 12}, 0)
	flat := view(dropped, layers.Shape{n, 9216})
	h := tensor(layers.Shape{n, 128}, 0)
	hDropped := tensor(layers.Shape{n, 128}, 0)
	logits := tensor(layers.Shape{n, 10}, 0)
	dlogits := tensor(layers.Shape{n, 10}, 0)
	stats := tensor(layers.Shape{2}, 0)
	dh := tensor(layers.Shape{n, 128}, 0)
	dflat := tensor(layers.Shape{n, 9216}, 0)
	dpooled := view(dflat, layers.Shape{n, 64, 12, 12})
	da2 := tensor(layers.Shape{n, 64, 24, 24}, 0)
	da1 := tensor(layers.Shape{n, 32, 26, 26}, 0)

	p, err := be.NewProgram()
	if err != nil {
		b.Fatal(err)
	}
	defer p.Release()
	p.Conv2D(x, w1.w, b1.w, a1, conv)
	p.ReLU(a1, a1)
	p.Conv2D(a1, w2.w, b2.w, a2, conv)
	p.ReLU(a2, a2)
	p.MaxPool2D(a2, pooled, pool)
	p.Dropout(pooled, dropped, drop1)
	p.Linear(flat, w3.w, b3.w, h)
	p.ReLU(h, h)
	p.Dropout(h, hDropped, drop2)
	p.Linear(hDropped, w4.w, b4.w, logits)
	p.SoftmaxCrossEntropy(logits, labels, dlogits, stats)

	p.LinearBackward(hDropped, w4.w, dlogits, dh, w4.g, b4.g)
	p.DropoutBackward(dh, dh, drop2)
	p.ReLUBackward(h, dh, dh)
	p.LinearBackward(flat, w3.w, dh, dflat, w3.g, b3.g)
	p.DropoutBackward(dpooled, dpooled, drop1)
	p.MaxPool2DBackward(a2, pooled, dpooled, da2, pool)
	p.ReLUBackward(a2, da2, da2)
	p.Conv2DBackwardFilter(a1, da2, w2.g, b2.g, conv)
	p.Conv2DBackwardData(da2, w2.w, da1, conv)
	p.ReLUBackward(a1, da1, da1)
	p.Conv2DBackwardFilter(x, da1, w1.g, b1.g, conv)

	for _, q := range []param{w1, b1, w2, b2, w3, b3, w4, b4} {
		p.SGD(q.w, q.g, q.v, sgd)
	}
	if err := p.End(); err != nil {
		b.Fatal(err)
	}

	b.ReportAllocs()
	step := uint32(0)
	for b.Loop() {
		if err := p.Run(layers.StepState{Step: step, LR: 0.01}); err != nil {
			b.Fatal(err)
		}
		step++
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "images/s")
}
