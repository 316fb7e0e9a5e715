package data

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// CIFAR-10 binary-version geometry. A record is one label byte followed by the red, green and
// blue planes of a 32×32 image, each plane row-major, so the pixels of a record are already CHW.
const (
	CIFAR10Height     = 32
	CIFAR10Width      = 32
	CIFAR10Channels   = 3
	CIFAR10Classes    = 10
	CIFAR10RecordSize = 1 + CIFAR10Channels*CIFAR10Height*CIFAR10Width
)

// CIFAR10Subdir is the folder under the data directory that contains the CIFAR-10 batches. It is
// also the top folder of the official archive, so extracting the archive into the data
// directory puts the files in place.
const CIFAR10Subdir = "cifar-10-batches-bin"

// CIFAR10ClassNames are the class names by label, as listed in the archive's batches.meta.txt.
var CIFAR10ClassNames = [CIFAR10Classes]string{
	"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
}

// MaxCIFARBytes is the largest CIFAR-10 batch file that the readers accept. The official
// batches are 30,730,000 bytes each.
const MaxCIFARBytes = 1<<31 - 1

// cifar10TrainFiles and cifar10TestFile are the batch files of the two sets, in dataset order.
var cifar10TrainFiles = []string{
	"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin",
}

const cifar10TestFile = "test_batch.bin"

// LoadCIFAR10 reads the CIFAR-10 training set (train true, data_batch_1.bin to
// data_batch_5.bin in that order) or the test set (test_batch.bin) from dir/cifar-10-batches-bin.
// The returned dataset has C=3, H=W=32, raw pixels in NCHW order and the CIFAR-10 stats. The
// training set also gets CIFAR10Augment as its default augmentation.
//
// A missing file gives an error that wraps fs.ErrNotExist and names the folder for the file and
// the archive to extract it from. A file that is empty, whose size is not a multiple of the 3,073-byte record, or
// that contains a label above 9 gives an error that names the file.
func LoadCIFAR10(dir string, train bool) (*Dataset, error) {
	folder := filepath.Join(dir, CIFAR10Subdir)
	names, setName := []string{cifar10TestFile}, "cifar10 test"
	if train {
		names, setName = cifar10TrainFiles, "cifar10 train"
	}

	// The sizes come first, so that the pixels can be allocated once for all files.
	paths := make([]string, len(names))
	total := int64(0)
	for i, name := range names {
		paths[i] = filepath.Join(folder, name)
		size, err := statCIFARFile(dir, paths[i])
		if err != nil {
			return nil, err
		}
		total += size
	}

	count := int(total / CIFAR10RecordSize)
	ds := &Dataset{
		Name:    setName,
		N:       count,
		C:       CIFAR10Channels,
		H:       CIFAR10Height,
		W:       CIFAR10Width,
		Pixels:  make([]uint8, 0, count*(CIFAR10RecordSize-1)),
		Labels:  make([]uint8, 0, count),
		Classes: CIFAR10Classes,
		Stats:   CIFAR10Stats(),

		ClassNames: CIFAR10ClassNames[:],
	}
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
		ds.Pixels, ds.Labels, err = decodeCIFAR(ds.Pixels, ds.Labels, raw, path)
		if err != nil {
			return nil, err
		}
	}

	// A file that changed size between the stat and the read leaves the count wrong.
	if len(ds.Labels) != count {
		return nil, fmt.Errorf("data: %s: files changed while being read: %d records, want %d", folder, len(ds.Labels), count)
	}
	if train {
		ds.Augment = CIFAR10Augment()
	}
	return ds, nil
}

// ReadCIFAR decodes a CIFAR-10 binary batch stream of whole records. The name is used only in
// error messages and as the dataset name. The returned dataset has no default augmentation.
func ReadCIFAR(r io.Reader, name string) (*Dataset, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxCIFARBytes+1))
	if err != nil {
		return nil, fmt.Errorf("data: %s: read failed: %w", name, err)
	}
	if err := checkCIFARSize(int64(len(raw)), name); err != nil {
		return nil, err
	}

	count := len(raw) / CIFAR10RecordSize
	pixels, labels, err := decodeCIFAR(make([]uint8, 0, count*(CIFAR10RecordSize-1)), make([]uint8, 0, count), raw, name)
	if err != nil {
		return nil, err
	}
	ds := &Dataset{
		Name:       name,
		N:          count,
		C:          CIFAR10Channels,
		H:          CIFAR10Height,
		W:          CIFAR10Width,
		Pixels:     pixels,
		Labels:     labels,
		Classes:    CIFAR10Classes,
		ClassNames: CIFAR10ClassNames[:],
		Stats:      CIFAR10Stats(),
	}
	return ds, nil
}

// statCIFARFile returns the size of a batch file after checking it. For a missing file it
// returns a not-found error with the archive URL and the folder to extract it into.
func statCIFARFile(dir, path string) (int64, error) {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		message := fmt.Sprintf("data: cifar10 file %s not found: download %s and extract it into %s (it unpacks to %s/), call data.Ensure with dataset %q, or point -data or %s at a directory that contains %s/",
			path, cifar10ArchiveURL, dir, CIFAR10Subdir, "cifar10", DataDirEnv, CIFAR10Subdir)
		return 0, &missingFileError{message: message}
	}
	if err != nil {
		return 0, fmt.Errorf("data: %w", err)
	}
	if !info.Mode().IsRegular() {
		return 0, fmt.Errorf("data: %s: not a regular file", path)
	}
	return info.Size(), checkCIFARSize(info.Size(), path)
}

func checkCIFARSize(size int64, name string) error {
	if size == 0 {
		return fmt.Errorf("data: %s: empty file: a CIFAR-10 batch contains records of %d bytes", name, CIFAR10RecordSize)
	}
	if size > MaxCIFARBytes {
		return fmt.Errorf("data: %s: file is larger than the %d-byte limit for a CIFAR-10 batch", name, int64(MaxCIFARBytes))
	}
	if size%CIFAR10RecordSize != 0 {
		return fmt.Errorf("data: %s: size %d bytes is not a multiple of the %d-byte record (1 label byte and %d pixel bytes): the file is cut short or is not a CIFAR-10 binary batch",
			name, size, CIFAR10RecordSize, CIFAR10RecordSize-1)
	}
	return nil
}

// decodeCIFAR appends the pixels and labels of the records in raw to pixels and labels.
func decodeCIFAR(pixels, labels, raw []uint8, name string) ([]uint8, []uint8, error) {
	if err := checkCIFARSize(int64(len(raw)), name); err != nil {
		return nil, nil, err
	}

	for start := 0; start < len(raw); start += CIFAR10RecordSize {
		label := raw[start]
		if label >= CIFAR10Classes {
			return nil, nil, fmt.Errorf("data: %s: label %d of record %d (byte offset %d) is out of range 0..%d", name, label, start/CIFAR10RecordSize, start, CIFAR10Classes-1)
		}
		labels = append(labels, label)
		pixels = append(pixels, raw[start+1:start+CIFAR10RecordSize]...)
	}
	return pixels, labels, nil
}
