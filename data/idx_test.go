package data

import (
	"bytes"
	"errors"
	"io/fs"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestReadIDXRoundTrip(t *testing.T) {
	payload := []byte{0, 1, 2, 3, 250, 251, 252, 253, 128, 129, 254, 255}
	plain := idxBytes(0x08, []uint32{3, 2, 2}, payload)

	for _, tc := range []struct {
		name    string
		content []byte
	}{
		{"plain", plain},
		{"gzip", gzipBytes(t, plain)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "cube.idx", tc.content)

			got, err := ReadIDXFile(path)
			if err != nil {
				t.Fatalf("ReadIDXFile: %v", err)
			}
			if !slices.Equal(got.Dims, []int{3, 2, 2}) {
				t.Errorf("dims = %v, want [3 2 2]", got.Dims)
			}
			if !bytes.Equal(got.Data, payload) {
				t.Errorf("data = %v, want %v", got.Data, payload)
			}
		})
	}
}

func TestReadIDXGzipDetectedByMagic(t *testing.T) {
	plain := idxBytes(0x08, []uint32{2}, []byte{4, 2})

	// A gzip file without .gz and a plain file with .gz must both read correctly.
	dir := t.TempDir()
	for name, content := range map[string][]byte{
		"labels":    gzipBytes(t, plain),
		"labels.gz": plain,
	} {
		got, err := ReadIDXFile(writeFile(t, dir, name, content))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got.Data, []byte{4, 2}) {
			t.Errorf("%s: data = %v, want [4 2]", name, got.Data)
		}
	}
}

func TestReadIDXEmptyDimension(t *testing.T) {
	got, err := ReadIDX(bytes.NewReader(idxBytes(0x08, []uint32{0, 28, 28}, nil)), "empty")
	if err != nil {
		t.Fatalf("ReadIDX: %v", err)
	}
	if !slices.Equal(got.Dims, []int{0, 28, 28}) {
		t.Errorf("dims = %v, want [0 28 28]", got.Dims)
	}
	if len(got.Data) != 0 {
		t.Errorf("len(data) = %d, want 0", len(got.Data))
	}
}

func TestReadIDXFileErrors(t *testing.T) {
	good := idxBytes(0x08, []uint32{3, 4}, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	goodGzip := gzipBytes(t, good)

	corruptBody := slices.Clone(goodGzip)
	corruptBody[12] ^= 0xff

	badChecksum := slices.Clone(goodGzip)
	badChecksum[len(badChecksum)-8] ^= 0xff

	cases := []struct {
		name    string
		content []byte
		want    []string
	}{
		{"empty file", nil, []string{"truncated header", "after 0 of 4 magic bytes"}},
		{"bad magic", append([]byte{0x50, 0x4b}, good[2:]...), []string{"bad magic 0x504b0802", "two zero bytes"}},
		{"float type byte", idxBytes(0x0D, []uint32{2}, make([]byte, 8)), []string{"unsupported type byte 0x0d (float32)", "only 0x08"}},
		{"unknown type byte", idxBytes(0x42, []uint32{2}, []byte{1, 2}), []string{"unsupported type byte 0x42 (not an IDX type)"}},
		{"zero dimensions", idxBytes(0x08, nil, []byte{1}), []string{"dimension count is 0"}},
		{"truncated header", good[:9], []string{"truncated header", "after 5 of 8 dimension bytes"}},
		{"truncated data", good[:len(good)-7], []string{"truncated data", "header claims 12 data bytes, file contains 5"}},
		{"truncated data in gzip", gzipBytes(t, good[:len(good)-7]), []string{"truncated data", "header claims 12 data bytes, file contains 5"}},
		{"trailing data", append(slices.Clone(good), 99), []string{"trailing data after the 12 data bytes"}},
		{"trailing data in gzip", gzipBytes(t, append(slices.Clone(good), 99)), []string{"trailing data after the 12 data bytes"}},
		{"gzip header corrupt", []byte{0x1f, 0x8b, 0x00, 0x00, 0x01}, []string{"corrupt gzip stream"}},
		{"gzip body corrupt", corruptBody, []string{"corrupt gzip stream"}},
		{"gzip checksum wrong", badChecksum, []string{"corrupt gzip stream", "checksum"}},
		{"gzip stream cut short", goodGzip[:len(goodGzip)-10], []string{"corrupt gzip stream", "unexpected EOF", "cut short"}},
		{"dims overflow", idxBytes(0x08, []uint32{0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, []byte{1, 2, 3}), []string{"dimensions 4294967295x4294967295x4294967295 claim more than 2147483647 elements"}},
		{"huge dim after zero dim", idxBytes(0x08, []uint32{0, 0xFFFFFFFF}, nil), []string{"dimensions 0x4294967295 claim more than"}},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "broken-idx1-ubyte", tc.content)

			got, err := ReadIDXFile(path)
			if err == nil {
				t.Fatalf("ReadIDXFile returned dims %v and no error", got.Dims)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file %s", err, path)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

func TestReadIDXFileMissing(t *testing.T) {
	path := t.TempDir() + "/absent-idx1-ubyte"

	_, err := ReadIDXFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("error %v does not wrap fs.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
}

// A header may claim up to MaxIDXElements. The reader must fail on the short stream without
// allocating anything near that size.
func TestReadIDXHugeClaimAllocatesLittle(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content []byte
	}{
		{"plain", idxBytes(0x08, []uint32{MaxIDXElements}, make([]byte, 100))},
		{"gzip", gzipBytes(t, idxBytes(0x08, []uint32{MaxIDXElements}, make([]byte, 100)))},
		{"two dims", idxBytes(0x08, []uint32{0xFFFF, 0x7FFF}, make([]byte, 100))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)

			_, err := ReadIDX(bytes.NewReader(tc.content), "huge")

			runtime.ReadMemStats(&after)
			if err == nil || !strings.Contains(err.Error(), "file contains 100") {
				t.Fatalf("error = %v, want a truncated data error saying the file contains 100 bytes", err)
			}
			if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 8<<20 {
				t.Errorf("allocated %d bytes for a 100-byte data section", allocated)
			}
		})
	}
}
