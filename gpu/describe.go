package gpu

import (
	"fmt"
	"strings"
	"unsafe"

	vk "github.com/goki/vulkan"
)

// DeviceType is the kind of a Vulkan physical device.
type DeviceType int

// Device types, with the values of VkPhysicalDeviceType.
const (
	TypeOther DeviceType = iota
	TypeIntegrated
	TypeDiscrete
	TypeVirtual
	TypeCPU
)

func (t DeviceType) String() string {
	switch t {
	case TypeIntegrated:
		return "integrated GPU"
	case TypeDiscrete:
		return "discrete GPU"
	case TypeVirtual:
		return "virtual GPU"
	case TypeCPU:
		return "CPU"
	}
	return "other"
}

// rank orders device types for automatic selection: lower is preferred.
func (t DeviceType) rank() int {
	switch t {
	case TypeDiscrete:
		return 0
	case TypeIntegrated:
		return 1
	case TypeVirtual:
		return 2
	case TypeCPU:
		return 3
	}
	return 4
}

// Heap is one Vulkan memory heap.
type Heap struct {
	Size        uint64
	DeviceLocal bool
}

// Info describes a physical device.
type Info struct {
	Index         int // position in vkEnumeratePhysicalDevices, as -device and VKCNN_DEVICE take it
	Name          string
	VendorID      uint32
	Vendor        string
	DeviceID      uint32
	Type          DeviceType
	DriverName    string // empty where the device lacks VK_KHR_driver_properties
	DriverInfo    string
	DriverVersion string // decoded with the vendor's scheme where it is known
	APIVersion    string

	SubgroupSize                    uint32
	MaxWorkgroupSize                [3]uint32
	MaxWorkgroupCount               [3]uint32
	MaxWorkgroupInvocations         uint32
	SharedMemoryBytes               uint32 // maxComputeSharedMemorySize
	MaxStorageBufferRange           uint32
	MaxPushConstantsSize            uint32
	MinStorageBufferOffsetAlignment uint64
	TimestampPeriodNs               float32 // nanoseconds per timestamp tick
	TimestampsSupported             bool    // compute queue has timestampValidBits > 0
	Heaps                           []Heap
	Portability                     bool // the device is a portability (non-conformant) implementation such as MoltenVK

	PipelineCacheUUID [16]byte
}

// vendorName maps PCI vendor ids (and Khronos ids for software vendors).
func vendorName(id uint32) string {
	switch id {
	case 0x1002:
		return "AMD"
	case 0x10DE:
		return "NVIDIA"
	case 0x8086:
		return "Intel"
	case 0x106B:
		return "Apple"
	case 0x13B5:
		return "ARM"
	case 0x5143:
		return "Qualcomm"
	case 0x1010:
		return "Imagination"
	case 0x10005:
		return "Mesa"
	case 0x10002:
		return "VeriSilicon"
	}
	return fmt.Sprintf("0x%04X", id)
}

func versionString(v uint32) string {
	return fmt.Sprintf("%d.%d.%d", v>>22, (v>>12)&0x3FF, v&0xFFF)
}

// driverVersionString decodes driverVersion, whose layout is vendor-defined:
// NVIDIA packs 10.8.8.6 bits, Intel on Windows 18.14 bits, and the others
// follow VK_MAKE_VERSION.
func driverVersionString(vendor, v uint32) string {
	switch vendor {
	case 0x10DE:
		return fmt.Sprintf("%d.%d.%d.%d", v>>22, (v>>14)&0xFF, (v>>6)&0xFF, v&0x3F)
	}
	return versionString(v)
}

func describe(inst vk.Instance, index int, pd vk.PhysicalDevice) (info Info) {
	withoutGC(func() { info = describeDevice(inst, index, pd) })
	return info
}

