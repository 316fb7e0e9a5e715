package main

import (
	"fmt"
	"math"
	"time"

	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/layers/vulkan"
	"github.com/vkcnn/vkcnn/nets"
)

// modelTiming is a model's measured throughput at one batch size.
type modelTiming struct {
	spec        nets.Spec
	batch       int
	train, eval []float64          // images per second of each timed run
	share       map[string]float64 // layer type to fraction of the training step's device time
	memoryBytes int64              // device memory the model takes, 0 when not known
	deviceMs    float64            // one profiled training step timed by timestamps
	hostMs      float64            // the same step timed by the host clock around submit and wait
}

// benchInput returns the benchmark's input batch: image i, element j is
// sin(0.37·(i·size+j)) and label i is i mod classes. The formula, not a
// random generator, defines it, so the PyTorch script feeds the same
// values.
func benchInput(n int, spec nets.Spec) (images, labels []float32) {
	size := spec.Input.Len()
	images = make([]float32, n*size)
	for k := range images {
		images[k] = float32(math.Sin(0.37 * float64(k)))
	}
	labels = make([]float32, n)
	for i := range labels {
		labels[i] = float32(i % spec.Classes)
	}
	return images, labels
}

// timeModel measures training-step and evaluation throughput of spec at
// batch on b: warmup untimed steps, then repeat timed runs of steps steps
// each. On a Vulkan backend it also measures the memory the model takes,
// the share of each layer type in a profiled training step, and how the
// step's timestamp time and host time differ.
func timeModel(b layers.Backend, spec nets.Spec, batch, warmup, repeat, steps int) (*modelTiming, error) {
	vk, isVulkan := b.(*vulkan.Backend)
	var before uint64
	if isVulkan {
		before = vk.GPU().MemoryUsage().InUse
	}
	m, err := nets.Build(spec, b, batch, 1)
	if err != nil {
		return nil, err
	}
	defer m.Release()
	images, labels := benchInput(batch, spec)
	res := &modelTiming{spec: spec, batch: batch}

	train := func(step int) error {
		_, err := m.TrainStep(images, labels, batch, uint32(step), spec.LR)
		return err
	}
	eval := func(int) error {
		_, err := m.EvalStep(images, labels, batch)
		return err
	}
	for _, run := range []struct {
		step func(int) error
		dst  *[]float64
	}{{train, &res.train}, {eval, &res.eval}} {
		for i := range warmup {
			if err := run.step(i); err != nil {
				return nil, err
			}
		}
		for range repeat {
			start := time.Now()
			for i := range steps {
				if err := run.step(warmup + i); err != nil {
					return nil, err
				}
			}
			*run.dst = append(*run.dst, float64(steps*batch)/time.Since(start).Seconds())
		}
	}
	if !isVulkan {
		return res, nil
	}
	res.memoryBytes = int64(vk.GPU().MemoryUsage().InUse - before)

	if err := profileModel(vk, spec, batch, images, labels, res); err != nil {
		return nil, err
	}
	return res, nil
}

// profileModel runs a training step of spec recorded with timestamps after
// every dispatch, sums the device time per layer type, and times the same
// run with the host clock.
func profileModel(vk *vulkan.Backend, spec nets.Spec, batch int, images, labels []float32, res *modelTiming) error {
	vk.Profile = true
	defer func() { vk.Profile = false }()
	m, err := nets.Build(spec, vk, batch, 1)
	if err != nil {
		return err
	}
	defer m.Release()
	// The first step records the program and warms the pipelines.
	if _, err := m.TrainStep(images, labels, batch, 0, spec.LR); err != nil {
		return err
	}
	p, err := m.Program(batch, true)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := p.Run(layers.StepState{Step: 1, LR: spec.LR}); err != nil {
		return err
	}
	res.hostMs = float64(time.Since(start)) / float64(time.Millisecond)

	ops, err := p.(*vulkan.Program).Profile()
	if err != nil {
		return err
	}
	res.deviceMs = deviceMs(ops)
	if res.deviceMs <= 0 {
		return fmt.Errorf("bench: %s: the profiled step took no device time", spec.Name)
	}
	res.share = map[string]float64{}
	for _, op := range ops {
		section := op.Section
		if section == "" {
			section = "other"
		}
		res.share[section] += op.Ns / float64(time.Millisecond) / res.deviceMs
	}
	return nil
}
