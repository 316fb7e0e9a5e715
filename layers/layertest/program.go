package layertest

import (
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/vkcnn/vkcnn/layers"
)

// trainingStep is one recorded training step of a small CNN on [N,3,12,12]
// inputs: Conv(3→8, 3, pad 1), BatchNorm2d(8), ReLU, MaxPool 2, Dropout
// 0.25, flatten to 288, Linear(288→10), softmax cross-entropy, every
// backward pass, and SGD with momentum on all six parameters. It uses every
// operation except BatchNormEval.
type trainingStep struct {
	program layers.Program
	inputs  map[string]layers.Tensor // uploaded before each run
	outputs map[string]layers.Tensor // downloaded after each run
	shapes  map[string]layers.Shape
}

func newTrainingStep(t testing.TB, b layers.Backend, n int) *trainingStep {
	t.Helper()
	conv := layers.ConvParams{Kernel: 3, Stride: 1, Pad: 1}
	pool := layers.PoolParams{Kernel: 2, Stride: 2}
	drop := layers.DropoutParams{P: 0.25, Layer: 1, Seed: 42}
	bn := layers.BatchNormParams{Eps: 1e-5, Momentum: 0.1}
	s := &trainingStep{
		inputs:  map[string]layers.Tensor{},
		outputs: map[string]layers.Tensor{},
		shapes: map[string]layers.Shape{
			"x": {n, 3, 12, 12}, "labels": {n}, "w1": {8, 3, 3, 3}, "b1": {8}, "w2": {10, 288}, "b2": {10},
			"v1": {8, 3, 3, 3}, "vb1": {8}, "v2": {10, 288}, "vb2": {10},
			"gamma": {8}, "beta": {8}, "vgamma": {8}, "vbeta": {8}, "runMean": {8}, "runVar": {8},
		},
	}
	for name, shape := range s.shapes {
		s.inputs[name] = newTensor(t, b, shape, nil)
	}
	out := func(name string, shape layers.Shape) layers.Tensor {
		s.shapes[name] = shape
		s.outputs[name] = newTensor(t, b, shape, nil)
		return s.outputs[name]
	}
	in := s.inputs
	a1 := out("a1", layers.Shape{n, 8, 12, 12})
	normalized := out("normalized", layers.Shape{n, 8, 12, 12})
	saveMean, saveInvStd := out("saveMean", layers.Shape{8}), out("saveInvStd", layers.Shape{8})
	pooled := out("pooled", layers.Shape{n, 8, 6, 6})
	dropped := out("dropped", layers.Shape{n, 8, 6, 6})
	logits := out("logits", layers.Shape{n, 10})
	dlogits := out("dlogits", layers.Shape{n, 10})
	stats := out("stats", layers.Shape{2})
	dflat := out("dflat", layers.Shape{n, 288})
	dpooled := out("dpooled", layers.Shape{n, 8, 6, 6})
	dnormalized := out("dnormalized", layers.Shape{n, 8, 12, 12})
	da1 := out("da1", layers.Shape{n, 8, 12, 12})
	dgamma, dbeta := out("dgamma", layers.Shape{8}), out("dbeta", layers.Shape{8})
	dx := out("dx", layers.Shape{n, 3, 12, 12})
	dw1, db1 := out("dw1", layers.Shape{8, 3, 3, 3}), out("db1", layers.Shape{8})
	dw2, db2 := out("dw2", layers.Shape{10, 288}), out("db2", layers.Shape{10})

	flat, err := b.View(dropped, layers.Shape{n, 288})
	if err != nil {
		t.Fatalf("View(%v, [%d 288]): %v", dropped.Shape(), n, err)
	}
	dflat4, err := b.View(dflat, layers.Shape{n, 8, 6, 6})
	if err != nil {
		t.Fatalf("View(%v, [%d 8 6 6]): %v", dflat.Shape(), n, err)
	}

	p := newProgram(t, b)
	p.Conv2D(in["x"], in["w1"], in["b1"], a1, conv)
	p.BatchNormTrain(a1, in["gamma"], in["beta"], normalized, in["runMean"], in["runVar"], saveMean, saveInvStd, bn)
	p.ReLU(normalized, normalized)
	p.MaxPool2D(normalized, pooled, pool)
	p.Dropout(pooled, dropped, drop)
	p.Linear(flat, in["w2"], in["b2"], logits)
	p.SoftmaxCrossEntropy(logits, in["labels"], dlogits, stats)
	p.LinearBackward(flat, in["w2"], dlogits, dflat, dw2, db2)
	p.DropoutBackward(dflat4, dpooled, drop)
	p.MaxPool2DBackward(normalized, pooled, dpooled, dnormalized, pool)
	p.ReLUBackward(normalized, dnormalized, dnormalized)
	p.BatchNormBackward(a1, in["gamma"], dnormalized, saveMean, saveInvStd, da1, dgamma, dbeta, bn)
	p.Conv2DBackwardFilter(in["x"], da1, dw1, db1, conv)
	p.Conv2DBackwardData(da1, in["w1"], dx, conv)
	sgd := layers.SGDParams{Momentum: 0.9, WeightDecay: 1e-4}
	p.SGD(in["w1"], dw1, in["v1"], sgd)
	p.SGD(in["b1"], db1, in["vb1"], sgd)
	p.SGD(in["w2"], dw2, in["v2"], sgd)
	p.SGD(in["b2"], db2, in["vb2"], sgd)
	p.SGD(in["gamma"], dgamma, in["vgamma"], sgd)
	p.SGD(in["beta"], dbeta, in["vbeta"], sgd)
	if err := p.End(); err != nil {
		t.Fatalf("End: %v", err)
	}
	s.program = p
	return s
}

