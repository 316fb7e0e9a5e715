package main

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/vkcnn/vkcnn/bench"
	"github.com/vkcnn/vkcnn/gpu"
)

// hostInfo describes this machine. The CPU model and memory come from
// /proc on Linux and stay empty elsewhere.
func hostInfo() bench.Host {
	h := bench.Host{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUCores: runtime.NumCPU(), GoVersion: runtime.Version()}
	h.CPUModel = procField("/proc/cpuinfo", "model name")
	if h.CPUModel == "" {
		h.CPUModel = procField("/proc/cpuinfo", "Model") // arm64 kernels
	}
	if kb := strings.TrimSuffix(procField("/proc/meminfo", "MemTotal"), " kB"); kb != "" {
		if n, err := strconv.ParseInt(strings.TrimSpace(kb), 10, 64); err == nil {
			h.MemoryBytes = n << 10
		}
	}
	return h
}

// procField returns the value of the first "key : value" line of a /proc
// file, or "" when the file or the key is absent.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		name, value, ok := strings.Cut(s.Text(), ":")
		if ok && strings.TrimSpace(name) == key {
			return strings.TrimSpace(value)
		}
	}
	return ""
}

// deviceInfo converts a Vulkan device description for the results file.
func deviceInfo(info gpu.Info) bench.Device {
	d := bench.Device{
		Name: info.Name, Vendor: info.Vendor, VendorID: info.VendorID, DeviceID: info.DeviceID,
		DriverName: info.DriverName, DriverInfo: info.DriverInfo, DriverVersion: info.DriverVersion,
		APIVersion: info.APIVersion, SubgroupSize: int(info.SubgroupSize),
	}
	switch info.Type {
	case gpu.TypeDiscrete:
		d.Type = bench.DeviceDiscrete
	case gpu.TypeIntegrated:
		d.Type = bench.DeviceIntegrated
	case gpu.TypeVirtual:
		d.Type = bench.DeviceVirtual
	case gpu.TypeCPU:
		d.Type = bench.DeviceCPU
	default:
		d.Type = bench.DeviceOther
	}
	for _, heap := range info.Heaps {
		if heap.DeviceLocal {
			d.MemoryBytes += int64(heap.Size)
		}
	}
	return d
}
