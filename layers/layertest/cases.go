package layertest

import (
	"fmt"
	"math/rand/v2"

	"github.com/vkcnn/vkcnn/layers"
)

// ConvCase is the geometry of a 2-D convolution test: x is [N,C,H,W] and
// w is [O,C,K,K], with K, stride and padding in Params.
type ConvCase struct {
	N, C, H, W, O int
	Params        layers.ConvParams
}

// XShape returns the input shape [N,C,H,W].
func (c ConvCase) XShape() layers.Shape { return layers.Shape{c.N, c.C, c.H, c.W} }

// WShape returns the weight shape [O,C,K,K].
func (c ConvCase) WShape() layers.Shape {
	return layers.Shape{c.O, c.C, c.Params.Kernel, c.Params.Kernel}
}

// BShape returns the bias shape [O].
func (c ConvCase) BShape() layers.Shape { return layers.Shape{c.O} }

// YShape returns the output shape [N,O,OH,OW].
func (c ConvCase) YShape() layers.Shape {
	return layers.Shape{c.N, c.O, layers.ConvOutput(c.H, c.Params), layers.ConvOutput(c.W, c.Params)}
}

// String names the case for subtests, e.g. N2_C3_H13_W7_O5_K3_S2_P1.
func (c ConvCase) String() string {
	return fmt.Sprintf("N%d_C%d_H%d_W%d_O%d_K%d_S%d_P%d",
		c.N, c.C, c.H, c.W, c.O, c.Params.Kernel, c.Params.Stride, c.Params.Pad)
}

// ConvCases returns convolution cases for every combination of kernel size
// 1, 3 and 5, stride 1 and 2, and padding 0, 1 and 2, with batch sizes 1
// to 3 and odd, prime and even image sizes drawn from seed. Four fixed
// cases follow. The first has more output channels and pixels than a
// 64×64 matrix block, and the second has dot products longer than 64. The
// third is a batch of 11, which splits unevenly, and the last is the
// second convolution of MNIST's mnist-simple net on two images.
func ConvCases(seed uint64) []ConvCase {
	rng := rand.New(rand.NewPCG(seed, 0x636f6e76))
	sizes := []int{5, 7, 8, 11, 13}
	channels := []int{1, 2, 3, 5}
	outputs := []int{1, 2, 3, 7}

	var cases []ConvCase
	for _, k := range []int{1, 3, 5} {
		for _, s := range []int{1, 2} {
			for _, p := range []int{0, 1, 2} {
				cases = append(cases, ConvCase{
					N:      1 + len(cases)%3,
					C:      channels[rng.IntN(len(channels))],
					H:      sizes[rng.IntN(len(sizes))],
					W:      sizes[rng.IntN(len(sizes))],
					O:      outputs[rng.IntN(len(outputs))],
					Params: layers.ConvParams{Kernel: k, Stride: s, Pad: p},
				})
			}
		}
	}
	return append(cases,
		ConvCase{N: 2, C: 3, H: 17, W: 19, O: 70, Params: layers.ConvParams{Kernel: 5, Stride: 1, Pad: 2}},
		ConvCase{N: 3, C: 16, H: 9, W: 9, O: 13, Params: layers.ConvParams{Kernel: 3, Stride: 2, Pad: 1}},
		ConvCase{N: 11, C: 2, H: 9, W: 9, O: 4, Params: layers.ConvParams{Kernel: 3, Stride: 1, Pad: 0}},
		ConvCase{N: 2, C: 32, H: 26, W: 26, O: 64, Params: layers.ConvParams{Kernel: 3, Stride: 1, Pad: 0}},
	)
}

// PoolCase is the geometry of a max-pooling test: x is [N,C,H,W].
type PoolCase struct {
	N, C, H, W int
	Params     layers.PoolParams
}

// XShape returns the input shape [N,C,H,W].
func (c PoolCase) XShape() layers.Shape { return layers.Shape{c.N, c.C, c.H, c.W} }

// YShape returns the output shape [N,C,PH,PW], sizes rounded down.
func (c PoolCase) YShape() layers.Shape {
	return layers.Shape{c.N, c.C, layers.PoolOutput(c.H, c.Params), layers.PoolOutput(c.W, c.Params)}
}

// Overlapping reports whether windows overlap (Stride < Kernel), which
// MaxPool2D accepts and MaxPool2DBackward rejects.
func (c PoolCase) Overlapping() bool { return c.Params.Stride < c.Params.Kernel }

// String names the case for subtests, e.g. N2_C3_H13_W13_K2_S2.
func (c PoolCase) String() string {
	return fmt.Sprintf("N%d_C%d_H%d_W%d_K%d_S%d", c.N, c.C, c.H, c.W, c.Params.Kernel, c.Params.Stride)
}

