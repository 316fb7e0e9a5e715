package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// DefaultStallTimeout is how long a download may go without receiving any bytes before
// Ensure gives up on that URL.
const DefaultStallTimeout = time.Minute

// EnsureOptions configure Ensure.
type EnsureOptions struct {
	// Offline turns downloading off: Ensure only verifies the files that are present and
	// returns a *MissingFilesError for the rest.
	Offline bool

	// BaseURLs replaces the registry's mirrors, tried in order, for example with a local mirror.
	BaseURLs []string

	// Source replaces the registry entry for the dataset. LookupSource returns a copy to start
	// from. BaseURLs, when set, still replaces Source.BaseURLs.
	Source *Source

	// RequireVerified makes a file without a recorded checksum an error instead of a warning.
	// A CIFAR-10 archive without a checksum is still accepted, because each batch extracted
	// from it is checked against its own checksum.
	RequireVerified bool

	// Output receives the progress bars, or progress lines when it is not a terminal, and the
	// warnings about unverified files. nil means os.Stderr, and io.Discard silences both.
	Output io.Writer

	// Client sends the HTTP requests. nil means http.DefaultClient.
	Client *http.Client

	// StallTimeout is how long one download may receive no bytes before it fails.
	// 0 means DefaultStallTimeout.
	StallTimeout time.Duration
}

// Ensure makes sure that the files of a dataset ("mnist", "fashion-mnist" or "cifar10") are in
// dir, verified against the registry's checksums, and downloads the missing ones.
//
// A file that is present but fails verification is an error, and Ensure leaves it in place and
// downloads nothing. A download goes to a temporary file in its destination folder and is
// renamed into place only after it passes verification, so a failed or interrupted download
// never leaves a file that would be taken for a good one. Each file is tried from every mirror
// in turn. When files are still missing, the error is a *MissingFilesError that lists each of
// them with its URL and the directory to put it in.
func Ensure(ctx context.Context, dir, dataset string, opts EnsureOptions) error {
	source, err := ensureSource(dataset, opts)
	if err != nil {
		return err
	}
	if dir == "" {
		return fmt.Errorf("data: no data directory given for %s: set -data or %s", dataset, DataDirEnv)
	}

	e := &ensurer{
		source: source,
		dir:    dir,
		folder: filepath.Join(dir, source.Subdir),
		opts:   opts,
		out:    opts.Output,
		client: opts.Client,
		stall:  opts.StallTimeout,
	}
	if e.out == nil {
		e.out = os.Stderr
	}
	if e.client == nil {
		e.client = http.DefaultClient
	}
	if e.stall <= 0 {
		e.stall = DefaultStallTimeout
	}
	return e.run(ctx)
}

// ensurer carries the state of one Ensure call.
type ensurer struct {
	source Source

	// dir is the data directory, and folder is the dataset's folder inside it.
	dir, folder string

	opts   EnsureOptions
	out    io.Writer
	client *http.Client
	stall  time.Duration
}

func (e *ensurer) run(ctx context.Context) error {
	missing, err := e.checkPresent()
	if err != nil {
		return err
	}
	if len(missing) == 0 {
		return nil
	}
	if e.opts.Offline {
		return e.missingError(missing, nil)
	}

	if err := ensureWritable(e.folder); err != nil {
		return err
	}

	if e.source.Archive != nil {
		if err := e.fetchArchive(ctx, missing); err != nil {
			return e.missingError(e.stillMissing(missing), err)
		}
		return nil
	}
	for i, f := range missing {
		if err := e.fetchFile(ctx, f); err != nil {
			return e.missingError(missing[i:], err)
		}
	}
	return nil
}

// checkPresent verifies the files that are present and returns the ones that are missing.
// It fails on the first file that is present but invalid.
func (e *ensurer) checkPresent() ([]RemoteFile, error) {
	var missing []RemoteFile
	for _, f := range e.source.Files {
		path, err := e.locate(f)
		if err != nil {
			return nil, err
		}
		if path == "" {
			missing = append(missing, f)
			continue
		}

		d, unverified, err := verifyFile(path, f)
		if err != nil {
			return nil, err
		}
		if unverified {
			if e.opts.RequireVerified {
				return nil, fmt.Errorf("data: %s has no recorded checksum, so it cannot be verified, and RequireVerified is set (its content's sha256 is %s)", path, d.sum)
			}
			e.warnUnverified(path, d)
		}
	}
	return missing, nil
}

// stillMissing returns the files that are still absent, because a failed extraction may have
// put some of them in place, verified, before it failed.
func (e *ensurer) stillMissing(files []RemoteFile) []RemoteFile {
	var missing []RemoteFile
	for _, f := range files {
		if path, err := e.locate(f); path == "" || err != nil {
			missing = append(missing, f)
		}
	}
	return missing
}

