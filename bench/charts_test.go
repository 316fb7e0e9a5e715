package bench

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"gonum.org/v1/plot/plotutil"
)

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	img, err := png.Decode(file)
	if err != nil {
		t.Fatalf("decoding %s: %v", path, err)
	}
	return img
}

// colorCounts returns how many pixels of img have each colour.
func colorCounts(img image.Image) map[color.RGBA]int {
	counts := make(map[color.RGBA]int)
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			counts[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)}]++
		}
	}
	return counts
}

func asRGBA(c color.Color) color.RGBA {
	r, g, b, a := c.RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
}

func TestWriteChartsFixtures(t *testing.T) {
	dir := t.TempDir()
	files := []*File{readFixture(t, "lavapipe.json"), readFixture(t, "fictional-gpu.json")}

	paths, err := WriteCharts(dir, files, []string{"lavapipe.json", "fictional-gpu.json"})
	if err != nil {
		t.Fatalf("WriteCharts: %v", err)
	}
	want := []string{
		filepath.Join(dir, TrainChartFile),
		filepath.Join(dir, EvalChartFile),
		filepath.Join(dir, KernelChartFile),
	}
	if !reflect.DeepEqual(paths, want) {
		t.Fatalf("WriteCharts returned %v, want %v", paths, want)
	}

	for _, path := range paths {
		counts := colorCounts(decodePNG(t, path))
		if len(counts) < 10 {
			t.Errorf("%s has %d colours, want a chart with text and bars", path, len(counts))
		}
		// Run 1 has a bar in every chart, and so has run 3, the GPU.
		for _, run := range []int{0, 2} {
			bar := asRGBA(plotutil.Color(run))
			if counts[bar] < 200 {
				t.Errorf("%s has %d pixels of run %d's colour %v, want its bars", path, counts[bar], run+1, bar)
			}
		}
	}
}

func TestWriteChartsSkipsKernelChart(t *testing.T) {
	dir := t.TempDir()
	f := readFixture(t, "lavapipe.json")
	f.Runs = f.Runs[1:] // the CPU run, which has no kernels

	paths, err := WriteCharts(dir, []*File{f}, []string{"cpu.json"})
	if err != nil {
		t.Fatalf("WriteCharts: %v", err)
	}
	if len(paths) != 2 {
		t.Errorf("WriteCharts wrote %v, want the two model charts only", paths)
	}
	if _, err := os.Stat(filepath.Join(dir, KernelChartFile)); !os.IsNotExist(err) {
		t.Errorf("kernel chart exists without kernels (stat error %v)", err)
	}
}

func TestWriteChartsMissingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "absent")
	f := readFixture(t, "lavapipe.json")

	paths, err := WriteCharts(dir, []*File{f}, []string{"lavapipe.json"})
	if err == nil {
		t.Fatalf("WriteCharts into a missing directory returned %v and no error", paths)
	}
	if len(paths) != 0 {
		t.Errorf("WriteCharts returned %v after failing on the first chart", paths)
	}
}

func TestKernelChartPicksLongestKernels(t *testing.T) {
	run := Run{Framework: "vkcnn", Backend: "vulkan", Device: Device{Name: "test"}}
	// Kernel i takes i+1 ms, except that the longest kernel has no
	// floating-point work, so the chart leaves it out.
	for i := range 15 {
		k := Kernel{
			Layer:       "Conv2d",
			Pass:        "forward",
			Shape:       fmt.Sprintf("x[%d] -> y[%d]", i, i),
			Batch:       64,
			TimeMs:      NewStats([]float64{float64(i + 1)}),
			FLOPPerCall: 1e6,
		}
		k.SetRates(nil)
		run.Kernels = append(run.Kernels, k)
	}
	run.Kernels[14].FLOPPerCall = 0

	chart, ok := kernelChart([]runColumn{{name: "test.json", run: &run}})
	if !ok {
		t.Fatal("kernelChart returned no chart")
	}
	if len(chart.groups) != chartKernels {
		t.Fatalf("chart has %d groups, want %d", len(chart.groups), chartKernels)
	}
	// The 8 kernels with work and the longest times are kernels 13 down
	// to 6, which take 14 ms down to 7 ms.
	for i, group := range chart.groups {
		shape := 13 - i
		want := fmt.Sprintf("Conv2d forward\nbatch 64\nx[%d]\n-> y[%d]", shape, shape)
		if group != want {
			t.Errorf("group %d = %q, want %q", i, group, want)
		}
		if v, want := chart.values[0][i], 1e6/(float64(shape+1)/1e3)/1e9; math.Abs(v-want) > 1e-12 {
			t.Errorf("group %d value = %v GFLOP/s, want %v", i, v, want)
		}
	}
}

func TestChooseScale(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name   string
		values [][]float64
		want   valueScale
		ok     bool
	}{
		{"close values are linear", [][]float64{{100, 150}, {200, nan}}, valueScale{min: 0, max: 1.08 * 200}, true},
		{"100x apart is log", [][]float64{{45}, {4500}}, valueScale{log: true, min: 10, max: 1.5 * 4500}, true},
		{"zero is ignored for the log minimum", [][]float64{{0, 0.5}, {30}}, valueScale{log: true, min: 0.1, max: 45}, true},
		{"all zero", [][]float64{{0}}, valueScale{min: 0, max: 1}, true},
		{"no values", [][]float64{{nan}, {nan}}, valueScale{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := chooseScale(c.values)
			if ok != c.ok || got.log != c.want.log || math.Abs(got.min-c.want.min) > 1e-12 || math.Abs(got.max-c.want.max) > 1e-9 {
				t.Errorf("chooseScale(%v) = %+v, %v, want %+v, %v", c.values, got, ok, c.want, c.ok)
			}
		})
	}
}

func TestDecadeTicksLabels(t *testing.T) {
	var labels []string
	for _, tick := range (decadeTicks{}).Ticks(10, 15000) {
		if tick.Label != "" {
			labels = append(labels, tick.Label)
		}
	}

	want := []string{"10", "100", "1k", "10k"}
	if !reflect.DeepEqual(labels, want) {
		t.Errorf("labelled ticks = %v, want %v", labels, want)
	}
}
