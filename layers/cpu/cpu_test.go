package cpu_test

import (
	"testing"

	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/layers/cpu"
	"github.com/vkcnn/vkcnn/layers/layertest"
)

// TestConformance runs the backend conformance suite on the float32 backend.
func TestConformance(t *testing.T) {
	layertest.TestAll(t, func(testing.TB) layers.Backend { return cpu.New() })
}
