package layers

import "fmt"

// Buffer is a tensor of layer state that is saved with the model but not
// learned, such as batch normalization's running statistics (PyTorch's
// register_buffer). Name follows the state_dict naming of Param.
type Buffer struct {
	Name  string
	Shape Shape
	Init  float32 // the value of every element before training
	Value Tensor
}

// BatchNorm is batch normalization over the channels of [N,C,H,W] input
// (PyTorch's BatchNorm2d) or the features of [N,C] input (BatchNorm1d):
//
//	y = γ·(x − μ)/sqrt(σ² + Eps) + β
//
// per channel. In training μ and σ² are the batch mean and biased
// variance over N·H·W values, and the running statistics are updated with
// Momentum (see Program.BatchNormTrain). In evaluation μ and σ² are the
// running mean and variance.
//
// γ ("<i>.weight") and β ("<i>.bias") are learnable and start at 1 and 0,
// which differs from the uniform ±1/sqrt(FanIn) that a network draws for
// other parameters: a caller that initializes every Param that way must
// upload InitValues afterwards. The running mean and variance are Buffers.
// PyTorch's third buffer, num_batches_tracked, is the host-side counter
// NumBatchesTracked, because no device operation reads or counts it.
type BatchNorm struct {
	Channels      int
	Eps, Momentum float32

	// NumBatchesTracked counts training steps, PyTorch's
	// num_batches_tracked, saved as "<i>.num_batches_tracked". Recording
	// cannot count runs, so the caller that runs a program recorded with
	// train = true increments it after each run.
	NumBatchesTracked int64

	b                       Backend
	index                   int
	features                bool // the input is [N,C], not [N,C,H,W]
	weight, bias            *Param
	runningMean, runningVar *Buffer
	saveMean, saveInvStd    Tensor // the batch statistics of the last training run
	y, dx                   Tensor // sized for the largest batch
	x                       Tensor // input of the last Forward
	trainedLastForward      bool
}

// NewBatchNorm returns batch normalization of channels channels with
// PyTorch's defaults, Eps 1e-5 and Momentum 0.1.
func NewBatchNorm(channels int) *BatchNorm {
	return &BatchNorm{Channels: channels, Eps: 1e-5, Momentum: 0.1}
}

// Kind returns "BatchNorm1d" when the layer was set up for [N,C] input,
// else "BatchNorm2d".
func (l *BatchNorm) Kind() string {
	if l.features {
		return "BatchNorm1d"
	}
	return "BatchNorm2d"
}

func (l *BatchNorm) params() BatchNormParams {
	return BatchNormParams{Eps: l.Eps, Momentum: l.Momentum}
}

// Setup allocates γ, β, the running statistics, the saved batch
// statistics, the output and the input gradient, and uploads the initial
// values of InitValues. It rejects input other than [N,Channels,H,W] or
// [N,Channels].
func (l *BatchNorm) Setup(b Backend, index int, in Shape) (Shape, error) {
	if l.Channels < 1 {
		return nil, fmt.Errorf("layers: module %d BatchNorm has %d channels, expected at least 1", index, l.Channels)
	}
	if (len(in) != 2 && len(in) != 4) || in[1] != l.Channels {
		return nil, fmt.Errorf("layers: module %d BatchNorm(%d) got input %v, want [N %d H W] or [N %d]",
			index, l.Channels, in, l.Channels, l.Channels)
	}
	l.b, l.index, l.features = b, index, len(in) == 2

	channels := Shape{l.Channels}
	var err error
	// FanIn is 1 only so that it is valid, because InitValues sets γ and β.
	if l.weight, err = newParam(b, fmt.Sprintf("%d.weight", index), channels, 1); err != nil {
		return nil, err
	}
	if l.bias, err = newParam(b, fmt.Sprintf("%d.bias", index), channels, 1); err != nil {
		return nil, err
	}
	if l.runningMean, err = newBuffer(b, fmt.Sprintf("%d.running_mean", index), channels, 0); err != nil {
		return nil, err
	}
	if l.runningVar, err = newBuffer(b, fmt.Sprintf("%d.running_var", index), channels, 1); err != nil {
		return nil, err
	}
	stats, err := newTensors(b, channels, 2)
	if err != nil {
		return nil, err
	}
	l.saveMean, l.saveInvStd = stats[0], stats[1]
	if l.y, err = b.NewTensor(in); err != nil {
		return nil, err
	}
	if l.dx, err = b.NewTensor(in); err != nil {
		return nil, err
	}

	if err := l.uploadInitValues(); err != nil {
		return nil, err
	}
	return in, nil
}

