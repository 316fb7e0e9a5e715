package gpu

import (
	"errors"
	"testing"

	vk "github.com/goki/vulkan"
)

// TestValidationReportsError provokes a validation error (a buffer of size
// zero, which the specification forbids) and checks the callback counts it,
// so a silent callback cannot make every other test pass vacuously.
func TestValidationReportsError(t *testing.T) {
	if !ValidationAvailable() {
		t.Skip("Khronos validation layer not installed")
	}
	d, err := Open(Options{DeviceIndex: -1, Validation: true, PipelineCacheDir: "-"})
	if errors.Is(err, ErrNoDevice) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	if n, _ := d.ValidationMessages(); n != 0 {
		t.Fatalf("%d validation messages before the invalid call", n)
	}
	info := &vk.BufferCreateInfo{
		SType: vk.StructureTypeBufferCreateInfo,
		Size:  0,
		Usage: vk.BufferUsageFlags(vk.BufferUsageStorageBufferBit),
	}
	var buffer vk.Buffer
	r := vk.CreateBuffer(d.handle, info, nil, &buffer)
	info.Free()
	if r == vk.Success {
		vk.DestroyBuffer(d.handle, buffer, nil)
	}

	n, messages := d.ValidationMessages()
	if n == 0 {
		t.Fatal("validation layer reported nothing for a zero-size buffer")
	}
	t.Logf("reported: %s", messages[0])
}
