package report

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func samplePoints(n int) []EpochPoint {
	points := make([]EpochPoint, n)
	for i := range points {
		e := float64(i + 1)
		points[i] = EpochPoint{
			Epoch:     i + 1,
			TrainLoss: 2.3 / e,
			TrainAcc:  1 - 0.5/e,
			TestLoss:  2.0/e + 0.1,
			TestAcc:   1 - 0.6/e,
		}
	}
	return points
}

// decodePNG decodes path and checks that it has the expected size.
func decodePNG(t *testing.T, path string, width, height int) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decoding %s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != width || b.Dy() != height {
		t.Errorf("%s is %dx%d pixels, want %dx%d", path, b.Dx(), b.Dy(), width, height)
	}
	return img
}

func distinctColors(img image.Image) int {
	seen := make(map[color.RGBA]bool)
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)}] = true
		}
	}
	return len(seen)
}

// hasColorNear reports whether some pixel is within tolerance of want in
// every channel.
func hasColorNear(img image.Image, want color.RGBA, tolerance int) bool {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if abs(int(r>>8)-int(want.R)) <= tolerance && abs(int(g>>8)-int(want.G)) <= tolerance && abs(int(bl>>8)-int(want.B)) <= tolerance {
				return true
			}
		}
	}
	return false
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func assertNoTemporaryFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("%s contains %q, want exactly %q", dir, names, want)
	}
}

func TestWriteCurves(t *testing.T) {
	dir := t.TempDir()
	files, err := WriteCurves(dir, "cifar-vgg", samplePoints(6))
	if err != nil {
		t.Fatal(err)
	}

	want := []string{filepath.Join(dir, "cifar-vgg-loss.png"), filepath.Join(dir, "cifar-vgg-accuracy.png")}
	if strings.Join(files, ",") != strings.Join(want, ",") {
		t.Fatalf("files %q, want %q", files, want)
	}
	for _, path := range files {
		img := decodePNG(t, path, 672, 432)
		if n := distinctColors(img); n < 20 {
			t.Errorf("%s has %d distinct colours; a plot with text and two curves has many more", path, n)
		}
	}
	assertNoTemporaryFiles(t, dir, "cifar-vgg-accuracy.png", "cifar-vgg-loss.png")
}

