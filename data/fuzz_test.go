package data

import (
	"bytes"
	"testing"
)

// FuzzReadIDX checks that ReadIDX never panics, and that whatever it accepts has exactly as
// many elements as its dimensions claim.
func FuzzReadIDX(f *testing.F) {
	f.Add(idxBytes(0x08, []uint32{2, 2}, []byte{1, 2, 3, 4}))
	f.Add(idxBytes(0x08, []uint32{3}, []byte{7, 8, 9}))
	f.Add(idxBytes(0x08, []uint32{0xFFFFFFFF}, []byte{1}))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})

	f.Fuzz(func(t *testing.T, content []byte) {
		got, err := ReadIDX(bytes.NewReader(content), "fuzz")
		if err != nil {
			return
		}

		want := 1
		for _, d := range got.Dims {
			want *= d
		}
		if len(got.Data) != want {
			t.Errorf("dims %v but %d data bytes", got.Dims, len(got.Data))
		}
	})
}
