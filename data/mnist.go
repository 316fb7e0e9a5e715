package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// MNIST image geometry and class count.
const (
	MNISTHeight  = 28
	MNISTWidth   = 28
	MNISTClasses = 10
)

// MNISTSubdir is the folder under the data directory that contains the MNIST files.
const MNISTSubdir = "mnist"

// LoadMNIST reads the MNIST training set (train true) or test set from dir/mnist.
// Each file is read as <name>.gz, or as <name> without the suffix when the .gz file is
// absent. The returned dataset has C=1, H=W=28, raw pixels and the MNIST normalization stats.
//
// A missing file gives an error that wraps fs.ErrNotExist and names the file and folder.
// Downloading is not implemented, so the files must already be there.
func LoadMNIST(dir string, train bool) (*Dataset, error) {
	folder := filepath.Join(dir, MNISTSubdir)
	imagesName, labelsName, setName := "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "mnist test"
	if train {
		imagesName, labelsName, setName = "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "mnist train"
	}

	imagesPath, err := findMNISTFile(folder, imagesName)
	if err != nil {
		return nil, err
	}
	labelsPath, err := findMNISTFile(folder, labelsName)
	if err != nil {
		return nil, err
	}

	images, err := readMNISTImages(imagesPath)
	if err != nil {
		return nil, err
	}
	labels, err := readMNISTLabels(labelsPath)
	if err != nil {
		return nil, err
	}

	count := images.Dims[0]
	if len(labels.Data) != count {
		return nil, fmt.Errorf("data: %s has %d images but %s has %d labels", imagesPath, count, labelsPath, len(labels.Data))
	}

	ds := &Dataset{
		Name:    setName,
		N:       count,
		C:       1,
		H:       MNISTHeight,
		W:       MNISTWidth,
		Pixels:  images.Data,
		Labels:  labels.Data,
		Classes: MNISTClasses,
		Stats:   MNISTStats(),
	}
	return ds, nil
}

// findMNISTFile returns the path of folder/name.gz, or of folder/name when only that exists.
func findMNISTFile(folder, name string) (string, error) {
	for _, candidate := range []string{name + ".gz", name} {
		path := filepath.Join(folder, candidate)
		_, err := os.Stat(path)
		if err == nil {
			return path, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("data: %w", err)
		}
	}

	message := fmt.Sprintf("data: mnist file %s.gz not found in %s: put the MNIST files there (downloading is not implemented), or point -data or %s at a directory that contains mnist/", name, folder, DataDirEnv)
	return "", &missingFileError{message: message}
}

// missingFileError is a not-found error whose message says where the file belongs.
// It matches fs.ErrNotExist under errors.Is.
type missingFileError struct {
	message string
}

func (e *missingFileError) Error() string { return e.message }

func (e *missingFileError) Unwrap() error { return fs.ErrNotExist }

// readMNISTImages reads an image file and checks that its dimensions are count x 28 x 28.
func readMNISTImages(path string) (*IDX, error) {
	images, err := ReadIDXFile(path)
	if err != nil {
		return nil, err
	}

	if len(images.Dims) != 3 {
		return nil, fmt.Errorf("data: %s: wrong number of dimensions: got %d, want 3 (count, rows, columns) for an image file", path, len(images.Dims))
	}
	if images.Dims[1] != MNISTHeight || images.Dims[2] != MNISTWidth {
		return nil, fmt.Errorf("data: %s: wrong image size %dx%d, want %dx%d", path, images.Dims[1], images.Dims[2], MNISTHeight, MNISTWidth)
	}
	if images.Dims[0] == 0 {
		return nil, fmt.Errorf("data: %s: file contains no images", path)
	}
	return images, nil
}

// readMNISTLabels reads a label file and checks that it is one-dimensional with labels 0..9.
func readMNISTLabels(path string) (*IDX, error) {
	labels, err := ReadIDXFile(path)
	if err != nil {
		return nil, err
	}

	if len(labels.Dims) != 1 {
		return nil, fmt.Errorf("data: %s: wrong number of dimensions: got %d, want 1 (count) for a label file", path, len(labels.Dims))
	}
	for i, label := range labels.Data {
		if label >= MNISTClasses {
			return nil, fmt.Errorf("data: %s: label %d at index %d is out of range 0..%d", path, label, i, MNISTClasses-1)
		}
	}
	return labels, nil
}
