package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/layers/vulkan"
)

// kernelPass is one pass of a layer shape: the backend operation that the
// trainer records for it, and the work it does.
type kernelPass struct {
	pass   string  // forward, backward-data, backward-filter or backward
	flops  float64 // floating-point operations, a multiply-add counted as 2
	bytes  float64 // the minimum memory traffic: every input read and every output written once
	record func(p layers.Program, t *kernelTensors)

	// op is the Program method that the pass calls. Only the dispatches
	// it records are timed.
	op string
	// before, when set, records what the trainer records earlier in the
	// same step and the pass depends on: the forward convolution, whose
	// im2col columns the filter gradient reuses.
	before func(p layers.Program, t *kernelTensors)
}

// kernelTensors are the tensors of one layer shape's passes.
type kernelTensors struct {
	x, y, dx, dy        layers.Tensor
	w, b, dw, db        layers.Tensor
	runMean, runVar     layers.Tensor
	saveMean, saveInvSd layers.Tensor
}

// newKernelTensors allocates the tensors of s on b and fills them with
// normal random values (positive for the running variance), so ReLU
// masks and pooling maxima are as varied as in training.
func newKernelTensors(b layers.Backend, s layerShape) (*kernelTensors, error) {
	t := &kernelTensors{}
	var wShape, bShape layers.Shape
	switch l := s.layer.(type) {
	case *layers.Conv2d:
		wShape, bShape = layers.Shape{l.Out, l.In, l.Kernel, l.Kernel}, layers.Shape{l.Out}
	case *layers.Linear:
		wShape, bShape = layers.Shape{l.Out, l.In}, layers.Shape{l.Out}
	case *layers.BatchNorm:
		wShape, bShape = layers.Shape{s.in[1]}, layers.Shape{s.in[1]}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alloc := func(dst *layers.Tensor, shape layers.Shape, positive bool) error {
		if shape == nil {
			return nil
		}
		tensor, err := b.NewTensor(shape)
		if err != nil {
			return err
		}
		values := make([]float32, shape.Len())
		for i := range values {
			values[i] = float32(rng.NormFloat64())
			if positive {
				values[i] = 0.5 + values[i]*values[i]
			}
		}
		*dst = tensor
		return b.Upload(tensor, values)
	}
	var channels layers.Shape
	if _, ok := s.layer.(*layers.BatchNorm); ok {
		channels = layers.Shape{s.in[1]}
	}
	for _, a := range []struct {
		dst      *layers.Tensor
		shape    layers.Shape
		positive bool
	}{
		{&t.x, s.in, false}, {&t.dx, s.in, false}, {&t.y, s.out, false}, {&t.dy, s.out, false},
		{&t.w, wShape, false}, {&t.dw, wShape, false}, {&t.b, bShape, false}, {&t.db, bShape, false},
		{&t.runMean, channels, false}, {&t.runVar, channels, true},
		{&t.saveMean, channels, false}, {&t.saveInvSd, channels, true},
	} {
		if err := alloc(a.dst, a.shape, a.positive); err != nil {
			return nil, fmt.Errorf("bench: %s %s: %w", s.kind, s.describe(), err)
		}
	}
	return t, nil
}

// passes returns the passes that training runs for a layer shape.
func passes(s layerShape) []kernelPass {
	const f32 = 4
	in, out := float64(s.in.Len()), float64(s.out.Len())
	switch l := s.layer.(type) {
	case *layers.Conv2d:
		p := layers.ConvParams{Kernel: l.Kernel, Stride: l.Stride, Pad: l.Pad}
		weights := float64(l.Out * l.In * l.Kernel * l.Kernel)
		macs := out * float64(l.In*l.Kernel*l.Kernel)
		return []kernelPass{
			{pass: "forward", op: "Conv2D", flops: 2*macs + out, bytes: f32 * (in + weights + float64(l.Out) + out),
				record: func(pr layers.Program, t *kernelTensors) { pr.Conv2D(t.x, t.w, t.b, t.y, p) }},
			{pass: "backward-data", op: "Conv2DBackwardData", flops: 2 * macs, bytes: f32 * (out + weights + in),
				record: func(pr layers.Program, t *kernelTensors) { pr.Conv2DBackwardData(t.dy, t.w, t.dx, p) }},
			{pass: "backward-filter", op: "Conv2DBackwardFilter", flops: 2*macs + out,
				bytes:  f32 * (in + out + weights + float64(l.Out)),
				before: func(pr layers.Program, t *kernelTensors) { pr.Conv2D(t.x, t.w, t.b, t.y, p) },
				record: func(pr layers.Program, t *kernelTensors) { pr.Conv2DBackwardFilter(t.x, t.dy, t.dw, t.db, p) }},
		}
	case *layers.Linear:
		n := float64(s.in[0])
		weights := float64(l.Out * l.In)
		macs := n * weights
		return []kernelPass{
			{pass: "forward", op: "Linear", flops: 2*macs + out, bytes: f32 * (in + weights + float64(l.Out) + out),
				record: func(pr layers.Program, t *kernelTensors) { pr.Linear(t.x, t.w, t.b, t.y) }},
			// One LinearBackward call computes both gradients; the backend
			// labels their dispatches apart, so each pass times its own.
			{pass: "backward-data", op: "LinearBackward/data", flops: 2 * macs, bytes: f32 * (out + weights + in),
				record: func(pr layers.Program, t *kernelTensors) { pr.LinearBackward(t.x, t.w, t.dy, t.dx, t.dw, t.db) }},
			{pass: "backward-filter", op: "LinearBackward/filter", flops: 2*macs + out,
				bytes:  f32 * (in + out + weights + float64(l.Out)),
				record: func(pr layers.Program, t *kernelTensors) { pr.LinearBackward(t.x, t.w, t.dy, t.dx, t.dw, t.db) }},
		}
	case *layers.ReLU:
		return []kernelPass{
			{pass: "forward", op: "ReLU", flops: out, bytes: f32 * (in + out),
				record: func(pr layers.Program, t *kernelTensors) { pr.ReLU(t.x, t.y) }},
			{pass: "backward", op: "ReLUBackward", flops: out, bytes: f32 * (2*out + in),
				record: func(pr layers.Program, t *kernelTensors) { pr.ReLUBackward(t.y, t.dy, t.dx) }},
		}
	case *layers.MaxPool2d:
		p := layers.PoolParams{Kernel: l.Kernel, Stride: l.Stride}
		window := float64(l.Kernel * l.Kernel)
		return []kernelPass{
			{pass: "forward", op: "MaxPool2D", flops: out * window, bytes: f32 * (in + out),
				record: func(pr layers.Program, t *kernelTensors) { pr.MaxPool2D(t.x, t.y, p) }},
			{pass: "backward", op: "MaxPool2DBackward", flops: out * window, bytes: f32 * (in + 2*out + in),
				record: func(pr layers.Program, t *kernelTensors) { pr.MaxPool2DBackward(t.x, t.y, t.dy, t.dx, p) }},
		}
	case *layers.Dropout:
		p := layers.DropoutParams{P: l.P, Layer: 1, Seed: 1}
		return []kernelPass{
			{pass: "forward", op: "Dropout", flops: out, bytes: f32 * (in + out),
				record: func(pr layers.Program, t *kernelTensors) { pr.Dropout(t.x, t.y, p) }},
			{pass: "backward", op: "DropoutBackward", flops: out, bytes: f32 * (2 * out),
				record: func(pr layers.Program, t *kernelTensors) { pr.DropoutBackward(t.dy, t.dx, p) }},
		}
	case *layers.BatchNorm:
		p := layers.BatchNormParams{Eps: l.Eps, Momentum: l.Momentum}
		channels := float64(s.in[1])
		return []kernelPass{
			// Statistics (a read of x), then normalization (a read and a write).
			{pass: "forward", op: "BatchNormTrain", flops: 7 * in, bytes: f32 * (2*in + out + 6*channels),
				record: func(pr layers.Program, t *kernelTensors) {
					pr.BatchNormTrain(t.x, t.w, t.b, t.y, t.runMean, t.runVar, t.saveMean, t.saveInvSd, p)
				}},
			// Two reductions over x and dy, then dx.
			{pass: "backward", op: "BatchNormBackward", flops: 10 * in, bytes: f32 * (4*in + in + 4*channels),
				record: func(pr layers.Program, t *kernelTensors) {
					pr.BatchNormBackward(t.x, t.w, t.dy, t.saveMean, t.saveInvSd, t.dx, t.dw, t.db, p)
				}},
		}
	}
	return nil
}

// kernelTiming is one pass timed on the device.
type kernelTiming struct {
	shape layerShape
	pass  kernelPass
	ms    []float64 // device time of each timed run
}

// timeKernels records every pass of every layer shape into its own
// program on a profiling Vulkan backend, runs it warmup times, then
// repeat times, and takes each run's device time from the timestamps
// around the pass's dispatches.
func timeKernels(b *vulkan.Backend, shapes []layerShape, warmup, repeat int, progress func(string)) ([]kernelTiming, error) {
	if !b.Profile {
		return nil, fmt.Errorf("bench: the kernel timings need a backend with Profile set")
	}
	var out []kernelTiming
	for _, s := range shapes {
		t, err := newKernelTensors(b, s)
		if err != nil {
			return nil, err
		}
		for _, kp := range passes(s) {
			progress(fmt.Sprintf("%s %s %s", s.kind, kp.pass, s.describe()))
			ms, err := timeProgram(b, kp, t, warmup, repeat)
			if err != nil {
				return nil, fmt.Errorf("bench: %s %s %s: %w", s.kind, kp.pass, s.describe(), err)
			}
			out = append(out, kernelTiming{shape: s, pass: kp, ms: ms})
		}
	}
	return out, nil
}

// timeProgram records a pass (after what it depends on) into a program,
// runs it warmup times untimed and repeat times timed, and returns the
// device time of the pass's own dispatches in each timed run, in ms.
func timeProgram(b *vulkan.Backend, kp kernelPass, t *kernelTensors, warmup, repeat int) ([]float64, error) {
	p, err := b.NewProgram()
	if err != nil {
		return nil, err
	}
	defer p.Release()
	if kp.before != nil {
		kp.before(p, t)
	}
	kp.record(p, t)
	if err := p.End(); err != nil {
		return nil, err
	}
	state := stepState()
	for range warmup {
		if err := p.Run(state); err != nil {
			return nil, err
		}
	}
	ms := make([]float64, 0, repeat)
	for range repeat {
		if err := p.Run(state); err != nil {
			return nil, err
		}
		ops, err := p.(*vulkan.Program).Profile()
		if err != nil {
			return nil, err
		}
		ms = append(ms, deviceMs(passOps(ops, kp.op)))
	}
	return ms, nil
}

// passOps returns the operations that the Program method op recorded;
// the vulkan backend labels each dispatch "<method>:<shader>".
func passOps(ops []vulkan.OpTime, op string) []vulkan.OpTime {
	var out []vulkan.OpTime
	for _, o := range ops {
		if strings.HasPrefix(o.Op, op+":") {
			out = append(out, o)
		}
	}
	return out
}

// deviceMs sums the device time of profiled operations, in ms.
func deviceMs(ops []vulkan.OpTime) float64 {
	total := 0.0
	for _, op := range ops {
		total += op.Ns
	}
	return total / float64(time.Millisecond)
}

// stepState is the step state of kernel programs: only dropout (the step
// feeds its mask) and SGD (the learning rate) read it.
func stepState() layers.StepState { return layers.StepState{Step: 1, LR: 0.01} }
