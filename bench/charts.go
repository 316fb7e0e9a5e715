package bench

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Chart files that WriteCharts writes into its directory.
const (
	TrainChartFile  = "train-images-per-sec.png"
	EvalChartFile   = "eval-images-per-sec.png"
	KernelChartFile = "kernel-gflop-per-sec.png"
)

// chartKernels is how many kernels the kernel chart shows.
const chartKernels = 8

// logScaleRatio is the ratio of the largest to the smallest bar above
// which a chart uses a log scale, because on a linear one the small bars
// would be too short to see.
const logScaleRatio = 20

// barChart is one grouped bar chart: groups along X, and in each group
// one bar per run.
type barChart struct {
	file, title, yLabel string
	groups              []string    // X labels, which may span lines
	values              [][]float64 // [run][group], NaN where the run lacks the group
	columns             []runColumn // the runs drawn; nil means every run
}

// WriteCharts writes grouped bar charts of the runs in files to dir, with
// one bar per run in each group and a legend that names each run by
// names[i], framework, backend and device. TrainChartFile and
// EvalChartFile show the median images/s per model and batch size.
// KernelChartFile shows the GFLOP/s of the chartKernels kernels with the
// longest median time in the first run that has kernels, leaving out
// kernels without floating-point work, and is skipped when no run has
// such kernels. Every bar carries its value, and a chart whose values
// span more than a factor of logScaleRatio uses a log scale. WriteCharts
// returns the paths written, which on error are those written before the
// failing chart.
func WriteCharts(dir string, files []*File, names []string) ([]string, error) {
	columns, err := runColumns(files, names)
	if err != nil {
		return nil, err
	}

	charts := []barChart{
		modelChart(columns, TrainChartFile, "Training throughput, median",
			func(m *Model) float64 { return m.TrainImagesPerSec.Median }),
		modelChart(columns, EvalChartFile, "Evaluation throughput, median",
			func(m *Model) float64 { return m.EvalImagesPerSec.Median }),
	}
	if chart, ok := kernelChart(columns); ok {
		charts = append(charts, chart)
	}

	var written []string
	for _, chart := range charts {
		path := filepath.Join(dir, chart.file)
		drawn := columns
		if chart.columns != nil {
			drawn = chart.columns
		}
		if err := chart.write(path, drawn); err != nil {
			return written, err
		}
		written = append(written, path)
	}
	return written, nil
}

func modelChart(columns []runColumn, file, title string, value func(*Model) float64) barChart {
	rows := modelRows(columns, value)
	chart := barChart{file: file, title: title, yLabel: "images/s"}
	for _, row := range rows {
		chart.groups = append(chart.groups, row.keys[0]+"\nbatch "+row.keys[1])
	}
	chart.values = rowValues(rows, len(columns))
	return chart
}

// kernelChart returns the chart of the kernels with the longest median
// time, or false when no run has kernels with floating-point work.
func kernelChart(columns []runColumn) (barChart, bool) {
	var reference *Run
	var referenceName string
	for _, c := range columns {
		if slices.ContainsFunc(c.run.Kernels, func(k Kernel) bool { return k.FLOPPerCall > 0 }) {
			reference, referenceName = c.run, c.name
			break
		}
	}
	if reference == nil {
		return barChart{}, false
	}

	var top []Kernel
	for _, k := range reference.Kernels {
		if k.FLOPPerCall > 0 {
			top = append(top, k)
		}
	}
	slices.SortStableFunc(top, func(a, b Kernel) int { return cmp.Compare(b.TimeMs.Median, a.TimeMs.Median) })
	top = top[:min(chartKernels, len(top))]

	// Only the runs with kernel timings get bars: the others would leave
	// an empty slot in every group.
	var timed []runColumn
	for _, c := range columns {
		if len(c.run.Kernels) > 0 {
			timed = append(timed, c)
		}
	}
	chart := barChart{
		columns: timed,
		file:    KernelChartFile,
		title:   fmt.Sprintf("Kernel throughput from the median time\nthe %d kernels with the longest time in %s: %s", len(top), referenceName, reference.title()),
		yLabel:  "GFLOP/s",
	}
	chart.values = make([][]float64, len(timed))
	for _, k := range top {
		// One operand per line keeps the groups, and so the chart, narrow.
		label := fmt.Sprintf("%s %s\nbatch %d\n%s", k.Layer, k.Pass, k.Batch,
			strings.NewReplacer(" w[", "\nw[", " -> ", "\n-> ").Replace(k.Shape))
		chart.groups = append(chart.groups, label)
		for i, c := range timed {
			chart.values[i] = append(chart.values[i], kernelGFLOPPerSec(c.run, k.key()))
		}
	}
	return chart, true
}

