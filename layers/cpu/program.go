package cpu

import (
	"errors"
	"fmt"

	"github.com/vkcnn/vkcnn/layers"
)

// Program is a recorded list of operations. Its recording methods check
// the operands, allocate scratch memory and keep a closure. Run calls the
// closures in recording order.
type Program[T Float] struct {
	backend  *Backend[T]
	ops      []recordedOp
	err      error
	ended    bool
	released bool
}

// recordedOp is one operation of a Program, ready to run.
type recordedOp struct {
	name string
	run  func(s layers.StepState) error
}

// record checks and prepares one operation. build returns the closure that
// computes the operation, or the reason it cannot be recorded. Nothing is
// built once the program holds an error, so End returns the first one.
func (p *Program[T]) record(name string, build func() (func(layers.StepState) error, error)) {
	if p.err != nil {
		return
	}
	if p.ended || p.released {
		p.err = fmt.Errorf("cpu: %s: recorded after End or Release", name)
		return
	}
	run, err := build()
	if err != nil {
		p.err = fmt.Errorf("cpu: %s: %w", name, err)
		return
	}
	p.ops = append(p.ops, recordedOp{name: name, run: run})
}

// End finishes recording and returns the first recording error.
func (p *Program[T]) End() error {
	if p.err != nil {
		return p.err
	}
	if p.ended {
		return errors.New("cpu: End called twice")
	}
	p.ended = true
	return nil
}

// Run executes the recorded operations in order. It stops at the first
// operation that fails, which only SoftmaxCrossEntropy can (a label that is
// not a class index).
func (p *Program[T]) Run(s layers.StepState) error {
	switch {
	case p.backend.closed.Load():
		return errClosed
	case p.released:
		return errors.New("cpu: Run of a released program")
	case p.err != nil:
		return fmt.Errorf("cpu: Run of a program that failed to record: %w", p.err)
	case !p.ended:
		return errors.New("cpu: Run before End")
	}

	for i, op := range p.ops {
		if err := op.run(s); err != nil {
			return fmt.Errorf("cpu: %s (operation %d): %w", op.name, i, err)
		}
	}
	return nil
}

// Release drops the closures and their scratch memory. The tensors stay
// valid, and Run fails from now on.
func (p *Program[T]) Release() {
	p.released = true
	p.ops = nil
}

// operands resolves a recording method's tensors and checks their shapes.
// The first failed check is kept in err, and later checks do nothing, so a
// method can run its checks one after another and test err once.
type operands[T Float] struct {
	backend *Backend[T]
	err     error
}

// tensor resolves the operand called name.
func (c *operands[T]) tensor(name string, t layers.Tensor) *Tensor[T] {
	if c.err != nil {
		return nil
	}
	ct, err := c.backend.tensor(t)
	if err != nil {
		c.err = fmt.Errorf("%s: %w", name, err)
		return nil
	}
	return ct
}

// rank checks that t has the given number of dimensions.
func (c *operands[T]) rank(name string, t *Tensor[T], rank int) {
	if c.err != nil {
		return
	}
	if len(t.shape) != rank {
		c.err = fmt.Errorf("%s has shape %v, expected %d dimensions", name, t.shape, rank)
	}
}

// shape checks that t has exactly the shape want. derivedFrom names the
// operands and parameters that want follows from, for the error message.
func (c *operands[T]) shape(name string, t *Tensor[T], want layers.Shape, derivedFrom string) {
	if c.err != nil {
		return
	}
	if !t.shape.Equal(want) {
		c.err = fmt.Errorf("%s has shape %v, expected %v %s", name, t.shape, want, derivedFrom)
	}
}

// sameShape checks that t has the shape of ref.
func (c *operands[T]) sameShape(name string, t *Tensor[T], refName string, ref *Tensor[T]) {
	if c.err != nil {
		return
	}
	if !t.shape.Equal(ref.shape) {
		c.err = fmt.Errorf("%s has shape %v, expected the shape of %s, %v", name, t.shape, refName, ref.shape)
	}
}

// distinct checks that the output out does not share storage with the
// input in.
func (c *operands[T]) distinct(outName string, out *Tensor[T], inName string, in *Tensor[T]) {
	if c.err != nil {
		return
	}
	if out.sharesStorage(in) {
		c.err = fmt.Errorf("output %s shares storage with %s, which this operation does not allow", outName, inName)
	}
}

// namedTensor is an operand with the name that errors use for it.
type namedTensor[T Float] struct {
	name string
	t    *Tensor[T]
}

// distinctOutputs checks that no output shares storage with an input or
// with another output. Inputs may share storage with each other.
func (c *operands[T]) distinctOutputs(outputs, inputs []namedTensor[T]) {
	for i, out := range outputs {
		for _, in := range inputs {
			c.distinct(out.name, out.t, in.name, in.t)
		}
		for _, other := range outputs[:i] {
			c.distinct(out.name, out.t, other.name, other.t)
		}
	}
}

// fail records err unless an earlier check failed.
func (c *operands[T]) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}
