package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// idxBytes builds an IDX file from a type byte, dimensions and payload, without any checks,
// so tests can build broken files too.
func idxBytes(typeByte byte, dims []uint32, payload []byte) []byte {
	var buf bytes.Buffer
	buf.Write([]byte{0, 0, typeByte, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&buf, binary.BigEndian, d)
	}
	buf.Write(payload)
	return buf.Bytes()
}

func gzipBytes(t *testing.T, plain []byte) []byte {
	t.Helper()

	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(plain); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t *testing.T, dir, name string, content []byte) string {
	t.Helper()

	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// testImages returns count 28x28 images whose pixel at (i, y, x) is (7*i + 3*y + x) mod 256.
func testImages(count int) []byte {
	pixels := make([]byte, count*MNISTHeight*MNISTWidth)
	for i := range count {
		for y := range MNISTHeight {
			for x := range MNISTWidth {
				pixels[(i*MNISTHeight+y)*MNISTWidth+x] = byte(7*i + 3*y + x)
			}
		}
	}
	return pixels
}

func mnistImagesFile(count int) []byte {
	return idxBytes(0x08, []uint32{uint32(count), MNISTHeight, MNISTWidth}, testImages(count))
}

func mnistLabelsFile(labels []byte) []byte {
	return idxBytes(0x08, []uint32{uint32(len(labels))}, labels)
}
