package cpu_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/layers/cpu"
	"github.com/vkcnn/vkcnn/layers/layertest"
)

// The gradient checks run the float64 backend and compare each backward
// pass with central differences (L(θ+h) − L(θ−h))/2h of a scalar loss L.
// For y = f(θ) the loss is L = Σ y⊙r for a fixed random r, so dL/dy = r is
// the dy given to the backward pass.

// fdStep is the finite-difference step h. The truncation error of the
// central difference is about h² times the third derivative of L: 0 where
// L is linear in the perturbed tensor, and near 1e-12 for the softmax
// loss. Rounding in the forward pass adds about 1e-16·|y|/h for each
// output y that the step changes.
const fdStep = 1e-6

// fdTolerance bounds |analytic − numeric| relative to max(1, |analytic|).
// It is ten times the largest difference these cases showed (8e-8 on an
// x86-64 machine), and far below the error of a wrong index or a missing
// term, which is about the size of a gradient element.
const fdTolerance = 1e-6

// maxChecked is the maximum number of elements perturbed per tensor.
// Larger tensors are checked at elements drawn at random.
const maxChecked = 300

// data returns the elements of a tensor of the float64 backend.
func data(t layers.Tensor) []float64 {
	return t.(*cpu.Tensor[float64]).Data()
}

// gradTest holds a float64 backend and the generator of one test.
type gradTest struct {
	t   *testing.T
	b   *cpu.Backend[float64]
	rng *rand.Rand
}

func newGradTest(t *testing.T, seed uint64) *gradTest {
	b := cpu.New64()
	t.Cleanup(func() { b.Close() })
	return &gradTest{t: t, b: b, rng: rand.New(rand.NewPCG(seed, 0x67726164))}
}

// tensor allocates a tensor with values uniform in [lo, hi).
func (g *gradTest) tensor(shape layers.Shape, lo, hi float64) layers.Tensor {
	g.t.Helper()
	x, err := g.b.NewTensor(shape)
	if err != nil {
		g.t.Fatal(err)
	}
	for i := range data(x) {
		data(x)[i] = lo + (hi-lo)*g.rng.Float64()
	}
	return x
}

// program records with record, ends the program and returns a function
// that runs it at the given step state.
func (g *gradTest) program(record func(p layers.Program)) func(layers.StepState) {
	g.t.Helper()
	p, err := g.b.NewProgram()
	if err != nil {
		g.t.Fatal(err)
	}
	g.t.Cleanup(p.Release)
	record(p)
	if err := p.End(); err != nil {
		g.t.Fatalf("End: %v", err)
	}
	return func(s layers.StepState) {
		if err := p.Run(s); err != nil {
			g.t.Fatalf("Run: %v", err)
		}
	}
}

// check perturbs elements of param by ±fdStep, evaluates loss after each
// change, and compares the central difference with analytic.
func (g *gradTest) check(name string, param layers.Tensor, analytic []float64, loss func() float64) {
	g.t.Helper()
	values := data(param)
	indices := make([]int, len(values))
	for i := range indices {
		indices[i] = i
	}
	if len(indices) > maxChecked {
		g.rng.Shuffle(len(indices), func(i, j int) { indices[i], indices[j] = indices[j], indices[i] })
		indices = indices[:maxChecked]
	}

	bad := 0
	for _, i := range indices {
		original := values[i]
		values[i] = original + fdStep
		plus := loss()
		values[i] = original - fdStep
		minus := loss()
		values[i] = original

		numeric := (plus - minus) / (2 * fdStep)
		diff := math.Abs(numeric - analytic[i])
		if diff <= fdTolerance*max(1, math.Abs(analytic[i])) {
			continue
		}
		if bad < 5 {
			g.t.Errorf("%s[%d]: analytic %.12g, central difference %.12g (difference %.3g)", name, i, analytic[i], numeric, diff)
		}
		bad++
	}
	if bad > 5 {
		g.t.Errorf("%s: %d of %d checked elements differ", name, bad, len(indices))
	}
}

// dot returns Σ x⊙r, the loss for dL/dx = r. It adds with Neumaier's
// compensated summation, because the rounding noise of a plain sum of
// 10⁵ terms, divided by 2h, would be as large as fdTolerance.
func dot(x layers.Tensor, r layers.Tensor) float64 {
	var sum, compensation float64
	rd := data(r)
	for i, v := range data(x) {
		term := v * rd[i]
		next := sum + term
		if math.Abs(sum) >= math.Abs(term) {
			compensation += (sum - next) + term
		} else {
			compensation += (term - next) + sum
		}
		sum = next
	}
	return sum + compensation
}

func TestGradientConv2D(t *testing.T) {
	cases := layertest.ConvCases(21)
	// Every kernel size, stride and padding once, at batch 1 to 3, and the
	// batch of 11 whose filter gradient is summed from several parts.
	cases = append(cases[:18], cases[20])
	for _, c := range cases {
		t.Run(c.String(), func(t *testing.T) {
			g := newGradTest(t, 1)
			x := g.tensor(c.XShape(), -1, 1)
			w := g.tensor(c.WShape(), -1, 1)
			b := g.tensor(c.BShape(), -1, 1)
			y := g.tensor(c.YShape(), 0, 0)
			r := g.tensor(c.YShape(), -1, 1)
			dx := g.tensor(c.XShape(), 0, 0)
			dw := g.tensor(c.WShape(), 0, 0)
			db := g.tensor(c.BShape(), 0, 0)

			forward := g.program(func(p layers.Program) { p.Conv2D(x, w, b, y, c.Params) })
			backward := g.program(func(p layers.Program) {
				p.Conv2DBackwardData(r, w, dx, c.Params)
				p.Conv2DBackwardFilter(x, r, dw, db, c.Params)
			})
			backward(layers.StepState{})
			loss := func() float64 {
				forward(layers.StepState{})
				return dot(y, r)
			}

			g.check("dx", x, data(dx), loss)
			g.check("dw", w, data(dw), loss)
			g.check("db", b, data(db), loss)
		})
	}
}

