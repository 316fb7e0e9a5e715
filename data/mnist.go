package data

import "path/filepath"

// MNIST image geometry and class count. Fashion-MNIST has the same.
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
// A missing file gives an error that wraps fs.ErrNotExist, names the file and folder, and gives
// the download URL. Ensure downloads the files.
func LoadMNIST(dir string, train bool) (*Dataset, error) {
	set := idxSet{
		dataset: "mnist",
		folders: []string{filepath.Join(dir, MNISTSubdir)},
		subdir:  MNISTSubdir,
		stats:   MNISTStats(),
	}
	return set.load(train)
}
