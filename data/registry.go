package data

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// RemoteFile is one published file of a dataset, or one member of a published archive.
type RemoteFile struct {
	// Name is the file name under each base URL and in the dataset folder. For an archive
	// member it is the member's name inside the dataset folder.
	Name string

	// SHA256 is the lowercase hex SHA-256 of the content. For a gzip file it is taken after
	// decompression, so a copy with a different gzip header but the same data matches. Empty
	// means that no checksum is known: Ensure then accepts the file but reports it as
	// unverified, or rejects it when EnsureOptions.RequireVerified is set.
	SHA256 string

	// Size is the content size in bytes, after decompression for a gzip file. 0 means unknown.
	Size int64

	// MaxSize is the largest download that Ensure accepts, in bytes. When Size is 0 it also
	// limits the decompressed content, so that a gzip bomb cannot run for long.
	MaxSize int64

	// Gzip marks a gzip-compressed file. Such a file also counts as present when it is stored
	// decompressed under its name without the .gz suffix.
	Gzip bool
}

// Source describes where the files of a dataset come from and where they go.
type Source struct {
	// Dataset is the name that Ensure accepts, for example "mnist".
	Dataset string

	// Subdir is the folder under the data directory that contains the files.
	Subdir string

	// BaseURLs are the mirrors, tried in order. A file's URL is the base URL joined with its name.
	BaseURLs []string

	// Files are the files that make up the dataset in Subdir.
	Files []RemoteFile

	// Archive, when set, is the one published file: a gzip-compressed tar whose members are
	// <Subdir>/<name> for each of Files. Ensure downloads it, verifies it, and extracts only
	// those members.
	Archive *RemoteFile

	// IgnoredMembers are other archive members, relative to Subdir, that Ensure skips. Any
	// member that is neither one of Files nor listed here makes the archive invalid.
	IgnoredMembers []string

	// ExtraDirs are folders outside the data directory, searched after Subdir, where a present
	// file also counts. Ensure never writes to them.
	ExtraDirs []string
}

// Mirrors and archive of the published datasets.
const (
	mnistPrimaryURL     = "https://ossci-datasets.s3.amazonaws.com/mnist/"
	mnistMirrorURL      = "https://storage.googleapis.com/cvdf-datasets/mnist/"
	fashionMNISTBaseURL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
	cifar10BaseURL      = "https://www.cs.toronto.edu/~kriz/"
	cifar10ArchiveName  = "cifar-10-binary.tar.gz"
	cifar10ArchiveURL   = cifar10BaseURL + cifar10ArchiveName
)

// MNIST and Fashion-MNIST content sizes after decompression: a 16-byte header and 60,000 or
// 10,000 images of 784 bytes, and an 8-byte header and one byte per label.
const (
	idxTrainImagesSize = 16 + 60000*MNISTHeight*MNISTWidth
	idxTrainLabelsSize = 8 + 60000
	idxTestImagesSize  = 16 + 10000*MNISTHeight*MNISTWidth
	idxTestLabelsSize  = 8 + 10000
)

// cifar10BatchSize is the size of each official CIFAR-10 batch: 10,000 records.
const cifar10BatchSize = 10000 * CIFAR10RecordSize

