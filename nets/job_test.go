package nets_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vkcnn/vkcnn/data"
	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/gpu/gputest"
	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/layers/cpu"
	"github.com/vkcnn/vkcnn/layers/vulkan"
	"github.com/vkcnn/vkcnn/nets"
	"github.com/vkcnn/vkcnn/nets/safetensors"
)

// jobModel is the model of the workflow tests: it has every kind of state
// a weights file holds (weights, running statistics, batch counters,
// momentum buffers) and dropout, whose masks follow the step number.
const jobModel = "mnist-bn"

// syntheticMNIST returns n 28×28 images whose label is the quarter of the
// image holding a bright square (plus noise), so a few steps learn
// something and the test accuracy depends on the weights.
func syntheticMNIST(name string, n int, seed uint64) *data.Dataset {
	rng := rand.New(rand.NewPCG(seed, 99))
	ds := &data.Dataset{Name: name, N: n, C: 1, H: 28, W: 28, Classes: 10, Stats: data.MNISTStats(),
		Pixels: make([]uint8, n*28*28), Labels: make([]uint8, n)}
	for i := range n {
		label := rng.IntN(4)
		ds.Labels[i] = uint8(label)
		img := ds.Pixels[i*784 : (i+1)*784]
		for j := range img {
			img[j] = uint8(rng.IntN(40))
		}
		y0, x0 := 14*(label/2), 14*(label%2)
		for y := y0 + 3; y < y0+11; y++ {
			for x := x0 + 3; x < x0+11; x++ {
				img[y*28+x] = 200 + uint8(rng.IntN(55))
			}
		}
	}
	return ds
}

// newJob returns a two-epoch job of jobModel on b writing into dir.
func newJob(t *testing.T, b layers.Backend, dir string) nets.Job {
	t.Helper()
	spec, err := nets.Lookup(jobModel)
	if err != nil {
		t.Fatal(err)
	}
	s := nets.RunSettings{Model: spec.Name, Dataset: spec.Dataset, Epochs: 2, Batch: 16, Seed: 7, Augment: "none"}
	return nets.Job{
		Spec: spec, Backend: b, Settings: s, Config: nets.TrainConfig{NoAugment: true},
		Train: syntheticMNIST("synthetic train", 80, 1), Test: syntheticMNIST("synthetic test", 40, 2),
		WeightsPath: nets.WeightsPath(dir, spec, s.Dataset),
	}
}

func runJob(t *testing.T, job nets.Job) *nets.JobResult {
	t.Helper()
	res, err := nets.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// runInterrupted runs job and cancels it as soon as epoch 1 is saved, as
// Ctrl-C would.
func runInterrupted(t *testing.T, job nets.Job) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	job.OnEpoch = func(r nets.EpochResult) {
		if r.Epoch == 1 {
			cancel()
		}
	}
	res, err := nets.RunJob(ctx, job)
	if !errors.Is(err, nets.ErrInterrupted) {
		t.Fatalf("interrupted run: error %v, want one that wraps ErrInterrupted", err)
	}
	if !strings.Contains(err.Error(), "keeps epoch 1 of 2") {
		t.Errorf("interrupted run: error %q does not say which epoch the file keeps", err)
	}
	if res == nil || len(res.Trained) != 1 {
		t.Fatalf("interrupted run: result %+v, want one trained epoch", res)
	}
}

