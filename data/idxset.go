package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// IDX file names shared by MNIST and Fashion-MNIST, without the .gz suffix.
const (
	idxTrainImages = "train-images-idx3-ubyte"
	idxTrainLabels = "train-labels-idx1-ubyte"
	idxTestImages  = "t10k-images-idx3-ubyte"
	idxTestLabels  = "t10k-labels-idx1-ubyte"
)

// idxSet is a dataset stored as MNIST-style pairs of IDX image and label files.
type idxSet struct {
	// dataset is the name that Ensure and the registry use, for example "fashion-mnist".
	dataset string

	// folders are searched in order for each file.
	folders []string

	// subdir is the folder under the data directory where the files belong.
	subdir string

	stats ChannelStats

	// classNames name the labels; nil for digits.
	classNames []string
}

// load reads the training set (train true) or the test set.
func (s idxSet) load(train bool) (*Dataset, error) {
	imagesName, labelsName, setName := idxTestImages, idxTestLabels, s.dataset+" test"
	if train {
		imagesName, labelsName, setName = idxTrainImages, idxTrainLabels, s.dataset+" train"
	}

	imagesPath, err := s.find(imagesName)
	if err != nil {
		return nil, err
	}
	labelsPath, err := s.find(labelsName)
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
		Name:       setName,
		N:          count,
		C:          1,
		H:          MNISTHeight,
		W:          MNISTWidth,
		Pixels:     images.Data,
		Labels:     labels.Data,
		Classes:    MNISTClasses,
		ClassNames: s.classNames,
		Stats:      s.stats,
	}
	return ds, nil
}

// find returns the path of name.gz, or of name when only that exists, in the first folder
// that contains either.
func (s idxSet) find(name string) (string, error) {
	for _, folder := range s.folders {
		path, err := findIDXFile(folder, name)
		if path != "" || err != nil {
			return path, err
		}
	}

	url := "its download URL"
	if source, ok := lookupSource(s.dataset); ok && len(source.BaseURLs) > 0 {
		url = source.BaseURLs[0] + name + ".gz"
	}
	message := fmt.Sprintf("data: %s file %s.gz not found in %s: call data.Ensure with dataset %q or download %s into %s by hand, or point -data or %s at a directory that contains %s/",
		s.dataset, name, strings.Join(s.folders, " or "), s.dataset, url, s.folders[0], DataDirEnv, s.subdir)
	return "", &missingFileError{message: message}
}

// findIDXFile returns the path of folder/name.gz, or of folder/name when only that exists, or
// an empty path when neither does.
func findIDXFile(folder, name string) (string, error) {
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
	return "", nil
}

// missingFileError is a not-found error whose message names the folder for the file.
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
