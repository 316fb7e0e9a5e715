package main

import (
	"fmt"
	"slices"

	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/nets"
)

// layerShape is one layer of a model at a batch size: its type, input
// shape and geometry, and the models that contain it.
type layerShape struct {
	kind   string // the layer's Kind, such as Conv2d
	in     layers.Shape
	out    layers.Shape
	layer  layers.Layer // the first model's layer of this shape, for its parameters
	models []string
}

// key identifies layers that run the same kernels on the same shapes.
func (s layerShape) key() string {
	return s.kind + " " + s.describe()
}

// describe names the shapes and geometry, as in
// "x[64 1 28 28] w[32 1 3 3] pad 0 -> y[64 32 26 26]".
func (s layerShape) describe() string {
	switch l := s.layer.(type) {
	case *layers.Conv2d:
		return fmt.Sprintf("x%v w[%d %d %d %d] pad %d -> y%v", []int(s.in), l.Out, l.In, l.Kernel, l.Kernel, l.Pad, []int(s.out))
	case *layers.Linear:
		return fmt.Sprintf("x%v w[%d %d] -> y%v", []int(s.in), l.Out, l.In, []int(s.out))
	case *layers.MaxPool2d:
		return fmt.Sprintf("x%v window %d stride %d -> y%v", []int(s.in), l.Kernel, l.Stride, []int(s.out))
	case *layers.Dropout:
		return fmt.Sprintf("x%v p %g", []int(s.in), l.P)
	}
	return fmt.Sprintf("x%v", []int(s.in))
}

// outputShape returns the output of layer l for input in, computed from
// the layer's geometry without allocating anything.
func outputShape(l layers.Layer, in layers.Shape) (layers.Shape, error) {
	switch l := l.(type) {
	case *layers.Conv2d:
		p := layers.ConvParams{Kernel: l.Kernel, Stride: l.Stride, Pad: l.Pad}
		return layers.Shape{in[0], l.Out, layers.ConvOutput(in[2], p), layers.ConvOutput(in[3], p)}, nil
	case *layers.MaxPool2d:
		p := layers.PoolParams{Kernel: l.Kernel, Stride: l.Stride}
		return layers.Shape{in[0], in[1], layers.PoolOutput(in[2], p), layers.PoolOutput(in[3], p)}, nil
	case *layers.Linear:
		return layers.Shape{in[0], l.Out}, nil
	case *layers.Flatten:
		return layers.Shape{in[0], in[1:].Len()}, nil
	case *layers.ReLU, *layers.Dropout, *layers.BatchNorm:
		return in, nil
	}
	return nil, fmt.Errorf("bench: no shape rule for layer type %s", l.Kind())
}

// distinctLayers lists the distinct layer shapes of the models at batch,
// in the order they first appear. Flatten is left out: it is a view and
// runs no kernel.
func distinctLayers(specs []nets.Spec, batch int) ([]layerShape, error) {
	var out []layerShape
	index := map[string]int{}
	for _, spec := range specs {
		shape := append(layers.Shape{batch}, spec.Input...)
		for _, l := range spec.NewLayers() {
			next, err := outputShape(l, shape)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", spec.Name, err)
			}
			s := layerShape{kind: l.Kind(), in: shape, out: next, layer: l}
			if _, ok := l.(*layers.BatchNorm); ok {
				s.kind = "BatchNorm2d"
				if len(shape) == 2 {
					s.kind = "BatchNorm1d"
				}
			}
			shape = next
			if s.kind == "Flatten" {
				continue
			}
			if i, ok := index[s.key()]; ok {
				if !slices.Contains(out[i].models, spec.Name) {
					out[i].models = append(out[i].models, spec.Name)
				}
				continue
			}
			s.models = []string{spec.Name}
			index[s.key()] = len(out)
			out = append(out, s)
		}
	}
	return out, nil
}
