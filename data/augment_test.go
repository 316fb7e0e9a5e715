package data

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// planeImage returns a normalized image whose channel c holds values[k] + 10*c at pixel k.
func planeImage(c, h, w int, values []float32) Image {
	img := Image{C: c, H: h, W: w, Pixels: make([]float32, c*h*w), Black: make([]float32, c)}
	for ch := range c {
		for k, v := range values {
			img.Pixels[ch*h*w+k] = v + 10*float32(ch)
		}
	}
	return img
}

func blankLike(src Image) Image {
	dst := src
	dst.Pixels = make([]float32, len(src.Pixels))
	return dst
}

func TestCropFlipHandComputed(t *testing.T) {
	src := planeImage(2, 3, 3, []float32{
		1, 2, 3,
		4, 5, 6,
		7, 8, 9,
	})

	cases := []struct {
		name      string
		top, left int
		flip      bool
		want      []float32
	}{
		{"top left corner", 0, 0, false, []float32{0, 0, 0, 0, 1, 2, 0, 4, 5}},
		{"bottom right corner", 2, 2, false, []float32{5, 6, 0, 8, 9, 0, 0, 0, 0}},
		{"center", 1, 1, false, []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"center flipped", 1, 1, true, []float32{3, 2, 1, 6, 5, 4, 9, 8, 7}},
		{"top right corner flipped", 0, 2, true, []float32{0, 0, 0, 0, 3, 2, 0, 6, 5}},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dst := blankLike(src)
			cropFlip(dst, src, 1, tc.top, tc.left, tc.flip)

			if got := dst.Pixels[:9]; !slices.Equal(got, tc.want) {
				t.Errorf("channel 0 = %v, want %v", got, tc.want)
			}

			// Channel 1 holds the same pixels plus 10, and its padding is still 0.
			want1 := make([]float32, 9)
			for k, v := range tc.want {
				if v != 0 {
					want1[k] = v + 10
				}
			}
			if got := dst.Pixels[9:]; !slices.Equal(got, want1) {
				t.Errorf("channel 1 = %v, want %v", got, want1)
			}
		})
	}
}

func TestCropFlipFlipRate(t *testing.T) {
	src := planeImage(1, 1, 2, []float32{1, 2})
	dst := blankLike(src)
	a := CropFlip{Pad: 0, Flip: true}

	const samples = 20000
	flips := 0
	for i := range samples {
		a.Augment(dst, src, augmentRNG(7, 0, i))
		if dst.Pixels[0] == 2 {
			flips++
		}
	}

	// The standard deviation of the rate is 0.5/sqrt(20000) = 0.0035, so 0.015 is over 4 of them.
	rate := float64(flips) / samples
	if math.Abs(rate-0.5) > 0.015 {
		t.Errorf("flip rate %.4f over %d samples, want 0.5 ± 0.015", rate, samples)
	}
}

func TestCropFlipNoFlip(t *testing.T) {
	src := planeImage(1, 1, 2, []float32{1, 2})
	dst := blankLike(src)

	for i := range 200 {
		CropFlip{Pad: 0}.Augment(dst, src, augmentRNG(7, 0, i))
		if dst.Pixels[0] != 1 {
			t.Fatalf("sample %d is flipped with Flip off", i)
		}
	}
}

func TestCropFlipOffsetsUniform(t *testing.T) {
	// Pixel (y, x) of a 9×9 image holds 9y + x + 1. With a padding of 4, the output's center
	// pixel comes from (top, left) whether or not the crop is flipped.
	values := make([]float32, 81)
	for k := range values {
		values[k] = float32(k + 1)
	}
	src := planeImage(1, 9, 9, values)
	dst := blankLike(src)

	const samples = 81 * 200
	counts := make(map[int]int)
	for i := range samples {
		CIFAR10Augment().Augment(dst, src, augmentRNG(3, 1, i))
		counts[int(dst.Pixels[4*9+4])-1]++
	}

	if len(counts) != 81 {
		t.Fatalf("saw %d of the 81 crop offsets", len(counts))
	}
	for offset, n := range counts {
		// Each offset expects 200 hits with a standard deviation of about 14.
		if n < 130 || n > 270 {
			t.Errorf("offset (%d, %d) drawn %d times, want about 200", offset/9, offset%9, n)
		}
	}
}

func TestAffineIdentity(t *testing.T) {
	values := make([]float32, 5*4)
	for k := range values {
		values[k] = float32(math.Sin(float64(k))) * 3
	}
	src := planeImage(2, 5, 4, values)
	src.Black = []float32{-0.5, -1.5}
	dst := blankLike(src)

	Affine{}.Augment(dst, src, augmentRNG(1, 2, 3))
	if !slices.Equal(dst.Pixels, src.Pixels) {
		t.Errorf("identity transform changed the image:\n got %v\nwant %v", dst.Pixels, src.Pixels)
	}
}

