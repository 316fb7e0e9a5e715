package bench

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// runColumn is one run of one file, which is one value column of the
// comparison.
type runColumn struct {
	name  string // the file's name as given to Compare
	file  *File
	run   *Run
	index int // position among every run compared, which picks the run's colour in charts
}

// header returns the column title: file name, framework and backend, and
// device on three lines.
func (c runColumn) header() string {
	device := c.run.Device.Name
	if c.run.Device.Threads > 0 {
		device += fmt.Sprintf(", %d threads", c.run.Device.Threads)
	}
	return c.name + "\n" + c.run.Framework + " " + c.run.Backend + "\n" + device
}

// comparisonRow is one matched row: its key cells and, per column, the
// value or ok false where that run lacks the row.
type comparisonRow struct {
	keys   []string
	values []float64
	ok     []bool
}

// Compare prints the runs of files side by side, one column per run in
// the order of files and their runs, with names[i] labelling files[i]
// (usually its file name). Models are matched by name and batch, kernels
// by layer, pass, shape and batch, and a run without the row shows "—".
// A section leaves out the runs after the first that have none of its
// rows, such as the CPU runs in the kernel section.
// Every column after the first also shows its ratio to the first column,
// written so that a ratio above 1 always means faster than the first
// column.
func Compare(w io.Writer, files []*File, names []string) error {
	columns, err := runColumns(files, names)
	if err != nil {
		return err
	}

	out := &textWriter{w: w}
	out.println("Runs compared (ratios are against column 1, and a ratio above 1 is better):")
	for i, c := range columns {
		out.printf("  %d. %s: %s\n", i+1, c.name, describeColumn(c))
	}

	sections := []struct {
		title  string
		keys   []column
		rows   []comparisonRow
		ratio  func(first, value float64) float64
		format func(float64) string
	}{
		{
			"Peaks (this column / column 1; higher is better)",
			[]column{{title: "peak"}},
			peakRows(columns), throughputRatio, formatRate,
		},
		{
			"Training images/s, median (this column / column 1; higher is better)",
			[]column{{title: "model"}, {title: "batch", alignRight: true}},
			modelRows(columns, func(m *Model) float64 { return m.TrainImagesPerSec.Median }), throughputRatio, formatRate,
		},
		{
			"Evaluation images/s, median (this column / column 1; higher is better)",
			[]column{{title: "model"}, {title: "batch", alignRight: true}},
			modelRows(columns, func(m *Model) float64 { return m.EvalImagesPerSec.Median }), throughputRatio, formatRate,
		},
		{
			"Kernel time per call, median ms (column 1 time / this time, so higher is faster)",
			[]column{{title: "layer"}, {title: "pass"}, {title: "batch", alignRight: true}, {title: "shape"}},
			kernelRows(columns), timeRatio, func(v float64) string { return formatSignificant(v, 3) },
		},
	}
	for _, s := range sections {
		if len(s.rows) == 0 {
			continue
		}
		// The first column stays, since the ratios are against it; other
		// runs without a value in this section get no column.
		cols, rows := dropEmptyColumns(columns, s.rows)
		out.println("")
		out.println(s.title)
		comparisonTable(cols, s.keys, rows, s.ratio, s.format).write(out, "  ")
	}
	return out.err
}

// dropEmptyColumns removes the columns after the first that have no value
// in any row, from the columns and from each row.
func dropEmptyColumns(columns []runColumn, rows []comparisonRow) ([]runColumn, []comparisonRow) {
	keep := make([]bool, len(columns))
	for i := range columns {
		keep[i] = i == 0
		for _, r := range rows {
			keep[i] = keep[i] || r.ok[i]
		}
	}
	var cols []runColumn
	for i, c := range columns {
		if keep[i] {
			cols = append(cols, c)
		}
	}
	out := make([]comparisonRow, len(rows))
	for j, r := range rows {
		out[j].keys = r.keys
		for i := range columns {
			if keep[i] {
				out[j].values = append(out[j].values, r.values[i])
				out[j].ok = append(out[j].ok, r.ok[i])
			}
		}
	}
	return cols, out
}

func runColumns(files []*File, names []string) ([]runColumn, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("bench: no results files to compare; pass at least one")
	}
	if len(names) != len(files) {
		return nil, fmt.Errorf("bench: %d names for %d results files; pass one name per file, such as its file name", len(names), len(files))
	}
	var columns []runColumn
	for i, f := range files {
		if f == nil {
			return nil, fmt.Errorf("bench: results file %d (%s) is nil; load it with Read", i+1, names[i])
		}
		for j := range f.Runs {
			columns = append(columns, runColumn{name: names[i], file: f, run: &f.Runs[j], index: len(columns)})
		}
	}
	if len(columns) == 0 {
		return nil, fmt.Errorf("bench: the results files %s contain no runs", strings.Join(names, ", "))
	}
	return columns, nil
}

