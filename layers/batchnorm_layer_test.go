package layers_test

import (
	"math"
	"strings"
	"testing"

	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/layers/cpu"
)

// setupBatchNorm returns a BatchNorm of the given channels set up as
// module 1 of a network on the float32 CPU backend.
func setupBatchNorm(t *testing.T, channels int, in layers.Shape) (*layers.BatchNorm, layers.Backend) {
	t.Helper()
	b := cpu.New()
	t.Cleanup(func() { b.Close() })
	l := layers.NewBatchNorm(channels)
	out, err := l.Setup(b, 1, in)
	if err != nil {
		t.Fatalf("Setup(%v): %v", in, err)
	}
	if !out.Equal(in) {
		t.Fatalf("Setup(%v) returned output shape %v, expected the input shape", in, out)
	}
	return l, b
}

func download(t *testing.T, b layers.Backend, x layers.Tensor) []float32 {
	t.Helper()
	out := make([]float32, x.Shape().Len())
	if err := b.Download(x, out); err != nil {
		t.Fatal(err)
	}
	return out
}

// runProgram records a program with body, ends it and runs it once.
func runProgram(t *testing.T, b layers.Backend, body func(p layers.Program) error) layers.Program {
	t.Helper()
	p, err := b.NewProgram()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Release)
	if err := body(p); err != nil {
		t.Fatalf("recording: %v", err)
	}
	if err := p.End(); err != nil {
		t.Fatalf("End: %v", err)
	}
	if err := p.Run(layers.StepState{}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return p
}

func TestBatchNormSetupRejectsInput(t *testing.T) {
	b := cpu.New()
	defer b.Close()
	for _, in := range []layers.Shape{{2, 4, 5, 5}, {2, 4}, {2, 3, 5}, {2}} {
		if _, err := layers.NewBatchNorm(3).Setup(b, 0, in); err == nil {
			t.Errorf("BatchNorm(3).Setup(%v) returned no error", in)
		}
	}
	if _, err := layers.NewBatchNorm(0).Setup(b, 0, layers.Shape{2, 0}); err == nil {
		t.Errorf("BatchNorm(0).Setup returned no error")
	}
}

func TestBatchNormNamesAndInitValues(t *testing.T) {
	l, b := setupBatchNorm(t, 3, layers.Shape{4, 3, 5, 5})
	if got := l.Kind(); got != "BatchNorm2d" {
		t.Errorf("Kind() = %q for [N,C,H,W] input, want BatchNorm2d", got)
	}

	want := map[string]float32{"1.weight": 1, "1.bias": 0, "1.running_mean": 0, "1.running_var": 1}
	var names []string
	values := map[string]layers.Tensor{}
	for _, p := range l.Params() {
		names = append(names, p.Name)
		values[p.Name] = p.Value
	}
	for _, buf := range l.Buffers() {
		names = append(names, buf.Name)
		values[buf.Name] = buf.Value
	}
	if got := strings.Join(names, " "); got != "1.weight 1.bias 1.running_mean 1.running_var" {
		t.Errorf("parameter and buffer names = %q, want state_dict order 1.weight 1.bias 1.running_mean 1.running_var", got)
	}
	if got := l.NumBatchesTrackedName(); got != "1.num_batches_tracked" {
		t.Errorf("NumBatchesTrackedName() = %q, want 1.num_batches_tracked", got)
	}

	init := l.InitValues()
	for name, v := range want {
		for i, got := range download(t, b, values[name]) {
			if got != v {
				t.Errorf("%s[%d] = %v after Setup, want %v", name, i, got, v)
			}
		}
		if len(init[name]) != 3 || init[name][0] != v {
			t.Errorf("InitValues()[%q] = %v, want 3 values of %v", name, init[name], v)
		}
	}
	if len(init) != len(want) {
		t.Errorf("InitValues() has %d entries, want %d", len(init), len(want))
	}
}

func TestBatchNormKindFeatures(t *testing.T) {
	l, _ := setupBatchNorm(t, 5, layers.Shape{8, 5})
	if got := l.Kind(); got != "BatchNorm1d" {
		t.Errorf("Kind() = %q for [N,C] input, want BatchNorm1d", got)
	}
}

