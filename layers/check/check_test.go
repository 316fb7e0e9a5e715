package check_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/gpu/gputest"
	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/layers/check"
	"github.com/vkcnn/vkcnn/layers/cpu"
	"github.com/vkcnn/vkcnn/layers/vulkan"
)

// allOps is every operation of layers.Program in interface order.
var allOps = []string{
	"Conv2D", "Conv2DBackwardData", "Conv2DBackwardFilter", "Linear", "LinearBackward",
	"ReLU", "ReLUBackward", "MaxPool2D", "MaxPool2DBackward", "Dropout", "DropoutBackward",
	"SoftmaxCrossEntropy", "BatchNormTrain", "BatchNormEval", "BatchNormBackward", "SGD",
}

func TestRunCPUPassesEveryOp(t *testing.T) {
	b := cpu.New()
	defer b.Close()
	for _, quick := range []bool{true, false} {
		if !quick && testing.Short() {
			continue
		}
		results := check.Run(b, check.Options{Seed: 3, Quick: quick})
		if len(results) != len(allOps) {
			t.Fatalf("quick %v: %d results, want %d", quick, len(results), len(allOps))
		}
		for i, r := range results {
			if r.Op != allOps[i] {
				t.Errorf("quick %v: result %d is %q, want %q", quick, i, r.Op, allOps[i])
			}
			if r.Err != nil {
				t.Errorf("quick %v: %s: %v", quick, r.Op, r.Err)
			}
			if !r.Pass {
				t.Errorf("quick %v: %s failed against itself: %+v", quick, r.Op, r)
			}
			if r.Cases < 3 {
				t.Errorf("quick %v: %s tried %d cases, want at least 3", quick, r.Op, r.Cases)
			}
		}
	}
}

func TestRunQuickHasFewerCases(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the full check")
	}
	b := cpu.New()
	defer b.Close()
	quick := check.Run(b, check.Options{Quick: true})
	full := check.Run(b, check.Options{})
	for i := range full {
		if quick[i].Cases >= full[i].Cases {
			t.Errorf("%s: %d quick cases, %d full cases", full[i].Op, quick[i].Cases, full[i].Cases)
		}
	}
}

// offset adds 1e-2 to the middle element.
func offset(v []float32) { v[len(v)/2] += 1e-2 }

// swapEnds exchanges the first and the last element.
func swapEnds(v []float32) { v[0], v[len(v)-1] = v[len(v)-1], v[0] }

func TestRunDetectsOffsetInEachOp(t *testing.T) {
	for _, op := range allOps {
		t.Run(op, func(t *testing.T) {
			results := runFaulty(t, &faultyBackend{op: op, fault: offset})
			for _, r := range results {
				if r.Op != op {
					if !r.Pass {
						t.Errorf("%s failed, but only %s was changed: %+v", r.Op, op, r)
					}
					continue
				}
				if r.Pass {
					t.Errorf("%s passed with 1e-2 added to an output: %+v", op, r)
				}
				if r.MaxAbsErr < 0.9e-2 || r.MaxAbsErr > 1.1e-2 {
					t.Errorf("%s: MaxAbsErr %g, want about 1e-2", op, r.MaxAbsErr)
				}
				if r.MaxRelErr <= r.Tolerance {
					t.Errorf("%s: MaxRelErr %g within tolerance %g", op, r.MaxRelErr, r.Tolerance)
				}
				if r.WorstCase == "" {
					t.Errorf("%s: no worst case reported", op)
				}
			}
		})
	}
}

func TestRunDetectsSwapInEachOp(t *testing.T) {
	for _, op := range allOps {
		t.Run(op, func(t *testing.T) {
			results := runFaulty(t, &faultyBackend{op: op, fault: swapEnds})
			for _, r := range results {
				if r.Op == op && r.Pass {
					t.Errorf("%s passed with two output elements swapped: %+v", op, r)
				}
				if r.Op != op && !r.Pass {
					t.Errorf("%s failed, but only %s was changed: %+v", r.Op, op, r)
				}
			}
		})
	}
}