// lookupSource returns the registry entry for a dataset. The checksums of the MNIST files
// (decompressed) and of the CIFAR-10 batches were computed from copies that had been checked
// against the checksums published for the originals.
func lookupSource(dataset string) (Source, bool) {
	switch dataset {
	case "mnist":
		return Source{
			Dataset:  "mnist",
			Subdir:   MNISTSubdir,
			BaseURLs: []string{mnistPrimaryURL, mnistMirrorURL},
			Files: []RemoteFile{
				{Name: idxTrainImages + ".gz", SHA256: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", Size: idxTrainImagesSize, MaxSize: 16 << 20, Gzip: true},
				{Name: idxTrainLabels + ".gz", SHA256: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", Size: idxTrainLabelsSize, MaxSize: 1 << 20, Gzip: true},
				{Name: idxTestImages + ".gz", SHA256: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", Size: idxTestImagesSize, MaxSize: 4 << 20, Gzip: true},
				{Name: idxTestLabels + ".gz", SHA256: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", Size: idxTestLabelsSize, MaxSize: 1 << 20, Gzip: true},
			},
		}, true

	case "fashion-mnist":
		// The SHA-256 of each file's decompressed content, computed from Debian's
		// dataset-fashion-mnist package (0.0~git20200523.55506a9-1), whose build rewrote only
		// the gzip headers of the authors' files.
		var extraDirs []string
		if FashionMNISTSystemDir != "" {
			extraDirs = []string{FashionMNISTSystemDir}
		}
		return Source{
			Dataset:  "fashion-mnist",
			Subdir:   FashionMNISTSubdir,
			BaseURLs: []string{fashionMNISTBaseURL},
			Files: []RemoteFile{
				{Name: idxTrainImages + ".gz", SHA256: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", Size: idxTrainImagesSize, MaxSize: 64 << 20, Gzip: true},
				{Name: idxTrainLabels + ".gz", SHA256: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", Size: idxTrainLabelsSize, MaxSize: 1 << 20, Gzip: true},
				{Name: idxTestImages + ".gz", SHA256: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", Size: idxTestImagesSize, MaxSize: 16 << 20, Gzip: true},
				{Name: idxTestLabels + ".gz", SHA256: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", Size: idxTestLabelsSize, MaxSize: 1 << 20, Gzip: true},
			},
			ExtraDirs: extraDirs,
		}, true

	case "cifar10":
		return Source{
			Dataset:  "cifar10",
			Subdir:   CIFAR10Subdir,
			BaseURLs: []string{cifar10BaseURL},
			Files: []RemoteFile{
				{Name: "data_batch_1.bin", SHA256: "cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5", Size: cifar10BatchSize, MaxSize: cifar10BatchSize},
				{Name: "data_batch_2.bin", SHA256: "a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed", Size: cifar10BatchSize, MaxSize: cifar10BatchSize},
				{Name: "data_batch_3.bin", SHA256: "bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67", Size: cifar10BatchSize, MaxSize: cifar10BatchSize},
				{Name: "data_batch_4.bin", SHA256: "014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48", Size: cifar10BatchSize, MaxSize: cifar10BatchSize},
				{Name: "data_batch_5.bin", SHA256: "755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add", Size: cifar10BatchSize, MaxSize: cifar10BatchSize},
				{Name: "test_batch.bin", SHA256: "8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b", Size: cifar10BatchSize, MaxSize: cifar10BatchSize},
			},

			// The archive is checked as downloaded, not decompressed: the SHA-256 below is the
			// one that other dataset loaders publish for the authors' cifar-10-binary.tar.gz of
			// 170,052,171 bytes, whose MD5 the CIFAR-10 page gives. Every extracted batch is
			// checked against its own checksum above as well.
			// NOTE: the list of other members was not checked against the real archive, so an
			// extra member in it would make Ensure reject the archive as unexpected.
			Archive: &RemoteFile{Name: cifar10ArchiveName, SHA256: "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
				Size: 170052171, MaxSize: 256 << 20},
			IgnoredMembers: []string{"batches.meta.txt", "readme.html"},
		}, true
	}
	return Source{}, false
}

// Datasets returns the names that Ensure and LookupSource accept.
func Datasets() []string {
	return []string{"cifar10", "fashion-mnist", "mnist"}
}

// LookupSource returns a copy of the registry entry for a dataset, which the caller may change
// and pass to Ensure through EnsureOptions.Source.
func LookupSource(dataset string) (Source, error) {
	source, ok := lookupSource(dataset)
	if !ok {
		return Source{}, fmt.Errorf("data: unknown dataset %q: want one of %s", dataset, strings.Join(Datasets(), ", "))
	}
	return source.clone(), nil
}

// clone returns a deep copy, so that changes to it do not reach the original.
func (s Source) clone() Source {
	s.BaseURLs = slices.Clone(s.BaseURLs)
	s.Files = slices.Clone(s.Files)
	s.IgnoredMembers = slices.Clone(s.IgnoredMembers)
	s.ExtraDirs = slices.Clone(s.ExtraDirs)
	if s.Archive != nil {
		archive := *s.Archive
		s.Archive = &archive
	}
	return s
}

// fileURL joins a base URL and a file name with exactly one slash between them.
func fileURL(base, name string) string {
	return strings.TrimSuffix(base, "/") + "/" + name
}

// sha256Hex matches a lowercase hex SHA-256.
var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ensureSource returns the source for a dataset with the options applied, after checking it.
func ensureSource(dataset string, opts EnsureOptions) (Source, error) {
	var source Source
	if opts.Source != nil {
		source = opts.Source.clone()
	} else {
		var err error
		if source, err = LookupSource(dataset); err != nil {
			return Source{}, err
		}
	}
	if len(opts.BaseURLs) > 0 {
		source.BaseURLs = append([]string(nil), opts.BaseURLs...)
	}

	if source.Dataset == "" {
		source.Dataset = dataset
	}
	if source.Subdir == "" || filepath.IsAbs(source.Subdir) || strings.Contains(source.Subdir, "..") {
		return Source{}, fmt.Errorf("data: %s: invalid source folder %q: want a relative folder name without ..", dataset, source.Subdir)
	}
	if len(source.BaseURLs) == 0 {
		return Source{}, fmt.Errorf("data: %s: no base URLs to download from", dataset)
	}

	files := source.Files
	if source.Archive != nil {
		files = append([]RemoteFile{*source.Archive}, files...)
	}
	for _, f := range files {
		if f.Name == "" || strings.ContainsAny(f.Name, `/\`) || f.Name == "." || f.Name == ".." {
			return Source{}, fmt.Errorf("data: %s: invalid file name %q: want a plain file name", dataset, f.Name)
		}
		if f.MaxSize <= 0 || f.Size < 0 || f.Size > f.MaxSize && !f.Gzip {
			return Source{}, fmt.Errorf("data: %s: %s: invalid sizes: size %d, maximum %d", dataset, f.Name, f.Size, f.MaxSize)
		}
		if f.SHA256 != "" && !sha256Hex.MatchString(f.SHA256) {
			return Source{}, fmt.Errorf("data: %s: %s: invalid SHA-256 %q: want 64 lowercase hex digits, or empty when unknown", dataset, f.Name, f.SHA256)
		}
	}
	return source, nil
}
