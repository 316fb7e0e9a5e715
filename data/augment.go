package data

import (
	"math/rand/v2"
)

// Image is one normalized image in CHW order, as the Loader passes it to an Augmenter.
type Image struct {
	// C, H and W are the channels, height and width.
	C, H, W int

	// Pixels contains C*H*W normalized values.
	Pixels []float32

	// Black contains, for each channel, the normalized value of a raw 0 pixel. It is what an
	// empty border looks like on a black background such as MNIST's.
	Black []float32
}

// Augmenter transforms one normalized training image.
//
// The Loader calls Augment once per image and epoch, after normalization, on the goroutine that
// fills the batch: the prefetch goroutine, or the caller's in Epoch.Next when Prefetch is 0.
// The generator is seeded from (LoaderOptions.Seed, epoch, dataset index), so a run is
// repeatable whatever the batch size, shuffle order and prefetch depth, provided that Augment
// draws only from it. Several epochs may run at once, so Augment must be safe for concurrent use.
type Augmenter interface {
	// Augment writes the transformed src to dst. Both have the same shape and do not overlap.
	Augment(dst, src Image, rng *rand.PCG)
}

// augmentChecker is implemented by the augmenters of this package that can reject their
// settings or an image shape before an epoch starts.
type augmentChecker interface {
	check(c, h, w int) error
}

// augmentSalt separates the augmentation streams from the shuffle stream, which is seeded with
// (Seed, epoch) directly.
const augmentSalt = 0x6a09e667f3bcc909

// augmentRNG returns the generator for one image in one epoch.
func augmentRNG(seed uint64, epoch, index int) *rand.PCG {
	return rand.NewPCG(splitMix64(seed^augmentSalt), splitMix64(splitMix64(uint64(epoch))^uint64(index)))
}

// splitMix64 is the SplitMix64 finalizer, a bijection that spreads nearby inputs, such as
// consecutive indices, over the whole 64-bit range.
func splitMix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// randomUnit returns a uniform value in [0, 1) from the top 53 bits of one draw.
func randomUnit(rng *rand.PCG) float64 {
	return float64(rng.Uint64()>>11) * 0x1p-53
}

// randomSymmetric returns a uniform value in [-limit, limit).
func randomSymmetric(rng *rand.PCG, limit float64) float64 {
	return (2*randomUnit(rng) - 1) * limit
}
