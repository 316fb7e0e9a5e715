package bench

import (
	"errors"
	"strings"
	"testing"
)

func compareFixtures(t *testing.T, names ...string) string {
	t.Helper()
	var files []*File
	for _, name := range names {
		files = append(files, readFixture(t, name))
	}
	var out strings.Builder
	if err := Compare(&out, files, names); err != nil {
		t.Fatalf("Compare: %v", err)
	}
	return out.String()
}

func TestCompareLegend(t *testing.T) {
	text := compareFixtures(t, "lavapipe.json", "fictional-gpu.json")

	checkLines(t, text,
		"1. lavapipe.json: vkcnn v0.0.0-fixture vulkan; llvmpipe (LLVM 15.0.6, 256 bits), cpu, vendor Mesa 0x10005; "+
			"driver llvmpipe 25.0.7, Mesa 25.0.7 (LLVM 15.0.6); API 1.4.305; "+
			"host Example 8-core CPU (fixture), 8 logical cores, 24.0 GiB, linux/amd64",
		"2. lavapipe.json: vkcnn v0.0.0-fixture cpu; Example 8-core CPU (fixture), cpu; "+
			"host Example 8-core CPU (fixture), 8 logical cores, 24.0 GiB, linux/amd64",
		"3. fictional-gpu.json: vkcnn v0.0.0-fixture vulkan; Fictional GPU 9000 (fixture), discrete, vendor Fictional 0xffff, device 0x1234; "+
			"driver fictional-driver 1.2.3, fixture; API 1.3.280; "+
			"host Example 16-core CPU (fixture), 32 logical cores, 64.0 GiB, windows/amd64",
	)
}

func TestCompareColumnHeaders(t *testing.T) {
	text := compareFixtures(t, "lavapipe.json", "fictional-gpu.json")

	// Each column title spans three lines: file name, framework and
	// backend, device.
	checkLines(t, text,
		"1. lavapipe.json 2. lavapipe.json 3. fictional-gpu.json",
		"vkcnn vulkan vkcnn cpu vkcnn vulkan",
		"model batch llvmpipe (LLVM 15.0.6, 256 bits) Example 8-core CPU (fixture), 8 threads Fictional GPU 9000 (fixture)",
	)
}

func TestCompareTrainingRatios(t *testing.T) {
	text := compareFixtures(t, "lavapipe.json", "fictional-gpu.json")

	// 810 / 410 = 1.9756, 49000 / 410 = 119.512, 5125 / 51.5 = 99.515.
	// The CPU run lacks cifar-baseline, and the first run lacks cifar-deep,
	// so that row has no ratio.
	checkLines(t, text,
		"Training images/s, median (this column / column 1; higher is better)",
		"mnist-simple 64 410.0 810.0 (1.98x) 49000.0 (119.51x)",
		"cifar-baseline 64 51.5 — 5125.0 (99.51x)",
		"cifar-deep 128 — — 2400.0",
	)
}

func TestCompareEvaluationRatios(t *testing.T) {
	text := compareFixtures(t, "lavapipe.json", "fictional-gpu.json")

	// 3000 / 1500 = 2, 150000 / 1500 = 100, 20275 / 202.5 = 100.123.
	checkLines(t, text,
		"Evaluation images/s, median (this column / column 1; higher is better)",
		"mnist-simple 64 1500.0 3000.0 (2.00x) 150000.0 (100.00x)",
		"cifar-baseline 64 202.5 — 20275.0 (100.12x)",
	)
}

func TestCompareKernelRatios(t *testing.T) {
	text := compareFixtures(t, "lavapipe.json", "fictional-gpu.json")

	// Time ratios are inverted so that above 1 is faster: 2.5 / 0.025 = 100
	// and 8 / 0.064 = 125.
	checkLines(t, text,
		"Kernel time per call, median ms (column 1 time / this time, so higher is faster)",
		"Conv2d forward 64 x[64,1,28,28] w[32,1,3,3] -> y[64,32,26,26] 2.50 0.0250 (100.00x)",
		"Linear forward 64 x[64,4608] w[128,4608] -> y[64,128] 8.00 0.0640 (125.00x)",
	)
}

func TestComparePeakRatios(t *testing.T) {
	text := compareFixtures(t, "lavapipe.json", "fictional-gpu.json")

	// 10000 / 40 = 250, 20000 / 120 = 166.667, 500 / 10 = 50.
	checkLines(t, text,
		"FMA scalar GFLOP/s 40.0 10000.0 (250.00x)",
		"FMA vec4 GFLOP/s 120.0 20000.0 (166.67x)",
		"copy GB/s 10.0 500.0 (50.00x)",
	)
}

func TestCompareSlowerColumn(t *testing.T) {
	text := compareFixtures(t, "fictional-gpu.json", "lavapipe.json")

	// 410 / 49000 = 0.0083673, shown with three significant digits, and
	// 0.025 / 2.5 = 0.01 for the kernel.
	checkLines(t, text,
		"mnist-simple 64 49000.0 410.0 (0.00837x) 810.0 (0.0165x)",
		"Conv2d forward 64 x[64,1,28,28] w[32,1,3,3] -> y[64,32,26,26] 0.0250 2.50 (0.0100x)",
	)
}

func TestCompareSingleFile(t *testing.T) {
	text := compareFixtures(t, "fictional-gpu.json")

	checkLines(t, text, "mnist-simple 64 49000.0", "cifar-deep 128 2400.0")
	if strings.Contains(text, "x)") {
		t.Errorf("a single column has ratios:\n%s", text)
	}
}

func TestCompareRejectsMismatchedNames(t *testing.T) {
	f := readFixture(t, "lavapipe.json")

	err := Compare(&strings.Builder{}, []*File{f, f}, []string{"lavapipe.json"})
	if err == nil || !strings.Contains(err.Error(), "1 names for 2 results files") {
		t.Errorf("Compare error = %v, want one about 1 name for 2 files", err)
	}
}

func TestCompareRejectsNoFiles(t *testing.T) {
	err := Compare(&strings.Builder{}, nil, nil)

	if err == nil || !strings.Contains(err.Error(), "no results files") {
		t.Errorf("Compare error = %v, want one about no files", err)
	}
}

func TestCompareRejectsNilFile(t *testing.T) {
	err := Compare(&strings.Builder{}, []*File{nil}, []string{"missing.json"})

	if err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("Compare error = %v, want one naming missing.json", err)
	}
}

func TestCompareReturnsWriteError(t *testing.T) {
	f := readFixture(t, "lavapipe.json")

	err := Compare(failingWriter{}, []*File{f}, []string{"lavapipe.json"})
	if !errors.Is(err, errWriteFailed) {
		t.Errorf("Compare error = %v, want %v", err, errWriteFailed)
	}
}
