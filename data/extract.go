package data

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// fetchArchive downloads the dataset's archive, trying each mirror in turn, and extracts the
// missing files from it. The archive itself is deleted afterwards.
func (e *ensurer) fetchArchive(ctx context.Context, missing []RemoteFile) error {
	archive := *e.source.Archive
	dest := filepath.Join(e.folder, archive.Name)

	var errs []error
	for _, base := range e.source.BaseURLs {
		url := fileURL(base, archive.Name)
		tmpPath, d, unverified, err := e.downloadVerified(ctx, url, archive, dest)
		if err == nil {
			if unverified {
				fmt.Fprintf(e.out, "data: WARNING: archive %s from %s is NOT verified, because the registry records no checksum for it (its content is %d bytes with sha256 %s); each file extracted from it is still checked on its own\n", archive.Name, url, d.size, d.sum)
			}
			err = e.extract(tmpPath, url, missing)
			os.Remove(tmpPath)
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

// extract writes the missing files from a gzip-compressed tar into the dataset folder, each
// verified on its own. It accepts only the members that the source names, so no other path
// can be written, and rejects links, absolute paths, .. elements, duplicate members and
// members above their size limit. Members that are present already, or listed as ignored,
// are skipped.
func (e *ensurer) extract(archivePath, url string, missing []RemoteFile) error {
	file, err := os.Open(archivePath)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	defer file.Close()

	zr, err := gzip.NewReader(bufio.NewReader(file))
	if err != nil {
		return fmt.Errorf("data: archive from %s: corrupt gzip stream: %w", url, err)
	}
	tr := tar.NewReader(zr)

	prefix := e.source.Subdir + "/"
	want := make(map[string]RemoteFile)
	for _, f := range missing {
		want[prefix+f.Name] = f
	}
	skip := make(map[string]bool)
	for _, f := range e.source.Files {
		skip[prefix+f.Name] = true
	}
	for _, name := range e.source.IgnoredMembers {
		skip[prefix+name] = true
	}

	seen := make(map[string]bool)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("data: archive from %s: invalid tar: %w", url, err)
		}

		name, err := checkMember(hdr, e.source.Subdir, seen)
		if err != nil {
			return fmt.Errorf("data: archive from %s: %w", url, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}

		f, ok := want[name]
		if !ok && skip[name] {
			continue
		}
		if !ok {
			return fmt.Errorf("data: archive from %s: unexpected member %q: the archive may not be the published one", url, hdr.Name)
		}
		if err := e.extractMember(tr, hdr, f, url); err != nil {
			return err
		}
		delete(want, name)
	}

	if len(want) > 0 {
		var names []string
		for name := range want {
			names = append(names, name)
		}
		slices.Sort(names)
		return fmt.Errorf("data: archive from %s lacks the members %s", url, strings.Join(names, ", "))
	}
	return nil
}

// checkMember returns a member's name without a leading "./" after checking its name and type.
// Only regular files, the dataset folder itself and PAX global headers pass.
func checkMember(hdr *tar.Header, subdir string, seen map[string]bool) (string, error) {
	name := strings.TrimPrefix(hdr.Name, "./")
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, `\`) || slices.Contains(strings.Split(name, "/"), "..") {
		return "", fmt.Errorf("unsafe member name %q: an absolute path or a path with .. is never extracted", hdr.Name)
	}

	switch hdr.Typeflag {
	case tar.TypeReg:
	case tar.TypeDir:
		if strings.TrimSuffix(name, "/") != subdir {
			return "", fmt.Errorf("unexpected directory member %q: want only %s/", hdr.Name, subdir)
		}
		return name, nil
	case tar.TypeXGlobalHeader:
		return name, nil
	case tar.TypeSymlink:
		return "", fmt.Errorf("member %q is a symbolic link to %q: links are never extracted", hdr.Name, hdr.Linkname)
	case tar.TypeLink:
		return "", fmt.Errorf("member %q is a hard link to %q: links are never extracted", hdr.Name, hdr.Linkname)
	default:
		return "", fmt.Errorf("member %q has type %q, but only regular files are extracted", hdr.Name, hdr.Typeflag)
	}

	if seen[name] {
		return "", fmt.Errorf("member %q appears twice", hdr.Name)
	}
	seen[name] = true
	return name, nil
}

// extractMember writes the current member to a temporary file in the dataset folder, verifies
// it, and moves it into place.
func (e *ensurer) extractMember(r io.Reader, hdr *tar.Header, f RemoteFile, url string) error {
	dest := filepath.Join(e.folder, f.Name)
	if hdr.Size > f.MaxSize {
		return fmt.Errorf("data: archive from %s: member %q is %d bytes, more than the %d-byte limit", url, hdr.Name, hdr.Size, f.MaxSize)
	}
	if f.Size > 0 && hdr.Size != f.Size {
		return fmt.Errorf("data: archive from %s: member %q is %d bytes, want %d", url, hdr.Name, hdr.Size, f.Size)
	}

	tmp, err := os.CreateTemp(e.folder, "."+f.Name+".extract-*")
	if err != nil {
		return fmt.Errorf("data: cannot create a temporary file for %s: %w", dest, err)
	}
	tmpPath := tmp.Name()

	n, err := io.Copy(tmp, r)
	if closeErr := tmp.Close(); err == nil && closeErr != nil {
		err = closeErr
	}
	if err == nil && n != hdr.Size {
		err = fmt.Errorf("member ends after %d of %d bytes", n, hdr.Size)
	}
	if err != nil {
		os.Remove(tmpPath)
		return fmt.Errorf("data: archive from %s: extracting %q failed: %w", url, hdr.Name, err)
	}

	d, unverified, err := verifyFile(tmpPath, f)
	if err != nil {
		os.Remove(tmpPath)
		var mismatch *ChecksumError
		if errors.As(err, &mismatch) {
			mismatch.Path, mismatch.URL = dest, url
		}
		return err
	}
	return e.accept(tmpPath, dest, url, d, unverified)
}
