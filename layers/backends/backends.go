// Package backends opens a layers.Backend by the name that the commands'
// -backend flag takes.
package backends

import (
	"errors"
	"fmt"

	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/layers/cpu"
	"github.com/vkcnn/vkcnn/layers/vulkan"
)

// Names lists the backends that Open accepts.
var Names = []string{"vulkan", "cpu"}

// Open returns the backend called name: "cpu", or "vulkan" on the device
// that opts chooses. Without a Vulkan driver or device the error suggests
// -backend cpu, which runs without Vulkan.
func Open(name string, opts gpu.Options) (layers.Backend, error) {
	switch name {
	case "cpu":
		return cpu.New(), nil
	case "vulkan":
		b, err := vulkan.New(opts)
		if errors.Is(err, gpu.ErrNoDevice) || errors.Is(err, gpu.ErrNoLoader) {
			return nil, fmt.Errorf("%w\n(-backend cpu runs without Vulkan)", err)
		}
		return b, err
	}
	return nil, fmt.Errorf("invalid -backend %q: want vulkan or cpu", name)
}
