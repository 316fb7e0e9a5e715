package report

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func sampleEntry(model string) TimeLogEntry {
	return TimeLogEntry{
		Date:         time.Date(2025, 3, 1, 14, 5, 9, 700_000_000, time.FixedZone("UTC+2", 2*60*60)),
		Model:        model,
		Dataset:      "cifar10",
		Backend:      "vulkan",
		Device:       "NVIDIA H200",
		Epochs:       3,
		TrainImages:  150000,
		TrainSeconds: 42.26,
		ImagesPerSec: 3549.44,
		TestAccuracy: 0.91234,
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestAppendTimeLogExactBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "time_log.txt")
	if err := AppendTimeLog(path, sampleEntry("cifar-resnet")); err != nil {
		t.Fatal(err)
	}

	want := "date\tmodel\tdataset\tbackend\tdevice\tepochs\ttrain_images\ttrain_seconds\timages_per_second\ttest_accuracy_percent\n" +
		"2025-03-01T12:05:09Z\tcifar-resnet\tcifar10\tvulkan\tNVIDIA H200\t3\t150000\t42.3\t3549.4\t91.23\n"
	if got := readFile(t, path); got != want {
		t.Errorf("file content:\n%q\nwant\n%q", got, want)
	}
}

func TestAppendTimeLogHeaderOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "time_log.txt")
	for i := range 3 {
		if err := AppendTimeLog(path, sampleEntry(fmt.Sprintf("model-%d", i))); err != nil {
			t.Fatal(err)
		}
	}

	lines := strings.Split(strings.TrimSuffix(readFile(t, path), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d lines, want 4 (header and 3 entries): %q", len(lines), lines)
	}
	if lines[0] != TimeLogHeader {
		t.Errorf("first line %q, want the header", lines[0])
	}
	for i, line := range lines[1:] {
		if line == TimeLogHeader {
			t.Errorf("line %d repeats the header", i+2)
		}
		if !strings.Contains(line, fmt.Sprintf("\tmodel-%d\t", i)) {
			t.Errorf("line %d is %q, want model-%d", i+2, line, i)
		}
	}
}

func TestAppendTimeLogKeepsEarlierBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "time_log.txt")
	if err := AppendTimeLog(path, sampleEntry("first")); err != nil {
		t.Fatal(err)
	}
	before := readFile(t, path)

	if err := AppendTimeLog(path, sampleEntry("second")); err != nil {
		t.Fatal(err)
	}
	after := readFile(t, path)

	if !strings.HasPrefix(after, before) {
		t.Errorf("earlier bytes changed:\nbefore %q\nafter  %q", before, after)
	}
	if added := after[len(before):]; !strings.Contains(added, "\tsecond\t") || strings.Count(added, "\n") != 1 {
		t.Errorf("appended %q, want one line for model second", added)
	}
}

func TestAppendTimeLogEmptyFileGetsHeader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "time_log.txt")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := AppendTimeLog(path, sampleEntry("m")); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); !strings.HasPrefix(got, TimeLogHeader+"\n") {
		t.Errorf("file starts with %q, want the header", got)
	}
}

func TestAppendTimeLogSanitizesText(t *testing.T) {
	path := filepath.Join(t.TempDir(), "time_log.txt")
	e := sampleEntry("net\twith tab")
	e.Device = "GPU\r\nname\there"
	e.Dataset = "line\nfeed"
	if err := AppendTimeLog(path, e); err != nil {
		t.Fatal(err)
	}

	content := readFile(t, path)
	if n := strings.Count(content, "\n"); n != 2 {
		t.Fatalf("file has %d line feeds, want 2: %q", n, content)
	}
	fields := strings.Split(strings.Split(content, "\n")[1], "\t")
	if len(fields) != 10 {
		t.Fatalf("entry has %d columns, want 10: %q", len(fields), fields)
	}
	if fields[1] != "net with tab" {
		t.Errorf("model column %q, want %q", fields[1], "net with tab")
	}
	if fields[2] != "line feed" {
		t.Errorf("dataset column %q, want %q", fields[2], "line feed")
	}
	if fields[4] != "GPU  name here" {
		t.Errorf("device column %q, want %q", fields[4], "GPU  name here")
	}
}

func TestAppendTimeLogRejectsForeignFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	const original = "shopping list\nmilk\n"
	if err := os.WriteFile(path, []byte(original), 0o644); err != nil {
		t.Fatal(err)
	}

	err := AppendTimeLog(path, sampleEntry("m"))
	if err == nil {
		t.Fatal("AppendTimeLog accepted a file with a foreign first line")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
	if !strings.Contains(err.Error(), "not a vkcnn time log") {
		t.Errorf("error %q does not say the file is not a time log", err)
	}
	if got := readFile(t, path); got != original {
		t.Errorf("foreign file changed to %q", got)
	}
}

func TestAppendTimeLogRejectsHeaderPrefix(t *testing.T) {
	path := filepath.Join(t.TempDir(), "time_log.txt")
	original := TimeLogHeader + "\textra_column\n"
	if err := os.WriteFile(path, []byte(original), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := AppendTimeLog(path, sampleEntry("m")); err == nil {
		t.Error("AppendTimeLog accepted a header with an extra column")
	}
	if got := readFile(t, path); got != original {
		t.Errorf("file changed to %q", got)
	}
}

func TestAppendTimeLogEndsCutLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "time_log.txt")
	if err := AppendTimeLog(path, sampleEntry("first")); err != nil {
		t.Fatal(err)
	}
	cut := strings.TrimSuffix(readFile(t, path), "\n")
	if err := os.WriteFile(path, []byte(cut), 0o644); err != nil {
		t.Fatal(err)
	}

	if err := AppendTimeLog(path, sampleEntry("second")); err != nil {
		t.Fatal(err)
	}
	entries, err := ReadTimeLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Model != "first" || entries[1].Model != "second" {
		t.Errorf("entries %+v, want models first and second", entries)
	}
}

