package report

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// handConfusion returns a matrix with known counts:
//
//	true\pred  cat  dog  bird
//	cat         12    1     0
//	dog          2    3     1
//	bird         0    0     0
func handConfusion(t *testing.T) *Confusion {
	t.Helper()
	c := NewConfusion([]string{"cat", "dog", "bird"})
	pairs := [][2]int{}
	for range 12 {
		pairs = append(pairs, [2]int{0, 0})
	}
	pairs = append(pairs, [2]int{0, 1}, [2]int{1, 0}, [2]int{1, 0}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 2})
	for _, p := range pairs {
		if err := c.Add(p[0], p[1]); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestConfusionCounts(t *testing.T) {
	c := handConfusion(t)
	want := [][]int{{12, 1, 0}, {2, 3, 1}, {0, 0, 0}}
	for i := range want {
		for j := range want[i] {
			if c.Counts[i][j] != want[i][j] {
				t.Errorf("Counts[%d][%d] = %d, want %d", i, j, c.Counts[i][j], want[i][j])
			}
		}
	}
	if got := c.Total(); got != 19 {
		t.Errorf("Total() = %d, want 19", got)
	}
}

func TestConfusionAccuracy(t *testing.T) {
	c := handConfusion(t)
	if got, want := c.Accuracy(), 15.0/19.0; math.Abs(got-want) > 1e-15 {
		t.Errorf("Accuracy() = %v, want %v", got, want)
	}

	perClass := c.PerClass()
	want := []float64{12.0 / 13.0, 0.5, 0}
	if len(perClass) != len(want) {
		t.Fatalf("PerClass() has %d entries, want %d", len(perClass), len(want))
	}
	for i := range want {
		if math.Abs(perClass[i]-want[i]) > 1e-15 {
			t.Errorf("PerClass()[%d] = %v, want %v", i, perClass[i], want[i])
		}
	}
}

func TestConfusionEmpty(t *testing.T) {
	c := NewConfusion([]string{"a", "b"})
	if got := c.Accuracy(); got != 0 {
		t.Errorf("Accuracy() of an empty matrix = %v, want 0", got)
	}
	for i, v := range c.PerClass() {
		if v != 0 {
			t.Errorf("PerClass()[%d] of an empty matrix = %v, want 0", i, v)
		}
	}
}

func TestConfusionAddOutOfRange(t *testing.T) {
	c := NewConfusion([]string{"a", "b", "c"})
	for _, p := range [][2]int{{-1, 0}, {3, 0}, {0, -1}, {0, 3}} {
		if err := c.Add(p[0], p[1]); err == nil {
			t.Errorf("Add(%d, %d) accepted an out-of-range class", p[0], p[1])
		}
	}
	if c.Total() != 0 {
		t.Errorf("rejected samples were counted: Total() = %d", c.Total())
	}
}

func TestNewConfusionCopiesClasses(t *testing.T) {
	classes := []string{"a", "b"}
	c := NewConfusion(classes)
	classes[0] = "changed"
	if c.Classes[0] != "a" {
		t.Errorf("Classes[0] = %q after the caller changed its slice, want %q", c.Classes[0], "a")
	}
}

func TestConfusionFormat(t *testing.T) {
	var b bytes.Buffer
	if err := handConfusion(t).Format(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	lines := strings.Split(out, "\n")

	// Compare words, because the spacing is checked separately below.
	wantRows := []string{
		"accuracy 78.95% (15/19)",
		"cat 92.31% (12/13)",
		"dog 50.00% (3/6)",
		"bird 0.00% (0/0)",
		"true \\ predicted cat dog bird",
		"cat 12 1 0",
		"dog 2 3 1",
		"bird 0 0 0",
	}
	words := make(map[string]bool)
	for _, line := range lines {
		words[strings.Join(strings.Fields(line), " ")] = true
	}
	for _, row := range wantRows {
		if !words[row] {
			t.Errorf("output lacks the row %q:\n%s", row, out)
		}
	}

	// The matrix header and rows right-align their numbers, so all four
	// lines end in the same column.
	start := -1
	for i, line := range lines {
		if strings.Contains(line, "true \\ predicted") {
			start = i
		}
	}
	if start < 0 || start+4 > len(lines) {
		t.Fatalf("matrix header not found:\n%s", out)
	}
	for _, line := range lines[start+1 : start+4] {
		if len(line) != len(lines[start]) {
			t.Errorf("matrix line %q has length %d, header has %d", line, len(line), len(lines[start]))
		}
	}
	if !strings.HasSuffix(lines[start+1], "  12    1     0") {
		t.Errorf("cat row %q is not right-aligned under the class names", lines[start+1])
	}
}

func TestConfusionFormatMalformed(t *testing.T) {
	c := &Confusion{Classes: []string{"a", "b"}, Counts: [][]int{{1, 0}}}
	if err := c.Format(&bytes.Buffer{}); err == nil {
		t.Error("Format accepted a matrix with a missing row")
	}
	c.Counts = [][]int{{1, 0}, {0, -2}}
	if err := c.Format(&bytes.Buffer{}); err == nil {
		t.Error("Format accepted a negative count")
	}
}
