package nets

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/vkcnn/vkcnn/data"
	"github.com/vkcnn/vkcnn/nets/report"
)

// TrainConfig sets one training run.
type TrainConfig struct {
	Epochs int
	Batch  int
	Seed   uint64
	Limit  int // train on the first Limit images; 0 means all

	// StartEpoch is the number of epochs already done, for a resumed run:
	// training starts at epoch StartEpoch+1 with the step numbers, data
	// order, dropout masks and learning rates that an uninterrupted run
	// would use there.
	StartEpoch int

	// Augment replaces the training set's default augmentation when set;
	// NoAugment turns augmentation off (see data.LoaderOptions).
	Augment   data.Augmenter
	NoAugment bool

	// Progress, when set, is called after every training step.
	Progress func(Progress)
}

// Progress describes the training so far within one epoch, or the test
// that follows it.
type Progress struct {
	Epoch, Epochs int  // Epoch is 1-based
	Testing       bool // the test after the epoch; Step and Steps count its batches
	Step, Steps   int  // steps done in this epoch, of Steps
	MeanLoss      float64
	ImagesPerSec  float64
}

// EpochResult summarizes one epoch of training and the test that follows.
type EpochResult struct {
	Epoch        int // 1-based
	Step         int // training steps done since the start of the run, resumed runs included
	TotalSteps   int // steps of the whole run, the cosine schedule's length
	TrainLoss    float64
	TrainAcc     float64
	TestLoss     float64
	TestAcc      float64
	TrainImages  int
	TrainSeconds float64
	ImagesPerSec float64
	Elapsed      time.Duration // since the start of training
	Test         EvalResult    // the whole test, TestLoss and TestAcc included
}

// EvalResult is a test of a model on a whole dataset.
type EvalResult struct {
	Loss, Accuracy float64
	Confusion      *report.Confusion
}

