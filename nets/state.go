package nets

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/nets/safetensors"
)

// optimPrefix starts the names of the optimizer's tensors in a weights
// file. PyTorch's state_dict has no such keys, so a loader there drops
// every name with this prefix.
const optimPrefix = "optim."

// momentumSuffix follows a parameter's name in the name of its momentum
// buffer, as PyTorch's SGD calls it.
const momentumSuffix = ".momentum_buffer"

// stateEntry is one tensor of a model's state: a parameter, its momentum
// buffer, or a batch normalization buffer or counter.
type stateEntry struct {
	name  string
	shape layers.Shape
	value layers.Tensor // nil for a counter
	count *int64        // num_batches_tracked, kept on the host
	optim bool          // part of the optimizer state, not the model's
}

// stateEntries lists the model's state in PyTorch's state_dict order (each
// module's parameters, then its buffers), followed by the momentum buffers
// in parameter order.
func (m *Model) stateEntries() []stateEntry {
	var entries []stateEntry
	for _, l := range m.Layers {
		for _, p := range l.Params() {
			entries = append(entries, stateEntry{name: p.Name, shape: p.Shape, value: p.Value})
		}
		bn, ok := l.(*layers.BatchNorm)
		if !ok {
			continue
		}
		for _, b := range bn.Buffers() {
			entries = append(entries, stateEntry{name: b.Name, shape: b.Shape, value: b.Value})
		}
		entries = append(entries, stateEntry{name: bn.NumBatchesTrackedName(), count: &bn.NumBatchesTracked})
	}
	for _, p := range m.Params {
		entries = append(entries, stateEntry{name: optimPrefix + p.Name + momentumSuffix, shape: p.Shape,
			value: p.Momentum, optim: true})
	}
	return entries
}

// StateTensors downloads the model's weights, batch normalization running
// statistics and counters, and SGD momentum buffers as safetensors
// tensors named as in PyTorch's state_dict ("0.weight",
// "1.running_mean", "1.num_batches_tracked"), the momentum buffers under
// "optim.".
func (m *Model) StateTensors() ([]safetensors.Tensor, error) {
	var out []safetensors.Tensor
	for _, e := range m.stateEntries() {
		if e.count != nil {
			out = append(out, safetensors.I64(e.name, []int{}, []int64{*e.count}))
			continue
		}
		values := make([]float32, e.shape.Len())
		if err := m.Backend.Download(e.value, values); err != nil {
			return nil, fmt.Errorf("nets: reading %s of %s: %w", e.name, m.Spec.Name, err)
		}
		out = append(out, safetensors.F32(e.name, []int(e.shape), values))
	}
	return out, nil
}

// LoadState uploads the tensors of f into the model. Every tensor of the
// model's state_dict must be present with its shape, and f must contain no
// tensor the model lacks. With withOptim (to resume training) the
// optimizer's momentum buffers are required and loaded too. NaN and
// infinite values are rejected, so a corrupt file cannot poison a run.
// origin names the file in errors.
func (m *Model) LoadState(f *safetensors.File, origin string, withOptim bool) error {
	entries := m.stateEntries()
	known := map[string]bool{}
	for _, e := range entries {
		known[e.name] = true
	}
	for _, t := range f.Tensors {
		if !known[t.Name] {
			return fmt.Errorf("nets: %s: tensor %q is not part of %s (%s): the file is for another architecture",
				origin, t.Name, m.Spec.Name, m.Spec.Architecture)
		}
	}

	// Check every tensor before uploading any, so a bad file leaves the
	// model as it was.
	type upload struct {
		e      stateEntry
		values []float32
		count  int64
	}
	var uploads []upload
	for _, e := range entries {
		if e.optim && !withOptim {
			continue
		}
		t, ok := f.Lookup(e.name)
		if !ok {
			return fmt.Errorf("nets: %s: tensor %q of %s is missing", origin, e.name, m.Spec.Name)
		}
		if e.count != nil {
			counts, err := t.Int64s()
			if err != nil || len(counts) != 1 || len(t.Shape) != 0 {
				return fmt.Errorf("nets: %s: tensor %q is %s %v, want an I64 scalar", origin, e.name, t.DType, t.Shape)
			}
			if counts[0] < 0 {
				return fmt.Errorf("nets: %s: tensor %q is %d, want a count of at least 0", origin, e.name, counts[0])
			}
			uploads = append(uploads, upload{e: e, count: counts[0]})
			continue
		}
		if !slices.Equal(t.Shape, []int(e.shape)) {
			return fmt.Errorf("nets: %s: tensor %q has shape %v, want %v for %s", origin, e.name, t.Shape, []int(e.shape), m.Spec.Name)
		}
		values, err := t.Float32s()
		if err != nil {
			return fmt.Errorf("nets: %s: tensor %q: %w", origin, e.name, err)
		}
		for i, v := range values {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("nets: %s: tensor %q contains %v at index %d: the file is corrupt or its run diverged; train again with -retrain",
					origin, e.name, v, i)
			}
		}
		uploads = append(uploads, upload{e: e, values: values})
	}

	for _, u := range uploads {
		if u.e.count != nil {
			*u.e.count = u.count
			continue
		}
		if err := m.Backend.Upload(u.e.value, u.values); err != nil {
			return fmt.Errorf("nets: loading %s from %s: %w", u.e.name, origin, err)
		}
	}
	return nil
}

// ModelTensorNames returns the names of the model's state_dict tensors,
// without the optimizer's, in order.
func (m *Model) ModelTensorNames() []string {
	var names []string
	for _, e := range m.stateEntries() {
		if !strings.HasPrefix(e.name, optimPrefix) {
			names = append(names, e.name)
		}
	}
	return names
}
