//go:build windows

package gpu

import (
	"fmt"
	"syscall"
	"unsafe"
)

// openLoader loads vulkan-1.dll and returns its vkGetInstanceProcAddr entry point.
func openLoader() (unsafe.Pointer, error) {
	dll, err := syscall.LoadDLL("vulkan-1.dll")
	if err != nil {
		return nil, fmt.Errorf("%w: vulkan-1.dll: %v; %s", ErrNoLoader, err, loaderInstallHint())
	}
	proc, err := dll.FindProc("vkGetInstanceProcAddr")
	if err != nil {
		return nil, fmt.Errorf("%w: vulkan-1.dll: %v; %s", ErrNoLoader, err, loaderInstallHint())
	}
	return unsafe.Pointer(proc.Addr()), nil
}

func loaderInstallHint() string {
	return "install a GPU driver with Vulkan support or the Vulkan runtime, or use -backend cpu"
}
