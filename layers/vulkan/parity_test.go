package vulkan_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/gpu/gputest"
	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/layers/cpu"
	"github.com/vkcnn/vkcnn/layers/vulkan"
)

// parityCase is one operation on one set of shapes: the inputs are filled
// with the same random values on both backends, the outputs compared.
type parityCase struct {
	name    string
	inputs  []layers.Shape
	outputs []layers.Shape
	fill    func(rng *rand.Rand, i int, v []float32) // optional: custom input values
	record  func(p layers.Program, in, out []layers.Tensor)
	state   layers.StepState
	// tol is the allowed |vulkan - cpu| / max(1, |cpu|) per element.
	tol float64
}

func openVulkan(t *testing.T) *vulkan.Backend {
	t.Helper()
	dev := gputest.Open(t, gpu.Options{})
	b, err := vulkan.NewOnDevice(dev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// runCase runs c on backend b and returns the outputs.
func runCase(t *testing.T, b layers.Backend, c parityCase, inputs [][]float32) [][]float32 {
	t.Helper()
	in := make([]layers.Tensor, len(c.inputs))
	for i, s := range c.inputs {
		tensor, err := b.NewTensor(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Upload(tensor, inputs[i]); err != nil {
			t.Fatal(err)
		}
		in[i] = tensor
	}
	out := make([]layers.Tensor, len(c.outputs))
	for i, s := range c.outputs {
		tensor, err := b.NewTensor(s)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = tensor
	}
	p, err := b.NewProgram()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release()
	c.record(p, in, out)
	if err := p.End(); err != nil {
		t.Fatalf("%s backend: %v", b.Name(), err)
	}
	if err := p.Run(c.state); err != nil {
		t.Fatal(err)
	}
	results := make([][]float32, len(out))
	for i, tensor := range out {
		results[i] = make([]float32, c.outputs[i].Len())
		if err := b.Download(tensor, results[i]); err != nil {
			t.Fatal(err)
		}
	}
	return results
}

func checkParity(t *testing.T, vk *vulkan.Backend, cases []parityCase) {
	t.Helper()
	ref := cpu.New()
	defer ref.Close()
	rng := rand.New(rand.NewPCG(42, 43))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inputs := make([][]float32, len(c.inputs))
			for i, s := range c.inputs {
				inputs[i] = make([]float32, s.Len())
				if c.fill != nil {
					c.fill(rng, i, inputs[i])
					continue
				}
				for j := range inputs[i] {
					inputs[i][j] = rng.Float32()*2 - 1
				}
			}
			want := runCase(t, ref, c, inputs)
			got := runCase(t, vk, c, inputs)
			for o := range want {
				for j := range want[o] {
					w, g := float64(want[o][j]), float64(got[o][j])
					if math.IsNaN(g) || math.Abs(g-w) > c.tol*math.Max(1, math.Abs(w)) {
						t.Fatalf("output %d element %d: vulkan %v, cpu %v (tolerance %g)", o, j, g, w, c.tol)
					}
				}
			}
		})
	}
}

// convShapes returns 24 convolution geometries: odd and prime sizes, batch
// 1, kernels 1, 3 and 5, strides 1 and 2, padding 0 to 2, and the layers
// of the models.
func convShapes() []struct {
	x  layers.Shape
	o  int
	cp layers.ConvParams
} {
	type shape = struct {
		x  layers.Shape
		o  int
		cp layers.ConvParams
	}
	shapes := []shape{
		{layers.Shape{1, 1, 28, 28}, 32, layers.ConvParams{Kernel: 3, Stride: 1}},
		{layers.Shape{2, 32, 26, 26}, 64, layers.ConvParams{Kernel: 3, Stride: 1}},
		{layers.Shape{3, 3, 32, 32}, 6, layers.ConvParams{Kernel: 5, Stride: 1}},
		{layers.Shape{2, 32, 15, 15}, 64, layers.ConvParams{Kernel: 3, Stride: 1, Pad: 1}},
		{layers.Shape{1, 1, 1, 1}, 1, layers.ConvParams{Kernel: 1, Stride: 1}},
		{layers.Shape{1, 2, 7, 5}, 3, layers.ConvParams{Kernel: 3, Stride: 2, Pad: 1}},
		{layers.Shape{5, 3, 13, 11}, 7, layers.ConvParams{Kernel: 5, Stride: 2, Pad: 2}},
		{layers.Shape{1, 17, 3, 3}, 19, layers.ConvParams{Kernel: 3, Stride: 1, Pad: 2}},
	}
	rng := rand.New(rand.NewPCG(7, 11))
	primes := []int{1, 2, 3, 5, 7, 11, 13, 17}
	for len(shapes) < 24 {
		k := []int{1, 3, 5}[rng.IntN(3)]
		cp := layers.ConvParams{Kernel: k, Stride: 1 + rng.IntN(2), Pad: rng.IntN(3)}
		h, w := k+rng.IntN(12), k+rng.IntN(12)
		shapes = append(shapes, shape{
			layers.Shape{primes[rng.IntN(4)], primes[rng.IntN(len(primes))], h, w},
			primes[rng.IntN(len(primes))], cp,
		})
	}
	return shapes
}

