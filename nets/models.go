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
		return Spec{}, fmt.Errorf("nets: unknown model %q (known: %s)", name, strings.Join(Names(), ", "))
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
}
