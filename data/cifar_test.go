package data

import (
	"bytes"
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// cifarRecord returns one record with the given label whose pixel k is (k + 5*seed) mod 251.
func cifarRecord(label byte, seed int) []byte {
	record := make([]byte, CIFAR10RecordSize)
	record[0] = label
	for k := range CIFAR10RecordSize - 1 {
		record[1+k] = byte((k + 5*seed) % 251)
	}
	return record
}

// cifarBatch returns the records for the labels, seeded by firstSeed, firstSeed+1, ...
func cifarBatch(labels []byte, firstSeed int) []byte {
	var buf bytes.Buffer
	for i, label := range labels {
		buf.Write(cifarRecord(label, firstSeed+i))
	}
	return buf.Bytes()
}

func TestLoadCIFAR10Train(t *testing.T) {
	dir := t.TempDir()
	batchLabels := [][]byte{{6, 9}, {4}, {1, 1, 2}, {7}, {8, 3}}
	var wantLabels, wantPixels []byte
	seed := 0
	for i, labels := range batchLabels {
		writeFile(t, dir, filepath.Join(CIFAR10Subdir, cifar10TrainFiles[i]), cifarBatch(labels, seed))
		for j, label := range labels {
			wantLabels = append(wantLabels, label)
			wantPixels = append(wantPixels, cifarRecord(label, seed+j)[1:]...)
		}
		seed += len(labels)
	}

	ds, err := LoadCIFAR10(dir, true)
	if err != nil {
		t.Fatalf("LoadCIFAR10: %v", err)
	}

	if ds.N != 9 || ds.C != 3 || ds.H != 32 || ds.W != 32 {
		t.Errorf("shape N=%d C=%d H=%d W=%d, want 9 3 32 32", ds.N, ds.C, ds.H, ds.W)
	}
	if ds.Classes != 10 {
		t.Errorf("classes = %d, want 10", ds.Classes)
	}
	if !bytes.Equal(ds.Labels, wantLabels) {
		t.Errorf("labels = %v, want %v in batch order", ds.Labels, wantLabels)
	}
	if !bytes.Equal(ds.Pixels, wantPixels) {
		t.Errorf("pixels differ from the records")
	}
	if !slices.Equal(ds.Stats.Mean, CIFAR10Stats().Mean) || !slices.Equal(ds.Stats.Std, CIFAR10Stats().Std) {
		t.Errorf("stats = %+v, want CIFAR10Stats", ds.Stats)
	}
	if ds.Augment != CIFAR10Augment() {
		t.Errorf("default augmentation = %#v, want CIFAR10Augment()", ds.Augment)
	}
	if err := ds.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestLoadCIFAR10Test(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, filepath.Join(CIFAR10Subdir, "test_batch.bin"), cifarBatch([]byte{3, 8, 0}, 0))

	ds, err := LoadCIFAR10(dir, false)
	if err != nil {
		t.Fatalf("LoadCIFAR10: %v", err)
	}
	if ds.N != 3 {
		t.Errorf("N = %d, want 3", ds.N)
	}
	if !bytes.Equal(ds.Labels, []byte{3, 8, 0}) {
		t.Errorf("labels = %v, want [3 8 0]", ds.Labels)
	}
	if ds.Augment != nil {
		t.Errorf("test set has default augmentation %#v, want none", ds.Augment)
	}
	if ds.Name != "cifar10 test" {
		t.Errorf("name = %q, want %q", ds.Name, "cifar10 test")
	}
}

func TestLoadCIFAR10PlaneOrder(t *testing.T) {
	dir := t.TempDir()
	record := make([]byte, CIFAR10RecordSize)
	record[0] = 5

	// Red, green and blue at row 2, column 7 of a record: byte 1 + c*1024 + 2*32 + 7.
	record[1+0*1024+2*32+7] = 10
	record[1+1*1024+2*32+7] = 20
	record[1+2*1024+2*32+7] = 30
	writeFile(t, dir, filepath.Join(CIFAR10Subdir, "test_batch.bin"), record)

	ds, err := LoadCIFAR10(dir, false)
	if err != nil {
		t.Fatalf("LoadCIFAR10: %v", err)
	}
	for c, want := range []byte{10, 20, 30} {
		if got := ds.Pixels[c*32*32+2*32+7]; got != want {
			t.Errorf("channel %d at (2, 7) = %d, want %d", c, got, want)
		}
	}
}

func TestLoadCIFAR10MissingFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, filepath.Join(CIFAR10Subdir, "data_batch_1.bin"), cifarBatch([]byte{1}, 0))

	_, err := LoadCIFAR10(dir, true)
	if err == nil {
		t.Fatal("LoadCIFAR10 returned no error")
	}

	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not wrap fs.ErrNotExist", err)
	}
	msg := err.Error()
	for _, want := range []string{
		filepath.Join(dir, CIFAR10Subdir, "data_batch_2.bin") + " not found",
		cifar10ArchiveURL,
		"extract it into " + dir,
		"data.Ensure",
		"VKCNN_DATA",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
}

func TestLoadCIFAR10InvalidFiles(t *testing.T) {
	cases := []struct {
		name    string
		content []byte
		want    string
	}{
		{"empty", nil, "empty file"},
		{"one byte short", cifarBatch([]byte{1, 2}, 0)[:2*CIFAR10RecordSize-1], "size 6145 bytes is not a multiple of the 3073-byte record"},
		{"one byte over", append(cifarBatch([]byte{1}, 0), 0), "size 3074 bytes is not a multiple of the 3073-byte record"},
		{"label 10", cifarBatch([]byte{1, 10}, 0), "label 10 of record 1 (byte offset 3073) is out of range 0..9"},
		{"label 255", cifarBatch([]byte{255}, 0), "label 255 of record 0 (byte offset 0) is out of range 0..9"},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeFile(t, dir, filepath.Join(CIFAR10Subdir, "test_batch.bin"), tc.content)

			_, err := LoadCIFAR10(dir, false)
			if err == nil {
				t.Fatal("LoadCIFAR10 returned no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, path) {
				t.Errorf("error %q does not name the file %s", msg, path)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not contain %q", msg, tc.want)
			}
		})
	}
}

func TestReadCIFAR(t *testing.T) {
	raw := cifarBatch([]byte{0, 9, 4}, 7)

	ds, err := ReadCIFAR(bytes.NewReader(raw), "stream")
	if err != nil {
		t.Fatalf("ReadCIFAR: %v", err)
	}
	if ds.N != 3 || !bytes.Equal(ds.Labels, []byte{0, 9, 4}) {
		t.Errorf("N = %d, labels = %v, want 3 and [0 9 4]", ds.N, ds.Labels)
	}
	if !bytes.Equal(ds.Pixels[3072:6144], raw[3073+1:2*3073]) {
		t.Errorf("pixels of record 1 differ from the record")
	}
	if ds.Augment != nil {
		t.Errorf("ReadCIFAR set default augmentation %#v, want none", ds.Augment)
	}
	if err := ds.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}

	if _, err := ReadCIFAR(bytes.NewReader(raw[:100]), "stream"); err == nil || !strings.Contains(err.Error(), "stream: size 100 bytes") {
		t.Errorf("short stream: error %v, want one naming the stream and its size", err)
	}
}