func TestConvParity(t *testing.T) {
	testConvParity(t, openVulkan(t))
}

// TestConvParityChunked repeats the convolution cases with scratch buffers
// so small that each batch runs one or two samples per chunk.
func TestConvParityChunked(t *testing.T) {
	vk := openVulkan(t)
	vk.ScratchLimit = 1
	testConvParity(t, vk)
}

func testConvParity(t *testing.T, vk *vulkan.Backend) {
	var cases []parityCase
	for _, s := range convShapes() {
		n, c, h, w := s.x[0], s.x[1], s.x[2], s.x[3]
		y := layers.Shape{n, s.o, layers.ConvOutput(h, s.cp), layers.ConvOutput(w, s.cp)}
		wShape := layers.Shape{s.o, c, s.cp.Kernel, s.cp.Kernel}
		// Sums of C*K*K (forward), O*K*K (data) or N*OH*OW (filter)
		// products of values in [-1, 1]: 1e-5 relative per term is float32
		// rounding with room for a different summation order.
		ckk := c * s.cp.Kernel * s.cp.Kernel
		tol := 1e-5 * float64(max(ckk, s.o*s.cp.Kernel*s.cp.Kernel, y[0]*y[2]*y[3]))
		cp := s.cp
		name := fmt.Sprintf("x%v_o%d_k%d_s%d_p%d", s.x, s.o, cp.Kernel, cp.Stride, cp.Pad)
		cases = append(cases,
			parityCase{name: "forward_" + name, inputs: []layers.Shape{s.x, wShape, {s.o}}, outputs: []layers.Shape{y}, tol: tol,
				record: func(p layers.Program, in, out []layers.Tensor) { p.Conv2D(in[0], in[1], in[2], out[0], cp) }},
			parityCase{name: "data_" + name, inputs: []layers.Shape{y, wShape}, outputs: []layers.Shape{s.x}, tol: tol,
				record: func(p layers.Program, in, out []layers.Tensor) { p.Conv2DBackwardData(in[0], in[1], out[0], cp) }},
			parityCase{name: "filter_" + name, inputs: []layers.Shape{s.x, y}, outputs: []layers.Shape{wShape, {s.o}}, tol: tol,
				record: func(p layers.Program, in, out []layers.Tensor) {
					p.Conv2DBackwardFilter(in[0], in[1], out[0], out[1], cp)
				}},
		)
	}
	checkParity(t, vk, cases)
}

func TestLinearParity(t *testing.T) {
	vk := openVulkan(t)
	var cases []parityCase
	dims := [][3]int{{64, 9216, 128}, {64, 128, 10}, {1, 1, 1}, {1, 7, 3}, {3, 400, 120}, {5, 120, 84}, {2, 84, 10}, {13, 17, 19}}
	rng := rand.New(rand.NewPCG(3, 5))
	for len(dims) < 22 {
		dims = append(dims, [3]int{1 + rng.IntN(70), 1 + rng.IntN(300), 1 + rng.IntN(140)})
	}
	for _, d := range dims {
		n, in, out := d[0], d[1], d[2]
		// Sums of In (forward, dw) or Out (dx) or N (dw, db) products.
		tol := 1e-5 * float64(max(in, out, n))
		name := fmt.Sprintf("n%d_in%d_out%d", n, in, out)
		cases = append(cases,
			parityCase{name: "forward_" + name, inputs: []layers.Shape{{n, in}, {out, in}, {out}}, outputs: []layers.Shape{{n, out}}, tol: tol,
				record: func(p layers.Program, i, o []layers.Tensor) { p.Linear(i[0], i[1], i[2], o[0]) }},
			parityCase{name: "backward_" + name, inputs: []layers.Shape{{n, in}, {out, in}, {n, out}}, outputs: []layers.Shape{{n, in}, {out, in}, {out}}, tol: tol,
				record: func(p layers.Program, i, o []layers.Tensor) { p.LinearBackward(i[0], i[1], i[2], o[0], o[1], o[2]) }},
		)
	}
	checkParity(t, vk, cases)
}

