package gpu

import (
	"encoding/binary"
	"fmt"

	vk "github.com/goki/vulkan"
)

// KernelSpec describes a compute shader and its interface. The shader's
// storage buffers are bindings 0 to Buffers-1 of descriptor set 0, and its
// push-constant block starts at offset 0.
type KernelSpec struct {
	Name             string // for error messages
	SPIRV            []byte
	Buffers          int
	PushConstantSize int // bytes, a multiple of 4
	// SpecConstants sets specialization constant i (constant_id = i) to
	// SpecConstants[i], as 32-bit values (int, uint or float bits).
	SpecConstants []uint32
}

// Kernel is a compute pipeline with its descriptor-set and pipeline layouts.
type Kernel struct {
	d         *Device
	spec      KernelSpec
	setLayout vk.DescriptorSetLayout
	layout    vk.PipelineLayout
	pipeline  vk.Pipeline
}

// Name returns the kernel's name from its spec.
func (k *Kernel) Name() string { return k.spec.Name }

// NewKernel builds a compute pipeline from SPIR-V, through the device's
// pipeline cache. The kernel lives until the device is closed.
func (d *Device) NewKernel(spec KernelSpec) (*Kernel, error) {
	if err := d.checkOpen(); err != nil {
		return nil, err
	}
	if len(spec.SPIRV) == 0 || len(spec.SPIRV)%4 != 0 || binary.LittleEndian.Uint32(spec.SPIRV) != 0x07230203 {
		return nil, fmt.Errorf("gpu: kernel %s: invalid SPIR-V (%d bytes, no SPIR-V magic number)", spec.Name, len(spec.SPIRV))
	}
	if spec.PushConstantSize%4 != 0 || uint32(spec.PushConstantSize) > d.info.MaxPushConstantsSize {
		return nil, fmt.Errorf("gpu: kernel %s: push constants of %d bytes: must be a multiple of 4 and at most %d",
			spec.Name, spec.PushConstantSize, d.info.MaxPushConstantsSize)
	}

	k := &Kernel{d: d, spec: spec}
	d.addResource(k.destroy)
	if err := k.createLayouts(); err != nil {
		return nil, err
	}
	if err := k.createPipeline(); err != nil {
		return nil, err
	}
	return k, nil
}

func (k *Kernel) createLayouts() error {
	dev := k.d.handle
	bindings := make([]vk.DescriptorSetLayoutBinding, k.spec.Buffers)
	for i := range bindings {
		bindings[i] = vk.DescriptorSetLayoutBinding{
			Binding:         uint32(i),
			DescriptorType:  vk.DescriptorTypeStorageBuffer,
			DescriptorCount: 1,
			StageFlags:      vk.ShaderStageFlags(vk.ShaderStageComputeBit),
		}
	}
	setInfo := &vk.DescriptorSetLayoutCreateInfo{
		SType:        vk.StructureTypeDescriptorSetLayoutCreateInfo,
		BindingCount: uint32(len(bindings)),
		PBindings:    bindings,
	}
	var setLayout vk.DescriptorSetLayout
	r := safeCall(func() vk.Result { return vk.CreateDescriptorSetLayout(dev, setInfo, nil, &setLayout) })
	setInfo.Free()
	if err := check("vkCreateDescriptorSetLayout", r); err != nil {
		return fmt.Errorf("kernel %s: %w", k.spec.Name, err)
	}
	k.setLayout = setLayout

	layoutInfo := &vk.PipelineLayoutCreateInfo{
		SType:          vk.StructureTypePipelineLayoutCreateInfo,
		SetLayoutCount: 1,
		PSetLayouts:    []vk.DescriptorSetLayout{setLayout},
	}
	if k.spec.PushConstantSize > 0 {
		layoutInfo.PushConstantRangeCount = 1
		layoutInfo.PPushConstantRanges = []vk.PushConstantRange{{
			StageFlags: vk.ShaderStageFlags(vk.ShaderStageComputeBit),
			Size:       uint32(k.spec.PushConstantSize),
		}}
	}
	var layout vk.PipelineLayout
	r = safeCall(func() vk.Result { return vk.CreatePipelineLayout(dev, layoutInfo, nil, &layout) })
	layoutInfo.Free()
	if err := check("vkCreatePipelineLayout", r); err != nil {
		return fmt.Errorf("kernel %s: %w", k.spec.Name, err)
	}
	k.layout = layout
	return nil
}

func (k *Kernel) createPipeline() error {
	dev := k.d.handle
	code := make([]uint32, len(k.spec.SPIRV)/4)
	for i := range code {
		code[i] = binary.LittleEndian.Uint32(k.spec.SPIRV[4*i:])
	}
	moduleInfo := &vk.ShaderModuleCreateInfo{
		SType:    vk.StructureTypeShaderModuleCreateInfo,
		CodeSize: uint64(len(k.spec.SPIRV)),
		PCode:    code,
	}
	var module vk.ShaderModule
	r := safeCall(func() vk.Result { return vk.CreateShaderModule(dev, moduleInfo, nil, &module) })
	moduleInfo.Free()
	if err := check("vkCreateShaderModule", r); err != nil {
		return fmt.Errorf("kernel %s: %w", k.spec.Name, err)
	}
	defer vk.DestroyShaderModule(dev, module, nil)

	stage := vk.PipelineShaderStageCreateInfo{
		SType:  vk.StructureTypePipelineShaderStageCreateInfo,
		Stage:  vk.ShaderStageComputeBit,
		Module: module,
		PName:  cstr("main"),
	}
	var specInfo *vk.SpecializationInfo
	if n := len(k.spec.SpecConstants); n > 0 {
		entries := make([]vk.SpecializationMapEntry, n)
		for i := range entries {
			entries[i] = vk.SpecializationMapEntry{ConstantID: uint32(i), Offset: uint32(4 * i), Size: 4}
		}
		values := cBytes(uint32Bytes(k.spec.SpecConstants))
		defer freeC(values)
		specInfo = &vk.SpecializationInfo{
			MapEntryCount: uint32(n),
			PMapEntries:   entries,
			DataSize:      uint64(4 * n),
			PData:         values,
		}
		stage.PSpecializationInfo = []vk.SpecializationInfo{*specInfo}
	}

	pipelineInfo := vk.ComputePipelineCreateInfo{
		SType:  vk.StructureTypeComputePipelineCreateInfo,
		Stage:  stage,
		Layout: k.layout,
	}
	pipelines := make([]vk.Pipeline, 1)
	var cache vk.PipelineCache
	if k.d.pipelines != nil {
		cache = k.d.pipelines.handle
	}
	infos := []vk.ComputePipelineCreateInfo{pipelineInfo}
	r = safeCall(func() vk.Result { return vk.CreateComputePipelines(dev, cache, 1, infos, nil, pipelines) })
	infos[0].Free()
	if err := check("vkCreateComputePipelines", r); err != nil {
		return fmt.Errorf("kernel %s: %w", k.spec.Name, err)
	}
	k.pipeline = pipelines[0]
	return nil
}

func (k *Kernel) destroy() {
	dev := k.d.handle
	if k.pipeline != nil {
		vk.DestroyPipeline(dev, k.pipeline, nil)
	}
	if k.layout != nil {
		vk.DestroyPipelineLayout(dev, k.layout, nil)
	}
	if k.setLayout != nil {
		vk.DestroyDescriptorSetLayout(dev, k.setLayout, nil)
	}
}
