package safetensors

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
)

// maxHeaderSize is the largest header length in bytes that the format allows.
// The Rust safetensors crate rejects longer headers with HeaderTooLarge.
const maxHeaderSize = 100_000_000

// prefixSize is the length of the little-endian uint64 header length that
// starts a file.
const prefixSize = 8

// Decode parses a safetensors file held in b. The Data of each returned
// tensor is a subslice of b rather than a copy, so b must not change while
// the tensors are in use.
func Decode(b []byte) (*File, error) {
	file, err := decode(b)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return file, nil
}

// decode is Decode with errors that have no package prefix, so that
// ReadFile can put the path in front.
func decode(b []byte) (*File, error) {
	if len(b) < prefixSize {
		return nil, fmt.Errorf("file is %d bytes long, expected at least the %d-byte header length", len(b), prefixSize)
	}

	headerSize := binary.LittleEndian.Uint64(b[:prefixSize])
	if headerSize > maxHeaderSize {
		return nil, fmt.Errorf("header length is %d bytes, the format allows at most %d", headerSize, maxHeaderSize)
	}
	if rest := uint64(len(b) - prefixSize); headerSize > rest {
		return nil, fmt.Errorf("header length is %d bytes, but only %d bytes follow the length", headerSize, rest)
	}

	headerEnd := prefixSize + int(headerSize)
	h, err := parseHeader(b[prefixSize:headerEnd])
	if err != nil {
		return nil, err
	}

	buffer := b[headerEnd:]
	if err := checkEntries(h.entries, uint64(len(buffer))); err != nil {
		return nil, err
	}

	// Tensors of zero bytes sort before a tensor that starts at the same
	// offset, so they never count as overlapping it.
	slices.SortFunc(h.entries, func(a, b headerEntry) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end))
	})
	if err := checkCoverage(h.entries, uint64(len(buffer))); err != nil {
		return nil, err
	}

	file := &File{Tensors: make([]Tensor, len(h.entries)), Metadata: h.metadata}
	for i, entry := range h.entries {
		file.Tensors[i] = Tensor{
			Name:  entry.name,
			DType: entry.dtype,
			Shape: entry.shape,
			// The capacity limit keeps an append to Data from writing
			// over the next tensor.
			Data: buffer[entry.begin:entry.end:entry.end],
		}
	}
	return file, nil
}

// checkEntries checks that each tensor lies inside the byte buffer and that
// its byte range has the length that its dtype and shape need.
func checkEntries(entries []headerEntry, bufferSize uint64) error {
	for _, entry := range entries {
		if entry.end > bufferSize {
			return fmt.Errorf("data_offsets of tensor %q are [%d, %d], which end past the byte buffer of %d bytes",
				entry.name, entry.begin, entry.end, bufferSize)
		}

		size, err := byteSize(entry.dtype, entry.shape)
		if err != nil {
			return fmt.Errorf("tensor %q: %w", entry.name, err)
		}
		if length := entry.end - entry.begin; length != size {
			return fmt.Errorf("data_offsets of tensor %q are [%d, %d], which span %d bytes, expected %d for dtype %s and shape %v",
				entry.name, entry.begin, entry.end, length, size, entry.dtype, entry.shape)
		}
	}
	return nil
}

// checkCoverage checks that the tensors, sorted by offset, tile the byte
// buffer without overlaps, holes or trailing bytes. The format requires the
// buffer to be fully indexed, so that no data can hide in a file.
func checkCoverage(sorted []headerEntry, bufferSize uint64) error {
	var offset uint64
	for i, entry := range sorted {
		if entry.begin < offset {
			previous := sorted[i-1]
			return fmt.Errorf("data_offsets of tensor %q are [%d, %d], which overlap tensor %q at [%d, %d]",
				entry.name, entry.begin, entry.end, previous.name, previous.begin, previous.end)
		}
		if entry.begin > offset {
			return fmt.Errorf("byte buffer has %d bytes at [%d, %d] that belong to no tensor, expected tensor %q to begin at %d",
				entry.begin-offset, offset, entry.begin, entry.name, offset)
		}
		offset = entry.end
	}

	if offset != bufferSize {
		return fmt.Errorf("byte buffer has %d trailing bytes at [%d, %d] that belong to no tensor",
			bufferSize-offset, offset, bufferSize)
	}
	return nil
}
