package bench

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// sampleFile returns a valid File that uses every field.
func sampleFile() *File {
	conv := Kernel{
		Layer:        "Conv2d",
		Pass:         "backward-filter",
		Shape:        "x[64,3,32,32] dy[64,32,32,32] -> dw[32,3,3,3]",
		Models:       []string{"cifar-baseline", "cifar-deep"},
		Batch:        64,
		TimeMs:       NewStats([]float64{1.5, 1.25, 1.75, 1.5}),
		FLOPPerCall:  113246208,
		BytesPerCall: 9176704,
	}
	peaks := &Peaks{FMAScalarGFLOPPerSec: 512.5, FMAVec4GFLOPPerSec: 1024.25, CopyGBPerSec: 64}
	conv.SetRates(peaks)
	check := NewTimingCheck(12.5, 13)

	return &File{
		Created: time.Date(2025, 3, 4, 5, 6, 7, 8000, time.UTC),
		Note:    "sample for the round-trip test",
		Host: Host{
			OS: "linux", Arch: "amd64", CPUModel: "Example CPU", CPUCores: 16,
			MemoryBytes: 32 << 30, GoVersion: "go1.26.8",
		},
		Runs: []Run{{
			Framework:        "vkcnn",
			FrameworkVersion: "v0.0.0-test",
			Backend:          "vulkan",
			Device: Device{
				Name: "Example GPU", Vendor: "Example", VendorID: 0xffff, DeviceID: 0x1234,
				Type: DeviceDiscrete, DriverName: "example", DriverInfo: "example 1.0",
				DriverVersion: "1.0.0", APIVersion: "1.3.280", SubgroupSize: 32, MemoryBytes: 8 << 30,
			},
			Peaks:   peaks,
			Kernels: []Kernel{conv},
			Models: []Model{{
				Model:             "cifar-baseline",
				Batch:             64,
				TrainImagesPerSec: NewStats([]float64{2000, 2100, 1900}),
				EvalImagesPerSec:  NewStats([]float64{8000, 8200}),
				LayerShare:        map[string]float64{"Conv2d": 0.75, "Linear": 0.125, "other": 0.125},
				MemoryBytes:       123 << 20,
				TimingCheck:       &check,
			}},
		}},
	}
}

func writeSample(t *testing.T) (string, *File) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "results.json")
	f := sampleFile()
	if err := Write(path, f); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return path, f
}

func TestWriteReadRoundTrip(t *testing.T) {
	path, written := writeSample(t)

	read, err := Read(path)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if !reflect.DeepEqual(read, written) {
		t.Errorf("Read returned\n%+v\nwant what Write wrote\n%+v", read, written)
	}
}

func TestWriteSetsSchemaVersion(t *testing.T) {
	_, written := writeSample(t)

	if written.Schema != SchemaVersion {
		t.Errorf("Schema after Write = %d, want %d", written.Schema, SchemaVersion)
	}
}

