package bench

import "slices"

// NewStats returns the median, minimum and maximum of samples, and a copy
// of samples in their original order. The median of an even number of
// samples is the mean of the middle two, as Python's statistics.median
// computes it. NewStats of no samples returns the zero Stats, which
// Write and Read reject.
func NewStats(samples []float64) Stats {
	if len(samples) == 0 {
		return Stats{}
	}
	sorted := slices.Clone(samples)
	slices.Sort(sorted)

	n := len(sorted)
	median := sorted[n/2]
	if n%2 == 0 {
		median = (sorted[n/2-1] + sorted[n/2]) / 2
	}
	return Stats{
		Median:  median,
		Min:     sorted[0],
		Max:     sorted[n-1],
		Samples: slices.Clone(samples),
	}
}
