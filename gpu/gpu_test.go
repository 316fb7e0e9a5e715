package gpu_test

import (
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/gpu/gputest"
	"github.com/vkcnn/vkcnn/gpu/kernels"
)

func randomFloats(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = rng.Float32()*2 - 1
	}
	return v
}

func TestBufferRoundTrip(t *testing.T) {
	for _, staged := range []bool{false, true} {
		name := "host-visible"
		if staged {
			name = "staged"
		}
		t.Run(name, func(t *testing.T) {
			d := gputest.Open(t, gpu.Options{ForceStaging: staged})
			rng := rand.New(rand.NewPCG(1, 2))
			for _, n := range []int{1, 3, 1000, 262147} {
				b, err := d.NewBuffer(4 * n)
				if err != nil {
					t.Fatal(err)
				}
				want := randomFloats(rng, n)
				if err := b.WriteFloat32(0, want); err != nil {
					t.Fatal(err)
				}
				got := make([]float32, n)
				if err := b.ReadFloat32(0, got); err != nil {
					t.Fatal(err)
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("n=%d: element %d = %v, want %v", n, i, got[i], want[i])
					}
				}

				// A partial write changes only its range.
				if n > 2 {
					if err := b.WriteFloat32(1, []float32{42}); err != nil {
						t.Fatal(err)
					}
					part := make([]float32, 3)
					if err := b.ReadFloat32(0, part); err != nil {
						t.Fatal(err)
					}
					if part[0] != want[0] || part[1] != 42 || part[2] != want[2] {
						t.Fatalf("after partial write: %v, want [%v 42 %v]", part, want[0], want[2])
					}
				}
				b.Release()
			}
		})
	}
}

func TestBufferRangeErrors(t *testing.T) {
	d := gputest.Open(t, gpu.Options{})
	b, err := d.NewBuffer(16)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.WriteFloat32(3, []float32{1, 2}); err == nil {
		t.Error("write past the end: no error")
	}
	if err := b.ReadFloat32(-1, make([]float32, 1)); err == nil {
		t.Error("read at a negative offset: no error")
	}
	if _, err := d.NewBuffer(0); err == nil {
		t.Error("zero-size buffer: no error")
	}
}

func TestOversizedBufferError(t *testing.T) {
	d := gputest.Open(t, gpu.Options{})
	limit := int(d.Info().MaxStorageBufferRange)
	_, err := d.NewBuffer(limit + 4)
	if !errors.Is(err, gpu.ErrTooLarge) {
		t.Fatalf("NewBuffer(max range + 4) error = %v, want ErrTooLarge", err)
	}
	if !strings.Contains(err.Error(), "smaller batch") {
		t.Errorf("error %q does not suggest a fix", err)
	}

	// Exactly the limit is allowed where the heap has room for it.
	if uint64(limit) < d.Info().Heaps[0].Size/4 {
		b, err := d.NewBuffer(limit)
		if err != nil {
			t.Fatalf("NewBuffer(max range) error = %v", err)
		}
		b.Release()
	}
}

// TestReplayWithNewInputs replays one recording many times, rewriting its
// input between runs, and checks every result against the CPU.
func TestReplayWithNewInputs(t *testing.T) {
	for _, staged := range []bool{false, true} {
		d := gputest.Open(t, gpu.Options{ForceStaging: staged})
		ks := kernels.New(d)
		const n = 1001
		x, _ := d.NewBuffer(4 * n)
		y, _ := d.NewBuffer(4 * n)

		rec, err := d.NewRecording(0)
		if err != nil {
			t.Fatal(err)
		}
		if err := ks.Fill(rec, y, 0, n, 0.5); err != nil {
			t.Fatal(err)
		}
		rec.Barrier()
		if err := ks.Axpy(rec, n, 3, x, 0, y, 0); err != nil {
			t.Fatal(err)
		}
		if err := rec.End(); err != nil {
			t.Fatal(err)
		}

		rng := rand.New(rand.NewPCG(3, 4))
		got := make([]float32, n)
		for run := 0; run < 50; run++ {
			in := randomFloats(rng, n)
			if err := x.WriteFloat32(0, in); err != nil {
				t.Fatal(err)
			}
			if err := rec.Run(10 * time.Second); err != nil {
				t.Fatal(err)
			}
			if err := y.ReadFloat32(0, got); err != nil {
				t.Fatal(err)
			}
			for i := range in {
				want := 3*in[i] + 0.5
				if diff := got[i] - want; diff > 1e-6 || diff < -1e-6 {
					t.Fatalf("staged=%v run %d: y[%d] = %v, want %v", staged, run, i, got[i], want)
				}
			}
		}
	}
}

func TestTimestampsIncrease(t *testing.T) {
	d := gputest.Open(t, gpu.Options{})
	if !d.Info().TimestampsSupported {
		t.Skip("device has no timestamps on its compute queue")
	}
	ks := kernels.New(d)
	const n = 1 << 20
	y, _ := d.NewBuffer(4 * n)

	rec, err := d.NewRecording(4)
	if err != nil {
		t.Fatal(err)
	}
	rec.Timestamp("start")
	for i := 0; i < 3; i++ {
		ks.Fill(rec, y, 0, n, float32(i))
		rec.Barrier()
		rec.Timestamp("fill")
	}
	if err := rec.End(); err != nil {
		t.Fatal(err)
	}
	for run := 0; run < 3; run++ {
		if err := rec.Run(10 * time.Second); err != nil {
			t.Fatal(err)
		}
		ns, labels, err := rec.Timestamps()
		if err != nil {
			t.Fatal(err)
		}
		if len(ns) != 4 || labels[0] != "start" {
			t.Fatalf("got %d timestamps %v, want 4 starting with start", len(ns), labels)
		}
		for i := 1; i < len(ns); i++ {
			if ns[i] <= ns[i-1] {
				t.Errorf("run %d: timestamp %d (%v ns) not after %d (%v ns)", run, i, ns[i], i-1, ns[i-1])
			}
		}
	}
}

