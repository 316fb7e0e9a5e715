package bench

import (
	"fmt"
	"maps"
	"math"
	"slices"
)

// statsTolerance is the relative difference allowed between a stored
// median, minimum or maximum and the one computed from the samples. It
// only absorbs rounding in writers that compute the median differently.
const statsTolerance = 1e-9

// layerShareTolerance is how far the layer shares of a model may sum from
// 1, to allow for shares rounded before they were written.
const layerShareTolerance = 0.01

var deviceTypes = []string{DeviceDiscrete, DeviceIntegrated, DeviceVirtual, DeviceCPU, DeviceOther}

// validate checks the fields that every reader relies on. The errors name
// the run, model or kernel and the JSON field.
func (f *File) validate() error {
	if f.Schema != SchemaVersion {
		return fmt.Errorf("schema is %d; set it to %d", f.Schema, SchemaVersion)
	}
	if f.Created.IsZero() {
		return fmt.Errorf("created is missing; set it to the time the measurement finished")
	}
	if f.Host.OS == "" || f.Host.Arch == "" {
		return fmt.Errorf("host os %q or arch %q is empty; set them to Go's GOOS and GOARCH names, such as \"linux\" and \"amd64\"", f.Host.OS, f.Host.Arch)
	}
	if f.Host.CPUCores < 0 || f.Host.MemoryBytes < 0 {
		return fmt.Errorf("host cpu_cores %d or memory_bytes %d is negative; use 0 for unknown", f.Host.CPUCores, f.Host.MemoryBytes)
	}
	if len(f.Runs) == 0 {
		return fmt.Errorf("runs is empty; a results file needs at least one run")
	}
	for i := range f.Runs {
		if err := f.Runs[i].validate(); err != nil {
			return fmt.Errorf("run %d (%s): %w", i+1, f.Runs[i].title(), err)
		}
	}
	return nil
}

func (r *Run) validate() error {
	if r.Framework == "" || r.Backend == "" {
		return fmt.Errorf("framework %q or backend %q is empty; set them, such as \"vkcnn\" and \"vulkan\"", r.Framework, r.Backend)
	}
	if r.Device.Name == "" {
		return fmt.Errorf("device name is empty; set it to the Vulkan deviceName, the CUDA device name or the CPU model")
	}
	if !slices.Contains(deviceTypes, r.Device.Type) {
		return fmt.Errorf("device type %q is invalid; use one of %q", r.Device.Type, deviceTypes)
	}
	if r.Device.SubgroupSize < 0 || r.Device.MemoryBytes < 0 || r.Device.Threads < 0 {
		return fmt.Errorf("device subgroup_size %d, memory_bytes %d or threads %d is negative; use 0 for unknown",
			r.Device.SubgroupSize, r.Device.MemoryBytes, r.Device.Threads)
	}
	if r.Peaks != nil {
		if err := r.Peaks.validate(); err != nil {
			return err
		}
	}

	kernels := make(map[kernelKey]bool)
	for i := range r.Kernels {
		k := &r.Kernels[i]
		if err := k.validate(); err != nil {
			return fmt.Errorf("kernel %d (%s): %w", i+1, k.title(), err)
		}
		if kernels[k.key()] {
			return fmt.Errorf("kernel %s is listed twice; merge the two entries", k.title())
		}
		kernels[k.key()] = true
	}

	models := make(map[modelKey]bool)
	for i := range r.Models {
		m := &r.Models[i]
		if err := m.validate(); err != nil {
			return fmt.Errorf("model %d (%s): %w", i+1, m.title(), err)
		}
		if models[m.key()] {
			return fmt.Errorf("model %s is listed twice; merge the two entries", m.title())
		}
		models[m.key()] = true
	}
	return nil
}

func (p *Peaks) validate() error {
	for _, v := range []struct {
		name  string
		value float64
	}{
		{"fma_scalar_gflop_per_sec", p.FMAScalarGFLOPPerSec},
		{"fma_vec4_gflop_per_sec", p.FMAVec4GFLOPPerSec},
		{"copy_gb_per_sec", p.CopyGBPerSec},
	} {
		if err := checkNonNegative("peaks "+v.name, v.value); err != nil {
			return err
		}
	}
	return nil
}

