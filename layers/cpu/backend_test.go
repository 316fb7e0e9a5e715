package cpu_test

import (
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/layers/cpu"
)

func newTensor(t *testing.T, b layers.Backend, dims ...int) layers.Tensor {
	t.Helper()
	x, err := b.NewTensor(layers.Shape(dims))
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// endError records with record and returns End's error.
func endError(t *testing.T, b layers.Backend, record func(p layers.Program)) error {
	t.Helper()
	p, err := b.NewProgram()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release()
	record(p)
	return p.End()
}

func TestDataSharedWithViews(t *testing.T) {
	b := cpu.New64()
	x := newTensor(t, b, 2, 3)
	v, err := b.View(x, layers.Shape{4})
	if err != nil {
		t.Fatal(err)
	}
	x.(*cpu.Tensor[float64]).Data()[3] = 0.1
	if got := v.(*cpu.Tensor[float64]).Data()[3]; got != 0.1 {
		t.Errorf("view element 3 = %v after writing 0.1 through the tensor", got)
	}
	if n := len(v.(*cpu.Tensor[float64]).Data()); n != 4 {
		t.Errorf("len(view.Data()) = %d, want 4", n)
	}
}

func TestAliasedOutputRejected(t *testing.T) {
	b := cpu.New()
	x := newTensor(t, b, 2, 3, 8, 8)
	flat, err := b.View(x, layers.Shape{2, 192})
	if err != nil {
		t.Fatal(err)
	}
	y, err := b.View(x, layers.Shape{2, 4})
	if err != nil {
		t.Fatal(err)
	}
	w, bias := newTensor(t, b, 4, 192), newTensor(t, b, 4)
	err = endError(t, b, func(p layers.Program) { p.Linear(flat, w, bias, y) })
	if err == nil || !strings.Contains(err.Error(), "shares storage") {
		t.Errorf("Linear writing into a view of its input: End returned %v, expected a shared-storage error", err)
	}

	d := newTensor(t, b, 2, 3, 8, 8)
	err = endError(t, b, func(p layers.Program) { p.ReLUBackward(x, d, x) })
	if err == nil || !strings.Contains(err.Error(), "shares storage") {
		t.Errorf("ReLUBackward writing dx into y: End returned %v, expected a shared-storage error", err)
	}

	gamma, beta, runMean, runVar := newTensor(t, b, 3), newTensor(t, b, 3), newTensor(t, b, 3), newTensor(t, b, 3)
	saveMean, saveInvStd := newTensor(t, b, 3), newTensor(t, b, 3)
	bn := layers.BatchNormParams{Eps: 1e-5, Momentum: 0.1}
	err = endError(t, b, func(p layers.Program) {
		p.BatchNormTrain(x, gamma, beta, x, runMean, runVar, saveMean, saveInvStd, bn)
	})
	if err == nil || !strings.Contains(err.Error(), "shares storage") {
		t.Errorf("BatchNormTrain writing y into x: End returned %v, expected a shared-storage error", err)
	}
	err = endError(t, b, func(p layers.Program) {
		p.BatchNormTrain(x, gamma, beta, d, runMean, runMean, saveMean, saveInvStd, bn)
	})
	if err == nil || !strings.Contains(err.Error(), "shares storage") {
		t.Errorf("BatchNormTrain with runVar = runMean: End returned %v, expected a shared-storage error", err)
	}

	// The in-place forms that the layers package documents are accepted.
	err = endError(t, b, func(p layers.Program) {
		p.ReLU(x, x)
		p.Dropout(x, x, layers.DropoutParams{P: 0.5})
		p.ReLUBackward(x, d, d)
		p.DropoutBackward(d, d, layers.DropoutParams{P: 0.5})
	})
	if err != nil {
		t.Errorf("in-place ReLU, Dropout, ReLUBackward and DropoutBackward: End returned %v", err)
	}
}

func TestForeignTensorRejected(t *testing.T) {
	b, other := cpu.New(), cpu.New()
	x := newTensor(t, other, 2, 3)
	y := newTensor(t, b, 2, 3)
	err := endError(t, b, func(p layers.Program) { p.ReLU(x, y) })
	if err == nil || !strings.Contains(err.Error(), "another backend") {
		t.Errorf("ReLU on a tensor of another backend: End returned %v", err)
	}
	x64 := newTensor(t, cpu.New64(), 2, 3)
	if err := b.Upload(x64, make([]float32, 6)); err == nil {
		t.Errorf("Upload to a float64 tensor through the float32 backend returned no error")
	}
}

func TestInvalidParamsRejected(t *testing.T) {
	b := cpu.New()
	x, y := newTensor(t, b, 2, 3), newTensor(t, b, 2, 3)
	cases := map[string]func(p layers.Program){
		"Dropout P = 1":   func(p layers.Program) { p.Dropout(x, y, layers.DropoutParams{P: 1}) },
		"Dropout P < 0":   func(p layers.Program) { p.Dropout(x, y, layers.DropoutParams{P: -0.1}) },
		"Dropout P = NaN": func(p layers.Program) { p.Dropout(x, y, layers.DropoutParams{P: float32(math.NaN())}) },
		"Conv2D stride 0": func(p layers.Program) {
			p.Conv2D(newTensor(t, b, 1, 1, 4, 4), newTensor(t, b, 1, 1, 3, 3), newTensor(t, b, 1), newTensor(t, b, 1, 1, 2, 2), layers.ConvParams{Kernel: 3})
		},
		"MaxPool2D kernel 5": func(p layers.Program) {
			p.MaxPool2D(newTensor(t, b, 1, 1, 4, 4), newTensor(t, b, 1, 1, 1, 1), layers.PoolParams{Kernel: 5, Stride: 5})
		},
		"BatchNormTrain Eps < 0": func(p layers.Program) {
			p.BatchNormTrain(x, newTensor(t, b, 3), newTensor(t, b, 3), y, newTensor(t, b, 3), newTensor(t, b, 3), newTensor(t, b, 3), newTensor(t, b, 3),
				layers.BatchNormParams{Eps: -1e-5, Momentum: 0.1})
		},
		"BatchNormTrain Momentum > 1": func(p layers.Program) {
			p.BatchNormTrain(x, newTensor(t, b, 3), newTensor(t, b, 3), y, newTensor(t, b, 3), newTensor(t, b, 3), newTensor(t, b, 3), newTensor(t, b, 3),
				layers.BatchNormParams{Eps: 1e-5, Momentum: 1.5})
		},
		"BatchNormEval Eps = NaN": func(p layers.Program) {
			p.BatchNormEval(x, newTensor(t, b, 3), newTensor(t, b, 3), newTensor(t, b, 3), newTensor(t, b, 3), y,
				layers.BatchNormParams{Eps: float32(math.NaN())})
		},
	}
	for name, record := range cases {
		if err := endError(t, b, record); err == nil {
			t.Errorf("%s: End returned no error", name)
		}
	}
}

func TestInvalidLabelFailsRun(t *testing.T) {
	b := cpu.New()
	logits, labels := newTensor(t, b, 2, 3), newTensor(t, b, 2)
	dlogits, stats := newTensor(t, b, 2, 3), newTensor(t, b, 2)
	p, err := b.NewProgram()
	if err != nil {
		t.Fatal(err)
	}
	p.SoftmaxCrossEntropy(logits, labels, dlogits, stats)
	if err := p.End(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []float32{3, -1, 1.5, float32(math.NaN())} {
		if err := b.Upload(labels, []float32{0, bad}); err != nil {
			t.Fatal(err)
		}
		err := p.Run(layers.StepState{})
		if err == nil || !strings.Contains(err.Error(), "row 1") {
			t.Errorf("label %v: Run returned %v, expected an error naming row 1", bad, err)
		}
	}
}

func TestProgramLifecycle(t *testing.T) {
	b := cpu.New()
	x := newTensor(t, b, 4)
	p, err := b.NewProgram()
	if err != nil {
		t.Fatal(err)
	}
	p.ReLU(x, x)
	if err := p.Run(layers.StepState{}); err == nil {
		t.Errorf("Run before End returned no error")
	}
	if err := p.End(); err != nil {
		t.Fatal(err)
	}
	p.ReLU(x, x)
	if err := p.Run(layers.StepState{}); err == nil || !strings.Contains(err.Error(), "after End") {
		t.Errorf("Run after recording past End returned %v", err)
	}

	q, err := b.NewProgram()
	if err != nil {
		t.Fatal(err)
	}
	q.ReLU(x, x)
	if err := q.End(); err != nil {
		t.Fatal(err)
	}
	q.Release()
	if err := q.Run(layers.StepState{}); err == nil {
		t.Errorf("Run after Release returned no error")
	}

	r, err := b.NewProgram()
	if err != nil {
		t.Fatal(err)
	}
	r.ReLU(x, x)
	if err := r.End(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Run(layers.StepState{}); err == nil {
		t.Errorf("Run after Close returned no error")
	}
	if _, err := b.NewTensor(layers.Shape{1}); err == nil {
		t.Errorf("NewTensor after Close returned no error")
	}
}

// TestResultsIndependentOfCores runs one step of a small CNN, recorded and
// run under GOMAXPROCS 1, 2 and 7, and requires bitwise identical results:
// the batch split and the matrix tiles must not depend on the core count.
func TestResultsIndependentOfCores(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	b := cpu.New()
	conv := layers.ConvParams{Kernel: 3, Stride: 1, Pad: 1}
	x := newTensor(t, b, 13, 4, 12, 12)
	w := newTensor(t, b, 16, 4, 3, 3)
	bias := newTensor(t, b, 16)
	y := newTensor(t, b, 13, 16, 12, 12)
	dw, db := newTensor(t, b, 16, 4, 3, 3), newTensor(t, b, 16)
	dx := newTensor(t, b, 13, 4, 12, 12)
	flat, err := b.View(y, layers.Shape{13, 16 * 144})
	if err != nil {
		t.Fatal(err)
	}
	lw, lb, ly := newTensor(t, b, 70, 16*144), newTensor(t, b, 70), newTensor(t, b, 13, 70)
	ldw, ldb, ldx := newTensor(t, b, 70, 16*144), newTensor(t, b, 70), newTensor(t, b, 13, 16*144)
	for i, tensor := range []layers.Tensor{x, w, bias, lw, lb} {
		values := make([]float32, tensor.Shape().Len())
		for j := range values {
			values[j] = float32(math.Sin(float64(7*j + i)))
		}
		if err := b.Upload(tensor, values); err != nil {
			t.Fatal(err)
		}
	}

	var first map[string][]float32
	for _, procs := range []int{1, 2, 7} {
		runtime.GOMAXPROCS(procs)
		p, err := b.NewProgram()
		if err != nil {
			t.Fatal(err)
		}
		p.Conv2D(x, w, bias, y, conv)
		p.Linear(flat, lw, lb, ly)
		p.LinearBackward(flat, lw, ly, ldx, ldw, ldb)
		p.Conv2DBackwardFilter(x, y, dw, db, conv)
		p.Conv2DBackwardData(y, w, dx, conv)
		p.Dropout(dx, dx, layers.DropoutParams{P: 0.5})
		if err := p.End(); err != nil {
			t.Fatal(err)
		}
		if err := p.Run(layers.StepState{Step: 3}); err != nil {
			t.Fatal(err)
		}
		p.Release()

		results := map[string][]float32{}
		for name, tensor := range map[string]layers.Tensor{"y": y, "ly": ly, "ldx": ldx, "ldw": ldw, "ldb": ldb, "dw": dw, "db": db, "dx": dx} {
			results[name] = tensor.(*cpu.Tensor[float32]).Data()
			results[name] = append([]float32(nil), results[name]...)
		}
		if first == nil {
			first = results
			continue
		}
		for name, got := range results {
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(first[name][i]) {
					t.Errorf("GOMAXPROCS %d: %s[%d] = %v, with GOMAXPROCS 1 it was %v", procs, name, i, got[i], first[name][i])
					break
				}
			}
		}
	}
}
