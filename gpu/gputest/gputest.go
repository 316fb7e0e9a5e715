// Package gputest opens Vulkan devices for tests, with the Khronos
// validation layer on wherever it is installed, and fails the test on any
// warning or error the layer reports.
package gputest

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/vkcnn/vkcnn/gpu"
)

// RequireEnv names the variable that turns a missing Vulkan device into a
// test failure instead of a skip. CI sets it, so a broken driver install
// cannot pass as skipped tests.
const RequireEnv = "VKCNN_REQUIRE_VULKAN"

// Open opens a device for t and closes it at cleanup, then fails t if the
// validation layer reported anything. The device is the one VKCNN_DEVICE
// names, else the best one, whatever opts.DeviceIndex is. Tests run with validation
// wherever the layer is installed; benchmarks run without it. Without a
// Vulkan device the test is skipped, or fails when RequireEnv is set to 1.
func Open(t testing.TB, opts gpu.Options) *gpu.Device {
	t.Helper()
	opts.DeviceIndex = -1 // automatic, or VKCNN_DEVICE
	// Benchmarks run without the layer, whose checks would be timed too.
	_, benchmark := t.(*testing.B)
	opts.Validation = gpu.ValidationAvailable() && !benchmark
	if opts.PipelineCacheDir == "" {
		opts.PipelineCacheDir = "-"
	}

	d, err := gpu.Open(opts)
	if err != nil {
		if errors.Is(err, gpu.ErrNoLoader) || errors.Is(err, gpu.ErrNoDevice) {
			if os.Getenv(RequireEnv) == "1" {
				t.Fatalf("no Vulkan device, and %s=1: %v", RequireEnv, err)
			}
			t.Skipf("no Vulkan device (set %s=1 to fail instead): %v", RequireEnv, err)
		}
		t.Fatalf("opening Vulkan device: %v", err)
	}
	if !opts.Validation && !benchmark {
		t.Logf("Khronos validation layer not installed: running without validation")
	}

	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("closing device: %v", err)
		}
		CheckValidation(t, d)
	})
	return d
}

// CheckValidation fails t if the validation layer reported any warning or error.
func CheckValidation(t testing.TB, d *gpu.Device) {
	t.Helper()
	count, messages := d.ValidationMessages()
	if count > 0 {
		t.Errorf("validation layer reported %d message(s):\n%s", count, strings.Join(messages, "\n"))
	}
}
