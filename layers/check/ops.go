package check

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vkcnn/vkcnn/layers"
)

// operation is one method of layers.Program with its tolerance and cases.
type operation struct {
	name string

	// tolerance bounds the relative error per summed term, as the package
	// documentation defines it.
	tolerance float64

	cases func(rng *rand.Rand, quick bool) []testCase
}

// viewExtra is the number of samples allocated past the view in the
// batch-prefix case of each operation.
const viewExtra = 2

// operations lists every layers.Program operation in interface order.
// The precision of shader arithmetic quoted below is from the Vulkan
// specification, appendix A, "Precision and Operation of SPIR-V
// Instructions".
//
// Matrix products (convolutions and Linear) and batch normalization sum
// many float32 values. 1e-5 relative per term is float32 rounding with
// room for a different summation order and fused multiply-adds. This
// worst-case bound grows linearly with the number of terms, while random
// rounding errors grow about as its square root, so it leaves a wide
// margin on long sums.
var operations = []operation{
	{name: "Conv2D", tolerance: 1e-5, cases: conv2DCases},
	{name: "Conv2DBackwardData", tolerance: 1e-5, cases: convBackwardDataCases},
	{name: "Conv2DBackwardFilter", tolerance: 1e-5, cases: convBackwardFilterCases},
	{name: "Linear", tolerance: 1e-5, cases: linearCases},
	{name: "LinearBackward", tolerance: 1e-5, cases: linearBackwardCases},

	// ReLU and max pooling only compare and select values, so any
	// conforming device returns them exactly.
	{name: "ReLU", tolerance: 0, cases: reluCases},
	{name: "ReLUBackward", tolerance: 0, cases: reluBackwardCases},
	{name: "MaxPool2D", tolerance: 0, cases: maxPoolCases},
	{name: "MaxPool2DBackward", tolerance: 0, cases: maxPoolBackwardCases},

	// Dropout multiplies by 1/(1-P), which shaders compute with a
	// division. A float32 division may be 2.5 ULP off and the product
	// rounds once more, so a conforming device may be 3 ULP (3.6e-7
	// relative) off. The parity tests allow 1e-7, which holds on lavapipe.
	{name: "Dropout", tolerance: 4e-7, cases: dropoutCases},
	{name: "DropoutBackward", tolerance: 4e-7, cases: dropoutBackwardCases},

	// Shaders may compute exp(x) 3+2|x| ULP off and log 3 ULP off, while
	// the CPU backend works in float64. The terms are the classes of a row
	// for the gradient and the rows of the batch for the summed loss and
	// accuracy.
	{name: "SoftmaxCrossEntropy", tolerance: 1e-5, cases: softmaxCases},

	// The terms are the m = N·H·W values of a channel, which the mean,
	// the variance and the backward sums add up. BatchNormEval sums
	// nothing. Its 1e-5 covers 1/sqrt(var+ε) on the device, where the
	// square root may be 4.5 ULP off and the division 2.5 ULP.
	{name: "BatchNormTrain", tolerance: 1e-5, cases: batchNormTrainCases},
	{name: "BatchNormEval", tolerance: 1e-5, cases: batchNormEvalCases},
	{name: "BatchNormBackward", tolerance: 1e-5, cases: batchNormBackwardCases},

	// Three float32 operations per element, each rounding once or fused.
	{name: "SGD", tolerance: 1e-6, cases: sgdCases},
}

// prefix returns o as a batch-prefix view with viewExtra extra samples.
func prefix(o operand) operand {
	o.extra = viewExtra
	return o
}

func conv2DCases(rng *rand.Rand, quick bool) []testCase {
	var cases []testCase
	for _, s := range convShapes(rng, quick) {
		cases = append(cases, conv2DCase(s, false))
	}
	return append(cases, conv2DCase(viewConvShape, true))
}

