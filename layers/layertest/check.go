package layertest

import (
	"fmt"
	"math"
	"testing"

	"github.com/vkcnn/vkcnn/layers"
)

// unitRoundoff is float32's unit roundoff u = 2⁻²⁴: rounding a real number
// to float32 changes it by at most a relative u.
const unitRoundoff = 0x1p-24

// SumTolerance returns the tolerance of a float32 sum of terms products
// (or values), relative to the sum of the absolute values of the terms.
// Summed in any order, with or without fused multiply-adds, the computed
// sum differs from the exact one by at most γ(terms+1)·Σ|term|, where
// γ(k) = k·u/(1−k·u) is the usual bound of floating-point summation. The
// returned 2·(terms+2)·u leaves room for a bias term and for partial sums
// combined at the end. For fewer than 2000 terms of similar size it is
// still smaller than one term, so a term left out fails the check.
func SumTolerance(terms int) float64 {
	return 2 * float64(terms+2) * unitRoundoff
}

// maxReported is the number of mismatches a check prints before it only
// counts them.
const maxReported = 5

// checkClose fails t for each i where |got[i] − want[i]| > tol·scale[i].
// scale[i] is the sum of the absolute values of the terms behind want[i];
// where it is 0, want[i] is an exact 0 and got[i] must be too.
func checkClose(t testing.TB, name string, shape layers.Shape, got []float32, want, scale []float64, tol float64) {
	t.Helper()
	bad := 0
	for i := range want {
		diff := math.Abs(float64(got[i]) - want[i])
		if diff <= tol*scale[i] {
			continue
		}
		if bad < maxReported {
			t.Errorf("%s%s = %.9g, want %.9g (difference %.3g, tolerance %.3g)",
				name, coordinates(shape, i), got[i], want[i], diff, tol*scale[i])
		}
		bad++
	}
	if bad > maxReported {
		t.Errorf("%s: %d of %d elements differ", name, bad, len(want))
	}
}

// checkExact fails t for each i where got[i] != want[i]. It is for
// operations that only copy, select, scale by 1 or set 0.
func checkExact(t testing.TB, name string, shape layers.Shape, got []float32, want []float64) {
	t.Helper()
	bad := 0
	for i := range want {
		if float64(got[i]) == want[i] {
			continue
		}
		if bad < maxReported {
			t.Errorf("%s%s = %.9g, want exactly %.9g", name, coordinates(shape, i), got[i], want[i])
		}
		bad++
	}
	if bad > maxReported {
		t.Errorf("%s: %d of %d elements differ", name, bad, len(want))
	}
}

// checkBitwise fails t where two results differ in any bit.
func checkBitwise(t testing.TB, name string, shape layers.Shape, first, second []float32) {
	t.Helper()
	bad := 0
	for i := range first {
		if math.Float32bits(first[i]) == math.Float32bits(second[i]) {
			continue
		}
		if bad < maxReported {
			t.Errorf("%s%s: %.9g on the first run, %.9g on the second", name, coordinates(shape, i), first[i], second[i])
		}
		bad++
	}
	if bad > maxReported {
		t.Errorf("%s: %d of %d elements differ between runs", name, bad, len(first))
	}
}

// coordinates formats flat index i of a tensor of the given shape as its
// index per dimension, e.g. [1 0 4 2].
func coordinates(shape layers.Shape, i int) string {
	index := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		index[d] = i % shape[d]
		i /= shape[d]
	}
	return fmt.Sprint(index)
}
