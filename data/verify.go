package data

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
)

// digest is the SHA-256 and size of a file's content, decompressed for a gzip file.
type digest struct {
	sum  string
	size int64
}

// ChecksumError reports a file whose content does not match the registry.
type ChecksumError struct {
	// Path is the file that failed. For a download it no longer exists, because Ensure
	// deletes a download that fails verification.
	Path string

	// URL is the address that the file was downloaded from, empty for a file that was
	// already present.
	URL string

	// Expected and Actual are the hex SHA-256 and size in bytes of the content. ExpectedSize
	// is 0 when the registry does not record the size.
	Expected, Actual         string
	ExpectedSize, ActualSize int64
}

func (e *ChecksumError) Error() string {
	expectedSize := "size unknown"
	if e.ExpectedSize > 0 {
		expectedSize = fmt.Sprintf("%d bytes", e.ExpectedSize)
	}
	message := fmt.Sprintf("data: %s failed verification: expected sha256 %s (%s), got %s (%d bytes)",
		e.Path, e.Expected, expectedSize, e.Actual, e.ActualSize)
	if e.URL != "" {
		return message + fmt.Sprintf(", downloaded from %s: the download was deleted", e.URL)
	}
	return message + ": the file was already there and is left in place: delete it and run again to download a fresh copy (or replace it by hand with -download=false)"
}

// verifyFile computes the digest of a file and compares it with the registry entry. It
// returns a *ChecksumError on a mismatch. With no checksum in the entry it returns the digest
// and unverified true, and the caller must report that.
func verifyFile(path string, f RemoteFile) (d digest, unverified bool, err error) {
	d, err = contentDigest(path, f)
	if err != nil {
		return digest{}, false, err
	}

	mismatch := &ChecksumError{Path: path, Expected: f.SHA256, Actual: d.sum, ExpectedSize: f.Size, ActualSize: d.size}
	if f.Size > 0 && d.size != f.Size {
		if mismatch.Expected == "" {
			mismatch.Expected = "unknown"
		}
		return d, false, mismatch
	}
	if f.SHA256 == "" {
		return d, true, nil
	}
	if d.sum != f.SHA256 {
		return d, false, mismatch
	}
	return d, false, nil
}

// contentDigest hashes a file's content. For a gzip entry whose file starts with the gzip
// magic it hashes the decompressed stream, and reading to its end also checks the gzip CRC.
// It reads at most one byte past the entry's size limit, so a gzip bomb costs little.
func contentDigest(path string, f RemoteFile) (digest, error) {
	file, err := os.Open(path)
	if err != nil {
		return digest{}, fmt.Errorf("data: %w", err)
	}
	defer file.Close()

	var content io.Reader = file
	compressed := false
	if f.Gzip {
		buffered := bufio.NewReader(file)
		magic, _ := buffered.Peek(2)
		content = buffered
		if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
			zr, err := gzip.NewReader(buffered)
			if err != nil {
				return digest{}, fmt.Errorf("data: %s: corrupt gzip stream: %w", path, err)
			}
			content = zr
			compressed = true
		}
	}

	limit := contentLimit(f)
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(content, limit+1))
	if err != nil {
		if compressed && errors.Is(err, io.ErrUnexpectedEOF) {
			return digest{}, fmt.Errorf("data: %s: corrupt gzip stream: %w (the file is cut short)", path, err)
		}
		if compressed {
			return digest{}, fmt.Errorf("data: %s: corrupt gzip stream: %w", path, err)
		}
		return digest{}, fmt.Errorf("data: %s: read failed: %w", path, err)
	}
	if n > limit {
		return digest{}, fmt.Errorf("data: %s: content is larger than the %d-byte limit for %s", path, limit, f.Name)
	}
	return digest{sum: hex.EncodeToString(h.Sum(nil)), size: n}, nil
}

// contentLimit returns the largest content size that verification reads for an entry.
func contentLimit(f RemoteFile) int64 {
	if f.Size > 0 {
		return f.Size
	}
	return f.MaxSize
}
