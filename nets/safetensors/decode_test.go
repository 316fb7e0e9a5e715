package safetensors

import (
	"encoding/binary"
	"strings"
	"testing"
)

// f32Entry is a header entry for an F32 tensor of shape [2], which needs 8 bytes.
const f32Entry = `{"dtype":"F32","shape":[2],"data_offsets":[0,8]}`

func TestDecodeRejects(t *testing.T) {
	eightBytes := make([]byte, 8)
	sixteenBytes := make([]byte, 16)
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"file shorter than 8 bytes", []byte{1, 0, 0}, "file is 3 bytes long, expected at least the 8-byte header length"},
		{"header length over limit", binary.LittleEndian.AppendUint64(nil, 100_000_001), "header length is 100000001 bytes, the format allows at most 100000000"},
		{"header length past end", append(binary.LittleEndian.AppendUint64(nil, 50), "{}"...), "header length is 50 bytes, but only 2 bytes follow the length"},
		{"header length maximum uint64", binary.LittleEndian.AppendUint64(nil, ^uint64(0)), "header length is 18446744073709551615 bytes"},
		{"empty header", rawFile("", nil), `header starts with "", expected a JSON object`},
		{"header is JSON array", rawFile(`[1,2]`, nil), `header starts with "[1,2]", expected a JSON object`},
		{"header is JSON string", rawFile(`"x"`, nil), `header starts with "\"x\"", expected a JSON object`},
		{"header is truncated JSON", rawFile(`{"a":`, nil), "header is not valid JSON"},
		{"header has syntax error", rawFile(`{"a" 1}`, nil), "header is not valid JSON"},
		{"header is not UTF-8", rawFile("{\"\xff\":"+f32Entry+"}", eightBytes), "header is not valid UTF-8"},
		{"header has second JSON value", rawFile(`{} {}`, nil), "header has a JSON object after the JSON object"},
		{"duplicate tensor key", rawFile(`{"a":`+f32Entry+`,"a":`+f32Entry+`}`, eightBytes), `header has duplicate key "a"`},
		{"duplicate metadata key in header", rawFile(`{"__metadata__":{},"__metadata__":{}}`, nil), `header has duplicate key "__metadata__"`},
		{"duplicate key inside metadata", rawFile(`{"__metadata__":{"k":"1","k":"2"}}`, nil), `__metadata__ has duplicate key "k"`},
		{"duplicate field in entry", rawFile(`{"a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, eightBytes), `entry of tensor "a" has duplicate field "dtype"`},
		{"empty tensor name", rawFile(`{"":`+f32Entry+`}`, eightBytes), "header has a tensor with an empty name"},
		{"entry not an object", rawFile(`{"a":[1]}`, nil), `entry of tensor "a" is a JSON array, expected a JSON object`},
		{"entry missing field", rawFile(`{"a":{"dtype":"F32","shape":[2]}}`, eightBytes), `entry of tensor "a" is missing the field "data_offsets"`},
		{"entry unknown field", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}}`, eightBytes), `entry of tensor "a" has unknown field "x"`},
		{"unknown dtype", rawFile(`{"a":{"dtype":"F128","shape":[2],"data_offsets":[0,8]}}`, eightBytes), `tensor "a" has unknown dtype "F128", expected one of BOOL, U8`},
		{"dtype not a string", rawFile(`{"a":{"dtype":4,"shape":[2],"data_offsets":[0,8]}}`, eightBytes), `dtype of tensor "a" is 4, expected a string`},
		{"shape not an array", rawFile(`{"a":{"dtype":"F32","shape":2,"data_offsets":[0,8]}}`, eightBytes), `shape of tensor "a" is 2, expected a JSON array`},
		{"negative dimension", rawFile(`{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, eightBytes), `shape of tensor "a" has negative dimension -2`},
		{"fractional dimension", rawFile(`{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,8]}}`, eightBytes), `shape of tensor "a" has dimension 1.5, expected a non-negative integer`},
		{"dimension out of int range", rawFile(`{"a":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,8]}}`, eightBytes), `shape of tensor "a" has dimension 99999999999999999999`},
		{"dimension is string", rawFile(`{"a":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}`, eightBytes), `shape of tensor "a" has the string "2", expected a number`},
		{"element count overflows", rawFile(`{"a":{"dtype":"F32","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,8]}}`, eightBytes), "has more elements than a uint64 can count"},
		{"byte count overflows", rawFile(`{"a":{"dtype":"F64","shape":[2147483647,2147483647,4],"data_offsets":[0,8]}}`, eightBytes), "has more bytes than a uint64 can count"},
		{"offsets one value", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[8]}}`, eightBytes), `data_offsets of tensor "a" is an array of length 1, expected length 2 as [begin, end]`},
		{"offsets three values", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}}`, eightBytes), `data_offsets of tensor "a" has more than 2 values`},
		{"offsets not numbers", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":["0","8"]}}`, eightBytes), `data_offsets of tensor "a" has the string "0", expected a number`},
		{"offsets not an array", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":null}}`, eightBytes), `data_offsets of tensor "a" is null, expected a JSON array`},
		{"offset negative", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}`, eightBytes), `data_offsets of tensor "a" has value -8, expected a non-negative integer`},
		{"offset begin after end", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}`, eightBytes), `data_offsets of tensor "a" are [8, 0], expected begin <= end`},
		{"offset end past buffer", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}}`, eightBytes), `data_offsets of tensor "a" are [0, 16], which end past the byte buffer of 8 bytes`},
		{"offset end far past buffer", rawFile(`{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,18446744073709551615]}}`, eightBytes), "which end past the byte buffer of 8 bytes"},
		{"size does not match shape", rawFile(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, eightBytes), `data_offsets of tensor "a" are [0, 8], which span 8 bytes, expected 12 for dtype F32 and shape [3]`},
		{"overlapping tensors", rawFile(`{"a":`+f32Entry+`,"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, sixteenBytes[:12]), `data_offsets of tensor "b" are [4, 12], which overlap tensor "a" at [0, 8]`},
		{"empty tensor inside another", rawFile(`{"a":`+f32Entry+`,"b":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}`, eightBytes), `data_offsets of tensor "b" are [4, 4], which overlap tensor "a"`},
		{"hole before first tensor", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}`, sixteenBytes), `byte buffer has 8 bytes at [0, 8] that belong to no tensor, expected tensor "a" to begin at 0`},
		{"hole between tensors", rawFile(`{"a":`+f32Entry+`,"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}}`, sixteenBytes), `byte buffer has 4 bytes at [8, 12] that belong to no tensor`},
		{"trailing bytes", rawFile(`{"a":`+f32Entry+`}`, sixteenBytes), "byte buffer has 8 trailing bytes at [8, 16] that belong to no tensor"},
		{"trailing bytes without tensors", rawFile(`{}`, eightBytes), "byte buffer has 8 trailing bytes at [0, 8]"},
		{"metadata not an object", rawFile(`{"__metadata__":"pt"}`, nil), `__metadata__ is the string "pt", expected a JSON object`},
		{"metadata null", rawFile(`{"__metadata__":null}`, nil), "__metadata__ is null, expected a JSON object"},
		{"metadata value number", rawFile(`{"__metadata__":{"epoch":3}}`, nil), `__metadata__ value of key "epoch" is 3, expected a string`},
		{"metadata value object", rawFile(`{"__metadata__":{"k":{}}}`, nil), `__metadata__ value of key "k" is a JSON object, expected a string`},
	}

	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			file, err := Decode(test.file)
			if err == nil {
				t.Fatalf("Decode returned %d tensors and no error, want error containing %q", len(file.Tensors), test.want)
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

func TestDecodeBufferOrder(t *testing.T) {
	// The header lists "late" first, but its data comes second.
	header := `{"late":{"dtype":"U8","shape":[2],"data_offsets":[1,3]},` +
		`"empty":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},` +
		`"early":{"dtype":"U8","shape":[],"data_offsets":[0,1]}}`
	file, err := Decode(rawFile(header, []byte{7, 8, 9}))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}

	want := []Tensor{
		{Name: "empty", DType: DTypeF32, Shape: []int{0}, Data: nil},
		{Name: "early", DType: DTypeU8, Shape: []int{}, Data: []byte{7}},
		{Name: "late", DType: DTypeU8, Shape: []int{2}, Data: []byte{8, 9}},
	}
	assertSameTensors(t, file.Tensors, want)
	if file.Metadata != nil {
		t.Errorf("Metadata = %v, want nil for a header without __metadata__", file.Metadata)
	}
}

func TestDecodeAcceptsPaddingAndEscapes(t *testing.T) {
	header := `{"__metadata__":{"note":"a\"b\u00e9"},"w\u002e0":` + f32Entry + "}     "
	file, err := Decode(rawFile(header, make([]byte, 8)))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}

	if _, ok := file.Lookup("w.0"); !ok {
		t.Errorf("Lookup(%q) found nothing, want the tensor with the escaped name", "w.0")
	}
	if got := file.Metadata["note"]; got != "a\"bé" {
		t.Errorf("Metadata[note] = %q, want %q", got, "a\"bé")
	}
}

func TestDecodeEmptyFile(t *testing.T) {
	file, err := Decode(rawFile("{}", nil))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if len(file.Tensors) != 0 {
		t.Errorf("got %d tensors, want 0", len(file.Tensors))
	}
}

func TestDecodeDataCannotGrowIntoNext(t *testing.T) {
	header := `{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`
	file, err := Decode(rawFile(header, []byte{1, 2}))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}

	a, _ := file.Lookup("a")
	_ = append(a.Data, 99)
	b, _ := file.Lookup("b")
	if b.Data[0] != 2 {
		t.Errorf("append to a.Data changed b.Data[0] to %d, want 2", b.Data[0])
	}
}