// viewConvShape is the convolution of the batch-prefix cases.
var viewConvShape = convShape{layers.Shape{3, 3, 9, 9}, 4, layers.ConvParams{Kernel: 3, Stride: 1, Pad: 1}}

// viewName returns the name of a case whose batch operands are views.
func viewName(name string, view bool) string {
	if view {
		return fmt.Sprintf("%s, views of %d-sample-larger tensors", name, viewExtra)
	}
	return name
}

// batchOperand returns o as a batch-prefix view when view is set.
func batchOperand(o operand, view bool) operand {
	if view {
		return prefix(o)
	}
	return o
}

func conv2DCase(s convShape, view bool) testCase {
	// Each output is a sum of C·K² products, plus the bias.
	terms := s.x[1] * s.p.Kernel * s.p.Kernel
	p := s.p
	return testCase{
		name: viewName(s.String(), view),
		operands: []operand{
			batchOperand(input("x", s.x), view), input("w", s.w()), input("b", layers.Shape{s.o}),
			batchOperand(output("y", s.y(), terms), view),
		},
		record: func(pr layers.Program, t []layers.Tensor) { pr.Conv2D(t[0], t[1], t[2], t[3], p) },
	}
}

func convBackwardDataCases(rng *rand.Rand, quick bool) []testCase {
	var cases []testCase
	for _, s := range convShapes(rng, quick) {
		cases = append(cases, convBackwardDataCase(s, false))
	}
	return append(cases, convBackwardDataCase(viewConvShape, true))
}

func convBackwardDataCase(s convShape, view bool) testCase {
	// Each input gradient sums at most O·K² products.
	terms := s.o * s.p.Kernel * s.p.Kernel
	p := s.p
	return testCase{
		name: viewName(s.String(), view),
		operands: []operand{
			batchOperand(input("dy", s.y()), view), input("w", s.w()),
			batchOperand(output("dx", s.x, terms), view),
		},
		record: func(pr layers.Program, t []layers.Tensor) { pr.Conv2DBackwardData(t[0], t[1], t[2], p) },
	}
}

func convBackwardFilterCases(rng *rand.Rand, quick bool) []testCase {
	var cases []testCase
	shapes := convShapes(rng, quick)
	for _, s := range shapes {
		cases = append(cases, convBackwardFilterCase(s, false))
	}
	// Training records Conv2D before Conv2DBackwardFilter on the same x,
	// and a backend may reuse work of the forward pass, as the Vulkan
	// backend reuses its im2col matrix. These cases take an odd shape,
	// the second layer of mnist-simple and a random shape.
	for _, s := range []convShape{shapes[1], modelConvShape(1), shapes[len(shapes)-1]} {
		cases = append(cases, convAfterForwardCase(s))
	}
	return append(cases, convBackwardFilterCase(viewConvShape, true))
}

func convBackwardFilterCase(s convShape, view bool) testCase {
	// Each weight and bias gradient sums N·OH·OW products.
	y := s.y()
	terms := y[0] * y[2] * y[3]
	p := s.p
	return testCase{
		name: viewName(s.String(), view),
		operands: []operand{
			batchOperand(input("x", s.x), view), batchOperand(input("dy", y), view),
			output("dw", s.w(), terms), output("db", layers.Shape{s.o}, terms),
		},
		record: func(pr layers.Program, t []layers.Tensor) { pr.Conv2DBackwardFilter(t[0], t[1], t[2], t[3], p) },
	}
}

// convAfterForwardCase records Conv2D and then Conv2DBackwardFilter on the
// same input, and compares only the gradients.
func convAfterForwardCase(s convShape) testCase {
	y := s.y()
	terms := y[0] * y[2] * y[3]
	p := s.p
	forward := output("y", y, 0)
	forward.compare = false
	return testCase{
		name: s.String() + ", after Conv2D",
		operands: []operand{
			input("x", s.x), input("w", s.w()), input("b", layers.Shape{s.o}), forward,
			input("dy", y), output("dw", s.w(), terms), output("db", layers.Shape{s.o}, terms),
		},
		record: func(pr layers.Program, t []layers.Tensor) {
			pr.Conv2D(t[0], t[1], t[2], t[3], p)
			pr.Conv2DBackwardFilter(t[0], t[4], t[5], t[6], p)
		},
	}
}

