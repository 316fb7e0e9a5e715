package safetensors

import "strings"

// DType is the element type of a tensor, spelled as in the safetensors header.
type DType string

// The dtypes this package reads and writes. Other names are rejected as unknown.
const (
	DTypeBool   DType = "BOOL"
	DTypeU8     DType = "U8"
	DTypeI8     DType = "I8"
	DTypeF8E5M2 DType = "F8_E5M2"
	DTypeF8E4M3 DType = "F8_E4M3"
	DTypeI16    DType = "I16"
	DTypeU16    DType = "U16"
	DTypeF16    DType = "F16"
	DTypeBF16   DType = "BF16"
	DTypeI32    DType = "I32"
	DTypeU32    DType = "U32"
	DTypeF32    DType = "F32"
	DTypeI64    DType = "I64"
	DTypeU64    DType = "U64"
	DTypeF64    DType = "F64"
)

// knownDTypes lists each dtype with its element size in bytes, in the order
// that error messages print them.
var knownDTypes = []struct {
	dtype DType
	size  int
}{
	{DTypeBool, 1}, {DTypeU8, 1}, {DTypeI8, 1}, {DTypeF8E5M2, 1}, {DTypeF8E4M3, 1},
	{DTypeI16, 2}, {DTypeU16, 2}, {DTypeF16, 2}, {DTypeBF16, 2},
	{DTypeI32, 4}, {DTypeU32, 4}, {DTypeF32, 4},
	{DTypeI64, 8}, {DTypeU64, 8}, {DTypeF64, 8},
}

// Size returns the size of one element in bytes, or 0 for an unknown dtype.
func (d DType) Size() int {
	for _, known := range knownDTypes {
		if known.dtype == d {
			return known.size
		}
	}
	return 0
}

// knownDTypeNames returns the known dtypes as a comma-separated list for
// error messages.
func knownDTypeNames() string {
	names := make([]string, len(knownDTypes))
	for i, known := range knownDTypes {
		names[i] = string(known.dtype)
	}
	return strings.Join(names, ", ")
}
