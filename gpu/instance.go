package gpu

import (
	"fmt"
	"sync"

	vk "github.com/goki/vulkan"
)

const validationLayer = "VK_LAYER_KHRONOS_validation"

var (
	loadOnce sync.Once
	loadErr  error
)

// loadVulkan loads the loader library once per process and hands its
// vkGetInstanceProcAddr to the binding, whose own default loader would open
// libvulkan.so, a file that only the development packages install.
func loadVulkan() error {
	loadOnce.Do(func() {
		proc, err := openLoader()
		if err != nil {
			loadErr = err
			return
		}
		getInstanceProcAddr = proc
		vk.SetGetInstanceProcAddr(proc)
		if err := vk.Init(); err != nil {
			loadErr = fmt.Errorf("%w: %v", ErrNoLoader, err)
		}
	})
	return loadErr
}

// instance is a VkInstance with the optional validation callback.
type instance struct {
	handle     vk.Instance
	validation *validator
	apiVersion uint32
}

// cstr returns s with the NUL terminator that the binding expects.
func cstr(s string) string { return s + "\x00" }

func instanceLayers() (names map[string]bool) {
	withoutGC(func() { names = enumerateLayers() })
	return names
}

func enumerateLayers() map[string]bool {
	var count uint32
	if vk.EnumerateInstanceLayerProperties(&count, nil) != vk.Success || count == 0 {
		return nil
	}
	props := make([]vk.LayerProperties, count)
	if vk.EnumerateInstanceLayerProperties(&count, props) != vk.Success {
		return nil
	}
	names := make(map[string]bool, count)
	for i := range props[:count] {
		props[i].Deref()
		names[vk.ToString(props[i].LayerName[:])] = true
	}
	return names
}

func instanceExtensions(layer string) (names map[string]bool) {
	withoutGC(func() { names = enumerateExtensions(layer) })
	return names
}

func enumerateExtensions(layer string) map[string]bool {
	var layerName string
	if layer != "" {
		layerName = cstr(layer)
	}
	var count uint32
	if vk.EnumerateInstanceExtensionProperties(layerName, &count, nil) != vk.Success || count == 0 {
		return nil
	}
	props := make([]vk.ExtensionProperties, count)
	if vk.EnumerateInstanceExtensionProperties(layerName, &count, props) != vk.Success {
		return nil
	}
	names := make(map[string]bool, count)
	for i := range props[:count] {
		props[i].Deref()
		names[vk.ToString(props[i].ExtensionName[:])] = true
	}
	return names
}

// ValidationAvailable reports whether the Khronos validation layer is installed.
func ValidationAvailable() bool {
	if loadVulkan() != nil {
		return false
	}
	return instanceLayers()[validationLayer]
}

// newInstance creates a Vulkan 1.1 (or newer, where the loader has it)
// instance. With validation, the Khronos validation layer is enabled and a
// debug report callback counts its warnings and errors. Asking for
// validation where the layer is not installed is an error.
func newInstance(validation bool) (*instance, error) {
	if err := loadVulkan(); err != nil {
		return nil, err
	}

	apiVersion := vk.MakeVersion(1, 1, 0)
	if loaderAPIVersion() >= vk.MakeVersion(1, 2, 0) {
		apiVersion = vk.MakeVersion(1, 2, 0)
	}

	var layers, extensions []string
	var flags vk.InstanceCreateFlags
	available := instanceExtensions("")

	// MoltenVK devices are listed only when the application opts in to
	// portability (non-conformant) implementations.
	if available["VK_KHR_portability_enumeration"] {
		extensions = append(extensions, cstr("VK_KHR_portability_enumeration"))
		flags |= vk.InstanceCreateFlags(0x00000001) // VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR
	}
	if available["VK_KHR_get_physical_device_properties2"] {
		extensions = append(extensions, cstr("VK_KHR_get_physical_device_properties2"))
	}

	if validation {
		if !instanceLayers()[validationLayer] {
			return nil, fmt.Errorf("gpu: validation requested but %s is not installed (Debian/Ubuntu: apt-get install vulkan-validationlayers)", validationLayer)
		}
		layers = append(layers, cstr(validationLayer))
		if !available["VK_EXT_debug_report"] && !instanceExtensions(validationLayer)["VK_EXT_debug_report"] {
			return nil, fmt.Errorf("gpu: validation requested but VK_EXT_debug_report is not available")
		}
		extensions = append(extensions, cstr("VK_EXT_debug_report"))
	}

	appInfo := &vk.ApplicationInfo{
		SType:              vk.StructureTypeApplicationInfo,
		PApplicationName:   cstr("vkcnn"),
		ApplicationVersion: vk.MakeVersion(0, 1, 0),
		PEngineName:        cstr("vkcnn"),
		EngineVersion:      vk.MakeVersion(0, 1, 0),
		ApiVersion:         apiVersion,
	}
	createInfo := &vk.InstanceCreateInfo{
		SType:                   vk.StructureTypeInstanceCreateInfo,
		Flags:                   flags,
		PApplicationInfo:        appInfo,
		EnabledLayerCount:       uint32(len(layers)),
		PpEnabledLayerNames:     layers,
		EnabledExtensionCount:   uint32(len(extensions)),
		PpEnabledExtensionNames: extensions,
	}
	var handle vk.Instance
	r := safeCall(func() vk.Result { return vk.CreateInstance(createInfo, nil, &handle) })
	createInfo.Free()
	appInfo.Free()
	if r == vk.ErrorIncompatibleDriver {
		return nil, fmt.Errorf("%w: the Vulkan loader found no driver (vkCreateInstance: VK_ERROR_INCOMPATIBLE_DRIVER); %s", ErrNoDevice, noDeviceHint())
	}
	if err := check("vkCreateInstance", r); err != nil {
		return nil, err
	}
	if err := vk.InitInstance(handle); err != nil {
		vk.DestroyInstance(handle, nil)
		return nil, fmt.Errorf("gpu: loading instance functions: %v", err)
	}

	inst := &instance{handle: handle, apiVersion: apiVersion}
	if validation {
		v, err := newValidator(handle)
		if err != nil {
			vk.DestroyInstance(handle, nil)
			return nil, err
		}
		inst.validation = v
	}
	return inst, nil
}

func (inst *instance) destroy() {
	if inst.validation != nil {
		inst.validation.destroy(inst.handle)
		inst.validation = nil
	}
	vk.DestroyInstance(inst.handle, nil)
}

func (inst *instance) physicalDevices() ([]vk.PhysicalDevice, error) {
	var count uint32
	if err := check("vkEnumeratePhysicalDevices", vk.EnumeratePhysicalDevices(inst.handle, &count, nil)); err != nil {
		return nil, err
	}
	if count == 0 {
		return nil, nil
	}
	devices := make([]vk.PhysicalDevice, count)
	r := vk.EnumeratePhysicalDevices(inst.handle, &count, devices)
	if r != vk.Success && r != vk.Incomplete {
		return nil, check("vkEnumeratePhysicalDevices", r)
	}
	return devices[:count], nil
}