// locate returns the path of a present file, or an empty path. A gzip file also counts as
// present when it is stored decompressed without the .gz suffix.
func (e *ensurer) locate(f RemoteFile) (string, error) {
	names := []string{f.Name}
	if f.Gzip && strings.HasSuffix(f.Name, ".gz") {
		names = append(names, strings.TrimSuffix(f.Name, ".gz"))
	}

	for _, folder := range append([]string{e.folder}, e.source.ExtraDirs...) {
		for _, name := range names {
			path := filepath.Join(folder, name)
			info, err := os.Stat(path)
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
				// A file in place of a folder also means absent here, and ensureWritable
				// reports it when Ensure tries to create the folder.
				continue
			}
			if err != nil {
				return "", fmt.Errorf("data: %w", err)
			}
			if !info.Mode().IsRegular() {
				return "", fmt.Errorf("data: %s is not a regular file: remove it so that Ensure can download %s", path, f.Name)
			}
			return path, nil
		}
	}
	return "", nil
}

// fetchFile downloads one file into the dataset folder, trying each mirror in turn.
func (e *ensurer) fetchFile(ctx context.Context, f RemoteFile) error {
	dest := filepath.Join(e.folder, f.Name)

	var errs []error
	for _, base := range e.source.BaseURLs {
		url := fileURL(base, f.Name)
		tmpPath, d, unverified, err := e.downloadVerified(ctx, url, f, dest)
		if err == nil {
			err = e.accept(tmpPath, dest, url, d, unverified)
		}
		if err == nil {
			return nil
		}

		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return errors.Join(errs...)
}

// downloadVerified downloads url into a temporary file next to dest and verifies it. It
// returns the temporary file's path, which the caller must rename or delete, and deletes the
// file itself on any failure.
func (e *ensurer) downloadVerified(ctx context.Context, url string, f RemoteFile, dest string) (tmpPath string, d digest, unverified bool, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".download-*")
	if err != nil {
		return "", digest{}, false, fmt.Errorf("data: cannot create a temporary file for %s: %w", dest, err)
	}
	created := tmp.Name()
	defer func() {
		if err != nil {
			os.Remove(created)
		}
	}()

	err = e.get(ctx, url, f, tmp)
	if closeErr := tmp.Close(); err == nil && closeErr != nil {
		err = fmt.Errorf("data: writing %s failed: %w", created, closeErr)
	}
	if err != nil {
		return "", digest{}, false, err
	}

	d, unverified, err = verifyFile(created, f)
	var mismatch *ChecksumError
	if errors.As(err, &mismatch) {
		mismatch.Path, mismatch.URL = dest, url
		return "", digest{}, false, err
	}
	if err != nil {
		return "", digest{}, false, fmt.Errorf("%w (downloaded from %s, and the download was deleted)", err, url)
	}
	return created, d, unverified, nil
}

// accept moves a verified temporary file into place at dest. A file without a recorded
// checksum is reported as unverified, or deleted when RequireVerified is set. On any failure
// the temporary file is deleted.
func (e *ensurer) accept(tmpPath, dest, url string, d digest, unverified bool) error {
	if unverified && e.opts.RequireVerified {
		os.Remove(tmpPath)
		return fmt.Errorf("data: %s from %s has no recorded checksum, so it cannot be verified, and RequireVerified is set (its content's sha256 is %s): the download was deleted", dest, url, d.sum)
	}
	if unverified {
		e.warnUnverified(dest, d)
	}

	if err := os.Rename(tmpPath, dest); err != nil {
		os.Remove(tmpPath)
		return fmt.Errorf("data: %w", err)
	}
	return nil
}

func (e *ensurer) warnUnverified(path string, d digest) {
	fmt.Fprintf(e.out, "data: WARNING: %s is NOT verified, because the registry records no checksum for it (its content is %d bytes with sha256 %s)\n", path, d.size, d.sum)
}

// missingError lists the missing files with their URLs and where to put them.
func (e *ensurer) missingError(missing []RemoteFile, cause error) *MissingFilesError {
	err := &MissingFilesError{Dataset: e.source.Dataset, Cause: cause}
	for _, f := range missing {
		entry := MissingFile{Name: f.Name, Dir: e.folder}
		if e.source.Archive != nil {
			entry.Name = e.source.Subdir + "/" + f.Name
			entry.Dir = e.dir
			entry.InArchive = true
			for _, base := range e.source.BaseURLs {
				entry.URLs = append(entry.URLs, fileURL(base, e.source.Archive.Name))
			}
		} else {
			for _, base := range e.source.BaseURLs {
				entry.URLs = append(entry.URLs, fileURL(base, f.Name))
			}
		}
		err.Files = append(err.Files, entry)
	}
	return err
}

// ensureWritable creates folder and checks that a file can be created in it.
func ensureWritable(folder string) error {
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return fmt.Errorf("data: cannot create the dataset folder %s: %w: choose a writable data directory with -data or %s", folder, err, DataDirEnv)
	}

	probe, err := os.CreateTemp(folder, ".write-test-*")
	if err != nil {
		return fmt.Errorf("data: the dataset folder %s is not writable: %w: choose a writable data directory with -data or %s", folder, err, DataDirEnv)
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}
