package report

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sampleSummary() Summary {
	c := NewConfusion([]string{"zero", "one"})
	c.Counts = [][]int{{48, 2}, {5, 45}}
	return Summary{
		Version:           "(devel)",
		Model:             "mnist-cnn",
		Dataset:           "mnist",
		Backend:           "vulkan",
		Device:            "NVIDIA H200",
		Seed:              1,
		Batch:             64,
		Limit:             0,
		Epochs:            2,
		Points:            samplePoints(2),
		FinalTestLoss:     0.25,
		FinalTestAccuracy: c.Accuracy(),
		Classes:           c.Classes,
		PerClassAccuracy:  c.PerClass(),
		Confusion:         c.Counts,
		TrainSeconds:      31.5,
		ImagesPerSec:      3809.5,
		Started:           time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		Finished:          time.Date(2025, 3, 1, 12, 0, 40, 0, time.UTC),
	}
}

func TestSummaryRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mnist-cnn.json")
	in := sampleSummary()
	if err := WriteSummary(path, in); err != nil {
		t.Fatal(err)
	}

	got, err := ReadSummary(path)
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.Schema = SummarySchema
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, want)
	}
	assertNoTemporaryFiles(t, dir, "mnist-cnn.json")
}

func TestSummaryJSONLayout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	if err := WriteSummary(path, sampleSummary()); err != nil {
		t.Fatal(err)
	}
	text := readFile(t, path)

	if !strings.HasPrefix(text, "{\n  \"schema\": 1,\n") {
		t.Errorf("file starts with %q, want indented JSON led by schema 1", text[:min(len(text), 40)])
	}
	if !strings.HasSuffix(text, "}\n") {
		t.Errorf("file ends with %q, want a closing brace and a line feed", text[max(0, len(text)-10):])
	}

	// Decode into a map so that the check does not depend on the Summary type.
	var fields map[string]any
	if err := json.Unmarshal([]byte(text), &fields); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"model", "dataset", "backend", "device", "seed", "batch", "limit", "epochs", "per_epoch",
		"final_test_loss", "final_test_accuracy", "classes", "per_class_accuracy", "confusion",
		"train_seconds", "images_per_second", "started", "finished", "vkcnn_version"} {
		if _, ok := fields[key]; !ok {
			t.Errorf("JSON lacks the field %q", key)
		}
	}
	if got := fields["final_test_accuracy"]; got != 0.93 {
		t.Errorf("final_test_accuracy %v, want 0.93 (93 of 100 on the diagonal)", got)
	}
	if got := fields["started"]; got != "2025-03-01T12:00:00Z" {
		t.Errorf("started %v, want 2025-03-01T12:00:00Z", got)
	}
}

func TestWriteSummaryReplacesFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.json")
	first := sampleSummary()
	if err := WriteSummary(path, first); err != nil {
		t.Fatal(err)
	}
	second := sampleSummary()
	second.Model = "mnist-mlp"
	if err := WriteSummary(path, second); err != nil {
		t.Fatal(err)
	}

	got, err := ReadSummary(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Model != "mnist-mlp" {
		t.Errorf("model %q after the second write, want mnist-mlp", got.Model)
	}
	assertNoTemporaryFiles(t, dir, "s.json")
}

func TestWriteSummaryRejectsNaN(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.json")
	const original = "{\"keep\": true}\n"
	if err := os.WriteFile(path, []byte(original), 0o644); err != nil {
		t.Fatal(err)
	}

	s := sampleSummary()
	s.Points[1].TestLoss = math.NaN()
	err := WriteSummary(path, s)
	if err == nil {
		t.Fatal("WriteSummary accepted a NaN loss")
	}
	if !strings.Contains(err.Error(), "epoch 2") {
		t.Errorf("error %q does not name epoch 2", err)
	}
	if got := readFile(t, path); got != original {
		t.Errorf("file changed to %q after a rejected write", got)
	}
	assertNoTemporaryFiles(t, dir, "s.json")
}

func TestWriteSummaryRejectsOtherSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	s := sampleSummary()
	s.Schema = 2
	if err := WriteSummary(path, s); err == nil {
		t.Error("WriteSummary accepted schema 2")
	}
}

func TestWriteSummaryMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "s.json")
	err := WriteSummary(path, sampleSummary())
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("error %v, want one naming %s", err, path)
	}
}

func TestReadSummaryRejectsOtherSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	if err := os.WriteFile(path, []byte(`{"schema": 7}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSummary(path); err == nil || !strings.Contains(err.Error(), "schema 7") {
		t.Errorf("error %v, want one naming schema 7", err)
	}
}
