package nets

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/vkcnn/vkcnn/nets/safetensors"
)

// checkpointFormat marks a weights file as written by vkcnn, with the
// version of its metadata keys.
const (
	checkpointFormat        = "vkcnn"
	checkpointFormatVersion = "1"
)

// RunSettings are the settings that make a training run what it is: the
// same settings on the CPU backend give the same weights, bit for bit.
type RunSettings struct {
	Model   string
	Dataset string // mnist, fashion-mnist or cifar10
	Epochs  int    // planned epochs: the cosine schedule spans them all
	Batch   int
	Seed    uint64
	Limit   int    // training images; 0 means all
	Augment string // the training augmentation: none, crop-flip or affine
}

// Checkpoint is the metadata of a weights file: the run's settings, its
// progress and its history.
type Checkpoint struct {
	RunSettings

	Epoch        int     // epochs finished
	Step         int     // training steps finished
	TotalSteps   int     // steps of the whole run
	LearningRate float32 // the schedule's base rate
	TestLoss     float64
	TestAccuracy float64 // fraction, after the last finished epoch
	Backend      string
	Device       string
	Version      string
	Saved        time.Time
	History      []EpochRecord
}

// EpochRecord is one finished epoch in a weights file's history, so a
// resumed or test-only run can still draw the whole run's curves.
type EpochRecord struct {
	Epoch        int     `json:"epoch"`
	TrainLoss    float64 `json:"train_loss"`
	TrainAcc     float64 `json:"train_accuracy"`
	TestLoss     float64 `json:"test_loss"`
	TestAcc      float64 `json:"test_accuracy"`
	TrainImages  int     `json:"train_images"`
	TrainSeconds float64 `json:"train_seconds"`
}

// Finished reports whether the run that wrote c trained all its epochs.
func (c *Checkpoint) Finished() bool { return c.Epoch >= c.Epochs }

// WeightsPath returns the weights file of a model trained on dataset in
// dir: <model>.safetensors on the model's own dataset, and
// <model>-<dataset>.safetensors on another one (Fashion-MNIST).
func WeightsPath(dir string, spec Spec, dataset string) string {
	name := spec.Name
	if dataset != spec.Dataset {
		name += "-" + dataset
	}
	return filepath.Join(dir, name+".safetensors")
}

// metadata returns c as a safetensors __metadata__ map of strings.
func (c *Checkpoint) metadata() (map[string]string, error) {
	history, err := json.Marshal(c.History)
	if err != nil {
		return nil, err
	}
	return map[string]string{
		"format":         checkpointFormat,
		"format_version": checkpointFormatVersion,
		"model":          c.Model,
		"dataset":        c.Dataset,
		"epochs":         strconv.Itoa(c.Epochs),
		"batch":          strconv.Itoa(c.Batch),
		"seed":           strconv.FormatUint(c.Seed, 10),
		"limit":          strconv.Itoa(c.Limit),
		"augment":        c.Augment,
		"epoch":          strconv.Itoa(c.Epoch),
		"step":           strconv.Itoa(c.Step),
		"total_steps":    strconv.Itoa(c.TotalSteps),
		"lr":             strconv.FormatFloat(float64(c.LearningRate), 'g', -1, 32),
		"lr_schedule":    "cosine",
		"test_loss":      strconv.FormatFloat(c.TestLoss, 'g', -1, 64),
		"test_accuracy":  strconv.FormatFloat(c.TestAccuracy, 'g', -1, 64),
		"backend":        c.Backend,
		"device":         c.Device,
		"vkcnn_version":  c.Version,
		"saved":          c.Saved.UTC().Format(time.RFC3339),
		"history":        string(history),
	}, nil
}

