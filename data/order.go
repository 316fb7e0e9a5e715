package data

import (
	"math/bits"
	"math/rand/v2"
)

// EpochOrder returns the indices 0..n-1 in the order that epoch visits them: unchanged when
// shuffle is false, else a permutation that depends only on (seed, epoch).
//
// The shuffle draws from PCG seeded with (seed, epoch) and bounds the draws itself, instead of
// calling rand.Rand.Perm, so the order depends only on the PCG algorithm and stays the same
// across Go releases.
func EpochOrder(n int, seed uint64, epoch int, shuffle bool) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	if !shuffle {
		return order
	}

	src := rand.NewPCG(seed, uint64(epoch))
	for i := n - 1; i > 0; i-- {
		j := uniformBelow(src, uint64(i+1))
		order[i], order[j] = order[j], order[i]
	}
	return order
}

// uniformBelow returns a uniform value in [0, n) for n > 0. It takes the high half of the
// 128-bit product of a 64-bit draw and n, and draws again when that would bias the result.
func uniformBelow(src *rand.PCG, n uint64) int {
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		// threshold is 2^64 mod n. Products whose low half falls below it would make
		// some results more likely than others, so they are drawn again.
		threshold := -n % n
		for lo < threshold {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return int(hi)
}
