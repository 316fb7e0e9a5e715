package bench

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// writeFileAtomic writes a whole file through write into a temporary file
// in the directory of path, syncs it and renames it over path, so readers
// see either the old file or the complete new one. The temporary file is
// removed when any step fails.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("bench: creating a temporary file for %s failed: %w (check that %s exists and is writable)", path, err, dir)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()

	if err := write(tmp); err != nil {
		return fmt.Errorf("bench: writing %s failed: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("bench: syncing %s failed: %w", tmpName, err)
	}
	// CreateTemp creates the file with mode 0600, but results are meant to be shared.
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("bench: setting the mode of %s failed: %w", tmpName, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("bench: closing %s failed: %w", tmpName, err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("bench: renaming %s to %s failed: %w", tmpName, path, err)
	}
	return nil
}
