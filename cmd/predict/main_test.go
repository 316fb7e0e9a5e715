package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vkcnn/vkcnn/data"
	"github.com/vkcnn/vkcnn/layers/cpu"
	"github.com/vkcnn/vkcnn/nets"
)

// saveModel writes freshly initialized mnist-simple weights as a finished
// one-epoch run and returns the model, whose eval pass is the reference.
func saveModel(t *testing.T, dir string) *nets.Model {
	t.Helper()
	spec, _ := nets.Lookup("mnist-simple")
	b := cpu.New()
	t.Cleanup(func() { b.Close() })
	m, err := nets.Build(spec, b, 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	c := &nets.Checkpoint{
		RunSettings: nets.RunSettings{Model: spec.Name, Dataset: "mnist", Epochs: 1, Batch: 64, Seed: 5, Augment: "none"},
		Epoch:       1, Step: 10, TotalSteps: 10, LearningRate: spec.LR, Backend: "cpu", Saved: time.Now(),
	}
	if err := m.SaveWeights(nets.WeightsPath(dir, spec, "mnist"), c); err != nil {
		t.Fatal(err)
	}
	return m
}

// writeDigit writes a 28×28 8-bit gray PNG whose pixel (x, y) is pixel(x, y).
func writeDigit(t *testing.T, path string, pixel func(x, y int) uint8) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 28, 28))
	for y := range 28 {
		for x := range 28 {
			img.SetGray(x, y, color.Gray{Y: pixel(x, y)})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPredictMatchesModel classifies two PNGs and compares the printed
// classes and probabilities with the model's own evaluation pass on the
// same pixels, normalized here by the MNIST formula.
func TestPredictMatchesModel(t *testing.T) {
	dir := t.TempDir()
	m := saveModel(t, dir)
	pixels := []func(x, y int) uint8{
		func(x, y int) uint8 { return uint8((x * y) % 256) },
		func(x, y int) uint8 {
			if x > 10 && x < 17 {
				return 255
			}
			return 0
		},
	}
	var paths []string
	var want strings.Builder
	for i, pixel := range pixels {
		path := filepath.Join(dir, fmt.Sprintf("digit%d.png", i))
		writeDigit(t, path, pixel)
		paths = append(paths, path)

		input := make([]float32, 28*28)
		for y := range 28 {
			for x := range 28 {
				input[y*28+x] = float32((float64(pixel(x, y))/255 - data.MNISTMean) / data.MNISTStd)
			}
		}
		logits := make([]float32, 10)
		if _, err := m.EvalLogits(input, []float32{0}, 1, logits); err != nil {
			t.Fatal(err)
		}
		probs := softmax(logits)
		fmt.Fprintf(&want, "%s:", path)
		for rank, class := range topClasses(probs, 2) {
			sep := ","
			if rank == 0 {
				sep = ""
			}
			fmt.Fprintf(&want, "%s %d %.2f%%", sep, class, 100*probs[class])
		}
		fmt.Fprintln(&want)
	}

	var out bytes.Buffer
	o := options{model: "mnist-simple", weights: dir, backend: "cpu", device: -1, top: 2}
	if err := run(o, paths, &out); err != nil {
		t.Fatal(err)
	}
	// The first line names the weights file; the rest are the predictions.
	_, predictions, _ := strings.Cut(out.String(), "\n")
	if !strings.HasPrefix(out.String(), "mnist-simple: "+nets.WeightsPath(dir, m.Spec, "mnist")) {
		t.Errorf("first line of %q does not name the weights file", out.String())
	}
	if predictions != want.String() {
		t.Errorf("output\n%s\nwant\n%s", out.String(), want.String())
	}
}

func TestSoftmaxAndTop(t *testing.T) {
	probs := softmax([]float32{1000, 1000, -1000})
	if probs[0] != 0.5 || probs[1] != 0.5 || probs[2] != 0 {
		t.Errorf("softmax of {1000, 1000, -1000} = %v, want {0.5, 0.5, 0}", probs)
	}
	if got := topClasses([]float64{0.1, 0.6, 0.3}, 2); got[0] != 1 || got[1] != 2 {
		t.Errorf("top 2 of {0.1, 0.6, 0.3} = %v, want [1 2]", got)
	}
}

func TestPredictErrors(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "x.png")
	writeDigit(t, img, func(x, y int) uint8 { return 0 })
	cases := []struct {
		name   string
		o      options
		images []string
		want   string
	}{
		{"no model", options{backend: "cpu", top: 1}, []string{img}, "no -model"},
		{"no image", options{model: "mnist-simple", backend: "cpu", top: 1}, nil, "no image"},
		{"no weights", options{model: "mnist-simple", weights: dir, backend: "cpu", top: 1}, []string{img}, "go run ./cmd/train -models mnist-simple"},
		{"bad dataset", options{model: "cifar-baseline", dataset: "fashion-mnist", backend: "cpu", top: 1}, []string{img}, "only the MNIST models"},
		{"flag after images", options{model: "mnist-simple", weights: dir, backend: "cpu", top: 1}, []string{img, "-top"}, "flags go before"},
		{"fashion hint", options{model: "mnist-simple", dataset: "fashion-mnist", weights: dir, backend: "cpu", top: 1}, []string{img}, "-models mnist-simple -dataset fashion-mnist"},
		{"not an image", options{model: "mnist-simple", weights: dir, backend: "cpu", top: 1}, []string{filepath.Join(dir, "missing.png")}, "missing.png"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := run(c.o, c.images, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}
