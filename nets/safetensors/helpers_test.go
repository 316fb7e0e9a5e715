package safetensors

import (
	"bytes"
	"encoding/binary"
	"slices"
	"testing"
)

// rawFile builds file bytes from a header written by hand and a byte
// buffer, with the header length set to len(header).
func rawFile(header string, buffer []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, buffer...)
}

func encodeBytes(t *testing.T, tensors []Tensor, metadata map[string]string) []byte {
	t.Helper()
	var buffer bytes.Buffer
	if err := Encode(&buffer, tensors, metadata); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return buffer.Bytes()
}

// assertSameTensors compares names, dtypes, shapes and data, treating a nil
// shape or data slice as equal to an empty one.
func assertSameTensors(t *testing.T, got, want []Tensor) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d tensors, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Name != want[i].Name {
			t.Errorf("tensor %d: name %q, want %q", i, got[i].Name, want[i].Name)
		}
		if got[i].DType != want[i].DType {
			t.Errorf("tensor %q: dtype %q, want %q", want[i].Name, got[i].DType, want[i].DType)
		}
		if !slices.Equal(got[i].Shape, want[i].Shape) {
			t.Errorf("tensor %q: shape %v, want %v", want[i].Name, got[i].Shape, want[i].Shape)
		}
		if !bytes.Equal(got[i].Data, want[i].Data) {
			t.Errorf("tensor %q: data %x, want %x", want[i].Name, got[i].Data, want[i].Data)
		}
	}
}

func assertSameMetadata(t *testing.T, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("metadata %v, want %v", got, want)
	}
	for key, value := range want {
		if gotValue, ok := got[key]; !ok || gotValue != value {
			t.Errorf("metadata[%q] = %q (present %v), want %q", key, gotValue, ok, value)
		}
	}
}
