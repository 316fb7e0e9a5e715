// Command train trains and tests vkcnn's models on the Vulkan backend or
// the CPU reference backend.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/vkcnn/vkcnn/data"
	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/layers"
	cpubackend "github.com/vkcnn/vkcnn/layers/cpu"
	"github.com/vkcnn/vkcnn/layers/vulkan"
	"github.com/vkcnn/vkcnn/nets"
)

// progressInterval is how often a line of progress is printed during an epoch.
const progressInterval = 15 * time.Second

type options struct {
	backend    string
	models     string
	epochs     int
	batch      int
	seed       uint64
	limit      int
	dataDir    string
	device     int
	validation bool
	dataset    string
	augment    bool
	affine     bool
	download   bool
}

func main() {
	var o options
	flag.StringVar(&o.backend, "backend", "vulkan", "compute backend: vulkan or cpu")
	flag.StringVar(&o.models, "models", "all", "comma-separated models to train, or all: "+strings.Join(nets.Names(), ", "))
	flag.IntVar(&o.epochs, "epochs", 0, "training epochs; 0 means the model's default")
	flag.IntVar(&o.batch, "batch", 64, "batch size, in images")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the initialization, the shuffle order and the dropout masks")
	flag.IntVar(&o.limit, "limit", 0, "train on the first N training images; 0 means all (the test always uses the whole test set)")
	flag.StringVar(&o.dataDir, "data", "", "data directory holding mnist/, fashion-mnist/ and cifar-10-batches-bin/; empty means $VKCNN_DATA, else vkcnn/datasets in the user cache directory")
	flag.StringVar(&o.dataset, "dataset", "", "train the MNIST models on fashion-mnist instead of mnist")
	flag.BoolVar(&o.augment, "augment", true, "augment CIFAR-10 training images: pad 4, random 32x32 crop, random horizontal flip")
	flag.BoolVar(&o.affine, "affine", false, "augment MNIST training images with a small random rotation, scale and shift")
	flag.BoolVar(&o.download, "download", true, "download missing dataset files into the data directory, verified by SHA-256")
	flag.IntVar(&o.device, "device", -1, "Vulkan device index as go run ./cmd/vkinfo lists them; -1 means $VKCNN_DEVICE, else the best device")
	flag.BoolVar(&o.validation, "validation", false, "enable the Khronos validation layer (slow; for debugging shaders)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: train [flags]\n\nTrains the chosen models, testing each on the whole test set after every epoch.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func (o options) check(args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected argument %q: every setting is a flag (see train -h)", args[0])
	}
	if o.batch < 1 {
		return fmt.Errorf("invalid -batch %d: must be at least 1", o.batch)
	}
	if o.epochs < 0 {
		return fmt.Errorf("invalid -epochs %d: must be 0 (the model's default) or more", o.epochs)
	}
	if o.limit < 0 {
		return fmt.Errorf("invalid -limit %d: must be 0 (all images) or more", o.limit)
	}
	if o.dataset != "" && o.dataset != "fashion-mnist" && o.dataset != "mnist" {
		return fmt.Errorf("invalid -dataset %q: want fashion-mnist (or mnist, the default for MNIST models)", o.dataset)
	}
	if o.device < -1 {
		return fmt.Errorf("invalid -device %d: must be a device index, or -1 to choose automatically", o.device)
	}
	return nil
}

func run(ctx context.Context, o options, args []string) error {
	if err := o.check(args); err != nil {
		return err
	}
	names := strings.Split(o.models, ",")
	if o.models == "all" {
		names = nets.Names()
	} else if len(names) > 1 && strings.Contains(","+o.models+",", ",all,") {
		return fmt.Errorf("invalid -models %q: all trains every model and cannot be combined with other names", o.models)
	}
	var specs []nets.Spec
	for _, name := range names {
		spec, err := nets.Lookup(strings.TrimSpace(name))
		if err != nil {
			return err
		}
		specs = append(specs, spec)
	}

	dir, err := data.ResolveDir(o.dataDir)
	if err != nil {
		return err
	}
	datasets := map[string][2]*data.Dataset{}
	for _, spec := range specs {
		name := o.datasetOf(spec)
		if _, ok := datasets[name]; ok {
			continue
		}
		if err := data.Ensure(ctx, dir, name, data.EnsureOptions{Offline: !o.download}); err != nil {
			return err
		}
		train, test, err := loadDataset(name, dir)
		if err != nil {
			return err
		}
		datasets[name] = [2]*data.Dataset{train, test}
	}

	backend, err := openBackend(o)
	if err != nil {
		return err
	}
	defer backend.Close()
	fmt.Printf("backend %s on %s\n", backend.Name(), backend.Device())

	for _, spec := range specs {
		sets := datasets[o.datasetOf(spec)]
		if err := trainModel(ctx, backend, spec, sets[0], sets[1], o); err != nil {
			return err
		}
	}
	return nil
}

