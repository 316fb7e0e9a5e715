package safetensors

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// beforeRename, when set, runs after the temporary file is complete and
// before it replaces the target. Tests set it to simulate an interruption
// at that point, and an error from it aborts WriteFile.
var beforeRename func(tmp string) error

// ReadFile reads and decodes the safetensors file at path. Errors name the
// path.
func ReadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		// The error from os.ReadFile already names the path.
		return nil, fmt.Errorf("safetensors: %w", err)
	}

	file, err := decode(b)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return file, nil
}

// WriteFile encodes tensors and metadata as Encode does and replaces the file
// at path atomically. It writes a temporary file in the same directory, syncs
// it, renames it over path and then syncs the directory. On any error before
// the rename, it removes the temporary file and leaves the file at path as it
// was. If only the directory sync fails, the new file is already in place and
// WriteFile returns the error.
//
// The new file keeps the permission bits of the file it replaces. A new file
// gets 0644, without regard to the umask.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	if err := writeFile(path, tensors, metadata); err != nil {
		return fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return nil
}

func writeFile(path string, tensors []Tensor, metadata map[string]string) (err error) {
	mode := fs.FileMode(0o644)
	if info, statErr := os.Stat(path); statErr == nil {
		mode = info.Mode().Perm()
	}

	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	renamed := false
	defer func() {
		if renamed {
			return
		}
		// Close may fail a second time after an explicit Close, and the
		// first error is the one worth reporting.
		_ = tmp.Close()
		if removeErr := os.Remove(tmp.Name()); removeErr != nil {
			err = errors.Join(err, removeErr)
		}
	}()

	writer := bufio.NewWriter(tmp)
	if err := encode(writer, tensors, metadata); err != nil {
		return err
	}
	if err := writer.Flush(); err != nil {
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}

	if beforeRename != nil {
		if err := beforeRename(tmp.Name()); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	renamed = true

	return syncDir(dir)
}

// syncDir makes the rename in dir durable. Opening a directory fails on some
// platforms, such as Windows, and then syncDir does nothing.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()

	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}