func kernelGFLOPPerSec(run *Run, key kernelKey) float64 {
	for i := range run.Kernels {
		if run.Kernels[i].key() == key {
			return run.Kernels[i].GFLOPPerSec
		}
	}
	return math.NaN()
}

// rowValues turns comparison rows into one series per column, with NaN
// where a column lacks the row.
func rowValues(rows []comparisonRow, columns int) [][]float64 {
	values := make([][]float64, columns)
	for i := range values {
		for _, row := range rows {
			v := math.NaN()
			if row.ok[i] {
				v = row.values[i]
			}
			values[i] = append(values[i], v)
		}
	}
	return values
}

// write renders the chart with its legend below the plot and writes it
// to path atomically.
func (b barChart) write(path string, columns []runColumn) error {
	p, series, err := b.plot(columns)
	if err != nil {
		return fmt.Errorf("bench: building the chart %s failed: %w", path, err)
	}

	legend := plot.NewLegend()
	legend.Top, legend.Left = true, true
	legend.TextStyle.Font.Size = vg.Points(10)
	legend.ThumbnailWidth = vg.Points(14)
	legend.Padding = vg.Points(2)
	for i, c := range columns {
		legend.Add(c.name+": "+c.run.title(), series[i])
	}

	width, height := b.size(columns)
	legendHeight := vg.Length(len(columns))*legendLineHeight + vg.Points(16)
	img := vgimg.New(width, height)
	canvas := draw.New(img)
	p.Draw(draw.Crop(canvas, 0, 0, legendHeight, -vg.Points(6)))
	legendArea := draw.Crop(canvas, vg.Points(50), 0, 0, 0)
	legendArea.Max.Y = legendArea.Min.Y + legendHeight - vg.Points(8)
	legend.Draw(legendArea)

	return writeFileAtomic(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	})
}

// legendLineHeight is the height of one legend entry in 10-point text.
const legendLineHeight = 16

// size returns the image size: each group is half an inch per bar wide,
// or as wide as its longest label line, and a legend line per run is
// added below the plot.
func (b barChart) size(columns []runColumn) (width, height vg.Length) {
	// Liberation Serif, the default font of gonum/plot, averages about
	// 0.55 of its size per character.
	labelWidth := vg.Length(0)
	for _, group := range b.groups {
		labelWidth = max(labelWidth, textWidth(group, 9))
	}
	groupWidth := max(vg.Length(len(columns))*vg.Inch/2, labelWidth+vg.Points(12))
	width = max(7*vg.Inch, vg.Length(len(b.groups))*groupWidth+vg.Inch, textWidth(b.title, 12)+vg.Inch)
	// A chart of many wide groups gets taller too, so that its bars stay
	// readable when a viewer shrinks it to fit the screen's width.
	height = max(4.5*vg.Inch, width/4) + vg.Length(len(columns))*legendLineHeight
	return width, height
}

// textWidth estimates the width of the longest line of text in a font of
// the given size in points.
func textWidth(text string, size float64) vg.Length {
	longest := 0
	for _, line := range strings.Split(text, "\n") {
		longest = max(longest, utf8.RuneCountInString(line))
	}
	return vg.Length(float64(longest) * 0.55 * size)
}