// PoolCases returns pooling cases with windows 1 to 3, strides 1 to 3 and
// odd sizes, whose last rows and columns fall outside every window (13
// pooled by 2 with stride 2 gives 6). The last case is the pooling of
// mnist-simple, [N,64,24,24] to [N,64,12,12].
func PoolCases(seed uint64) []PoolCase {
	rng := rand.New(rand.NewPCG(seed, 0x706f6f6c))
	sizes := []int{5, 7, 9, 13}
	windows := []layers.PoolParams{
		{Kernel: 1, Stride: 1}, {Kernel: 2, Stride: 2}, {Kernel: 3, Stride: 3},
		{Kernel: 2, Stride: 3}, {Kernel: 3, Stride: 2}, {Kernel: 3, Stride: 1},
	}
	cases := []PoolCase{{N: 1, C: 1, H: 13, W: 13, Params: layers.PoolParams{Kernel: 2, Stride: 2}}}
	for i, p := range windows {
		cases = append(cases, PoolCase{
			N:      1 + i%3,
			C:      1 + rng.IntN(4),
			H:      sizes[rng.IntN(len(sizes))],
			W:      sizes[rng.IntN(len(sizes))],
			Params: p,
		})
	}
	return append(cases, PoolCase{N: 3, C: 64, H: 24, W: 24, Params: layers.PoolParams{Kernel: 2, Stride: 2}})
}

// LinearCase is the geometry of a fully connected layer test: x is
// [N,In] and w is [Out,In].
type LinearCase struct {
	N, In, Out int
}

// XShape returns the input shape [N,In].
func (c LinearCase) XShape() layers.Shape { return layers.Shape{c.N, c.In} }

// WShape returns the weight shape [Out,In].
func (c LinearCase) WShape() layers.Shape { return layers.Shape{c.Out, c.In} }

// BShape returns the bias shape [Out].
func (c LinearCase) BShape() layers.Shape { return layers.Shape{c.Out} }

// YShape returns the output shape [N,Out].
func (c LinearCase) YShape() layers.Shape { return layers.Shape{c.N, c.Out} }

// String names the case for subtests, e.g. N5_In13_Out11.
func (c LinearCase) String() string { return fmt.Sprintf("N%d_In%d_Out%d", c.N, c.In, c.Out) }

// LinearCases returns fully connected cases from 1×1 up to sizes past a
// 64×64 matrix block, with odd and prime sizes, batch 1, and the last two
// layers of mnist-simple.
func LinearCases() []LinearCase {
	return []LinearCase{
		{N: 1, In: 1, Out: 1},
		{N: 1, In: 7, Out: 3},
		{N: 5, In: 13, Out: 11},
		{N: 2, In: 97, Out: 65},
		{N: 67, In: 70, Out: 3},
		{N: 3, In: 1031, Out: 10},
		{N: 4, In: 9216, Out: 128},
		{N: 64, In: 128, Out: 10},
	}
}

// BatchNormCase is the input shape of a batch normalization test: x is
// [N,C,H,W] (BatchNorm2d), or [N,C] (BatchNorm1d) when H and W are 0.
type BatchNormCase struct {
	N, C, H, W int
}

// XShape returns the input shape, [N,C,H,W] or [N,C].
func (c BatchNormCase) XShape() layers.Shape {
	if c.H == 0 && c.W == 0 {
		return layers.Shape{c.N, c.C}
	}
	return layers.Shape{c.N, c.C, c.H, c.W}
}

// ChannelShape returns [C], the shape of γ, β and the statistics.
func (c BatchNormCase) ChannelShape() layers.Shape { return layers.Shape{c.C} }

// ValuesPerChannel returns m = N·H·W, or N for [N,C]: the number of values
// each channel's batch statistics are taken over.
func (c BatchNormCase) ValuesPerChannel() int { return c.XShape().Len() / c.C }

// Trainable reports whether BatchNormTrain accepts the case, which needs
// m > 1 for the unbiased variance of the running statistics.
func (c BatchNormCase) Trainable() bool { return c.ValuesPerChannel() > 1 }

// String names the case for subtests, e.g. N2_C3_H5_W7 or N2_C64.
func (c BatchNormCase) String() string {
	if c.H == 0 && c.W == 0 {
		return fmt.Sprintf("N%d_C%d", c.N, c.C)
	}
	return fmt.Sprintf("N%d_C%d_H%d_W%d", c.N, c.C, c.H, c.W)
}

// BatchNormCases returns batch normalization cases over channels and over
// features, with batch 1 and 2, odd sizes and 1, 3 and 64 channels. Batch
// 1 of [N,C,H,W] still has m = H·W values per channel. The two cases with
// m = 1 ([1,3] and [1,3,1,1]) are valid for BatchNormEval only. The
// largest case, [13,64,12,12], is split into several parts of channels.
func BatchNormCases() []BatchNormCase {
	return []BatchNormCase{
		{N: 1, C: 3, H: 5, W: 7},
		{N: 2, C: 1, H: 9, W: 11},
		{N: 2, C: 64, H: 3, W: 5},
		{N: 2, C: 3, H: 1, W: 1},
		{N: 1, C: 3, H: 1, W: 1},
		{N: 13, C: 64, H: 12, W: 12},
		{N: 1, C: 3},
		{N: 2, C: 3},
		{N: 2, C: 64},
		{N: 5, C: 1},
		{N: 7, C: 13},
		{N: 64, C: 128},
	}
}
