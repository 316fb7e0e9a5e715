package gpu

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	vk "github.com/goki/vulkan"
)

// Options configures Open.
type Options struct {
	// DeviceIndex selects a device by its index in vkEnumeratePhysicalDevices.
	// A negative value selects VKCNN_DEVICE when set, else the best device by
	// type: discrete, integrated, virtual, then CPU.
	DeviceIndex int

	// Validation enables the Khronos validation layer and counts its warning
	// and error messages (see Device.ValidationMessages).
	Validation bool

	// ForceStaging copies every buffer transfer through a staging buffer even
	// where device memory is host-visible, as on discrete GPUs. Tests use it
	// to exercise the staged path on lavapipe.
	ForceStaging bool

	// PipelineCacheDir holds the pipeline cache file. Empty means
	// vkcnn/pipelines under os.UserCacheDir(); "-" disables the cache.
	PipelineCacheDir string
}

// DefaultOptions returns options that select the device automatically.
func DefaultOptions() Options { return Options{DeviceIndex: -1} }

// Device is an open Vulkan device with one compute queue.
type Device struct {
	info Info
	opts Options

	inst     *instance
	physical vk.PhysicalDevice
	handle   vk.Device
	queue    vk.Queue
	family   uint32
	fns      *deviceFns

	memory      *allocator
	cmdPool     vk.CommandPool
	fence       vk.Fence
	pipelines   *pipelineCache
	submitMu    sync.Mutex
	closed      bool
	resources   []func() // destructors of kernels and recordings, run by Close in reverse order
	finalCount  int
	finalErrors []string
}

// Devices lists every Vulkan device and returns the index of the one that
// Open would pick with opts. With no device it returns ErrNoDevice.
func Devices(opts Options) ([]Info, int, error) {
	inst, err := newInstance(false)
	if err != nil {
		return nil, -1, err
	}
	defer inst.destroy()

	physical, err := inst.physicalDevices()
	if err != nil {
		return nil, -1, err
	}
	infos := make([]Info, len(physical))
	for i, pd := range physical {
		infos[i] = describe(inst.handle, i, pd)
	}
	if len(infos) == 0 {
		return nil, -1, fmt.Errorf("%w; %s", ErrNoDevice, noDeviceHint())
	}
	pick, err := pickDevice(infos, physical, opts.DeviceIndex)
	return infos, pick, err
}

// pickDevice applies the selection rule of Options.DeviceIndex.
func pickDevice(infos []Info, physical []vk.PhysicalDevice, index int) (int, error) {
	source := "-device"
	if index < 0 {
		if env := os.Getenv("VKCNN_DEVICE"); env != "" {
			n, err := strconv.Atoi(env)
			if err != nil || n < 0 {
				return -1, fmt.Errorf("%w: VKCNN_DEVICE=%q: %s", ErrInvalidDeviceIndex, env, deviceRange(infos))
			}
			index, source = n, "VKCNN_DEVICE"
		}
	}
	if index >= 0 {
		if index >= len(infos) {
			return -1, fmt.Errorf("%w %d (from %s): %s", ErrInvalidDeviceIndex, index, source, deviceRange(infos))
		}
		if _, ok := computeQueueFamily(physical[index]); !ok {
			return -1, fmt.Errorf("%w: device %d (%s) has no compute queue", ErrNoDevice, index, infos[index].Name)
		}
		return index, nil
	}

	order := make([]int, 0, len(infos))
	for i := range infos {
		if _, ok := computeQueueFamily(physical[i]); ok {
			order = append(order, i)
		}
	}
	if len(order) == 0 {
		return -1, fmt.Errorf("%w: no device has a compute queue; %s", ErrNoDevice, noDeviceHint())
	}
	sort.SliceStable(order, func(a, b int) bool { return infos[order[a]].Type.rank() < infos[order[b]].Type.rank() })
	return order[0], nil
}

// deviceRange names the valid device indices and the devices.
func deviceRange(infos []Info) string {
	names := make([]string, len(infos))
	for i, info := range infos {
		names[i] = fmt.Sprintf("%d (%s)", i, info.Name)
	}
	return fmt.Sprintf("the devices are %s (go run ./cmd/vkinfo describes them)", strings.Join(names, ", "))
}