// parseCheckpoint reads the metadata of a weights file written by vkcnn.
func parseCheckpoint(meta map[string]string, path string) (*Checkpoint, error) {
	if meta["format"] != checkpointFormat {
		return nil, fmt.Errorf("nets: %s was not written by vkcnn (its metadata has no format %q)", path, checkpointFormat)
	}
	if v := meta["format_version"]; v != checkpointFormatVersion {
		return nil, fmt.Errorf("nets: %s has format version %q; this vkcnn reads version %s", path, v, checkpointFormatVersion)
	}

	c := &Checkpoint{}
	var errs []error
	integer := func(key string, dst *int) {
		v, err := strconv.Atoi(meta[key])
		if err != nil || v < 0 {
			errs = append(errs, fmt.Errorf("metadata %s is %q, want a whole number", key, meta[key]))
		}
		*dst = v
	}
	real := func(key string, dst *float64) {
		v, err := strconv.ParseFloat(meta[key], 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("metadata %s is %q, want a number", key, meta[key]))
		}
		*dst = v
	}

	c.Model, c.Dataset, c.Augment = meta["model"], meta["dataset"], meta["augment"]
	c.Backend, c.Device, c.Version = meta["backend"], meta["device"], meta["vkcnn_version"]
	integer("epochs", &c.Epochs)
	integer("batch", &c.Batch)
	integer("limit", &c.Limit)
	integer("epoch", &c.Epoch)
	integer("step", &c.Step)
	integer("total_steps", &c.TotalSteps)
	seed, err := strconv.ParseUint(meta["seed"], 10, 64)
	if err != nil {
		errs = append(errs, fmt.Errorf("metadata seed is %q, want a whole number", meta["seed"]))
	}
	c.Seed = seed
	var lr float64
	real("lr", &lr)
	c.LearningRate = float32(lr)
	real("test_loss", &c.TestLoss)
	real("test_accuracy", &c.TestAccuracy)
	if c.Saved, err = time.Parse(time.RFC3339, meta["saved"]); err != nil {
		errs = append(errs, fmt.Errorf("metadata saved is %q, want an RFC 3339 time", meta["saved"]))
	}
	if err := json.Unmarshal([]byte(meta["history"]), &c.History); err != nil {
		errs = append(errs, fmt.Errorf("metadata history: %v", err))
	}

	if c.Epoch > c.Epochs {
		errs = append(errs, fmt.Errorf("metadata epoch %d is past the run's %d epochs", c.Epoch, c.Epochs))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("nets: %s: corrupt metadata: %w", path, err)
	}
	return c, nil
}

// SaveWeights writes the model's state and c to path atomically: a run
// killed at any moment leaves either the previous file or the new one.
func (m *Model) SaveWeights(path string, c *Checkpoint) error {
	tensors, err := m.StateTensors()
	if err != nil {
		return err
	}
	meta, err := c.metadata()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("nets: weights directory: %w", err)
	}
	return safetensors.WriteFile(path, tensors, meta)
}

// ReadCheckpoint reads a weights file and its metadata, checking the
// file's structure but not yet the model's shapes (LoadWeights does).
// A missing file gives an error that wraps fs.ErrNotExist.
func ReadCheckpoint(path string) (*safetensors.File, *Checkpoint, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	c, err := parseCheckpoint(f.Metadata, path)
	if err != nil {
		return nil, nil, err
	}
	return f, c, nil
}

// LoadWeights reads path into the model, the optimizer's state too when
// withOptim is true, and returns the file's checkpoint. A file for another
// model, or with a tensor missing, extra or of the wrong shape, is an error
// that names the file and the mismatch. The model is then unchanged.
func (m *Model) LoadWeights(path string, withOptim bool) (*Checkpoint, error) {
	f, c, err := ReadCheckpoint(path)
	if err != nil {
		return nil, err
	}
	if c.Model != m.Spec.Name {
		return nil, fmt.Errorf("nets: %s contains model %s, not %s", path, c.Model, m.Spec.Name)
	}
	if err := m.LoadState(f, path, withOptim); err != nil {
		return nil, err
	}
	return c, nil
}

// fileExists reports whether path exists, and an error other than its
// absence.
func fileExists(path string) (bool, error) {
	_, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}