// residentBytes reads the resident set size from /proc/self/statm. The C
// heap, where leaks of binding copies would land, is invisible to
// runtime.MemStats.
func residentBytes(t *testing.T) int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skipf("resident set size unavailable: %v", err)
	}
	var size, resident int64
	if _, err := fmtSscan(string(data), &size, &resident); err != nil {
		t.Fatalf("parsing /proc/self/statm %q: %v", data, err)
	}
	return resident * int64(os.Getpagesize())
}

func TestReplayMemoryStable(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 replays; skipped with -short")
	}
	d := gputest.Open(t, gpu.Options{})
	ks := kernels.New(d)
	x, _ := d.NewBuffer(4 * 64)
	y, _ := d.NewBuffer(4 * 64)
	rec, err := d.NewRecording(2)
	if err != nil {
		t.Fatal(err)
	}
	rec.Timestamp("start")
	ks.Axpy(rec, 64, 1, x, 0, y, 0)
	rec.Timestamp("end")
	if err := rec.End(); err != nil {
		t.Fatal(err)
	}

	var at1000 int64
	for i := 1; i <= 10000; i++ {
		if err := rec.Run(10 * time.Second); err != nil {
			t.Fatal(err)
		}
		if _, _, err := rec.Timestamps(); err != nil {
			t.Fatal(err)
		}
		if i == 1000 {
			at1000 = residentBytes(t)
		}
	}
	growth := residentBytes(t) - at1000
	t.Logf("resident set grew by %d bytes between replay 1,000 and 10,000", growth)
	if growth >= 1<<20 {
		t.Errorf("resident set grew by %d bytes over 9,000 replays, want < 1 MiB", growth)
	}
}

func TestPipelineCacheFile(t *testing.T) {
	dir := t.TempDir()
	for run := 0; run < 2; run++ {
		d := gputest.Open(t, gpu.Options{PipelineCacheDir: dir})
		ks := kernels.New(d)
		y, _ := d.NewBuffer(16)
		rec, _ := d.NewRecording(0)
		if err := ks.Fill(rec, y, 0, 4, 1); err != nil {
			t.Fatal(err)
		}
		if err := rec.End(); err != nil {
			t.Fatal(err)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.bin"))
		if len(files) != 1 {
			t.Fatalf("run %d: %d cache files in %s, want 1", run, len(files), dir)
		}
	}
}

func TestDevicesListsPick(t *testing.T) {
	gputest.Open(t, gpu.Options{}) // skips without Vulkan
	infos, pick, err := gpu.Devices(gpu.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if pick < 0 || pick >= len(infos) {
		t.Fatalf("pick %d outside %d devices", pick, len(infos))
	}
	for i, info := range infos {
		if info.Index != i || info.Name == "" || info.APIVersion == "" {
			t.Errorf("device %d: incomplete description %+v", i, info)
		}
	}

	_, _, err = gpu.Devices(gpu.Options{DeviceIndex: len(infos)})
	if !errors.Is(err, gpu.ErrInvalidDeviceIndex) {
		t.Errorf("Devices(index %d) error = %v, want ErrInvalidDeviceIndex", len(infos), err)
	}
}

// TestNoDeviceError runs the test binary again with VK_DRIVER_FILES naming
// a file that does not exist, so the loader finds no driver.
func TestNoDeviceError(t *testing.T) {
	if os.Getenv("VKCNN_CHILD_NO_DEVICE") == "1" {
		_, err := gpu.Open(gpu.DefaultOptions())
		if !errors.Is(err, gpu.ErrNoDevice) && !errors.Is(err, gpu.ErrNoLoader) {
			t.Fatalf("Open error = %v, want ErrNoDevice", err)
		}
		os.Stdout.WriteString("ERROR: " + err.Error() + "\n")
		return
	}
	gputest.Open(t, gpu.Options{}) // skips without Vulkan

	cmd := exec.Command(os.Args[0], "-test.run=^TestNoDeviceError$", "-test.v")
	cmd.Env = append(os.Environ(), "VKCNN_CHILD_NO_DEVICE=1", "VK_DRIVER_FILES=/nonexistent/vkcnn_icd.json", "VK_ICD_FILENAMES=/nonexistent/vkcnn_icd.json")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child failed: %v\n%s", err, out)
	}
	text := string(out)
	if !strings.Contains(text, "ERROR: gpu: no Vulkan device found") {
		t.Fatalf("child did not report the no-device error:\n%s", text)
	}
	if !strings.Contains(text, "VK_DRIVER_FILES") || !strings.Contains(text, "unset it") {
		t.Fatalf("no-device error does not name VK_DRIVER_FILES and the fix:\n%s", text)
	}
}
