package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"image/png"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vkcnn/vkcnn/nets/report"
)

// writeIDX writes a gzip-compressed IDX file of unsigned bytes with the
// given dimensions.
func writeIDX(t *testing.T, path string, dims []int, values []byte) {
	t.Helper()
	var raw bytes.Buffer
	raw.Write([]byte{0, 0, 0x08, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&raw, binary.BigEndian, uint32(d))
	}
	raw.Write(values)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw.Bytes())
	zw.Close()
	if err := os.WriteFile(path, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeMNIST writes a small MNIST-format data directory: 96 training and
// 32 test images of random pixels and labels.
func writeMNIST(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	folder := filepath.Join(dir, "mnist")
	if err := os.MkdirAll(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, set := range []struct {
		prefix string
		n      int
	}{{"train", 96}, {"t10k", 32}} {
		pixels := make([]byte, set.n*28*28)
		labels := make([]byte, set.n)
		for i := range pixels {
			pixels[i] = byte(rng.IntN(256))
		}
		for i := range labels {
			labels[i] = byte(rng.IntN(10))
		}
		writeIDX(t, filepath.Join(folder, set.prefix+"-images-idx3-ubyte.gz"), []int{set.n, 28, 28}, pixels)
		writeIDX(t, filepath.Join(folder, set.prefix+"-labels-idx1-ubyte.gz"), []int{set.n}, labels)
	}
	return dir
}

func testOptions(dataDir, out string) options {
	return options{backend: "cpu", models: "mnist-simple", epochs: 1, batch: 32, seed: 1, dataDir: dataDir,
		device: -1, augment: true, download: false, out: out, skipEnsure: true}
}

func runTrain(t *testing.T, o options) string {
	t.Helper()
	var out bytes.Buffer
	log := slog.New(slog.NewTextHandler(&out, nil))
	if err := run(context.Background(), o, nil, &out, log); err != nil {
		t.Fatalf("%v\noutput:\n%s", err, out.String())
	}
	return out.String()
}

// TestSecondRunOnlyTests runs the same command twice: the first run
// trains and logs its time, the second only tests and logs nothing.
func TestSecondRunOnlyTests(t *testing.T) {
	o := testOptions(writeMNIST(t), t.TempDir())
	first := runTrain(t, o)
	if !strings.Contains(first, "training from scratch") {
		t.Errorf("first run does not say it trains:\n%s", first)
	}
	logPath := filepath.Join(o.out, timeLogName)
	entries, err := report.ReadTimeLog(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Model != "mnist-simple" || entries[0].Epochs != 1 || entries[0].TrainImages != 96 {
		t.Fatalf("time log after the first run: %+v, want one mnist-simple line of 1 epoch and 96 images", entries)
	}
	logBytes, _ := os.ReadFile(logPath)

	second := runTrain(t, o)
	if !strings.Contains(second, "testing only") {
		t.Errorf("second run does not say it only tests:\n%s", second)
	}
	if after, _ := os.ReadFile(logPath); !bytes.Equal(after, logBytes) {
		t.Errorf("the test-only run changed the time log:\n%s", after)
	}
	// Both runs print the same final test.
	if a, b := finalLine(t, first), finalLine(t, second); a != b {
		t.Errorf("final test differs:\nfirst:  %s\nsecond: %s", a, b)
	}

	o.retrain = true
	runTrain(t, o)
	if entries, _ := report.ReadTimeLog(logPath); len(entries) != 2 {
		t.Errorf("time log after -retrain has %d lines, want 2", len(entries))
	}
}

// finalLine returns the line of the final test.
func finalLine(t *testing.T, out string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "test loss") && strings.Contains(line, "accuracy") {
			return line
		}
	}
	t.Fatalf("no final test line in:\n%s", out)
	return ""
}

// TestReport checks that -report writes the curves, the confusion matrix
// and the summary, and that the PNG files decode.
func TestReport(t *testing.T) {
	o := testOptions(writeMNIST(t), t.TempDir())
	o.report = t.TempDir()
	out := runTrain(t, o)
	if !strings.Contains(out, "confusion") && !strings.Contains(out, "Confusion") {
		t.Errorf("no confusion matrix in the output:\n%s", out)
	}
	for _, name := range []string{"mnist-simple-loss.png", "mnist-simple-accuracy.png", "mnist-simple-confusion.png"} {
		f, err := os.Open(filepath.Join(o.report, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(f); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		f.Close()
	}
	s, err := report.ReadSummary(filepath.Join(o.report, "mnist-simple.json"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Model != "mnist-simple" || len(s.Points) != 1 || len(s.Confusion) != 10 {
		t.Errorf("summary %+v: want mnist-simple with 1 epoch and a 10×10 confusion matrix", s)
	}
	total := 0
	for _, row := range s.Confusion {
		for _, v := range row {
			total += v
		}
	}
	if total != 32 {
		t.Errorf("confusion matrix counts %d test images, want 32", total)
	}
}

// TestSettingsMismatch checks that a weights file from another seed stops
// the run with an error naming the seed and -retrain.
func TestSettingsMismatch(t *testing.T) {
	o := testOptions(writeMNIST(t), t.TempDir())
	runTrain(t, o)
	o.seed = 2
	var out bytes.Buffer
	err := run(context.Background(), o, nil, &out, slog.New(slog.NewTextHandler(&out, nil)))
	if err == nil || !strings.Contains(err.Error(), "-seed 1") || !strings.Contains(err.Error(), "-retrain") {
		t.Fatalf("error %v, want one naming -seed 1 and -retrain", err)
	}
}
