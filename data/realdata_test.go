package data

import (
	"context"
	"math"
	"os"
	"slices"
	"testing"
)

// realDataDir returns $VKCNN_DATA, or skips the test when it is not set.
func realDataDir(t *testing.T) string {
	t.Helper()

	dir := os.Getenv(DataDirEnv)
	if dir == "" {
		t.Skipf("%s is not set: set it to a directory that contains mnist/ and cifar-10-batches-bin/ to run the real-data tests", DataDirEnv)
	}
	return dir
}

func TestRealMNIST(t *testing.T) {
	dir := realDataDir(t)

	train, err := LoadMNIST(dir, true)
	if err != nil {
		t.Fatalf("training set: %v", err)
	}
	test, err := LoadMNIST(dir, false)
	if err != nil {
		t.Fatalf("test set: %v", err)
	}

	if train.N != 60000 {
		t.Errorf("training set has %d images, want 60000", train.N)
	}
	if test.N != 10000 {
		t.Errorf("test set has %d images, want 10000", test.N)
	}
	if got := train.Labels[:10]; !slices.Equal(got, []uint8{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}) {
		t.Errorf("first 10 training labels = %v, want [5 0 4 1 9 2 1 3 1 4]", got)
	}

	// The exported MNIST constants are the training-set mean and std rounded to four digits.
	checkPixelStats(t, train.Pixels, "MNIST", MNISTMean, MNISTStd)
}

func TestRealMNISTLoaderEpoch(t *testing.T) {
	dir := realDataDir(t)

	test, err := LoadMNIST(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLoader(test, LoaderOptions{BatchSize: 128, Prefetch: DefaultPrefetch})
	if err != nil {
		t.Fatal(err)
	}

	it := l.Epoch(context.Background(), 0)
	defer it.Close()

	images, batches := 0, 0
	for it.Next() {
		b := it.Batch()
		images += b.N
		batches++
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if images != 10000 || batches != 79 {
		t.Errorf("epoch gave %d images in %d batches, want 10000 in 79", images, batches)
	}
}

// checkPixelStats checks that the mean and standard deviation of pixel/255
// over pixels round, to four digits, to the constants <name>Mean and
// <name>Std, whose values are mean and std.
func checkPixelStats(t *testing.T, pixels []uint8, name string, mean, std float64) {
	t.Helper()
	var sum, sumSquares float64
	for _, p := range pixels {
		x := float64(p) / 255
		sum += x
		sumSquares += x * x
	}
	count := float64(len(pixels))
	gotMean := sum / count
	gotStd := math.Sqrt(sumSquares/count - gotMean*gotMean)
	if math.Abs(gotMean-mean) > 0.00005 {
		t.Errorf("training mean %.6f does not round to %sMean %v", gotMean, name, mean)
	}
	if math.Abs(gotStd-std) > 0.00005 {
		t.Errorf("training std %.6f does not round to %sStd %v", gotStd, name, std)
	}
}