// randomInputs returns values for every input of the step, with labels
// that are class indices.
func (s *trainingStep) randomInputs(seed uint64) map[string][]float32 {
	rng := newRand(seed)
	values := map[string][]float32{}
	// Draw in name order, because map order changes from call to call.
	for _, name := range slices.Sorted(maps.Keys(s.inputs)) {
		values[name] = uniform(rng, s.shapes[name].Len(), -0.5, 0.5)
	}
	for i := range values["labels"] {
		values["labels"][i] = float32(rng.IntN(10))
	}
	return values
}

// run uploads the inputs, runs the step and downloads every output, every
// parameter that SGD updated and the running statistics.
func (s *trainingStep) run(t testing.TB, b layers.Backend, values map[string][]float32, state layers.StepState) map[string][]float32 {
	t.Helper()
	for name, x := range s.inputs {
		upload(t, b, x, values[name])
	}
	run(t, s.program, state)
	results := map[string][]float32{}
	for name, x := range s.outputs {
		results[name] = download(t, b, x)
	}
	updated := []string{"w1", "b1", "w2", "b2", "gamma", "beta", "v1", "vb1", "v2", "vb2", "vgamma", "vbeta", "runMean", "runVar"}
	for _, name := range updated {
		results[name] = download(t, b, s.inputs[name])
	}
	return results
}

// TestDeterminism runs a whole training step twice from the same inputs
// and requires bitwise identical outputs: reductions must not depend on
// thread timing.
func TestDeterminism(t *testing.T, newBackend func(testing.TB) layers.Backend) {
	b := openBackend(t, newBackend)
	for _, n := range []int{1, 13, 64} {
		t.Run(caseName(layers.Shape{n}, false), func(t *testing.T) {
			step := newTrainingStep(t, b, n)
			values := step.randomInputs(uint64(n))
			state := layers.StepState{Step: 5, LR: 0.1}
			first := step.run(t, b, values, state)
			second := step.run(t, b, values, state)
			for name, got := range first {
				checkBitwise(t, name, step.shapes[name], got, second[name])
			}
			if loss := first["stats"][0]; math.IsNaN(float64(loss)) || loss <= 0 {
				t.Errorf("loss sum = %v, expected a positive number", loss)
			}
		})
	}
}

