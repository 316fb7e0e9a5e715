package check

import (
	"fmt"
	"math/rand/v2"

	"github.com/vkcnn/vkcnn/layers"
)

// modelBatch is the batch size of the model shapes. It is small so that a
// full check takes seconds on a CPU driver such as lavapipe, and above 1
// so that batch normalization over features can train.
const modelBatch = 2

// chunkedConv is a convolution whose im2col matrix (C·K² by N·OH·OW, 84
// MiB) exceeds the 64 MiB scratch buffer of the Vulkan backend. That
// backend then runs it in chunks of 28 samples, as it runs the largest
// model layers from a batch of about 30. Its tensors are small.
var chunkedConv = convShape{layers.Shape{37, 64, 32, 32}, 3, layers.ConvParams{Kernel: 3, Stride: 1, Pad: 1}}

// modelConvs are the distinct convolutions of the models in nets: input
// channels, square input size, output channels, kernel and padding. All
// have stride 1.
var modelConvs = []struct{ c, size, o, kernel, pad int }{
	{1, 28, 32, 3, 0}, {32, 26, 64, 3, 0}, // mnist-simple
	{1, 28, 32, 3, 1}, {32, 28, 32, 3, 1}, {32, 14, 64, 3, 1}, {64, 14, 64, 3, 1}, // mnist-blocks, mnist-bn
	{3, 32, 6, 5, 0}, {6, 14, 16, 5, 0}, // cifar-baseline
	{3, 32, 32, 3, 1}, {32, 32, 32, 3, 0}, {32, 15, 64, 3, 1}, {64, 15, 64, 3, 0}, // cifar-deep
	{3, 32, 64, 3, 1}, {64, 32, 64, 3, 1}, {64, 16, 128, 3, 1}, {128, 16, 128, 3, 1}, // cifar-bonus
	{128, 8, 256, 3, 1}, {256, 8, 256, 3, 1},
}

// modelLinears are the distinct fully connected layers of the models, as
// input and output features.
var modelLinears = [][2]int{
	{9216, 128}, {128, 10}, // mnist-simple
	{3136, 128},                     // mnist-blocks
	{400, 120}, {120, 84}, {84, 10}, // cifar-baseline
	{2304, 512}, {512, 10}, // cifar-deep
	{3136, 256}, {256, 10}, {4096, 256}, // mnist-bn, cifar-bonus
}

// modelPools are the inputs [C,H,W] of the 2×2 max pooling layers of the
// models.
var modelPools = []layers.Shape{
	{64, 24, 24}, {32, 28, 28}, {64, 14, 14}, {6, 28, 28}, {16, 10, 10},
	{32, 30, 30}, {64, 13, 13}, {64, 32, 32}, {128, 16, 16}, {256, 8, 8},
}

// modelDropouts are the dropout layers of the models: input shape without
// the batch, drop probability and module index.
var modelDropouts = []struct {
	shape layers.Shape
	p     float32
	layer uint32
}{
	{layers.Shape{64, 12, 12}, 0.25, 5}, {layers.Shape{128}, 0.5, 9}, // mnist-simple
	{layers.Shape{32, 15, 15}, 0.25, 5}, {layers.Shape{64, 6, 6}, 0.25, 11}, {layers.Shape{512}, 0.5, 15}, // cifar-deep
	{layers.Shape{256}, 0.4, 21}, // mnist-bn
	{layers.Shape{256}, 0.5, 25}, // cifar-bonus
}

// modelBatchNorms are the inputs of the batch normalization layers of
// the models, without the batch.
var modelBatchNorms = []layers.Shape{
	{32, 28, 28}, {64, 14, 14}, {256}, // mnist-bn
	{64, 32, 32}, {128, 16, 16}, {256, 8, 8}, // cifar-bonus
}

// modelParams are parameter shapes of the models that SGD updates, from
// the smallest bias to the largest weight.
var modelParams = []layers.Shape{
	{10}, {6, 3, 5, 5}, {32, 1, 3, 3}, {10, 128}, {64, 32, 3, 3}, {256, 256, 3, 3}, {128, 9216},
}

// batched returns s with the batch dimension n in front.
func batched(n int, s layers.Shape) layers.Shape {
	return append(layers.Shape{n}, s...)
}

// primes are the sizes random shapes draw from. Most are odd, so most
// shapes leave partly filled workgroups and tiles.
var primes = []int{1, 2, 3, 5, 7, 11, 13, 17}