// Train runs cfg.Epochs epochs of SGD on train with the cosine schedule
// over every step of the run, tests on the whole test set after each
// epoch, and calls onEpoch with the results; an error from onEpoch stops
// training and is returned. A loss that is NaN or infinite stops training
// with an error naming the model, epoch and step. A cancelled ctx stops
// training between steps with ctx's error; the epoch it interrupts is not
// reported.
func Train(ctx context.Context, m *Model, train, test *data.Dataset, cfg TrainConfig, onEpoch func(EpochResult) error) error {
	loader, err := data.NewLoader(train, data.LoaderOptions{
		BatchSize: cfg.Batch, Seed: cfg.Seed, Shuffle: true, Limit: cfg.Limit, Prefetch: data.DefaultPrefetch,
		Augment: cfg.Augment, NoAugment: cfg.NoAugment,
	})
	if err != nil {
		return err
	}
	stepsPerEpoch := loader.NumBatches()
	totalSteps := stepsPerEpoch * cfg.Epochs
	if cfg.StartEpoch < 0 || cfg.StartEpoch > cfg.Epochs {
		return fmt.Errorf("nets: %s: start epoch %d outside the run's %d epochs", m.Spec.Name, cfg.StartEpoch, cfg.Epochs)
	}
	start := time.Now()
	labels := make([]float32, cfg.Batch)

	for epoch := cfg.StartEpoch; epoch < cfg.Epochs; epoch++ {
		epochStart := time.Now()
		var lossSum float64
		var correct, seen int

		it := loader.Epoch(ctx, epoch)
		for i := 0; it.Next(); i++ {
			batch := it.Batch()
			step := epoch*stepsPerEpoch + i
			lr := CosineLR(m.Spec.LR, step, totalSteps)
			for j, l := range batch.Labels[:batch.N] {
				labels[j] = float32(l)
			}
			r, err := m.TrainStep(batch.Images[:batch.N*m.Spec.Input.Len()], labels[:batch.N], batch.N, uint32(step), lr)
			if err != nil {
				it.Close()
				return fmt.Errorf("%s: epoch %d step %d: %w", m.Spec.Name, epoch+1, i+1, err)
			}
			if math.IsNaN(r.LossSum) || math.IsInf(r.LossSum, 0) {
				it.Close()
				return fmt.Errorf("%s: loss is %v at epoch %d step %d (learning rate %g): training diverged",
					m.Spec.Name, r.LossSum, epoch+1, i+1, lr)
			}
			lossSum += r.LossSum
			correct += r.Correct
			seen += r.N
			if cfg.Progress != nil {
				cfg.Progress(Progress{
					Epoch: epoch + 1, Epochs: cfg.Epochs, Step: i + 1, Steps: stepsPerEpoch,
					MeanLoss: lossSum / float64(seen), ImagesPerSec: float64(seen) / time.Since(epochStart).Seconds(),
				})
			}
		}
		err := it.Err()
		it.Close()
		if err != nil {
			return err
		}
		trainSeconds := time.Since(epochStart).Seconds()

		var testProgress func(done, total int)
		if cfg.Progress != nil {
			testProgress = func(done, total int) {
				cfg.Progress(Progress{Epoch: epoch + 1, Epochs: cfg.Epochs, Testing: true, Step: done, Steps: total})
			}
		}
		res, err := EvaluateProgress(ctx, m, test, cfg.Batch, testProgress)
		if err != nil {
			return err
		}
		err = onEpoch(EpochResult{
			Epoch: epoch + 1, Step: (epoch + 1) * stepsPerEpoch, TotalSteps: totalSteps,
			TrainLoss: lossSum / float64(seen), TrainAcc: float64(correct) / float64(seen),
			TestLoss: res.Loss, TestAcc: res.Accuracy, TrainImages: seen, TrainSeconds: trainSeconds,
			ImagesPerSec: float64(seen) / trainSeconds, Elapsed: time.Since(start), Test: res,
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Evaluate runs the whole dataset through the model in evaluation mode, in
// order, and returns the mean loss, the accuracy and the confusion matrix.
// A prediction is the first class of largest logit, as torch.argmax picks.
func Evaluate(ctx context.Context, m *Model, ds *data.Dataset, batchSize int) (EvalResult, error) {
	return EvaluateProgress(ctx, m, ds, batchSize, nil)
}

// EvaluateProgress is Evaluate that calls progress, when not nil, after
// each batch with the batches done and their total.
func EvaluateProgress(ctx context.Context, m *Model, ds *data.Dataset, batchSize int, progress func(done, total int)) (EvalResult, error) {
	loader, err := data.NewLoader(ds, data.LoaderOptions{BatchSize: batchSize, Prefetch: data.DefaultPrefetch, NoAugment: true})
	if err != nil {
		return EvalResult{}, err
	}
	it := loader.Epoch(ctx, 0)
	defer it.Close()

	classes := m.Spec.Classes
	confusion := report.NewConfusion(ClassNames(ds))
	labels := make([]float32, batchSize)
	logits := make([]float32, batchSize*classes)
	var lossSum float64
	var correct, seen int
	for it.Next() {
		batch := it.Batch()
		for j, l := range batch.Labels[:batch.N] {
			labels[j] = float32(l)
		}
		r, err := m.EvalLogits(batch.Images[:batch.N*m.Spec.Input.Len()], labels[:batch.N], batch.N, logits[:batch.N*classes])
		if err != nil {
			return EvalResult{}, fmt.Errorf("%s: evaluation: %w", m.Spec.Name, err)
		}
		for j := range batch.N {
			if err := confusion.Add(int(batch.Labels[j]), argmax(logits[j*classes:(j+1)*classes])); err != nil {
				return EvalResult{}, fmt.Errorf("%s: evaluation: %w", m.Spec.Name, err)
			}
		}
		lossSum += r.LossSum
		correct += r.Correct
		seen += r.N
		if progress != nil {
			progress((seen+batchSize-1)/batchSize, loader.NumBatches())
		}
	}
	if err := it.Err(); err != nil {
		return EvalResult{}, err
	}
	if seen == 0 {
		return EvalResult{}, fmt.Errorf("%s: evaluation on an empty dataset", m.Spec.Name)
	}
	return EvalResult{Loss: lossSum / float64(seen), Accuracy: float64(correct) / float64(seen), Confusion: confusion}, nil
}

// argmax returns the index of the first largest value.
func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// ClassNames returns the names of ds's classes by label: its own, or the
// label digits when it names none.
func ClassNames(ds *data.Dataset) []string {
	if len(ds.ClassNames) == ds.Classes {
		return ds.ClassNames
	}
	names := make([]string, ds.Classes)
	for i := range names {
		names[i] = strconv.Itoa(i)
	}
	return names
}