// TestReplay runs one program on two sets of uploaded inputs and checks
// both results against the reference: a program must read its inputs
// when it runs, not when it is recorded.
func TestReplay(t *testing.T, newBackend func(testing.TB) layers.Backend) {
	b := openBackend(t, newBackend)
	rng := newRand(14)
	c := ConvCase{N: 2, C: 3, H: 9, W: 9, O: 5, Params: layers.ConvParams{Kernel: 3, Stride: 2, Pad: 1}}
	l := LinearCase{N: 3, In: 17, Out: 4}

	xt, wt, bt := newTensor(t, b, c.XShape(), nil), newTensor(t, b, c.WShape(), nil), newTensor(t, b, c.BShape(), nil)
	yt := newOutput(t, b, c.YShape())
	lx, lw, lb := newTensor(t, b, l.XShape(), nil), newTensor(t, b, l.WShape(), nil), newTensor(t, b, l.BShape(), nil)
	ly := newOutput(t, b, l.YShape())
	p := newProgram(t, b)
	p.Conv2D(xt, wt, bt, yt, c.Params)
	p.Linear(lx, lw, lb, ly)
	if err := p.End(); err != nil {
		t.Fatalf("End: %v", err)
	}

	for replay := range 3 {
		x, w, bias := uniform(rng, c.XShape().Len(), -1, 1), uniform(rng, c.WShape().Len(), -1, 1), uniform(rng, c.O, -1, 1)
		upload(t, b, xt, x)
		upload(t, b, wt, w)
		upload(t, b, bt, bias)
		linX, linW, linB := uniform(rng, l.N*l.In, -1, 1), uniform(rng, l.Out*l.In, -1, 1), uniform(rng, l.Out, -1, 1)
		upload(t, b, lx, linX)
		upload(t, b, lw, linW)
		upload(t, b, lb, linB)
		run(t, p, layers.StepState{Step: uint32(replay)})

		want, scale := conv2DRef(c, widen(x), widen(w), widen(bias))
		// A bias plus C·K·K products, as in TestConv2D.
		checkClose(t, "conv y", c.YShape(), download(t, b, yt), want, scale, SumTolerance(c.C*9+1))
		lwant, lscale := linearRef(l, widen(linX), widen(linW), widen(linB))
		// A bias plus In products, as in TestLinear.
		checkClose(t, "linear y", l.YShape(), download(t, b, ly), lwant, lscale, SumTolerance(l.In+1))
	}
}