func readWeights(t *testing.T, path string) *safetensors.File {
	t.Helper()
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// compareWeights compares every tensor of two weights files, optimizer
// state included, within the absolute tolerance tol. A tol of 0 requires
// identical bits.
func compareWeights(t *testing.T, got, want *safetensors.File, tol float64) {
	t.Helper()
	if len(got.Tensors) != len(want.Tensors) {
		t.Fatalf("%d tensors, want %d", len(got.Tensors), len(want.Tensors))
	}
	for _, w := range want.Tensors {
		g, ok := got.Lookup(w.Name)
		if !ok {
			t.Errorf("tensor %s missing", w.Name)
			continue
		}
		if tol == 0 || w.DType != safetensors.DTypeF32 {
			if !bytes.Equal(g.Data, w.Data) || !slices.Equal(g.Shape, w.Shape) {
				t.Errorf("tensor %s differs", w.Name)
			}
			continue
		}
		gv, _ := g.Float32s()
		wv, _ := w.Float32s()
		for i := range wv {
			if d := math.Abs(float64(gv[i] - wv[i])); d > tol {
				t.Errorf("tensor %s[%d] = %v, want %v within %g", w.Name, i, gv[i], wv[i], tol)
				break
			}
		}
	}
}

// testResume runs two epochs straight through in one directory, and in
// another stops after epoch 1 and resumes, then compares the two files.
func testResume(t *testing.T, b layers.Backend, tol float64) {
	straight := newJob(t, b, t.TempDir())
	runJob(t, straight)

	resumed := newJob(t, b, t.TempDir())
	runInterrupted(t, resumed)
	res := runJob(t, resumed)
	if res.Action != nets.ActionResume || res.Resumed != 1 || len(res.Trained) != 1 || res.Trained[0].Epoch != 2 {
		t.Fatalf("second run: action %v after %d epochs, trained %d epochs; want resume after 1, training epoch 2",
			res.Action, res.Resumed, len(res.Trained))
	}
	if len(res.Checkpoint.History) != 2 {
		t.Errorf("resumed file records %d epochs of history, want 2", len(res.Checkpoint.History))
	}
	compareWeights(t, readWeights(t, resumed.WeightsPath), readWeights(t, straight.WeightsPath), tol)
}

// TestResumeCPU checks that a run stopped after epoch 1 and resumed ends
// with the same bits as an uninterrupted run: weights, running statistics,
// batch counters and momentum buffers.
func TestResumeCPU(t *testing.T) {
	b := cpu.New()
	defer b.Close()
	testResume(t, b, 0)
}

// TestResumeVulkan is TestResumeCPU on Vulkan. The same device runs the
// same shaders on the same values in both runs and the reductions have a
// fixed order, so the stated tolerance is again 0: identical bits.
func TestResumeVulkan(t *testing.T) {
	dev := gputest.Open(t, gpu.Options{})
	b, err := vulkan.NewOnDevice(dev)
	if err != nil {
		t.Fatal(err)
	}
	testResume(t, b, 0)
}

// TestSkipTrained checks that a finished run is only tested, gives the
// accuracy it recorded and leaves its file as it was. It also checks that
// Retrain trains the model again.
func TestSkipTrained(t *testing.T) {
	b := cpu.New()
	defer b.Close()
	job := newJob(t, b, t.TempDir())
	first := runJob(t, job)
	before, err := os.ReadFile(job.WeightsPath)
	if err != nil {
		t.Fatal(err)
	}

	second := runJob(t, job)
	if second.Action != nets.ActionTest || len(second.Trained) != 0 {
		t.Fatalf("second run: action %v with %d epochs trained, want test only", second.Action, len(second.Trained))
	}
	if second.Test.Accuracy != first.Test.Accuracy || second.Test.Loss != first.Test.Loss {
		t.Errorf("test-only run: loss %v, accuracy %v; the training run ended with %v, %v",
			second.Test.Loss, second.Test.Accuracy, first.Test.Loss, first.Test.Accuracy)
	}
	if after, _ := os.ReadFile(job.WeightsPath); !bytes.Equal(after, before) {
		t.Error("a test-only run changed the weights file")
	}

	job.Retrain = true
	third := runJob(t, job)
	if third.Action != nets.ActionTrain || len(third.Trained) != 2 {
		t.Fatalf("-retrain run: action %v with %d epochs trained, want 2 trained", third.Action, len(third.Trained))
	}
	if third.Checkpoint.Saved.Equal(second.Checkpoint.Saved) {
		t.Error("-retrain did not replace the weights file")
	}
}

// TestWeightsAcrossBackends trains on each backend and tests the file on
// the other, which must give the same predictions but for rounding: at
// most one of 40 test images may change class, and the loss agrees within
// 1e-4 relative.
func TestWeightsAcrossBackends(t *testing.T) {
	dev := gputest.Open(t, gpu.Options{})
	vk, err := vulkan.NewOnDevice(dev)
	if err != nil {
		t.Fatal(err)
	}
	ref := cpu.New()
	defer ref.Close()

	for _, c := range []struct {
		name        string
		train, test layers.Backend
	}{{"vulkan to cpu", vk, ref}, {"cpu to vulkan", ref, vk}} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			trained := runJob(t, newJob(t, c.train, dir))
			tested := runJob(t, newJob(t, c.test, dir))
			if tested.Action != nets.ActionTest {
				t.Fatalf("second run: action %v, want test", tested.Action)
			}
			if d := math.Abs(tested.Test.Accuracy - trained.Test.Accuracy); d > 1.0/40+1e-9 {
				t.Errorf("accuracy %v on the other backend, %v on the training one", tested.Test.Accuracy, trained.Test.Accuracy)
			}
			if d := math.Abs(tested.Test.Loss-trained.Test.Loss) / trained.Test.Loss; d > 1e-4 {
				t.Errorf("loss %v on the other backend, %v on the training one (relative difference %.2g)",
					tested.Test.Loss, trained.Test.Loss, d)
			}
		})
	}
}