func (k *Kernel) validate() error {
	if k.Layer == "" || k.Pass == "" || k.Shape == "" {
		return fmt.Errorf("layer %q, pass %q or shape %q is empty; set all three", k.Layer, k.Pass, k.Shape)
	}
	if k.Batch <= 0 {
		return fmt.Errorf("batch is %d; set the images per call", k.Batch)
	}
	if err := k.TimeMs.validate("time_ms"); err != nil {
		return err
	}
	for _, v := range []struct {
		name  string
		value float64
	}{
		{"flop_per_call", k.FLOPPerCall},
		{"bytes_per_call", k.BytesPerCall},
		{"gflop_per_sec", k.GFLOPPerSec},
		{"gb_per_sec", k.GBPerSec},
		{"percent_of_peak_compute", k.PercentOfPeakCompute},
		{"percent_of_peak_bandwidth", k.PercentOfPeakBandwidth},
	} {
		if err := checkNonNegative(v.name, v.value); err != nil {
			return err
		}
	}
	return nil
}

func (m *Model) validate() error {
	if m.Model == "" {
		return fmt.Errorf("model name is empty; use a name from nets.Names")
	}
	if m.Batch <= 0 {
		return fmt.Errorf("batch is %d; set the training batch size", m.Batch)
	}
	if err := m.TrainImagesPerSec.validate("train_images_per_sec"); err != nil {
		return err
	}
	if err := m.EvalImagesPerSec.validate("eval_images_per_sec"); err != nil {
		return err
	}
	if err := validateLayerShare(m.LayerShare); err != nil {
		return err
	}
	if m.MemoryBytes < 0 {
		return fmt.Errorf("memory_bytes is %d; use 0 when not measured", m.MemoryBytes)
	}
	if c := m.TimingCheck; c != nil {
		if !isFinite(c.DeviceMs) || !isFinite(c.HostMs) || c.DeviceMs <= 0 || c.HostMs <= 0 {
			return fmt.Errorf("timing_check device_ms %v and host_ms %v must both be positive; omit timing_check when not measured", c.DeviceMs, c.HostMs)
		}
		if !isFinite(c.DifferencePercent) {
			return fmt.Errorf("timing_check difference_percent is %v; compute it with NewTimingCheck", c.DifferencePercent)
		}
	}
	return nil
}

func validateLayerShare(shares map[string]float64) error {
	if len(shares) == 0 {
		return nil
	}
	// Sorted, so that the error names the same layer on every run.
	layers := slices.Sorted(maps.Keys(shares))
	sum := 0.0
	for _, layer := range layers {
		share := shares[layer]
		if layer == "" {
			return fmt.Errorf("layer_share has an empty layer name; use the layer type, such as \"Conv2d\"")
		}
		if !isFinite(share) || share < 0 || share > 1 {
			return fmt.Errorf("layer_share %s is %v; a share is a fraction in [0, 1], not a percentage", layer, share)
		}
		sum += share
	}
	if math.Abs(sum-1) > layerShareTolerance {
		return fmt.Errorf("layer_share sums to %v, not 1; list the remaining device time under its own key, such as \"other\"", sum)
	}
	return nil
}

// validate checks that s has positive finite samples and that its median,
// minimum and maximum are the ones NewStats computes from them.
func (s *Stats) validate(field string) error {
	if len(s.Samples) == 0 {
		return fmt.Errorf("%s has no samples; build it with NewStats from at least one measurement", field)
	}
	for i, v := range s.Samples {
		if !isFinite(v) || v <= 0 {
			return fmt.Errorf("%s sample %d is %v; every sample must be a positive finite number", field, i+1, v)
		}
	}
	want := NewStats(s.Samples)
	for _, v := range []struct {
		name      string
		got, want float64
	}{
		{"median", s.Median, want.Median},
		{"min", s.Min, want.Min},
		{"max", s.Max, want.Max},
	} {
		if math.Abs(v.got-v.want) > statsTolerance*math.Abs(v.want) || !isFinite(v.got) {
			return fmt.Errorf("%s %s is %v, but its samples give %v; compute the statistics with NewStats", field, v.name, v.got, v.want)
		}
	}
	return nil
}

func checkNonNegative(name string, value float64) error {
	if !isFinite(value) || value < 0 {
		return fmt.Errorf("%s is %v; it must be a finite number of at least 0", name, value)
	}
	return nil
}

func isFinite(v float64) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0)
}
