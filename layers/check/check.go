// Package check compares every operation of a layers.Backend with the CPU
// backend (layers/cpu) on the same seeded inputs, so that a user can trust
// a new GPU or driver before training or benchmarking on it. cmd/vkinfo
// -check runs it on the chosen Vulkan device.
//
// Each operation is tried on the layer shapes of the models in nets at a
// batch of 2, on batch 1 where the operation allows it, and on odd and
// prime shapes drawn from Options.Seed. Every case records one program and
// runs it twice with different inputs and step states, so state carried
// from one run to the next shows up as a mismatch in the second run.
// Before each run, outputs are filled with a poison value, so elements
// that a backend leaves unwritten or accumulates into are caught too.
//
// Errors are measured per element as
//
//	|device − reference| / (max(1, |reference|) · terms)
//
// where terms is the length of the sums behind that output (the reduction
// length of a matrix product, the values per channel of batch
// normalization, and 1 for element-wise operations). A tolerance is
// therefore a relative error per summed term. The Vulkan backend's parity
// tests use the same measure and tolerances, except for Dropout, whose
// tolerance explains why it is wider here.
package check

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"

	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/layers/cpu"
)

// Result is the outcome of one operation over all its cases.
type Result struct {
	// Op names the layers.Program method, e.g. "Conv2DBackwardFilter".
	Op string

	// Cases is the number of shapes and parameter sets tried, up to and
	// including the one that failed with Err.
	Cases int

	// MaxAbsErr is the largest |device − reference| over all compared
	// elements of all cases and both runs. It is +Inf where the device
	// returned NaN or Inf and the reference did not.
	MaxAbsErr float64

	// MaxRelErr is the largest error as the package documentation
	// defines it: relative to max(1, |reference|) and divided by the
	// number of summed terms. The operation passes when it is at most
	// Tolerance.
	MaxRelErr float64

	// Tolerance is the largest MaxRelErr the operation is allowed, a
	// relative error per summed term. 0 means the results must be equal.
	Tolerance float64

	// WorstCase describes the case, run and output element where
	// MaxRelErr was found, e.g. "x[2 3 7 5] o4 k3 s2 p1, run 2,
	// dw[3 1 0 2]". It is empty when every element matched exactly.
	WorstCase string

	// Pass reports that every case ran and MaxRelErr <= Tolerance.
	Pass bool

	// Err is the first error of recording or running a case, on the
	// device or on the reference. The remaining cases of the operation
	// are skipped and Pass is false.
	Err error
}

// Options configures Run.
type Options struct {
	// Seed selects the random shapes and the input values. The same seed
	// gives the same cases and inputs.
	Seed uint64

	// Quick tries a few shapes per operation, for smoke tests: batch 1,
	// odd sizes, one or two model layers and a batch-prefix view.
	Quick bool
}

// Run checks every operation of the layers.Program interface on device
// against a new CPU backend and returns one Result per operation, in the
// order of the interface. Each case allocates its tensors on device.
// layers.Backend cannot free single tensors, so they stay allocated until
// device is closed. They add up to 180 MiB for a full check and 21 MiB for
// a quick one. The Vulkan backend adds its scratch buffers, up to 64 MiB.
func Run(device layers.Backend, opts Options) []Result {
	reference := cpu.New()
	defer reference.Close()

	results := make([]Result, 0, len(operations))
	for _, op := range operations {
		shapes := rand.New(rand.NewPCG(opts.Seed, nameSalt(op.name)))
		cases := op.cases(shapes, opts.Quick)
		results = append(results, runOperation(reference, device, op, cases, opts.Seed))
	}
	return results
}

// nameSalt derives a per-operation stream from the operation's name, so
// that adding an operation does not change the cases of the others.
func nameSalt(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// runOperation runs every case of op on both backends and folds the
// comparisons into one Result.
func runOperation(reference, device layers.Backend, op operation, cases []testCase, seed uint64) Result {
	res := Result{Op: op.name, Tolerance: op.tolerance}
	values := rand.New(rand.NewPCG(seed, ^nameSalt(op.name)))
	for _, c := range cases {
		res.Cases++
		inputs := c.newInputs(values)
		want, err := c.execute(reference, inputs)
		if err != nil {
			res.Err = fmt.Errorf("check: %s %s: cpu reference: %w", op.name, c.name, err)
			return res
		}
		got, err := c.execute(device, inputs)
		if err != nil {
			res.Err = fmt.Errorf("check: %s %s: %s backend: %w", op.name, c.name, device.Name(), err)
			return res
		}
		c.compare(&res, want, got)
	}
	res.Pass = res.MaxRelErr <= res.Tolerance
	return res
}
