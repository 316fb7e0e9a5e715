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

// FuzzReadCIFAR checks that ReadCIFAR never panics, and that whatever it accepts is whole
// records with labels 0..9 whose pixels are copied unchanged.
func FuzzReadCIFAR(f *testing.F) {
	f.Add(cifarBatch([]byte{3}, 0))
	f.Add(cifarBatch([]byte{0, 9}, 1))
	f.Add(cifarBatch([]byte{10}, 0))
	f.Add(cifarBatch([]byte{1}, 0)[:CIFAR10RecordSize-1])
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, content []byte) {
		got, err := ReadCIFAR(bytes.NewReader(content), "fuzz")
		if err != nil {
			return
		}

		if got.N == 0 || got.N*CIFAR10RecordSize != len(content) {
			t.Fatalf("accepted %d bytes as %d records", len(content), got.N)
		}
		if err := got.Validate(); err != nil {
			t.Fatalf("accepted an invalid dataset: %v", err)
		}
		for i := range got.N {
			record := content[i*CIFAR10RecordSize : (i+1)*CIFAR10RecordSize]
			if got.Labels[i] != record[0] {
				t.Fatalf("record %d: label %d, want %d", i, got.Labels[i], record[0])
			}
			if !bytes.Equal(got.Pixels[i*3072:(i+1)*3072], record[1:]) {
				t.Fatalf("record %d: pixels differ from the record", i)
			}
		}
	})
}