// datasetOf returns the dataset a model trains on: its own, or
// Fashion-MNIST for an MNIST model when -dataset is fashion-mnist.
func (o options) datasetOf(spec nets.Spec) string {
	if spec.Dataset == "mnist" && o.dataset == "fashion-mnist" {
		return "fashion-mnist"
	}
	return spec.Dataset
}

func loadDataset(name, dir string) (train, test *data.Dataset, err error) {
	load := map[string]func(string, bool) (*data.Dataset, error){
		"mnist":         data.LoadMNIST,
		"fashion-mnist": data.LoadFashionMNIST,
		"cifar10":       data.LoadCIFAR10,
	}[name]
	if load == nil {
		return nil, nil, fmt.Errorf("unknown dataset %q", name)
	}
	if train, err = load(dir, true); err != nil {
		return nil, nil, err
	}
	if test, err = load(dir, false); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

func openBackend(o options) (layers.Backend, error) {
	switch o.backend {
	case "cpu":
		return cpubackend.New(), nil
	case "vulkan":
		opts := gpu.DefaultOptions()
		opts.DeviceIndex = o.device
		opts.Validation = o.validation
		b, err := vulkan.New(opts)
		if errors.Is(err, gpu.ErrNoDevice) || errors.Is(err, gpu.ErrNoLoader) {
			return nil, fmt.Errorf("%w\n(-backend cpu trains without Vulkan)", err)
		}
		return b, err
	}
	return nil, fmt.Errorf("invalid -backend %q: want vulkan or cpu", o.backend)
}

func trainModel(ctx context.Context, backend layers.Backend, spec nets.Spec, train, test *data.Dataset, o options) error {
	epochs := o.epochs
	if epochs == 0 {
		epochs = spec.Epochs
	}
	model, err := nets.Build(spec, backend, o.batch, o.seed)
	if err != nil {
		return err
	}
	defer model.Release()

	images := train.N
	if o.limit > 0 {
		images = min(o.limit, train.N)
	}
	fmt.Printf("%s: %s\n", spec.Name, spec.Architecture)
	fmt.Printf("%s: %d parameters; epochs: %d; training images: %d; test images: %d; batch %d; seed %d\n",
		spec.Name, model.ParameterCount(), epochs, images, test.N, o.batch, o.seed)
	fmt.Printf("%5s  %10s  %9s  %10s  %9s  %11s  %8s\n",
		"epoch", "train loss", "train acc", "test loss", "test acc", "train img/s", "elapsed")

	lastProgress := time.Now()
	cfg := nets.TrainConfig{
		Epochs: epochs, Batch: o.batch, Seed: o.seed, Limit: o.limit,
		Progress: func(p nets.Progress) {
			if time.Since(lastProgress) < progressInterval || p.Step == p.Steps {
				return
			}
			lastProgress = time.Now()
			left := time.Duration(float64(p.Steps-p.Step) * float64(o.batch) / p.ImagesPerSec * float64(time.Second))
			fmt.Printf("  epoch %d/%d  step %d/%d  loss %.4f  %.1f img/s  about %s left in this epoch\n",
				p.Epoch, p.Epochs, p.Step, p.Steps, p.MeanLoss, p.ImagesPerSec, left.Round(time.Second))
		},
	}
	switch {
	case spec.Dataset == "cifar10":
		cfg.NoAugment = !o.augment
	case o.affine:
		cfg.Augment = data.MNISTAffine()
	}
	return nets.Train(ctx, model, train, test, cfg, func(r nets.EpochResult) {
		fmt.Printf("%5d  %10.4f  %8.2f%%  %10.4f  %8.2f%%  %11.1f  %8s\n",
			r.Epoch, r.TrainLoss, 100*r.TrainAcc, r.TestLoss, 100*r.TestAcc, r.ImagesPerSec, r.Elapsed.Round(time.Second))
	})
}