func linearCases(rng *rand.Rand, quick bool) []testCase {
	var cases []testCase
	for _, s := range linearShapes(rng, quick) {
		cases = append(cases, linearCase(s, false))
	}
	return append(cases, linearCase(linearShape{3, 5, 4}, true))
}

func linearCase(s linearShape, view bool) testCase {
	// Each output is a sum of In products, plus the bias.
	return testCase{
		name: viewName(s.String(), view),
		operands: []operand{
			batchOperand(input("x", layers.Shape{s.n, s.in}), view), input("w", layers.Shape{s.out, s.in}),
			input("b", layers.Shape{s.out}), batchOperand(output("y", layers.Shape{s.n, s.out}, s.in), view),
		},
		record: func(pr layers.Program, t []layers.Tensor) { pr.Linear(t[0], t[1], t[2], t[3]) },
	}
}

func linearBackwardCases(rng *rand.Rand, quick bool) []testCase {
	var cases []testCase
	for _, s := range linearShapes(rng, quick) {
		cases = append(cases, linearBackwardCase(s, false))
	}
	// The first layer of a network needs no input gradient, so dx is nil.
	noInput := linearBackwardCase(linearShape{5, 9, 6}, false)
	noInput.name += ", dx nil"
	noInput.operands = noInput.operands[:len(noInput.operands)-1]
	noInput.record = func(pr layers.Program, t []layers.Tensor) { pr.LinearBackward(t[0], t[1], t[2], nil, t[3], t[4]) }
	return append(cases, noInput, linearBackwardCase(linearShape{3, 5, 4}, true))
}

// linearBackwardCase orders its operands x, w, dy, dw, db, dx so that the
// case without dx can drop the last one.
func linearBackwardCase(s linearShape, view bool) testCase {
	// dx sums Out products, dw and db sum N.
	return testCase{
		name: viewName(s.String(), view),
		operands: []operand{
			batchOperand(input("x", layers.Shape{s.n, s.in}), view), input("w", layers.Shape{s.out, s.in}),
			batchOperand(input("dy", layers.Shape{s.n, s.out}), view),
			output("dw", layers.Shape{s.out, s.in}, s.n), output("db", layers.Shape{s.out}, s.n),
			batchOperand(output("dx", layers.Shape{s.n, s.in}, s.out), view),
		},
		record: func(pr layers.Program, t []layers.Tensor) { pr.LinearBackward(t[0], t[1], t[2], t[5], t[3], t[4]) },
	}
}

// viewActivation is the shape of the batch-prefix and in-place cases of
// the element-wise operations.
var viewActivation = layers.Shape{3, 5, 7, 6}

func reluCases(rng *rand.Rand, quick bool) []testCase {
	record := func(pr layers.Program, t []layers.Tensor) { pr.ReLU(t[0], t[1]) }
	var cases []testCase
	for _, s := range activationShapes(rng, quick) {
		cases = append(cases, testCase{
			name:     fmt.Sprint("x", s),
			operands: []operand{input("x", s), output("y", s, 1)},
			record:   record,
		})
	}
	return append(cases,
		testCase{
			name:     viewName(fmt.Sprint("x", viewActivation), true),
			operands: []operand{prefix(input("x", viewActivation)), prefix(output("y", viewActivation, 1))},
			record:   record,
		},
		testCase{
			name:     fmt.Sprint("x", viewActivation, ", in place"),
			operands: []operand{updated("x", viewActivation, 1)},
			record:   func(pr layers.Program, t []layers.Tensor) { pr.ReLU(t[0], t[0]) },
		})
}

