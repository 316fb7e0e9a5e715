// Command train trains and tests vkcnn's models on the Vulkan backend or
// the CPU reference backend.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"

	"github.com/vkcnn/vkcnn/data"
	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/layers/backends"
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
	dataset    string
	augment    bool
	affine     bool
	download   bool
	out        string
	retrain    bool
	report     string

	// skipEnsure skips the download and checksum step, for tests whose
	// small data files cannot match the real files' checksums.
	skipEnsure bool
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
	flag.StringVar(&o.out, "out", "weights", "directory of the weights files (<model>.safetensors) and time_log.txt")
	flag.BoolVar(&o.retrain, "retrain", false, "train from scratch even when the weights file holds a finished or unfinished run, replacing it")
	flag.StringVar(&o.report, "report", "", "directory to write each model's training curves and confusion matrix (PNG) and a JSON summary into")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), `Usage: train [flags]

Trains the chosen models, testing each on the whole test set after every
epoch and saving its weights to -out after every epoch. A model whose
weights file holds the whole requested run is only tested; one that holds
fewer epochs of the same run resumes where it stopped (Ctrl-C stops a run
cleanly, keeping the last finished epoch). Each trained model appends a
line to time_log.txt in -out.

`)
		flag.PrintDefaults()
	}
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, o, flag.Args(), os.Stdout, log); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		if errors.Is(err, nets.ErrInterrupted) {
			os.Exit(130) // the shell's status for a command stopped by Ctrl-C
		}
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
	if o.report != "" {
		if info, err := os.Stat(o.report); err == nil && !info.IsDir() {
			return fmt.Errorf("invalid -report %q: it is a file; name a directory for the report", o.report)
		}
	}
	if info, err := os.Stat(o.out); err == nil && !info.IsDir() {
		return fmt.Errorf("invalid -out %q: it is a file; name a directory for the weights", o.out)
	}
	if o.out == "" {
		return fmt.Errorf("invalid -out \"\": name the directory for the weights files (default weights)")
	}
	if o.device < -1 {
		return fmt.Errorf("invalid -device %d: must be a device index, or -1 to choose automatically", o.device)
	}
	return nil
}

// run trains or tests each chosen model, writing results to w and log
// lines to log.
func run(ctx context.Context, o options, args []string, w io.Writer, log *slog.Logger) error {
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
		if !o.skipEnsure {
			if err := data.Ensure(ctx, dir, name, data.EnsureOptions{Offline: !o.download}); err != nil {
				return err
			}
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
	fmt.Fprintf(w, "backend %s on %s\n", backend.Name(), backend.Device())

	for _, spec := range specs {
		sets := datasets[o.datasetOf(spec)]
		if err := runModel(ctx, backend, spec, sets[0], sets[1], o, w, log); err != nil {
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
	opts := gpu.DefaultOptions()
	opts.DeviceIndex = o.device
	opts.Validation = o.validation
	return backends.Open(o.backend, opts)
}
