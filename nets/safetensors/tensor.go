package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// Tensor is one named tensor with its elements as raw little-endian bytes in
// row-major order.
type Tensor struct {
	Name  string
	DType DType
	// Shape lists the dimensions, outermost first. It is empty for a scalar.
	Shape []int
	Data  []byte
}

// File is the content of a safetensors file.
type File struct {
	// Tensors are in the order of their data in the byte buffer.
	Tensors []Tensor
	// Metadata is the "__metadata__" object of the header, or nil when the
	// header has none.
	Metadata map[string]string
}

// Lookup returns the tensor with the given name, and false if the file has none.
func (f *File) Lookup(name string) (Tensor, bool) {
	for _, t := range f.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

// F32 builds an F32 tensor from values in row-major order. It copies shape and
// does not check that len(values) matches it, but Encode rejects a mismatch.
func F32(name string, shape []int, values []float32) Tensor {
	data := make([]byte, 4*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(v))
	}
	return Tensor{Name: name, DType: DTypeF32, Shape: slices.Clone(shape), Data: data}
}

// I64 builds an I64 tensor from values in row-major order. It copies shape and
// does not check that len(values) matches it, but Encode rejects a mismatch.
func I64(name string, shape []int, values []int64) Tensor {
	data := make([]byte, 8*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint64(data[8*i:], uint64(v))
	}
	return Tensor{Name: name, DType: DTypeI64, Shape: slices.Clone(shape), Data: data}
}

// Float32s decodes the elements of an F32 tensor. It returns an error for any
// other dtype or when len(Data) does not match the shape.
func (t Tensor) Float32s() ([]float32, error) {
	if err := t.checkData(DTypeF32); err != nil {
		return nil, err
	}

	values := make([]float32, len(t.Data)/4)
	for i := range values {
		values[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return values, nil
}

// Int64s decodes the elements of an I64 tensor. It returns an error for any
// other dtype or when len(Data) does not match the shape.
func (t Tensor) Int64s() ([]int64, error) {
	if err := t.checkData(DTypeI64); err != nil {
		return nil, err
	}

	values := make([]int64, len(t.Data)/8)
	for i := range values {
		values[i] = int64(binary.LittleEndian.Uint64(t.Data[8*i:]))
	}
	return values, nil
}

// checkData returns an error unless t has the dtype expected and exactly the
// number of data bytes that its shape needs.
func (t Tensor) checkData(expected DType) error {
	if t.DType != expected {
		return fmt.Errorf("safetensors: tensor %q has dtype %q, expected %s", t.Name, t.DType, expected)
	}
	if err := t.checkSize(); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}

// checkSize returns an error unless len(t.Data) matches the dtype and shape
// of t. The error has no package prefix, so callers can add the file path.
func (t Tensor) checkSize() error {
	size, err := byteSize(t.DType, t.Shape)
	if err != nil {
		return fmt.Errorf("tensor %q: %w", t.Name, err)
	}
	if uint64(len(t.Data)) != size {
		return fmt.Errorf("tensor %q has %d data bytes, expected %d for dtype %s and shape %v",
			t.Name, len(t.Data), size, t.DType, t.Shape)
	}
	return nil
}