// TestRejectedWeightsFiles checks that files from other settings, other
// models, with wrong shapes or truncated are refused with an error naming
// the file and the mismatch, and are left untouched.
func TestRejectedWeightsFiles(t *testing.T) {
	b := cpu.New()
	defer b.Close()
	dir := t.TempDir()
	good := newJob(t, b, dir)
	runJob(t, good)
	goodBytes, _ := os.ReadFile(good.WeightsPath)

	otherSeed := good
	otherSeed.Settings.Seed = 8
	otherEpochs := good
	otherEpochs.Settings.Epochs = 3
	otherLimit := good
	otherLimit.Settings.Limit = 50

	cases := []struct {
		name  string
		job   nets.Job
		bytes []byte // replaces the file first when not nil
		want  []string
	}{
		{"seed", otherSeed, nil, []string{"-seed 7", "-seed 8", "-retrain"}},
		{"epochs", otherEpochs, nil, []string{"-epochs 2", "-epochs 3"}},
		{"limit", otherLimit, nil, []string{"-limit 0", "-limit 50"}},
		{"truncated", good, goodBytes[:len(goodBytes)-100], []string{"safetensors", "-retrain"}},
		{"empty", good, []byte{}, []string{"safetensors"}},
		{"shape", good, withTensorShape(t, goodBytes, "0.weight", []int{32, 1, 9}), []string{"0.weight", "[32 1 9]", "[32 1 3 3]"}},
		{"other model", good, withMetadata(t, goodBytes, "model", "mnist-simple"), []string{"mnist-simple", jobModel}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			content := goodBytes
			if c.bytes != nil {
				content = c.bytes
			}
			if err := os.WriteFile(good.WeightsPath, content, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := nets.RunJob(context.Background(), c.job)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range append(c.want, good.WeightsPath) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if after, _ := os.ReadFile(good.WeightsPath); !bytes.Equal(after, content) {
				t.Error("the rejected file was changed")
			}
		})
	}
}

// withTensorShape returns the weights file content with one tensor's shape
// replaced (its data unchanged, so the file itself stays valid).
func withTensorShape(t *testing.T, content []byte, name string, shape []int) []byte {
	t.Helper()
	f, err := safetensors.Decode(content)
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.Tensors {
		if f.Tensors[i].Name == name {
			f.Tensors[i].Shape = shape
		}
	}
	return encode(t, f)
}

// withMetadata returns the weights file content with one metadata value
// replaced.
func withMetadata(t *testing.T, content []byte, key, value string) []byte {
	t.Helper()
	f, err := safetensors.Decode(content)
	if err != nil {
		t.Fatal(err)
	}
	f.Metadata[key] = value
	return encode(t, f)
}

func encode(t *testing.T, f *safetensors.File) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := safetensors.Encode(&buf, f.Tensors, f.Metadata); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDivergedRunKeepsWeights resumes a run with a learning rate so large
// that the loss overflows, and checks that the error names the model,
// epoch and step and that the last good weights file is kept.
func TestDivergedRunKeepsWeights(t *testing.T) {
	b := cpu.New()
	defer b.Close()
	job := newJob(t, b, t.TempDir())
	runInterrupted(t, job)
	before, _ := os.ReadFile(job.WeightsPath)

	job.Spec.LR = 1e30
	_, err := nets.RunJob(context.Background(), job)
	if err == nil {
		t.Fatal("a learning rate of 1e30 trained without error")
	}
	for _, w := range []string{jobModel, "epoch 2", "step", "diverged"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	if after, _ := os.ReadFile(job.WeightsPath); !bytes.Equal(after, before) {
		t.Error("the diverged run changed the weights file of epoch 1")
	}
}

// TestStateDictNames checks the tensor names against PyTorch's state_dict
// of a flat nn.Sequential of mnist-bn's modules, written out by hand.
func TestStateDictNames(t *testing.T) {
	b := cpu.New()
	defer b.Close()
	spec, _ := nets.Lookup("mnist-bn")
	m, err := nets.Build(spec, b, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	bn := func(i string) []string {
		return []string{i + ".weight", i + ".bias", i + ".running_mean", i + ".running_var", i + ".num_batches_tracked"}
	}
	var want []string
	// Conv BN ReLU Conv BN ReLU Pool, Conv BN ReLU Conv BN ReLU Pool, Flatten, FC BN ReLU Drop FC.
	for _, i := range []string{"0", "3", "7", "10", "15"} {
		next := map[string]string{"0": "1", "3": "4", "7": "8", "10": "11", "15": "16"}[i]
		want = append(want, i+".weight", i+".bias")
		want = append(want, bn(next)...)
	}
	want = append(want, "19.weight", "19.bias")
	if got := m.ModelTensorNames(); !slices.Equal(got, want) {
		t.Errorf("names\n%v\nwant\n%v", got, want)
	}
}

// TestWeightsPath checks the file names of a model on its own dataset and
// on Fashion-MNIST.
func TestWeightsPath(t *testing.T) {
	spec, _ := nets.Lookup("mnist-simple")
	if got, want := nets.WeightsPath("w", spec, "mnist"), filepath.Join("w", "mnist-simple.safetensors"); got != want {
		t.Errorf("WeightsPath on mnist = %s, want %s", got, want)
	}
	if got, want := nets.WeightsPath("w", spec, "fashion-mnist"), filepath.Join("w", "mnist-simple-fashion-mnist.safetensors"); got != want {
		t.Errorf("WeightsPath on fashion-mnist = %s, want %s", got, want)
	}
}
