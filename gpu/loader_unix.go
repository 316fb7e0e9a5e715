//go:build linux || darwin || freebsd

package gpu

/*
#cgo linux LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>

static void *vkcnn_dlopen(const char *name) { return dlopen(name, RTLD_NOW | RTLD_LOCAL); }
static const char *vkcnn_dlerror(void) { const char *e = dlerror(); return e ? e : ""; }
*/
import "C"

import (
	"fmt"
	"runtime"
	"strings"
	"unsafe"
)

// loaderNames lists the Vulkan loader's runtime library, most specific first.
// The unversioned libvulkan.so is shipped only by development packages, so it
// is tried last.
func loaderNames() []string {
	if runtime.GOOS == "darwin" {
		return []string{"libvulkan.1.dylib", "libvulkan.dylib", "libMoltenVK.dylib"}
	}
	return []string{"libvulkan.so.1", "libvulkan.so"}
}

// openLoader loads the Vulkan loader library and returns its
// vkGetInstanceProcAddr entry point.
func openLoader() (unsafe.Pointer, error) {
	var reasons []string
	for _, name := range loaderNames() {
		cname := C.CString(name)
		handle := C.vkcnn_dlopen(cname)
		C.free(unsafe.Pointer(cname))
		if handle == nil {
			reasons = append(reasons, C.GoString(C.vkcnn_dlerror()))
			continue
		}

		csym := C.CString("vkGetInstanceProcAddr")
		proc := C.dlsym(handle, csym)
		C.free(unsafe.Pointer(csym))
		if proc == nil {
			reasons = append(reasons, name+": vkGetInstanceProcAddr not exported")
			continue
		}
		return proc, nil
	}
	return nil, fmt.Errorf("%w: %s; %s", ErrNoLoader, strings.Join(reasons, "; "), loaderInstallHint())
}

func loaderInstallHint() string {
	if runtime.GOOS == "darwin" {
		return "install the Vulkan SDK or MoltenVK (brew install molten-vk vulkan-loader), or use -backend cpu"
	}
	return "install the Vulkan loader (Debian/Ubuntu: apt-get install libvulkan1 mesa-vulkan-drivers), or use -backend cpu"
}
