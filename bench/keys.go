package bench

import "fmt"

// modelKey identifies a model row: Compare matches models of different
// runs by it, and a run may list each key once.
type modelKey struct {
	model string
	batch int
}

// kernelKey identifies a kernel row in the same way as modelKey.
type kernelKey struct {
	layer, pass, shape string
	batch              int
}

func (m *Model) key() modelKey   { return modelKey{m.Model, m.Batch} }
func (k *Kernel) key() kernelKey { return kernelKey{k.Layer, k.Pass, k.Shape, k.Batch} }

func (m *Model) title() string { return fmt.Sprintf("%s batch %d", m.Model, m.Batch) }

func (k *Kernel) title() string {
	return fmt.Sprintf("%s %s %s batch %d", k.Layer, k.Pass, k.Shape, k.Batch)
}

// title names the run by framework, backend and device, such as
// "vkcnn vulkan, llvmpipe (LLVM 15.0.6, 256 bits)".
func (r *Run) title() string {
	if r.Device.Threads > 0 {
		return fmt.Sprintf("%s %s, %s, %d threads", r.Framework, r.Backend, r.Device.Name, r.Device.Threads)
	}
	return fmt.Sprintf("%s %s, %s", r.Framework, r.Backend, r.Device.Name)
}
