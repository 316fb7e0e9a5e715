// Package gpu runs SPIR-V compute shaders through Vulkan on any vendor's
// driver, and on Mesa's lavapipe where there is no GPU. It has no notion
// of neural networks.
//
// Open picks and opens a device (Devices lists them all). Buffers are
// sub-allocated from a few large memory blocks, mapped directly where the
// device has host-visible memory and copied through staging buffers where
// it does not. NewKernel builds a compute pipeline with push and
// specialization constants through a pipeline cache kept in the user's
// cache directory. A Recording is a command buffer of dispatches,
// barriers, copies and timestamps, recorded once and run any number of
// times. Driver failures come back as errors that wrap the sentinels
// ErrNoLoader, ErrNoDevice, ErrOutOfDeviceMemory, ErrTooLarge,
// ErrDeviceLost and ErrTimeout; nothing here panics on a driver result.
//
// The binding is github.com/goki/vulkan; the package loads the Vulkan
// loader library itself and calls the submit-and-wait path directly.
package gpu
