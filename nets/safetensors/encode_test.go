package safetensors

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestEncodeExactBytes(t *testing.T) {
	tensors := []Tensor{
		F32("a", []int{2}, []float32{1, 2}),
		I64("b", nil, []int64{7}),
	}
	metadata := map[string]string{"format": "pt"}

	// The header is 138 bytes of JSON and 6 spaces, so that the byte buffer
	// starts at 8 + 144 = 152, a multiple of 8.
	header := `{"__metadata__":{"format":"pt"},` +
		`"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},` +
		`"b":{"dtype":"I64","shape":[],"data_offsets":[8,16]}}` +
		"      "
	var want []byte
	want = append(want, 0x90, 0, 0, 0, 0, 0, 0, 0)
	want = append(want, header...)
	want = append(want, 0x00, 0x00, 0x80, 0x3f) // 1.0 as a little-endian float32
	want = append(want, 0x00, 0x00, 0x00, 0x40) // 2.0
	want = append(want, 7, 0, 0, 0, 0, 0, 0, 0) // int64 7

	got := encodeBytes(t, tensors, metadata)
	if !bytes.Equal(got, want) {
		t.Errorf("Encode wrote\n%q\nwant\n%q", got, want)
	}
}

func TestEncodeAlignsByteBuffer(t *testing.T) {
	for length := 1; length <= 16; length++ {
		name := strings.Repeat("n", length)
		b := encodeBytes(t, []Tensor{F32(name, []int{1}, []float32{3})}, nil)

		headerSize := int(b[0]) | int(b[1])<<8
		if (prefixSize+headerSize)%8 != 0 {
			t.Errorf("name of %d bytes: byte buffer starts at %d, want a multiple of 8", length, prefixSize+headerSize)
		}
		if len(b) != prefixSize+headerSize+4 {
			t.Errorf("name of %d bytes: file is %d bytes, want %d", length, len(b), prefixSize+headerSize+4)
		}
	}
}

func TestEncodeDeterministic(t *testing.T) {
	tensors := []Tensor{
		F32("conv.weight", []int{2, 1, 1, 1}, []float32{0.5, -0.25}),
		I64("steps", nil, []int64{12}),
	}
	metadata := map[string]string{"z": "1", "a": "2", "m": "3", "format": "pt", "b": "4"}

	first := encodeBytes(t, tensors, metadata)
	for i := range 20 {
		if again := encodeBytes(t, tensors, metadata); !bytes.Equal(again, first) {
			t.Fatalf("encoding %d differs from the first:\n%q\n%q", i+2, again, first)
		}
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		tensors  []Tensor
		metadata map[string]string
	}{
		{"no tensors", nil, nil},
		{"f32 matrix", []Tensor{F32("w", []int{2, 3}, []float32{1, -2, 3.5, float32(math.Inf(1)), 0, -0.125})}, nil},
		{"i64 vector", []Tensor{I64("ids", []int{3}, []int64{math.MinInt64, 0, math.MaxInt64})}, nil},
		{"f32 scalar", []Tensor{F32("lr", []int{}, []float32{0.01})}, nil},
		{"i64 scalar with nil shape", []Tensor{I64("step", nil, []int64{42})}, nil},
		{"empty tensors", []Tensor{F32("none", []int{0}, nil), I64("rows", []int{4, 0}, nil), F32("x", []int{1}, []float32{9})}, nil},
		{"metadata only", nil, map[string]string{"format": "pt", "note": "<&> \"quoted\" é"}},
		{"other dtypes", []Tensor{
			{Name: "mask", DType: DTypeBool, Shape: []int{3}, Data: []byte{1, 0, 1}},
			{Name: "half", DType: DTypeF16, Shape: []int{2}, Data: []byte{0, 0x3c, 0, 0xc0}},
			{Name: "double", DType: DTypeF64, Shape: []int{1}, Data: []byte{0, 0, 0, 0, 0, 0, 0xf0, 0x3f}},
		}, map[string]string{"source": "test"}},
		{"tensors and metadata", []Tensor{
			F32("layer1.weight", []int{2, 2}, []float32{1, 2, 3, 4}),
			F32("layer1.bias", []int{2}, []float32{5, 6}),
			I64("epoch", nil, []int64{3}),
		}, map[string]string{"format": "pt", "model": "cnn"}},
	}

	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			file, err := Decode(encodeBytes(t, test.tensors, test.metadata))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			assertSameTensors(t, file.Tensors, test.tensors)
			assertSameMetadata(t, file.Metadata, test.metadata)
		})
	}
}

