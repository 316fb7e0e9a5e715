package bench

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// barSeries is the bars of one run in a grouped bar chart. Bar i is
// centred at X = i + offset, in data units, and is width wide. Unlike
// plotter.BarChart, which starts every bar at 0, a bar starts at the Y
// axis minimum, so the chart works on a log scale too. A NaN value draws
// no bar.
type barSeries struct {
	values []float64
	offset float64
	width  float64
	color  color.Color
}

var (
	_ plot.Plotter     = (*barSeries)(nil)
	_ plot.DataRanger  = (*barSeries)(nil)
	_ plot.Thumbnailer = (*barSeries)(nil)
)

func (b *barSeries) Plot(c draw.Canvas, p *plot.Plot) {
	toX, toY := p.Transforms(&c)
	outline := draw.LineStyle{Color: color.Black, Width: vg.Points(0.5)}
	for i, v := range b.values {
		if math.IsNaN(v) {
			continue
		}
		left := toX(float64(i) + b.offset - b.width/2)
		right := toX(float64(i) + b.offset + b.width/2)
		bottom, top := toY(p.Y.Min), toY(v)
		corners := []vg.Point{{X: left, Y: bottom}, {X: left, Y: top}, {X: right, Y: top}, {X: right, Y: bottom}}
		c.FillPolygon(b.color, c.ClipPolygonY(corners))
		c.StrokeLines(outline, c.ClipLinesY(append(corners, corners[0]))...)
	}
}

// DataRange covers every group from half a unit before the first to half
// a unit after the last, and the values that are not NaN.
func (b *barSeries) DataRange() (xMin, xMax, yMin, yMax float64) {
	yMin, yMax = math.Inf(1), math.Inf(-1)
	for _, v := range b.values {
		if !math.IsNaN(v) {
			yMin, yMax = min(yMin, v), max(yMax, v)
		}
	}
	return -0.5, float64(len(b.values)) - 0.5, yMin, yMax
}

func (b *barSeries) Thumbnail(c *draw.Canvas) {
	corners := []vg.Point{
		{X: c.Min.X, Y: c.Min.Y}, {X: c.Min.X, Y: c.Max.Y},
		{X: c.Max.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Min.Y},
	}
	c.FillPolygon(b.color, c.ClipPolygonY(corners))
}

// decadeTicks labels the powers of ten on a log axis with formatCompact,
// such as "100" and "10k", and puts unlabelled ticks at 2 to 9 times each.
type decadeTicks struct{}

func (decadeTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for decade := math.Floor(math.Log10(min)); decade <= math.Ceil(math.Log10(max)); decade++ {
		base := math.Pow(10, decade)
		for step := 1.0; step < 10; step++ {
			value := base * step
			if value < min || value > max {
				continue
			}
			tick := plot.Tick{Value: value}
			if step == 1 {
				tick.Label = formatCompact(value)
			}
			ticks = append(ticks, tick)
		}
	}
	return ticks
}

// compactTicks are the default linear ticks labelled with formatCompact.
type compactTicks struct{}

func (compactTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = formatCompact(ticks[i].Value)
		}
	}
	return ticks
}
