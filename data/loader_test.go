package data

import (
	"context"
	"errors"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// syntheticDataset returns n images of 2 channels and 2x3 pixels. Pixel k of image i is
// (31*i + k) mod 256 and its label is i mod 10.
func syntheticDataset(n int) *Dataset {
	ds := &Dataset{
		Name:    "synthetic",
		N:       n,
		C:       2,
		H:       2,
		W:       3,
		Classes: 10,
		Stats:   ChannelStats{Mean: []float64{0.5, 0.25}, Std: []float64{0.25, 0.5}},
	}
	ds.Pixels = make([]uint8, n*ds.ImageSize())
	ds.Labels = make([]uint8, n)
	for i := range n {
		for k := range ds.ImageSize() {
			ds.Pixels[i*ds.ImageSize()+k] = uint8(31*i + k)
		}
		ds.Labels[i] = uint8(i % 10)
	}
	return ds
}

func newTestLoader(t *testing.T, ds *Dataset, opts LoaderOptions) *Loader {
	t.Helper()

	l, err := NewLoader(ds, opts)
	if err != nil {
		t.Fatalf("NewLoader: %v", err)
	}
	return l
}

// collectEpoch runs one epoch and returns deep copies of its batches.
func collectEpoch(t *testing.T, l *Loader, epoch int) []Batch {
	t.Helper()

	it := l.Epoch(context.Background(), epoch)
	defer it.Close()

	var batches []Batch
	for it.Next() {
		b := *it.Batch()
		b.Images = slices.Clone(b.Images)
		b.Labels = slices.Clone(b.Labels)
		b.Indices = slices.Clone(b.Indices)
		batches = append(batches, b)
	}
	if err := it.Err(); err != nil {
		t.Fatalf("epoch %d: %v", epoch, err)
	}
	return batches
}

func batchIndices(batches []Batch) []int {
	var indices []int
	for _, b := range batches {
		indices = append(indices, b.Indices...)
	}
	return indices
}

func batchSizes(batches []Batch) []int {
	var sizes []int
	for _, b := range batches {
		sizes = append(sizes, b.N)
	}
	return sizes
}

func TestLoaderVisitsEveryIndexOnce(t *testing.T) {
	for _, prefetch := range []int{0, 2} {
		l := newTestLoader(t, syntheticDataset(10), LoaderOptions{BatchSize: 3, Seed: 7, Shuffle: true, Prefetch: prefetch})

		for epoch := range 3 {
			batches := collectEpoch(t, l, epoch)

			if got := batchSizes(batches); !slices.Equal(got, []int{3, 3, 3, 1}) {
				t.Errorf("prefetch %d epoch %d: batch sizes %v, want [3 3 3 1]", prefetch, epoch, got)
			}
			for i, b := range batches {
				if b.Epoch != epoch || b.Index != i {
					t.Errorf("prefetch %d: batch %d has Epoch %d Index %d, want %d %d", prefetch, i, b.Epoch, b.Index, epoch, i)
				}
			}

			indices := batchIndices(batches)
			if !slices.Equal(indices, l.Order(epoch)) {
				t.Errorf("prefetch %d epoch %d: indices %v, want Order %v", prefetch, epoch, indices, l.Order(epoch))
			}
			slices.Sort(indices)
			if !slices.Equal(indices, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
				t.Errorf("prefetch %d epoch %d: sorted indices %v, want 0..9 once each", prefetch, epoch, indices)
			}
		}
	}
}

func TestLoaderNumBatches(t *testing.T) {
	for _, tc := range []struct{ n, batch, want int }{
		{10, 3, 4}, {9, 3, 3}, {1, 3, 1}, {10, 10, 1}, {10, 64, 1},
	} {
		l := newTestLoader(t, syntheticDataset(tc.n), LoaderOptions{BatchSize: tc.batch})
		if got := l.NumBatches(); got != tc.want {
			t.Errorf("NumBatches for %d images in batches of %d = %d, want %d", tc.n, tc.batch, got, tc.want)
		}
		if got := len(collectEpoch(t, l, 0)); got != tc.want {
			t.Errorf("%d images in batches of %d gave %d batches, want %d", tc.n, tc.batch, got, tc.want)
		}
	}
}

func TestLoaderShuffleOrder(t *testing.T) {
	ds := syntheticDataset(100)
	opts := LoaderOptions{BatchSize: 8, Seed: 42, Shuffle: true}
	l := newTestLoader(t, ds, opts)
	identity := EpochOrder(100, 0, 0, false)

	if slices.Equal(l.Order(0), identity) {
		t.Errorf("shuffled epoch 0 is in dataset order")
	}
	if slices.Equal(l.Order(0), l.Order(1)) {
		t.Errorf("epochs 0 and 1 have the same order")
	}
	if !slices.Equal(batchIndices(collectEpoch(t, l, 1)), l.Order(1)) {
		t.Errorf("epoch 1 batches do not follow Order(1)")
	}

	same := newTestLoader(t, ds, opts)
	if !slices.Equal(batchIndices(collectEpoch(t, same, 3)), batchIndices(collectEpoch(t, l, 3))) {
		t.Errorf("two loaders with seed 42 gave different orders for epoch 3")
	}

	opts.Seed = 43
	other := newTestLoader(t, ds, opts)
	if slices.Equal(other.Order(0), l.Order(0)) {
		t.Errorf("seeds 42 and 43 gave the same order")
	}
}

func TestLoaderWithoutShuffleKeepsOrder(t *testing.T) {
	l := newTestLoader(t, syntheticDataset(10), LoaderOptions{BatchSize: 4, Seed: 9, Prefetch: 1})

	for _, epoch := range []int{0, 5} {
		got := batchIndices(collectEpoch(t, l, epoch))
		if !slices.Equal(got, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
			t.Errorf("epoch %d without shuffle: indices %v, want 0..9 in order", epoch, got)
		}
	}
}

func TestLoaderLimit(t *testing.T) {
	l := newTestLoader(t, syntheticDataset(10), LoaderOptions{BatchSize: 3, Seed: 1, Shuffle: true, Limit: 7, Prefetch: 2})

	if l.Len() != 7 {
		t.Errorf("Len = %d, want 7", l.Len())
	}

	batches := collectEpoch(t, l, 0)
	if got := batchSizes(batches); !slices.Equal(got, []int{3, 3, 1}) {
		t.Errorf("batch sizes %v, want [3 3 1]", got)
	}
	indices := batchIndices(batches)
	slices.Sort(indices)
	if !slices.Equal(indices, []int{0, 1, 2, 3, 4, 5, 6}) {
		t.Errorf("sorted indices %v, want the first 7 images once each", indices)
	}
}

func TestLoaderBatchContents(t *testing.T) {
	ds := syntheticDataset(5)
	l := newTestLoader(t, ds, LoaderOptions{BatchSize: 2, Seed: 3, Shuffle: true, Prefetch: 2})
	plane := ds.H * ds.W

	for _, b := range collectEpoch(t, l, 0) {
		if b.C != 2 || b.H != 2 || b.W != 3 {
			t.Errorf("batch %d shape C=%d H=%d W=%d, want 2 2 3", b.Index, b.C, b.H, b.W)
		}
		if len(b.Images) != b.N*12 || len(b.Labels) != b.N {
			t.Fatalf("batch %d: %d values and %d labels for %d images", b.Index, len(b.Images), len(b.Labels), b.N)
		}

		for j, idx := range b.Indices {
			if b.Labels[j] != int32(idx%10) {
				t.Errorf("image %d: label %d, want %d", idx, b.Labels[j], idx%10)
			}
			for k := range 12 {
				channel := k / plane
				pixel := float64(uint8(31*idx + k))
				want := (pixel/255 - ds.Stats.Mean[channel]) / ds.Stats.Std[channel]
				if got := float64(b.Images[j*12+k]); math.Abs(got-want) > 1e-6 {
					t.Errorf("image %d value %d = %v, want %v", idx, k, got, want)
				}
			}
		}
	}
}

func TestLoaderPrefetchMatchesInline(t *testing.T) {
	ds := syntheticDataset(23)
	opts := LoaderOptions{BatchSize: 4, Seed: 11, Shuffle: true}
	reference := newTestLoader(t, ds, opts)

	for _, prefetch := range []int{1, 2, 5} {
		opts.Prefetch = prefetch
		l := newTestLoader(t, ds, opts)

		for epoch := range 3 {
			want := collectEpoch(t, reference, epoch)
			got := collectEpoch(t, l, epoch)
			if len(got) != len(want) {
				t.Fatalf("prefetch %d epoch %d: %d batches, want %d", prefetch, epoch, len(got), len(want))
			}
			for i := range want {
				if !slices.Equal(got[i].Images, want[i].Images) || !slices.Equal(got[i].Labels, want[i].Labels) || !slices.Equal(got[i].Indices, want[i].Indices) {
					t.Errorf("prefetch %d epoch %d batch %d differs from the inline batch", prefetch, epoch, i)
				}
			}
		}
	}
}

// While the caller holds a batch, the producer runs ahead into other buffers. The held batch
// must keep its contents, and the race detector must see no concurrent write.
func TestEpochHeldBatchUnchanged(t *testing.T) {
	ds := syntheticDataset(40)
	l := newTestLoader(t, ds, LoaderOptions{BatchSize: 2, Seed: 5, Shuffle: true, Prefetch: 2})

	it := l.Epoch(context.Background(), 0)
	defer it.Close()

	for it.Next() {
		b := it.Batch()
		images := slices.Clone(b.Images)
		indices := slices.Clone(b.Indices)

		time.Sleep(time.Millisecond)

		if !slices.Equal(b.Images, images) || !slices.Equal(b.Indices, indices) {
			t.Fatalf("batch %d changed while the caller held it", b.Index)
		}
	}
}

func TestEpochCloseStopsProducer(t *testing.T) {
	l := newTestLoader(t, syntheticDataset(1000), LoaderOptions{BatchSize: 1, Shuffle: true, Prefetch: 2})
	before := runtime.NumGoroutine()

	it := l.Epoch(context.Background(), 0)
	if !it.Next() {
		t.Fatal("Next returned false on the first batch")
	}
	it.Close()

	select {
	case <-it.done:
	default:
		t.Fatal("producer goroutine still running after Close")
	}
	if it.Next() {
		t.Errorf("Next returned true after Close")
	}
	if it.Err() != nil {
		t.Errorf("Err after Close = %v, want nil", it.Err())
	}
	it.Close()

	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines after Close, %d before the epoch", after, before)
	}
}

