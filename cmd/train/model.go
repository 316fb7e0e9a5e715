package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/vkcnn/vkcnn/data"
	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/nets"
	"github.com/vkcnn/vkcnn/nets/report"
)

// timeLogName is the training time log's file name in the -out directory.
const timeLogName = "time_log.txt"

// settings returns the run settings of spec under o.
func (o options) settings(spec nets.Spec) nets.RunSettings {
	epochs := o.epochs
	if epochs == 0 {
		epochs = spec.Epochs
	}
	augment := "none"
	switch {
	case spec.Dataset == "cifar10" && o.augment:
		augment = "crop-flip"
	case spec.Dataset != "cifar10" && o.affine:
		augment = "affine"
	}
	return nets.RunSettings{Model: spec.Name, Dataset: o.datasetOf(spec), Epochs: epochs, Batch: o.batch,
		Seed: o.seed, Limit: o.limit, Augment: augment}
}

// runModel trains, resumes or only tests one model, prints its epochs and
// final test to w, and appends to the time log when it trained.
func runModel(ctx context.Context, backend layers.Backend, spec nets.Spec, train, test *data.Dataset, o options, w io.Writer, log *slog.Logger) error {
	s := o.settings(spec)
	images := train.N
	if s.Limit > 0 {
		images = min(s.Limit, train.N)
	}
	fmt.Fprintf(w, "\n%s: %s\n", spec.Name, spec.Architecture)
	fmt.Fprintf(w, "%s: dataset %s; epochs %d; training images %d; test images %d; batch %d; seed %d; augmentation %s\n",
		spec.Name, s.Dataset, s.Epochs, images, test.N, s.Batch, s.Seed, s.Augment)

	progress := newEpochProgress(spec.Name, os.Stderr, log, s.Batch)
	cfg := nets.TrainConfig{Progress: progress.update}
	switch s.Augment {
	case "none":
		cfg.NoAugment = true
	case "affine":
		cfg.Augment = data.MNISTAffine()
	}

	path := nets.WeightsPath(o.out, spec, s.Dataset)
	headerShown := false
	var action nets.Action
	onPlan := func(a nets.Action, ckpt *nets.Checkpoint) {
		action = a
		switch a {
		case nets.ActionTest:
			log.Info("weights hold the whole run: testing only (-retrain trains again)", "model", spec.Name, "file", path,
				"epochs", ckpt.Epochs, "trained_on", ckpt.Backend+" "+ckpt.Device, "saved", ckpt.Saved.Local().Format(time.DateTime))
		case nets.ActionResume:
			log.Info("resuming", "model", spec.Name, "file", path, "after_epoch", ckpt.Epoch, "of", ckpt.Epochs)
			printHistory(w, ckpt.History)
			headerShown = len(ckpt.History) > 0
		default:
			log.Info("training from scratch", "model", spec.Name, "weights", path)
		}
	}
	job := nets.Job{
		Spec: spec, Backend: backend, Train: train, Test: test, Settings: s, Config: cfg,
		WeightsPath: path, Retrain: o.retrain, OnPlan: onPlan,
		OnEpoch: func(r nets.EpochResult) {
			progress.done()
			if !headerShown {
				printEpochHeader(w)
				headerShown = true
			}
			printEpochRow(w, r.Epoch, r.TrainLoss, r.TrainAcc, r.TestLoss, r.TestAcc, r.ImagesPerSec, r.Elapsed.Round(time.Second).String())
		},
	}
	started := time.Now()
	res, err := nets.RunJob(ctx, job)
	progress.done()
	if err != nil {
		return err
	}

	if action == nets.ActionTest {
		printHistory(w, res.Checkpoint.History)
	}
	fmt.Fprintf(w, "%s: %d parameters; test loss %.4f, accuracy %.2f%% on %d images\n",
		spec.Name, res.Parameters, res.Test.Loss, 100*res.Test.Accuracy, res.Test.Confusion.Total())
	if err := res.Test.Confusion.Format(w); err != nil {
		return err
	}

	if len(res.Trained) > 0 {
		entry := report.TimeLogEntry{
			Date: time.Now(), Model: spec.Name, Dataset: s.Dataset, Backend: backend.Name(), Device: backend.Device(),
			Epochs: len(res.Trained), TrainImages: res.TrainImages(), TrainSeconds: res.TrainSeconds(),
			ImagesPerSec: float64(res.TrainImages()) / res.TrainSeconds(), TestAccuracy: res.Test.Accuracy,
		}
		logPath := filepath.Join(o.out, timeLogName)
		if err := report.AppendTimeLog(logPath, entry); err != nil {
			return err
		}
		log.Info("saved", "model", spec.Name, "weights", path, "time_log", logPath)
	}
	if o.report != "" {
		if err := writeReport(o.report, spec, s, backend, res, started, log); err != nil {
			return err
		}
	}
	return nil
}

func printEpochHeader(w io.Writer) {
	fmt.Fprintf(w, "%5s  %10s  %9s  %10s  %9s  %11s  %8s\n",
		"epoch", "train loss", "train acc", "test loss", "test acc", "train img/s", "elapsed")
}

// printEpochRow prints one row of the epoch table; accuracies are fractions.
func printEpochRow(w io.Writer, epoch int, trainLoss, trainAcc, testLoss, testAcc, imagesPerSec float64, elapsed string) {
	fmt.Fprintf(w, "%5d  %10.4f  %8.2f%%  %10.4f  %8.2f%%  %11.1f  %8s\n",
		epoch, trainLoss, 100*trainAcc, testLoss, 100*testAcc, imagesPerSec, elapsed)
}

// printHistory prints the epochs that a weights file records, for a model
// that is only tested.
func printHistory(w io.Writer, history []nets.EpochRecord) {
	if len(history) == 0 {
		return
	}
	fmt.Fprintln(w, "epochs recorded in the weights file:")
	printEpochHeader(w)
	for _, r := range history {
		printEpochRow(w, r.Epoch, r.TrainLoss, r.TrainAcc, r.TestLoss, r.TestAcc, float64(r.TrainImages)/r.TrainSeconds, "")
	}
}
