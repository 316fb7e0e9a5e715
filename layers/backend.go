// Package layers defines the operations a CNN needs (the Backend and
// Program interfaces), the layer types built from them, and their
// parameters. Backends live in sub-packages: layers/cpu computes on the host
// with gonum, layers/vulkan records compute shaders.
//
// Tensors are float32 and NCHW. All operations are recorded into a
// Program, which is then run any number of times. The CPU backend records
// closures, and the Vulkan backend one command buffer. Between runs only tensor
// contents (Upload) and the StepState change.
package layers

import "fmt"

// Tensor is a backend's float32 array with a shape. A view (Backend.View)
// shares its storage with the tensor it was made from.
type Tensor interface {
	Shape() Shape
}

// StepState is the input that changes from one run of a Program to the next.
type StepState struct {
	Step uint32  // optimizer step counter, an input of the dropout hash
	LR   float32 // learning rate used by SGD
}

// Backend creates tensors and programs.
type Backend interface {
	// Name is "cpu" or "vulkan".
	Name() string

	// Device describes where the backend computes, for logs and reports.
	Device() string

	// NewTensor allocates a zeroed tensor.
	NewTensor(shape Shape) (Tensor, error)

	// View returns a tensor of shape s over the first s.Len() elements of
	// t's storage, for reshaping (flatten) and for batch prefixes (a short
	// last batch uses the first n samples of tensors sized for the full one).
	View(t Tensor, s Shape) (Tensor, error)

	// Upload copies data into t; len(data) must be t.Shape().Len().
	Upload(t Tensor, data []float32) error

	// Download copies t into dst; len(dst) must be t.Shape().Len().
	Download(t Tensor, dst []float32) error

	// NewProgram starts recording a program.
	NewProgram() (Program, error)

	// Close releases every tensor and program of the backend.
	Close() error
}

// ConvParams are the geometry of a 2-D convolution beyond what the tensor
// shapes give: square kernel size, stride and zero padding on every side.
type ConvParams struct {
	Kernel, Stride, Pad int
}

// PoolParams are the geometry of max pooling: a Kernel x Kernel window
// moved by Stride, without padding. Output sizes round down, as PyTorch does.
type PoolParams struct {
	Kernel, Stride int
}

// DropoutParams identify a dropout layer: P is the drop probability and
// Layer and Seed feed the mask hash (see DropoutKeep).
type DropoutParams struct {
	P     float32
	Layer uint32
	Seed  uint32
}

// BatchNormParams are batch normalization's constants: ε added to the
// variance, and the momentum of the running statistics (PyTorch's
// defaults are 1e-5 and 0.1).
type BatchNormParams struct {
	Eps      float32
	Momentum float32
}

// SGDParams are the optimizer's hyperparameters other than the learning
// rate, which comes from StepState.
type SGDParams struct {
	Momentum    float32
	WeightDecay float32
}

