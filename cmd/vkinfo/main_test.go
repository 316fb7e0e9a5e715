package main

import (
	"bytes"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/gpu/gputest"
	"github.com/vkcnn/vkcnn/layers/check"
)

// operations is every operation that -check reports, in table order.
var operations = []string{
	"Conv2D", "Conv2DBackwardData", "Conv2DBackwardFilter", "Linear", "LinearBackward",
	"ReLU", "ReLUBackward", "MaxPool2D", "MaxPool2DBackward", "Dropout", "DropoutBackward",
	"SoftmaxCrossEntropy", "BatchNormTrain", "BatchNormEval", "BatchNormBackward", "SGD",
}

// TestCheckQuick runs -check -quick on the device that vkinfo picks, with
// the validation layer wherever it is installed. Without a Vulkan device
// it skips, or fails when gputest.RequireEnv is 1, as gputest.Open does.
func TestCheckQuick(t *testing.T) {
	validation := gpu.ValidationAvailable()
	var out bytes.Buffer
	passed, err := runCheck(&out, checkOptions{device: -1, seed: 1, quick: true, validation: validation})
	if errors.Is(err, gpu.ErrNoLoader) || errors.Is(err, gpu.ErrNoDevice) {
		if os.Getenv(gputest.RequireEnv) == "1" {
			t.Fatalf("no Vulkan device, and %s=1: %v", gputest.RequireEnv, err)
		}
		t.Skipf("no Vulkan device (set %s=1 to fail instead): %v", gputest.RequireEnv, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !passed {
		t.Errorf("the check failed:\n%s", out.String())
	}

	text := out.String()
	for _, op := range operations {
		row := regexp.MustCompile(`(?m)^` + op + ` +[0-9]+ +\S+ +\S+ +\S+ +PASS +\S`)
		if !row.MatchString(text) {
			t.Errorf("no passing row for %s in:\n%s", op, text)
		}
	}
	if !strings.Contains(text, "PASS: all 16 operations match the CPU backend (") {
		t.Errorf("no summary line in:\n%s", text)
	}
	if validation && !strings.Contains(text, "Khronos validation layer: no messages.") {
		t.Errorf("no validation line in:\n%s", text)
	}
}

func TestWriteSummaryNamesFailures(t *testing.T) {
	results := []check.Result{
		{Op: "Conv2D", Cases: 3, Tolerance: 1e-5, Pass: true},
		{Op: "Linear", Cases: 4, MaxAbsErr: 0.5, MaxRelErr: 0.01, Tolerance: 1e-5, WorstCase: "n1 in1 out1, run 2, y[0 0]"},
		{Op: "SGD", Cases: 1, Tolerance: 1e-6, Err: errors.New("check: SGD w[1]: vulkan backend: device lost")},
	}
	var out bytes.Buffer
	writeTable(&out, results)
	if passed := writeSummary(&out, results, 3, 1500*time.Millisecond); passed {
		t.Errorf("writeSummary reported a pass with two failures")
	}
	text := out.String()
	for _, want := range []string{
		"FAIL: 2 of 3 operations differ from the CPU backend: Linear, SGD; the validation layer reported 3 message(s) (1.5s).",
		"n1 in1 out1, run 2, y[0 0]",
		"SGD: check: SGD w[1]: vulkan backend: device lost",
		"error, see below",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if !regexp.MustCompile(`(?m)^Linear +4 +0\.5 +0\.01 +1e-05 +FAIL `).MatchString(text) {
		t.Errorf("no failing Linear row in:\n%s", text)
	}
}