// TestRunDetectsSecondRunOnly changes outputs on the second run of each
// program only, as a device that carries state between runs would.
func TestRunDetectsSecondRunOnly(t *testing.T) {
	b := &faultyBackend{op: "Linear", fault: offset, fromRun: 2}
	for _, r := range runFaulty(t, b) {
		if r.Op != "Linear" {
			continue
		}
		if r.Pass {
			t.Errorf("Linear passed with its second run changed: %+v", r)
		}
		if !strings.Contains(r.WorstCase, "run 2") {
			t.Errorf("worst case %q, want one in run 2", r.WorstCase)
		}
	}
}

func TestRunDetectsNaN(t *testing.T) {
	nan := func(v []float32) { v[0] = float32(math.NaN()) }
	for _, r := range runFaulty(t, &faultyBackend{op: "BatchNormEval", fault: nan}) {
		if r.Op != "BatchNormEval" {
			continue
		}
		if r.Pass {
			t.Errorf("BatchNormEval passed with a NaN output: %+v", r)
		}
		if !math.IsInf(r.MaxAbsErr, 1) {
			t.Errorf("MaxAbsErr %g, want +Inf", r.MaxAbsErr)
		}
	}
}

var errInjected = errors.New("injected recording error")

func TestRunReportsDeviceError(t *testing.T) {
	results := runFaulty(t, &faultyBackend{op: "MaxPool2D", endErr: errInjected})
	for _, r := range results {
		if r.Op != "MaxPool2D" {
			if r.Err != nil || !r.Pass {
				t.Errorf("%s: %+v, want a pass", r.Op, r)
			}
			continue
		}
		if r.Pass {
			t.Errorf("MaxPool2D passed although End failed")
		}
		if !errors.Is(r.Err, errInjected) {
			t.Errorf("Err = %v, want the injected error", r.Err)
		}
		if r.Err != nil && !strings.HasPrefix(r.Err.Error(), "check: MaxPool2D ") {
			t.Errorf("Err = %q, want the prefix %q", r.Err, "check: MaxPool2D ")
		}
	}
}

func TestRunVulkan(t *testing.T) {
	dev := gputest.Open(t, gpu.Options{})
	b, err := vulkan.NewOnDevice(dev)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, r := range check.Run(b, check.Options{Seed: 1, Quick: testing.Short()}) {
		if r.Err != nil {
			t.Errorf("%s: %v", r.Op, r.Err)
			continue
		}
		if !r.Pass {
			t.Errorf("%s: error %.3g (absolute %.3g) above tolerance %g at %s",
				r.Op, r.MaxRelErr, r.MaxAbsErr, r.Tolerance, r.WorstCase)
		}
	}
}

// runFaulty runs the quick check of a CPU backend wrapped by b.
func runFaulty(t *testing.T, b *faultyBackend) []check.Result {
	t.Helper()
	inner := cpu.New()
	t.Cleanup(func() { inner.Close() })
	b.Backend = inner
	return check.Run(b, check.Options{Seed: 5, Quick: true})
}

// faultyBackend is a CPU backend whose programs change the first output
// of one operation after each run, or fail to record it.
type faultyBackend struct {
	layers.Backend
	op      string
	fault   func(v []float32) // applied to the downloaded output, which is uploaded again
	fromRun int               // the first run of each program that fault applies to, or 0 for every run
	endErr  error             // returned by End of programs that record op
}

func (b *faultyBackend) NewProgram() (layers.Program, error) {
	p, err := b.Backend.NewProgram()
	if err != nil {
		return nil, err
	}
	return &faultyProgram{Program: p, b: b}, nil
}

type faultyProgram struct {
	layers.Program
	b       *faultyBackend
	outputs []layers.Tensor // outputs of b.op recorded in this program
	runs    int
}

// recorded notes the output of an operation that was just recorded.
func (p *faultyProgram) recorded(op string, output layers.Tensor) {
	if op == p.b.op {
		p.outputs = append(p.outputs, output)
	}
}

func (p *faultyProgram) End() error {
	if err := p.Program.End(); err != nil {
		return err
	}
	if p.b.endErr != nil && len(p.outputs) > 0 {
		return p.b.endErr
	}
	return nil
}