// reluOutput fills v like the output of ReLU: half zeros, half in (0, 1).
func reluOutput(rng *rand.Rand, v []float32) {
	fillUniform(rng, v, -1, 1)
	for j := range v {
		v[j] = max(v[j], 0)
	}
}

func reluBackwardCases(rng *rand.Rand, quick bool) []testCase {
	record := func(pr layers.Program, t []layers.Tensor) { pr.ReLUBackward(t[0], t[1], t[2]) }
	y := func(s layers.Shape) operand {
		o := input("y", s)
		o.fill = reluOutput
		return o
	}
	var cases []testCase
	for _, s := range activationShapes(rng, quick) {
		cases = append(cases, testCase{
			name:     fmt.Sprint("y", s),
			operands: []operand{y(s), input("dy", s), output("dx", s, 1)},
			record:   record,
		})
	}
	return append(cases,
		testCase{
			name:     viewName(fmt.Sprint("y", viewActivation), true),
			operands: []operand{prefix(y(viewActivation)), prefix(input("dy", viewActivation)), prefix(output("dx", viewActivation, 1))},
			record:   record,
		},
		testCase{
			name:     fmt.Sprint("y", viewActivation, ", in place"),
			operands: []operand{y(viewActivation), updated("dy", viewActivation, 1)},
			record:   func(pr layers.Program, t []layers.Tensor) { pr.ReLUBackward(t[0], t[1], t[1]) },
		})
}

func maxPoolCases(rng *rand.Rand, quick bool) []testCase {
	var cases []testCase
	for i, s := range poolShapes(rng, quick) {
		cases = append(cases, maxPoolCase(s, i%2 == 1, false))
	}
	// Forward pooling also takes overlapping windows.
	cases = append(cases, maxPoolCase(poolShape{layers.Shape{2, 3, 9, 9}, layers.PoolParams{Kernel: 3, Stride: 2}}, true, false))
	return append(cases, maxPoolCase(poolShape{viewActivation, layers.PoolParams{Kernel: 2, Stride: 2}}, false, true))
}

// maxPoolCase draws x from the integer grid when ties is set, so that
// windows hold several equal maxima.
func maxPoolCase(s poolShape, ties, view bool) testCase {
	x := batchOperand(input("x", s.x), view)
	name := s.String()
	if ties {
		x.fill = grid
		name += ", ties"
	}
	p := s.p
	return testCase{
		name:     viewName(name, view),
		operands: []operand{x, batchOperand(output("y", s.y(), 1), view)},
		record:   func(pr layers.Program, t []layers.Tensor) { pr.MaxPool2D(t[0], t[1], p) },
	}
}

func maxPoolBackwardCases(rng *rand.Rand, quick bool) []testCase {
	var cases []testCase
	for _, s := range poolShapes(rng, quick) {
		cases = append(cases, maxPoolBackwardCase(s, false))
	}
	return append(cases, maxPoolBackwardCase(poolShape{viewActivation, layers.PoolParams{Kernel: 2, Stride: 2}}, true))
}

// maxPoolBackwardCase draws x from the integer grid, so that windows hold
// several equal maxima and the first-maximum rule decides. The y input is
// computed on the host as the maximum of each window.
func maxPoolBackwardCase(s poolShape, view bool) testCase {
	x := batchOperand(input("x", s.x), view)
	x.fill = grid
	p := s.p
	return testCase{
		name: viewName(s.String(), view),
		operands: []operand{
			x, batchOperand(input("y", s.y()), view), batchOperand(input("dy", s.y()), view),
			batchOperand(output("dx", s.x, 1), view),
		},
		record: func(pr layers.Program, t []layers.Tensor) { pr.MaxPool2DBackward(t[0], t[1], t[2], t[3], p) },
		derive: func(data [][]float32) { poolMax(s, data[0], data[1]) },
	}
}

