package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"time"
)

// SummarySchema is the schema version WriteSummary writes. It changes when
// a field is renamed, removed or changes meaning.
const SummarySchema = 1

// Summary is the JSON record of one model's training run.
type Summary struct {
	// Schema is the layout version, SummarySchema. WriteSummary fills in a zero value.
	Schema int `json:"schema"`
	// Version is the vkcnn build that wrote the summary, as nets.Version returns it.
	Version string `json:"vkcnn_version"`

	Model   string `json:"model"`   // model name, as nets.Names lists it
	Dataset string `json:"dataset"` // dataset trained and tested on
	Backend string `json:"backend"` // compute backend: vulkan or cpu
	Device  string `json:"device"`  // GPU name for vulkan, CPU description for cpu

	Seed   uint64 `json:"seed"`   // seed of initialization, shuffle order and dropout masks
	Batch  int    `json:"batch"`  // batch size, in images
	Limit  int    `json:"limit"`  // number of training images used, or 0 for the whole training set
	Epochs int    `json:"epochs"` // epochs trained

	// Points holds the metrics after each epoch, in epoch order.
	Points []EpochPoint `json:"per_epoch"`

	FinalTestLoss     float64 `json:"final_test_loss"`     // mean cross-entropy on the test set after the last epoch
	FinalTestAccuracy float64 `json:"final_test_accuracy"` // fraction in [0, 1] after the last epoch

	// Classes lists the class names in label order, which is also the order of PerClassAccuracy and Confusion.
	Classes []string `json:"classes"`
	// PerClassAccuracy is the recall of each true class, as Confusion.PerClass returns it.
	PerClassAccuracy []float64 `json:"per_class_accuracy"`
	// Confusion holds the test-set counts as [true][predicted], as in Confusion.Counts.
	Confusion [][]int `json:"confusion"`

	TrainSeconds float64 `json:"train_seconds"`     // wall time of the training steps, tests excluded
	ImagesPerSec float64 `json:"images_per_second"` // training throughput over the whole run

	Started  time.Time `json:"started"`  // start of the run, RFC 3339
	Finished time.Time `json:"finished"` // end of the run, RFC 3339
}

// WriteSummary writes s to path as indented JSON with a trailing line
// feed, replacing any earlier file atomically. A zero Schema is written as
// SummarySchema, and any other version is rejected.
func WriteSummary(path string, s Summary) error {
	if s.Schema == 0 {
		s.Schema = SummarySchema
	}
	if s.Schema != SummarySchema {
		return fmt.Errorf("report: summary for %s has schema %d, but this version writes schema %d; leave Schema at 0", path, s.Schema, SummarySchema)
	}
	if err := checkSummaryNumbers(s); err != nil {
		return fmt.Errorf("report: summary for %s: %w", path, err)
	}

	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("report: encoding the summary for %s failed: %w", path, err)
	}
	data = append(data, '\n')
	return writeFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// checkSummaryNumbers returns an error naming the first NaN or infinite
// value, because JSON has no encoding for them.
func checkSummaryNumbers(s Summary) error {
	values := []metric{
		{name: "final test loss", value: s.FinalTestLoss},
		{name: "final test accuracy", value: s.FinalTestAccuracy},
		{name: "train seconds", value: s.TrainSeconds},
		{name: "images per second", value: s.ImagesPerSec},
	}
	for i, v := range s.PerClassAccuracy {
		values = append(values, metric{name: fmt.Sprintf("per-class accuracy of class %d", i), value: v})
	}
	for _, p := range s.Points {
		for _, field := range p.fields() {
			values = append(values, metric{name: fmt.Sprintf("epoch %d %s", p.Epoch, field.name), value: field.value})
		}
	}

	for _, v := range values {
		if math.IsNaN(v.value) || math.IsInf(v.value, 0) {
			return fmt.Errorf("%s is %v, which JSON cannot encode; pass a finite number", v.name, v.value)
		}
	}
	return nil
}

// ReadSummary decodes the summary at path. It rejects unknown fields and
// schema versions other than SummarySchema.
func ReadSummary(path string) (Summary, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Summary{}, fmt.Errorf("report: reading summary %s failed: %w", path, err)
	}
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	var s Summary
	if err := decoder.Decode(&s); err != nil {
		return Summary{}, fmt.Errorf("report: decoding summary %s failed: %w", path, err)
	}
	if s.Schema != SummarySchema {
		return Summary{}, fmt.Errorf("report: summary %s has schema %d, but this version reads schema %d; rewrite it with this version of vkcnn",
			path, s.Schema, SummarySchema)
	}
	return s, nil
}