// TestViews records Conv2D and Linear on batch-prefix views of tensors
// sized for a larger batch, and on a flattening view. The results must
// match the reference on the prefix, elements past the prefix must keep
// their values, and a view as large as the storage must see all of it.
func TestViews(t *testing.T, newBackend func(testing.TB) layers.Backend) {
	b := openBackend(t, newBackend)
	rng := newRand(15)
	full := ConvCase{N: 8, C: 2, H: 7, W: 7, O: 3, Params: layers.ConvParams{Kernel: 3, Stride: 1, Pad: 1}}
	prefix := full
	prefix.N = 3
	l := LinearCase{N: prefix.N, In: prefix.YShape().Len() / prefix.N, Out: 4}

	x := uniform(rng, full.XShape().Len(), -1, 1)
	w := uniform(rng, full.WShape().Len(), -1, 1)
	bias := uniform(rng, full.O, -1, 1)
	linW, linB := uniform(rng, l.Out*l.In, -1, 1), uniform(rng, l.Out, -1, 1)
	xt := newTensor(t, b, full.XShape(), x)
	wt := newTensor(t, b, full.WShape(), w)
	bt := newTensor(t, b, full.BShape(), bias)
	yt := newOutput(t, b, full.YShape())
	lw := newTensor(t, b, l.WShape(), linW)
	lb := newTensor(t, b, l.BShape(), linB)
	ly := newOutput(t, b, layers.Shape{full.N, l.Out})

	view := func(x layers.Tensor, s layers.Shape) layers.Tensor {
		t.Helper()
		v, err := b.View(x, s)
		if err != nil {
			t.Fatalf("View(%v, %v): %v", x.Shape(), s, err)
		}
		if !v.Shape().Equal(s) {
			t.Fatalf("View(%v, %v) has shape %v", x.Shape(), s, v.Shape())
		}
		return v
	}
	xv := view(xt, prefix.XShape())
	yv := view(yt, prefix.YShape())
	flat := view(yv, l.XShape())
	lyv := view(ly, l.YShape())

	p := newProgram(t, b)
	p.Conv2D(xv, wt, bt, yv, prefix.Params)
	p.Linear(flat, lw, lb, lyv)
	endAndRun(t, p, layers.StepState{})

	y := download(t, b, yt)
	want, scale := conv2DRef(prefix, widen(x[:prefix.XShape().Len()]), widen(w), widen(bias))
	// A bias plus C·K·K products, as in TestConv2D.
	checkClose(t, "prefix y", prefix.YShape(), y[:len(want)], want, scale, SumTolerance(prefix.C*9+1))
	// Past the prefix, y must still hold the fill value of newOutput.
	tail := y[len(want):]
	checkExact(t, "y past the prefix", layers.Shape{len(tail)}, tail, widen(constant(len(tail), 1e4)))

	lwant, lscale := linearRef(l, widen(y[:len(want)]), widen(linW), widen(linB))
	// A bias plus In products, as in TestLinear.
	checkClose(t, "linear on flattened view", l.YShape(), download(t, b, lyv), lwant, lscale, SumTolerance(l.In+1))

	// A view of the prefix view with the full shape covers the whole storage.
	whole := view(xv, full.XShape())
	checkExact(t, "full view of a prefix view", full.XShape(), download(t, b, whole), widen(x))

	if _, err := b.View(xt, layers.Shape{full.N + 1, full.C, full.H, full.W}); err == nil {
		t.Errorf("View larger than the storage returned no error")
	}
}

// TestTensorTransfer checks that Upload and Download copy values bit for
// bit, and that NewTensor, View, Upload and Download reject invalid sizes.
func TestTensorTransfer(t *testing.T, newBackend func(testing.TB) layers.Backend) {
	b := openBackend(t, newBackend)
	values := []float32{0, float32(math.Copysign(0, -1)), 1, -1.5, 3.4028235e38, -1e-38, 1.4e-45, 0.1, 12345.678}
	x := newTensor(t, b, layers.Shape{3, 3}, values)
	checkBitwise(t, "round trip", layers.Shape{3, 3}, values, download(t, b, x))
	if !x.Shape().Equal(layers.Shape{3, 3}) {
		t.Errorf("Shape() = %v, want [3 3]", x.Shape())
	}

	if err := b.Upload(x, make([]float32, 8)); err == nil {
		t.Errorf("Upload of 8 values to a [3 3] tensor returned no error")
	}
	if err := b.Download(x, make([]float32, 10)); err == nil {
		t.Errorf("Download of a [3 3] tensor into 10 values returned no error")
	}
	for _, shape := range []layers.Shape{{}, {0}, {3, 0, 2}, {2, -1}} {
		if _, err := b.NewTensor(shape); err == nil {
			t.Errorf("NewTensor(%v) returned no error", shape)
		}
	}
	if _, err := b.View(x, layers.Shape{2, 5}); err == nil {
		t.Errorf("View of 10 elements of a 9-element tensor returned no error")
	}
	if _, err := b.View(x, layers.Shape{0}); err == nil {
		t.Errorf("View with shape [0] returned no error")
	}
	if b.Name() == "" || b.Device() == "" {
		t.Errorf("Name() = %q and Device() = %q, expected both to be set", b.Name(), b.Device())
	}
}