func TestAffineRotate90(t *testing.T) {
	for _, size := range []int{3, 4} {
		values := make([]float32, size*size)
		for k := range values {
			values[k] = float32(k + 1)
		}
		src := planeImage(1, size, size, values)
		dst := blankLike(src)

		affineSample(dst, src, affineInverse(math.Pi/2, 1, 0, 0, size, size))

		// A quarter turn clockwise on screen: output (y, x) comes from input (size-1-x, y).
		for y := range size {
			for x := range size {
				got := dst.Pixels[y*size+x]
				want := src.Pixels[(size-1-x)*size+y]
				if math.Abs(float64(got-want)) > 1e-4 {
					t.Errorf("%d×%d: pixel (%d, %d) = %v, want %v", size, size, y, x, got, want)
				}
			}
		}
	}
}

func TestAffineShiftFillsBlack(t *testing.T) {
	src := planeImage(1, 2, 3, []float32{1, 2, 3, 4, 5, 6})
	src.Black = []float32{-7}
	dst := blankLike(src)

	// A shift of one pixel to the right moves column x to x+1 and leaves black in column 0.
	affineSample(dst, src, affineInverse(0, 1, 1, 0, 3, 2))
	want := []float32{-7, 1, 2, -7, 4, 5}
	if !slices.Equal(dst.Pixels, want) {
		t.Errorf("shifted image = %v, want %v", dst.Pixels, want)
	}

	// Half a pixel mixes neighbors equally.
	affineSample(dst, src, affineInverse(0, 1, 0.5, 0, 3, 2))
	want = []float32{-3, 1.5, 2.5, -1.5, 4.5, 5.5}
	if !slices.Equal(dst.Pixels, want) {
		t.Errorf("half-shifted image = %v, want %v", dst.Pixels, want)
	}
}

func TestAffineRandomStaysInRange(t *testing.T) {
	// A constant image stays constant wherever the transform samples inside it, and every
	// sample mixes only the constant and black.
	src := planeImage(1, 28, 28, slices.Repeat([]float32{2}, 28*28))
	src.Black = []float32{-1}
	dst := blankLike(src)

	for i := range 50 {
		MNISTAffine().Augment(dst, src, augmentRNG(5, 0, i))
		if center := dst.Pixels[14*28+14]; math.Abs(float64(center-2)) > 1e-5 {
			t.Fatalf("sample %d: center = %v, want 2", i, center)
		}
		for k, v := range dst.Pixels {
			if v < -1-1e-5 || v > 2+1e-5 {
				t.Fatalf("sample %d: pixel %d = %v, outside [-1, 2]", i, k, v)
			}
		}
	}
}

func TestAugmentRNGSeeding(t *testing.T) {
	draws := func(seed uint64, epoch, index int) []uint64 {
		rng := augmentRNG(seed, epoch, index)
		return []uint64{rng.Uint64(), rng.Uint64(), rng.Uint64()}
	}

	base := draws(11, 2, 30)
	if !slices.Equal(draws(11, 2, 30), base) {
		t.Error("the same seed, epoch and index gave different draws")
	}
	for _, other := range [][]uint64{draws(11, 3, 30), draws(11, 2, 31), draws(12, 2, 30)} {
		if slices.Equal(other, base) {
			t.Errorf("a different seed, epoch or index gave the same draws %v", base)
		}
	}

	// The augmentation stream differs from the shuffle stream of the same seed and epoch.
	shuffle := rand.NewPCG(11, 2)
	if shuffle.Uint64() == augmentRNG(11, 2, 0).Uint64() {
		t.Error("augmentation draws repeat the shuffle draws")
	}
}

// cifarLikeDataset returns n 3-channel 8×8 images with distinct pixels and the default CIFAR-10
// augmentation.
func cifarLikeDataset(n int) *Dataset {
	ds := &Dataset{Name: "cifar-like", N: n, C: 3, H: 8, W: 8, Classes: 10, Stats: CIFAR10Stats(), Augment: CIFAR10Augment()}
	ds.Pixels = make([]uint8, n*ds.ImageSize())
	ds.Labels = make([]uint8, n)
	for i := range ds.Pixels {
		ds.Pixels[i] = uint8(i*37 + i/7)
	}
	for i := range ds.Labels {
		ds.Labels[i] = uint8(i % 10)
	}
	return ds
}

// imagesByIndex runs one epoch and returns each image by dataset index.
func imagesByIndex(t *testing.T, l *Loader, epoch int) map[int][]float32 {
	t.Helper()

	images := make(map[int][]float32)
	for _, b := range collectEpoch(t, l, epoch) {
		size := b.C * b.H * b.W
		for j, idx := range b.Indices {
			images[idx] = b.Images[j*size : (j+1)*size]
		}
	}
	return images
}