func TestAppendTimeLogInvalidEntries(t *testing.T) {
	cases := []struct {
		name   string
		change func(*TimeLogEntry)
	}{
		{"accuracy as percent", func(e *TimeLogEntry) { e.TestAccuracy = 91.2 }},
		{"negative accuracy", func(e *TimeLogEntry) { e.TestAccuracy = -0.1 }},
		{"NaN accuracy", func(e *TimeLogEntry) { e.TestAccuracy = math.NaN() }},
		{"NaN seconds", func(e *TimeLogEntry) { e.TrainSeconds = math.NaN() }},
		{"infinite throughput", func(e *TimeLogEntry) { e.ImagesPerSec = math.Inf(1) }},
		{"negative epochs", func(e *TimeLogEntry) { e.Epochs = -1 }},
		{"zero date", func(e *TimeLogEntry) { e.Date = time.Time{} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "time_log.txt")
			e := sampleEntry("m")
			tc.change(&e)
			err := AppendTimeLog(path, e)
			if err == nil {
				t.Fatal("AppendTimeLog accepted the entry")
			}
			if !strings.HasPrefix(err.Error(), "report: ") {
				t.Errorf("error %q lacks the report: prefix", err)
			}
			if _, statErr := os.Stat(path); !os.IsNotExist(statErr) {
				t.Errorf("the log was created for a rejected entry (stat: %v)", statErr)
			}
		})
	}
}

func TestReadTimeLogRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "time_log.txt")
	want := []TimeLogEntry{
		{
			Date: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Model: "mnist-mlp", Dataset: "mnist",
			Backend: "cpu", Device: "16 cores", Epochs: 2, TrainImages: 120000,
			TrainSeconds: 12.5, ImagesPerSec: 9600, TestAccuracy: 0.9875,
		},
		{
			Date: time.Date(2025, 1, 2, 4, 0, 0, 0, time.UTC), Model: "cifar-vgg", Dataset: "cifar10",
			Backend: "vulkan", Device: "NVIDIA H200", Epochs: 30, TrainImages: 1500000,
			TrainSeconds: 600.1, ImagesPerSec: 2499.6, TestAccuracy: 0.8,
		},
	}
	for _, e := range want {
		if err := AppendTimeLog(path, e); err != nil {
			t.Fatal(err)
		}
	}

	got, err := ReadTimeLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d entries, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.Date.Equal(w.Date) || g.Date.Location() != time.UTC {
			t.Errorf("entry %d date %v, want %v in UTC", i, g.Date, w.Date)
		}
		if g.Model != w.Model || g.Dataset != w.Dataset || g.Backend != w.Backend || g.Device != w.Device {
			t.Errorf("entry %d text columns %+v, want %+v", i, g, w)
		}
		if g.Epochs != w.Epochs || g.TrainImages != w.TrainImages {
			t.Errorf("entry %d counts %d, %d, want %d, %d", i, g.Epochs, g.TrainImages, w.Epochs, w.TrainImages)
		}
		if g.TrainSeconds != w.TrainSeconds || g.ImagesPerSec != w.ImagesPerSec {
			t.Errorf("entry %d timing %v s, %v img/s, want %v s, %v img/s", i, g.TrainSeconds, g.ImagesPerSec, w.TrainSeconds, w.ImagesPerSec)
		}
		if math.Abs(g.TestAccuracy-w.TestAccuracy) > 1e-12 {
			t.Errorf("entry %d accuracy %v, want %v", i, g.TestAccuracy, w.TestAccuracy)
		}
	}
}

func TestReadTimeLogSkipsRepeatedHeader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "time_log.txt")
	line := "2025-03-01T12:05:09Z\tm\td\tcpu\tx\t1\t10\t1.0\t10.0\t50.00\n"
	content := TimeLogHeader + "\n" + line + TimeLogHeader + "\n" + line
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	entries, err := ReadTimeLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("read %d entries, want 2", len(entries))
	}
}

func TestReadTimeLogErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadTimeLog(filepath.Join(dir, "missing.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: error %v, want one matching os.ErrNotExist", err)
	}

	foreign := filepath.Join(dir, "foreign.txt")
	if err := os.WriteFile(foreign, []byte("a,b,c\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadTimeLog(foreign); err == nil || !strings.Contains(err.Error(), "not a vkcnn time log") {
		t.Errorf("foreign file: error %v, want one saying it is not a time log", err)
	}

	short := filepath.Join(dir, "short.txt")
	if err := os.WriteFile(short, []byte(TimeLogHeader+"\n2025-03-01T12:05:09Z\tm\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadTimeLog(short); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("short line: error %v, want one naming line 2", err)
	}
}

func TestAppendTimeLogConcurrentLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "time_log.txt")
	if err := AppendTimeLog(path, sampleEntry("setup")); err != nil {
		t.Fatal(err)
	}

	const writers, perWriter = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter)
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				e := sampleEntry(fmt.Sprintf("writer-%d-%d", w, i))
				e.Device = strings.Repeat("d", 500) // long lines make torn writes likelier to show
				errs <- AppendTimeLog(path, e)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	entries, err := ReadTimeLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1+writers*perWriter {
		t.Errorf("read %d entries, want %d", len(entries), 1+writers*perWriter)
	}
	if n := bytes.Count([]byte(readFile(t, path)), []byte(TimeLogHeader)); n != 1 {
		t.Errorf("header appears %d times, want 1", n)
	}
}