// describeDevice queries the device's properties, limits, heaps and
// extensions.
func describeDevice(inst vk.Instance, index int, pd vk.PhysicalDevice) Info {
	var props vk.PhysicalDeviceProperties
	vk.GetPhysicalDeviceProperties(pd, &props)
	props.Deref()
	props.Limits.Deref()
	limits := props.Limits

	info := Info{
		Index:                           index,
		Name:                            vk.ToString(props.DeviceName[:]),
		VendorID:                        props.VendorID,
		Vendor:                          vendorName(props.VendorID),
		DeviceID:                        props.DeviceID,
		Type:                            DeviceType(props.DeviceType),
		DriverVersion:                   driverVersionString(props.VendorID, props.DriverVersion),
		APIVersion:                      versionString(props.ApiVersion),
		MaxWorkgroupSize:                limits.MaxComputeWorkGroupSize,
		MaxWorkgroupCount:               limits.MaxComputeWorkGroupCount,
		MaxWorkgroupInvocations:         limits.MaxComputeWorkGroupInvocations,
		SharedMemoryBytes:               limits.MaxComputeSharedMemorySize,
		MaxStorageBufferRange:           limits.MaxStorageBufferRange,
		MaxPushConstantsSize:            limits.MaxPushConstantsSize,
		MinStorageBufferOffsetAlignment: uint64(limits.MinStorageBufferOffsetAlignment),
		TimestampPeriodNs:               limits.TimestampPeriod,
		PipelineCacheUUID:               props.PipelineCacheUUID,
	}

	extensions := deviceExtensions(pd)
	info.Portability = extensions["VK_KHR_portability_subset"]
	describeSubgroupAndDriver(inst, &info, pd, props.ApiVersion, extensions)

	var memProps vk.PhysicalDeviceMemoryProperties
	vk.GetPhysicalDeviceMemoryProperties(pd, &memProps)
	memProps.Deref()
	for i := uint32(0); i < memProps.MemoryHeapCount; i++ {
		heap := memProps.MemoryHeaps[i]
		heap.Deref()
		info.Heaps = append(info.Heaps, Heap{
			Size:        uint64(heap.Size),
			DeviceLocal: vk.MemoryHeapFlagBits(heap.Flags)&vk.MemoryHeapDeviceLocalBit != 0,
		})
	}

	if family, ok := computeQueueFamily(pd); ok {
		info.TimestampsSupported = family.timestampBits > 0 && limits.TimestampPeriod > 0
	}
	return info
}

// describeSubgroupAndDriver fills the fields that only
// vkGetPhysicalDeviceProperties2 reports, through a pNext chain of C structs.
func describeSubgroupAndDriver(inst vk.Instance, info *Info, pd vk.PhysicalDevice, deviceAPI uint32, extensions map[string]bool) {
	if deviceAPI < vk.MakeVersion(1, 1, 0) {
		return
	}
	subgroup := &vk.PhysicalDeviceSubgroupProperties{SType: vk.StructureTypePhysicalDeviceSubgroupProperties}
	subgroupRef, _ := subgroup.PassRef()
	defer subgroup.Free()

	next := unsafe.Pointer(subgroupRef)
	var driver *vk.PhysicalDeviceDriverProperties
	if deviceAPI >= vk.MakeVersion(1, 2, 0) || extensions["VK_KHR_driver_properties"] {
		driver = &vk.PhysicalDeviceDriverProperties{SType: vk.StructureTypePhysicalDeviceDriverProperties, PNext: next}
		driverRef, _ := driver.PassRef()
		defer driver.Free()
		next = unsafe.Pointer(driverRef)
	}

	props2 := &vk.PhysicalDeviceProperties2{SType: vk.StructureTypePhysicalDeviceProperties2, PNext: next}
	props2Ref, _ := props2.PassRef()
	getProperties2(inst, pd, unsafe.Pointer(props2Ref))
	props2.Free()

	subgroup.Deref()
	info.SubgroupSize = subgroup.SubgroupSize
	if driver != nil {
		driver.Deref()
		info.DriverName = vk.ToString(driver.DriverName[:])
		info.DriverInfo = vk.ToString(driver.DriverInfo[:])
	}
}

