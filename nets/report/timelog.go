package report

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// TimeLogEntry is one line of the time log. The package documentation
// describes each column and its unit.
type TimeLogEntry struct {
	Date                            time.Time
	Model, Dataset, Backend, Device string

	Epochs       int     // epochs trained by this run
	TrainImages  int     // images processed by those epochs, summed over the epochs
	TrainSeconds float64 // wall time of those epochs' training steps, tests excluded
	ImagesPerSec float64
	TestAccuracy float64 // fraction in [0, 1], written as a percentage with 2 decimals
}

// TimeLogHeader is the first line of every time log, without its line feed.
const TimeLogHeader = "date\tmodel\tdataset\tbackend\tdevice\tepochs\ttrain_images\ttrain_seconds\timages_per_second\ttest_accuracy_percent"

const timeLogColumns = 10

var fieldSanitizer = strings.NewReplacer("\t", " ", "\r", " ", "\n", " ")

// AppendTimeLog appends e as one line to the time log at path, creating
// the file with its header when it is missing or empty. The header and the
// line go out in a single write to a file opened with O_APPEND, so
// processes appending at the same time do not interleave their lines.
// A file whose first line is not TimeLogHeader is left unchanged and
// reported as an error.
func AppendTimeLog(path string, e TimeLogEntry) error {
	line, err := formatTimeLogLine(path, e)
	if err != nil {
		return err
	}

	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("report: opening time log %s failed: %w", path, err)
	}
	defer f.Close()

	prefix, err := timeLogPrefix(path, f)
	if err != nil {
		return err
	}
	if _, err := f.Write([]byte(prefix + line)); err != nil {
		return fmt.Errorf("report: appending to time log %s failed: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("report: closing time log %s failed: %w", path, err)
	}
	return nil
}

// timeLogPrefix returns what has to be written before the next entry: the
// header when the file is empty, a line feed when the last line lacks one
// (a write that was cut short), or nothing.
//
// NOTE: two processes that both find the file empty both write the
// header. ReadTimeLog skips such repeated headers.
func timeLogPrefix(path string, f *os.File) (string, error) {
	info, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("report: reading the size of time log %s failed: %w", path, err)
	}
	if info.Size() == 0 {
		return TimeLogHeader + "\n", nil
	}

	// f is write-only, so the existing content is read through a second handle.
	r, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("report: opening time log %s for reading failed: %w", path, err)
	}
	defer r.Close()

	first := make([]byte, len(TimeLogHeader)+2)
	n, err := io.ReadFull(r, first)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("report: reading time log %s failed: %w", path, err)
	}
	firstLine, _, _ := bytes.Cut(first[:n], []byte("\n"))
	if string(bytes.TrimSuffix(firstLine, []byte("\r"))) != TimeLogHeader {
		return "", notTimeLogError(path, string(firstLine))
	}

	last := make([]byte, 1)
	if _, err := r.ReadAt(last, info.Size()-1); err != nil {
		return "", fmt.Errorf("report: reading the end of time log %s failed: %w", path, err)
	}
	if last[0] != '\n' {
		return "\n", nil
	}
	return "", nil
}

func notTimeLogError(path, firstLine string) error {
	return fmt.Errorf("report: %s is not a vkcnn time log because its first line is %q, not the header %q; "+
		"move the file away or pass another time log path", path, firstLine, TimeLogHeader)
}

