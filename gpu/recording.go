package gpu

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	vk "github.com/goki/vulkan"
)

// setsPerPool is how many descriptor sets each descriptor pool of a
// recording holds; a recording adds pools as it needs them.
const setsPerPool = 256

// maxBindingsPerSet bounds the storage buffers of one kernel, for sizing pools.
const maxBindingsPerSet = 8

// Recording is a command buffer of dispatches, barriers, copies and
// timestamps, recorded once and submitted any number of times. Inputs
// change between submits by writing the buffers it binds.
//
// Recording methods do not return errors: the first error is kept and
// returned by End, like bufio.Writer does for writes.
type Recording struct {
	d          *Device
	cmd        vk.CommandBuffer
	pools      []vk.DescriptorPool
	poolUsed   int
	queryPool  vk.QueryPool
	maxQueries int
	queries    int
	labels     []string
	ended      bool
	released   bool
	err        error
	dispatches int
}

// NewRecording starts recording a reusable command buffer with room for
// maxTimestamps timestamp queries (0 for none).
func (d *Device) NewRecording(maxTimestamps int) (*Recording, error) {
	if err := d.checkOpen(); err != nil {
		return nil, err
	}
	cmd, err := d.allocateCommandBuffer()
	if err != nil {
		return nil, err
	}
	r := &Recording{d: d, cmd: cmd, maxQueries: maxTimestamps}
	d.addResource(r.Release)

	if maxTimestamps > 0 {
		if !d.info.TimestampsSupported {
			r.Release()
			return nil, fmt.Errorf("gpu: %s does not support timestamps on its compute queue", d.info.Name)
		}
		info := &vk.QueryPoolCreateInfo{
			SType:      vk.StructureTypeQueryPoolCreateInfo,
			QueryType:  vk.QueryTypeTimestamp,
			QueryCount: uint32(maxTimestamps),
		}
		var pool vk.QueryPool
		res := safeCall(func() vk.Result { return vk.CreateQueryPool(d.handle, info, nil, &pool) })
		info.Free()
		if err := check("vkCreateQueryPool", res); err != nil {
			r.Release()
			return nil, err
		}
		r.queryPool = pool
	}

	if err := beginCommandBuffer(cmd, false); err != nil {
		r.Release()
		return nil, err
	}
	if r.queryPool != nil {
		vk.CmdResetQueryPool(cmd, r.queryPool, 0, uint32(maxTimestamps))
	}
	return r, nil
}

func (d *Device) allocateCommandBuffer() (vk.CommandBuffer, error) {
	info := &vk.CommandBufferAllocateInfo{
		SType:              vk.StructureTypeCommandBufferAllocateInfo,
		CommandPool:        d.cmdPool,
		Level:              vk.CommandBufferLevelPrimary,
		CommandBufferCount: 1,
	}
	cmds := make([]vk.CommandBuffer, 1)
	r := safeCall(func() vk.Result { return vk.AllocateCommandBuffers(d.handle, info, cmds) })
	info.Free()
	if err := check("vkAllocateCommandBuffers", r); err != nil {
		return nil, err
	}
	return cmds[0], nil
}

func beginCommandBuffer(cmd vk.CommandBuffer, oneTime bool) error {
	info := &vk.CommandBufferBeginInfo{SType: vk.StructureTypeCommandBufferBeginInfo}
	if oneTime {
		info.Flags = vk.CommandBufferUsageFlags(vk.CommandBufferUsageOneTimeSubmitBit)
	}
	r := safeCall(func() vk.Result { return vk.BeginCommandBuffer(cmd, info) })
	info.Free()
	return check("vkBeginCommandBuffer", r)
}

func (r *Recording) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *Recording) usable() bool {
	if r.released || r.ended {
		r.fail(errors.New("gpu: recording used after End or Release"))
		return false
	}
	return r.err == nil
}