// TestShapeErrors records operations with mismatched shapes or invalid
// parameters and requires End to return an error that names the
// operation. It also checks that End returns the first of two errors.
func TestShapeErrors(t *testing.T, newBackend func(testing.TB) layers.Backend) {
	b := openBackend(t, newBackend)
	tensor := func(dims ...int) layers.Tensor { return newTensor(t, b, layers.Shape(dims), nil) }
	conv := layers.ConvParams{Kernel: 3, Stride: 1, Pad: 0}
	pool := layers.PoolParams{Kernel: 2, Stride: 2}
	drop := layers.DropoutParams{P: 0.5}
	bn := layers.BatchNormParams{Eps: 1e-5, Momentum: 0.1}

	cases := []struct {
		name   string // the operation the error must name
		reason string
		record func(p layers.Program)
	}{
		{"Conv2D", "w has 2 input channels, x has 3", func(p layers.Program) {
			p.Conv2D(tensor(2, 3, 8, 8), tensor(4, 2, 3, 3), tensor(4), tensor(2, 4, 6, 6), conv)
		}},
		{"Conv2D", "y is 7x7, the output is 6x6", func(p layers.Program) {
			p.Conv2D(tensor(2, 3, 8, 8), tensor(4, 3, 3, 3), tensor(4), tensor(2, 4, 7, 7), conv)
		}},
		{"Conv2D", "w is 3x3, the kernel 5", func(p layers.Program) {
			p.Conv2D(tensor(2, 3, 8, 8), tensor(4, 3, 3, 3), tensor(4), tensor(2, 4, 4, 4), layers.ConvParams{Kernel: 5, Stride: 1})
		}},
		{"Conv2D", "b has 5 elements, w 4 outputs", func(p layers.Program) {
			p.Conv2D(tensor(2, 3, 8, 8), tensor(4, 3, 3, 3), tensor(5), tensor(2, 4, 6, 6), conv)
		}},
		{"Conv2DBackwardData", "dx has batch 3, dy batch 2", func(p layers.Program) {
			p.Conv2DBackwardData(tensor(2, 4, 6, 6), tensor(4, 3, 3, 3), tensor(3, 3, 8, 8), conv)
		}},
		{"Conv2DBackwardFilter", "db has 3 elements, dw 4 outputs", func(p layers.Program) {
			p.Conv2DBackwardFilter(tensor(2, 3, 8, 8), tensor(2, 4, 6, 6), tensor(4, 3, 3, 3), tensor(3), conv)
		}},
		{"Linear", "w has In 6, x has 5", func(p layers.Program) {
			p.Linear(tensor(2, 5), tensor(3, 6), tensor(3), tensor(2, 3))
		}},
		{"LinearBackward", "dw is [3 6], expected [3 5]", func(p layers.Program) {
			p.LinearBackward(tensor(2, 5), tensor(3, 5), tensor(2, 3), tensor(2, 5), tensor(3, 6), tensor(3))
		}},
		{"ReLU", "y has 8 elements, x 6", func(p layers.Program) {
			p.ReLU(tensor(2, 3), tensor(2, 4))
		}},
		{"ReLUBackward", "dy has 8 elements, y 6", func(p layers.Program) {
			p.ReLUBackward(tensor(2, 3), tensor(2, 4), tensor(2, 3))
		}},
		{"MaxPool2D", "y is 3x3, the output 4x4", func(p layers.Program) {
			p.MaxPool2D(tensor(1, 2, 9, 9), tensor(1, 2, 3, 3), pool)
		}},
		{"MaxPool2DBackward", "overlapping windows", func(p layers.Program) {
			p.MaxPool2DBackward(tensor(1, 2, 9, 9), tensor(1, 2, 4, 4), tensor(1, 2, 4, 4), tensor(1, 2, 9, 9),
				layers.PoolParams{Kernel: 3, Stride: 2})
		}},
		{"MaxPool2DBackward", "dx has 3 channels, x 2", func(p layers.Program) {
			p.MaxPool2DBackward(tensor(1, 2, 9, 9), tensor(1, 2, 4, 4), tensor(1, 2, 4, 4), tensor(1, 3, 9, 9), pool)
		}},
		{"Dropout", "y has 8 elements, x 6", func(p layers.Program) {
			p.Dropout(tensor(2, 3), tensor(2, 4), drop)
		}},
		{"DropoutBackward", "dx has 8 elements, dy 6", func(p layers.Program) {
			p.DropoutBackward(tensor(2, 3), tensor(2, 4), drop)
		}},
		{"SoftmaxCrossEntropy", "labels has 3 elements, logits 2 rows", func(p layers.Program) {
			p.SoftmaxCrossEntropy(tensor(2, 10), tensor(3), tensor(2, 10), tensor(2))
		}},
		{"SoftmaxCrossEntropy", "stats has 3 elements", func(p layers.Program) {
			p.SoftmaxCrossEntropy(tensor(2, 10), tensor(2), tensor(2, 10), tensor(3))
		}},
		{"BatchNormTrain", "gamma has 4 elements, x 3 channels", func(p layers.Program) {
			p.BatchNormTrain(tensor(2, 3, 4, 4), tensor(4), tensor(3), tensor(2, 3, 4, 4), tensor(3), tensor(3), tensor(3), tensor(3), bn)
		}},
		{"BatchNormTrain", "x has 3 dimensions", func(p layers.Program) {
			p.BatchNormTrain(tensor(2, 3, 4), tensor(3), tensor(3), tensor(2, 3, 4), tensor(3), tensor(3), tensor(3), tensor(3), bn)
		}},
		{"BatchNormTrain", "saveInvStd has 2 elements, x 3 channels", func(p layers.Program) {
			p.BatchNormTrain(tensor(2, 3), tensor(3), tensor(3), tensor(2, 3), tensor(3), tensor(3), tensor(3), tensor(2), bn)
		}},
		{"BatchNormEval", "y has 2 samples, x 3", func(p layers.Program) {
			p.BatchNormEval(tensor(3, 3, 4, 4), tensor(3), tensor(3), tensor(3), tensor(3), tensor(2, 3, 4, 4), bn)
		}},
		{"BatchNormEval", "runVar has 4 elements, x 3 channels", func(p layers.Program) {
			p.BatchNormEval(tensor(2, 3), tensor(3), tensor(3), tensor(3), tensor(4), tensor(2, 3), bn)
		}},
		{"BatchNormBackward", "dy is 5x5, x 4x4", func(p layers.Program) {
			p.BatchNormBackward(tensor(2, 3, 4, 4), tensor(3), tensor(2, 3, 5, 5), tensor(3), tensor(3), tensor(2, 3, 4, 4), tensor(3), tensor(3), bn)
		}},
		{"BatchNormBackward", "dbeta has 1 element, x 3 channels", func(p layers.Program) {
			p.BatchNormBackward(tensor(2, 3), tensor(3), tensor(2, 3), tensor(3), tensor(3), tensor(2, 3), tensor(3), tensor(1), bn)
		}},
		{"SGD", "g has 8 elements, w 6", func(p layers.Program) {
			p.SGD(tensor(2, 3), tensor(2, 4), tensor(2, 3), layers.SGDParams{})
		}},
	}
	for _, c := range cases {
		p := newProgram(t, b)
		c.record(p)
		err := p.End()
		switch {
		case err == nil:
			t.Errorf("%s (%s): End returned no error", c.name, c.reason)
		case !strings.Contains(err.Error(), c.name):
			t.Errorf("%s (%s): End returned %q, which does not name the operation", c.name, c.reason, err)
		}
	}

	p := newProgram(t, b)
	p.Linear(tensor(2, 5), tensor(3, 6), tensor(3), tensor(2, 3))
	p.ReLU(tensor(2, 3), tensor(2, 4))
	if err := p.End(); err == nil || !strings.Contains(err.Error(), "Linear") || strings.Contains(err.Error(), "ReLU") {
		t.Errorf("End after a bad Linear and a bad ReLU returned %v, expected the Linear error only", err)
	}
}