// convShape is the geometry of one convolution case.
type convShape struct {
	x layers.Shape // [N,C,H,W]
	o int          // output channels
	p layers.ConvParams
}

func (s convShape) w() layers.Shape { return layers.Shape{s.o, s.x[1], s.p.Kernel, s.p.Kernel} }

func (s convShape) y() layers.Shape {
	return layers.Shape{s.x[0], s.o, layers.ConvOutput(s.x[2], s.p), layers.ConvOutput(s.x[3], s.p)}
}

func (s convShape) String() string {
	return fmt.Sprintf("x%v o%d k%d s%d p%d", s.x, s.o, s.p.Kernel, s.p.Stride, s.p.Pad)
}

// modelConvShape returns the geometry of modelConvs[i] at modelBatch.
func modelConvShape(i int) convShape {
	m := modelConvs[i]
	return convShape{
		layers.Shape{modelBatch, m.c, m.size, m.size}, m.o,
		layers.ConvParams{Kernel: m.kernel, Stride: 1, Pad: m.pad},
	}
}

// convShapes returns batch-1 and odd geometries, the model convolutions
// and random prime-sized geometries with kernels 1, 3 and 5, strides 1
// and 2 and padding 0 to 2. Quick keeps the first model layer and one
// random geometry.
func convShapes(rng *rand.Rand, quick bool) []convShape {
	shapes := []convShape{
		{layers.Shape{1, 1, 1, 1}, 1, layers.ConvParams{Kernel: 1, Stride: 1}},
		{layers.Shape{1, 2, 7, 5}, 3, layers.ConvParams{Kernel: 3, Stride: 2, Pad: 1}},
	}
	if !quick {
		shapes = append(shapes,
			convShape{layers.Shape{5, 3, 13, 11}, 7, layers.ConvParams{Kernel: 5, Stride: 2, Pad: 2}},
			convShape{layers.Shape{1, 17, 3, 3}, 19, layers.ConvParams{Kernel: 3, Stride: 1, Pad: 2}},
			chunkedConv,
		)
	}
	models := len(modelConvs)
	if quick {
		models = 1
	}
	for i := range models {
		shapes = append(shapes, modelConvShape(i))
	}
	random := 8
	if quick {
		random = 1
	}
	for range random {
		k := []int{1, 3, 5}[rng.IntN(3)]
		p := layers.ConvParams{Kernel: k, Stride: 1 + rng.IntN(2), Pad: rng.IntN(3)}
		shapes = append(shapes, convShape{
			layers.Shape{primes[rng.IntN(4)], primes[rng.IntN(len(primes))], k + rng.IntN(12), k + rng.IntN(12)},
			primes[rng.IntN(len(primes))], p,
		})
	}
	return shapes
}

// linearShape is the geometry of one fully connected case.
type linearShape struct{ n, in, out int }

func (s linearShape) String() string { return fmt.Sprintf("n%d in%d out%d", s.n, s.in, s.out) }

// linearShapes returns single-element and odd sizes, the model layers
// and random sizes. Quick keeps the two layers of mnist-simple and one
// random size.
func linearShapes(rng *rand.Rand, quick bool) []linearShape {
	shapes := []linearShape{{1, 1, 1}, {1, 7, 3}, {13, 17, 19}}
	models := modelLinears
	if quick {
		models = models[:2]
	}
	for _, m := range models {
		shapes = append(shapes, linearShape{modelBatch, m[0], m[1]})
	}
	random := 8
	if quick {
		random = 1
	}
	for range random {
		shapes = append(shapes, linearShape{1 + rng.IntN(70), 1 + rng.IntN(300), 1 + rng.IntN(140)})
	}
	return shapes
}

// activationShapes returns shapes for the element-wise operations: one
// element, odd sizes, the outputs of the model convolutions and layers,
// and random 4-D shapes. Quick keeps one model shape of each kind.
func activationShapes(rng *rand.Rand, quick bool) []layers.Shape {
	shapes := []layers.Shape{{1}, {1, 1, 1, 1}, {2, 3, 7, 9}, {1, 17, 31, 29}}
	seen := map[string]bool{}
	add := func(s layers.Shape) {
		if !seen[s.String()] {
			seen[s.String()] = true
			shapes = append(shapes, s)
		}
	}
	for i := range modelConvs {
		if quick && i > 0 {
			break
		}
		add(modelConvShape(i).y())
	}
	for i, m := range modelLinears {
		if quick && i > 0 {
			break
		}
		add(layers.Shape{modelBatch, m[1]})
	}
	random := 6
	if quick {
		random = 1
	}
	for range random {
		shapes = append(shapes, layers.Shape{1 + rng.IntN(5), 1 + rng.IntN(19), 1 + rng.IntN(30), 1 + rng.IntN(30)})
	}
	return shapes
}

