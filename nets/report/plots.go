package report

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// EpochPoint holds the metrics measured after one epoch.
type EpochPoint struct {
	Epoch     int     `json:"epoch"`          // 1-based
	TrainLoss float64 `json:"train_loss"`     // mean cross-entropy over the epoch's training steps
	TrainAcc  float64 `json:"train_accuracy"` // fraction in [0, 1]
	TestLoss  float64 `json:"test_loss"`      // mean cross-entropy over the test set
	TestAcc   float64 `json:"test_accuracy"`  // fraction in [0, 1]
}

// metric is a number with the name that error messages give it.
type metric struct {
	name     string
	value    float64
	fraction bool // the value must be in [0, 1]
}

func (p EpochPoint) fields() []metric {
	return []metric{
		{"train loss", p.TrainLoss, false},
		{"train accuracy", p.TrainAcc, true},
		{"test loss", p.TestLoss, false},
		{"test accuracy", p.TestAcc, true},
	}
}

// Size of the curve images: 7 x 4.5 inches at the 96 DPI of gonum/plot's
// PNG writer, which is 672 x 432 pixels.
const (
	curveWidth  = 7 * vg.Inch
	curveHeight = 4.5 * vg.Inch
)

// WriteCurves writes <dir>/<model>-loss.png with the train and test loss
// per epoch and <dir>/<model>-accuracy.png with the train and test
// accuracy in percent. It returns the paths written, which are only the
// loss image when writing the accuracy image fails. Points must be in
// increasing epoch order, with finite values and accuracies in [0, 1].
func WriteCurves(dir, model string, points []EpochPoint) (files []string, err error) {
	if err := checkModelName(model); err != nil {
		return nil, err
	}
	if err := validatePoints(model, points); err != nil {
		return nil, err
	}

	var trainLoss, testLoss, trainAcc, testAcc plotter.XYs
	for _, p := range points {
		x := float64(p.Epoch)
		trainLoss = append(trainLoss, plotter.XY{X: x, Y: p.TrainLoss})
		testLoss = append(testLoss, plotter.XY{X: x, Y: p.TestLoss})
		trainAcc = append(trainAcc, plotter.XY{X: x, Y: 100 * p.TrainAcc})
		testAcc = append(testAcc, plotter.XY{X: x, Y: 100 * p.TestAcc})
	}

	lossPath := filepath.Join(dir, model+"-loss.png")
	lossPlot, err := curvePlot(model+": loss per epoch", "cross-entropy loss", trainLoss, testLoss)
	if err != nil {
		return nil, err
	}
	// Loss falls over training, so the upper right corner is usually empty.
	placeLegend(lossPlot, true)
	if err := savePNG(lossPath, lossPlot, curveWidth, curveHeight); err != nil {
		return nil, err
	}
	files = append(files, lossPath)

	accuracyPath := filepath.Join(dir, model+"-accuracy.png")
	accuracyPlot, err := curvePlot(model+": accuracy per epoch", "accuracy (%)", trainAcc, testAcc)
	if err != nil {
		return files, err
	}
	placeLegend(accuracyPlot, false)
	if err := savePNG(accuracyPath, accuracyPlot, curveWidth, curveHeight); err != nil {
		return files, err
	}
	return append(files, accuracyPath), nil
}

