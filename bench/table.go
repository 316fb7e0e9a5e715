package bench

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// topShares is how many layer types the model table lists per model.
const topShares = 3

// WriteTable prints f as text for a terminal: for each run a block that
// describes the device and host, the peaks, a kernel table and a model
// table. Columns are aligned for a fixed-width font.
func (f *File) WriteTable(w io.Writer) error {
	out := &textWriter{w: w}
	if f.Note != "" {
		out.printf("Note: %s\n\n", f.Note)
	}
	for i := range f.Runs {
		if i > 0 {
			out.println("")
		}
		run := &f.Runs[i]
		out.printf("Run %d of %d: %s\n", i+1, len(f.Runs), run.title())
		writeRunHeader(out, f, run)
		if len(run.Kernels) > 0 {
			out.println("")
			out.println("  Kernels (time per call; rates from the median time)")
			kernelTable(run).write(out, "  ")
		}
		if len(run.Models) > 0 {
			out.println("")
			out.println("  Models (images/s: median [min–max]; timing check: host time over device time)")
			modelTable(run).write(out, "  ")
		}
	}
	return out.err
}

// writeRunHeader prints the label: value lines that describe the run.
// Lines for values that do not apply to the run, such as the subgroup
// size of a CPU backend, are left out.
func writeRunHeader(out *textWriter, f *File, run *Run) {
	d := run.Device
	var fields headerFields
	fields.addRow("framework", strings.TrimSpace(run.Framework+" "+run.FrameworkVersion))
	fields.addRow("backend", run.Backend)
	fields.addRow("device", describeDevice(d))
	if driver := describeDriver(d); driver != "" {
		fields.addRow("driver", driver)
	}
	if d.APIVersion != "" {
		fields.addRow("API", d.APIVersion)
	}
	if d.SubgroupSize > 0 {
		fields.addRow("subgroup", strconv.Itoa(d.SubgroupSize))
	}
	if d.MemoryBytes > 0 {
		fields.addRow("memory", formatGiB(d.MemoryBytes))
	}
	if d.Threads > 0 {
		fields.addRow("threads", strconv.Itoa(d.Threads))
	}
	fields.addRow("host CPU", describeHost(f.Host))
	if f.Host.GoVersion != "" {
		fields.addRow("Go", f.Host.GoVersion)
	}
	if f.Host.PythonVersion != "" {
		fields.addRow("Python", f.Host.PythonVersion)
	}
	fields.addRow("date", f.Created.UTC().Format("2006-01-02 15:04:05 UTC"))
	fields.addRow("peaks", describePeaks(run.Peaks))

	fields.write(out, "  ")
}

// headerFields are label and value pairs, printed one per line with the
// values aligned.
type headerFields [][2]string

func (h *headerFields) addRow(label, value string) {
	*h = append(*h, [2]string{label, value})
}

func (h headerFields) write(out *textWriter, indent string) {
	width := 0
	for _, field := range h {
		width = max(width, len(field[0]))
	}
	for _, field := range h {
		out.printf("%s%-*s  %s\n", indent, width, field[0], field[1])
	}
}

// describeDevice returns the device name, type and PCI ids, such as
// "Fictional GPU 9000, discrete, vendor Fictional 0xffff, device 0x1234".
func describeDevice(d Device) string {
	parts := []string{d.Name}
	if d.Type != "" {
		parts = append(parts, d.Type)
	}
	if d.Vendor != "" || d.VendorID != 0 {
		parts = append(parts, strings.TrimSpace(fmt.Sprintf("vendor %s 0x%04x", d.Vendor, d.VendorID)))
	}
	if d.DeviceID != 0 {
		parts = append(parts, fmt.Sprintf("device 0x%04x", d.DeviceID))
	}
	return strings.Join(parts, ", ")
}

// describeDriver returns the driver name and version, then the driver
// information unless it only repeats the version. It returns "" for a
// device without driver fields, such as a CPU backend.
func describeDriver(d Device) string {
	nameVersion := strings.TrimSpace(d.DriverName + " " + d.DriverVersion)
	if d.DriverInfo == "" || d.DriverInfo == d.DriverVersion {
		return nameVersion
	}
	if nameVersion == "" {
		return d.DriverInfo
	}
	return nameVersion + ", " + d.DriverInfo
}