// elementShapes returns 22 shapes for element-wise and pooling tests.
func elementShapes() []layers.Shape {
	shapes := []layers.Shape{{1, 1, 1, 1}, {1, 1, 2, 2}, {64, 32, 26, 26}, {64, 64, 24, 24}, {3, 5, 13, 13}, {2, 3, 7, 9}, {1, 17, 31, 29}}
	rng := rand.New(rand.NewPCG(9, 9))
	for len(shapes) < 22 {
		shapes = append(shapes, layers.Shape{1 + rng.IntN(5), 1 + rng.IntN(19), 2 + rng.IntN(30), 2 + rng.IntN(30)})
	}
	return shapes
}

func TestElementwiseParity(t *testing.T) {
	vk := openVulkan(t)
	var cases []parityCase
	for _, s := range elementShapes() {
		name := fmt.Sprint(s)
		drop := layers.DropoutParams{P: 0.25, Layer: 5, Seed: 1234}
		cases = append(cases,
			// Exact: these only select or scale single values.
			parityCase{name: "relu" + name, inputs: []layers.Shape{s}, outputs: []layers.Shape{s},
				record: func(p layers.Program, i, o []layers.Tensor) { p.ReLU(i[0], o[0]) }},
			parityCase{name: "relu_backward" + name, inputs: []layers.Shape{s, s}, outputs: []layers.Shape{s},
				record: func(p layers.Program, i, o []layers.Tensor) { p.ReLUBackward(i[0], i[1], o[0]) }},
			parityCase{name: "dropout" + name, inputs: []layers.Shape{s}, outputs: []layers.Shape{s}, state: layers.StepState{Step: 77}, tol: 1e-7,
				record: func(p layers.Program, i, o []layers.Tensor) { p.Dropout(i[0], o[0], drop) }},
			parityCase{name: "dropout_backward" + name, inputs: []layers.Shape{s}, outputs: []layers.Shape{s}, state: layers.StepState{Step: 3}, tol: 1e-7,
				record: func(p layers.Program, i, o []layers.Tensor) { p.DropoutBackward(i[0], o[0], drop) }},
		)
		if s[2] >= 2 && s[3] >= 2 {
			pp := layers.PoolParams{Kernel: 2, Stride: 2}
			y := layers.Shape{s[0], s[1], layers.PoolOutput(s[2], pp), layers.PoolOutput(s[3], pp)}
			cases = append(cases,
				parityCase{name: "maxpool" + name, inputs: []layers.Shape{s}, outputs: []layers.Shape{y},
					record: func(p layers.Program, i, o []layers.Tensor) { p.MaxPool2D(i[0], o[0], pp) }},
			)
		}
	}
	checkParity(t, vk, cases)
}

// TestSGDParity checks the updated weights and momentum, which SGD writes
// in place into its inputs.
func TestSGDParity(t *testing.T) {
	vk := openVulkan(t)
	var cases []parityCase
	for _, n := range []int{1, 7, 64, 1000, 65537} {
		s := layers.Shape{n}
		cases = append(cases, parityCase{
			name: fmt.Sprint("n", n), inputs: []layers.Shape{s, s, s}, outputs: []layers.Shape{s, s},
			// Three float32 operations per element.
			state: layers.StepState{LR: 0.02}, tol: 1e-6,
			record: func(p layers.Program, i, o []layers.Tensor) {
				p.SGD(i[0], i[1], i[2], layers.SGDParams{Momentum: 0.9, WeightDecay: 5e-4})
				// Dropout with P = 0 copies w and v out exactly.
				p.Dropout(i[0], o[0], layers.DropoutParams{})
				p.Dropout(i[2], o[1], layers.DropoutParams{})
			},
		})
	}
	checkParity(t, vk, cases)
}

func TestMaxPoolBackwardParity(t *testing.T) {
	vk := openVulkan(t)
	var cases []parityCase
	for _, s := range elementShapes() {
		if s[2] < 2 || s[3] < 2 {
			continue
		}
		pp := layers.PoolParams{Kernel: 2, Stride: 2}
		y := layers.Shape{s[0], s[1], layers.PoolOutput(s[2], pp), layers.PoolOutput(s[3], pp)}
		cases = append(cases, parityCase{
			name: fmt.Sprint(s), inputs: []layers.Shape{s, y}, outputs: []layers.Shape{y, s},
			// Values on a coarse grid make ties in a window common, so the
			// first-maximum rule is exercised.
			fill: func(rng *rand.Rand, i int, v []float32) {
				for j := range v {
					v[j] = float32(rng.IntN(5)) - 2
				}
			},
			record: func(p layers.Program, i, o []layers.Tensor) {
				p.MaxPool2D(i[0], o[0], pp)
				p.MaxPool2DBackward(i[0], o[0], i[1], o[1], pp)
			},
		})
	}
	checkParity(t, vk, cases)
}

