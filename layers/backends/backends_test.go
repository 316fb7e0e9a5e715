package backends

import (
	"strings"
	"testing"

	"github.com/vkcnn/vkcnn/gpu"
)

func TestOpenCPU(t *testing.T) {
	b, err := Open("cpu", gpu.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Name() != "cpu" {
		t.Errorf("Open(cpu) gave backend %q", b.Name())
	}
}

func TestOpenUnknown(t *testing.T) {
	_, err := Open("metal", gpu.DefaultOptions())
	if err == nil || !strings.Contains(err.Error(), `"metal"`) || !strings.Contains(err.Error(), "vulkan or cpu") {
		t.Errorf("Open(metal): error %v, want one naming the value and the choices", err)
	}
}