// Open creates a logical device with one compute queue.
func Open(opts Options) (*Device, error) {
	inst, err := newInstance(opts.Validation)
	if err != nil {
		return nil, err
	}
	d := &Device{inst: inst, opts: opts}
	if err := d.open(); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func (d *Device) open() error {
	physical, err := d.inst.physicalDevices()
	if err != nil {
		return err
	}
	if len(physical) == 0 {
		return fmt.Errorf("%w; %s", ErrNoDevice, noDeviceHint())
	}
	infos := make([]Info, len(physical))
	for i, pd := range physical {
		infos[i] = describe(d.inst.handle, i, pd)
	}
	index, err := pickDevice(infos, physical, d.opts.DeviceIndex)
	if err != nil {
		return err
	}
	d.info, d.physical = infos[index], physical[index]
	family, _ := computeQueueFamily(d.physical)
	d.family = family.index

	if err := d.createLogicalDevice(); err != nil {
		return err
	}
	fns, err := loadDeviceFns(d.inst.handle, d.handle)
	if err != nil {
		return err
	}
	d.fns = fns

	var queue vk.Queue
	vk.GetDeviceQueue(d.handle, d.family, 0, &queue)
	d.queue = queue

	poolInfo := &vk.CommandPoolCreateInfo{
		SType:            vk.StructureTypeCommandPoolCreateInfo,
		Flags:            vk.CommandPoolCreateFlags(vk.CommandPoolCreateResetCommandBufferBit),
		QueueFamilyIndex: d.family,
	}
	var pool vk.CommandPool
	r := safeCall(func() vk.Result { return vk.CreateCommandPool(d.handle, poolInfo, nil, &pool) })
	poolInfo.Free()
	if err := check("vkCreateCommandPool", r); err != nil {
		return err
	}
	d.cmdPool = pool

	fenceInfo := &vk.FenceCreateInfo{SType: vk.StructureTypeFenceCreateInfo}
	var fence vk.Fence
	r = safeCall(func() vk.Result { return vk.CreateFence(d.handle, fenceInfo, nil, &fence) })
	fenceInfo.Free()
	if err := check("vkCreateFence", r); err != nil {
		return err
	}
	d.fence = fence

	d.memory = newAllocator(d)
	d.pipelines = openPipelineCache(d)
	return nil
}

func (d *Device) createLogicalDevice() error {
	var extensions []string
	if d.info.Portability {
		// The specification requires enabling the subset where it is listed.
		extensions = append(extensions, cstr("VK_KHR_portability_subset"))
	}
	queueInfo := vk.DeviceQueueCreateInfo{
		SType:            vk.StructureTypeDeviceQueueCreateInfo,
		QueueFamilyIndex: d.family,
		QueueCount:       1,
		PQueuePriorities: []float32{1},
	}
	createInfo := &vk.DeviceCreateInfo{
		SType:                   vk.StructureTypeDeviceCreateInfo,
		QueueCreateInfoCount:    1,
		PQueueCreateInfos:       []vk.DeviceQueueCreateInfo{queueInfo},
		EnabledExtensionCount:   uint32(len(extensions)),
		PpEnabledExtensionNames: extensions,
	}
	var handle vk.Device
	r := safeCall(func() vk.Result { return vk.CreateDevice(d.physical, createInfo, nil, &handle) })
	createInfo.Free()
	if err := check("vkCreateDevice", r); err != nil {
		return fmt.Errorf("%w (device %d, %s)", err, d.info.Index, d.info.Name)
	}
	d.handle = handle
	return nil
}

// Info describes the open device.
func (d *Device) Info() Info { return d.info }

// ValidationMessages returns how many warning and error messages the
// validation layer reported so far, and the first of them. Both are zero
// without validation. After Close they include messages reported while
// the device was destroyed, such as objects that were never released.
func (d *Device) ValidationMessages() (int, []string) {
	if d.inst != nil && d.inst.validation != nil {
		return d.inst.validation.snapshot()
	}
	return d.finalCount, d.finalErrors
}

// addResource registers a destructor that Close runs.
func (d *Device) addResource(destroy func()) {
	d.resources = append(d.resources, destroy)
}

// Close waits for the device to finish, saves the pipeline cache and
// releases every object created through the device. Calling it again does
// nothing.
func (d *Device) Close() error {
	if d.closed {
		return nil
	}
	d.closed = true

	var saveErr error
	if d.handle != nil {
		vk.DeviceWaitIdle(d.handle)
		for i := len(d.resources) - 1; i >= 0; i-- {
			d.resources[i]()
		}
		d.resources = nil
		if d.pipelines != nil {
			saveErr = d.pipelines.saveAndDestroy()
		}
		if d.memory != nil {
			d.memory.destroy()
		}
		if d.fence != nil {
			vk.DestroyFence(d.handle, d.fence, nil)
		}
		if d.cmdPool != nil {
			vk.DestroyCommandPool(d.handle, d.cmdPool, nil)
		}
		vk.DestroyDevice(d.handle, nil)
		d.handle = nil
	}
	if d.inst != nil {
		if d.inst.validation != nil {
			d.finalCount, d.finalErrors = d.inst.validation.snapshot()
		}
		d.inst.destroy()
		d.inst = nil
	}
	return saveErr
}

func (d *Device) checkOpen() error {
	if d.closed || d.handle == nil {
		return ErrClosed
	}
	return nil
}
