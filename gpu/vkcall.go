package gpu

// This file calls a few Vulkan entry points directly, through pointers
// from vkGetInstanceProcAddr and vkGetDeviceProcAddr: the ones the binding
// lacks (vkGetPhysicalDeviceProperties2), and the submit-and-wait path,
// where the binding's wrappers allocate C copies on every call. The
// declarations below follow the Vulkan ABI on 64-bit targets, where
// non-dispatchable handles such as VkFence are pointers.

/*
#include <stdint.h>
#include <stddef.h>

typedef void (*vkcnn_void_fn)(void);
typedef vkcnn_void_fn (*vkcnn_get_proc_fn)(void *owner, const char *name);

typedef struct {
	int32_t sType;
	const void *pNext;
	uint32_t waitSemaphoreCount;
	const void *pWaitSemaphores;
	const uint32_t *pWaitDstStageMask;
	uint32_t commandBufferCount;
	void *const *pCommandBuffers;
	uint32_t signalSemaphoreCount;
	const void *pSignalSemaphores;
} vkcnn_submit_info;

typedef int32_t (*vkcnn_queue_submit_fn)(void *queue, uint32_t count, const vkcnn_submit_info *submits, uint64_t fence);
typedef int32_t (*vkcnn_wait_fences_fn)(void *device, uint32_t count, const uint64_t *fences, uint32_t waitAll, uint64_t timeout);
typedef int32_t (*vkcnn_reset_fences_fn)(void *device, uint32_t count, const uint64_t *fences);
typedef void (*vkcnn_props2_fn)(void *physicalDevice, void *properties2);

typedef struct {
	vkcnn_queue_submit_fn queue_submit;
	vkcnn_wait_fences_fn wait_fences;
	vkcnn_reset_fences_fn reset_fences;
} vkcnn_device_fns;

static void *vkcnn_instance_proc(void *gipa, void *instance, const char *name) {
	return (void *)((vkcnn_get_proc_fn)gipa)(instance, name);
}

static int vkcnn_load_device_fns(void *gipa, void *instance, void *device, vkcnn_device_fns *fns) {
	vkcnn_get_proc_fn gdpa = (vkcnn_get_proc_fn)vkcnn_instance_proc(gipa, instance, "vkGetDeviceProcAddr");
	if (!gdpa) return 0;
	fns->queue_submit = (vkcnn_queue_submit_fn)gdpa(device, "vkQueueSubmit");
	fns->wait_fences = (vkcnn_wait_fences_fn)gdpa(device, "vkWaitForFences");
	fns->reset_fences = (vkcnn_reset_fences_fn)gdpa(device, "vkResetFences");
	return fns->queue_submit && fns->wait_fences && fns->reset_fences;
}

static void vkcnn_get_properties2(void *gipa, void *instance, void *pd, void *props2) {
	vkcnn_props2_fn f = (vkcnn_props2_fn)vkcnn_instance_proc(gipa, instance, "vkGetPhysicalDeviceProperties2");
	if (!f) f = (vkcnn_props2_fn)vkcnn_instance_proc(gipa, instance, "vkGetPhysicalDeviceProperties2KHR");
	if (f) f(pd, props2);
}

static uint32_t vkcnn_instance_version(void *gipa) {
	typedef int32_t (*fn_t)(uint32_t *);
	fn_t f = (fn_t)vkcnn_instance_proc(gipa, NULL, "vkEnumerateInstanceVersion");
	uint32_t v = (1u << 22); // Vulkan 1.0 loaders lack the entry point
	if (f && f(&v) != 0) v = (1u << 22);
	return v;
}

// vkcnn_submit_wait submits one command buffer with a fence, waits for the
// fence and resets it. It returns the first result that is not VK_SUCCESS.
static int32_t vkcnn_submit_wait(const vkcnn_device_fns *fns, void *device, void *queue,
                                 void *commandBuffer, uint64_t fence, uint64_t timeoutNs) {
	vkcnn_submit_info info = {0};
	info.sType = 4; // VK_STRUCTURE_TYPE_SUBMIT_INFO
	info.commandBufferCount = 1;
	info.pCommandBuffers = &commandBuffer;
	int32_t r = fns->queue_submit(queue, 1, &info, fence);
	if (r != 0) return r;
	r = fns->wait_fences(device, 1, &fence, 1, timeoutNs);
	if (r != 0) return r;
	return fns->reset_fences(device, 1, &fence);
}
*/
import "C"

import (
	"errors"
	"time"
	"unsafe"

	vk "github.com/goki/vulkan"
)

// getInstanceProcAddr is the loader's vkGetInstanceProcAddr, set by loadVulkan.
var getInstanceProcAddr unsafe.Pointer

type deviceFns struct {
	fns C.vkcnn_device_fns
}

func loadDeviceFns(inst vk.Instance, dev vk.Device) (*deviceFns, error) {
	d := &deviceFns{}
	ok := C.vkcnn_load_device_fns(getInstanceProcAddr, unsafe.Pointer(inst), unsafe.Pointer(dev), &d.fns)
	if ok == 0 {
		return nil, errors.New("gpu: vkGetDeviceProcAddr returned no vkQueueSubmit, vkWaitForFences or vkResetFences")
	}
	return d, nil
}

// getProperties2 calls vkGetPhysicalDeviceProperties2 on a C
// VkPhysicalDeviceProperties2 that the caller allocated.
func getProperties2(inst vk.Instance, pd vk.PhysicalDevice, props2 unsafe.Pointer) {
	C.vkcnn_get_properties2(getInstanceProcAddr, unsafe.Pointer(inst), unsafe.Pointer(pd), props2)
}

// loaderAPIVersion returns the instance-level Vulkan version the loader supports.
func loaderAPIVersion() uint32 {
	return uint32(C.vkcnn_instance_version(getInstanceProcAddr))
}

// submitWait runs one command buffer to completion. The fence must be
// unsignaled; it is unsignaled again on success.
func (d *deviceFns) submitWait(dev vk.Device, queue vk.Queue, cmd vk.CommandBuffer, fence vk.Fence, timeout time.Duration) vk.Result {
	r := C.vkcnn_submit_wait(&d.fns, unsafe.Pointer(dev), unsafe.Pointer(queue), unsafe.Pointer(cmd),
		C.uint64_t(uintptr(unsafe.Pointer(fence))), C.uint64_t(uint64(timeout.Nanoseconds())))
	return vk.Result(r)
}
