package kernels_test

import (
	"fmt"
	"runtime/debug"
	"testing"

	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/gpu/gputest"
	"github.com/vkcnn/vkcnn/gpu/kernels"
)

// TestDevicesUnderGC opens devices, builds pipelines and records
// dispatches again and again while another goroutine allocates garbage
// with GOGC at 1, so the collector runs all the time. The binding releases
// the C copies of some structs through finalizers, so a collection in the
// middle of a Vulkan call used to free memory that the driver was
// reading, and this test crashed the process in most runs. With those
// calls made with the collector off, every fill lands.
func TestDevicesUnderGC(t *testing.T) {
	if testing.Short() {
		t.Skip("-short skips the repeated device opening")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		var keep [][]byte
		for {
			select {
			case <-stop:
				return
			default:
				keep = append(keep, make([]byte, 64<<10))
				if len(keep) > 64 {
					keep = keep[:0]
				}
			}
		}
	}()
	defer func() {
		close(stop)
		<-done
	}()

	for i := range 25 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			d := gputest.Open(t, gpu.Options{})
			ks := kernels.New(d)
			b, err := d.NewBuffer(4 * 64)
			if err != nil {
				t.Fatal(err)
			}
			run(t, d, func(r *gpu.Recording) error {
				return ks.Fill(r, b, 0, 64, float32(i))
			})
			got := make([]float32, 64)
			b.ReadFloat32(0, got)
			for j, v := range got {
				if v != float32(i) {
					t.Fatalf("element %d = %v after a fill with %d", j, v, i)
				}
			}
		})
	}
}
