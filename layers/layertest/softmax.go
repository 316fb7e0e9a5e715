package layertest

import (
	"math"
	"testing"

	"github.com/vkcnn/vkcnn/layers"
)

// softmaxCase is one input of the SoftmaxCrossEntropy test.
type softmaxCase struct {
	name   string
	n, k   int
	logits []float32
	labels []int
}

// softmaxCases returns logits of moderate size, with half of the labels at
// the row maximum, and logits of ±1000, where exp overflows without the
// max-subtraction. Rows with tied maxima check that only the first maximum
// counts as correct, and the last case has the output size of mnist-simple
// at batch 64.
func softmaxCases() []softmaxCase {
	rng := newRand(12)
	random := func(name string, n, k int, spread float32) softmaxCase {
		c := softmaxCase{name: name, n: n, k: k, logits: uniform(rng, n*k, -spread, spread), labels: make([]int, n)}
		for row := range n {
			c.labels[row] = rng.IntN(k)
			if row%2 == 0 {
				c.labels[row] = firstMax(c.logits[row*k : (row+1)*k])
			}
		}
		return c
	}
	return []softmaxCase{
		random("moderate", 7, 10, 3),
		random("one_row", 1, 5, 3),
		random("two_classes", 9, 2, 8),
		random("large_1000", 5, 10, 1000),
		{
			name: "all_1000", n: 3, k: 4,
			logits: []float32{1000, 1000, 1000, 1000, -1000, -1000, -1000, -1000, 1000, -1000, 1000, -1000},
			labels: []int{0, 3, 0},
		},
		{
			name: "ties", n: 4, k: 3,
			logits: []float32{2, 5, 5, 2, 5, 5, 1, 1, 1, 0, -3, 0},
			labels: []int{1, 2, 0, 2},
		},
		random("mnist_batch", 64, 10, 10),
	}
}

func firstMax(z []float32) int {
	best := 0
	for i, v := range z {
		if v > z[best] {
			best = i
		}
	}
	return best
}

// TestSoftmaxCrossEntropy checks dlogits and both statistics of
// SoftmaxCrossEntropy.
func TestSoftmaxCrossEntropy(t *testing.T, newBackend func(testing.TB) layers.Backend) {
	b := openBackend(t, newBackend)
	for _, c := range softmaxCases() {
		t.Run(c.name, func(t *testing.T) {
			labels := make([]float32, c.n)
			for i, l := range c.labels {
				labels[i] = float32(l)
			}
			shape := layers.Shape{c.n, c.k}
			zt := newTensor(t, b, shape, c.logits)
			lt := newTensor(t, b, layers.Shape{c.n}, labels)
			dzt := newOutput(t, b, shape)
			st := newOutput(t, b, layers.Shape{2})
			p := newProgram(t, b)
			p.SoftmaxCrossEntropy(zt, lt, dzt, st)
			endAndRun(t, p, layers.StepState{})

			r := softmaxCrossEntropyRef(widen(c.logits), c.labels, c.n, c.k)

			// Each softmax probability is within a few units of roundoff of
			// 1 in absolute terms, even with an exp that is only accurate to
			// (3 + 2|x|) ulp, which Vulkan allows, then divided by N.
			scale := make([]float64, len(r.dlogits))
			for i := range scale {
				scale[i] = 1 / float64(c.n)
			}
			checkClose(t, "dlogits", shape, download(t, b, dzt), r.dlogits, scale, 32*unitRoundoff)

			stats := download(t, b, st)
			// Each row loss rounds values of its scale up to 16 times, log
			// adds up to 2⁻²¹ (Vulkan's bound near 1), and summing N rows in
			// float32 adds N roundings.
			lossTol := float64(16+c.n)*unitRoundoff*r.lossScale + float64(c.n)*0x1p-21
			if diff := math.Abs(float64(stats[0]) - r.loss); diff > lossTol {
				t.Errorf("stats[0] (loss sum) = %.9g, want %.9g (difference %.3g, tolerance %.3g)", stats[0], r.loss, diff, lossTol)
			}
			// A count is exact.
			if stats[1] != float32(r.correct) {
				t.Errorf("stats[1] (correct rows) = %v, want %d", stats[1], r.correct)
			}
		})
	}
}
