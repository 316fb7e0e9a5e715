package data

import (
	"fmt"
	"io/fs"
	"strings"
)

// MissingFilesError lists the files of a dataset that are still missing after Ensure, with
// where to get each one and where to put it, so that they can be fetched by hand. It matches
// fs.ErrNotExist under errors.Is, and also the download error that caused it, if any.
type MissingFilesError struct {
	// Dataset is the dataset name, for example "mnist".
	Dataset string

	// Files are the missing files.
	Files []MissingFile

	// Cause is the download error, or nil when downloading was off.
	Cause error
}

// MissingFile is one missing file and where it comes from.
type MissingFile struct {
	// Name is the file name.
	Name string

	// URLs are the places to download it from, the preferred one first. For an archive member
	// they are the archive's URLs.
	URLs []string

	// Dir is the directory to put the downloaded file in. For an archive member it is the
	// directory to extract the archive into.
	Dir string

	// InArchive marks a member of an archive that must be extracted.
	InArchive bool
}

func (e *MissingFilesError) Error() string {
	var b strings.Builder
	if e.Cause == nil {
		fmt.Fprintf(&b, "data: %s: %d files missing and downloading is off", e.Dataset, len(e.Files))
	} else {
		fmt.Fprintf(&b, "data: %s: download failed, so %d files are still missing: %v", e.Dataset, len(e.Files), e.Cause)
	}

	b.WriteString("\nput each file into its directory by hand, or set a data directory that has them with -data or " + DataDirEnv + ":")
	for _, f := range e.Files {
		if f.InArchive {
			fmt.Fprintf(&b, "\n  %s: download %s and extract it into %s", f.Name, strings.Join(f.URLs, " or "), f.Dir)
		} else {
			fmt.Fprintf(&b, "\n  %s: download %s into %s", f.Name, strings.Join(f.URLs, " or "), f.Dir)
		}
	}
	if e.Dataset == "fashion-mnist" && FashionMNISTSystemDir != "" {
		fmt.Fprintf(&b, "\nor, on Debian and Ubuntu, install the package dataset-fashion-mnist, which puts them in %s", FashionMNISTSystemDir)
	}
	return b.String()
}

func (e *MissingFilesError) Unwrap() []error {
	if e.Cause == nil {
		return []error{fs.ErrNotExist}
	}
	return []error{fs.ErrNotExist, e.Cause}
}