// poolMax sets y to the maximum of each window of x.
func poolMax(s poolShape, x, y []float32) {
	h, w := s.x[2], s.x[3]
	ys := s.y()
	oh, ow := ys[2], ys[3]
	for plane := range s.x[0] * s.x[1] {
		for i := range oh {
			for j := range ow {
				m := x[plane*h*w+i*s.p.Stride*w+j*s.p.Stride]
				for a := range s.p.Kernel {
					for b := range s.p.Kernel {
						m = max(m, x[plane*h*w+(i*s.p.Stride+a)*w+j*s.p.Stride+b])
					}
				}
				y[plane*oh*ow+i*ow+j] = m
			}
		}
	}
}

// dropoutCase is the shape and parameters of one dropout case.
type dropoutCase struct {
	shape layers.Shape
	p     layers.DropoutParams
}

func (c dropoutCase) String() string {
	return fmt.Sprintf("x%v P%v layer %d seed %d", c.shape, c.p.P, c.p.Layer, c.p.Seed)
}

// dropoutShapes returns the model dropout layers, the element-wise shapes
// with drop probabilities from 0 (a copy) to 0.9, and random seeds.
func dropoutShapes(rng *rand.Rand, quick bool) []dropoutCase {
	var cases []dropoutCase
	for i, m := range modelDropouts {
		if quick && i > 1 {
			break
		}
		cases = append(cases, dropoutCase{batched(modelBatch, m.shape), layers.DropoutParams{P: m.p, Layer: m.layer, Seed: rng.Uint32()}})
	}
	probabilities := []float32{0, 0.25, 0.5, 0.9}
	for i, s := range activationShapes(rng, quick) {
		cases = append(cases, dropoutCase{s, layers.DropoutParams{P: probabilities[i%len(probabilities)], Layer: uint32(i), Seed: rng.Uint32()}})
	}
	return cases
}

func dropoutCases(rng *rand.Rand, quick bool) []testCase {
	return dropoutTestCases(rng, quick, "x", "y", func(pr layers.Program, x, y layers.Tensor, p layers.DropoutParams) {
		pr.Dropout(x, y, p)
	})
}

func dropoutBackwardCases(rng *rand.Rand, quick bool) []testCase {
	return dropoutTestCases(rng, quick, "dy", "dx", func(pr layers.Program, dy, dx layers.Tensor, p layers.DropoutParams) {
		pr.DropoutBackward(dy, dx, p)
	})
}

// dropoutTestCases builds the cases of Dropout and DropoutBackward, which
// apply the same mask: src and dst name the operands.
func dropoutTestCases(rng *rand.Rand, quick bool, src, dst string,
	call func(pr layers.Program, in, out layers.Tensor, p layers.DropoutParams)) []testCase {
	var cases []testCase
	for _, c := range dropoutShapes(rng, quick) {
		p := c.p
		cases = append(cases, testCase{
			name:     c.String(),
			operands: []operand{input(src, c.shape), output(dst, c.shape, 1)},
			record:   func(pr layers.Program, t []layers.Tensor) { call(pr, t[0], t[1], p) },
		})
	}
	p := layers.DropoutParams{P: 0.5, Layer: 3, Seed: rng.Uint32()}
	view := dropoutCase{viewActivation, p}
	return append(cases,
		testCase{
			name:     viewName(view.String(), true),
			operands: []operand{prefix(input(src, viewActivation)), prefix(output(dst, viewActivation, 1))},
			record:   func(pr layers.Program, t []layers.Tensor) { call(pr, t[0], t[1], p) },
		},
		testCase{
			name:     view.String() + ", in place",
			operands: []operand{updated(src, viewActivation, 1)},
			record:   func(pr layers.Program, t []layers.Tensor) { call(pr, t[0], t[0], p) },
		})
}