// TestBatchNormTrainingStep runs a training Forward and Backward on a
// short batch (2 of the 4 samples the layer was set up for) and checks
// the normalized output, the running statistics, the gradients for
// dy = 1 and the evaluation output that follows.
func TestBatchNormTrainingStep(t *testing.T) {
	const n, c, hw = 2, 3, 5 * 5
	l, b := setupBatchNorm(t, c, layers.Shape{4, c, 5, 5})

	// Channel k holds k·10 + (i mod 7)·(k+1): a different mean and
	// variance per channel.
	xValues := make([]float32, n*c*hw)
	for i := range xValues {
		channel := i / hw % c
		xValues[i] = float32(channel*10 + (i%7)*(channel+1))
	}
	x, err := b.NewTensor(layers.Shape{n, c, 5, 5})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Upload(x, xValues); err != nil {
		t.Fatal(err)
	}
	dy, err := b.NewTensor(layers.Shape{n, c, 5, 5})
	if err != nil {
		t.Fatal(err)
	}
	ones := make([]float32, n*c*hw)
	for i := range ones {
		ones[i] = 1
	}
	if err := b.Upload(dy, ones); err != nil {
		t.Fatal(err)
	}

	var y, dx layers.Tensor
	runProgram(t, b, func(p layers.Program) error {
		if y, err = l.Forward(p, x, true); err != nil {
			return err
		}
		dx, err = l.Backward(p, dy, true)
		return err
	})

	yValues := download(t, b, y)
	runMean := download(t, b, l.Buffers()[0].Value)
	runVar := download(t, b, l.Buffers()[1].Value)
	dxValues := download(t, b, dx)
	dgamma := download(t, b, l.Params()[0].Grad)
	dbeta := download(t, b, l.Params()[1].Grad)
	const m = n * hw
	for channel := range c {
		var values, normalized []float64
		for s := range n {
			for i := range hw {
				at := (s*c+channel)*hw + i
				values = append(values, float64(xValues[at]))
				normalized = append(normalized, float64(yValues[at]))
			}
		}
		mean, variance := meanVariance(values)
		yMean, yVariance := meanVariance(normalized)

		// With γ = 1 and β = 0, y has mean 0 and variance σ²/(σ²+ε) up to
		// float32 rounding.
		if math.Abs(yMean) > 1e-5 {
			t.Errorf("channel %d: y has mean %.3g, want 0", channel, yMean)
		}
		if want := variance / (variance + 1e-5); math.Abs(yVariance-want) > 1e-5 {
			t.Errorf("channel %d: y has variance %.7g, want %.7g", channel, yVariance, want)
		}
		// From 0 and 1, one update with momentum 0.1 and the unbiased variance.
		if want := 0.1 * mean; math.Abs(float64(runMean[channel])-want) > 1e-5*math.Abs(want) {
			t.Errorf("running_mean[%d] = %v, want %.7g", channel, runMean[channel], want)
		}
		if want := 0.9 + 0.1*variance*m/(m-1); math.Abs(float64(runVar[channel])-want) > 1e-5*want {
			t.Errorf("running_var[%d] = %v, want %.7g", channel, runVar[channel], want)
		}
		// For dy = 1: dβ = m exactly, dγ = Σ x̂ = 0 and dx = 0 up to
		// rounding.
		if dbeta[channel] != m {
			t.Errorf("dbeta[%d] = %v for dy = 1, want %d", channel, dbeta[channel], m)
		}
		if math.Abs(float64(dgamma[channel])) > 1e-4 {
			t.Errorf("dgamma[%d] = %v for dy = 1, want 0", channel, dgamma[channel])
		}
	}
	for i, v := range dxValues {
		if math.Abs(float64(v)) > 1e-5 {
			t.Errorf("dx[%d] = %v for dy = 1, want 0", i, v)
			break
		}
	}

	runProgram(t, b, func(p layers.Program) error {
		y, err = l.Forward(p, x, false)
		return err
	})
	yValues = download(t, b, y)
	for i, v := range xValues {
		channel := i / hw % c
		want := (float64(v) - float64(runMean[channel])) / math.Sqrt(float64(runVar[channel])+1e-5)
		if math.Abs(float64(yValues[i])-want) > 1e-5*(1+math.Abs(want)) {
			t.Errorf("evaluation y[%d] = %v, want %.7g from the running statistics", i, yValues[i], want)
			break
		}
	}
}

func meanVariance(values []float64) (mean, variance float64) {
	for _, v := range values {
		mean += v
	}
	mean /= float64(len(values))
	for _, v := range values {
		variance += (v - mean) * (v - mean)
	}
	return mean, variance / float64(len(values))
}

func TestBatchNormBackwardAfterEvalRejected(t *testing.T) {
	l, b := setupBatchNorm(t, 3, layers.Shape{2, 3})
	x, err := b.NewTensor(layers.Shape{2, 3})
	if err != nil {
		t.Fatal(err)
	}
	p, err := b.NewProgram()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release()
	y, err := l.Forward(p, x, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Backward(p, y, true); err == nil {
		t.Errorf("Backward after an evaluation Forward returned no error")
	}
}

func TestBatchNormFeaturesBatchOneTrainingRejected(t *testing.T) {
	l, b := setupBatchNorm(t, 3, layers.Shape{1, 3})
	x, err := b.NewTensor(layers.Shape{1, 3})
	if err != nil {
		t.Fatal(err)
	}
	p, err := b.NewProgram()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release()
	if _, err := l.Forward(p, x, true); err != nil {
		t.Fatal(err)
	}
	err = p.End()
	if err == nil || !strings.Contains(err.Error(), "more than one value per channel") {
		t.Errorf("End after a training Forward of one [1 3] sample returned %v, expected a rejection", err)
	}
}
