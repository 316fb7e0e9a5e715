package nets

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/vkcnn/vkcnn/data"
)

// TrainConfig sets one training run.
type TrainConfig struct {
	Epochs int
	Batch  int
	Seed   uint64
	Limit  int // train on the first Limit images; 0 means all

	// Augment replaces the training set's default augmentation when set;
	// NoAugment turns augmentation off (see data.LoaderOptions).
	Augment   data.Augmenter
	NoAugment bool

	// Progress, when set, is called after every training step.
	Progress func(Progress)
}

// Progress describes the training so far within one epoch.
type Progress struct {
	Epoch, Epochs int // Epoch is 1-based
	Step, Steps   int // steps done in this epoch, of Steps
	MeanLoss      float64
	ImagesPerSec  float64
}

// EpochResult summarizes one epoch of training and the test that follows.
type EpochResult struct {
	Epoch        int // 1-based
	TrainLoss    float64
	TrainAcc     float64
	TestLoss     float64
	TestAcc      float64
	TrainImages  int
	TrainSeconds float64
	ImagesPerSec float64
	Elapsed      time.Duration // since the start of training
}

// Train runs cfg.Epochs epochs of SGD on train with the cosine schedule
// over every step of the run, tests on the whole test set after each
// epoch, and calls onEpoch with the results. A loss that is NaN or
// infinite stops training with an error naming the model, epoch and step.
func Train(ctx context.Context, m *Model, train, test *data.Dataset, cfg TrainConfig, onEpoch func(EpochResult)) error {
	loader, err := data.NewLoader(train, data.LoaderOptions{
		BatchSize: cfg.Batch, Seed: cfg.Seed, Shuffle: true, Limit: cfg.Limit, Prefetch: data.DefaultPrefetch,
		Augment: cfg.Augment, NoAugment: cfg.NoAugment,
	})
	if err != nil {
		return err
	}
	stepsPerEpoch := loader.NumBatches()
	totalSteps := stepsPerEpoch * cfg.Epochs
	start := time.Now()
	labels := make([]float32, cfg.Batch)

	for epoch := 0; epoch < cfg.Epochs; epoch++ {
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

		testLoss, testAcc, err := Evaluate(ctx, m, test, cfg.Batch)
		if err != nil {
			return err
		}
		onEpoch(EpochResult{
			Epoch: epoch + 1, TrainLoss: lossSum / float64(seen), TrainAcc: float64(correct) / float64(seen),
			TestLoss: testLoss, TestAcc: testAcc, TrainImages: seen, TrainSeconds: trainSeconds,
			ImagesPerSec: float64(seen) / trainSeconds, Elapsed: time.Since(start),
		})
	}
	return nil
}

// Evaluate runs the whole dataset through the model in evaluation mode, in
// order, and returns the mean loss and the accuracy.
func Evaluate(ctx context.Context, m *Model, ds *data.Dataset, batchSize int) (loss, acc float64, err error) {
	loader, err := data.NewLoader(ds, data.LoaderOptions{BatchSize: batchSize, Prefetch: data.DefaultPrefetch, NoAugment: true})
	if err != nil {
		return 0, 0, err
	}
	it := loader.Epoch(ctx, 0)
	defer it.Close()

	labels := make([]float32, batchSize)
	var lossSum float64
	var correct, seen int
	for it.Next() {
		batch := it.Batch()
		for j, l := range batch.Labels[:batch.N] {
			labels[j] = float32(l)
		}
		r, err := m.EvalStep(batch.Images[:batch.N*m.Spec.Input.Len()], labels[:batch.N], batch.N)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: evaluation: %w", m.Spec.Name, err)
		}
		lossSum += r.LossSum
		correct += r.Correct
		seen += r.N
	}
	if err := it.Err(); err != nil {
		return 0, 0, err
	}
	if seen == 0 {
		return 0, 0, fmt.Errorf("%s: evaluation on an empty dataset", m.Spec.Name)
	}
	return lossSum / float64(seen), float64(correct) / float64(seen), nil
}
