package data

import (
	"context"
	"fmt"
	"sync"
)

// DefaultPrefetch is a prefetch depth that keeps one batch ready while the caller
// works on the current one, with one more in reserve.
const DefaultPrefetch = 2

// LoaderOptions configure a Loader.
type LoaderOptions struct {
	// BatchSize is the number of images per batch. The last batch of an epoch may be shorter.
	BatchSize int

	// Seed and the epoch number select the shuffle order.
	Seed uint64

	// Shuffle visits the images in a fresh order each epoch. Without it, every epoch visits
	// them in dataset order, which is what evaluation wants.
	Shuffle bool

	// Limit uses only the first Limit images of the dataset. 0 uses all of them.
	Limit int

	// Prefetch is the number of batches that a goroutine prepares ahead of the caller.
	// 0 prepares each batch inside Epoch.Next on the caller's goroutine.
	Prefetch int

	// Augment replaces the dataset's default augmentation, Dataset.Augment, when not nil.
	// The CIFAR-10 training set defaults to CIFAR10Augment, and every other dataset to none,
	// so MNIST needs Augment set to MNISTAffine() or another Affine to get affine augmentation.
	Augment Augmenter

	// NoAugment turns augmentation off, even when Augment or Dataset.Augment is set. Use it to
	// evaluate on the training set.
	NoAugment bool
}

// Batch is one batch of normalized images and their labels.
type Batch struct {
	// Epoch is the epoch number, and Index is the position of the batch within the epoch.
	Epoch, Index int

	// N is the number of images in this batch. C, H and W are the image shape.
	N, C, H, W int

	// Images contains N*C*H*W normalized values in NCHW order.
	Images []float32

	// Labels contains N class indices.
	Labels []int32

	// Indices contains the dataset index of each image.
	Indices []int

	// scratch holds one normalized image before augmentation.
	scratch []float32
}

// Loader cuts a dataset into batches of normalized images, one epoch at a time.
// A Loader may run several epochs at once, each from its own goroutine.
type Loader struct {
	dataset    *Dataset
	opts       LoaderOptions
	count      int
	normalizer *Normalizer

	// augment is nil when augmentation is off. black is the normalized value of a raw 0 pixel
	// in each channel.
	augment Augmenter
	black   []float32

	// pool keeps batch buffers from finished epochs for the next ones.
	poolMu sync.Mutex
	pool   []*Batch
}

// NewLoader checks the dataset and options and returns a loader that normalizes with the
// dataset's Stats.
func NewLoader(ds *Dataset, opts LoaderOptions) (*Loader, error) {
	if err := ds.Validate(); err != nil {
		return nil, err
	}
	if opts.BatchSize <= 0 {
		return nil, fmt.Errorf("data: invalid batch size %d: want at least 1", opts.BatchSize)
	}
	if opts.Limit < 0 || opts.Limit > ds.N {
		return nil, fmt.Errorf("data: invalid limit %d: want 0 for all images, or 1..%d for %s", opts.Limit, ds.N, ds.Name)
	}
	if opts.Prefetch < 0 {
		return nil, fmt.Errorf("data: invalid prefetch depth %d: want 0 or more", opts.Prefetch)
	}

	normalizer, err := NewNormalizer(ds.Stats)
	if err != nil {
		return nil, fmt.Errorf("data: %s: %w", ds.Name, err)
	}
	if normalizer.Channels() != ds.C {
		return nil, fmt.Errorf("data: %s: stats for %d channels, but the images have %d", ds.Name, normalizer.Channels(), ds.C)
	}

	augment := ds.Augment
	if opts.Augment != nil {
		augment = opts.Augment
	}
	if opts.NoAugment {
		augment = nil
	}
	if checker, ok := augment.(augmentChecker); ok {
		if err := checker.check(ds.C, ds.H, ds.W); err != nil {
			return nil, fmt.Errorf("data: %s: %w", ds.Name, err)
		}
	}

	black := make([]float32, ds.C)
	for c := range black {
		black[c] = normalizer.tables[c][0]
	}

	count := ds.N
	if opts.Limit > 0 {
		count = opts.Limit
	}
	l := &Loader{dataset: ds, opts: opts, count: count, normalizer: normalizer, augment: augment, black: black}
	return l, nil
}