// formatTimeLogLine returns e as a line ending in a line feed, or an error
// when a number cannot be written in the log's format.
func formatTimeLogLine(path string, e TimeLogEntry) (string, error) {
	if e.Date.IsZero() {
		return "", fmt.Errorf("report: time log entry for %s in %s has no date; set Date, for example to time.Now()", e.Model, path)
	}
	if e.Epochs < 0 || e.TrainImages < 0 {
		return "", fmt.Errorf("report: time log entry for %s in %s has epochs %d and train images %d; both must be 0 or more",
			e.Model, path, e.Epochs, e.TrainImages)
	}
	if !finiteNonNegative(e.TrainSeconds) || !finiteNonNegative(e.ImagesPerSec) {
		return "", fmt.Errorf("report: time log entry for %s in %s has train seconds %v and images per second %v; both must be finite and 0 or more",
			e.Model, path, e.TrainSeconds, e.ImagesPerSec)
	}
	if !(e.TestAccuracy >= 0 && e.TestAccuracy <= 1) {
		return "", fmt.Errorf("report: time log entry for %s in %s has test accuracy %v; pass a fraction in [0, 1], not a percentage",
			e.Model, path, e.TestAccuracy)
	}

	fields := []string{
		e.Date.UTC().Format(time.RFC3339),
		fieldSanitizer.Replace(e.Model),
		fieldSanitizer.Replace(e.Dataset),
		fieldSanitizer.Replace(e.Backend),
		fieldSanitizer.Replace(e.Device),
		strconv.Itoa(e.Epochs),
		strconv.Itoa(e.TrainImages),
		strconv.FormatFloat(e.TrainSeconds, 'f', 1, 64),
		strconv.FormatFloat(e.ImagesPerSec, 'f', 1, 64),
		strconv.FormatFloat(100*e.TestAccuracy, 'f', 2, 64),
	}
	return strings.Join(fields, "\t") + "\n", nil
}

func finiteNonNegative(v float64) bool {
	return v >= 0 && !math.IsInf(v, 1)
}

// ReadTimeLog parses the time log at path. Dates come back in UTC, and
// the numbers carry only the precision the log stores. A header repeated
// later in the file, which concurrent creators can leave, is skipped.
// A missing file returns an error that matches os.ErrNotExist.
func ReadTimeLog(path string) ([]TimeLogEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("report: opening time log %s failed: %w", path, err)
	}
	defer f.Close()

	var entries []TimeLogEntry
	scanner := bufio.NewScanner(f)
	lineNumber := 0
	for scanner.Scan() {
		lineNumber++
		line := strings.TrimSuffix(scanner.Text(), "\r")
		if lineNumber == 1 {
			if line != TimeLogHeader {
				return nil, notTimeLogError(path, line)
			}
			continue
		}
		if line == TimeLogHeader || line == "" {
			continue
		}
		e, err := parseTimeLogLine(line)
		if err != nil {
			return nil, fmt.Errorf("report: time log %s line %d is invalid: %w", path, lineNumber, err)
		}
		entries = append(entries, e)
	}
	if err := scanner.Err(); err != nil {
		return nil, fmt.Errorf("report: reading time log %s failed: %w", path, err)
	}
	return entries, nil
}

func parseTimeLogLine(line string) (TimeLogEntry, error) {
	fields := strings.Split(line, "\t")
	if len(fields) != timeLogColumns {
		return TimeLogEntry{}, fmt.Errorf("it has %d tab-separated columns, want %d", len(fields), timeLogColumns)
	}

	var e TimeLogEntry
	var err error
	if e.Date, err = time.Parse(time.RFC3339, fields[0]); err != nil {
		return e, fmt.Errorf("date: %w", err)
	}
	e.Date = e.Date.UTC()
	e.Model, e.Dataset, e.Backend, e.Device = fields[1], fields[2], fields[3], fields[4]
	if e.Epochs, err = strconv.Atoi(fields[5]); err != nil {
		return e, fmt.Errorf("epochs: %w", err)
	}
	if e.TrainImages, err = strconv.Atoi(fields[6]); err != nil {
		return e, fmt.Errorf("train_images: %w", err)
	}
	if e.TrainSeconds, err = strconv.ParseFloat(fields[7], 64); err != nil {
		return e, fmt.Errorf("train_seconds: %w", err)
	}
	if e.ImagesPerSec, err = strconv.ParseFloat(fields[8], 64); err != nil {
		return e, fmt.Errorf("images_per_second: %w", err)
	}
	percent, err := strconv.ParseFloat(fields[9], 64)
	if err != nil {
		return e, fmt.Errorf("test_accuracy_percent: %w", err)
	}
	e.TestAccuracy = percent / 100
	return e, nil
}
