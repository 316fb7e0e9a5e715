package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Confusion is a confusion matrix: Counts[t][p] is the number of samples
// of true class t that the model predicted as class p. The methods expect
// the square shape NewConfusion makes. Format and WriteConfusionPNG check
// it and return an error, and the others may panic on a malformed matrix.
type Confusion struct {
	Classes []string
	Counts  [][]int // [true][predicted]
}

// NewConfusion returns an empty len(classes) x len(classes) matrix. It
// keeps its own copy of classes.
func NewConfusion(classes []string) *Confusion {
	c := &Confusion{
		Classes: append([]string(nil), classes...),
		Counts:  make([][]int, len(classes)),
	}
	for i := range c.Counts {
		c.Counts[i] = make([]int, len(classes))
	}
	return c
}

// Add counts one sample of true class label predicted as class predicted.
func (c *Confusion) Add(label, predicted int) error {
	n := len(c.Classes)
	if label < 0 || label >= n {
		return fmt.Errorf("report: true label %d is out of range [0, %d) for a %d-class confusion matrix", label, n, n)
	}
	if predicted < 0 || predicted >= n {
		return fmt.Errorf("report: predicted class %d is out of range [0, %d) for a %d-class confusion matrix", predicted, n, n)
	}
	c.Counts[label][predicted]++
	return nil
}

// Total returns the number of samples counted.
func (c *Confusion) Total() int {
	total := 0
	for _, row := range c.Counts {
		for _, count := range row {
			total += count
		}
	}
	return total
}

// Accuracy returns the fraction of samples on the diagonal, or 0 when the
// matrix is empty.
func (c *Confusion) Accuracy() float64 {
	total := c.Total()
	if total == 0 {
		return 0
	}
	return float64(c.diagonal()) / float64(total)
}

// PerClass returns the recall of each true class: the fraction of its
// samples predicted correctly. A class with no samples gets 0 rather than
// NaN, so the result can be encoded as JSON.
func (c *Confusion) PerClass() []float64 {
	recall := make([]float64, len(c.Counts))
	for i, row := range c.Counts {
		if n := sum(row); n > 0 {
			recall[i] = float64(row[i]) / float64(n)
		}
	}
	return recall
}

func sum(values []int) int {
	total := 0
	for _, v := range values {
		total += v
	}
	return total
}

// Format writes the overall accuracy, one accuracy line per class and then
// the matrix with true classes as rows and predicted classes as columns.
// Numbers are right-aligned in columns as wide as their longest entry.
func (c *Confusion) Format(w io.Writer) error {
	if err := c.validate(); err != nil {
		return err
	}

	var b strings.Builder
	const corner = "true \\ predicted"
	classWidth := 0
	for _, name := range c.Classes {
		classWidth = max(classWidth, len(name))
	}
	rowLabelWidth := max(classWidth, len(corner))

	fmt.Fprintf(&b, "accuracy %.2f%% (%d/%d)\n\n", 100*c.Accuracy(), c.diagonal(), c.Total())
	fmt.Fprintln(&b, "per-class accuracy (recall):")
	for i, recall := range c.PerClass() {
		fmt.Fprintf(&b, "  %-*s  %6.2f%%  (%d/%d)\n", classWidth, c.Classes[i], 100*recall, c.Counts[i][i], sum(c.Counts[i]))
	}

	fmt.Fprintln(&b)
	fmt.Fprintln(&b, "confusion matrix (rows: true class, columns: predicted class):")
	widths := make([]int, len(c.Classes))
	for p, name := range c.Classes {
		widths[p] = len(name)
		for _, row := range c.Counts {
			widths[p] = max(widths[p], len(strconv.Itoa(row[p])))
		}
	}
	fmt.Fprintf(&b, "  %-*s", rowLabelWidth, corner)
	for p, name := range c.Classes {
		fmt.Fprintf(&b, "  %*s", widths[p], name)
	}
	fmt.Fprintln(&b)
	for t, row := range c.Counts {
		fmt.Fprintf(&b, "  %-*s", rowLabelWidth, c.Classes[t])
		for p, count := range row {
			fmt.Fprintf(&b, "  %*d", widths[p], count)
		}
		fmt.Fprintln(&b)
	}

	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("report: writing the confusion matrix failed: %w", err)
	}
	return nil
}

func (c *Confusion) diagonal() int {
	correct := 0
	for i, row := range c.Counts {
		correct += row[i]
	}
	return correct
}

// validate checks that Counts is a square matrix matching Classes, with
// no negative counts, as a matrix decoded from JSON might not be.
func (c *Confusion) validate() error {
	n := len(c.Classes)
	if len(c.Counts) != n {
		return fmt.Errorf("report: confusion matrix has %d rows for %d classes; build it with NewConfusion", len(c.Counts), n)
	}
	for t, row := range c.Counts {
		if len(row) != n {
			return fmt.Errorf("report: confusion matrix row %d (%s) has %d columns for %d classes; build it with NewConfusion", t, c.Classes[t], len(row), n)
		}
		for p, count := range row {
			if count < 0 {
				return fmt.Errorf("report: confusion matrix cell [%s][%s] is %d; counts must be 0 or more", c.Classes[t], c.Classes[p], count)
			}
		}
	}
	return nil
}