// Program records operations. Recording methods do not run anything and
// do not return errors: the first error is kept and returned by End.
// Output tensors are overwritten, never accumulated into, and must not
// alias inputs unless the method's documentation allows it.
type Program interface {
	// Conv2D computes y[n,o,i,j] = b[o] + sum over c, p, q of
	// w[o,c,p,q] * x[n,c, i*S+p-P, j*S+q-P], with x zero outside its
	// bounds. x is [N,C,H,W], w is [O,C,K,K], b is [O], y is [N,O,OH,OW]
	// with OH = (H+2P-K)/S + 1 and OW likewise.
	Conv2D(x, w, b, y Tensor, p ConvParams)

	// Conv2DBackwardData computes dx = dL/dx from dy = dL/dy and w.
	Conv2DBackwardData(dy, w, dx Tensor, p ConvParams)

	// Conv2DBackwardFilter computes dw = dL/dw and db = dL/db from x and dy,
	// summed over the batch.
	Conv2DBackwardFilter(x, dy, dw, db Tensor, p ConvParams)

	// Linear computes y = x wᵀ + b for x [N,In], w [Out,In], b [Out],
	// y [N,Out].
	Linear(x, w, b, y Tensor)

	// LinearBackward computes dx = dy w, dw = dyᵀ x and db = column sums
	// of dy. dx may be nil when the input needs no gradient.
	LinearBackward(x, w, dy, dx, dw, db Tensor)

	// ReLU computes y = max(x, 0). y may be x.
	ReLU(x, y Tensor)

	// ReLUBackward computes dx = dy where y > 0, else 0, from the forward
	// output y. dx may be dy.
	ReLUBackward(y, dy, dx Tensor)

	// MaxPool2D computes y[n,c,i,j] = the maximum of x over the window at
	// (i*S, j*S) of size K x K.
	MaxPool2D(x, y Tensor, p PoolParams)

	// MaxPool2DBackward routes each dy[n,c,i,j] to the first element (in
	// row-major window order) of x equal to the window's maximum y[n,c,i,j],
	// as PyTorch does. Every other element of dx is 0. Windows must not
	// overlap (Stride >= Kernel).
	MaxPool2DBackward(x, y, dy, dx Tensor, p PoolParams)

	// Dropout computes y = x / (1-P) where DropoutKeep(Seed, Layer, Step, i)
	// holds for element i, else 0 (inverted dropout). y may be x.
	Dropout(x, y Tensor, p DropoutParams)

	// DropoutBackward computes dx = dy / (1-P) where the same mask keeps
	// the element, else 0. dx may be dy.
	DropoutBackward(dy, dx Tensor, p DropoutParams)

	// SoftmaxCrossEntropy takes logits [N,K] and labels [N] (class indices
	// stored as float32) and computes dlogits = (softmax(logits) - onehot)
	// / N, the gradient of the batch-mean loss, and stats [2] = {the sum over
	// the batch of -log softmax(logits)[label], the number of rows whose
	// first maximal logit is the label}. It is stable for logits of ±1000.
	SoftmaxCrossEntropy(logits, labels, dlogits, stats Tensor)

	// BatchNormTrain normalizes x per channel with the statistics of the
	// batch. x is [N,C,H,W] (batch normalization over channels, reducing N,
	// H and W) or [N,C] (over features, reducing N); let m = N*H*W values
	// per channel. With the batch mean μ and biased variance σ² = Σ(x-μ)²/m:
	// y = gamma*(x-μ)/sqrt(σ²+Eps) + beta. It stores μ and 1/sqrt(σ²+Eps)
	// in saveMean and saveInvStd [C] for the backward pass, and updates the
	// running statistics as PyTorch does: runMean = (1-Momentum)*runMean +
	// Momentum*μ, runVar = (1-Momentum)*runVar + Momentum*σ²*m/(m-1).
	// m = 1 is an error (End reports it), as in PyTorch.
	BatchNormTrain(x, gamma, beta, y, runMean, runVar, saveMean, saveInvStd Tensor, p BatchNormParams)

	// BatchNormEval computes y = gamma*(x-runMean)/sqrt(runVar+Eps) + beta.
	BatchNormEval(x, gamma, beta, runMean, runVar, y Tensor, p BatchNormParams)

	// BatchNormBackward computes dx = dL/dx, dgamma and dbeta from x, gamma,
	// dy and the statistics saved by BatchNormTrain, for training mode
	// (the batch statistics depend on x).
	BatchNormBackward(x, gamma, dy, saveMean, saveInvStd, dx, dgamma, dbeta Tensor, p BatchNormParams)

	// SGD updates w and its momentum buffer v from the gradient g, as
	// PyTorch's SGD does: v = Momentum*v + (g + WeightDecay*w), then
	// w = w - LR*v.
	SGD(w, g, v Tensor, p SGDParams)

	// End finishes recording and returns the first recording error.
	End() error

	// Run executes the program once with the given step state.
	Run(s StepState) error

	// Release frees the program's resources; tensors stay valid.
	Release()
}

// Shape is a tensor's dimensions, outermost first (N, C, H, W).
type Shape []int

// Len returns the number of elements.
func (s Shape) Len() int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// Equal reports whether two shapes are identical.
func (s Shape) Equal(o Shape) bool {
	if len(s) != len(o) {
		return false
	}
	for i := range s {
		if s[i] != o[i] {
			return false
		}
	}
	return true
}

func (s Shape) String() string {
	return fmt.Sprint([]int(s))
}

// Valid reports an error for an empty shape or a dimension below 1.
func (s Shape) Valid() error {
	if len(s) == 0 {
		return fmt.Errorf("layers: empty shape")
	}
	for _, d := range s {
		if d < 1 {
			return fmt.Errorf("layers: invalid shape %v: every dimension must be at least 1", s)
		}
	}
	return nil
}

// ConvOutput returns the output height or width of a convolution, or 0
// when the padded input is smaller than the kernel.
func ConvOutput(in int, p ConvParams) int {
	if in+2*p.Pad < p.Kernel || p.Stride < 1 {
		return 0
	}
	return (in+2*p.Pad-p.Kernel)/p.Stride + 1
}

// PoolOutput returns the output height or width of pooling, rounded down
// as PyTorch does, or 0 when the input is smaller than the window.
func PoolOutput(in int, p PoolParams) int {
	if in < p.Kernel || p.Stride < 1 {
		return 0
	}
	return (in-p.Kernel)/p.Stride + 1
}
