package safetensors

import (
	"fmt"
	"math/bits"
)

// elementCount returns the number of elements of a tensor with the given
// shape. An empty shape is a scalar with one element, and any zero dimension
// gives zero elements even when the other dimensions would overflow.
func elementCount(shape []int) (uint64, error) {
	for _, dim := range shape {
		if dim < 0 {
			return 0, fmt.Errorf("shape %v has negative dimension %d", shape, dim)
		}
		if dim == 0 {
			return 0, nil
		}
	}

	count := uint64(1)
	for _, dim := range shape {
		high, low := bits.Mul64(count, uint64(dim))
		if high != 0 {
			return 0, fmt.Errorf("shape %v has more elements than a uint64 can count", shape)
		}
		count = low
	}
	return count, nil
}

// byteSize returns the number of data bytes of a tensor with the given dtype
// and shape.
func byteSize(dtype DType, shape []int) (uint64, error) {
	size := dtype.Size()
	if size == 0 {
		return 0, fmt.Errorf("unknown dtype %q, expected one of %s", dtype, knownDTypeNames())
	}

	count, err := elementCount(shape)
	if err != nil {
		return 0, err
	}

	high, total := bits.Mul64(count, uint64(size))
	if high != 0 {
		return 0, fmt.Errorf("shape %v of dtype %s has more bytes than a uint64 can count", shape, dtype)
	}
	return total, nil
}
