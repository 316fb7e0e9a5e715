package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/layers/check"
	"github.com/vkcnn/vkcnn/layers/vulkan"
)

// checkOptions are the flags of -check.
type checkOptions struct {
	device     int
	seed       uint64
	quick      bool
	validation bool
}

// maxValidationMessages bounds the validation messages printed after the
// table. The count printed with them covers all of them.
const maxValidationMessages = 20

// runCheck opens the device, compares every operation with the CPU
// backend and writes the table and a summary to w. It reports whether
// every operation passed and the validation layer, when enabled,
// reported nothing. An error means the check could not run.
func runCheck(w io.Writer, o checkOptions) (bool, error) {
	if o.validation && !gpu.ValidationAvailable() {
		return false, fmt.Errorf("-validation: Khronos validation layer %s", availability(false))
	}
	opts := gpu.DefaultOptions()
	opts.DeviceIndex = o.device
	opts.Validation = o.validation
	b, err := vulkan.New(opts)
	if errors.Is(err, gpu.ErrNoLoader) || errors.Is(err, gpu.ErrNoDevice) {
		return false, fmt.Errorf("%w\nvkcnn can still train on the CPU: go run ./cmd/train -backend cpu", err)
	}
	if err != nil {
		return false, err
	}
	dev := b.GPU()

	mode := "full"
	if o.quick {
		mode = "quick"
	}
	fmt.Fprintf(w, "Checking device %d, %s, against the CPU backend (%s, seed %d, validation %s).\n",
		dev.Info().Index, b.Device(), mode, o.seed, onOff(o.validation))
	start := time.Now()
	results := check.Run(b, check.Options{Seed: o.seed, Quick: o.quick})
	elapsed := time.Since(start)
	// Close before reading the validation messages, which then include
	// those reported while the device was destroyed.
	if err := b.Close(); err != nil {
		return false, fmt.Errorf("closing the device: %w", err)
	}

	writeTable(w, results)
	messages := 0
	if o.validation {
		messages = writeValidation(w, dev)
	}
	return writeSummary(w, results, messages, elapsed), nil
}

// writeTable writes one row per operation, then the errors of the
// operations that could not run.
func writeTable(w io.Writer, results []check.Result) {
	fmt.Fprintln(w, "Relative error: |device - cpu| / (max(1, |cpu|) * terms), where terms is the number of values summed per output (1 for element-wise operations).")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OPERATION\tCASES\tMAX ABS ERROR\tMAX REL ERROR\tTOLERANCE\tRESULT\tWORST CASE")
	for _, r := range results {
		worst := r.WorstCase
		switch {
		case r.Err != nil:
			worst = "error, see below"
		case worst == "":
			worst = "-"
		}
		fmt.Fprintf(tw, "%s\t%d\t%.3g\t%.3g\t%g\t%s\t%s\n",
			r.Op, r.Cases, r.MaxAbsErr, r.MaxRelErr, r.Tolerance, passFail(r.Pass), worst)
	}
	tw.Flush()
	for _, r := range results {
		if r.Err != nil {
			fmt.Fprintf(w, "%s: %v\n", r.Op, r.Err)
		}
	}
}

// writeSummary writes the closing line and reports whether every
// operation passed and the validation layer reported no messages.
func writeSummary(w io.Writer, results []check.Result, validationMessages int, elapsed time.Duration) bool {
	var failed []string
	for _, r := range results {
		if !r.Pass {
			failed = append(failed, r.Op)
		}
	}
	var problems []string
	if len(failed) > 0 {
		problems = append(problems, fmt.Sprintf("%d of %d operations differ from the CPU backend: %s",
			len(failed), len(results), strings.Join(failed, ", ")))
	}
	if validationMessages > 0 {
		problems = append(problems, fmt.Sprintf("the validation layer reported %d message(s)", validationMessages))
	}
	fmt.Fprintln(w)
	if len(problems) == 0 {
		fmt.Fprintf(w, "PASS: all %d operations match the CPU backend (%s).\n", len(results), elapsed.Round(time.Millisecond))
		return true
	}
	fmt.Fprintf(w, "FAIL: %s (%s).\n", strings.Join(problems, "; "), elapsed.Round(time.Millisecond))
	return false
}

// writeValidation writes what the validation layer reported and returns
// the number of messages.
func writeValidation(w io.Writer, dev *gpu.Device) int {
	count, messages := dev.ValidationMessages()
	if count == 0 {
		fmt.Fprintln(w, "Khronos validation layer: no messages.")
		return 0
	}
	fmt.Fprintf(w, "Khronos validation layer: %d message(s):\n", count)
	shown := messages[:min(len(messages), maxValidationMessages)]
	for _, m := range shown {
		fmt.Fprintf(w, "  %s\n", m)
	}
	if count > len(shown) {
		fmt.Fprintf(w, "  ... and %d more\n", count-len(shown))
	}
	return count
}

func passFail(pass bool) string {
	if pass {
		return "PASS"
	}
	return "FAIL"
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
