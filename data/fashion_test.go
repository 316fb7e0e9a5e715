package data

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// useSystemDir points FashionMNISTSystemDir at dir for the rest of the test.
func useSystemDir(t *testing.T, dir string) {
	t.Helper()

	saved := FashionMNISTSystemDir
	FashionMNISTSystemDir = dir
	t.Cleanup(func() { FashionMNISTSystemDir = saved })
}

func TestLoadFashionMNISTDataDir(t *testing.T) {
	useSystemDir(t, t.TempDir())
	dir := t.TempDir()
	writeFile(t, dir, "fashion-mnist/train-images-idx3-ubyte.gz", gzipBytes(t, mnistImagesFile(2)))
	writeFile(t, dir, "fashion-mnist/train-labels-idx1-ubyte.gz", gzipBytes(t, mnistLabelsFile([]byte{9, 0})))

	ds, err := LoadFashionMNIST(dir, true)
	if err != nil {
		t.Fatalf("LoadFashionMNIST: %v", err)
	}

	if ds.N != 2 || ds.C != 1 || ds.H != 28 || ds.W != 28 {
		t.Errorf("shape N=%d C=%d H=%d W=%d, want 2 1 28 28", ds.N, ds.C, ds.H, ds.W)
	}
	if !bytes.Equal(ds.Labels, []byte{9, 0}) {
		t.Errorf("labels = %v, want [9 0]", ds.Labels)
	}
	if !bytes.Equal(ds.Pixels, testImages(2)) {
		t.Errorf("pixels differ from the file contents")
	}
	if ds.Stats.Mean[0] != 0.2860 || ds.Stats.Std[0] != 0.3530 {
		t.Errorf("stats = %+v, want mean 0.2860 std 0.3530", ds.Stats)
	}
	if ds.Name != "fashion-mnist train" {
		t.Errorf("name = %q, want %q", ds.Name, "fashion-mnist train")
	}
	if ds.Augment != nil {
		t.Errorf("default augmentation = %#v, want none", ds.Augment)
	}
}

func TestLoadFashionMNISTSystemDir(t *testing.T) {
	system := t.TempDir()
	useSystemDir(t, system)
	dir := t.TempDir()
	writeFile(t, system, "t10k-images-idx3-ubyte.gz", gzipBytes(t, mnistImagesFile(1)))
	writeFile(t, system, "t10k-labels-idx1-ubyte.gz", gzipBytes(t, mnistLabelsFile([]byte{4})))

	ds, err := LoadFashionMNIST(dir, false)
	if err != nil {
		t.Fatalf("LoadFashionMNIST from the system folder: %v", err)
	}
	if !bytes.Equal(ds.Labels, []byte{4}) {
		t.Errorf("labels = %v, want [4] from the system folder", ds.Labels)
	}

	// A file in the data directory wins over the system folder.
	writeFile(t, dir, "fashion-mnist/t10k-labels-idx1-ubyte", mnistLabelsFile([]byte{7}))
	ds, err = LoadFashionMNIST(dir, false)
	if err != nil {
		t.Fatalf("LoadFashionMNIST with a local label file: %v", err)
	}
	if !bytes.Equal(ds.Labels, []byte{7}) {
		t.Errorf("labels = %v, want [7] from the data directory", ds.Labels)
	}
}

func TestLoadFashionMNISTMissingFile(t *testing.T) {
	system := t.TempDir()
	useSystemDir(t, system)
	dir := t.TempDir()

	_, err := LoadFashionMNIST(dir, true)
	if err == nil {
		t.Fatal("LoadFashionMNIST returned no error")
	}

	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not wrap fs.ErrNotExist", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"train-images-idx3-ubyte.gz not found",
		filepath.Join(dir, "fashion-mnist") + " or " + system,
		fashionMNISTBaseURL + "train-images-idx3-ubyte.gz",
		`dataset "fashion-mnist"`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
}

func TestEnsureFashionMNISTSystemDir(t *testing.T) {
	system := t.TempDir()
	useSystemDir(t, system)
	source, err := LookupSource("fashion-mnist")
	if err != nil {
		t.Fatal(err)
	}

	// The fake files replace the real ones, so their checksums and sizes replace the registry's.
	for i, f := range source.Files {
		name := strings.TrimSuffix(f.Name, ".gz")
		content := fakeMNIST()[name]
		writeFile(t, system, f.Name, gzipBytes(t, content))
		sum := sha256.Sum256(content)
		source.Files[i].SHA256 = hex.EncodeToString(sum[:])
		source.Files[i].Size = int64(len(content))
	}

	var out bytes.Buffer
	dir := t.TempDir()
	err = Ensure(context.Background(), dir, "fashion-mnist", EnsureOptions{Source: &source, Offline: true, RequireVerified: true, Output: &out})
	if err != nil {
		t.Fatalf("Ensure with the files in the system folder: %v", err)
	}
	if strings.Contains(out.String(), "NOT verified") {
		t.Errorf("output %q warns about unverified files", out.String())
	}

	// A system file whose content differs from its checksum is rejected.
	writeFile(t, system, source.Files[0].Name, gzipBytes(t, []byte("not the training images")))
	err = Ensure(context.Background(), dir, "fashion-mnist", EnsureOptions{Source: &source, Offline: true, Output: &out})
	if err == nil {
		t.Fatal("Ensure accepted a system file that fails its checksum")
	}
	assertContains(t, err.Error(), filepath.Join(system, "train-images-idx3-ubyte.gz"), "failed verification")
}

// TestEnsureRealFashionMNIST verifies the Fashion-MNIST files that Debian's dataset-fashion-mnist
// package installs against the registry's checksums, when the package is installed.
func TestEnsureRealFashionMNIST(t *testing.T) {
	if _, err := os.Stat(filepath.Join(FashionMNISTSystemDir, "train-images-idx3-ubyte.gz")); err != nil {
		t.Skipf("no Fashion-MNIST in %s (apt install dataset-fashion-mnist): %v", FashionMNISTSystemDir, err)
	}
	var out bytes.Buffer
	err := Ensure(context.Background(), t.TempDir(), "fashion-mnist", EnsureOptions{Offline: true, RequireVerified: true, Output: &out})
	if err != nil {
		t.Fatalf("Ensure on %s: %v\noutput: %s", FashionMNISTSystemDir, err, out.String())
	}
	train, err := LoadFashionMNIST(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	if train.N != 60000 {
		t.Errorf("%d training images, want 60000", train.N)
	}
}
