// Package nets builds the models from layers, trains them and evaluates
// them, on whichever backend it is given; nothing here branches on the
// backend.
package nets

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vkcnn/vkcnn/layers"
)

// Spec describes a model and how it is trained by default.
type Spec struct {
	Name         string
	Dataset      string // "mnist" or "cifar10"
	Input        layers.Shape
	Classes      int
	LR           float32
	Momentum     float32
	WeightDecay  float32
	Epochs       int
	Parameters   int // learnable parameters, for a test of the architecture
	NewLayers    func() []layers.Layer
	Architecture string // the module list, as printed in logs
}

var registry = map[string]Spec{}

func register(s Spec) { registry[s.Name] = s }

// Lookup returns the spec of a model by name.
func Lookup(name string) (Spec, error) {
	s, ok := registry[name]
	if !ok {
		return Spec{}, fmt.Errorf("nets: unknown model %q: want one of %s", name, strings.Join(Names(), ", "))
	}
	return s, nil
}

// Names lists the registered models in a fixed order: MNIST models first.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := registry[names[i]], registry[names[j]]
		if a.Dataset != b.Dataset {
			return a.Dataset == "mnist"
		}
		return names[i] < names[j]
	})
	return names
}

func init() {
	register(Spec{
		Name: "mnist-simple", Dataset: "mnist", Input: layers.Shape{1, 28, 28}, Classes: 10,
		LR: 0.01, Momentum: 0.9, WeightDecay: 0, Epochs: 2, Parameters: 1_199_882,
		Architecture: "Conv(1→32,3,0) ReLU · Conv(32→64,3,0) ReLU · Pool · Drop(0.25) · Flatten · FC(9216→128) ReLU · Drop(0.5) · FC(128→10)",
		NewLayers: func() []layers.Layer {
			return []layers.Layer{
				layers.NewConv2d(1, 32, 3, 0), &layers.ReLU{},
				layers.NewConv2d(32, 64, 3, 0), &layers.ReLU{},
				layers.NewMaxPool2d(2), layers.NewDropout(0.25),
				&layers.Flatten{},
				layers.NewLinear(9216, 128), &layers.ReLU{},
				layers.NewDropout(0.5),
				layers.NewLinear(128, 10),
			}
		},
	})

	register(Spec{
		Name: "mnist-blocks", Dataset: "mnist", Input: layers.Shape{1, 28, 28}, Classes: 10,
		LR: 0.01, Momentum: 0.9, WeightDecay: 0, Epochs: 2, Parameters: 467_818,
		Architecture: "[Conv(1→32,3,1) ReLU · Conv(32→32,3,1) ReLU · Pool] · [Conv(32→64,3,1) ReLU · Conv(64→64,3,1) ReLU · Pool] · Flatten · FC(3136→128) ReLU · Drop(0.5) · FC(128→10)",
		NewLayers: func() []layers.Layer {
			return []layers.Layer{
				layers.NewConv2d(1, 32, 3, 1), &layers.ReLU{},
				layers.NewConv2d(32, 32, 3, 1), &layers.ReLU{},
				layers.NewMaxPool2d(2),
				layers.NewConv2d(32, 64, 3, 1), &layers.ReLU{},
				layers.NewConv2d(64, 64, 3, 1), &layers.ReLU{},
				layers.NewMaxPool2d(2),
				&layers.Flatten{},
				layers.NewLinear(3136, 128), &layers.ReLU{},
				layers.NewDropout(0.5),
				layers.NewLinear(128, 10),
			}
		},
	})
	register(Spec{
		Name: "cifar-baseline", Dataset: "cifar10", Input: layers.Shape{3, 32, 32}, Classes: 10,
		LR: 0.02, Momentum: 0.9, WeightDecay: 5e-4, Epochs: 15, Parameters: 62_006,
		Architecture: "Conv(3→6,5,0) ReLU · Pool · Conv(6→16,5,0) ReLU · Pool · Flatten · FC(400→120) ReLU · FC(120→84) ReLU · FC(84→10)",
		NewLayers: func() []layers.Layer {
			return []layers.Layer{
				layers.NewConv2d(3, 6, 5, 0), &layers.ReLU{}, layers.NewMaxPool2d(2),
				layers.NewConv2d(6, 16, 5, 0), &layers.ReLU{}, layers.NewMaxPool2d(2),
				&layers.Flatten{},
				layers.NewLinear(400, 120), &layers.ReLU{},
				layers.NewLinear(120, 84), &layers.ReLU{},
				layers.NewLinear(84, 10),
			}
		},
	})
	register(Spec{
		Name: "cifar-deep", Dataset: "cifar10", Input: layers.Shape{3, 32, 32}, Classes: 10,
		LR: 0.02, Momentum: 0.9, WeightDecay: 5e-4, Epochs: 15, Parameters: 1_250_858,
		Architecture: "Conv(3→32,3,1) ReLU · Conv(32→32,3,0) ReLU · Pool · Drop(0.25) · Conv(32→64,3,1) ReLU · Conv(64→64,3,0) ReLU · Pool · Drop(0.25) · Flatten · FC(2304→512) ReLU · Drop(0.5) · FC(512→10)",
		NewLayers: func() []layers.Layer {
			return []layers.Layer{
				layers.NewConv2d(3, 32, 3, 1), &layers.ReLU{},
				layers.NewConv2d(32, 32, 3, 0), &layers.ReLU{},
				layers.NewMaxPool2d(2), layers.NewDropout(0.25),
				layers.NewConv2d(32, 64, 3, 1), &layers.ReLU{},
				layers.NewConv2d(64, 64, 3, 0), &layers.ReLU{},
				layers.NewMaxPool2d(2), layers.NewDropout(0.25),
				&layers.Flatten{},
				layers.NewLinear(2304, 512), &layers.ReLU{},
				layers.NewDropout(0.5),
				layers.NewLinear(512, 10),
			}
		},
	})
	register(Spec{
		Name: "mnist-bn", Dataset: "mnist", Input: layers.Shape{1, 28, 28}, Classes: 10,
		LR: 0.01, Momentum: 0.9, WeightDecay: 0, Epochs: 2, Parameters: 871_530,
		Architecture: "[Conv(1→32,3,1) BN2d ReLU · Conv(32→32,3,1) BN2d ReLU · Pool] · [Conv(32→64,3,1) BN2d ReLU · Conv(64→64,3,1) BN2d ReLU · Pool] · Flatten · FC(3136→256) BN1d ReLU · Drop(0.4) · FC(256→10)",
		NewLayers: func() []layers.Layer {
			return []layers.Layer{
				layers.NewConv2d(1, 32, 3, 1), layers.NewBatchNorm(32), &layers.ReLU{},
				layers.NewConv2d(32, 32, 3, 1), layers.NewBatchNorm(32), &layers.ReLU{},
				layers.NewMaxPool2d(2),
				layers.NewConv2d(32, 64, 3, 1), layers.NewBatchNorm(64), &layers.ReLU{},
				layers.NewConv2d(64, 64, 3, 1), layers.NewBatchNorm(64), &layers.ReLU{},
				layers.NewMaxPool2d(2),
				&layers.Flatten{},
				layers.NewLinear(3136, 256), layers.NewBatchNorm(256), &layers.ReLU{},
				layers.NewDropout(0.4),
				layers.NewLinear(256, 10),
			}
		},
	})
	register(Spec{
		Name: "cifar-bonus", Dataset: "cifar10", Input: layers.Shape{3, 32, 32}, Classes: 10,
		LR: 0.02, Momentum: 0.9, WeightDecay: 5e-4, Epochs: 15, Parameters: 2_198_602,
		Architecture: "for c in 64, 128, 256: [Conv(→c,3,1) BN2d ReLU · Conv(c→c,3,1) BN2d ReLU · Pool] · Flatten · FC(4096→256) ReLU · Drop(0.5) · FC(256→10)",
		NewLayers: func() []layers.Layer {
			var ls []layers.Layer
			in := 3
			for _, c := range []int{64, 128, 256} {
				ls = append(ls,
					layers.NewConv2d(in, c, 3, 1), layers.NewBatchNorm(c), &layers.ReLU{},
					layers.NewConv2d(c, c, 3, 1), layers.NewBatchNorm(c), &layers.ReLU{},
					layers.NewMaxPool2d(2))
				in = c
			}
			return append(ls,
				&layers.Flatten{},
				layers.NewLinear(4096, 256), &layers.ReLU{},
				layers.NewDropout(0.5),
				layers.NewLinear(256, 10))
		},
	})
}