// describeColumn returns the details of a column that its header leaves
// out: versions, driver, API and host.
func describeColumn(c runColumn) string {
	parts := []string{strings.TrimSpace(c.run.Framework + " " + c.run.FrameworkVersion + " " + c.run.Backend)}
	parts = append(parts, describeDevice(c.run.Device))
	if driver := describeDriver(c.run.Device); driver != "" {
		parts = append(parts, "driver "+driver)
	}
	if c.run.Device.APIVersion != "" {
		parts = append(parts, "API "+c.run.Device.APIVersion)
	}
	parts = append(parts, "host "+describeHost(c.file.Host))
	return strings.Join(parts, "; ")
}

func throughputRatio(first, value float64) float64 { return value / first }
func timeRatio(first, value float64) float64       { return first / value }

func comparisonTable(columns []runColumn, keys []column, rows []comparisonRow,
	ratio func(first, value float64) float64, format func(float64) string) *textTable {
	t := newTextTable(keys...)
	for i, c := range columns {
		t.columns = append(t.columns, column{title: strconv.Itoa(i+1) + ". " + c.header(), alignRight: true})
	}
	for _, row := range rows {
		cells := append([]string(nil), row.keys...)
		for i, value := range row.values {
			cells = append(cells, comparisonCell(row, i, value, ratio, format))
		}
		t.addRow(cells...)
	}
	return t
}

// comparisonCell formats a value and, after the first column, its ratio
// to the first column when both are present and positive.
func comparisonCell(row comparisonRow, i int, value float64,
	ratio func(first, value float64) float64, format func(float64) string) string {
	if !row.ok[i] {
		return missing
	}
	text := format(value)
	if i > 0 && row.ok[0] && row.values[0] > 0 && value > 0 {
		text += " (" + formatRatio(ratio(row.values[0], value)) + ")"
	}
	return text
}

// matchRows builds one row per distinct key, in the order the keys first
// appear across the columns. keysOf lists a column's keys with their key
// cells and values.
func matchRows[K comparable](columns []runColumn, keysOf func(*Run) []keyedValue[K]) []comparisonRow {
	index := make(map[K]int)
	var rows []comparisonRow
	for i, c := range columns {
		for _, kv := range keysOf(c.run) {
			r, seen := index[kv.key]
			if !seen {
				r = len(rows)
				index[kv.key] = r
				rows = append(rows, comparisonRow{
					keys:   kv.cells,
					values: make([]float64, len(columns)),
					ok:     make([]bool, len(columns)),
				})
			}
			rows[r].values[i] = kv.value
			rows[r].ok[i] = true
		}
	}
	return rows
}

type keyedValue[K comparable] struct {
	key   K
	cells []string
	value float64
}

func modelRows(columns []runColumn, value func(*Model) float64) []comparisonRow {
	return matchRows(columns, func(run *Run) []keyedValue[modelKey] {
		var values []keyedValue[modelKey]
		for i := range run.Models {
			m := &run.Models[i]
			values = append(values, keyedValue[modelKey]{m.key(), []string{m.Model, strconv.Itoa(m.Batch)}, value(m)})
		}
		return values
	})
}

func kernelRows(columns []runColumn) []comparisonRow {
	return matchRows(columns, func(run *Run) []keyedValue[kernelKey] {
		var values []keyedValue[kernelKey]
		for i := range run.Kernels {
			k := &run.Kernels[i]
			cells := []string{k.Layer, k.Pass, strconv.Itoa(k.Batch), k.Shape}
			values = append(values, keyedValue[kernelKey]{k.key(), cells, k.TimeMs.Median})
		}
		return values
	})
}

// peakRows returns the three peaks as rows, or no rows when no run
// measured peaks.
func peakRows(columns []runColumn) []comparisonRow {
	return matchRows(columns, func(run *Run) []keyedValue[string] {
		p := run.Peaks
		if p == nil {
			return nil
		}
		return []keyedValue[string]{
			{"scalar", []string{"FMA scalar GFLOP/s"}, p.FMAScalarGFLOPPerSec},
			{"vec4", []string{"FMA vec4 GFLOP/s"}, p.FMAVec4GFLOPPerSec},
			{"copy", []string{"copy GB/s"}, p.CopyGBPerSec},
		}
	})
}