// checkModelName rejects model names that would place the image outside
// dir or make an invalid file name.
func checkModelName(model string) error {
	if model == "" || model == "." || model == ".." || strings.ContainsAny(model, `/\`+"\x00") {
		return fmt.Errorf("report: model name %q cannot be used in an image file name; pass a name without path separators, such as one from nets.Names", model)
	}
	return nil
}

func validatePoints(model string, points []EpochPoint) error {
	if len(points) == 0 {
		return fmt.Errorf("report: no epoch points for model %s; train at least one epoch before writing curves", model)
	}
	for i, p := range points {
		if i > 0 && p.Epoch <= points[i-1].Epoch {
			return fmt.Errorf("report: epoch points for model %s are out of order: epoch %d follows epoch %d; pass them in increasing epoch order",
				model, p.Epoch, points[i-1].Epoch)
		}
		for _, f := range p.fields() {
			if math.IsNaN(f.value) || math.IsInf(f.value, 0) {
				return fmt.Errorf("report: model %s epoch %d has %s %v; only finite values can be plotted", model, p.Epoch, f.name, f.value)
			}
			if f.fraction && (f.value < 0 || f.value > 1) {
				return fmt.Errorf("report: model %s epoch %d has %s %v; pass a fraction in [0, 1], not a percentage", model, p.Epoch, f.name, f.value)
			}
		}
	}
	return nil
}

// curvePlot returns a plot of the train and test series against the
// epoch, with lines and point markers so that a single epoch still shows.
func curvePlot(title, yLabel string, train, test plotter.XYs) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(8)
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = yLabel
	p.X.Tick.Marker = integerTicks{}
	p.Y.Tick.Marker = valueTicks{}
	p.Add(plotter.NewGrid())

	for i, series := range []struct {
		name string
		xys  plotter.XYs
	}{{"train", train}, {"test", test}} {
		line, points, err := plotter.NewLinePoints(series.xys)
		if err != nil {
			return nil, fmt.Errorf("report: building the %s curve of %q failed: %w", series.name, title, err)
		}
		line.Color = plotutil.Color(i)
		line.Width = vg.Points(1.5)
		points.Color = plotutil.Color(i)
		points.Shape = plotutil.Shape(i)
		points.Radius = vg.Points(3)
		p.Add(line, points)
		p.Legend.Add(series.name, line, points)
	}
	padRanges(p)
	return p, nil
}

// padRanges widens the axes beyond the data, which p.Add fitted them to
// exactly, so that point markers at the ends are not cut in half. A single
// epoch gets a range of one epoch around it.
func padRanges(p *plot.Plot) {
	xPad := max(0.5, 0.03*(p.X.Max-p.X.Min))
	p.X.Min -= xPad
	p.X.Max += xPad

	yPad := 0.08 * (p.Y.Max - p.Y.Min)
	if yPad == 0 {
		yPad = max(0.05*math.Abs(p.Y.Max), 0.5)
	}
	p.Y.Min -= yPad
	p.Y.Max += yPad
}

// placeLegend puts the legend in the right corner at the top or bottom,
// moved inwards so that it clears the axes' edges.
func placeLegend(p *plot.Plot, top bool) {
	p.Legend.Top = top
	p.Legend.XOffs = -vg.Points(10)
	p.Legend.YOffs = vg.Points(10)
	if top {
		p.Legend.YOffs = -vg.Points(10)
	}
}

// integerTicks labels whole epochs only, at a step of 1, 2 or 5 times a
// power of ten chosen so that at most 10 labels fit in the range.
type integerTicks struct{}

func (integerTicks) Ticks(min, max float64) []plot.Tick {
	first, last := math.Ceil(min), math.Floor(max)
	step := 1.0
	for (last-first)/step >= 10 {
		switch {
		case isPowerOfTen(step):
			step *= 2
		case isPowerOfTen(step / 2):
			step = step / 2 * 5
		default:
			step *= 2
		}
	}

	var ticks []plot.Tick
	for v := math.Ceil(first/step) * step; v <= last; v += step {
		if v == 0 {
			v = 0 // Ceil of a small negative number is -0, which would print as "-0".
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', 0, 64)})
	}
	return ticks
}

// valueTicks labels about five round values (a step of 1, 2 or 5 times a
// power of ten) with as many decimals as the step needs, so that every
// label is the exact value of its grid line.
type valueTicks struct{}

func (valueTicks) Ticks(low, high float64) []plot.Tick {
	if !(high > low) {
		return []plot.Tick{{Value: low, Label: strconv.FormatFloat(low, 'g', 6, 64)}}
	}
	raw := (high - low) / 5
	power := math.Pow(10, math.Floor(math.Log10(raw)))
	step := power
	for _, m := range []float64{2, 5, 10} {
		if step >= raw {
			break
		}
		step = m * power
	}
	decimals := max(0, -int(math.Floor(math.Log10(step)+1e-9)))

	var ticks []plot.Tick
	for i := math.Ceil(low / step); i*step <= high+1e-9*step; i++ {
		v := i * step
		if v == 0 {
			v = 0 // avoid printing -0
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', decimals, 64)})
	}
	return ticks
}

func isPowerOfTen(v float64) bool {
	exponent := math.Round(math.Log10(v))
	return math.Abs(v-math.Pow(10, exponent)) < 1e-9*v
}

// savePNG renders p as a w x h PNG and writes it atomically to path.
func savePNG(path string, p *plot.Plot, w, h vg.Length) error {
	image, err := p.WriterTo(w, h, "png")
	if err != nil {
		return fmt.Errorf("report: rendering %s failed: %w", path, err)
	}
	return writeFileAtomic(path, func(out io.Writer) error {
		_, err := image.WriteTo(out)
		return err
	})
}
