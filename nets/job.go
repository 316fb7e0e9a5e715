package nets

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vkcnn/vkcnn/data"
	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/nets/safetensors"
)

// Action is a job's plan for its model, decided from the weights file.
type Action int

const (
	// ActionTrain trains from scratch: there is no weights file, or
	// retraining was asked for.
	ActionTrain Action = iota
	// ActionResume continues a run whose file records fewer epochs than
	// it planned.
	ActionResume
	// ActionTest only tests: the file records the whole requested run.
	ActionTest
)

func (a Action) String() string {
	switch a {
	case ActionTrain:
		return "train"
	case ActionResume:
		return "resume"
	case ActionTest:
		return "test"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Plan decides what to do with the weights file at path for a run with
// settings want. A file written by a run with other settings is an error
// that names the setting. A corrupt file is an error too, and only retrain
// replaces it.
func Plan(path string, want RunSettings, retrain bool) (Action, *Checkpoint, error) {
	action, _, c, err := plan(path, want, retrain)
	return action, c, err
}

// plan is Plan that also returns the weights file it read, so that the
// job loads its tensors without reading the file again.
func plan(path string, want RunSettings, retrain bool) (Action, *safetensors.File, *Checkpoint, error) {
	if retrain {
		return ActionTrain, nil, nil, nil
	}
	exists, err := fileExists(path)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("nets: weights file: %w", err)
	}
	if !exists {
		return ActionTrain, nil, nil, nil
	}
	f, c, err := ReadCheckpoint(path)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%w\n(the file is kept; pass -retrain to replace it, or -out to write elsewhere)", err)
	}
	if err := c.sameRun(want, path); err != nil {
		return 0, nil, nil, err
	}
	if c.Finished() {
		return ActionTest, f, c, nil
	}
	return ActionResume, f, c, nil
}

// sameRun returns an error naming the first setting in which the run that
// wrote c differs from want.
func (c *Checkpoint) sameRun(want RunSettings, path string) error {
	type setting struct {
		flag       string
		file, want any
	}
	for _, s := range []setting{
		{"model", c.Model, want.Model},
		{"-dataset", c.Dataset, want.Dataset},
		{"-seed", c.Seed, want.Seed},
		{"-batch", c.Batch, want.Batch},
		{"-limit", c.Limit, want.Limit},
		{"augmentation", c.Augment, want.Augment},
		{"-epochs", c.Epochs, want.Epochs},
	} {
		if s.file == s.want {
			continue
		}
		reason := ""
		if s.flag == "-epochs" {
			reason = " (the cosine learning rate spans every epoch of a run, so a run cannot be lengthened or shortened)"
		}
		return fmt.Errorf("nets: %s comes from a run with %s %v, and this run requests %s %v%s: "+
			"pass -retrain to train from scratch and replace it, or -out to write elsewhere",
			path, s.flag, s.file, s.flag, s.want, reason)
	}
	return nil
}

// Job trains or tests one model, saving its weights after every epoch.
type Job struct {
	Spec        Spec
	Backend     layers.Backend
	Train, Test *data.Dataset
	Settings    RunSettings
	Config      TrainConfig // Epochs, Batch, Seed and Limit are taken from Settings
	WeightsPath string
	Retrain     bool

	// OnPlan, when set, is called once the weights file has decided the
	// action, before any training or testing; the checkpoint is nil for
	// ActionTrain.
	OnPlan func(Action, *Checkpoint)

	// OnEpoch, when set, is called after each epoch is trained, tested and saved.
	OnEpoch func(EpochResult)
}

// JobResult is the record of a job: its action, the epochs it trained and
// the model's final test.
type JobResult struct {
	Action     Action
	Resumed    int // the epochs done before this job, for ActionResume
	Parameters int
	Checkpoint *Checkpoint   // as last saved or loaded
	Trained    []EpochResult // the epochs this job trained
	Test       EvalResult    // the final test
}

// TrainSeconds sums the training time of the epochs this job trained,
// tests excluded.
func (r *JobResult) TrainSeconds() float64 {
	s := 0.0
	for _, e := range r.Trained {
		s += e.TrainSeconds
	}
	return s
}

// TrainImages sums the images of the epochs this job trained.
func (r *JobResult) TrainImages() int {
	n := 0
	for _, e := range r.Trained {
		n += e.TrainImages
	}
	return n
}

// ErrInterrupted is wrapped by RunJob's error when its context is
// cancelled during training; the weights file then holds the last
// finished epoch.
var ErrInterrupted = errors.New("training interrupted")

