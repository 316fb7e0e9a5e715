package data

import "path/filepath"

// FashionMNISTSubdir is the folder under the data directory that contains the Fashion-MNIST
// files. They have the same IDX format and file names as the MNIST files.
const FashionMNISTSubdir = "fashion-mnist"

// FashionMNISTSystemDir is the folder that Debian's package dataset-fashion-mnist installs the
// four Fashion-MNIST files into. LoadFashionMNIST and Ensure look there for each file that
// <dir>/fashion-mnist lacks. Tests point it at a temporary directory.
var FashionMNISTSystemDir = "/usr/share/datasets/fashion-mnist"

// FashionMNISTClassNames are the class names by label, as the Fashion-MNIST authors list them.
var FashionMNISTClassNames = [MNISTClasses]string{
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
}

// LoadFashionMNIST reads the Fashion-MNIST training set (train true) or test set. Each file is
// looked up in dir/fashion-mnist first and then in FashionMNISTSystemDir, as <name>.gz or as
// <name> without the suffix. The returned dataset has C=1, H=W=28, raw pixels and the
// Fashion-MNIST normalization stats.
//
// A file missing from both folders gives an error that wraps fs.ErrNotExist, names both
// folders and gives the download URL.
func LoadFashionMNIST(dir string, train bool) (*Dataset, error) {
	set := idxSet{
		dataset: "fashion-mnist",
		folders: fashionMNISTFolders(dir),
		subdir:  FashionMNISTSubdir,
		stats:   FashionMNISTStats(),

		classNames: FashionMNISTClassNames[:],
	}
	return set.load(train)
}

// fashionMNISTFolders returns the folders to search, the data directory's first.
func fashionMNISTFolders(dir string) []string {
	folders := []string{filepath.Join(dir, FashionMNISTSubdir)}
	if FashionMNISTSystemDir != "" {
		folders = append(folders, FashionMNISTSystemDir)
	}
	return folders
}
