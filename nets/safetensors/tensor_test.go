package safetensors

import (
	"slices"
	"strings"
	"testing"
)

func TestFloat32sValues(t *testing.T) {
	values := []float32{1.5, -2, 0, 3e-8}
	got, err := F32("w", []int{2, 2}, values).Float32s()
	if err != nil {
		t.Fatalf("Float32s: %v", err)
	}
	if !slices.Equal(got, values) {
		t.Errorf("Float32s = %v, want %v", got, values)
	}
}

func TestInt64sValues(t *testing.T) {
	values := []int64{-1, 0, 1 << 62}
	got, err := I64("n", []int{3}, values).Int64s()
	if err != nil {
		t.Fatalf("Int64s: %v", err)
	}
	if !slices.Equal(got, values) {
		t.Errorf("Int64s = %v, want %v", got, values)
	}
}

func TestTensorAccessorsReject(t *testing.T) {
	tests := []struct {
		name    string
		convert func() error
		want    string
	}{
		{"Float32s of I64", func() error { _, err := I64("n", nil, []int64{1}).Float32s(); return err }, `tensor "n" has dtype "I64", expected F32`},
		{"Int64s of F32", func() error { _, err := F32("w", nil, []float32{1}).Int64s(); return err }, `tensor "w" has dtype "F32", expected I64`},
		{"Float32s short data", func() error { _, err := F32("w", []int{3}, []float32{1}).Float32s(); return err }, `tensor "w" has 4 data bytes, expected 12`},
		{"Int64s ragged data", func() error {
			_, err := Tensor{Name: "n", DType: DTypeI64, Shape: []int{1}, Data: make([]byte, 9)}.Int64s()
			return err
		}, `tensor "n" has 9 data bytes, expected 8`},
	}

	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			err := test.convert()
			if err == nil {
				t.Fatalf("got no error, want error containing %q", test.want)
			}
			if !strings.HasPrefix(err.Error(), "safetensors: ") {
				t.Errorf("error %q lacks the prefix \"safetensors: \"", err)
			}
			if !strings.Contains(err.Error(), test.want) {
				t.Errorf("error %q does not contain %q", err, test.want)
			}
		})
	}
}

func TestConstructorsCopyShape(t *testing.T) {
	shape := []int{2}
	tensor := F32("w", shape, []float32{1, 2})
	shape[0] = 5
	if tensor.Shape[0] != 2 {
		t.Errorf("Shape[0] = %d after changing the caller's slice, want 2", tensor.Shape[0])
	}
}

func TestLookup(t *testing.T) {
	file := &File{Tensors: []Tensor{F32("a", nil, []float32{1}), I64("b", nil, []int64{2})}}

	b, ok := file.Lookup("b")
	if !ok || b.Name != "b" || b.DType != DTypeI64 {
		t.Errorf("Lookup(b) = %+v, %v, want the I64 tensor b", b, ok)
	}
	if _, ok := file.Lookup("c"); ok {
		t.Errorf("Lookup(c) found a tensor, want none")
	}
}

func TestDTypeSize(t *testing.T) {
	tests := []struct {
		dtype DType
		want  int
	}{
		{DTypeBool, 1}, {DTypeU8, 1}, {DTypeI8, 1}, {DTypeF8E5M2, 1}, {DTypeF8E4M3, 1},
		{DTypeI16, 2}, {DTypeU16, 2}, {DTypeF16, 2}, {DTypeBF16, 2},
		{DTypeI32, 4}, {DTypeU32, 4}, {DTypeF32, 4},
		{DTypeI64, 8}, {DTypeU64, 8}, {DTypeF64, 8},
		{"f32", 0}, {"", 0}, {"F128", 0},
	}
	for _, test := range tests {
		if got := test.dtype.Size(); got != test.want {
			t.Errorf("DType(%q).Size() = %d, want %d", test.dtype, got, test.want)
		}
	}
}