func TestWriteCurvesSingleEpoch(t *testing.T) {
	dir := t.TempDir()
	files, err := WriteCurves(dir, "mnist-mlp", samplePoints(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		img := decodePNG(t, path, 672, 432)
		if n := distinctColors(img); n < 20 {
			t.Errorf("%s has %d distinct colours, want a drawn plot", path, n)
		}
	}
}

func TestWriteCurvesInvalidPoints(t *testing.T) {
	nanTest := samplePoints(3)
	nanTest[1].TestLoss = math.NaN()
	percent := samplePoints(2)
	percent[1].TrainAcc = 97.5
	unordered := samplePoints(3)
	unordered[2].Epoch = 1

	cases := []struct {
		name     string
		model    string
		points   []EpochPoint
		contains []string
	}{
		{"empty", "m", nil, []string{"no epoch points"}},
		{"NaN test loss", "m", nanTest, []string{"epoch 2", "test loss", "NaN"}},
		{"percent accuracy", "m", percent, []string{"epoch 2", "train accuracy", "97.5"}},
		{"out of order", "m", unordered, []string{"epoch 1 follows epoch 2"}},
		{"path in model name", "../m", samplePoints(2), []string{`"../m"`}},
		{"empty model name", "", samplePoints(2), []string{"model name"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			files, err := WriteCurves(dir, tc.model, tc.points)
			if err == nil {
				t.Fatal("WriteCurves accepted the input")
			}
			for _, s := range tc.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if len(files) != 0 {
				t.Errorf("files %q returned with the error", files)
			}
			assertNoTemporaryFiles(t, dir)
		})
	}
}

var cifarClasses = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

func TestWriteConfusionPNG(t *testing.T) {
	c := NewConfusion(cifarClasses)
	for label := range cifarClasses {
		for range 90 {
			if err := c.Add(label, label); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Add(label, (label+3)%len(cifarClasses)); err != nil {
			t.Fatal(err)
		}
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "confusion.png")
	if err := WriteConfusionPNG(path, "cifar-vgg on cifar10", c); err != nil {
		t.Fatal(err)
	}

	// 10 classes give 0.6 in per class plus 2 in of margin, 8 in at 96 DPI.
	img := decodePNG(t, path, 768, 768)
	if n := distinctColors(img); n < 20 {
		t.Errorf("image has %d distinct colours, want a drawn heat map", n)
	}
	if !hasColorNear(img, color.RGBA{R: 8, G: 48, B: 107}, 12) {
		t.Error("no dark cell for the diagonal, whose rows are almost all correct")
	}
	assertNoTemporaryFiles(t, dir, "confusion.png")
}

func TestWriteConfusionPNGInvalid(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "confusion.png")
	if err := WriteConfusionPNG(path, "t", nil); err == nil {
		t.Error("WriteConfusionPNG accepted a nil matrix")
	}
	if err := WriteConfusionPNG(path, "t", NewConfusion(nil)); err == nil {
		t.Error("WriteConfusionPNG accepted a matrix without classes")
	}
	malformed := &Confusion{Classes: []string{"a", "b"}, Counts: [][]int{{1, 2}, {3}}}
	if err := WriteConfusionPNG(path, "t", malformed); err == nil {
		t.Error("WriteConfusionPNG accepted a row with a missing column")
	}
	assertNoTemporaryFiles(t, dir)
}

func TestWriteConfusionPNGMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "confusion.png")
	err := WriteConfusionPNG(path, "t", NewConfusion([]string{"a", "b"}))
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("error %v, want one naming %s", err, path)
	}
}

func TestIntegerTicks(t *testing.T) {
	cases := []struct {
		min, max float64
		want     string
	}{
		{0.5, 1.5, "1"},
		{0.5, 3.5, "1 2 3"},
		{0.5, 12.5, "2 4 6 8 10 12"},
		{-1.0, 30.9, "0 5 10 15 20 25 30"},
		{0.5, 100.5, "10 20 30 40 50 60 70 80 90 100"},
		{0.5, 200.5, "20 40 60 80 100 120 140 160 180 200"},
		{0.5, 250.5, "50 100 150 200 250"},
	}
	for _, tc := range cases {
		var labels []string
		for _, tick := range (integerTicks{}).Ticks(tc.min, tc.max) {
			labels = append(labels, tick.Label)
		}
		if got := strings.Join(labels, " "); got != tc.want {
			t.Errorf("ticks in [%v, %v] = %q, want %q", tc.min, tc.max, got, tc.want)
		}
	}
}

// TestValueTicks checks that each tick's label is its value written out,
// for ranges as narrow as a loss that barely moves.
func TestValueTicks(t *testing.T) {
	cases := []struct {
		min, max float64
		labels   []string
	}{
		{2.3025, 2.3066, []string{"2.303", "2.304", "2.305", "2.306"}},
		{1.95, 2.2, []string{"2.0", "2.1", "2.2"}},
		{30, 95, []string{"40", "60", "80"}},
	}
	for _, c := range cases {
		ticks := valueTicks{}.Ticks(c.min, c.max)
		var labels []string
		for _, tick := range ticks {
			labels = append(labels, tick.Label)
			if v, err := strconv.ParseFloat(tick.Label, 64); err != nil || math.Abs(v-tick.Value) > 1e-12 {
				t.Errorf("range [%v, %v]: tick at %v is labelled %q", c.min, c.max, tick.Value, tick.Label)
			}
		}
		if !slices.Equal(labels, c.labels) {
			t.Errorf("range [%v, %v]: labels %v, want %v", c.min, c.max, labels, c.labels)
		}
	}
}
