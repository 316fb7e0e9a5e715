package gpu_test

import (
	"testing"

	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/gpu/gputest"
)

// TestMemoryUsage checks that a buffer adds its size, rounded up to the
// allocator's alignment, to the memory in use, and gives it back on
// release.
func TestMemoryUsage(t *testing.T) {
	d := gputest.Open(t, gpu.Options{})
	before := d.MemoryUsage()

	const size = 1000003
	buf, err := d.NewBuffer(size)
	if err != nil {
		t.Fatal(err)
	}
	during := d.MemoryUsage()
	align := max(d.Info().MinStorageBufferOffsetAlignment, 64)
	if grew := during.InUse - before.InUse; grew < size || grew >= size+align {
		t.Errorf("a %d-byte buffer raised the memory in use by %d bytes, want %d to %d", size, grew, size, size+align-1)
	}
	if during.Allocated < during.InUse {
		t.Errorf("allocated %d bytes, less than the %d in use", during.Allocated, during.InUse)
	}

	buf.Release()
	if after := d.MemoryUsage(); after.InUse != before.InUse {
		t.Errorf("after release %d bytes in use, want the %d before", after.InUse, before.InUse)
	}
}
