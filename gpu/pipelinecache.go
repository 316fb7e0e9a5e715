package gpu

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	vk "github.com/goki/vulkan"
)

// pipelineCache is a VkPipelineCache persisted to a file, so a second run
// skips compiling shaders. The file name carries the vendor, device and
// pipelineCacheUUID, so drivers and devices never share a file.
type pipelineCache struct {
	d       *Device
	handle  vk.PipelineCache
	path    string // empty when persistence is off
	initial []byte
}

func (d *Device) pipelineCachePath() string {
	dir := d.opts.PipelineCacheDir
	if dir == "-" {
		return ""
	}
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(base, "vkcnn", "pipelines")
	}
	name := fmt.Sprintf("%04x-%04x-%s.bin", d.info.VendorID, d.info.DeviceID, hex.EncodeToString(d.info.PipelineCacheUUID[:]))
	return filepath.Join(dir, name)
}

// validCacheHeader checks the header that the specification defines for
// pipeline cache data (version one), so a file from another device or
// driver version is dropped before it reaches the driver.
func validCacheHeader(data []byte, info Info) bool {
	if len(data) < 32 {
		return false
	}
	headerSize := binary.LittleEndian.Uint32(data[0:])
	version := binary.LittleEndian.Uint32(data[4:])
	vendor := binary.LittleEndian.Uint32(data[8:])
	device := binary.LittleEndian.Uint32(data[12:])
	return headerSize >= 32 && version == 1 && vendor == info.VendorID && device == info.DeviceID &&
		bytes.Equal(data[16:32], info.PipelineCacheUUID[:])
}

// openPipelineCache creates the device's pipeline cache from its file when
// one is valid. Any problem with the file only costs compile time, so it
// falls back to an empty cache and, failing that, to no cache at all.
func openPipelineCache(d *Device) *pipelineCache {
	pc := &pipelineCache{d: d, path: d.pipelineCachePath()}
	if pc.path != "" {
		if data, err := os.ReadFile(pc.path); err == nil && validCacheHeader(data, d.info) {
			pc.initial = data
		}
	}
	if handle, ok := pc.create(pc.initial); ok {
		pc.handle = handle
		return pc
	}
	pc.initial = nil
	if handle, ok := pc.create(nil); ok {
		pc.handle = handle
	}
	return pc
}

func (pc *pipelineCache) create(data []byte) (vk.PipelineCache, bool) {
	info := &vk.PipelineCacheCreateInfo{SType: vk.StructureTypePipelineCacheCreateInfo}
	if len(data) > 0 {
		info.InitialDataSize = uint64(len(data))
		initial := cBytes(data)
		defer freeC(initial)
		info.PInitialData = initial
	}
	var handle vk.PipelineCache
	r := safeCall(func() vk.Result { return vk.CreatePipelineCache(pc.d.handle, info, nil, &handle) })
	info.Free()
	return handle, r == vk.Success
}

// saveAndDestroy writes the cache when its contents changed, through a
// temporary file and a rename so a crash never leaves a torn file.
func (pc *pipelineCache) saveAndDestroy() error {
	if pc.handle == nil {
		return nil
	}
	defer vk.DestroyPipelineCache(pc.d.handle, pc.handle, nil)
	if pc.path == "" {
		return nil
	}

	var size uint64
	if vk.GetPipelineCacheData(pc.d.handle, pc.handle, &size, nil) != vk.Success || size == 0 {
		return nil
	}
	data := make([]byte, size)
	if vk.GetPipelineCacheData(pc.d.handle, pc.handle, &size, unsafe.Pointer(&data[0])) != vk.Success {
		return nil
	}
	data = data[:size]
	if bytes.Equal(data, pc.initial) {
		return nil
	}
	if err := writeFileAtomic(pc.path, data); err != nil {
		return fmt.Errorf("gpu: saving pipeline cache: %w", err)
	}
	return nil
}

// writeFileAtomic writes data to a temporary file beside path, syncs it and
// renames it over path.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