func TestSoftmaxCrossEntropyParity(t *testing.T) {
	vk := openVulkan(t)
	var cases []parityCase
	for _, d := range [][2]int{{1, 1}, {1, 10}, {64, 10}, {13, 7}, {3, 2}, {100, 10}, {2, 1000}, {17, 3}, {64, 100}, {5, 10},
		{7, 10}, {11, 10}, {19, 5}, {23, 10}, {29, 10}, {31, 4}, {37, 10}, {41, 10}, {43, 6}, {47, 10}, {53, 10}, {61, 10}} {
		n, k := d[0], d[1]
		for _, scale := range []float32{1, 1000} {
			cases = append(cases, parityCase{
				name: fmt.Sprintf("n%d_k%d_scale%v", n, k, scale), inputs: []layers.Shape{{n, k}, {n}}, outputs: []layers.Shape{{n, k}, {2}},
				fill: func(rng *rand.Rand, i int, v []float32) {
					for j := range v {
						if i == 0 {
							v[j] = (rng.Float32()*2 - 1) * scale
						} else {
							v[j] = float32(rng.IntN(k))
						}
					}
				},
				// exp and log differ by a few ulps between Go and GLSL; the
				// loss sum adds N of them.
				tol:    1e-5 * float64(n),
				record: func(p layers.Program, i, o []layers.Tensor) { p.SoftmaxCrossEntropy(i[0], i[1], o[0], o[1]) },
			})
		}
	}
	checkParity(t, vk, cases)
}

func TestBatchNormParity(t *testing.T) {
	vk := openVulkan(t)
	var cases []parityCase
	shapes := []layers.Shape{
		{1, 3, 5, 5}, {2, 3, 5, 5}, {1, 32, 28, 28}, {2, 64, 7, 7}, {64, 32, 14, 14}, {3, 1, 13, 11},
		{2, 256}, {3, 7}, {64, 256}, {5, 1}, {2, 17}, {17, 3},
	}
	rng := rand.New(rand.NewPCG(21, 22))
	for len(shapes) < 22 {
		shapes = append(shapes, layers.Shape{1 + rng.IntN(6), 1 + rng.IntN(20), 1 + rng.IntN(9), 2 + rng.IntN(9)})
	}
	bp := layers.BatchNormParams{Eps: 1e-5, Momentum: 0.1}
	for _, s := range shapes {
		c := layers.Shape{s[1]}
		m := s.Len() / s[1]
		// Per-channel sums of m values: 1e-5 relative per term covers the
		// different summation order of the two backends.
		tol := 1e-5 * float64(m)
		cases = append(cases,
			parityCase{
				name: fmt.Sprint("train", s), tol: tol,
				inputs:  []layers.Shape{s, c, c, c, c},
				outputs: []layers.Shape{s, c, c, c, c},
				fill: func(rng *rand.Rand, i int, v []float32) {
					for j := range v {
						switch i {
						case 0:
							v[j] = rng.Float32()*4 - 1 // x: mean 1, not centred
						case 3:
							v[j] = rng.Float32() + 0.5 // running variance > 0
						default:
							v[j] = rng.Float32()*2 - 1
						}
					}
				},
				record: func(p layers.Program, in, out []layers.Tensor) {
					p.BatchNormTrain(in[0], in[1], in[2], out[0], in[3], in[4], out[1], out[2], bp)
					// Copy the updated running statistics out exactly.
					p.Dropout(in[3], out[3], layers.DropoutParams{})
					p.Dropout(in[4], out[4], layers.DropoutParams{})
				},
			},
			parityCase{
				name: fmt.Sprint("eval", s), tol: 1e-5,
				inputs:  []layers.Shape{s, c, c, c, c},
				outputs: []layers.Shape{s},
				fill: func(rng *rand.Rand, i int, v []float32) {
					for j := range v {
						v[j] = rng.Float32()*2 - 1
						if i == 4 {
							v[j] = rng.Float32() + 0.5
						}
					}
				},
				record: func(p layers.Program, in, out []layers.Tensor) {
					p.BatchNormEval(in[0], in[1], in[2], in[3], in[4], out[0], bp)
				},
			},
			parityCase{
				name: fmt.Sprint("backward", s), tol: tol,
				inputs:  []layers.Shape{s, c, c, s, c, c},
				outputs: []layers.Shape{s, c, c, s, c, c},
				record: func(p layers.Program, in, out []layers.Tensor) {
					// The statistics come from a training pass on x.
					p.BatchNormTrain(in[0], in[1], in[2], out[3], in[4], in[5], out[4], out[5], bp)
					p.BatchNormBackward(in[0], in[1], in[3], out[4], out[5], out[0], out[1], out[2], bp)
				},
			},
		)
	}
	var valid []parityCase
	for i, c := range cases {
		if s := shapes[i/3]; s.Len()/s[1] < 2 && c.name[:4] != "eval" {
			continue // one value per channel cannot train
		}
		valid = append(valid, c)
	}
	checkParity(t, vk, valid)
}
