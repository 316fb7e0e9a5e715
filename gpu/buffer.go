package gpu

import (
	"fmt"
	"time"
	"unsafe"

	vk "github.com/goki/vulkan"
)

// transferTimeout bounds the wait for a staged copy.
const transferTimeout = 60 * time.Second

// Buffer is a range of device memory that shaders bind as a storage buffer.
// It is a sub-allocation of a larger block (see allocator).
type Buffer struct {
	d        *Device
	block    *block
	offset   uint64
	size     uint64
	released bool
}

// NewBuffer allocates size bytes of storage-buffer memory. A size above
// the device's max storage-buffer range fails with ErrTooLarge, because no
// single shader binding could address it.
func (d *Device) NewBuffer(size int) (*Buffer, error) {
	if err := d.checkOpen(); err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, fmt.Errorf("gpu: invalid buffer size %d: must be positive", size)
	}
	if limit := uint64(d.info.MaxStorageBufferRange); uint64(size) > limit {
		return nil, fmt.Errorf("%w: %s requested, %s allows %s per binding; use a smaller batch",
			ErrTooLarge, formatBytes(uint64(size)), d.info.Name, formatBytes(limit))
	}
	b, offset, err := d.memory.alloc(kindStorage, uint64(size))
	if err != nil {
		return nil, err
	}
	return &Buffer{d: d, block: b, offset: offset, size: uint64(size)}, nil
}

// Size returns the buffer's size in bytes.
func (b *Buffer) Size() int { return int(b.size) }

// Release returns the buffer's memory to its block. The buffer must not be
// used by a recording that is still replayed.
func (b *Buffer) Release() {
	if b.released || b.d.closed {
		return
	}
	b.released = true
	b.d.memory.release(b.block, b.offset, b.size)
}

func (b *Buffer) checkRange(offset, n int) error {
	if b.released {
		return fmt.Errorf("gpu: buffer used after Release")
	}
	if offset < 0 || n < 0 || uint64(offset)+uint64(n) > b.size {
		return fmt.Errorf("gpu: range [%d, %d) outside buffer of %d bytes", offset, offset+n, b.size)
	}
	return b.d.checkOpen()
}

// Write copies data into the buffer at a byte offset. The device must not
// be running a recording that reads the buffer.
func (b *Buffer) Write(offset int, data []byte) error {
	if err := b.checkRange(offset, len(data)); err != nil {
		return err
	}
	if len(data) == 0 {
		return nil
	}
	if b.block.mapped != nil {
		copy(b.hostBytes(offset, len(data)), data)
		return nil
	}
	return b.d.staged(b, offset, len(data), func(staging []byte) { copy(staging, data) }, true)
}

// Read copies bytes from the buffer at a byte offset into dst.
func (b *Buffer) Read(offset int, dst []byte) error {
	if err := b.checkRange(offset, len(dst)); err != nil {
		return err
	}
	if len(dst) == 0 {
		return nil
	}
	if b.block.mapped != nil {
		copy(dst, b.hostBytes(offset, len(dst)))
		return nil
	}
	return b.d.staged(b, offset, len(dst), func(staging []byte) { copy(dst, staging) }, false)
}

// WriteFloat32 copies values into the buffer starting at element index first.
func (b *Buffer) WriteFloat32(first int, values []float32) error {
	return b.Write(first*4, float32Bytes(values))
}

// ReadFloat32 copies len(dst) values starting at element index first.
func (b *Buffer) ReadFloat32(first int, dst []float32) error {
	return b.Read(first*4, float32Bytes(dst))
}

// WriteUint32 copies values into the buffer starting at element index first.
func (b *Buffer) WriteUint32(first int, values []uint32) error {
	return b.Write(first*4, uint32Bytes(values))
}

// ReadUint32 copies len(dst) values starting at element index first.
func (b *Buffer) ReadUint32(first int, dst []uint32) error {
	return b.Read(first*4, uint32Bytes(dst))
}

func (b *Buffer) hostBytes(offset, n int) []byte {
	base := unsafe.Add(b.block.mapped, b.offset+uint64(offset))
	return unsafe.Slice((*byte)(base), n)
}

// float32Bytes views values as little-endian bytes. Vulkan devices share
// the host's byte order, which is little-endian on every platform vkcnn runs on.
func float32Bytes(values []float32) []byte {
	if len(values) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&values[0])), len(values)*4)
}

func uint32Bytes(values []uint32) []byte {
	if len(values) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&values[0])), len(values)*4)
}

// staged moves n bytes between b and a temporary host-visible buffer with a
// one-time copy command. For uploads, fill writes the staging bytes before
// the copy; for downloads, fill reads them after it.
func (d *Device) staged(b *Buffer, offset, n int, fill func([]byte), upload bool) error {
	staging, stagingOffset, err := d.memory.alloc(kindStaging, uint64(n))
	if err != nil {
		return err
	}
	defer d.memory.release(staging, stagingOffset, uint64(n))
	host := unsafe.Slice((*byte)(unsafe.Add(staging.mapped, stagingOffset)), n)

	region := vk.BufferCopy{Size: vk.DeviceSize(n)}
	src, dst := staging.buffer, b.block.buffer
	if upload {
		fill(host)
		region.SrcOffset, region.DstOffset = vk.DeviceSize(stagingOffset), vk.DeviceSize(b.offset+uint64(offset))
	} else {
		src, dst = dst, src
		region.SrcOffset, region.DstOffset = vk.DeviceSize(b.offset+uint64(offset)), vk.DeviceSize(stagingOffset)
	}

	err = d.runOnce(func(cmd vk.CommandBuffer) {
		withoutGC(func() { vk.CmdCopyBuffer(cmd, src, dst, 1, []vk.BufferCopy{region}) })
		fullBarrier(cmd)
	})
	if err != nil {
		return err
	}
	if !upload {
		fill(host)
	}
	return nil
}

// runOnce records a command buffer with record, submits it and waits.
func (d *Device) runOnce(record func(vk.CommandBuffer)) error {
	cmd, err := d.allocateCommandBuffer()
	if err != nil {
		return err
	}
	defer vk.FreeCommandBuffers(d.handle, d.cmdPool, 1, []vk.CommandBuffer{cmd})

	if err := beginCommandBuffer(cmd, true); err != nil {
		return err
	}
	record(cmd)
	if err := check("vkEndCommandBuffer", vk.EndCommandBuffer(cmd)); err != nil {
		return err
	}
	return d.submit(cmd, transferTimeout)
}