func softmaxCases(rng *rand.Rand, quick bool) []testCase {
	var cases []testCase
	for i, s := range softmaxShapes(rng, quick) {
		// Logits of ±1000 check that the maximum is subtracted before exp.
		scales := []float32{1, 1000}
		if quick {
			scales = scales[i%2 : i%2+1]
		}
		for _, scale := range scales {
			cases = append(cases, softmaxCase(s[0], s[1], uniform(-scale, scale), fmt.Sprintf("logits ±%v", scale), false))
		}
	}
	// Integer logits tie often, so the first maximal logit decides the
	// accuracy count.
	cases = append(cases, softmaxCase(16, 10, grid, "integer logits", false))
	return append(cases, softmaxCase(3, 10, uniform(-1, 1), "logits ±1", true))
}

func softmaxCase(n, k int, fill func(*rand.Rand, []float32), values string, view bool) testCase {
	logits := batchOperand(input("logits", layers.Shape{n, k}), view)
	logits.fill = fill
	classes := batchOperand(input("labels", layers.Shape{n}), view)
	classes.fill = labels(k)
	return testCase{
		name: viewName(fmt.Sprintf("n%d k%d %s", n, k, values), view),
		operands: []operand{
			logits, classes,
			batchOperand(output("dlogits", layers.Shape{n, k}, k), view),
			output("stats", layers.Shape{2}, n),
		},
		record: func(pr layers.Program, t []layers.Tensor) { pr.SoftmaxCrossEntropy(t[0], t[1], t[2], t[3]) },
	}
}

// batchNormParams are PyTorch's defaults, which the models use.
var batchNormParams = layers.BatchNormParams{Eps: 1e-5, Momentum: 0.1}

// valuesPerChannel returns m = N·H·W for [N,C,H,W] or N for [N,C].
func valuesPerChannel(s layers.Shape) int { return s.Len() / s[1] }

// viewBatchNorm is the input shape of the batch-prefix cases of batch
// normalization.
var viewBatchNorm = layers.Shape{3, 4, 5, 3}

// batchNormInput returns x with a mean of 1, so that the mean does not
// vanish and subtracting it matters.
func batchNormInput(s layers.Shape, view bool) operand {
	x := batchOperand(input("x", s), view)
	x.fill = uniform(-1, 3)
	return x
}

// positive is the fill of variances: values in [0.5, 1.5).
var positive = uniform(0.5, 1.5)

func batchNormTrainCases(rng *rand.Rand, quick bool) []testCase {
	var cases []testCase
	for _, s := range batchNormShapes(rng, quick) {
		if valuesPerChannel(s) < 2 {
			continue // one value per channel cannot train
		}
		cases = append(cases, batchNormTrainCase(s, false))
	}
	return append(cases, batchNormTrainCase(viewBatchNorm, true))
}

func batchNormTrainCase(s layers.Shape, view bool) testCase {
	c := layers.Shape{s[1]}
	m := valuesPerChannel(s)
	runVar := updated("runVar", c, m)
	runVar.fill = positive
	return testCase{
		name: viewName(fmt.Sprint("x", s), view),
		operands: []operand{
			batchNormInput(s, view), input("gamma", c), input("beta", c),
			batchOperand(output("y", s, m), view), updated("runMean", c, m), runVar,
			output("saveMean", c, m), output("saveInvStd", c, m),
		},
		record: func(pr layers.Program, t []layers.Tensor) {
			pr.BatchNormTrain(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], batchNormParams)
		},
	}
}

func batchNormEvalCases(rng *rand.Rand, quick bool) []testCase {
	var cases []testCase
	for _, s := range batchNormShapes(rng, quick) {
		cases = append(cases, batchNormEvalCase(s, false))
	}
	return append(cases, batchNormEvalCase(viewBatchNorm, true))
}

