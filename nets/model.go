package nets

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vkcnn/vkcnn/layers"
)

// Model is a spec built on a backend for a largest batch size, with its
// recorded training and evaluation programs, one of each per batch size.
type Model struct {
	Spec    Spec
	Backend layers.Backend
	Layers  []layers.Layer
	Params  []*layers.Param

	batch   int
	input   layers.Tensor // [batch, C, H, W]
	labels  layers.Tensor // [batch], class indices as float32
	dlogits layers.Tensor // [batch, classes]
	stats   layers.Tensor // [2]: loss sum and correct count

	train  map[int]layers.Program
	eval   map[int]layers.Program
	logits map[int]layers.Tensor // the last layer's output in each evaluation program
}

// Build sets the layers of spec up on backend for batches of up to batch
// samples and initializes the parameters as PyTorch does by default. The
// weights and biases are uniform in ±1/sqrt(fan_in), drawn in parameter
// order from a PCG seeded with seed, so every backend starts from the same
// values.
func Build(spec Spec, backend layers.Backend, batch int, seed uint64) (*Model, error) {
	if batch < 1 {
		return nil, fmt.Errorf("nets: invalid batch size %d", batch)
	}
	m := &Model{Spec: spec, Backend: backend, Layers: spec.NewLayers(), batch: batch,
		train: map[int]layers.Program{}, eval: map[int]layers.Program{}, logits: map[int]layers.Tensor{}}

	shape := append(layers.Shape{batch}, spec.Input...)
	var err error
	if m.input, err = backend.NewTensor(shape); err != nil {
		return nil, err
	}
	for i, l := range m.Layers {
		if d, ok := l.(*layers.Dropout); ok {
			d.Seed = uint32(seed) ^ uint32(seed>>32)
		}
		if shape, err = l.Setup(backend, i, shape); err != nil {
			return nil, fmt.Errorf("nets: %s: %w", spec.Name, err)
		}
		m.Params = append(m.Params, l.Params()...)
	}
	if !shape.Equal(layers.Shape{batch, spec.Classes}) {
		return nil, fmt.Errorf("nets: %s ends in %v, want [%d %d]", spec.Name, shape, batch, spec.Classes)
	}
	if m.labels, err = backend.NewTensor(layers.Shape{batch}); err != nil {
		return nil, err
	}
	if m.dlogits, err = backend.NewTensor(layers.Shape{batch, spec.Classes}); err != nil {
		return nil, err
	}
	if m.stats, err = backend.NewTensor(layers.Shape{2}); err != nil {
		return nil, err
	}
	if err := m.initParams(seed); err != nil {
		return nil, err
	}
	return m, nil
}

// initParams draws every weight and bias from the seeded PCG, in
// parameter order. Parameters whose layer sets its own initial values
// (batch normalization's γ = 1 and β = 0) take those and draw nothing, so
// the other parameters get the same values whether or not a model has
// batch normalization before them.
func (m *Model) initParams(seed uint64) error {
	fixed := map[string][]float32{}
	for _, l := range m.Layers {
		if init, ok := l.(interface{ InitValues() map[string][]float32 }); ok {
			for name, values := range init.InitValues() {
				fixed[name] = values
			}
		}
	}

	rng := rand.New(rand.NewPCG(seed, 0x766b636e6e)) // second word: "vkcnn" in ASCII
	for _, p := range m.Params {
		if values, ok := fixed[p.Name]; ok {
			if err := m.Backend.Upload(p.Value, values); err != nil {
				return fmt.Errorf("nets: initializing %s: %w", p.Name, err)
			}
			continue
		}
		bound := 1 / math.Sqrt(float64(p.FanIn))
		values := make([]float32, p.Shape.Len())
		for i := range values {
			values[i] = float32((rng.Float64()*2 - 1) * bound)
		}
		if err := m.Backend.Upload(p.Value, values); err != nil {
			return fmt.Errorf("nets: initializing %s: %w", p.Name, err)
		}
	}
	return nil
}

// ParameterCount returns the number of learnable values.
func (m *Model) ParameterCount() int {
	n := 0
	for _, p := range m.Params {
		n += p.Shape.Len()
	}
	return n
}

