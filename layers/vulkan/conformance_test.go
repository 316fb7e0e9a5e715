package vulkan_test

import (
	"testing"

	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/gpu/gputest"
	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/layers/layertest"
	"github.com/vkcnn/vkcnn/layers/vulkan"
)

// TestConformance runs the backend-independent suite, which checks every
// operation against naive float64 references.
func TestConformance(t *testing.T) {
	layertest.TestAll(t, func(t testing.TB) layers.Backend {
		b, err := vulkan.NewOnDevice(gputest.Open(t, gpu.Options{}))
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}
