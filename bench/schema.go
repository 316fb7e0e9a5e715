package bench

import "time"

// SchemaVersion is the version of the JSON format that this package reads
// and writes. Raise it whenever a field is renamed, removed or changes its
// meaning or unit, because Read rejects every other version.
const SchemaVersion = 1

// File is one results file: the machine it was measured on and one Run
// per measured backend and device.
type File struct {
	Schema  int       `json:"schema"`         // SchemaVersion
	Created time.Time `json:"created"`        // when the measurement finished, RFC 3339
	Note    string    `json:"note,omitempty"` // free text, such as how the file was made
	Host    Host      `json:"host"`
	Runs    []Run     `json:"runs"`
}

// Host describes the machine that ran the benchmark.
type Host struct {
	OS            string `json:"os"`             // Go's GOOS name: "linux", "windows", "darwin"
	Arch          string `json:"arch"`           // Go's GOARCH name: "amd64", "arm64"
	CPUModel      string `json:"cpu_model"`      // as the operating system reports it
	CPUCores      int    `json:"cpu_cores"`      // logical CPUs, or 0 when unknown
	MemoryBytes   int64  `json:"memory_bytes"`   // installed memory, or 0 when unknown
	GoVersion     string `json:"go_version"`     // runtime.Version(), or empty for non-Go writers
	PythonVersion string `json:"python_version"` // platform.python_version(), or empty for Go writers
}

// Run is the measurement of one framework on one backend and device.
type Run struct {
	Framework        string   `json:"framework"`         // "vkcnn" or "pytorch"
	FrameworkVersion string   `json:"framework_version"` // module version or torch.__version__
	Backend          string   `json:"backend"`           // "vulkan" or "cpu" for vkcnn, "cpu" or "cuda" for PyTorch
	Device           Device   `json:"device"`
	Peaks            *Peaks   `json:"peaks,omitempty"`   // nil when not measured
	Kernels          []Kernel `json:"kernels,omitempty"` // per-layer timings, possibly none
	Models           []Model  `json:"models"`
}

// Device types, the values of Device.Type.
const (
	DeviceDiscrete   = "discrete"
	DeviceIntegrated = "integrated"
	DeviceVirtual    = "virtual"
	DeviceCPU        = "cpu"
	DeviceOther      = "other"
)

// Device describes the device that a Run used. Fields that do not apply
// to a backend are empty or 0, such as the driver of a CPU backend.
type Device struct {
	Name          string `json:"name"`
	Vendor        string `json:"vendor"`         // "AMD", "NVIDIA", "Intel", "Mesa", ...
	VendorID      uint32 `json:"vendor_id"`      // PCI vendor id, or the Khronos id of a software vendor
	DeviceID      uint32 `json:"device_id"`      // PCI device id
	Type          string `json:"type"`           // one of the Device* constants
	DriverName    string `json:"driver_name"`    // Vulkan driverName
	DriverInfo    string `json:"driver_info"`    // Vulkan driverInfo
	DriverVersion string `json:"driver_version"` // decoded with the vendor's scheme
	APIVersion    string `json:"api_version"`    // Vulkan API version, or the CUDA version for "cuda"
	SubgroupSize  int    `json:"subgroup_size"`  // invocations per subgroup, or 0 for CPU backends
	MemoryBytes   int64  `json:"memory_bytes"`   // device-local memory, or 0 when unknown
	Threads       int    `json:"threads"`        // worker threads of a CPU backend, or 0 for others
}

// Peaks are the device's measured throughput limits, which the kernel
// figures are set against.
type Peaks struct {
	FMAScalarGFLOPPerSec float64 `json:"fma_scalar_gflop_per_sec"` // float32 fused multiply-adds, one per instruction
	FMAVec4GFLOPPerSec   float64 `json:"fma_vec4_gflop_per_sec"`   // float32 fused multiply-adds on vec4 operands
	CopyGBPerSec         float64 `json:"copy_gb_per_sec"`          // buffer copy, bytes read plus bytes written
}

// Kernel is the timing of one layer pass at one input shape.
type Kernel struct {
	Layer                  string   `json:"layer"`                     // layer type: "Conv2d", "Linear", "MaxPool2d", ...
	Pass                   string   `json:"pass"`                      // "forward", "backward-data", "backward-filter" or "backward"
	Shape                  string   `json:"shape"`                     // "x[64,1,28,28] w[32,1,3,3] -> y[64,32,26,26]"
	Models                 []string `json:"models"`                    // the models that contain this layer at this shape
	Batch                  int      `json:"batch"`                     // images per call
	TimeMs                 Stats    `json:"time_ms"`                   // milliseconds per call
	FLOPPerCall            float64  `json:"flop_per_call"`             // a multiply-add counts as 2
	BytesPerCall           float64  `json:"bytes_per_call"`            // each tensor read once plus each written once
	GFLOPPerSec            float64  `json:"gflop_per_sec"`             // from the median time
	GBPerSec               float64  `json:"gb_per_sec"`                // from the median time
	PercentOfPeakCompute   float64  `json:"percent_of_peak_compute"`   // 0 without peaks
	PercentOfPeakBandwidth float64  `json:"percent_of_peak_bandwidth"` // 0 without peaks
}

// Stats summarizes repeated measurements of one figure. NewStats computes
// it from the samples.
type Stats struct {
	Median  float64   `json:"median"`
	Min     float64   `json:"min"`
	Max     float64   `json:"max"`
	Samples []float64 `json:"samples"` // in the order measured
}

// Model is the training and evaluation throughput of one model at one
// batch size.
type Model struct {
	Model             string             `json:"model"` // a name from nets.Names, such as "mnist-simple"
	Batch             int                `json:"batch"`
	TrainImagesPerSec Stats              `json:"train_images_per_sec"`
	EvalImagesPerSec  Stats              `json:"eval_images_per_sec"`
	LayerShare        map[string]float64 `json:"layer_share,omitempty"`  // layer type -> fraction of a training step's device time
	MemoryBytes       int64              `json:"memory_bytes"`           // peak device memory during training, or 0 when not measured
	TimingCheck       *TimingCheck       `json:"timing_check,omitempty"` // nil when not measured
}

// TimingCheck is one training step timed twice: by device timestamps and
// by the host clock around submit and wait. A large difference means that
// the device timestamps miss work or that the host waits on something else.
type TimingCheck struct {
	DeviceMs          float64 `json:"device_ms"`
	HostMs            float64 `json:"host_ms"`
	DifferencePercent float64 `json:"difference_percent"` // 100 * (host_ms - device_ms) / device_ms
}
