package gpu

import (
	"fmt"
	"sort"
	"unsafe"

	vk "github.com/goki/vulkan"
)

// blockSize is the size of each VkDeviceMemory block that buffers are
// sub-allocated from. Drivers cap the number of live allocations
// (maxMemoryAllocationCount is 4096 on many), so tensors share blocks.
const blockSize = 64 << 20

// memoryKind separates buffers the shaders bind from host staging buffers.
type memoryKind int

const (
	kindStorage memoryKind = iota
	kindStaging
)

// block is one memory allocation with a VkBuffer spanning all of it.
type block struct {
	memory     vk.DeviceMemory
	buffer     vk.Buffer
	size       uint64
	mapped     unsafe.Pointer // nil unless host-visible
	free       []span         // sorted by offset, coalesced
	memoryType uint32
}

type span struct{ offset, size uint64 }

// allocator sub-allocates buffers from blocks, per memory kind.
type allocator struct {
	d          *Device
	blocks     map[memoryKind][]*block
	typeIndex  map[memoryKind]uint32
	hostMapped map[memoryKind]bool
	heapSize   map[memoryKind]uint64
	alignment  uint64
	findErr    error
}

func newAllocator(d *Device) *allocator {
	a := &allocator{
		d:          d,
		blocks:     map[memoryKind][]*block{},
		typeIndex:  map[memoryKind]uint32{},
		hostMapped: map[memoryKind]bool{},
		heapSize:   map[memoryKind]uint64{},
		alignment:  max(d.info.MinStorageBufferOffsetAlignment, 64),
	}
	a.findErr = a.chooseMemoryTypes()
	return a
}

// chooseMemoryTypes picks memory that is device-local and host-visible for
// storage buffers where the device has it (integrated GPUs, lavapipe,
// resizable BAR), and plain device-local memory plus host-visible staging
// memory otherwise.
func (a *allocator) chooseMemoryTypes() error {
	var props vk.PhysicalDeviceMemoryProperties
	vk.GetPhysicalDeviceMemoryProperties(a.d.physical, &props)
	props.Deref()

	type memType struct {
		flags vk.MemoryPropertyFlagBits
		heap  uint32
	}
	types := make([]memType, props.MemoryTypeCount)
	for i := range types {
		props.MemoryTypes[i].Deref()
		types[i] = memType{vk.MemoryPropertyFlagBits(props.MemoryTypes[i].PropertyFlags), props.MemoryTypes[i].HeapIndex}
	}
	heapSize := func(heap uint32) uint64 {
		props.MemoryHeaps[heap].Deref()
		return uint64(props.MemoryHeaps[heap].Size)
	}
	find := func(want vk.MemoryPropertyFlagBits) (uint32, bool) {
		for i, t := range types {
			if t.flags&want == want {
				return uint32(i), true
			}
		}
		return 0, false
	}

	const local = vk.MemoryPropertyDeviceLocalBit
	const host = vk.MemoryPropertyHostVisibleBit | vk.MemoryPropertyHostCoherentBit

	if i, ok := find(local | host); ok && !a.d.opts.ForceStaging {
		a.typeIndex[kindStorage], a.hostMapped[kindStorage] = i, true
	} else if i, ok := find(local); ok {
		a.typeIndex[kindStorage] = i
	} else if i, ok := find(host); ok {
		a.typeIndex[kindStorage], a.hostMapped[kindStorage] = i, !a.d.opts.ForceStaging
	} else {
		return fmt.Errorf("gpu: device %s has no device-local or host-visible memory type", a.d.info.Name)
	}
	a.heapSize[kindStorage] = heapSize(types[a.typeIndex[kindStorage]].heap)

	staging, ok := find(host | vk.MemoryPropertyHostCachedBit)
	if !ok {
		staging, ok = find(host)
	}
	if !ok {
		return fmt.Errorf("gpu: device %s has no host-visible coherent memory type for staging", a.d.info.Name)
	}
	a.typeIndex[kindStaging], a.hostMapped[kindStaging] = staging, true
	a.heapSize[kindStaging] = heapSize(types[staging].heap)
	return nil
}

func alignUp(n, alignment uint64) uint64 { return (n + alignment - 1) / alignment * alignment }

// alloc returns a block and the offset of size bytes within it.
func (a *allocator) alloc(kind memoryKind, size uint64) (*block, uint64, error) {
	if a.findErr != nil {
		return nil, 0, a.findErr
	}
	size = alignUp(max(size, 1), a.alignment)
	for _, b := range a.blocks[kind] {
		if offset, ok := b.take(size); ok {
			return b, offset, nil
		}
	}
	b, err := a.newBlock(kind, max(blockSize, size))
	if err != nil {
		return nil, 0, err
	}
	offset, _ := b.take(size)
	return b, offset, nil
}

// release returns a span to its block's free list.
func (a *allocator) release(b *block, offset, size uint64) {
	size = alignUp(max(size, 1), a.alignment)
	b.free = append(b.free, span{offset, size})
	sort.Slice(b.free, func(i, j int) bool { return b.free[i].offset < b.free[j].offset })
	merged := b.free[:1]
	for _, s := range b.free[1:] {
		last := &merged[len(merged)-1]
		if last.offset+last.size == s.offset {
			last.size += s.size
		} else {
			merged = append(merged, s)
		}
	}
	b.free = merged
}

