// Command bench measures vkcnn on each Vulkan device and on the CPU
// backend: the device's peak arithmetic rate and copy bandwidth, every
// layer pass of the six models timed by Vulkan timestamps, and each
// model's training and evaluation throughput. It prints tables, writes a
// JSON results file and PNG charts, and compares results files side by
// side.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vkcnn/vkcnn/bench"
	"github.com/vkcnn/vkcnn/nets"
)

type options struct {
	devices string // comma-separated device indices; empty means every device
	cpu     bool
	vulkan  bool
	models  string
	batches string
	warmup  int
	repeat  int
	steps   int
	kernels bool
	quick   bool
	out     string
	compare bool
}

func main() {
	var o options
	flag.StringVar(&o.devices, "device", "", "comma-separated Vulkan device indices as go run ./cmd/vkinfo lists them; empty means every device")
	flag.BoolVar(&o.vulkan, "vulkan", true, "measure the Vulkan devices")
	flag.BoolVar(&o.cpu, "cpu", true, "measure the CPU backend too")
	flag.StringVar(&o.models, "models", "all", "comma-separated models, or all: "+strings.Join(nets.Names(), ", "))
	flag.StringVar(&o.batches, "batch", "64", "comma-separated batch sizes")
	flag.IntVar(&o.warmup, "warmup", 2, "untimed steps before timing")
	flag.IntVar(&o.repeat, "repeat", 5, "timed runs per figure; the median and spread are over these")
	flag.IntVar(&o.steps, "steps", 3, "steps per timed run of a model")
	flag.BoolVar(&o.kernels, "kernels", true, "time every layer pass of the selected models on each Vulkan device")
	flag.BoolVar(&o.quick, "quick", false, "a reduced set for smoke tests: mnist-simple and cifar-baseline at batch 16, fewer runs, quick peaks")
	flag.StringVar(&o.out, "out", "bench-results", "directory for results.json and the PNG charts; empty writes nothing")
	flag.BoolVar(&o.compare, "compare", false, "compare the results files given as arguments instead of measuring")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), `Usage: bench [flags]
       bench -compare A.json B.json ...

Measures each Vulkan device and the CPU backend: device peaks, layer
kernels timed by Vulkan timestamps, and model training and evaluation
throughput. Prints tables, and writes <out>/results.json (schema in
docs/BENCH_SCHEMA.md) and PNG charts. -compare prints results files side by
side with ratios to the first, and draws the same charts for all of them
into <out>/compare.

`)
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(o, flag.Args(), os.Stdout, os.Stderr); err != nil {
		// Errors from the bench package carry the prefix already.
		fmt.Fprintln(os.Stderr, "bench:", strings.TrimPrefix(err.Error(), "bench: "))
		os.Exit(1)
	}
}

func run(o options, args []string, w, log io.Writer) error {
	if o.compare {
		return compare(o, args, w)
	}
	if len(args) > 0 {
		return fmt.Errorf("unexpected argument %q: results files are compared with -compare", args[0])
	}

	plan, err := o.plan()
	if err != nil {
		return err
	}

	f := &bench.File{Host: hostInfo()}
	if o.vulkan {
		runs, err := measureVulkan(plan, log)
		if err != nil {
			return err
		}
		f.Runs = append(f.Runs, runs...)
	}
	if o.cpu {
		r, err := measureCPU(plan, log)
		if err != nil {
			return err
		}
		f.Runs = append(f.Runs, r)
	}
	if len(f.Runs) == 0 {
		return errors.New("nothing measured: -vulkan=false and -cpu=false leave no backend")
	}

	f.Created = time.Now().UTC()
	if err := f.WriteTable(w); err != nil {
		return err
	}
	if o.out == "" {
		return nil
	}

	path := filepath.Join(o.out, "results.json")
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	if err := bench.Write(path, f); err != nil {
		return err
	}
	charts, err := bench.WriteCharts(o.out, []*bench.File{f}, []string{"this machine"})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nwrote %s and %s\n", path, strings.Join(charts, ", "))
	return nil
}

// compare prints results files side by side and draws their charts.
func compare(o options, paths []string, w io.Writer) error {
	if len(paths) < 1 {
		return errors.New("-compare needs at least one results file")
	}
	var files []*bench.File
	var names []string
	for _, path := range paths {
		f, err := bench.Read(path)
		if err != nil {
			return err
		}
		files = append(files, f)
		names = append(names, filepath.Base(path))
	}
	if err := bench.Compare(w, files, names); err != nil {
		return err
	}
	if o.out == "" {
		return nil
	}

	// A subfolder keeps the charts of a measurement in -out intact.
	dir := filepath.Join(o.out, "compare")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	charts, err := bench.WriteCharts(dir, files, names)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nwrote %s\n", strings.Join(charts, ", "))
	return nil
}

// plan is the scope of one measurement: devices, models, batch sizes and
// repetitions.
type plan struct {
	devices               []int // nil means every device
	specs                 []nets.Spec
	batches               []int
	warmup, repeat, steps int
	kernels, quick        bool
	kernelBatch           int
}

func (o options) plan() (plan, error) {
	p := plan{warmup: o.warmup, repeat: o.repeat, steps: o.steps, kernels: o.kernels, quick: o.quick, kernelBatch: 64}
	models := o.models
	if o.quick {
		models = "mnist-simple,cifar-baseline"
		o.batches = "16"
		p.warmup, p.repeat, p.steps, p.kernelBatch = 1, 3, 1, 16
	}
	if p.warmup < 0 || p.repeat < 1 || p.steps < 1 {
		return p, fmt.Errorf("invalid -warmup %d, -repeat %d or -steps %d: warm-up must be 0 or more, the others at least 1",
			o.warmup, o.repeat, o.steps)
	}
	names := nets.Names()
	if models != "all" {
		names = strings.Split(models, ",")
	}
	for _, name := range names {
		spec, err := nets.Lookup(strings.TrimSpace(name))
		if err != nil {
			return p, err
		}
		p.specs = append(p.specs, spec)
	}
	var err error
	if p.batches, err = intList(o.batches, "-batch", 1); err != nil {
		return p, err
	}
	if o.devices != "" {
		if p.devices, err = intList(o.devices, "-device", 0); err != nil {
			return p, err
		}
	}
	return p, nil
}

// intList parses a comma-separated list of integers of at least least.
func intList(s, flagName string, least int) ([]int, error) {
	var out []int
	for _, field := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || v < least {
			return nil, fmt.Errorf("invalid %s %q: want comma-separated whole numbers of at least %d", flagName, s, least)
		}
		out = append(out, v)
	}
	return out, nil
}