// InitValues returns the initial value of every parameter and buffer by
// name: γ = 1, β = 0, running mean 0 and running variance 1, as in
// PyTorch. Setup uploads them, and a caller that draws every Param at
// random afterwards must upload these again. It returns nil before Setup,
// which sets the names.
func (l *BatchNorm) InitValues() map[string][]float32 {
	if l.weight == nil {
		return nil
	}
	values := map[string][]float32{}
	fill := func(name string, v float32) {
		values[name] = make([]float32, l.Channels)
		for i := range values[name] {
			values[name][i] = v
		}
	}
	fill(fmt.Sprintf("%d.weight", l.index), 1)
	fill(fmt.Sprintf("%d.bias", l.index), 0)
	for _, buf := range l.Buffers() {
		fill(buf.Name, buf.Init)
	}
	return values
}

func (l *BatchNorm) uploadInitValues() error {
	values := l.InitValues()
	for _, p := range l.Params() {
		if err := l.b.Upload(p.Value, values[p.Name]); err != nil {
			return fmt.Errorf("layers: initializing %s: %w", p.Name, err)
		}
	}
	for _, buf := range l.Buffers() {
		if err := l.b.Upload(buf.Value, values[buf.Name]); err != nil {
			return fmt.Errorf("layers: initializing %s: %w", buf.Name, err)
		}
	}
	return nil
}

// Forward records BatchNormTrain in training, which also updates the
// running statistics and saves the batch statistics for Backward, and
// BatchNormEval otherwise.
func (l *BatchNorm) Forward(p Program, x Tensor, train bool) (Tensor, error) {
	y, err := batchView(l.b, l.y, x.Shape()[0])
	if err != nil {
		return nil, err
	}
	l.x, l.trainedLastForward = x, train

	if train {
		p.BatchNormTrain(x, l.weight.Value, l.bias.Value, y, l.runningMean.Value, l.runningVar.Value,
			l.saveMean, l.saveInvStd, l.params())
	} else {
		p.BatchNormEval(x, l.weight.Value, l.bias.Value, l.runningMean.Value, l.runningVar.Value, y, l.params())
	}
	return y, nil
}

// Backward records BatchNormBackward: dL/dγ and dL/dβ, and dL/dx, which
// is computed even when needInput is false. The last Forward must have
// been in training, because the gradient uses the batch statistics.
func (l *BatchNorm) Backward(p Program, dy Tensor, needInput bool) (Tensor, error) {
	if !l.trainedLastForward {
		return nil, fmt.Errorf("layers: module %d BatchNorm: Backward needs the batch statistics of a training Forward, "+
			"but the last Forward was in evaluation mode", l.index)
	}
	dx, err := batchView(l.b, l.dx, dy.Shape()[0])
	if err != nil {
		return nil, err
	}
	p.BatchNormBackward(l.x, l.weight.Value, dy, l.saveMean, l.saveInvStd, dx, l.weight.Grad, l.bias.Grad, l.params())
	if !needInput {
		return nil, nil
	}
	return dx, nil
}

// Params returns γ and β, in state_dict order.
func (l *BatchNorm) Params() []*Param { return []*Param{l.weight, l.bias} }

// Buffers returns the running mean and running variance, in state_dict
// order. num_batches_tracked, which follows them there, is
// NumBatchesTracked.
func (l *BatchNorm) Buffers() []*Buffer { return []*Buffer{l.runningMean, l.runningVar} }

// NumBatchesTrackedName returns "<i>.num_batches_tracked", the state_dict
// name of NumBatchesTracked.
func (l *BatchNorm) NumBatchesTrackedName() string {
	return fmt.Sprintf("%d.num_batches_tracked", l.index)
}

func newBuffer(b Backend, name string, s Shape, init float32) (*Buffer, error) {
	t, err := b.NewTensor(s)
	if err != nil {
		return nil, fmt.Errorf("buffer %s: %w", name, err)
	}
	return &Buffer{Name: name, Shape: s, Init: init, Value: t}, nil
}
