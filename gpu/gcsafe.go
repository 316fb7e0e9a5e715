package gpu

import (
	"runtime/debug"
	"sync"

	vk "github.com/goki/vulkan"
)

// The binding converts slices in Vulkan structs (extension names, queue
// create infos, descriptor writes, specialization data) into C memory
// whose release it hangs on a finalizer of a local variable. A garbage
// collection during the call that reads that memory can free it early,
// which corrupted the C heap in about one test run in ten (the
// TestDevicesUnderGC stress test crashed every run). So every binding
// call that converts such data runs with the collector off. Setting GC
// percent -1 also waits for a running mark phase to end, so no collection
// can start, and no such finalizer can run, until the collector is on
// again. An explicit runtime.GC or debug.FreeOSMemory still collects, so
// a program must not call them while another goroutine uses a device.
var gcOff struct {
	sync.Mutex
	depth   int
	percent int
}

// withoutGC runs f with the garbage collector off. Calls may nest and may
// overlap from several goroutines; the collector comes back on when the
// last one returns.
func withoutGC(f func()) {
	gcOff.Lock()
	if gcOff.depth == 0 {
		gcOff.percent = debug.SetGCPercent(-1)
	}
	gcOff.depth++
	gcOff.Unlock()

	defer func() {
		gcOff.Lock()
		gcOff.depth--
		if gcOff.depth == 0 {
			debug.SetGCPercent(gcOff.percent)
		}
		gcOff.Unlock()
	}()
	f()
}

// safeCall runs a binding call that returns a result with the garbage
// collector off (see withoutGC).
func safeCall(f func() vk.Result) vk.Result {
	var r vk.Result
	withoutGC(func() { r = f() })
	return r
}