// poolShape is the geometry of one max-pooling case.
type poolShape struct {
	x layers.Shape
	p layers.PoolParams
}

func (s poolShape) y() layers.Shape {
	return layers.Shape{s.x[0], s.x[1], layers.PoolOutput(s.x[2], s.p), layers.PoolOutput(s.x[3], s.p)}
}

func (s poolShape) String() string { return fmt.Sprintf("x%v k%d s%d", s.x, s.p.Kernel, s.p.Stride) }

// poolShapes returns pooling geometries: odd sizes that drop a row or a
// column, windows with gaps between them (stride above the kernel), the
// model layers and random sizes, all with windows that do not overlap as
// MaxPool2DBackward requires. Quick keeps one model layer and one random
// size.
func poolShapes(rng *rand.Rand, quick bool) []poolShape {
	k2 := layers.PoolParams{Kernel: 2, Stride: 2}
	shapes := []poolShape{
		{layers.Shape{1, 1, 2, 2}, k2},
		{layers.Shape{1, 1, 3, 3}, k2},
		{layers.Shape{2, 3, 7, 9}, k2},
		{layers.Shape{2, 3, 11, 10}, layers.PoolParams{Kernel: 3, Stride: 3}},
		{layers.Shape{1, 2, 9, 8}, layers.PoolParams{Kernel: 2, Stride: 3}},
	}
	if !quick {
		shapes = append(shapes, poolShape{layers.Shape{1, 17, 31, 29}, k2})
	}
	for i, m := range modelPools {
		if quick && i > 0 {
			break
		}
		shapes = append(shapes, poolShape{batched(modelBatch, m), k2})
	}
	random := 5
	if quick {
		random = 1
	}
	for range random {
		shapes = append(shapes, poolShape{layers.Shape{1 + rng.IntN(5), 1 + rng.IntN(19), 2 + rng.IntN(30), 2 + rng.IntN(30)}, k2})
	}
	return shapes
}

// softmaxShapes returns logits shapes [N,K]: one element, one row, the
// models' batch of 10 classes, 1000 classes, and random sizes.
func softmaxShapes(rng *rand.Rand, quick bool) [][2]int {
	shapes := [][2]int{{1, 1}, {modelBatch, 10}, {13, 7}}
	if !quick {
		shapes = append(shapes, [2]int{1, 10}, [2]int{3, 2}, [2]int{2, 1000}, [2]int{17, 3}, [2]int{64, 10}, [2]int{64, 100})
		for range 4 {
			shapes = append(shapes, [2]int{1 + rng.IntN(70), 1 + rng.IntN(30)})
		}
	}
	return shapes
}

// batchNormShapes returns inputs for batch normalization: single values
// per channel (which only BatchNormEval takes), batch 1 with several
// values per channel, odd sizes, the model layers and random sizes.
func batchNormShapes(rng *rand.Rand, quick bool) []layers.Shape {
	shapes := []layers.Shape{{1, 3}, {1, 4, 1, 1}, {1, 3, 5, 5}, {2, 17}, {3, 1, 13, 11}}
	if !quick {
		shapes = append(shapes, layers.Shape{2, 3, 5, 5}, layers.Shape{5, 1}, layers.Shape{17, 3})
	}
	models := modelBatchNorms
	if quick {
		models = []layers.Shape{modelBatchNorms[0], modelBatchNorms[2]} // over channels, over features
	}
	for _, m := range models {
		shapes = append(shapes, batched(modelBatch, m))
	}
	random := 6
	if quick {
		random = 1
	}
	for range random {
		shapes = append(shapes, layers.Shape{1 + rng.IntN(6), 1 + rng.IntN(20), 1 + rng.IntN(9), 2 + rng.IntN(9)})
	}
	return shapes
}

// sgdShapes returns parameter shapes for SGD: one element, odd sizes, the
// model parameters and one size past a power of two.
func sgdShapes(quick bool) []layers.Shape {
	if quick {
		return []layers.Shape{{1}, {7}, {32, 1, 3, 3}, {10, 128}}
	}
	return append([]layers.Shape{{1}, {7}, {65537}}, modelParams...)
}
