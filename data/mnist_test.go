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

func TestLoadMNISTGzip(t *testing.T) {
	dir := t.TempDir()
	labels := []byte{5, 0, 9}
	writeFile(t, dir, "mnist/train-images-idx3-ubyte.gz", gzipBytes(t, mnistImagesFile(3)))
	writeFile(t, dir, "mnist/train-labels-idx1-ubyte.gz", gzipBytes(t, mnistLabelsFile(labels)))

	ds, err := LoadMNIST(dir, true)
	if err != nil {
		t.Fatalf("LoadMNIST: %v", err)
	}

	if ds.N != 3 || ds.C != 1 || ds.H != 28 || ds.W != 28 {
		t.Errorf("shape N=%d C=%d H=%d W=%d, want 3 1 28 28", ds.N, ds.C, ds.H, ds.W)
	}
	if ds.Classes != 10 {
		t.Errorf("classes = %d, want 10", ds.Classes)
	}
	if !bytes.Equal(ds.Labels, labels) {
		t.Errorf("labels = %v, want %v", ds.Labels, labels)
	}
	if !bytes.Equal(ds.Pixels, testImages(3)) {
		t.Errorf("pixels differ from the file contents")
	}

	// Image 2, row 5, column 11 is (7*2 + 3*5 + 11) = 40.
	if got := ds.Pixels[2*28*28+5*28+11]; got != 40 {
		t.Errorf("pixel (2, 5, 11) = %d, want 40", got)
	}
	if ds.Stats.Mean[0] != 0.1307 || ds.Stats.Std[0] != 0.3081 {
		t.Errorf("stats = %+v, want mean 0.1307 std 0.3081", ds.Stats)
	}
	if err := ds.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestLoadMNISTPlainFallback(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "mnist/t10k-images-idx3-ubyte", mnistImagesFile(2))
	writeFile(t, dir, "mnist/t10k-labels-idx1-ubyte", mnistLabelsFile([]byte{7, 2}))

	ds, err := LoadMNIST(dir, false)
	if err != nil {
		t.Fatalf("LoadMNIST: %v", err)
	}
	if ds.N != 2 {
		t.Errorf("N = %d, want 2", ds.N)
	}
	if !bytes.Equal(ds.Labels, []byte{7, 2}) {
		t.Errorf("labels = %v, want [7 2]", ds.Labels)
	}
	if !bytes.Equal(ds.Pixels, testImages(2)) {
		t.Errorf("pixels differ from the file contents")
	}
}

func TestLoadMNISTPrefersGzip(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "mnist/t10k-images-idx3-ubyte.gz", gzipBytes(t, mnistImagesFile(1)))
	writeFile(t, dir, "mnist/t10k-labels-idx1-ubyte.gz", gzipBytes(t, mnistLabelsFile([]byte{3})))
	writeFile(t, dir, "mnist/t10k-labels-idx1-ubyte", mnistLabelsFile([]byte{8}))

	ds, err := LoadMNIST(dir, false)
	if err != nil {
		t.Fatalf("LoadMNIST: %v", err)
	}
	if !slices.Equal(ds.Labels, []byte{3}) {
		t.Errorf("labels = %v, want [3] from the .gz file", ds.Labels)
	}
}

func TestLoadMNISTMissingFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "mnist/train-images-idx3-ubyte.gz", gzipBytes(t, mnistImagesFile(1)))

	for _, tc := range []struct {
		name  string
		train bool
		file  string
	}{
		{"train labels", true, "train-labels-idx1-ubyte.gz"},
		{"test images", false, "t10k-images-idx3-ubyte.gz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadMNIST(dir, tc.train)
			if err == nil {
				t.Fatal("LoadMNIST returned no error")
			}

			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("error %v does not wrap fs.ErrNotExist", err)
			}
			msg := err.Error()
			for _, want := range []string{tc.file + " not found", "in " + filepath.Join(dir, "mnist"), "VKCNN_DATA", "data.Ensure", mnistPrimaryURL + tc.file} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
		})
	}
}

func TestLoadMNISTInvalidFiles(t *testing.T) {
	goodImages := mnistImagesFile(3)
	goodLabels := mnistLabelsFile([]byte{1, 2, 3})

	cases := []struct {
		name   string
		images []byte
		labels []byte
		file   string
		want   string
	}{
		{"bad magic", append([]byte{1, 2}, goodImages[2:]...), goodLabels, "train-images", "bad magic"},
		{"wrong type byte", idxBytes(0x0C, []uint32{3, 28, 28}, make([]byte, 3*28*28*4)), goodLabels, "train-images", "unsupported type byte 0x0c (int32)"},
		{"image file with 2 dims", idxBytes(0x08, []uint32{3, 784}, testImages(3)), goodLabels, "train-images", "wrong number of dimensions: got 2, want 3"},
		{"label file with 2 dims", goodImages, idxBytes(0x08, []uint32{3, 1}, []byte{1, 2, 3}), "train-labels", "wrong number of dimensions: got 2, want 1"},
		{"image size 28x27", idxBytes(0x08, []uint32{3, 28, 27}, make([]byte, 3*28*27)), goodLabels, "train-images", "wrong image size 28x27, want 28x28"},
		{"image size 32x32", idxBytes(0x08, []uint32{3, 32, 32}, make([]byte, 3*32*32)), goodLabels, "train-images", "wrong image size 32x32, want 28x28"},
		{"no images", idxBytes(0x08, []uint32{0, 28, 28}, nil), mnistLabelsFile(nil), "train-images", "contains no images"},
		{"count mismatch", goodImages, mnistLabelsFile([]byte{1, 2}), "train-images", "has 3 images but"},
		{"label above 9", goodImages, mnistLabelsFile([]byte{1, 10, 3}), "train-labels", "label 10 at index 1 is out of range 0..9"},
		{"corrupt gzip", []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 0xde, 0xad}, goodLabels, "train-images", "corrupt gzip stream"},
		{"truncated images", goodImages[:len(goodImages)-100], goodLabels, "train-images", "header claims 2352 data bytes, file contains 2252"},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "mnist/train-images-idx3-ubyte", tc.images)
			writeFile(t, dir, "mnist/train-labels-idx1-ubyte", tc.labels)

			_, err := LoadMNIST(dir, true)
			if err == nil {
				t.Fatal("LoadMNIST returned no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, filepath.Join(dir, "mnist", tc.file)) {
				t.Errorf("error %q does not name the %s file", msg, tc.file)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not contain %q", msg, tc.want)
			}
		})
	}
}
