package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Encode writes tensors and metadata to w in the safetensors format. The
// tensors' data follow each other in the order of tensors, and the header
// lists them in that order after the metadata, whose keys are sorted. So the
// same input always gives the same bytes. Encode omits "__metadata__" when
// metadata is empty, and it pads the header with spaces so that the byte
// buffer starts at a multiple of 8 bytes.
//
// Encode checks the whole input before it writes anything. Names must be
// unique, non-empty, valid UTF-8 and not "__metadata__". Each dtype must be
// known, dimensions must be non-negative, and len(Data) must equal the
// number of elements times the dtype size.
func Encode(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	if err := encode(w, tensors, metadata); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}

// encode is Encode with errors that have no package prefix, so that
// WriteFile can put the path in front.
func encode(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header, err := buildHeader(tensors, metadata)
	if err != nil {
		return err
	}

	var prefix [prefixSize]byte
	binary.LittleEndian.PutUint64(prefix[:], uint64(len(header)))
	if _, err := w.Write(prefix[:]); err != nil {
		return fmt.Errorf("write header length: %w", err)
	}
	if _, err := w.Write(header); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	for _, t := range tensors {
		if _, err := w.Write(t.Data); err != nil {
			return fmt.Errorf("write data of tensor %q: %w", t.Name, err)
		}
	}
	return nil
}

// buildHeader validates the input and returns the padded JSON header.
func buildHeader(tensors []Tensor, metadata map[string]string) ([]byte, error) {
	if err := validateTensors(tensors); err != nil {
		return nil, err
	}
	if err := validateMetadata(metadata); err != nil {
		return nil, err
	}

	header := []byte{'{'}
	if len(metadata) > 0 {
		header = appendJSONString(header, metadataKey)
		header = append(header, ":{"...)
		keys := make([]string, 0, len(metadata))
		for key := range metadata {
			keys = append(keys, key)
		}
		slices.Sort(keys)
		for i, key := range keys {
			if i > 0 {
				header = append(header, ',')
			}
			header = appendJSONString(header, key)
			header = append(header, ':')
			header = appendJSONString(header, metadata[key])
		}
		header = append(header, '}')
	}

	var offset uint64
	for i, t := range tensors {
		if i > 0 || len(metadata) > 0 {
			header = append(header, ',')
		}
		header = appendJSONString(header, t.Name)
		header = append(header, `:{"dtype":`...)
		header = appendJSONString(header, string(t.DType))
		header = append(header, `,"shape":[`...)
		for j, dim := range t.Shape {
			if j > 0 {
				header = append(header, ',')
			}
			header = strconv.AppendInt(header, int64(dim), 10)
		}
		header = append(header, `],"data_offsets":[`...)
		header = strconv.AppendUint(header, offset, 10)
		offset += uint64(len(t.Data))
		header = append(header, ',')
		header = strconv.AppendUint(header, offset, 10)
		header = append(header, "]}"...)
	}
	header = append(header, '}')

	for (prefixSize+len(header))%8 != 0 {
		header = append(header, ' ')
	}
	if len(header) > maxHeaderSize {
		return nil, fmt.Errorf("header would be %d bytes long, the format allows at most %d", len(header), maxHeaderSize)
	}
	return header, nil
}

func validateTensors(tensors []Tensor) error {
	names := make(map[string]bool, len(tensors))
	for i, t := range tensors {
		switch {
		case t.Name == "":
			return fmt.Errorf("tensor %d has an empty name", i)
		case t.Name == metadataKey:
			return fmt.Errorf("tensor %d is named %q, which the format reserves for metadata", i, metadataKey)
		case !utf8.ValidString(t.Name):
			return fmt.Errorf("tensor %d has name %q, which is not valid UTF-8", i, t.Name)
		case names[t.Name]:
			return fmt.Errorf("tensor name %q occurs more than once", t.Name)
		}
		names[t.Name] = true

		if err := t.checkSize(); err != nil {
			return err
		}
	}
	return nil
}

func validateMetadata(metadata map[string]string) error {
	for key, value := range metadata {
		if !utf8.ValidString(key) {
			return fmt.Errorf("metadata key %q is not valid UTF-8", key)
		}
		if !utf8.ValidString(value) {
			return fmt.Errorf("metadata value %q of key %q is not valid UTF-8", value, key)
		}
	}
	return nil
}

// appendJSONString appends s as a JSON string. It leaves <, > and & as they
// are, unlike json.Marshal, so that names read as written.
func appendJSONString(dst []byte, s string) []byte {
	var buffer bytes.Buffer
	encoder := json.NewEncoder(&buffer)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(s); err != nil {
		// Encoding a string into a bytes.Buffer has no way to fail.
		panic("safetensors: encode JSON string: " + err.Error())
	}
	return append(dst, bytes.TrimSuffix(buffer.Bytes(), []byte{'\n'})...)
}