func deviceExtensions(pd vk.PhysicalDevice) map[string]bool {
	var count uint32
	if vk.EnumerateDeviceExtensionProperties(pd, "", &count, nil) != vk.Success || count == 0 {
		return nil
	}
	props := make([]vk.ExtensionProperties, count)
	if vk.EnumerateDeviceExtensionProperties(pd, "", &count, props) != vk.Success {
		return nil
	}
	names := make(map[string]bool, count)
	for i := range props[:count] {
		props[i].Deref()
		names[vk.ToString(props[i].ExtensionName[:])] = true
	}
	return names
}

type queueFamily struct {
	index         uint32
	timestampBits uint32
}

// computeQueueFamily picks a queue family with compute support, preferring
// one without graphics (a dedicated compute queue on discrete GPUs).
func computeQueueFamily(pd vk.PhysicalDevice) (queueFamily, bool) {
	var count uint32
	vk.GetPhysicalDeviceQueueFamilyProperties(pd, &count, nil)
	families := make([]vk.QueueFamilyProperties, count)
	vk.GetPhysicalDeviceQueueFamilyProperties(pd, &count, families)

	best, found := queueFamily{}, false
	bestHasGraphics := true
	for i := range families[:count] {
		families[i].Deref()
		flags := vk.QueueFlagBits(families[i].QueueFlags)
		if flags&vk.QueueComputeBit == 0 {
			continue
		}
		hasGraphics := flags&vk.QueueGraphicsBit != 0
		if !found || (bestHasGraphics && !hasGraphics) {
			best = queueFamily{index: uint32(i), timestampBits: families[i].TimestampValidBits}
			found, bestHasGraphics = true, hasGraphics
		}
	}
	return best, found
}

// String formats the description as indented "key: value" lines.
func (info Info) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\n", info.Name)
	fmt.Fprintf(&b, "vendor: %s (0x%04X), device id 0x%04X\n", info.Vendor, info.VendorID, info.DeviceID)
	fmt.Fprintf(&b, "type: %s\n", info.Type)
	driver := info.DriverName
	if driver == "" {
		driver = "unknown"
	}
	fmt.Fprintf(&b, "driver: %s %s", driver, info.DriverVersion)
	if info.DriverInfo != "" {
		fmt.Fprintf(&b, " (%s)", info.DriverInfo)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "Vulkan API: %s\n", info.APIVersion)
	fmt.Fprintf(&b, "subgroup size: %d\n", info.SubgroupSize)
	fmt.Fprintf(&b, "max workgroup size: %d x %d x %d, %d invocations\n",
		info.MaxWorkgroupSize[0], info.MaxWorkgroupSize[1], info.MaxWorkgroupSize[2], info.MaxWorkgroupInvocations)
	fmt.Fprintf(&b, "max workgroup count: %d x %d x %d\n",
		info.MaxWorkgroupCount[0], info.MaxWorkgroupCount[1], info.MaxWorkgroupCount[2])
	fmt.Fprintf(&b, "shared memory: %d KiB\n", info.SharedMemoryBytes/1024)
	fmt.Fprintf(&b, "max storage-buffer range: %s\n", formatBytes(uint64(info.MaxStorageBufferRange)))
	fmt.Fprintf(&b, "max push constants: %d bytes\n", info.MaxPushConstantsSize)
	for i, heap := range info.Heaps {
		kind := "host"
		if heap.DeviceLocal {
			kind = "device-local"
		}
		fmt.Fprintf(&b, "memory heap %d: %s, %s\n", i, formatBytes(heap.Size), kind)
	}
	if info.TimestampsSupported {
		fmt.Fprintf(&b, "timestamp period: %g ns\n", info.TimestampPeriodNs)
	} else {
		b.WriteString("timestamps: not supported on the compute queue\n")
	}
	if info.Portability {
		b.WriteString("portability subset: yes (non-conformant implementation, e.g. MoltenVK)\n")
	}
	return b.String()
}

func formatBytes(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
