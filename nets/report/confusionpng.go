package report

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// WriteConfusionPNG writes c as a heat map to path, with predicted classes
// along X, true classes along Y (the first class at the top) and each
// cell's count printed on it. A cell's colour is its share of its row, so
// classes with fewer test samples are shaded on the same scale as the rest.
func WriteConfusionPNG(path, title string, c *Confusion) error {
	if c == nil || len(c.Classes) == 0 {
		return fmt.Errorf("report: confusion matrix for %s has no classes; build it with NewConfusion and the dataset's class names", path)
	}
	if err := c.validate(); err != nil {
		return err
	}

	n := len(c.Classes)
	grid := confusionGrid{share: rowShares(c)}
	heat := plotter.NewHeatMap(grid, sequentialPalette(256))
	heat.Min, heat.Max = 0, 1

	labels, err := cellLabels(c, grid)
	if err != nil {
		return fmt.Errorf("report: labelling the cells of %s failed: %w", path, err)
	}

	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(8)
	p.X.Label.Text = "predicted class"
	p.Y.Label.Text = "true class"
	p.Add(heat, labels)
	p.NominalX(c.Classes...)
	yNames := slices.Clone(c.Classes)
	slices.Reverse(yNames)
	p.NominalY(yNames...)
	// Long class names such as "automobile" overlap when set horizontally.
	p.X.Tick.Label.Rotation = math.Pi / 4
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter

	side := max(6*vg.Inch, vg.Length(n)*0.6*vg.Inch+2*vg.Inch)
	return savePNG(path, p, side, side)
}

// rowShares returns each count divided by its row's total, with 0 for the
// rows of classes that have no samples.
func rowShares(c *Confusion) [][]float64 {
	shares := make([][]float64, len(c.Counts))
	for t, row := range c.Counts {
		shares[t] = make([]float64, len(row))
		total := sum(row)
		if total == 0 {
			continue
		}
		for p, count := range row {
			shares[t][p] = float64(count) / float64(total)
		}
	}
	return shares
}

// confusionGrid is the plotter.GridXYZ of a confusion matrix. Column i is
// predicted class i at X = i. Grid row r is at Y = r and shows true class
// n-1-r, because plotter.HeatMap draws row 0 at the bottom.
type confusionGrid struct {
	share [][]float64 // [true][predicted]
}

func (g confusionGrid) Dims() (columns, rows int) { return len(g.share), len(g.share) }
func (g confusionGrid) Z(column, row int) float64 { return g.share[g.trueClass(row)][column] }
func (g confusionGrid) X(column int) float64      { return float64(column) }
func (g confusionGrid) Y(row int) float64         { return float64(row) }
func (g confusionGrid) trueClass(row int) int     { return len(g.share) - 1 - row }

// cellLabels returns the counts centred on their cells, in white on cells
// darker than the middle of the palette and in black elsewhere.
func cellLabels(c *Confusion, grid confusionGrid) (*plotter.Labels, error) {
	n := len(c.Classes)
	var xys plotter.XYs
	var texts []string
	var shares []float64
	for row := range n {
		for column := range n {
			xys = append(xys, plotter.XY{X: grid.X(column), Y: grid.Y(row)})
			texts = append(texts, strconv.Itoa(c.Counts[grid.trueClass(row)][column]))
			shares = append(shares, grid.Z(column, row))
		}
	}

	labels, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: texts})
	if err != nil {
		return nil, err
	}
	for i := range labels.TextStyle {
		labels.TextStyle[i].XAlign = draw.XCenter
		labels.TextStyle[i].YAlign = draw.YCenter
		labels.TextStyle[i].Color = color.Black
		if shares[i] > 0.5 {
			labels.TextStyle[i].Color = color.White
		}
	}
	return labels, nil
}

// sequentialPalette runs from white for an empty share to dark blue for a
// full one, in the given number of steps.
type sequentialPalette int

func (s sequentialPalette) Colors() []color.Color {
	light := [3]float64{255, 255, 255}
	dark := [3]float64{8, 48, 107}
	colors := make([]color.Color, s)
	for i := range colors {
		f := float64(i) / float64(len(colors)-1)
		mix := func(k int) uint8 { return uint8(math.Round(light[k] + f*(dark[k]-light[k]))) }
		colors[i] = color.RGBA{R: mix(0), G: mix(1), B: mix(2), A: 255}
	}
	return colors
}
