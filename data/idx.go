package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// IDX is a decoded IDX file of unsigned bytes, the format of the MNIST files.
type IDX struct {
	// Dims are the dimension sizes from the header, outermost first.
	Dims []int

	// Data contains the elements in row-major order, and len(Data) is the product of Dims.
	Data []byte
}

// MaxIDXElements is the largest element count that ReadIDX accepts, and also the largest
// single dimension. It fits in an int on 32-bit platforms. The MNIST training images,
// the largest file in use, have 47,040,000 elements.
const MaxIDXElements = 1<<31 - 1

// idxTypeUint8 is the IDX type byte for unsigned 8-bit elements, the only type MNIST uses.
const idxTypeUint8 = 0x08

// idxInitialChunk is the first buffer size for the data section. The buffer then doubles
// up to the size in the header, so a header that claims more data than the stream contains
// costs at most twice the bytes actually present.
const idxInitialChunk = 1 << 20

// idxTypeNames names the element types that the IDX format defines, for error messages.
var idxTypeNames = map[byte]string{
	0x08: "unsigned byte",
	0x09: "signed byte",
	0x0B: "int16",
	0x0C: "int32",
	0x0D: "float32",
	0x0E: "float64",
}

// ReadIDXFile reads an IDX file of unsigned bytes, plain or gzip-compressed.
// Errors name the path and the problem.
func ReadIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()

	return ReadIDX(f, path)
}

// ReadIDX decodes an IDX stream of unsigned bytes. A stream that starts with the gzip magic
// 0x1f 0x8b is decompressed first, whatever its name. The name is used only in error messages.
//
// ReadIDX rejects element counts above MaxIDXElements, a data section shorter than the header
// claims and any bytes after the data section. It reads the data section in growing chunks,
// so a false header cannot make it allocate much more than the stream contains.
func ReadIDX(r io.Reader, name string) (*IDX, error) {
	src, err := openIDXStream(r, name)
	if err != nil {
		return nil, err
	}

	dims, total, err := src.readHeader()
	if err != nil {
		return nil, err
	}

	payload, err := src.readData(total)
	if err != nil {
		return nil, err
	}

	if err := src.expectEnd(total); err != nil {
		return nil, err
	}
	return &IDX{Dims: dims, Data: payload}, nil
}

// idxStream reads an IDX file and turns read errors into messages that name the file.
type idxStream struct {
	r       io.Reader
	name    string
	gzipped bool
}

func openIDXStream(r io.Reader, name string) (*idxStream, error) {
	buffered := bufio.NewReader(r)
	magic, err := buffered.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("data: %s: read failed: %w", name, err)
	}

	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(buffered)
		if err != nil {
			return nil, fmt.Errorf("data: %s: corrupt gzip stream: %w", name, err)
		}
		return &idxStream{r: zr, name: name, gzipped: true}, nil
	}
	return &idxStream{r: buffered, name: name}, nil
}

// fill reads until buf is full or the stream ends. It returns io.EOF only for a clean end,
// and wraps every other error in a message that names the file.
func (s *idxStream) fill(buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := s.r.Read(buf[n:])
		n += m
		if err == io.EOF {
			// A reader may return the last bytes together with io.EOF.
			if n == len(buf) {
				return n, nil
			}
			return n, io.EOF
		}
		if err != nil {
			if s.gzipped && errors.Is(err, io.ErrUnexpectedEOF) {
				return n, fmt.Errorf("data: %s: corrupt gzip stream: %w (the file is cut short)", s.name, err)
			}
			if s.gzipped {
				return n, fmt.Errorf("data: %s: corrupt gzip stream: %w", s.name, err)
			}
			return n, fmt.Errorf("data: %s: read failed: %w", s.name, err)
		}
	}
	return n, nil
}

// readHeader reads the magic, type byte and dimensions, and returns the dimensions and
// their product.
func (s *idxStream) readHeader() ([]int, int, error) {
	var head [4]byte
	n, err := s.fill(head[:])
	if err == io.EOF {
		return nil, 0, fmt.Errorf("data: %s: truncated header: file ends after %d of 4 magic bytes", s.name, n)
	}
	if err != nil {
		return nil, 0, err
	}

	if head[0] != 0 || head[1] != 0 {
		return nil, 0, fmt.Errorf("data: %s: bad magic 0x%02x%02x%02x%02x: an IDX file starts with two zero bytes", s.name, head[0], head[1], head[2], head[3])
	}
	if head[2] != idxTypeUint8 {
		return nil, 0, fmt.Errorf("data: %s: unsupported type byte 0x%02x (%s): only 0x08 (unsigned byte) is supported", s.name, head[2], idxTypeName(head[2]))
	}
	if head[3] == 0 {
		return nil, 0, fmt.Errorf("data: %s: invalid header: dimension count is 0", s.name)
	}

	rawDims := make([]byte, 4*int(head[3]))
	n, err = s.fill(rawDims)
	if err == io.EOF {
		return nil, 0, fmt.Errorf("data: %s: truncated header: file ends after %d of %d dimension bytes", s.name, n, len(rawDims))
	}
	if err != nil {
		return nil, 0, err
	}

	dims := make([]int, head[3])
	total := uint64(1)
	for i := range dims {
		d := binary.BigEndian.Uint32(rawDims[4*i:])

		// Multiplying by a uint32 cannot overflow uint64 while total stays at most MaxIDXElements.
		// A zero dimension keeps total at 0, so each dimension is also checked on its own.
		total *= uint64(d)
		if total > MaxIDXElements || d > MaxIDXElements {
			return nil, 0, fmt.Errorf("data: %s: dimensions %s claim more than %d elements", s.name, rawDimsString(rawDims), MaxIDXElements)
		}
		dims[i] = int(d)
	}
	return dims, int(total), nil
}

// readData reads the data section of total bytes, growing the buffer as data arrives.
func (s *idxStream) readData(total int) ([]byte, error) {
	buf := make([]byte, 0, min(total, idxInitialChunk))
	for len(buf) < total {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(2*cap(buf), total))
			copy(grown, buf)
			buf = grown
		}

		n, err := s.fill(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return nil, fmt.Errorf("data: %s: truncated data: header claims %d data bytes, file contains %d", s.name, total, len(buf))
		}
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// expectEnd checks that nothing follows the data section. For gzip it also reads to the end of
// the stream, which is where the gzip reader verifies the checksum.
func (s *idxStream) expectEnd(total int) error {
	var extra [1]byte
	n, err := s.fill(extra[:])
	if n > 0 {
		return fmt.Errorf("data: %s: trailing data after the %d data bytes that the header claims", s.name, total)
	}
	if err == io.EOF {
		return nil
	}
	return err
}

func idxTypeName(t byte) string {
	if name, ok := idxTypeNames[t]; ok {
		return name
	}
	return "not an IDX type"
}

// rawDimsString formats the big-endian dimensions as "AxBxC" for error messages.
func rawDimsString(raw []byte) string {
	s := ""
	for i := 0; i < len(raw); i += 4 {
		if i > 0 {
			s += "x"
		}
		s += fmt.Sprint(binary.BigEndian.Uint32(raw[i:]))
	}
	return s
}