func TestWriteFormat(t *testing.T) {
	path, _ := writeSample(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	if !bytes.HasPrefix(data, []byte("{\n  \"schema\": 1,\n")) {
		t.Errorf("file starts with %q, want indented JSON that starts with the schema", data[:min(40, len(data))])
	}
	if !bytes.HasSuffix(data, []byte("}\n")) {
		t.Errorf("file ends with %q, want a closing brace and a newline", data[max(0, len(data)-10):])
	}
}

func TestWriteEmptyArraysNotNull(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.json")
	f := sampleFile()
	f.Runs[0].Models = nil
	f.Runs[0].Kernels[0].Models = nil

	if err := Write(path, f); err != nil {
		t.Fatalf("Write: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("null")) {
		t.Errorf("file contains null:\n%s", data)
	}
	read, err := Read(path)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if !reflect.DeepEqual(read, f) {
		t.Errorf("Read returned\n%+v\nwant\n%+v", read, f)
	}
}

func TestWriteLeavesOnlyTheFile(t *testing.T) {
	path, _ := writeSample(t)

	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "results.json" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only results.json", names)
	}
}

func TestWriteRejectsInvalidFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.json")
	f := sampleFile()
	f.Runs[0].Models[0].TrainImagesPerSec.Samples[1] = math.NaN()

	err := Write(path, f)
	if err == nil {
		t.Fatal("Write of a NaN sample succeeded, want an error")
	}
	if _, statErr := os.Stat(path); !os.IsNotExist(statErr) {
		t.Errorf("Write failed but %s exists (stat error %v)", path, statErr)
	}
	for _, want := range []string{"bench: ", path, "cifar-baseline batch 64", "train_images_per_sec sample 2", "NaN"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

// rewrite writes the sample file as JSON after edit changed its decoded
// form, and returns the path.
func rewrite(t *testing.T, edit func(map[string]any)) string {
	t.Helper()
	path, _ := writeSample(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var object map[string]any
	if err := json.Unmarshal(data, &object); err != nil {
		t.Fatal(err)
	}
	edit(object)
	data, err = json.Marshal(object)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func readError(t *testing.T, path string, wants ...string) {
	t.Helper()
	f, err := Read(path)
	if err == nil {
		t.Fatalf("Read succeeded with %+v, want an error", f)
	}
	for _, want := range append([]string{"bench: ", path}, wants...) {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestReadRejectsSchema2(t *testing.T) {
	path := rewrite(t, func(object map[string]any) {
		object["schema"] = 2
		// A newer version may add fields, which must not hide the version.
		object["added_in_version_2"] = true
	})

	readError(t, path, "schema version 2", "only version 1")
}

func TestReadRejectsMissingSchema(t *testing.T) {
	path := rewrite(t, func(object map[string]any) { delete(object, "schema") })

	readError(t, path, `no "schema" field`)
}

func TestReadRejectsUnknownField(t *testing.T) {
	path := rewrite(t, func(object map[string]any) {
		run := object["runs"].([]any)[0].(map[string]any)
		run["gpu_clock_mhz"] = 1800
	})

	readError(t, path, "gpu_clock_mhz")
}

func TestReadRejectsTruncatedJSON(t *testing.T) {
	path, _ := writeSample(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}

	readError(t, path, "not a complete JSON object")
}

func TestReadRejectsTrailingData(t *testing.T) {
	path, _ := writeSample(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(data, data...), 0o644); err != nil {
		t.Fatal(err)
	}

	readError(t, path, "invalid data after the JSON object")
}

func TestReadMissingFile(t *testing.T) {
	readError(t, filepath.Join(t.TempDir(), "absent.json"), "reading results file")
}

func TestReadRejectsInvalidValues(t *testing.T) {
	model := func(object map[string]any) map[string]any {
		return object["runs"].([]any)[0].(map[string]any)["models"].([]any)[0].(map[string]any)
	}
	run := func(object map[string]any) map[string]any {
		return object["runs"].([]any)[0].(map[string]any)
	}
	cases := []struct {
		name  string
		edit  func(map[string]any)
		wants []string
	}{
		{
			"median not from samples",
			func(o map[string]any) { model(o)["train_images_per_sec"].(map[string]any)["median"] = 2050 },
			[]string{"run 1 (vkcnn vulkan, Example GPU)", "model 1 (cifar-baseline batch 64)", "train_images_per_sec median is 2050", "samples give 2000"},
		},
		{
			"no samples",
			func(o map[string]any) { model(o)["eval_images_per_sec"].(map[string]any)["samples"] = []any{} },
			[]string{"eval_images_per_sec has no samples"},
		},
		{
			"zero sample",
			func(o map[string]any) { model(o)["eval_images_per_sec"].(map[string]any)["samples"] = []any{0, 8000} },
			[]string{"eval_images_per_sec sample 1 is 0"},
		},
		{
			"layer shares in percent",
			func(o map[string]any) { model(o)["layer_share"] = map[string]any{"Conv2d": 75, "other": 25} },
			[]string{"layer_share Conv2d is 75", "not a percentage"},
		},
		{
			"layer shares not summing to 1",
			func(o map[string]any) { model(o)["layer_share"] = map[string]any{"Conv2d": 0.5, "Linear": 0.25} },
			[]string{"layer_share sums to 0.75"},
		},
		{
			"zero batch",
			func(o map[string]any) { model(o)["batch"] = 0 },
			[]string{"batch is 0"},
		},
		{
			"duplicate model",
			func(o map[string]any) { run(o)["models"] = append(run(o)["models"].([]any), model(o)) },
			[]string{"model cifar-baseline batch 64 is listed twice"},
		},
		{
			"duplicate kernel",
			func(o map[string]any) {
				run(o)["kernels"] = append(run(o)["kernels"].([]any), run(o)["kernels"].([]any)[0])
			},
			[]string{"kernel Conv2d backward-filter", "is listed twice"},
		},
		{
			"unknown device type",
			func(o map[string]any) { run(o)["device"].(map[string]any)["type"] = "gpu" },
			[]string{`device type "gpu" is invalid`, `"discrete"`},
		},
		{
			"empty device name",
			func(o map[string]any) { run(o)["device"].(map[string]any)["name"] = "" },
			[]string{"device name is empty"},
		},
		{
			"negative peak",
			func(o map[string]any) { run(o)["peaks"].(map[string]any)["copy_gb_per_sec"] = -1 },
			[]string{"peaks copy_gb_per_sec is -1"},
		},
		{
			"no runs",
			func(o map[string]any) { o["runs"] = []any{} },
			[]string{"runs is empty"},
		},
		{
			"missing created",
			func(o map[string]any) { delete(o, "created") },
			[]string{"created is missing"},
		},
		{
			"missing host arch",
			func(o map[string]any) { o["host"].(map[string]any)["arch"] = "" },
			[]string{`arch ""`},
		},
		{
			"timing check without host time",
			func(o map[string]any) { model(o)["timing_check"].(map[string]any)["host_ms"] = 0 },
			[]string{"timing_check device_ms 12.5 and host_ms 0"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			readError(t, rewrite(t, c.edit), c.wants...)
		})
	}
}

func TestReadFixtures(t *testing.T) {
	for _, name := range []string{"lavapipe.json", "fictional-gpu.json"} {
		f, err := Read(filepath.Join("testdata", name))
		if err != nil {
			t.Errorf("Read: %v", err)
			continue
		}
		if !strings.Contains(f.Note, "made-up numbers") {
			t.Errorf("%s note %q does not mark the file as made up", name, f.Note)
		}
	}
}

// TestFixtureRatesMatchSetRates checks the hand-computed rates in the
// fixtures against SetRates, so that the fixtures stay consistent.
func TestFixtureRatesMatchSetRates(t *testing.T) {
	for _, name := range []string{"lavapipe.json", "fictional-gpu.json"} {
		f, err := Read(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, run := range f.Runs {
			for _, stored := range run.Kernels {
				computed := stored
				computed.SetRates(run.Peaks)
				if !closeRates(stored, computed) {
					t.Errorf("%s kernel %s: stored rates %v %v %v %v, SetRates gives %v %v %v %v", name, stored.title(),
						stored.GFLOPPerSec, stored.GBPerSec, stored.PercentOfPeakCompute, stored.PercentOfPeakBandwidth,
						computed.GFLOPPerSec, computed.GBPerSec, computed.PercentOfPeakCompute, computed.PercentOfPeakBandwidth)
				}
			}
		}
	}
}

func closeRates(a, b Kernel) bool {
	close := func(x, y float64) bool { return math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y)) }
	return close(a.GFLOPPerSec, b.GFLOPPerSec) && close(a.GBPerSec, b.GBPerSec) &&
		close(a.PercentOfPeakCompute, b.PercentOfPeakCompute) && close(a.PercentOfPeakBandwidth, b.PercentOfPeakBandwidth)
}
