package layers

// The dropout mask is a counter-based hash, so the CPU and Vulkan backends
// drop the same units without sharing any generator state. The GLSL copy is
// in shaders/dropout.comp and must stay identical.

// Lowbias32 is Chris Wellons' lowbias32 integer hash, found by his Hash
// Function Prospector and published at nullprogram.com/blog/2018/07/31: a
// bijection on 32-bit integers with low avalanche bias.
func Lowbias32(x uint32) uint32 {
	x ^= x >> 16
	x *= 0x7feb352d
	x ^= x >> 15
	x *= 0x846ca68b
	x ^= x >> 16
	return x
}

// DropoutHash mixes (seed, layer, step, index) into 32 random bits by
// chaining Lowbias32, one input at a time.
func DropoutHash(seed, layer, step, index uint32) uint32 {
	h := Lowbias32(seed ^ 0x9e3779b9)
	h = Lowbias32(h ^ layer)
	h = Lowbias32(h ^ step)
	return Lowbias32(h ^ index)
}

// DropoutKeep reports whether element index survives dropout with drop
// probability p: the hash's top 24 bits, as a fraction in [0, 1), must be
// at least p. The comparison is exact in float32, so both backends agree.
func DropoutKeep(seed, layer, step, index uint32, p float32) bool {
	u := float32(DropoutHash(seed, layer, step, index)>>8) * (1.0 / (1 << 24))
	return u >= p
}
