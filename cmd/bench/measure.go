package main

import (
	"errors"
	"fmt"
	"io"
	"runtime"

	"github.com/vkcnn/vkcnn/bench"
	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/gpu/peak"
	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/layers/cpu"
	"github.com/vkcnn/vkcnn/layers/vulkan"
	"github.com/vkcnn/vkcnn/nets"
)

// measureVulkan measures each selected Vulkan device. Without a Vulkan
// driver or device it logs why and measures nothing, unless devices were
// named with -device.
func measureVulkan(p plan, log io.Writer) ([]bench.Run, error) {
	infos, _, err := gpu.Devices(gpu.DefaultOptions())
	if errors.Is(err, gpu.ErrNoLoader) || errors.Is(err, gpu.ErrNoDevice) {
		if p.devices != nil {
			return nil, err
		}
		fmt.Fprintf(log, "no Vulkan device, so only the CPU backend is measured: %v\n", err)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	indices := p.devices
	if indices == nil {
		for _, info := range infos {
			indices = append(indices, info.Index)
		}
	}
	var runs []bench.Run
	for _, index := range indices {
		r, err := measureDevice(p, index, log)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// measureDevice measures one device. Each model runs on a freshly opened
// device, so its memory figure counts only its own buffers.
func measureDevice(p plan, index int, log io.Writer) (bench.Run, error) {
	opts := gpu.Options{DeviceIndex: index}
	dev, err := gpu.Open(opts)
	if err != nil {
		return bench.Run{}, err
	}
	info := dev.Info()
	r := bench.Run{Framework: "vkcnn", FrameworkVersion: nets.Version(), Backend: "vulkan", Device: deviceInfo(info)}
	fmt.Fprintf(log, "device %d: %s: measuring peaks\n", index, info.Name)
	peaks, err := peak.Measure(dev, peak.Options{Quick: p.quick})
	if err != nil {
		dev.Close()
		return r, err
	}
	r.Peaks = &bench.Peaks{FMAScalarGFLOPPerSec: peaks.FMAScalarGFLOPS, FMAVec4GFLOPPerSec: peaks.FMAVec4GFLOPS,
		CopyGBPerSec: peaks.CopyGBps}

	if p.kernels {
		if r.Kernels, err = measureKernels(p, dev, r.Peaks, func(s string) { fmt.Fprintf(log, "device %d: %s\n", index, s) }); err != nil {
			dev.Close()
			return r, err
		}
	}
	dev.Close()

	for _, spec := range p.specs {
		for _, batch := range p.batches {
			fmt.Fprintf(log, "device %d: %s at batch %d\n", index, spec.Name, batch)
			m, err := measureOnFreshDevice(opts, spec, batch, p)
			if err != nil {
				return r, fmt.Errorf("%s: %s at batch %d: %w", info.Name, spec.Name, batch, err)
			}
			r.Models = append(r.Models, m)
		}
	}
	return r, nil
}

// measureKernels times every layer pass of the plan's models at its
// kernel batch size.
func measureKernels(p plan, dev *gpu.Device, peaks *bench.Peaks, progress func(string)) ([]bench.Kernel, error) {
	b, err := vulkan.NewOnDevice(dev)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	b.Profile = true
	shapes, err := distinctLayers(p.specs, p.kernelBatch)
	if err != nil {
		return nil, err
	}
	timings, err := timeKernels(b, shapes, p.warmup, p.repeat, progress)
	if err != nil {
		return nil, err
	}
	var out []bench.Kernel
	for _, t := range timings {
		k := bench.Kernel{Layer: t.shape.kind, Pass: t.pass.pass, Shape: t.shape.describe(), Models: t.shape.models,
			Batch: p.kernelBatch, TimeMs: bench.NewStats(t.ms), FLOPPerCall: t.pass.flops, BytesPerCall: t.pass.bytes}
		k.SetRates(peaks)
		out = append(out, k)
	}
	return out, nil
}

func measureOnFreshDevice(opts gpu.Options, spec nets.Spec, batch int, p plan) (bench.Model, error) {
	b, err := vulkan.New(opts)
	if err != nil {
		return bench.Model{}, err
	}
	defer b.Close()
	t, err := timeModel(b, spec, batch, p.warmup, p.repeat, p.steps)
	if err != nil {
		return bench.Model{}, err
	}
	return modelResult(t), nil
}

// measureCPU measures the models on the CPU backend.
func measureCPU(p plan, log io.Writer) (bench.Run, error) {
	b := cpu.New()
	defer b.Close()
	r := bench.Run{Framework: "vkcnn", FrameworkVersion: nets.Version(), Backend: "cpu",
		Device: bench.Device{Name: b.Device(), Type: bench.DeviceCPU, Threads: runtime.GOMAXPROCS(0)}}
	for _, spec := range p.specs {
		for _, batch := range p.batches {
			fmt.Fprintf(log, "cpu: %s at batch %d\n", spec.Name, batch)
			t, err := timeModel(layers.Backend(b), spec, batch, p.warmup, p.repeat, p.steps)
			if err != nil {
				return r, fmt.Errorf("cpu: %s at batch %d: %w", spec.Name, batch, err)
			}
			r.Models = append(r.Models, modelResult(t))
		}
	}
	return r, nil
}

// modelResult converts a model's timing for the results file.
func modelResult(t *modelTiming) bench.Model {
	m := bench.Model{Model: t.spec.Name, Batch: t.batch, TrainImagesPerSec: bench.NewStats(t.train),
		EvalImagesPerSec: bench.NewStats(t.eval), LayerShare: t.share, MemoryBytes: t.memoryBytes}
	if t.deviceMs > 0 {
		check := bench.NewTimingCheck(t.deviceMs, t.hostMs)
		m.TimingCheck = &check
	}
	return m
}
