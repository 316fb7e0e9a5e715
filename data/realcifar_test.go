package data

import (
	"context"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestRealCIFAR10(t *testing.T) {
	dir := realDataDir(t)

	train, err := LoadCIFAR10(dir, true)
	if err != nil {
		t.Fatalf("training set: %v", err)
	}
	test, err := LoadCIFAR10(dir, false)
	if err != nil {
		t.Fatalf("test set: %v", err)
	}

	if train.N != 50000 {
		t.Errorf("training set has %d images, want 50000", train.N)
	}
	if test.N != 10000 {
		t.Errorf("test set has %d images, want 10000", test.N)
	}

	// Second method: the label of record k is the byte at offset k*3073 of the raw file.
	raw, err := os.ReadFile(filepath.Join(dir, CIFAR10Subdir, "data_batch_1.bin"))
	if err != nil {
		t.Fatal(err)
	}
	for k := range 100 {
		if train.Labels[k] != raw[k*CIFAR10RecordSize] {
			t.Errorf("training label %d = %d, but byte %d of data_batch_1.bin is %d", k, train.Labels[k], k*CIFAR10RecordSize, raw[k*CIFAR10RecordSize])
		}
	}
	if got := train.Labels[:10]; !slices.Equal(got, []uint8{6, 9, 9, 4, 1, 1, 2, 7, 8, 3}) {
		t.Errorf("first 10 training labels = %v, want [6 9 9 4 1 1 2 7 8 3]", got)
	}
	if got := test.Labels[:10]; !slices.Equal(got, []uint8{3, 8, 8, 0, 6, 6, 1, 6, 3, 1}) {
		t.Errorf("first 10 test labels = %v, want [3 8 8 0 6 6 1 6 3 1]", got)
	}

	// The record after the last of data_batch_1 is the first of data_batch_2.
	raw2, err := os.ReadFile(filepath.Join(dir, CIFAR10Subdir, "data_batch_2.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if train.Labels[10000] != raw2[0] || !slices.Equal(train.Pixels[10000*3072:10001*3072], raw2[1:CIFAR10RecordSize]) {
		t.Error("image 10000 is not the first record of data_batch_2.bin")
	}

	counts := make([]int, CIFAR10Classes)
	for _, label := range train.Labels {
		counts[label]++
	}
	for class, n := range counts {
		if n != 5000 {
			t.Errorf("class %d (%s) has %d training images, want 5000", class, CIFAR10ClassNames[class], n)
		}
	}

	// The exported stats are the training-set mean and std per channel, rounded to four digits.
	stats := CIFAR10Stats()
	plane := CIFAR10Height * CIFAR10Width
	for c := range CIFAR10Channels {
		var sum, sumSquares float64
		for i := range train.N {
			for _, p := range train.Pixels[(i*3+c)*plane : (i*3+c+1)*plane] {
				x := float64(p) / 255
				sum += x
				sumSquares += x * x
			}
		}
		count := float64(train.N * plane)
		mean := sum / count
		std := math.Sqrt(sumSquares/count - mean*mean)
		if math.Abs(mean-stats.Mean[c]) > 0.00005 {
			t.Errorf("channel %d: training mean %.6f does not round to %v", c, mean, stats.Mean[c])
		}
		if math.Abs(std-stats.Std[c]) > 0.00005 {
			t.Errorf("channel %d: training std %.6f does not round to %v", c, std, stats.Std[c])
		}
	}
}

func TestRealEnsureVerifiesPresentFiles(t *testing.T) {
	dir := realDataDir(t)

	// Offline, so nothing is downloaded. Every file is present, so every checksum is compared.
	for _, dataset := range []string{"mnist", "cifar10"} {
		err := Ensure(context.Background(), dir, dataset, EnsureOptions{Offline: true, RequireVerified: true})
		if err != nil {
			t.Errorf("Ensure(%s): %v", dataset, err)
		}
	}
}

func TestRealFashionMNIST(t *testing.T) {
	dir := realDataDir(t)

	train, err := LoadFashionMNIST(dir, true)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("Fashion-MNIST is in neither %s nor %s: %v", filepath.Join(dir, FashionMNISTSubdir), FashionMNISTSystemDir, err)
	}
	if err != nil {
		t.Fatalf("training set: %v", err)
	}
	if train.N != 60000 {
		t.Errorf("training set has %d images, want 60000", train.N)
	}

	checkPixelStats(t, train.Pixels, "FashionMNIST", FashionMNISTMean, FashionMNISTStd)
}

func TestRealCIFAR10LoaderEpoch(t *testing.T) {
	dir := realDataDir(t)

	train, err := LoadCIFAR10(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLoader(train, LoaderOptions{BatchSize: 256, Seed: 1, Shuffle: true, Prefetch: DefaultPrefetch, Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if l.Augmenter() != CIFAR10Augment() {
		t.Errorf("training loader augmentation = %#v, want CIFAR10Augment()", l.Augmenter())
	}

	it := l.Epoch(context.Background(), 0)
	defer it.Close()
	images := 0
	for it.Next() {
		images += it.Batch().N
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if images != 5000 {
		t.Errorf("epoch gave %d images, want 5000", images)
	}
}