func TestEncodeRejects(t *testing.T) {
	valid := F32("w", []int{1}, []float32{1})
	tests := []struct {
		name     string
		tensors  []Tensor
		metadata map[string]string
		want     string
	}{
		{"empty name", []Tensor{F32("", []int{1}, []float32{1})}, nil, "tensor 0 has an empty name"},
		{"metadata name", []Tensor{valid, F32("__metadata__", []int{1}, []float32{1})}, nil, `tensor 1 is named "__metadata__", which the format reserves`},
		{"duplicate name", []Tensor{valid, valid}, nil, `tensor name "w" occurs more than once`},
		{"name not UTF-8", []Tensor{F32("w\xff", []int{1}, []float32{1})}, nil, `tensor 0 has name "w\xff", which is not valid UTF-8`},
		{"unknown dtype", []Tensor{{Name: "w", DType: "F128", Shape: []int{1}, Data: make([]byte, 16)}}, nil, `tensor "w": unknown dtype "F128"`},
		{"negative dimension", []Tensor{F32("w", []int{-1}, nil)}, nil, `tensor "w": shape [-1] has negative dimension -1`},
		{"too few values", []Tensor{F32("w", []int{2, 2}, []float32{1, 2, 3})}, nil, `tensor "w" has 12 data bytes, expected 16 for dtype F32 and shape [2 2]`},
		{"too many values", []Tensor{I64("n", nil, []int64{1, 2})}, nil, `tensor "n" has 16 data bytes, expected 8 for dtype I64 and shape []`},
		{"element count overflows", []Tensor{F32("w", []int{math.MaxInt, math.MaxInt, math.MaxInt}, nil)}, nil, "has more elements than a uint64 can count"},
		{"metadata key not UTF-8", nil, map[string]string{"\xfe": "x"}, `metadata key "\xfe" is not valid UTF-8`},
		{"metadata value not UTF-8", nil, map[string]string{"k": "\xfe"}, `metadata value "\xfe" of key "k" is not valid UTF-8`},
	}

	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			var buffer bytes.Buffer
			err := Encode(&buffer, test.tensors, test.metadata)
			if err == nil {
				t.Fatalf("Encode returned no error, want error containing %q", test.want)
			}
			if !strings.HasPrefix(err.Error(), "safetensors: ") {
				t.Errorf("error %q lacks the prefix \"safetensors: \"", err)
			}
			if !strings.Contains(err.Error(), test.want) {
				t.Errorf("error %q does not contain %q", err, test.want)
			}
			if buffer.Len() != 0 {
				t.Errorf("Encode wrote %d bytes before rejecting the input, want 0", buffer.Len())
			}
		})
	}
}

// failingWriter accepts limit bytes and then fails every write.
type failingWriter struct{ limit int }

var errWriteFailed = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.limit {
		written := w.limit
		w.limit = 0
		return written, errWriteFailed
	}
	w.limit -= len(p)
	return len(p), nil
}

func TestEncodeWriteError(t *testing.T) {
	tensors := []Tensor{F32("w", []int{2}, []float32{1, 2})}
	size := len(encodeBytes(t, tensors, nil))

	for limit := range size {
		err := Encode(&failingWriter{limit: limit}, tensors, nil)
		if !errors.Is(err, errWriteFailed) {
			t.Errorf("writer failing after %d bytes: error %v, want it to wrap %v", limit, err, errWriteFailed)
		}
	}
}