// Dispatch records one dispatch of kernel k over groups workgroups, with
// push-constant bytes push and buffers bound to bindings 0, 1, ... in order.
func (r *Recording) Dispatch(k *Kernel, groups [3]int, push []byte, buffers ...*Buffer) {
	if !r.usable() {
		return
	}
	if len(buffers) != k.spec.Buffers {
		r.fail(fmt.Errorf("gpu: kernel %s takes %d buffers, %d given", k.spec.Name, k.spec.Buffers, len(buffers)))
		return
	}
	if len(push) != k.spec.PushConstantSize {
		r.fail(fmt.Errorf("gpu: kernel %s takes %d bytes of push constants, %d given", k.spec.Name, k.spec.PushConstantSize, len(push)))
		return
	}
	limits := r.d.info.MaxWorkgroupCount
	for i, g := range groups {
		if g < 1 || uint32(g) > limits[i] {
			r.fail(fmt.Errorf("gpu: kernel %s: workgroup count %v outside the device limits 1..%v", k.spec.Name, groups, limits))
			return
		}
	}
	for i, b := range buffers {
		if b == nil || b.released || b.d != r.d {
			r.fail(fmt.Errorf("gpu: kernel %s: buffer %d is nil, released or from another device", k.spec.Name, i))
			return
		}
	}

	set, err := r.descriptorSet(k, buffers)
	if err != nil {
		r.fail(fmt.Errorf("kernel %s: %w", k.spec.Name, err))
		return
	}
	vk.CmdBindPipeline(r.cmd, vk.PipelineBindPointCompute, k.pipeline)
	withoutGC(func() {
		vk.CmdBindDescriptorSets(r.cmd, vk.PipelineBindPointCompute, k.layout, 0, 1, []vk.DescriptorSet{set}, 0, nil)
	})
	if len(push) > 0 {
		vk.CmdPushConstants(r.cmd, k.layout, vk.ShaderStageFlags(vk.ShaderStageComputeBit), 0, uint32(len(push)), unsafe.Pointer(&push[0]))
	}
	vk.CmdDispatch(r.cmd, uint32(groups[0]), uint32(groups[1]), uint32(groups[2]))
	r.dispatches++
}

// descriptorSet allocates a set for k from the recording's pools and points
// its bindings at the buffers' ranges.
func (r *Recording) descriptorSet(k *Kernel, buffers []*Buffer) (vk.DescriptorSet, error) {
	dev := r.d.handle
	if len(r.pools) == 0 || r.poolUsed == setsPerPool {
		info := &vk.DescriptorPoolCreateInfo{
			SType:         vk.StructureTypeDescriptorPoolCreateInfo,
			MaxSets:       setsPerPool,
			PoolSizeCount: 1,
			PPoolSizes: []vk.DescriptorPoolSize{{
				Type:            vk.DescriptorTypeStorageBuffer,
				DescriptorCount: setsPerPool * maxBindingsPerSet,
			}},
		}
		var pool vk.DescriptorPool
		res := safeCall(func() vk.Result { return vk.CreateDescriptorPool(dev, info, nil, &pool) })
		info.Free()
		if err := check("vkCreateDescriptorPool", res); err != nil {
			return nil, err
		}
		r.pools = append(r.pools, pool)
		r.poolUsed = 0
	}
	if len(buffers) > maxBindingsPerSet {
		return nil, fmt.Errorf("gpu: %d buffers bound, at most %d supported", len(buffers), maxBindingsPerSet)
	}

	allocInfo := &vk.DescriptorSetAllocateInfo{
		SType:              vk.StructureTypeDescriptorSetAllocateInfo,
		DescriptorPool:     r.pools[len(r.pools)-1],
		DescriptorSetCount: 1,
		PSetLayouts:        []vk.DescriptorSetLayout{k.setLayout},
	}
	sets := make([]vk.DescriptorSet, 1)
	res := safeCall(func() vk.Result { return vk.AllocateDescriptorSets(dev, allocInfo, &sets[0]) })
	allocInfo.Free()
	if err := check("vkAllocateDescriptorSets", res); err != nil {
		return nil, err
	}
	r.poolUsed++

	writes := make([]vk.WriteDescriptorSet, len(buffers))
	for i, b := range buffers {
		writes[i] = vk.WriteDescriptorSet{
			SType:           vk.StructureTypeWriteDescriptorSet,
			DstSet:          sets[0],
			DstBinding:      uint32(i),
			DescriptorCount: 1,
			DescriptorType:  vk.DescriptorTypeStorageBuffer,
			PBufferInfo: []vk.DescriptorBufferInfo{{
				Buffer: b.block.buffer,
				Offset: vk.DeviceSize(b.offset),
				Range:  vk.DeviceSize(b.size),
			}},
		}
	}
	if len(writes) > 0 {
		withoutGC(func() { vk.UpdateDescriptorSets(dev, uint32(len(writes)), writes, 0, nil) })
		for i := range writes {
			writes[i].Free()
		}
	}
	return sets[0], nil
}

