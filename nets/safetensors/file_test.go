package safetensors

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// assertOnlyFile fails unless dir contains exactly the file name, so that a
// leftover temporary file shows up.
func assertOnlyFile(t *testing.T, dir, name string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("ReadDir: %v", err)
	}
	var names []string
	for _, entry := range entries {
		names = append(names, entry.Name())
	}
	if len(names) != 1 || names[0] != name {
		t.Errorf("directory contains %q, want only %q", names, name)
	}
}

// setBeforeRename installs hook for the rest of the test. Tests that call it
// must not run in parallel, because the hook is a package variable.
func setBeforeRename(t *testing.T, hook func(tmp string) error) {
	t.Helper()
	beforeRename = hook
	t.Cleanup(func() { beforeRename = nil })
}

func TestWriteFileReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	tensors := []Tensor{
		F32("conv1.weight", []int{2, 1, 2, 2}, []float32{1, 2, 3, 4, 5, 6, 7, 8}),
		I64("step", nil, []int64{100}),
	}
	metadata := map[string]string{"format": "pt"}

	if err := WriteFile(path, tensors, metadata); err != nil {
		t.Fatalf("WriteFile: %v", err)
	}
	file, err := ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile: %v", err)
	}

	assertSameTensors(t, file.Tensors, tensors)
	assertSameMetadata(t, file.Metadata, metadata)
	assertOnlyFile(t, dir, "model.safetensors")

	written, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile: %v", err)
	}
	if want := encodeBytes(t, tensors, metadata); !bytes.Equal(written, want) {
		t.Errorf("file bytes differ from Encode output:\n%q\n%q", written, want)
	}
}

func TestWriteFileReplacesAndKeepsMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatalf("WriteFile: %v", err)
	}

	tensors := []Tensor{F32("w", []int{1}, []float32{2})}
	if err := WriteFile(path, tensors, nil); err != nil {
		t.Fatalf("WriteFile: %v", err)
	}

	file, err := ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile: %v", err)
	}
	assertSameTensors(t, file.Tensors, tensors)

	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("mode after replacing = %v, want -rw-------", mode)
	}
}

func TestWriteFileInterruptedBeforeRename(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	first := []Tensor{F32("w", []int{2}, []float32{1, 2})}
	if err := WriteFile(path, first, map[string]string{"version": "1"}); err != nil {
		t.Fatalf("first WriteFile: %v", err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile: %v", err)
	}

	interrupted := errors.New("simulated crash")
	var tmpName string
	setBeforeRename(t, func(tmp string) error {
		tmpName = tmp
		if _, err := os.Stat(tmp); err != nil {
			t.Errorf("temporary file is missing when the hook runs: %v", err)
		}
		return interrupted
	})

	second := []Tensor{F32("w", []int{3}, []float32{7, 8, 9})}
	err = WriteFile(path, second, map[string]string{"version": "2"})
	if !errors.Is(err, interrupted) {
		t.Fatalf("second WriteFile error = %v, want it to wrap %v", err, interrupted)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the path %q", err, path)
	}

	if filepath.Dir(tmpName) != dir || !strings.HasPrefix(filepath.Base(tmpName), ".model.safetensors") {
		t.Errorf("temporary file %q, want a hidden file next to the target starting with .model.safetensors", tmpName)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile: %v", err)
	}
	if !bytes.Equal(after, before) {
		t.Errorf("file changed after an interrupted write:\n%q\nwant\n%q", after, before)
	}
	file, err := ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile after interrupted write: %v", err)
	}
	assertSameTensors(t, file.Tensors, first)
	assertOnlyFile(t, dir, "model.safetensors")
}

func TestWriteFileInvalidInput(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	first := []Tensor{F32("w", []int{1}, []float32{1})}
	if err := WriteFile(path, first, nil); err != nil {
		t.Fatalf("first WriteFile: %v", err)
	}

	invalid := []Tensor{F32("w", []int{2}, []float32{1})}
	err := WriteFile(path, invalid, nil)
	if err == nil {
		t.Fatal("WriteFile of a tensor with too few values returned no error")
	}
	if want := "safetensors: " + path + `: tensor "w" has 4 data bytes`; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want it to start with %q", err, want)
	}

	file, err := ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile: %v", err)
	}
	assertSameTensors(t, file.Tensors, first)
	assertOnlyFile(t, dir, "model.safetensors")
}

func TestWriteFileMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "model.safetensors")
	err := WriteFile(path, nil, nil)
	if err == nil {
		t.Fatal("WriteFile into a missing directory returned no error")
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %v, want it to wrap os.ErrNotExist", err)
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	truncated := filepath.Join(dir, "truncated.safetensors")
	if err := os.WriteFile(truncated, []byte{1, 2, 3}, 0o644); err != nil {
		t.Fatalf("WriteFile: %v", err)
	}
	missing := filepath.Join(dir, "missing.safetensors")

	tests := []struct {
		name string
		path string
		want string
	}{
		{"truncated file", truncated, "safetensors: " + truncated + ": file is 3 bytes long"},
		{"missing file", missing, "safetensors: open " + missing + ":"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			_, err := ReadFile(test.path)
			if err == nil {
				t.Fatal("ReadFile returned no error")
			}
			if !strings.HasPrefix(err.Error(), test.want) {
				t.Errorf("error %q, want it to start with %q", err, test.want)
			}
		})
	}
}