// record builds the program for n samples: forward, loss and, in training,
// backward and the SGD update of every parameter.
func (m *Model) record(n int, train bool) (layers.Program, error) {
	b := m.Backend
	p, err := b.NewProgram()
	if err != nil {
		return nil, err
	}
	x, err := b.View(m.input, append(layers.Shape{n}, m.Spec.Input...))
	if err != nil {
		return nil, err
	}
	section, _ := p.(interface{ Section(string) })
	label := func(name string) {
		if section != nil {
			section.Section(name)
		}
	}
	for _, l := range m.Layers {
		label(l.Kind())
		if x, err = l.Forward(p, x, train); err != nil {
			return nil, err
		}
	}
	labels, err := b.View(m.labels, layers.Shape{n})
	if err != nil {
		return nil, err
	}
	dlogits, err := b.View(m.dlogits, layers.Shape{n, m.Spec.Classes})
	if err != nil {
		return nil, err
	}
	label("CrossEntropyLoss")
	p.SoftmaxCrossEntropy(x, labels, dlogits, m.stats)
	if !train {
		m.logits[n] = x
	}

	if train {
		dy := dlogits
		for i := len(m.Layers) - 1; i >= 0; i-- {
			label(m.Layers[i].Kind())
			if dy, err = m.Layers[i].Backward(p, dy, i > 0); err != nil {
				return nil, err
			}
		}
		label("SGD")
		sgd := layers.SGDParams{Momentum: m.Spec.Momentum, WeightDecay: m.Spec.WeightDecay}
		for _, param := range m.Params {
			p.SGD(param.Value, param.Grad, param.Momentum, sgd)
		}
	}
	if err := p.End(); err != nil {
		p.Release()
		return nil, fmt.Errorf("nets: recording %s (batch %d): %w", m.Spec.Name, n, err)
	}
	return p, nil
}

// Program returns the recorded program for n samples, recording it on
// first use.
func (m *Model) Program(n int, train bool) (layers.Program, error) {
	cache := m.eval
	if train {
		cache = m.train
	}
	if p, ok := cache[n]; ok {
		return p, nil
	}
	p, err := m.record(n, train)
	if err != nil {
		return nil, err
	}
	cache[n] = p
	return p, nil
}

// StepResult is the statistics one step reads back: the summed loss of the
// batch and the number of its samples classified correctly.
type StepResult struct {
	LossSum float64
	Correct int
	N       int
}

// run uploads a batch, runs its program and reads back the statistics,
// and in evaluation the logits when logits is not nil.
func (m *Model) run(images, labels []float32, n int, train bool, state layers.StepState, logits []float32) (StepResult, error) {
	if n < 1 || n > m.batch {
		return StepResult{}, fmt.Errorf("nets: invalid batch of %d samples: the model was built for 1 to %d", n, m.batch)
	}
	p, err := m.Program(n, train)
	if err != nil {
		return StepResult{}, err
	}

	// n is within the tensors' batch, so these views cannot fail.
	x, _ := m.Backend.View(m.input, append(layers.Shape{n}, m.Spec.Input...))
	if err := m.Backend.Upload(x, images); err != nil {
		return StepResult{}, err
	}
	l, _ := m.Backend.View(m.labels, layers.Shape{n})
	if err := m.Backend.Upload(l, labels); err != nil {
		return StepResult{}, err
	}

	if err := p.Run(state); err != nil {
		return StepResult{}, err
	}
	if train {
		for _, l := range m.Layers {
			if bn, ok := l.(*layers.BatchNorm); ok {
				bn.NumBatchesTracked++
			}
		}
	}

	stats := make([]float32, 2)
	if err := m.Backend.Download(m.stats, stats); err != nil {
		return StepResult{}, err
	}
	if logits != nil && !train {
		if len(logits) != n*m.Spec.Classes {
			return StepResult{}, fmt.Errorf("nets: logits buffer of %d values for %d samples of %d classes", len(logits), n, m.Spec.Classes)
		}
		if err := m.Backend.Download(m.logits[n], logits); err != nil {
			return StepResult{}, err
		}
	}
	return StepResult{LossSum: float64(stats[0]), Correct: int(stats[1]), N: n}, nil
}

// TrainStep runs forward, loss, backward and SGD on one batch.
func (m *Model) TrainStep(images, labels []float32, n int, step uint32, lr float32) (StepResult, error) {
	return m.run(images, labels, n, true, layers.StepState{Step: step, LR: lr}, nil)
}

// EvalStep runs forward and loss on one batch, in evaluation mode.
func (m *Model) EvalStep(images, labels []float32, n int) (StepResult, error) {
	return m.run(images, labels, n, false, layers.StepState{}, nil)
}

// EvalLogits is EvalStep that also reads the logits back into logits,
// n rows of Spec.Classes values. Labels only affect the loss, so a caller
// without labels may pass zeros.
func (m *Model) EvalLogits(images, labels []float32, n int, logits []float32) (StepResult, error) {
	return m.run(images, labels, n, false, layers.StepState{}, logits)
}

// Release frees the recorded programs.
func (m *Model) Release() {
	for _, p := range m.train {
		p.Release()
	}
	for _, p := range m.eval {
		p.Release()
	}
	m.train, m.eval, m.logits = map[int]layers.Program{}, map[int]layers.Program{}, map[int]layers.Tensor{}
}

// CosineLR returns the learning rate of step t of total, annealed from
// base to 0: base * (1 + cos(π t / total)) / 2.
func CosineLR(base float32, t, total int) float32 {
	if total <= 0 {
		return base
	}
	return float32(float64(base) * (1 + math.Cos(math.Pi*float64(t)/float64(total))) / 2)
}