func describeHost(h Host) string {
	parts := []string{cmp.Or(h.CPUModel, "unknown CPU")}
	if h.CPUCores > 0 {
		parts = append(parts, fmt.Sprintf("%d logical cores", h.CPUCores))
	}
	if h.MemoryBytes > 0 {
		parts = append(parts, formatGiB(h.MemoryBytes))
	}
	parts = append(parts, h.OS+"/"+h.Arch)
	return strings.Join(parts, ", ")
}

func describePeaks(p *Peaks) string {
	if p == nil {
		return "not measured"
	}
	return fmt.Sprintf("FMA scalar %s GFLOP/s, FMA vec4 %s GFLOP/s, copy %s GB/s",
		formatRate(p.FMAScalarGFLOPPerSec), formatRate(p.FMAVec4GFLOPPerSec), formatRate(p.CopyGBPerSec))
}

func kernelTable(run *Run) *textTable {
	t := newTextTable(
		column{title: "layer"},
		column{title: "pass"},
		column{title: "batch", alignRight: true},
		column{title: "shape"},
		column{title: "median\nms", alignRight: true},
		column{title: "min–max\nms", alignRight: true},
		column{title: "GFLOP/s", alignRight: true},
		column{title: "GB/s", alignRight: true},
		column{title: "% peak\nFLOP/s", alignRight: true},
		column{title: "% peak\nGB/s", alignRight: true},
	)
	computePeak, copyPeak := run.Peaks.computePeak(), 0.0
	if run.Peaks != nil {
		copyPeak = run.Peaks.CopyGBPerSec
	}
	for _, k := range run.Kernels {
		t.addRow(
			k.Layer,
			k.Pass,
			strconv.Itoa(k.Batch),
			k.Shape,
			formatSignificant(k.TimeMs.Median, 3),
			formatSignificant(k.TimeMs.Min, 3)+"–"+formatSignificant(k.TimeMs.Max, 3),
			formatRate(k.GFLOPPerSec),
			formatRate(k.GBPerSec),
			formatPercent(k.PercentOfPeakCompute, computePeak),
			formatPercent(k.PercentOfPeakBandwidth, copyPeak),
		)
	}
	return t
}

func modelTable(run *Run) *textTable {
	t := newTextTable(
		column{title: "model"},
		column{title: "batch", alignRight: true},
		column{title: "train images/s", alignRight: true},
		column{title: "eval images/s", alignRight: true},
		column{title: "memory\nMiB", alignRight: true},
		column{title: "top layer shares"},
		column{title: "timing\ncheck", alignRight: true},
	)
	for _, m := range run.Models {
		t.addRow(
			m.Model,
			strconv.Itoa(m.Batch),
			formatRange(m.TrainImagesPerSec, formatRate),
			formatRange(m.EvalImagesPerSec, formatRate),
			formatMiB(m.MemoryBytes),
			describeShares(m.LayerShare),
			describeTimingCheck(m.TimingCheck),
		)
	}
	return t
}

// describeShares lists the largest layer shares in percent, largest
// first, such as "Conv2d 71%, Linear 18%, ReLU 6%".
func describeShares(shares map[string]float64) string {
	if len(shares) == 0 {
		return missing
	}
	layers := make([]string, 0, len(shares))
	for layer := range shares {
		layers = append(layers, layer)
	}
	slices.SortFunc(layers, func(a, b string) int {
		return cmp.Or(cmp.Compare(shares[b], shares[a]), strings.Compare(a, b))
	})

	var parts []string
	for _, layer := range layers[:min(topShares, len(layers))] {
		parts = append(parts, fmt.Sprintf("%s %.0f%%", layer, 100*shares[layer]))
	}
	return strings.Join(parts, ", ")
}

func describeTimingCheck(c *TimingCheck) string {
	if c == nil {
		return missing
	}
	return fmt.Sprintf("%+.1f%%", c.DifferencePercent)
}