// Barrier makes the writes of every earlier dispatch and copy visible to
// every later one.
func (r *Recording) Barrier() {
	if r.usable() {
		fullBarrier(r.cmd)
	}
}

func fullBarrier(cmd vk.CommandBuffer) {
	stages := vk.PipelineStageFlags(vk.PipelineStageComputeShaderBit | vk.PipelineStageTransferBit)
	barrier := []vk.MemoryBarrier{{
		SType:         vk.StructureTypeMemoryBarrier,
		SrcAccessMask: vk.AccessFlags(vk.AccessShaderWriteBit | vk.AccessTransferWriteBit),
		DstAccessMask: vk.AccessFlags(vk.AccessShaderReadBit | vk.AccessShaderWriteBit |
			vk.AccessTransferReadBit | vk.AccessTransferWriteBit),
	}}
	withoutGC(func() { vk.CmdPipelineBarrier(cmd, stages, stages, 0, 1, barrier, 0, nil, 0, nil) })
	barrier[0].Free()
}

// hostBarrier makes device writes visible to host reads after the fence.
func hostBarrier(cmd vk.CommandBuffer) {
	barrier := []vk.MemoryBarrier{{
		SType:         vk.StructureTypeMemoryBarrier,
		SrcAccessMask: vk.AccessFlags(vk.AccessShaderWriteBit | vk.AccessTransferWriteBit),
		DstAccessMask: vk.AccessFlags(vk.AccessHostReadBit),
	}}
	withoutGC(func() {
		vk.CmdPipelineBarrier(cmd, vk.PipelineStageFlags(vk.PipelineStageComputeShaderBit|vk.PipelineStageTransferBit),
			vk.PipelineStageFlags(vk.PipelineStageHostBit), 0, 1, barrier, 0, nil, 0, nil)
	})
	barrier[0].Free()
}

// Copy records a copy of n bytes between buffer ranges.
func (r *Recording) Copy(src *Buffer, srcOffset int, dst *Buffer, dstOffset int, n int) {
	if !r.usable() {
		return
	}
	if err := src.checkRange(srcOffset, n); err != nil {
		r.fail(fmt.Errorf("gpu: copy source: %w", err))
		return
	}
	if err := dst.checkRange(dstOffset, n); err != nil {
		r.fail(fmt.Errorf("gpu: copy destination: %w", err))
		return
	}
	region := []vk.BufferCopy{{
		SrcOffset: vk.DeviceSize(src.offset + uint64(srcOffset)),
		DstOffset: vk.DeviceSize(dst.offset + uint64(dstOffset)),
		Size:      vk.DeviceSize(n),
	}}
	withoutGC(func() { vk.CmdCopyBuffer(r.cmd, src.block.buffer, dst.block.buffer, 1, region) })
}