func (p *faultyProgram) Run(s layers.StepState) error {
	if err := p.Program.Run(s); err != nil {
		return err
	}
	p.runs++
	if p.b.fault == nil || p.runs < p.b.fromRun {
		return nil
	}
	for _, out := range p.outputs {
		v := make([]float32, out.Shape().Len())
		if err := p.b.Backend.Download(out, v); err != nil {
			return err
		}
		p.b.fault(v)
		if err := p.b.Backend.Upload(out, v); err != nil {
			return err
		}
	}
	return nil
}

func (p *faultyProgram) Conv2D(x, w, b, y layers.Tensor, cp layers.ConvParams) {
	p.Program.Conv2D(x, w, b, y, cp)
	p.recorded("Conv2D", y)
}

func (p *faultyProgram) Conv2DBackwardData(dy, w, dx layers.Tensor, cp layers.ConvParams) {
	p.Program.Conv2DBackwardData(dy, w, dx, cp)
	p.recorded("Conv2DBackwardData", dx)
}

func (p *faultyProgram) Conv2DBackwardFilter(x, dy, dw, db layers.Tensor, cp layers.ConvParams) {
	p.Program.Conv2DBackwardFilter(x, dy, dw, db, cp)
	p.recorded("Conv2DBackwardFilter", dw)
}

func (p *faultyProgram) Linear(x, w, b, y layers.Tensor) {
	p.Program.Linear(x, w, b, y)
	p.recorded("Linear", y)
}

func (p *faultyProgram) LinearBackward(x, w, dy, dx, dw, db layers.Tensor) {
	p.Program.LinearBackward(x, w, dy, dx, dw, db)
	p.recorded("LinearBackward", dw)
}

func (p *faultyProgram) ReLU(x, y layers.Tensor) {
	p.Program.ReLU(x, y)
	p.recorded("ReLU", y)
}

func (p *faultyProgram) ReLUBackward(y, dy, dx layers.Tensor) {
	p.Program.ReLUBackward(y, dy, dx)
	p.recorded("ReLUBackward", dx)
}

func (p *faultyProgram) MaxPool2D(x, y layers.Tensor, pp layers.PoolParams) {
	p.Program.MaxPool2D(x, y, pp)
	p.recorded("MaxPool2D", y)
}

func (p *faultyProgram) MaxPool2DBackward(x, y, dy, dx layers.Tensor, pp layers.PoolParams) {
	p.Program.MaxPool2DBackward(x, y, dy, dx, pp)
	p.recorded("MaxPool2DBackward", dx)
}

func (p *faultyProgram) Dropout(x, y layers.Tensor, dp layers.DropoutParams) {
	p.Program.Dropout(x, y, dp)
	p.recorded("Dropout", y)
}

func (p *faultyProgram) DropoutBackward(dy, dx layers.Tensor, dp layers.DropoutParams) {
	p.Program.DropoutBackward(dy, dx, dp)
	p.recorded("DropoutBackward", dx)
}

func (p *faultyProgram) SoftmaxCrossEntropy(logits, labels, dlogits, stats layers.Tensor) {
	p.Program.SoftmaxCrossEntropy(logits, labels, dlogits, stats)
	p.recorded("SoftmaxCrossEntropy", dlogits)
}

func (p *faultyProgram) BatchNormTrain(x, gamma, beta, y, runMean, runVar, saveMean, saveInvStd layers.Tensor, bp layers.BatchNormParams) {
	p.Program.BatchNormTrain(x, gamma, beta, y, runMean, runVar, saveMean, saveInvStd, bp)
	p.recorded("BatchNormTrain", y)
}

func (p *faultyProgram) BatchNormEval(x, gamma, beta, runMean, runVar, y layers.Tensor, bp layers.BatchNormParams) {
	p.Program.BatchNormEval(x, gamma, beta, runMean, runVar, y, bp)
	p.recorded("BatchNormEval", y)
}

func (p *faultyProgram) BatchNormBackward(x, gamma, dy, saveMean, saveInvStd, dx, dgamma, dbeta layers.Tensor, bp layers.BatchNormParams) {
	p.Program.BatchNormBackward(x, gamma, dy, saveMean, saveInvStd, dx, dgamma, dbeta, bp)
	p.recorded("BatchNormBackward", dx)
}

func (p *faultyProgram) SGD(w, g, v layers.Tensor, sp layers.SGDParams) {
	p.Program.SGD(w, g, v, sp)
	p.recorded("SGD", w)
}