// RunJob plans the job from its weights file, then tests a finished run,
// resumes an unfinished one, or trains from scratch. Weights, running
// statistics, optimizer state and progress are saved atomically after
// every epoch, so an interrupted or diverged run leaves the last finished
// epoch's file.
func RunJob(ctx context.Context, job Job) (*JobResult, error) {
	s := job.Settings
	action, file, ckpt, err := plan(job.WeightsPath, s, job.Retrain)
	if err != nil {
		return nil, err
	}
	if job.OnPlan != nil {
		job.OnPlan(action, ckpt)
	}
	m, err := Build(job.Spec, job.Backend, s.Batch, s.Seed)
	if err != nil {
		return nil, err
	}
	defer m.Release()
	res := &JobResult{Action: action, Parameters: m.ParameterCount(), Checkpoint: ckpt}

	if action != ActionTrain {
		// plan checked that the file is for this model and run.
		if err := m.LoadState(file, job.WeightsPath, action == ActionResume); err != nil {
			return nil, err
		}
	}
	if action == ActionTest {
		var progress func(done, total int)
		if p := job.Config.Progress; p != nil {
			progress = func(done, total int) {
				p(Progress{Epoch: ckpt.Epoch, Epochs: ckpt.Epochs, Testing: true, Step: done, Steps: total})
			}
		}
		if res.Test, err = EvaluateProgress(ctx, m, job.Test, s.Batch, progress); err != nil {
			return nil, err
		}
		return res, nil
	}

	cfg := job.Config
	cfg.Epochs, cfg.Batch, cfg.Seed, cfg.Limit = s.Epochs, s.Batch, s.Seed, s.Limit
	var history []EpochRecord
	if action == ActionResume {
		if err := checkResumable(ckpt, s, job.Train.N, job.WeightsPath); err != nil {
			return nil, err
		}
		cfg.StartEpoch, res.Resumed, history = ckpt.Epoch, ckpt.Epoch, ckpt.History
	}

	err = Train(ctx, m, job.Train, job.Test, cfg, func(r EpochResult) error {
		history = append(history, EpochRecord{Epoch: r.Epoch, TrainLoss: r.TrainLoss, TrainAcc: r.TrainAcc,
			TestLoss: r.TestLoss, TestAcc: r.TestAcc, TrainImages: r.TrainImages, TrainSeconds: r.TrainSeconds})
		c := &Checkpoint{RunSettings: s, Epoch: r.Epoch, Step: r.Step, TotalSteps: r.TotalSteps,
			LearningRate: job.Spec.LR, TestLoss: r.TestLoss, TestAccuracy: r.TestAcc,
			Backend: job.Backend.Name(), Device: job.Backend.Device(), Version: Version(),
			Saved: time.Now(), History: history}
		if err := m.SaveWeights(job.WeightsPath, c); err != nil {
			return fmt.Errorf("%s: saving epoch %d: %w", s.Model, r.Epoch, err)
		}
		res.Checkpoint = c
		res.Trained = append(res.Trained, r)
		res.Test = r.Test
		if job.OnEpoch != nil {
			job.OnEpoch(r)
		}
		return nil
	})
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		state := "no epoch had finished, so no weights file was written"
		if res.Checkpoint != nil {
			state = fmt.Sprintf("%s keeps epoch %d of %d; the same command resumes from there",
				job.WeightsPath, res.Checkpoint.Epoch, s.Epochs)
		}
		return res, fmt.Errorf("%s: %w: %s", s.Model, ErrInterrupted, state)
	}
	if err != nil {
		return res, err
	}
	return res, nil
}

// checkResumable checks that a resumed run's steps line up with the run
// that wrote ckpt; a training set of another size would shift them.
func checkResumable(ckpt *Checkpoint, s RunSettings, trainImages int, path string) error {
	images := trainImages
	if s.Limit > 0 {
		images = min(s.Limit, trainImages)
	}
	stepsPerEpoch := (images + s.Batch - 1) / s.Batch
	if ckpt.Step != ckpt.Epoch*stepsPerEpoch || ckpt.TotalSteps != s.Epochs*stepsPerEpoch {
		return fmt.Errorf("nets: %s records step %d of %d after epoch %d, but %d training images in batches of %d make %d steps per epoch: "+
			"the training set changed; pass -retrain to train from scratch", path, ckpt.Step, ckpt.TotalSteps, ckpt.Epoch,
			images, s.Batch, stepsPerEpoch)
	}
	return nil
}