// Augmenter returns the augmentation that the loader applies, or nil when it applies none.
func (l *Loader) Augmenter() Augmenter {
	return l.augment
}

// Len returns the number of images in one epoch.
func (l *Loader) Len() int {
	return l.count
}

// NumBatches returns the number of batches in one epoch, counting a short last batch.
func (l *Loader) NumBatches() int {
	return (l.count + l.opts.BatchSize - 1) / l.opts.BatchSize
}

// Order returns the dataset indices in the order that the given epoch visits them.
func (l *Loader) Order(epoch int) []int {
	return EpochOrder(l.count, l.opts.Seed, epoch, l.opts.Shuffle)
}

// Epoch starts iterating over the batches of one epoch. Cancelling ctx stops the iteration,
// and the caller must call Close on the result when done with it.
func (l *Loader) Epoch(ctx context.Context, epoch int) *Epoch {
	return startEpoch(ctx, l, epoch)
}

// fill writes batch number index of an epoch with the given order into b.
func (l *Loader) fill(b *Batch, order []int, epoch, index int) {
	start := index * l.opts.BatchSize
	end := min(start+l.opts.BatchSize, len(order))
	n := end - start
	imageSize := l.dataset.ImageSize()

	b.Epoch, b.Index = epoch, index
	b.N, b.C, b.H, b.W = n, l.dataset.C, l.dataset.H, l.dataset.W
	b.Images = b.Images[:n*imageSize]
	b.Labels = b.Labels[:n]
	b.Indices = b.Indices[:n]

	for j, idx := range order[start:end] {
		src := l.dataset.Pixels[idx*imageSize : (idx+1)*imageSize]
		dst := b.Images[j*imageSize : (j+1)*imageSize]
		l.normalizeImage(b, dst, src, epoch, idx)
		b.Labels[j] = int32(l.dataset.Labels[idx])
		b.Indices[j] = idx
	}
}

// normalizeImage writes the normalized and, when augmentation is on, augmented image of
// dataset index idx to dst.
func (l *Loader) normalizeImage(b *Batch, dst []float32, src []uint8, epoch, idx int) {
	c, h, w := l.dataset.C, l.dataset.H, l.dataset.W
	normalized := dst
	if l.augment != nil {
		if len(b.scratch) != len(dst) {
			b.scratch = make([]float32, len(dst))
		}
		normalized = b.scratch
	}

	// The shapes were checked in NewLoader, so Normalize cannot fail here.
	if err := l.normalizer.Normalize(normalized, src, h*w); err != nil {
		panic(err)
	}
	if l.augment == nil {
		return
	}

	in := Image{C: c, H: h, W: w, Pixels: normalized, Black: l.black}
	out := Image{C: c, H: h, W: w, Pixels: dst, Black: l.black}
	l.augment.Augment(out, in, augmentRNG(l.opts.Seed, epoch, idx))
}

// takeBuffer returns a pooled batch buffer, or a new one when the pool is empty.
func (l *Loader) takeBuffer() *Batch {
	l.poolMu.Lock()
	defer l.poolMu.Unlock()

	if n := len(l.pool); n > 0 {
		b := l.pool[n-1]
		l.pool = l.pool[:n-1]
		return b
	}

	size := l.opts.BatchSize
	return &Batch{
		Images:  make([]float32, 0, size*l.dataset.ImageSize()),
		Labels:  make([]int32, 0, size),
		Indices: make([]int, 0, size),
	}
}

// returnBuffer puts a batch buffer back into the pool. The caller must not use it afterwards.
func (l *Loader) returnBuffer(b *Batch) {
	l.poolMu.Lock()
	defer l.poolMu.Unlock()

	l.pool = append(l.pool, b)
}
