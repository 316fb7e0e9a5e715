package gpu

import (
	"errors"
	"fmt"
	"os"

	vk "github.com/goki/vulkan"
)

// Sentinel errors for the states a caller is expected to handle. Errors
// returned by this package wrap one of them where one applies, so callers
// test with errors.Is.
var (
	// ErrNoLoader means the Vulkan loader library could not be loaded.
	ErrNoLoader = errors.New("gpu: Vulkan loader not found")

	// ErrNoDevice means the loader found no Vulkan device with a compute queue.
	ErrNoDevice = errors.New("gpu: no Vulkan device found")

	// ErrOutOfDeviceMemory means an allocation did not fit in device memory.
	ErrOutOfDeviceMemory = errors.New("gpu: out of device memory")

	// ErrTooLarge means one buffer exceeds what a single storage-buffer
	// binding can address on this device (maxStorageBufferRange).
	ErrTooLarge = errors.New("gpu: buffer larger than the device's max storage-buffer range")

	// ErrDeviceLost means the driver reported VK_ERROR_DEVICE_LOST. The
	// device cannot be used any more and must be closed.
	ErrDeviceLost = errors.New("gpu: device lost")

	// ErrTimeout means a submission did not finish within its timeout.
	ErrTimeout = errors.New("gpu: timed out waiting for the device")

	// ErrInvalidDeviceIndex means a device index (-device or VKCNN_DEVICE)
	// names no device.
	ErrInvalidDeviceIndex = errors.New("gpu: invalid device index")

	// ErrClosed means the device was already closed.
	ErrClosed = errors.New("gpu: device closed")
)

// noDeviceHint returns how to get a device, naming the loader variables
// that restrict which drivers the loader reads when they are set.
func noDeviceHint() string {
	for _, name := range []string{"VK_DRIVER_FILES", "VK_ICD_FILENAMES"} {
		if v := os.Getenv(name); v != "" {
			return fmt.Sprintf("%s is set to %q, so the Vulkan loader reads only the drivers listed there: unset it or fix the path", name, v)
		}
	}
	return "install a Vulkan driver (Debian/Ubuntu: apt-get install mesa-vulkan-drivers, " +
		"whose lavapipe runs Vulkan on the CPU), or train on the CPU backend"
}

// ResultError is a Vulkan result code other than VK_SUCCESS, with the call
// that returned it.
type ResultError struct {
	Call   string
	Result vk.Result
}

func (e *ResultError) Error() string {
	return fmt.Sprintf("gpu: %s failed: %s", e.Call, resultName(e.Result))
}

// Unwrap maps result codes onto the package's sentinel errors.
func (e *ResultError) Unwrap() error {
	switch e.Result {
	case vk.ErrorDeviceLost:
		return ErrDeviceLost
	case vk.ErrorOutOfDeviceMemory, vk.ErrorOutOfHostMemory:
		return ErrOutOfDeviceMemory
	case vk.Timeout:
		return ErrTimeout
	case vk.ErrorIncompatibleDriver, vk.ErrorInitializationFailed:
		return ErrNoDevice
	}
	return nil
}

// check turns a Vulkan result into an error naming the call.
func check(call string, r vk.Result) error {
	if r == vk.Success {
		return nil
	}
	return &ResultError{Call: call, Result: r}
}

func resultName(r vk.Result) string {
	names := map[vk.Result]string{
		vk.NotReady:                   "VK_NOT_READY",
		vk.Timeout:                    "VK_TIMEOUT",
		vk.Incomplete:                 "VK_INCOMPLETE",
		vk.ErrorOutOfHostMemory:       "VK_ERROR_OUT_OF_HOST_MEMORY",
		vk.ErrorOutOfDeviceMemory:     "VK_ERROR_OUT_OF_DEVICE_MEMORY",
		vk.ErrorInitializationFailed:  "VK_ERROR_INITIALIZATION_FAILED",
		vk.ErrorDeviceLost:            "VK_ERROR_DEVICE_LOST",
		vk.ErrorMemoryMapFailed:       "VK_ERROR_MEMORY_MAP_FAILED",
		vk.ErrorLayerNotPresent:       "VK_ERROR_LAYER_NOT_PRESENT",
		vk.ErrorExtensionNotPresent:   "VK_ERROR_EXTENSION_NOT_PRESENT",
		vk.ErrorFeatureNotPresent:     "VK_ERROR_FEATURE_NOT_PRESENT",
		vk.ErrorIncompatibleDriver:    "VK_ERROR_INCOMPATIBLE_DRIVER",
		vk.ErrorTooManyObjects:        "VK_ERROR_TOO_MANY_OBJECTS",
		vk.ErrorFormatNotSupported:    "VK_ERROR_FORMAT_NOT_SUPPORTED",
		vk.ErrorFragmentedPool:        "VK_ERROR_FRAGMENTED_POOL",
		vk.ErrorOutOfPoolMemory:       "VK_ERROR_OUT_OF_POOL_MEMORY",
		vk.ErrorInvalidExternalHandle: "VK_ERROR_INVALID_EXTERNAL_HANDLE",
	}
	if name, ok := names[r]; ok {
		return name
	}
	return fmt.Sprintf("VkResult(%d)", int32(r))
}
