package safetensors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// metadataKey is the header key whose value is the string-to-string metadata
// object rather than a tensor entry.
const metadataKey = "__metadata__"

// headerEntry is one tensor as the header declares it. Its offsets are not
// yet checked against the byte buffer.
type headerEntry struct {
	name  string
	dtype DType
	shape []int
	begin uint64
	end   uint64
}

// header is the parsed JSON header of a file.
type header struct {
	entries  []headerEntry
	metadata map[string]string
}

// parseHeader parses the JSON header text. It walks the JSON tokens instead
// of unmarshaling into a map, because encoding/json keeps the last of
// duplicate keys without reporting them, and the format allows only one entry
// per name.
func parseHeader(text []byte) (header, error) {
	if !utf8.Valid(text) {
		return header{}, errors.New("header is not valid UTF-8")
	}
	// The Rust safetensors crate also requires '{' as the first byte, so
	// leading whitespace is rejected even though JSON would allow it.
	if len(text) == 0 || text[0] != '{' {
		return header{}, fmt.Errorf("header starts with %q, expected a JSON object starting with '{'", textStart(text))
	}

	decoder := json.NewDecoder(bytes.NewReader(text))
	decoder.UseNumber()
	if _, err := decoder.Token(); err != nil {
		return header{}, invalidJSON(err)
	}

	var h header
	seen := make(map[string]bool)
	for decoder.More() {
		key, err := readString(decoder, "header key")
		if err != nil {
			return header{}, err
		}
		if seen[key] {
			return header{}, fmt.Errorf("header has duplicate key %q", key)
		}
		seen[key] = true

		if key == metadataKey {
			h.metadata, err = parseMetadata(decoder)
			if err != nil {
				return header{}, err
			}
			continue
		}
		entry, err := parseEntry(decoder, key)
		if err != nil {
			return header{}, err
		}
		h.entries = append(h.entries, entry)
	}
	if err := readEnd(decoder); err != nil {
		return header{}, err
	}

	// The decoder accepts a stream of JSON values, so a second value after
	// the object would otherwise go unnoticed. Trailing whitespace is the
	// padding that writers add and is allowed.
	if token, err := decoder.Token(); err != io.EOF {
		if err != nil {
			return header{}, invalidJSON(err)
		}
		return header{}, fmt.Errorf("header has %s after the JSON object, expected only space padding", describeToken(token))
	}
	return h, nil
}

// parseMetadata reads the "__metadata__" object, whose values must be strings.
func parseMetadata(decoder *json.Decoder) (map[string]string, error) {
	if err := readDelim(decoder, '{', metadataKey); err != nil {
		return nil, err
	}

	metadata := make(map[string]string)
	for decoder.More() {
		key, err := readString(decoder, metadataKey+" key")
		if err != nil {
			return nil, err
		}
		if _, ok := metadata[key]; ok {
			return nil, fmt.Errorf("%s has duplicate key %q", metadataKey, key)
		}
		value, err := readString(decoder, fmt.Sprintf("%s value of key %q", metadataKey, key))
		if err != nil {
			return nil, err
		}
		metadata[key] = value
	}
	return metadata, readEnd(decoder)
}

// parseEntry reads the object that describes the tensor name. The object must
// have exactly the fields dtype, shape and data_offsets.
func parseEntry(decoder *json.Decoder, name string) (headerEntry, error) {
	if name == "" {
		return headerEntry{}, errors.New("header has a tensor with an empty name")
	}
	if err := readDelim(decoder, '{', fmt.Sprintf("entry of tensor %q", name)); err != nil {
		return headerEntry{}, err
	}

	entry := headerEntry{name: name}
	seen := make(map[string]bool)
	for decoder.More() {
		field, err := readString(decoder, fmt.Sprintf("field name in entry of tensor %q", name))
		if err != nil {
			return headerEntry{}, err
		}
		if seen[field] {
			return headerEntry{}, fmt.Errorf("entry of tensor %q has duplicate field %q", name, field)
		}
		seen[field] = true

		switch field {
		case "dtype":
			err = readDType(decoder, &entry)
		case "shape":
			err = readShape(decoder, &entry)
		case "data_offsets":
			err = readOffsets(decoder, &entry)
		default:
			err = fmt.Errorf("entry of tensor %q has unknown field %q, expected dtype, shape and data_offsets", name, field)
		}
		if err != nil {
			return headerEntry{}, err
		}
	}
	if err := readEnd(decoder); err != nil {
		return headerEntry{}, err
	}

	for _, field := range []string{"dtype", "shape", "data_offsets"} {
		if !seen[field] {
			return headerEntry{}, fmt.Errorf("entry of tensor %q is missing the field %q", name, field)
		}
	}
	return entry, nil
}

func readDType(decoder *json.Decoder, entry *headerEntry) error {
	text, err := readString(decoder, fmt.Sprintf("dtype of tensor %q", entry.name))
	if err != nil {
		return err
	}
	entry.dtype = DType(text)
	if entry.dtype.Size() == 0 {
		return fmt.Errorf("tensor %q has unknown dtype %q, expected one of %s", entry.name, text, knownDTypeNames())
	}
	return nil
}

func readShape(decoder *json.Decoder, entry *headerEntry) error {
	valueName := fmt.Sprintf("shape of tensor %q", entry.name)
	if err := readDelim(decoder, '[', valueName); err != nil {
		return err
	}

	entry.shape = []int{}
	for decoder.More() {
		number, err := readNumber(decoder, valueName)
		if err != nil {
			return err
		}
		dim, err := strconv.ParseInt(number.String(), 10, strconv.IntSize)
		if err != nil {
			return fmt.Errorf("%s has dimension %s, expected a non-negative integer that fits in an int", valueName, number)
		}
		if dim < 0 {
			return fmt.Errorf("%s has negative dimension %d", valueName, dim)
		}
		entry.shape = append(entry.shape, int(dim))
	}
	return readEnd(decoder)
}

func readOffsets(decoder *json.Decoder, entry *headerEntry) error {
	valueName := fmt.Sprintf("data_offsets of tensor %q", entry.name)
	if err := readDelim(decoder, '[', valueName); err != nil {
		return err
	}

	var offsets []uint64
	for decoder.More() {
		if len(offsets) == 2 {
			return fmt.Errorf("%s has more than 2 values, expected [begin, end]", valueName)
		}
		number, err := readNumber(decoder, valueName)
		if err != nil {
			return err
		}
		offset, err := strconv.ParseUint(number.String(), 10, 64)
		if err != nil {
			return fmt.Errorf("%s has value %s, expected a non-negative integer that fits in a uint64", valueName, number)
		}
		offsets = append(offsets, offset)
	}
	if err := readEnd(decoder); err != nil {
		return err
	}

	if len(offsets) != 2 {
		return fmt.Errorf("%s is an array of length %d, expected length 2 as [begin, end]", valueName, len(offsets))
	}
	entry.begin, entry.end = offsets[0], offsets[1]
	if entry.begin > entry.end {
		return fmt.Errorf("%s are [%d, %d], expected begin <= end", valueName, entry.begin, entry.end)
	}
	return nil
}
