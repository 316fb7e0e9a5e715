package data

import (
	"fmt"
	"math"
)

// MNIST training-set mean and standard deviation of pixel/255 over all pixels, rounded to four
// digits. The real-data test recomputes them from the training files.
const (
	MNISTMean = 0.1307
	MNISTStd  = 0.3081
)

// Fashion-MNIST training-set mean and standard deviation of pixel/255 over all pixels, rounded
// to four digits. These are the values that Fashion-MNIST training code commonly uses; they were
// not recomputed here because the files were not at hand. The real-data test recomputes them
// when the training files are present.
const (
	FashionMNISTMean = 0.2860
	FashionMNISTStd  = 0.3530
)

// ChannelStats are the per-channel mean and standard deviation of pixel/255 over a training set.
type ChannelStats struct {
	Mean []float64
	Std  []float64
}

// MNISTStats returns the single-channel MNIST stats.
func MNISTStats() ChannelStats {
	return ChannelStats{Mean: []float64{MNISTMean}, Std: []float64{MNISTStd}}
}

// FashionMNISTStats returns the single-channel Fashion-MNIST stats.
func FashionMNISTStats() ChannelStats {
	return ChannelStats{Mean: []float64{FashionMNISTMean}, Std: []float64{FashionMNISTStd}}
}

// CIFAR10Stats returns the RGB stats of pixel/255 over the CIFAR-10 training set, rounded to
// four digits. The std is taken over all pixels of a channel, not averaged per image.
func CIFAR10Stats() ChannelStats {
	return ChannelStats{
		Mean: []float64{0.4914, 0.4822, 0.4465},
		Std:  []float64{0.2470, 0.2435, 0.2616},
	}
}

// Normalizer maps 8-bit pixels to (pixel/255 - mean) / std for each channel.
type Normalizer struct {
	// tables contains the float32 result for each channel and pixel value. They are computed in
	// float64, so each output is the correctly rounded value of the formula.
	tables [][256]float32
}

// NewNormalizer checks the stats and builds a normalizer for len(stats.Mean) channels.
func NewNormalizer(stats ChannelStats) (*Normalizer, error) {
	if len(stats.Mean) == 0 || len(stats.Mean) != len(stats.Std) {
		return nil, fmt.Errorf("data: invalid channel stats: %d means and %d standard deviations, want the same positive count", len(stats.Mean), len(stats.Std))
	}

	tables := make([][256]float32, len(stats.Mean))
	for c := range tables {
		mean, std := stats.Mean[c], stats.Std[c]
		if !(std > 0) || math.IsInf(std, 0) || math.IsNaN(mean) || math.IsInf(mean, 0) {
			return nil, fmt.Errorf("data: invalid channel stats for channel %d: mean %v, std %v: want a finite mean and a finite std above 0", c, mean, std)
		}
		for v := range tables[c] {
			tables[c][v] = float32((float64(v)/255 - mean) / std)
		}
	}
	return &Normalizer{tables: tables}, nil
}

// Channels returns the channel count that the normalizer was built for.
func (z *Normalizer) Channels() int {
	return len(z.tables)
}

// Normalize writes the normalized values of src to dst. Both are NCHW with planeSize = H*W
// values per channel plane, so len(src) must be a multiple of Channels()*planeSize and
// len(dst) must equal len(src).
func (z *Normalizer) Normalize(dst []float32, src []uint8, planeSize int) error {
	imageSize := len(z.tables) * planeSize
	if planeSize <= 0 || len(src)%imageSize != 0 {
		return fmt.Errorf("data: cannot normalize %d pixels as images of %d channels x %d pixels", len(src), len(z.tables), planeSize)
	}
	if len(dst) != len(src) {
		return fmt.Errorf("data: normalize output has %d values for %d pixels", len(dst), len(src))
	}

	for start := 0; start < len(src); start += planeSize {
		table := &z.tables[(start/planeSize)%len(z.tables)]
		plane := src[start : start+planeSize]
		out := dst[start : start+planeSize]
		for i, p := range plane {
			out[i] = table[p]
		}
	}
	return nil
}
