package gpu

/*
#include <stdlib.h>
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"

	vk "github.com/goki/vulkan"
)

// maxKeptMessages bounds how many validation messages a validator stores;
// the count goes on past it.
const maxKeptMessages = 100

// validator counts the validation layer's warning and error messages for
// one instance.
type validator struct {
	callback vk.DebugReportCallback
	token    unsafe.Pointer // C memory whose address identifies this validator to the callback

	mu       sync.Mutex
	count    int
	messages []string
}

var (
	validatorsMu sync.Mutex
	validators   = map[unsafe.Pointer]*validator{}
)

// onDebugReport is the one callback the binding can hold per process, so
// it finds the validator from the user-data pointer.
func onDebugReport(flags vk.DebugReportFlags, _ vk.DebugReportObjectType, _ uint64, _ uint64,
	code int32, prefix string, message string, userData unsafe.Pointer) vk.Bool32 {
	validatorsMu.Lock()
	v := validators[userData]
	validatorsMu.Unlock()
	if v == nil {
		return vk.False
	}

	severity := "warning"
	if vk.DebugReportFlagBits(flags)&vk.DebugReportErrorBit != 0 {
		severity = "error"
	} else if vk.DebugReportFlagBits(flags)&vk.DebugReportPerformanceWarningBit != 0 {
		severity = "performance warning"
	}

	v.mu.Lock()
	v.count++
	if len(v.messages) < maxKeptMessages {
		v.messages = append(v.messages, fmt.Sprintf("%s %s [%d]: %s", prefix, severity, code, message))
	}
	v.mu.Unlock()
	return vk.False
}

func newValidator(inst vk.Instance) (*validator, error) {
	v := &validator{token: C.malloc(1)}
	validatorsMu.Lock()
	validators[v.token] = v
	validatorsMu.Unlock()

	info := &vk.DebugReportCallbackCreateInfo{
		SType: vk.StructureTypeDebugReportCallbackCreateInfo,
		Flags: vk.DebugReportFlags(vk.DebugReportErrorBit | vk.DebugReportWarningBit |
			vk.DebugReportPerformanceWarningBit),
		PfnCallback: onDebugReport,
		PUserData:   v.token,
	}
	var callback vk.DebugReportCallback
	r := safeCall(func() vk.Result { return vk.CreateDebugReportCallback(inst, info, nil, &callback) })
	info.Free()
	if err := check("vkCreateDebugReportCallbackEXT", r); err != nil {
		v.forget()
		return nil, err
	}
	v.callback = callback
	return v, nil
}

func (v *validator) forget() {
	validatorsMu.Lock()
	delete(validators, v.token)
	validatorsMu.Unlock()
	C.free(v.token)
}

func (v *validator) destroy(inst vk.Instance) {
	vk.DestroyDebugReportCallback(inst, v.callback, nil)
	v.forget()
}

func (v *validator) snapshot() (int, []string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.count, append([]string(nil), v.messages...)
}