// take carves size bytes from the first free span that fits.
func (b *block) take(size uint64) (uint64, bool) {
	for i, s := range b.free {
		if s.size < size {
			continue
		}
		offset := s.offset
		if s.size == size {
			b.free = append(b.free[:i], b.free[i+1:]...)
		} else {
			b.free[i] = span{s.offset + size, s.size - size}
		}
		return offset, true
	}
	return 0, false
}

func (a *allocator) newBlock(kind memoryKind, size uint64) (*block, error) {
	dev := a.d.handle
	heap := a.heapSize[kind]
	if heap > 0 && size > heap {
		return nil, fmt.Errorf("%w: %s requested but the memory heap has %s; use a smaller batch", ErrOutOfDeviceMemory, formatBytes(size), formatBytes(heap))
	}

	usage := vk.BufferUsageTransferSrcBit | vk.BufferUsageTransferDstBit
	if kind == kindStorage {
		usage |= vk.BufferUsageStorageBufferBit
	}
	bufferInfo := &vk.BufferCreateInfo{
		SType:       vk.StructureTypeBufferCreateInfo,
		Size:        vk.DeviceSize(size),
		Usage:       vk.BufferUsageFlags(usage),
		SharingMode: vk.SharingModeExclusive,
	}
	var buffer vk.Buffer
	r := safeCall(func() vk.Result { return vk.CreateBuffer(dev, bufferInfo, nil, &buffer) })
	bufferInfo.Free()
	if err := check("vkCreateBuffer", r); err != nil {
		return nil, err
	}

	var req vk.MemoryRequirements
	vk.GetBufferMemoryRequirements(dev, buffer, &req)
	req.Deref()
	typeIndex := a.typeIndex[kind]
	if req.MemoryTypeBits&(1<<typeIndex) == 0 {
		vk.DestroyBuffer(dev, buffer, nil)
		return nil, fmt.Errorf("gpu: memory type %d cannot back storage buffers on %s", typeIndex, a.d.info.Name)
	}

	allocInfo := &vk.MemoryAllocateInfo{
		SType:           vk.StructureTypeMemoryAllocateInfo,
		AllocationSize:  req.Size,
		MemoryTypeIndex: typeIndex,
	}
	var memory vk.DeviceMemory
	r = safeCall(func() vk.Result { return vk.AllocateMemory(dev, allocInfo, nil, &memory) })
	allocInfo.Free()
	if r == vk.ErrorOutOfDeviceMemory || r == vk.ErrorOutOfHostMemory {
		vk.DestroyBuffer(dev, buffer, nil)
		return nil, fmt.Errorf("%w: allocating %s failed (%s; heap size %s, %s already allocated by vkcnn); use a smaller batch",
			ErrOutOfDeviceMemory, formatBytes(uint64(req.Size)), resultName(r), formatBytes(heap), formatBytes(a.allocated(kind)))
	}
	if err := check("vkAllocateMemory", r); err != nil {
		vk.DestroyBuffer(dev, buffer, nil)
		return nil, err
	}
	if err := check("vkBindBufferMemory", vk.BindBufferMemory(dev, buffer, memory, 0)); err != nil {
		vk.DestroyBuffer(dev, buffer, nil)
		vk.FreeMemory(dev, memory, nil)
		return nil, err
	}

	b := &block{memory: memory, buffer: buffer, size: size, free: []span{{0, size}}, memoryType: typeIndex}
	if a.hostMapped[kind] {
		var ptr unsafe.Pointer
		if err := check("vkMapMemory", vk.MapMemory(dev, memory, 0, vk.DeviceSize(vk.WholeSize), 0, &ptr)); err != nil {
			vk.DestroyBuffer(dev, buffer, nil)
			vk.FreeMemory(dev, memory, nil)
			return nil, err
		}
		b.mapped = ptr
	}
	a.blocks[kind] = append(a.blocks[kind], b)
	return b, nil
}

func (a *allocator) allocated(kind memoryKind) uint64 {
	var total uint64
	for _, b := range a.blocks[kind] {
		total += b.size
	}
	return total
}

func (a *allocator) destroy() {
	for _, blocks := range a.blocks {
		for _, b := range blocks {
			if b.mapped != nil {
				vk.UnmapMemory(a.d.handle, b.memory)
			}
			vk.DestroyBuffer(a.d.handle, b.buffer, nil)
			vk.FreeMemory(a.d.handle, b.memory, nil)
		}
	}
	a.blocks = nil
}

// MemoryUsage is the device memory that vkcnn's storage buffers take.
type MemoryUsage struct {
	// Allocated is the size of the memory blocks allocated from the
	// driver, which buffers are sub-allocated from.
	Allocated uint64
	// InUse is the part of those blocks that live buffers occupy,
	// alignment padding included.
	InUse uint64
}

// MemoryUsage returns the device memory taken by storage buffers. Host
// staging buffers are not counted.
func (d *Device) MemoryUsage() MemoryUsage {
	var u MemoryUsage
	for _, b := range d.memory.blocks[kindStorage] {
		u.Allocated += b.size
		u.InUse += b.size
		for _, s := range b.free {
			u.InUse -= s.size
		}
	}
	return u
}