func batchNormEvalCase(s layers.Shape, view bool) testCase {
	c := layers.Shape{s[1]}
	runVar := input("runVar", c)
	runVar.fill = positive
	return testCase{
		name: viewName(fmt.Sprint("x", s), view),
		operands: []operand{
			batchOperand(input("x", s), view), input("gamma", c), input("beta", c), input("runMean", c), runVar,
			batchOperand(output("y", s, 1), view),
		},
		record: func(pr layers.Program, t []layers.Tensor) {
			pr.BatchNormEval(t[0], t[1], t[2], t[3], t[4], t[5], batchNormParams)
		},
	}
}

func batchNormBackwardCases(rng *rand.Rand, quick bool) []testCase {
	var cases []testCase
	for _, s := range batchNormShapes(rng, quick) {
		if valuesPerChannel(s) < 2 {
			continue // BatchNormTrain cannot produce the statistics
		}
		cases = append(cases, batchNormBackwardCase(s, false))
	}
	return append(cases, batchNormBackwardCase(viewBatchNorm, true))
}

// batchNormBackwardCase computes the saved statistics that
// BatchNormTrain would store for x on the host, so that this operation
// is checked alone.
func batchNormBackwardCase(s layers.Shape, view bool) testCase {
	c := layers.Shape{s[1]}
	m := valuesPerChannel(s)
	return testCase{
		name: viewName(fmt.Sprint("x", s), view),
		operands: []operand{
			batchNormInput(s, view), input("gamma", c), batchOperand(input("dy", s), view),
			input("saveMean", c), input("saveInvStd", c),
			batchOperand(output("dx", s, m), view), output("dgamma", c, m), output("dbeta", c, m),
		},
		record: func(pr layers.Program, t []layers.Tensor) {
			pr.BatchNormBackward(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], batchNormParams)
		},
		derive: func(data [][]float32) { batchStatistics(s, data[0], data[3], data[4]) },
	}
}

// batchStatistics sets mean and invStd to each channel's mean of x and
// 1/sqrt(σ²+ε) with the biased variance σ², computed in float64.
func batchStatistics(s layers.Shape, x, mean, invStd []float32) {
	channels, block := s[1], 1
	if len(s) == 4 {
		block = s[2] * s[3]
	}
	m := float64(valuesPerChannel(s))
	for c := range channels {
		var sum, squares float64
		for n := range s[0] {
			for _, v := range x[(n*channels+c)*block : (n*channels+c+1)*block] {
				sum += float64(v)
			}
		}
		mu := sum / m
		for n := range s[0] {
			for _, v := range x[(n*channels+c)*block : (n*channels+c+1)*block] {
				squares += (float64(v) - mu) * (float64(v) - mu)
			}
		}
		mean[c] = float32(mu)
		invStd[c] = float32(1 / math.Sqrt(squares/m+float64(batchNormParams.Eps)))
	}
}

// sgdSettings are the optimizer settings of the models: the MNIST models
// train without weight decay, the CIFAR ones with 5e-4.
var sgdSettings = []layers.SGDParams{{Momentum: 0.9}, {Momentum: 0.9, WeightDecay: 5e-4}}

func sgdCases(_ *rand.Rand, quick bool) []testCase {
	var cases []testCase
	for i, s := range sgdShapes(quick) {
		cases = append(cases, sgdCase(s, sgdSettings[i%len(sgdSettings)], false))
	}
	return append(cases, sgdCase(layers.Shape{5, 3}, sgdSettings[1], true))
}

// sgdCase checks w and v, which SGD updates in place. The learning rate
// comes from the run's step state.
func sgdCase(s layers.Shape, p layers.SGDParams, view bool) testCase {
	return testCase{
		name: viewName(fmt.Sprintf("w%v momentum %v decay %v", s, p.Momentum, p.WeightDecay), view),
		operands: []operand{
			batchOperand(updated("w", s, 1), view), batchOperand(input("g", s), view), batchOperand(updated("v", s, 1), view),
		},
		record: func(pr layers.Program, t []layers.Tensor) { pr.SGD(t[0], t[1], t[2], p) },
	}
}
