package safetensors

import (
	"bytes"
	"testing"
)

// FuzzDecode checks that Decode never panics and that whatever it accepts
// survives an Encode and Decode round trip unchanged. The seed corpus in
// testdata/fuzz/FuzzDecode holds valid files and files that Decode rejects.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Decode(data)
		if err != nil {
			return
		}

		var buffer bytes.Buffer
		if err := Encode(&buffer, file.Tensors, file.Metadata); err != nil {
			t.Fatalf("Encode of a decoded file failed: %v", err)
		}
		again, err := Decode(buffer.Bytes())
		if err != nil {
			t.Fatalf("Decode of a re-encoded file failed: %v\nfile: %q", err, buffer.Bytes())
		}
		assertSameTensors(t, again.Tensors, file.Tensors)
		assertSameMetadata(t, again.Metadata, file.Metadata)

		// A file that Encode wrote must come back byte for byte.
		var second bytes.Buffer
		if err := Encode(&second, again.Tensors, again.Metadata); err != nil {
			t.Fatalf("second Encode failed: %v", err)
		}
		if !bytes.Equal(second.Bytes(), buffer.Bytes()) {
			t.Errorf("re-encoding changed the bytes:\n%q\n%q", second.Bytes(), buffer.Bytes())
		}
	})
}
