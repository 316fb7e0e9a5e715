package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Write sets f.Schema to SchemaVersion, validates f and writes it to path
// as indented JSON with a trailing newline. It also replaces nil Models
// slices in f with empty ones, so the file has [] where readers expect an
// array, not null. The file is replaced atomically, so an interrupted
// Write leaves any earlier file intact.
func Write(path string, f *File) error {
	if f == nil {
		return fmt.Errorf("bench: nothing to write to %s: the *File is nil", path)
	}
	f.Schema = SchemaVersion
	for i := range f.Runs {
		run := &f.Runs[i]
		if run.Models == nil {
			run.Models = []Model{}
		}
		for j := range run.Kernels {
			if run.Kernels[j].Models == nil {
				run.Kernels[j].Models = []string{}
			}
		}
	}
	if err := f.validate(); err != nil {
		return fmt.Errorf("bench: %s was not written: %w", path, err)
	}

	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("bench: encoding the results for %s failed: %w", path, err)
	}
	data = append(data, '\n')
	return writeFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Read reads and validates the results file at path. It rejects a file
// of another schema version, a field that this version does not define,
// JSON that is incomplete or followed by more data, and values that
// validation rejects. Each error names path and the offending value.
func Read(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bench: reading results file %s failed: %w", path, err)
	}
	if err := checkSchemaVersion(path, data); err != nil {
		return nil, err
	}

	var f File
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&f); err != nil {
		return nil, fmt.Errorf("bench: %s does not match schema version %d: %w; fix the field or rewrite the file with the current bench command", path, SchemaVersion, err)
	}
	if _, err := decoder.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("bench: %s has invalid data after the JSON object; a results file must contain exactly one object, so remove the rest", path)
	}
	if err := f.validate(); err != nil {
		return nil, fmt.Errorf("bench: %s is invalid: %w", path, err)
	}
	return &f, nil
}

// checkSchemaVersion reads only the "schema" field, before the strict
// decoding, so that a file from another version is reported as such
// rather than by the first field that this version lacks.
func checkSchemaVersion(path string, data []byte) error {
	var header struct {
		Schema *json.RawMessage `json:"schema"`
	}
	// A Decoder reads only the first JSON value, so that data after it is
	// reported as such by Read rather than as invalid JSON.
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&header); err != nil {
		return fmt.Errorf("bench: %s is not a complete JSON object: %w; the file may be truncated, so rerun the benchmark to rewrite it", path, err)
	}
	if header.Schema == nil {
		return fmt.Errorf("bench: %s has no \"schema\" field; results files start with \"schema\": %d", path, SchemaVersion)
	}
	var version int
	if err := json.Unmarshal(*header.Schema, &version); err != nil {
		return fmt.Errorf("bench: %s has schema %s, which is not an integer version; this package reads schema %d", path, *header.Schema, SchemaVersion)
	}
	if version != SchemaVersion {
		return fmt.Errorf("bench: %s has schema version %d, but this package reads only version %d; read it with the vkcnn release that wrote it, or rerun the benchmark", path, version, SchemaVersion)
	}
	return nil
}
