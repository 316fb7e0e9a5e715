// Package atomicfile replaces whole files so that readers, and a process
// killed at any moment, see either the old file or the complete new one.
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write writes a file through write into a temporary file in the directory
// of path, syncs it, gives it mode 0644 and renames it over path, then
// syncs the directory where the platform allows. The temporary file is
// removed when any step fails, and path is then left as it was. Errors
// name the file and the step; callers add their package prefix.
func Write(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("creating a temporary file for %s failed: %w (check that %s exists and is writable)", path, err, dir)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()

	if err := write(tmp); err != nil {
		return fmt.Errorf("writing %s failed: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("syncing %s failed: %w", tmpName, err)
	}
	// CreateTemp creates the file with mode 0600, but these files are meant to be shared.
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("setting the mode of %s failed: %w", tmpName, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("closing %s failed: %w", tmpName, err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("renaming %s to %s failed: %w", tmpName, path, err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename in dir durable. Opening a directory fails on some
// platforms, and the rename has already happened, so failures are ignored.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}