func TestLoaderAugmentRepeatable(t *testing.T) {
	ds := cifarLikeDataset(20)

	base := imagesByIndex(t, newTestLoader(t, ds, LoaderOptions{BatchSize: 4, Seed: 9, Shuffle: true}), 1)
	variants := map[string]LoaderOptions{
		"same options":                  {BatchSize: 4, Seed: 9, Shuffle: true},
		"prefetch":                      {BatchSize: 4, Seed: 9, Shuffle: true, Prefetch: 3},
		"other batch size, no shuffle":  {BatchSize: 7, Seed: 9},
		"explicit CIFAR10 augmentation": {BatchSize: 4, Seed: 9, Augment: CIFAR10Augment()},
	}
	for name, opts := range variants {
		got := imagesByIndex(t, newTestLoader(t, ds, opts), 1)
		for idx, want := range base {
			if !slices.Equal(got[idx], want) {
				t.Errorf("%s: image %d differs", name, idx)
				break
			}
		}
	}

	otherEpoch := imagesByIndex(t, newTestLoader(t, ds, LoaderOptions{BatchSize: 4, Seed: 9, Shuffle: true}), 2)
	otherSeed := imagesByIndex(t, newTestLoader(t, ds, LoaderOptions{BatchSize: 4, Seed: 10, Shuffle: true}), 1)
	for name, images := range map[string]map[int][]float32{"other epoch": otherEpoch, "other seed": otherSeed} {
		same := 0
		for idx, want := range base {
			if slices.Equal(images[idx], want) {
				same++
			}
		}

		// 81 offsets times 2 flips make a repeat of one image unlikely, and of many very unlikely.
		if same > 2 {
			t.Errorf("%s: %d of 20 images are unchanged, want almost none", name, same)
		}
	}
}

func TestLoaderAugmentSelection(t *testing.T) {
	ds := cifarLikeDataset(3)

	cases := []struct {
		name string
		opts LoaderOptions
		want Augmenter
	}{
		{"dataset default", LoaderOptions{BatchSize: 1}, CIFAR10Augment()},
		{"replaced", LoaderOptions{BatchSize: 1, Augment: CropFlip{Pad: 2}}, CropFlip{Pad: 2}},
		{"turned off", LoaderOptions{BatchSize: 1, NoAugment: true}, nil},
		{"turned off despite a replacement", LoaderOptions{BatchSize: 1, Augment: MNISTAffine(), NoAugment: true}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newTestLoader(t, ds, tc.opts)
			if got := l.Augmenter(); got != tc.want {
				t.Errorf("Augmenter() = %#v, want %#v", got, tc.want)
			}
		})
	}

	// Without augmentation the loader returns the plain normalized images.
	plain := newTestLoader(t, ds, LoaderOptions{BatchSize: 3, NoAugment: true})
	batches := collectEpoch(t, plain, 0)
	normalizer, err := NewNormalizer(ds.Stats)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float32, len(ds.Pixels))
	if err := normalizer.Normalize(want, ds.Pixels, 64); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(batches[0].Images, want) {
		t.Error("images with NoAugment differ from the normalized pixels")
	}
}

func TestLoaderAugmentPadIsZero(t *testing.T) {
	// A crop with padding shows a border of exact zeros. With pad 8 on an 8×8 image, some crops
	// are entirely padding.
	ds := cifarLikeDataset(50)
	l := newTestLoader(t, ds, LoaderOptions{BatchSize: 50, Augment: CropFlip{Pad: 8}})
	b := collectEpoch(t, l, 0)[0]

	allZero := 0
	for j := range b.N {
		image := b.Images[j*192 : (j+1)*192]
		if !slices.ContainsFunc(image, func(v float32) bool { return v != 0 }) {
			allZero++
		}
	}
	if allZero == 0 {
		t.Error("no image of 50 with an 8-pixel pad is all padding, want some")
	}
}

func TestNewLoaderRejectsInvalidAugment(t *testing.T) {
	ds := cifarLikeDataset(2)
	for _, a := range []Augmenter{CropFlip{Pad: -1}, Affine{MaxScale: 1}, Affine{MaxRotation: float32(math.NaN())}, Affine{MaxShift: -1}} {
		if _, err := NewLoader(ds, LoaderOptions{BatchSize: 1, Augment: a}); err == nil {
			t.Errorf("NewLoader accepted %#v", a)
		}
	}
}

func TestLoaderAugmentConcurrentEpochs(t *testing.T) {
	ds := cifarLikeDataset(40)
	l := newTestLoader(t, ds, LoaderOptions{BatchSize: 8, Seed: 4, Shuffle: true, Prefetch: 2})
	want := imagesByIndex(t, l, 5)

	done := make(chan map[int][]float32)
	for range 3 {
		go func() {
			images := make(map[int][]float32)
			it := l.Epoch(context.Background(), 5)
			defer it.Close()
			for it.Next() {
				b := it.Batch()
				for j, idx := range b.Indices {
					images[idx] = slices.Clone(b.Images[j*192 : (j+1)*192])
				}
			}
			done <- images
		}()
	}
	for range 3 {
		got := <-done
		for idx, image := range want {
			if !slices.Equal(got[idx], image) {
				t.Errorf("concurrent epoch: image %d differs", idx)
				break
			}
		}
	}
}