// Timestamp records a timestamp after all earlier commands complete, and
// returns its index in Timestamps.
func (r *Recording) Timestamp(label string) int {
	if !r.usable() {
		return -1
	}
	if r.queries >= r.maxQueries {
		r.fail(fmt.Errorf("gpu: more than %d timestamps recorded; raise maxTimestamps in NewRecording", r.maxQueries))
		return -1
	}
	vk.CmdWriteTimestamp(r.cmd, vk.PipelineStageBottomOfPipeBit, r.queryPool, uint32(r.queries))
	r.labels = append(r.labels, label)
	r.queries++
	return r.queries - 1
}

// Dispatches returns how many dispatches were recorded.
func (r *Recording) Dispatches() int { return r.dispatches }

// End finishes recording and returns the first error of any recording call.
func (r *Recording) End() error {
	if r.err != nil {
		return r.err
	}
	if r.released || r.ended {
		return errors.New("gpu: End called twice or after Release")
	}
	hostBarrier(r.cmd)
	r.ended = true
	if err := check("vkEndCommandBuffer", vk.EndCommandBuffer(r.cmd)); err != nil {
		r.err = err
	}
	return r.err
}

// Run submits the recording and waits up to timeout for it to finish. A
// recording can run any number of times.
func (r *Recording) Run(timeout time.Duration) error {
	if !r.ended || r.released {
		return errors.New("gpu: Run needs a recording that is ended and not released")
	}
	if r.err != nil {
		return r.err
	}
	return r.d.submit(r.cmd, timeout)
}

// submit runs one command buffer to completion.
func (d *Device) submit(cmd vk.CommandBuffer, timeout time.Duration) error {
	if err := d.checkOpen(); err != nil {
		return err
	}
	d.submitMu.Lock()
	defer d.submitMu.Unlock()

	res := d.fns.submitWait(d.handle, d.queue, cmd, d.fence, timeout)
	switch res {
	case vk.Success:
		return nil
	case vk.Timeout:
		// The fence stays signaled-pending; wait for the work before anyone
		// reuses it, so the device stays usable after the caller's timeout.
		vk.DeviceWaitIdle(d.handle)
		vk.ResetFences(d.handle, 1, []vk.Fence{d.fence})
		return fmt.Errorf("%w after %v", ErrTimeout, timeout)
	case vk.ErrorDeviceLost:
		return fmt.Errorf("%w on %s: the driver reset the device; close it and open it again", ErrDeviceLost, d.info.Name)
	}
	return check("vkQueueSubmit/vkWaitForFences", res)
}

// Timestamps returns the timestamps of the last run in nanoseconds from the
// first one, in recording order, with their labels.
func (r *Recording) Timestamps() ([]float64, []string, error) {
	if r.queries == 0 {
		return nil, nil, nil
	}
	raw := make([]uint64, r.queries)
	res := vk.GetQueryPoolResults(r.d.handle, r.queryPool, 0, uint32(r.queries), uint64(8*r.queries),
		unsafe.Pointer(&raw[0]), 8, vk.QueryResultFlags(vk.QueryResult64Bit|vk.QueryResultWaitBit))
	if err := check("vkGetQueryPoolResults", res); err != nil {
		return nil, nil, err
	}
	period := float64(r.d.info.TimestampPeriodNs)
	ns := make([]float64, r.queries)
	for i, t := range raw {
		ns[i] = float64(t-raw[0]) * period
	}
	return ns, append([]string(nil), r.labels...), nil
}

// Release frees the command buffer, descriptor pools and query pool. The
// recording must not be running.
func (r *Recording) Release() {
	if r.released || r.d.handle == nil {
		return
	}
	r.released = true
	dev := r.d.handle
	for _, p := range r.pools {
		vk.DestroyDescriptorPool(dev, p, nil)
	}
	r.pools = nil
	if r.queryPool != nil {
		vk.DestroyQueryPool(dev, r.queryPool, nil)
	}
	vk.FreeCommandBuffers(dev, r.d.cmdPool, 1, []vk.CommandBuffer{r.cmd})
}