// plot builds a plot with one barSeries per run, in the order of columns,
// and each bar's value printed above it.
func (b barChart) plot(columns []runColumn) (*plot.Plot, []*barSeries, error) {
	scale, ok := chooseScale(b.values)
	if !ok {
		return nil, nil, fmt.Errorf("no run has a value for %q", b.title)
	}

	p := plot.New()
	p.Title.Text = b.title
	p.Title.Padding = vg.Points(8)
	p.Y.Label.Text = b.yLabel
	grid := plotter.NewGrid()
	grid.Vertical.Width = 0
	p.Add(grid)

	slot := 0.8 / float64(len(columns))
	var series []*barSeries
	var labelXYs plotter.XYs
	var labelTexts []string
	for i := range columns {
		s := &barSeries{
			offset: (float64(i) - float64(len(columns)-1)/2) * slot,
			width:  0.9 * slot,
			color:  plotutil.Color(columns[i].index),
		}
		for group, v := range b.values[i] {
			if math.IsNaN(v) {
				// The run lacks this group. The label on the axis
				// distinguishes that from a bar too short to see.
				s.values = append(s.values, v)
				labelXYs = append(labelXYs, plotter.XY{X: float64(group) + s.offset, Y: scale.min})
				labelTexts = append(labelTexts, missing)
				continue
			}
			top := v
			if scale.log && v <= 0 {
				// A log axis cannot show 0, so the bar is left out and its
				// label sits on the axis.
				s.values = append(s.values, math.NaN())
				top = scale.min
			} else {
				s.values = append(s.values, v)
			}
			labelXYs = append(labelXYs, plotter.XY{X: float64(group) + s.offset, Y: top})
			labelTexts = append(labelTexts, formatCompact(v))
		}
		series = append(series, s)
		p.Add(s)
	}

	labels, err := plotter.NewLabels(plotter.XYLabels{XYs: labelXYs, Labels: labelTexts})
	if err != nil {
		return nil, nil, err
	}
	labels.Offset = vg.Point{Y: vg.Points(2)}
	for i := range labels.TextStyle {
		labels.TextStyle[i].Font.Size = vg.Points(8)
		labels.TextStyle[i].XAlign = draw.XCenter
		labels.TextStyle[i].YAlign = draw.YBottom
	}
	p.Add(labels)

	p.NominalX(b.groups...)
	p.X.Tick.Label.Font.Size = vg.Points(9)
	p.X.Min, p.X.Max = -0.5, float64(len(b.groups))-0.5
	scale.apply(p)
	return p, series, nil
}

// valueScale is the Y axis of a chart: linear from 0, or logarithmic from
// the power of ten at or below the smallest positive value.
type valueScale struct {
	log      bool
	min, max float64
}

// chooseScale picks a log scale when the positive values span more than a
// factor of logScaleRatio, and a linear one otherwise. It returns false
// when every value is NaN.
func chooseScale(values [][]float64) (valueScale, bool) {
	smallest, largest := math.Inf(1), math.Inf(-1)
	for _, series := range values {
		for _, v := range series {
			if math.IsNaN(v) {
				continue
			}
			largest = max(largest, v)
			if v > 0 {
				smallest = min(smallest, v)
			}
		}
	}
	switch {
	case math.IsInf(largest, -1):
		return valueScale{}, false
	case largest <= 0:
		return valueScale{min: 0, max: 1}, true
	case largest/smallest > logScaleRatio:
		return valueScale{log: true, min: math.Pow(10, math.Floor(math.Log10(smallest))), max: 1.5 * largest}, true
	}
	return valueScale{min: 0, max: 1.08 * largest}, true
}

func (s valueScale) apply(p *plot.Plot) {
	p.Y.Min, p.Y.Max = s.min, s.max
	if s.log {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = decadeTicks{}
		p.Y.Label.Text += " (log scale)"
		return
	}
	p.Y.Tick.Marker = compactTicks{}
}