func TestEpochContextCancel(t *testing.T) {
	for _, prefetch := range []int{0, 2} {
		l := newTestLoader(t, syntheticDataset(100), LoaderOptions{BatchSize: 1, Prefetch: prefetch})
		ctx, cancel := context.WithCancel(context.Background())

		it := l.Epoch(ctx, 0)
		if !it.Next() {
			t.Fatalf("prefetch %d: Next returned false on the first batch", prefetch)
		}
		cancel()

		if it.Next() {
			t.Errorf("prefetch %d: Next returned true after cancel", prefetch)
		}
		if !errors.Is(it.Err(), context.Canceled) {
			t.Errorf("prefetch %d: Err = %v, want context.Canceled", prefetch, it.Err())
		}
		it.Close()

		if it.done != nil {
			select {
			case <-it.done:
			default:
				t.Errorf("producer goroutine still running after cancel and Close")
			}
		}
	}
}

func TestEpochReusesBuffers(t *testing.T) {
	l := newTestLoader(t, syntheticDataset(20), LoaderOptions{BatchSize: 3, Shuffle: true, Prefetch: 2})

	collectEpoch(t, l, 0)
	pooled := len(l.pool)
	if pooled == 0 || pooled > 4 {
		t.Fatalf("%d buffers pooled after epoch 0, want 1..4 (Prefetch + 2)", pooled)
	}

	for epoch := 1; epoch < 4; epoch++ {
		collectEpoch(t, l, epoch)
		if len(l.pool) != pooled {
			t.Errorf("%d buffers pooled after epoch %d, want %d as after epoch 0", len(l.pool), epoch, pooled)
		}
	}
}

func TestNewLoaderErrors(t *testing.T) {
	badLabel := syntheticDataset(4)
	badLabel.Labels[2] = 10

	wrongStats := syntheticDataset(4)
	wrongStats.Stats = MNISTStats()

	cases := []struct {
		name string
		ds   *Dataset
		opts LoaderOptions
		want string
	}{
		{"batch size 0", syntheticDataset(4), LoaderOptions{}, "invalid batch size 0"},
		{"negative limit", syntheticDataset(4), LoaderOptions{BatchSize: 1, Limit: -1}, "invalid limit -1"},
		{"limit above N", syntheticDataset(4), LoaderOptions{BatchSize: 1, Limit: 5}, "invalid limit 5: want 0 for all images, or 1..4"},
		{"negative prefetch", syntheticDataset(4), LoaderOptions{BatchSize: 1, Prefetch: -1}, "invalid prefetch depth -1"},
		{"label out of range", badLabel, LoaderOptions{BatchSize: 1}, "label 10 of image 2 is out of range 0..9"},
		{"stats channel count", wrongStats, LoaderOptions{BatchSize: 1}, "stats for 1 channels, but the images have 2"},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewLoader(tc.ds, tc.opts)
			if err == nil {
				t.Fatal("NewLoader returned no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}
