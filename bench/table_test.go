package bench

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func readFixture(t *testing.T, name string) *File {
	t.Helper()
	f, err := Read(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// normalizedLines returns the lines of text with each run of spaces
// replaced by one space, so that tests can match rows without depending
// on the column widths.
func normalizedLines(text string) []string {
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		lines = append(lines, strings.Join(strings.Fields(line), " "))
	}
	return lines
}

func checkLines(t *testing.T, text string, wants ...string) {
	t.Helper()
	lines := normalizedLines(text)
	for _, want := range wants {
		found := false
		for _, line := range lines {
			found = found || line == want
		}
		if !found {
			t.Errorf("output has no line %q; output:\n%s", want, text)
		}
	}
}

func writeTable(t *testing.T, f *File) string {
	t.Helper()
	var out strings.Builder
	if err := f.WriteTable(&out); err != nil {
		t.Fatalf("WriteTable: %v", err)
	}
	return out.String()
}

func TestWriteTableRunHeader(t *testing.T) {
	text := writeTable(t, readFixture(t, "lavapipe.json"))

	checkLines(t, text,
		"Note: Test fixture with made-up numbers; not a measurement.",
		"Run 1 of 2: vkcnn vulkan, llvmpipe (LLVM 15.0.6, 256 bits)",
		"device llvmpipe (LLVM 15.0.6, 256 bits), cpu, vendor Mesa 0x10005",
		"driver llvmpipe 25.0.7, Mesa 25.0.7 (LLVM 15.0.6)",
		"API 1.4.305",
		"subgroup 8",
		"memory 24.0 GiB",
		"host CPU Example 8-core CPU (fixture), 8 logical cores, 24.0 GiB, linux/amd64",
		"Go go1.26.8",
		"date 2025-01-15 10:00:00 UTC",
		"peaks FMA scalar 40.0 GFLOP/s, FMA vec4 120.0 GFLOP/s, copy 10.0 GB/s",
		"Run 2 of 2: vkcnn cpu, Example 8-core CPU (fixture), 8 threads",
		"threads 8",
		"peaks not measured",
	)
}

func TestWriteTableDateInUTC(t *testing.T) {
	// The fixture's time is 18:30 at UTC+1.
	text := writeTable(t, readFixture(t, "fictional-gpu.json"))

	checkLines(t, text, "date 2025-01-16 17:30:00 UTC")
}

func TestWriteTableKernelRows(t *testing.T) {
	text := writeTable(t, readFixture(t, "lavapipe.json"))

	// 24920064 FLOP in 2.5 ms are 9.97 GFLOP/s, which is 8.3% of the
	// 120 GFLOP/s vec4 peak. 5739648 bytes in 2.5 ms are 2.30 GB/s, 23.0% of
	// the 10 GB/s copy peak.
	checkLines(t, text,
		"Conv2d forward 64 x[64,1,28,28] w[32,1,3,3] -> y[64,32,26,26] 2.50 2.40–2.60 10.0 2.3 8.3% 23.0%",
		"Linear forward 64 x[64,4608] w[128,4608] -> y[64,128] 8.00 7.90–8.20 9.4 0.446 7.9% 4.5%",
	)
}

func TestWriteTableModelRows(t *testing.T) {
	text := writeTable(t, readFixture(t, "lavapipe.json"))

	// MaxPool2d and ReLU both have 5%, and the tie goes to the name that sorts first.
	checkLines(t, text,
		"mnist-simple 64 410.0 [400.0–420.0] 1500.0 [1480.0–1520.0] 50.0 Conv2d 62%, Linear 25%, MaxPool2d 5% +2.0%",
		"cifar-baseline 64 51.5 [50.0–53.0] 202.5 [200.0–205.0] — — —",
		"mnist-simple 64 810.0 [800.0–820.0] 3000.0 [3000.0–3000.0] — — —",
	)
}

func TestWriteTableAlignsColumns(t *testing.T) {
	text := writeTable(t, readFixture(t, "lavapipe.json"))
	lines := strings.Split(text, "\n")

	// The batch column is right-aligned, so its title and values end in
	// the same column.
	headerEnd, rowEnd := -1, -1
	for _, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), "model ") && headerEnd < 0 {
			headerEnd = utf8.RuneCountInString(line[:strings.Index(line, "batch")+len("batch")])
		}
		if strings.HasPrefix(strings.TrimSpace(line), "cifar-baseline ") {
			rowEnd = utf8.RuneCountInString(line[:strings.Index(line, " 64 ")+len(" 64")])
		}
	}
	if headerEnd < 0 || rowEnd < 0 {
		t.Fatalf("model table header or cifar-baseline row not found in:\n%s", text)
	}
	if headerEnd != rowEnd {
		t.Errorf("batch title ends at column %d but the value 64 at column %d:\n%s", headerEnd, rowEnd, text)
	}
}

type failingWriter struct{}

var errWriteFailed = errors.New("write failed")

func (failingWriter) Write([]byte) (int, error) { return 0, errWriteFailed }

func TestWriteTableReturnsWriteError(t *testing.T) {
	err := readFixture(t, "lavapipe.json").WriteTable(failingWriter{})

	if !errors.Is(err, errWriteFailed) {
		t.Errorf("WriteTable error = %v, want %v", err, errWriteFailed)
	}
}
