package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteReplaces checks that a write replaces the file whole with mode
// 0644 and leaves no temporary file.
func TestWriteReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.txt")
	for _, content := range []string{"first", "second, longer"} {
		err := Write(path, func(w io.Writer) error {
			_, err := io.WriteString(w, content)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(path)
		if string(got) != content {
			t.Errorf("file contains %q, want %q", got, content)
		}
	}
	info, _ := os.Stat(path)
	if info.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", info.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d entries in the folder, want only the file", len(entries))
	}
}

// TestWriteFailureKeepsOld checks that a failing write leaves the old file
// as it was and removes the temporary file.
func TestWriteFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.txt")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	failure := errors.New("disk full")
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, "half")
		return failure
	})
	if !errors.Is(err, failure) {
		t.Fatalf("error %v, want one wrapping %v", err, failure)
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("file contains %q after a failed write, want %q", got, "old")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries in the folder, want only the old file", len(entries))
	}
}

// TestWriteMissingDir checks that the error names the folder to create.
func TestWriteMissingDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "f.txt")
	err := Write(path, func(io.Writer) error { return nil })
	if err == nil {
		t.Fatal("no error for a missing folder")
	}
}
