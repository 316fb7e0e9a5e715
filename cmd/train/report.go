package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/nets"
	"github.com/vkcnn/vkcnn/nets/report"
)

// writeReport writes a model's training curves and confusion matrix as PNG
// images and a JSON summary into dir. The curves span the whole run that
// the weights file records, so they include resumed epochs, and a model
// that was only tested still gets its curves.
func writeReport(dir string, spec nets.Spec, s nets.RunSettings, backend layers.Backend, res *nets.JobResult, started time.Time, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report directory: %w", err)
	}
	name := filepath.Base(nets.WeightsPath("", spec, s.Dataset))
	name = name[:len(name)-len(filepath.Ext(name))]

	var points []report.EpochPoint
	trainSeconds, trainImages := 0.0, 0
	for _, h := range res.Checkpoint.History {
		points = append(points, report.EpochPoint{Epoch: h.Epoch, TrainLoss: h.TrainLoss, TrainAcc: h.TrainAcc,
			TestLoss: h.TestLoss, TestAcc: h.TestAcc})
		trainSeconds += h.TrainSeconds
		trainImages += h.TrainImages
	}
	files, err := report.WriteCurves(dir, name, points)
	if err != nil {
		return err
	}

	conf := res.Test.Confusion
	confPath := filepath.Join(dir, name+"-confusion.png")
	title := fmt.Sprintf("%s on %s: %.2f%% of %d test images", spec.Name, s.Dataset, 100*conf.Accuracy(), conf.Total())
	if err := report.WriteConfusionPNG(confPath, title, conf); err != nil {
		return err
	}
	files = append(files, confPath)

	summary := report.Summary{
		Version: nets.Version(), Model: spec.Name, Dataset: s.Dataset,
		Backend: backend.Name(), Device: backend.Device(),
		Seed: s.Seed, Batch: s.Batch, Limit: s.Limit, Epochs: res.Checkpoint.Epoch,
		Points: points, FinalTestLoss: res.Test.Loss, FinalTestAccuracy: res.Test.Accuracy,
		Classes: conf.Classes, PerClassAccuracy: conf.PerClass(), Confusion: conf.Counts,
		TrainSeconds: trainSeconds, Started: started, Finished: time.Now(),
	}
	if trainSeconds > 0 {
		summary.ImagesPerSec = float64(trainImages) / trainSeconds
	}
	jsonPath := filepath.Join(dir, name+".json")
	if err := report.WriteSummary(jsonPath, summary); err != nil {
		return err
	}
	files = append(files, jsonPath)
	log.Info("report written", "model", spec.Name, "files", files)
	return nil
}