func TestGradientLinear(t *testing.T) {
	for _, c := range layertest.LinearCases() {
		t.Run(c.String(), func(t *testing.T) {
			g := newGradTest(t, 2)
			x := g.tensor(c.XShape(), -1, 1)
			w := g.tensor(c.WShape(), -1, 1)
			b := g.tensor(c.BShape(), -1, 1)
			y := g.tensor(c.YShape(), 0, 0)
			r := g.tensor(c.YShape(), -1, 1)
			dx := g.tensor(c.XShape(), 0, 0)
			dw := g.tensor(c.WShape(), 0, 0)
			db := g.tensor(c.BShape(), 0, 0)

			forward := g.program(func(p layers.Program) { p.Linear(x, w, b, y) })
			backward := g.program(func(p layers.Program) { p.LinearBackward(x, w, r, dx, dw, db) })
			backward(layers.StepState{})
			loss := func() float64 {
				forward(layers.StepState{})
				return dot(y, r)
			}

			g.check("dx", x, data(dx), loss)
			g.check("dw", w, data(dw), loss)
			g.check("db", b, data(db), loss)
		})
	}
}

func TestGradientReLU(t *testing.T) {
	g := newGradTest(t, 3)
	shape := layers.Shape{3, 5, 7, 11}
	x := g.tensor(shape, -1, 1)
	// Keep every input at least 1e-3 from the kink at 0, a thousand steps h
	// away, so that no perturbation crosses it.
	for i, v := range data(x) {
		if math.Abs(v) < 1e-3 {
			data(x)[i] = math.Copysign(1e-3, v)
		}
	}
	y := g.tensor(shape, 0, 0)
	r := g.tensor(shape, -1, 1)
	dx := g.tensor(shape, 0, 0)

	forward := g.program(func(p layers.Program) { p.ReLU(x, y) })
	backward := g.program(func(p layers.Program) { p.ReLUBackward(y, r, dx) })
	forward(layers.StepState{})
	backward(layers.StepState{})
	g.check("dx", x, data(dx), func() float64 {
		forward(layers.StepState{})
		return dot(y, r)
	})
}

func TestGradientMaxPool2D(t *testing.T) {
	for _, c := range layertest.PoolCases(23) {
		if c.Overlapping() {
			continue
		}
		t.Run(c.String(), func(t *testing.T) {
			g := newGradTest(t, 4)
			x := g.tensor(c.XShape(), 0, 0)
			// Distinct values 1e-3 apart, in random order, so that no
			// perturbation by h changes which element of a window is the
			// maximum.
			for i, v := range g.rng.Perm(c.XShape().Len()) {
				data(x)[i] = float64(v) * 1e-3
			}
			y := g.tensor(c.YShape(), 0, 0)
			r := g.tensor(c.YShape(), -1, 1)
			dx := g.tensor(c.XShape(), 0, 0)

			forward := g.program(func(p layers.Program) { p.MaxPool2D(x, y, c.Params) })
			backward := g.program(func(p layers.Program) { p.MaxPool2DBackward(x, y, r, dx, c.Params) })
			forward(layers.StepState{})
			backward(layers.StepState{})
			g.check("dx", x, data(dx), func() float64 {
				forward(layers.StepState{})
				return dot(y, r)
			})
		})
	}
}

func TestGradientDropout(t *testing.T) {
	g := newGradTest(t, 5)
	shape := layers.Shape{2, 3, 7, 5}
	params := layers.DropoutParams{P: 0.3, Layer: 2, Seed: 99}
	state := layers.StepState{Step: 17}
	x := g.tensor(shape, -1, 1)
	y := g.tensor(shape, 0, 0)
	r := g.tensor(shape, -1, 1)
	dx := g.tensor(shape, 0, 0)

	forward := g.program(func(p layers.Program) { p.Dropout(x, y, params) })
	backward := g.program(func(p layers.Program) { p.DropoutBackward(r, dx, params) })
	backward(state)
	g.check("dx", x, data(dx), func() float64 {
		forward(state)
		return dot(y, r)
	})
}

func TestGradientSoftmaxCrossEntropy(t *testing.T) {
	cases := []struct {
		name   string
		n, k   int
		spread float64
	}{
		{"moderate", 7, 10, 3},
		{"one_row", 1, 4, 3},
		{"large", 5, 6, 30},
		{"saturated_1000", 3, 5, 1000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := newGradTest(t, 6)
			logits := g.tensor(layers.Shape{c.n, c.k}, -c.spread, c.spread)
			labels := g.tensor(layers.Shape{c.n}, 0, 0)
			for i := range data(labels) {
				data(labels)[i] = float64(g.rng.IntN(c.k))
			}
			dlogits := g.tensor(layers.Shape{c.n, c.k}, 0, 0)
			stats := g.tensor(layers.Shape{2}, 0, 0)

			run := g.program(func(p layers.Program) { p.SoftmaxCrossEntropy(logits, labels, dlogits, stats) })
			run(layers.StepState{})
			analytic := append([]float64(nil), data(dlogits)...)
			// dlogits is the gradient of the batch-mean loss stats[0]/N.
			g.check("dlogits", logits, analytic, func() float64 {
				run(layers.StepState{})
				return data(stats)[0] / float64(c.n)
			})
		})
	}
}
