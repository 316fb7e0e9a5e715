// Command predict classifies PNG or JPEG images with a model trained by
// cmd/train, printing the most likely classes and their probabilities.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/vkcnn/vkcnn/data"
	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/layers/backends"
	"github.com/vkcnn/vkcnn/nets"
)

// maxBatch is the most images classified in one pass.
const maxBatch = 64

type options struct {
	model   string
	dataset string
	weights string
	file    string
	backend string
	device  int
	top     int
}

func main() {
	var o options
	flag.StringVar(&o.model, "model", "", "model to classify with: one of "+fmt.Sprint(nets.Names()))
	flag.StringVar(&o.dataset, "dataset", "", "fashion-mnist for an MNIST model trained on Fashion-MNIST; empty means the model's own dataset")
	flag.StringVar(&o.weights, "weights", "weights", "directory of the weights files, as train's -out")
	flag.StringVar(&o.file, "file", "", "weights file to use instead of the one in -weights")
	flag.StringVar(&o.backend, "backend", "vulkan", "compute backend: vulkan or cpu")
	flag.IntVar(&o.device, "device", -1, "Vulkan device index as go run ./cmd/vkinfo lists them; -1 chooses")
	flag.IntVar(&o.top, "top", 3, "number of classes to print for each image")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), `Usage: predict -model NAME [flags] IMAGE...

Classifies PNG or JPEG images with a model's trained weights. Each image is
composited over black, converted to gray (Rec. 601 luma) for the MNIST
models, resized bilinearly to the model's input size and normalized as the
training data was. Colours are not inverted: a digit must be light on a
dark background, as in MNIST.

`)
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(o, flag.Args(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "predict:", err)
		os.Exit(1)
	}
}

// datasetInfo is the normalization and class names of a dataset, known
// without reading its files.
type datasetInfo struct {
	stats   data.ChannelStats
	classes []string
}

func lookupDataset(name string) (datasetInfo, error) {
	switch name {
	case "mnist":
		digits := make([]string, data.MNISTClasses)
		for i := range digits {
			digits[i] = strconv.Itoa(i)
		}
		return datasetInfo{data.MNISTStats(), digits}, nil
	case "fashion-mnist":
		return datasetInfo{data.FashionMNISTStats(), data.FashionMNISTClassNames[:]}, nil
	case "cifar10":
		return datasetInfo{data.CIFAR10Stats(), data.CIFAR10ClassNames[:]}, nil
	}
	return datasetInfo{}, fmt.Errorf("unknown dataset %q", name)
}

func run(o options, images []string, w io.Writer) error {
	if o.model == "" {
		return errors.New("no -model given: name one of " + fmt.Sprint(nets.Names()))
	}
	if len(images) == 0 {
		return errors.New("no image given: pass one or more PNG or JPEG files after the flags")
	}
	for _, image := range images {
		if strings.HasPrefix(image, "-") {
			return fmt.Errorf("%q after the images: flags go before the image files, as in predict -model NAME -top 5 IMAGE", image)
		}
	}
	if o.top < 1 {
		return fmt.Errorf("invalid -top %d: must be at least 1", o.top)
	}
	spec, err := nets.Lookup(o.model)
	if err != nil {
		return err
	}
	dataset := spec.Dataset
	if o.dataset != "" {
		if o.dataset != "fashion-mnist" || spec.Dataset != "mnist" {
			return fmt.Errorf("invalid -dataset %q for %s: only the MNIST models train on fashion-mnist", o.dataset, spec.Name)
		}
		dataset = o.dataset
	}
	info, err := lookupDataset(dataset)
	if err != nil {
		return err
	}
	path := o.file
	if path == "" {
		path = nets.WeightsPath(o.weights, spec, dataset)
	}

	inputs, err := loadInputs(images, spec, info)
	if err != nil {
		return err
	}
	backend, err := openBackend(o)
	if err != nil {
		return err
	}
	defer backend.Close()
	batch := min(len(images), maxBatch)
	m, err := nets.Build(spec, backend, batch, 1)
	if err != nil {
		return err
	}
	defer m.Release()
	ckpt, err := m.LoadWeights(path, false)
	if errors.Is(err, os.ErrNotExist) {
		train := "go run ./cmd/train -models " + spec.Name
		if dataset != spec.Dataset {
			train += " -dataset " + dataset
		}
		return fmt.Errorf("%w\n(train the model first: %s)", err, train)
	}
	if err != nil {
		return err
	}
	if ckpt.Dataset != dataset {
		return fmt.Errorf("%s was trained on %s, not %s", path, ckpt.Dataset, dataset)
	}
	fmt.Fprintf(w, "%s: %s, epoch %d of %d, %.2f%% test accuracy; %s on %s\n",
		spec.Name, path, ckpt.Epoch, ckpt.Epochs, 100*ckpt.TestAccuracy, backend.Name(), backend.Device())
	if !ckpt.Finished() {
		fmt.Fprintf(w, "note: %s contains epoch %d of a %d-epoch run that did not finish\n", path, ckpt.Epoch, ckpt.Epochs)
	}

	logits := make([]float32, len(images)*spec.Classes)
	labels := make([]float32, batch) // unused by the prediction; they only enter the loss
	size := spec.Input.Len()
	for start := 0; start < len(images); start += batch {
		n := min(batch, len(images)-start)
		_, err := m.EvalLogits(inputs[start*size:(start+n)*size], labels[:n], n,
			logits[start*spec.Classes:(start+n)*spec.Classes])
		if err != nil {
			return err
		}
	}
	for i, name := range images {
		probs := softmax(logits[i*spec.Classes : (i+1)*spec.Classes])
		fmt.Fprintf(w, "%s:", name)
		for rank, class := range topClasses(probs, o.top) {
			sep := ","
			if rank == 0 {
				sep = ""
			}
			fmt.Fprintf(w, "%s %s %.2f%%", sep, info.classes[class], 100*probs[class])
		}
		fmt.Fprintln(w)
	}
	return nil
}

// loadInputs reads each image as the model's input, normalized with the
// training set's statistics.
func loadInputs(paths []string, spec nets.Spec, info datasetInfo) ([]float32, error) {
	c, h, wd := spec.Input[0], spec.Input[1], spec.Input[2]
	size := c * h * wd
	inputs := make([]float32, 0, len(paths)*size)
	for _, path := range paths {
		pixels, err := data.LoadImage(path, c, h, wd)
		if err != nil {
			return nil, err
		}
		for i, v := range pixels {
			ch := i / (h * wd)
			pixels[i] = float32((float64(v) - info.stats.Mean[ch]) / info.stats.Std[ch])
		}
		inputs = append(inputs, pixels...)
	}
	return inputs, nil
}

// softmax returns the probabilities of logits, computed in float64 after
// subtracting the largest logit.
func softmax(logits []float32) []float64 {
	top := math.Inf(-1)
	for _, v := range logits {
		top = math.Max(top, float64(v))
	}
	probs := make([]float64, len(logits))
	sum := 0.0
	for i, v := range logits {
		probs[i] = math.Exp(float64(v) - top)
		sum += probs[i]
	}
	for i := range probs {
		probs[i] /= sum
	}
	return probs
}

// topClasses returns the k most probable classes, most probable first;
// ties keep the lower class first.
func topClasses(probs []float64, k int) []int {
	order := make([]int, len(probs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return probs[order[a]] > probs[order[b]] })
	return order[:min(k, len(order))]
}

func openBackend(o options) (layers.Backend, error) {
	opts := gpu.DefaultOptions()
	opts.DeviceIndex = o.device
	return backends.Open(o.backend, opts)
}
