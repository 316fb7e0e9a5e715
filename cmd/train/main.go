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
}

func main() {
	var o options
	flag.StringVar(&o.backend, "backend", "vulkan", "compute backend: vulkan or cpu")
	flag.StringVar(&o.models, "models", "mnist-simple", "comma-separated models to train: "+strings.Join(nets.Names(), ", "))
	flag.IntVar(&o.epochs, "epochs", 0, "training epochs (0: the model's default)")
	flag.IntVar(&o.batch, "batch", 64, "batch size, in images")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the initialization, the shuffle order and the dropout masks")
	flag.IntVar(&o.limit, "limit", 0, "train on the first N training images (0: all)")
	flag.StringVar(&o.dataDir, "data", "", "data directory holding mnist/ (default: $VKCNN_DATA, else vkcnn/datasets in the user cache directory)")
	flag.IntVar(&o.device, "device", -1, "Vulkan device index from go run ./cmd/vkinfo (default: $VKCNN_DEVICE, else the best device)")
	flag.BoolVar(&o.validation, "validation", false, "enable the Khronos validation layer (slow; for debugging)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if o.batch < 1 {
		return fmt.Errorf("invalid -batch %d: must be at least 1", o.batch)
	}
	if o.epochs < 0 || o.limit < 0 {
		return fmt.Errorf("invalid -epochs %d or -limit %d: must not be negative", o.epochs, o.limit)
	}
	var specs []nets.Spec
	for _, name := range strings.Split(o.models, ",") {
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
	backend, err := openBackend(o)
	if err != nil {
		return err
	}
	defer backend.Close()
	fmt.Printf("backend %s on %s\n", backend.Name(), backend.Device())

	for _, spec := range specs {
		if err := trainModel(ctx, backend, spec, dir, o); err != nil {
			return err
		}
	}
	return nil
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

func trainModel(ctx context.Context, backend layers.Backend, spec nets.Spec, dir string, o options) error {
	if spec.Dataset != "mnist" {
		return fmt.Errorf("%s: dataset %s is not supported yet", spec.Name, spec.Dataset)
	}
	train, err := data.LoadMNIST(dir, true)
	if err != nil {
		return err
	}
	test, err := data.LoadMNIST(dir, false)
	if err != nil {
		return err
	}

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
	fmt.Printf("%s: %d parameters, %d epochs of %d training images, batch %d, seed %d\n",
		spec.Name, model.ParameterCount(), epochs, images, o.batch, o.seed)
	fmt.Printf("%-5s  %-10s  %-10s  %-9s  %-10s  %s\n", "epoch", "train loss", "test loss", "test acc", "images/s", "elapsed")

	cfg := nets.TrainConfig{Epochs: epochs, Batch: o.batch, Seed: o.seed, Limit: o.limit}
	return nets.Train(ctx, model, train, test, cfg, func(r nets.EpochResult) {
		fmt.Printf("%5d  %10.4f  %10.4f  %8.2f%%  %10.1f  %s\n",
			r.Epoch, r.TrainLoss, r.TestLoss, 100*r.TestAcc, r.ImagesPerSec, r.Elapsed.Round(time.Second))
	})
}
