package check

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/vkcnn/vkcnn/layers"
)

// poison fills every output before each run. An element that a backend
// leaves unwritten, or adds its result to, keeps or shifts this value and
// fails the comparison, unless the reference computes exactly it.
const poison = 1e4

// runStates are the step states of a case's two runs. They differ so that
// a device that keeps the first run's step or learning rate fails the
// second run of Dropout and SGD.
var runStates = [2]layers.StepState{{Step: 77, LR: 0.02}, {Step: 78, LR: 0.005}}

// operand is one tensor of a case.
type operand struct {
	name  string
	shape layers.Shape // the shape passed to the operation

	// extra samples are allocated after shape[0]. The operation then gets
	// a View of the first shape[0] samples, as layers do for a short last
	// batch, and the elements past the view must come back unchanged.
	extra int

	output  bool // filled with poison before each run, where an input is uploaded
	compare bool // downloaded after each run and compared

	// terms is the length of the sums behind each compared element, the
	// divisor of the relative error (1 when there is no sum).
	terms int

	// fill sets an input's values. When it is nil, they are drawn
	// uniformly from [-1, 1).
	fill func(rng *rand.Rand, v []float32)
}

// input returns an input operand with values drawn from [-1, 1).
func input(name string, shape layers.Shape) operand {
	return operand{name: name, shape: shape}
}

// output returns an output operand that is compared.
func output(name string, shape layers.Shape, terms int) operand {
	return operand{name: name, shape: shape, output: true, compare: true, terms: terms}
}

// updated returns an input that the operation overwrites in place (the
// weights of SGD, the running statistics of batch normalization), so it is
// compared after the run.
func updated(name string, shape layers.Shape, terms int) operand {
	return operand{name: name, shape: shape, compare: true, terms: terms}
}

// storage returns the shape allocated for o.
func (o operand) storage() layers.Shape {
	s := append(layers.Shape(nil), o.shape...)
	s[0] += o.extra
	return s
}

// testCase is one operation call, or a short sequence ending in the
// operation checked, on one set of shapes and parameters.
type testCase struct {
	name     string // shapes and parameters, e.g. "x[2 3 7 5] o4 k3 s2 p1"
	operands []operand
	record   func(p layers.Program, t []layers.Tensor)

	// derive, when set, overwrites inputs that must be consistent with
	// others, such as the pooled maximum that MaxPool2DBackward reads,
	// after the random values are drawn.
	derive func(data [][]float32)
}

// newInputs draws the contents of every operand for both runs. Outputs
// get the poison value.
func (c testCase) newInputs(rng *rand.Rand) [2][][]float32 {
	var runs [2][][]float32
	for r := range runs {
		data := make([][]float32, len(c.operands))
		for i, o := range c.operands {
			v := make([]float32, o.storage().Len())
			switch {
			case o.output:
				for j := range v {
					v[j] = poison
				}
			case o.fill != nil:
				o.fill(rng, v)
			default:
				fillUniform(rng, v, -1, 1)
			}
			data[i] = v
		}
		if c.derive != nil {
			c.derive(data)
		}
		runs[r] = data
	}
	return runs
}

// execute records c once on b and runs it twice, uploading the inputs of
// each run first. It returns the compared operands after each run, nil
// for the others.
func (c testCase) execute(b layers.Backend, inputs [2][][]float32) ([2][][]float32, error) {
	var results [2][][]float32
	stored := make([]layers.Tensor, len(c.operands))
	seen := make([]layers.Tensor, len(c.operands))
	for i, o := range c.operands {
		t, err := b.NewTensor(o.storage())
		if err != nil {
			return results, err
		}
		stored[i], seen[i] = t, t
		if o.extra > 0 {
			if seen[i], err = b.View(t, o.shape); err != nil {
				return results, err
			}
		}
	}

	p, err := b.NewProgram()
	if err != nil {
		return results, err
	}
	defer p.Release()
	c.record(p, seen)
	if err := p.End(); err != nil {
		return results, err
	}

	for r := range results {
		for i, t := range stored {
			if err := b.Upload(t, inputs[r][i]); err != nil {
				return results, err
			}
		}
		if err := p.Run(runStates[r]); err != nil {
			return results, fmt.Errorf("run %d: %w", r+1, err)
		}
		results[r] = make([][]float32, len(c.operands))
		for i, o := range c.operands {
			if !o.compare {
				continue
			}
			results[r][i] = make([]float32, o.storage().Len())
			if err := b.Download(stored[i], results[r][i]); err != nil {
				return results, err
			}
		}
	}
	return results, nil
}

// compare folds the element errors of got against want into res.
func (c testCase) compare(res *Result, want, got [2][][]float32) {
	for r := range want {
		for i, o := range c.operands {
			if !o.compare {
				continue
			}
			for j, w := range want[r][i] {
				abs, rel := elementError(w, got[r][i][j], o.terms)
				res.MaxAbsErr = max(res.MaxAbsErr, abs)
				if rel > res.MaxRelErr {
					res.MaxRelErr = rel
					res.WorstCase = fmt.Sprintf("%s, run %d, %s%v", c.name, r+1, o.name, coordinates(o.storage(), j))
				}
			}
		}
	}
}

// elementError returns |got − want| and that error relative to
// max(1, |want|) per summed term. A NaN or infinity on one side only is an
// infinite error, while equal infinities and two NaNs are no error.
func elementError(want, got float32, terms int) (abs, rel float64) {
	w, g := float64(want), float64(got)
	switch {
	case math.IsNaN(w) || math.IsNaN(g):
		if math.IsNaN(w) && math.IsNaN(g) {
			return 0, 0
		}
		return math.Inf(1), math.Inf(1)
	case w == g:
		return 0, 0 // also equal infinities, whose difference is NaN
	case math.IsInf(w, 0) || math.IsInf(g, 0):
		return math.Inf(1), math.Inf(1)
	}
	abs = math.Abs(g - w)
	return abs, abs / (math.Max(1, math.Abs(w)) * float64(max(terms, 1)))
}

// coordinates formats flat index i of a tensor of the given shape as one
// index per dimension, e.g. [1 0 4 2].
func coordinates(shape layers.Shape, i int) string {
	index := make([]string, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		index[d] = fmt.Sprint(i % shape[d])
		i /= shape[d]
	}
	return "[" + strings.Join(index, " ") + "]"
}

// fillUniform sets v to values drawn uniformly from [lo, hi).
func fillUniform(rng *rand.Rand, v []float32, lo, hi float32) {
	for j := range v {
		v[j] = lo + (hi-lo)*rng.Float32()
	}
}

// uniform returns a fill function for values in [lo, hi).
func uniform(lo, hi float32) func(*rand.Rand, []float32) {
	return func(rng *rand.Rand, v []float32) { fillUniform(rng, v, lo, hi) }
}

// grid fills v with the integers -2 to 2, so that windows of max pooling
// and rows of logits often hold several equal maxima.
func grid(rng *rand.Rand, v []float32) {
	for j := range v {
		v[j] = float32(rng.IntN(5) - 2)
	}
}

// labels returns a fill function for class indices below classes, stored
// as float32 as SoftmaxCrossEntropy takes them.
func labels(classes int) func(*rand.Rand, []float32) {
	return func(rng *rand.Rand, v []float32) {
		for j := range v {
			v[j] = float32(rng.IntN(classes))
		}
	}
}
