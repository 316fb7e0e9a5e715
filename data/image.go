package data

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg" // also registers the JPEG decoder with image.Decode
	"image/png"  // also registers the PNG decoder with image.Decode
	"io"
	"os"
	"strings"
)

// maxImagePixels is the largest image, in width × height pixels, that LoadImage decodes, and the
// largest output size it produces. LoadImage compares the size in the file header with it before
// decoding, so a small file that declares a huge image cannot exhaust memory. At this limit a
// decoded 16-bit RGBA image takes 512 MB.
const maxImagePixels = 64_000_000

// LoadImage decodes the PNG or JPEG file at path and converts it as ImageToTensor does. The result
// is one image of channels×height×width float32 values in [0, 1], in CHW order, which is NCHW with
// N = 1. The values are not normalized, so the caller applies the dataset's Normalizer.
//
// Images above 64 million pixels are rejected from their header, before any pixel is decoded.
// Formats other than PNG and JPEG are rejected even when another package in the program has
// registered a decoder for them.
func LoadImage(path string, channels, height, width int) ([]float32, error) {
	if err := checkImageTensorShape(channels, height, width); err != nil {
		return nil, err
	}

	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: open image: %w", err)
	}
	defer file.Close()

	info, err := file.Stat()
	if err != nil {
		return nil, fmt.Errorf("data: open image: %w", err)
	}
	if info.IsDir() {
		return nil, fmt.Errorf("data: %s is a directory; expected a PNG or JPEG file", path)
	}
	if info.Size() == 0 {
		return nil, fmt.Errorf("data: %s is empty (0 bytes); expected a PNG or JPEG file", path)
	}

	config, format, err := image.DecodeConfig(file)
	if errors.Is(err, image.ErrFormat) {
		return nil, unknownImageFormatError(path, file)
	}
	if err != nil {
		return nil, imageDecodeError("read the header of", format, path, err)
	}
	if format != "png" && format != "jpeg" {
		return nil, fmt.Errorf("data: %s is a %s image; expected PNG or JPEG, so convert it first",
			path, strings.ToUpper(format))
	}
	if config.Width <= 0 || config.Height <= 0 {
		return nil, fmt.Errorf("data: %s has size %d×%d (width×height); expected an image of at least 1×1 pixel",
			path, config.Width, config.Height)
	}
	if int64(config.Width)*int64(config.Height) > maxImagePixels {
		return nil, fmt.Errorf("data: %s is %d×%d pixels (width×height), above the limit of %d pixels; "+
			"downscale it to at most 64 megapixels first", path, config.Width, config.Height, maxImagePixels)
	}

	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("data: rewind image: %w", err)
	}
	img, format, err := image.Decode(file)
	if err != nil {
		return nil, imageDecodeError("decode", format, path, err)
	}
	return ImageToTensor(img, channels, height, width)
}

// imageDecodeError wraps a decoder error for path. Go's PNG decoder reports a truncated file as a
// format error ("not enough pixel data"), so only unsupported features get a different hint.
func imageDecodeError(action, format, path string, err error) error {
	hint := "the file is truncated or corrupt, so download or export it again"
	var pngUnsupported png.UnsupportedError
	var jpegUnsupported jpeg.UnsupportedError
	if errors.As(err, &pngUnsupported) || errors.As(err, &jpegUnsupported) {
		hint = "Go's decoder does not support this variant, so save it again as an 8-bit PNG or a standard JPEG"
	}
	return fmt.Errorf("data: %s %s image %s: %w; %s", action, strings.ToUpper(format), path, err, hint)
}

// imageSignatures contains the leading bytes of common image formats that LoadImage does not
// read, so that its error can name the format. "ftyp" at offset 4 starts ISO media files, and
// the brand after it distinguishes HEIF and AVIF from video.
var imageSignatures = []struct {
	offset int
	magic  string
	name   string
}{
	{0, "GIF87a", "GIF"},
	{0, "GIF89a", "GIF"},
	{0, "BM", "BMP"},
	{0, "II*\x00", "TIFF"},
	{0, "MM\x00*", "TIFF"},
	{8, "WEBP", "WebP"},
	{4, "ftypheic", "HEIF"},
	{4, "ftypheix", "HEIF"},
	{4, "ftypmif1", "HEIF"},
	{4, "ftypavif", "AVIF"},
	{0, "qoif", "QOI"},
}

// unknownImageFormatError names the format of a file that no registered decoder recognized, or
// shows its first bytes when the format is not in imageSignatures.
func unknownImageFormatError(path string, file *os.File) error {
	head := make([]byte, 16)
	n, err := file.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("data: read image %s: %w", path, err)
	}
	head = head[:n]

	for _, signature := range imageSignatures {
		if len(head) >= signature.offset && bytes.HasPrefix(head[signature.offset:], []byte(signature.magic)) {
			return fmt.Errorf("data: %s is a %s image; expected PNG or JPEG, so convert it first",
				path, signature.name)
		}
	}
	return fmt.Errorf("data: %s has an unknown format (first bytes %q); expected a PNG or JPEG image",
		path, head[:min(n, 8)])
}

// checkImageTensorShape validates the output shape that LoadImage and ImageToTensor produce.
func checkImageTensorShape(channels, height, width int) error {
	if channels != 1 && channels != 3 {
		return fmt.Errorf("data: invalid channel count %d; expected 1 (grayscale, as MNIST) or 3 (RGB, as CIFAR-10)",
			channels)
	}
	if height < 1 || width < 1 {
		return fmt.Errorf("data: invalid output size %d×%d (height×width); both must be at least 1", height, width)
	}
	if height > maxImagePixels || width > maxImagePixels || height*width > maxImagePixels {
		return fmt.Errorf("data: invalid output size %d×%d (height×width); expected at most %d pixels",
			height, width, maxImagePixels)
	}
	return nil
}

// ImageToTensor converts img to channels×height×width float32 values in [0, 1], in CHW order, which
// is NCHW with N = 1. The values are not normalized, so the caller applies the dataset's Normalizer.
//
// Every color model is read with 16-bit precision through color.Color's RGBA method and divided by
// 65535. RGBA returns alpha-premultiplied values, so transparent pixels come out composited over
// black. With channels == 1 the value is the Rec. 601 luma 0.299 R + 0.587 G + 0.114 B, and a gray
// pixel keeps its exact value. With channels == 3 the planes are R, G and B. Other channel counts
// are an error.
//
// Colors are never inverted. MNIST and Fashion-MNIST show light shapes on a black background, so
// the caller must invert a scan of a dark digit on white paper before passing it in.
//
// An image of another size is resized bilinearly with half-pixel centers: output column x reads
// source position (x + 0.5) × srcWidth / width − 0.5, clamped to the edge pixels, and rows
// likewise. PyTorch's F.interpolate(mode="bilinear", align_corners=False) uses this convention.
// When upscaling, Pillow's bilinear resize (libImaging/Resample.c) uses the same weights but rounds
// to 8 bits. Downscaling does not antialias. Each output pixel blends only the 2×2 source pixels
// nearest to it, so shrinking by a large factor skips most source pixels and can drop thin
// strokes. Shrink such images with an averaging filter first. An image of the requested size is
// copied exactly.
func ImageToTensor(img image.Image, channels, height, width int) ([]float32, error) {
	if err := checkImageTensorShape(channels, height, width); err != nil {
		return nil, err
	}
	if img == nil {
		return nil, errors.New("data: image is nil; expected a decoded image")
	}
	bounds := img.Bounds()
	if bounds.Dx() <= 0 || bounds.Dy() <= 0 {
		return nil, fmt.Errorf("data: image has size %d×%d (width×height); expected at least 1×1 pixel",
			bounds.Dx(), bounds.Dy())
	}

	columns := resampleTaps(bounds.Min.X, bounds.Dx(), width)
	rows := resampleTaps(bounds.Min.Y, bounds.Dy(), height)
	reader := newPixelReader(img, channels)
	planeSize := height * width
	tensor := make([]float32, channels*planeSize)
	for y, row := range rows {
		for x, column := range columns {
			values := reader.sample(column, row)
			for c := range channels {
				tensor[c*planeSize+y*width+x] = float32(values[c])
			}
		}
	}
	return tensor, nil
}

// resampleTap is the pair of source pixels, as absolute coordinates, that one output pixel blends
// along one axis. The blend is lo + (hi − lo) × frac.
type resampleTap struct {
	lo, hi int
	frac   float64
}

// resampleTaps maps each of dstSize output positions to the source axis [origin, origin+srcSize)
// with half-pixel centers.
func resampleTaps(origin, srcSize, dstSize int) []resampleTap {
	taps := make([]resampleTap, dstSize)
	if srcSize == dstSize {
		for i := range taps {
			taps[i] = resampleTap{lo: origin + i, hi: origin + i}
		}
		return taps
	}

	scale := float64(srcSize) / float64(dstSize)
	last := float64(srcSize - 1)
	for i := range taps {
		position := (float64(i)+0.5)*scale - 0.5
		position = max(0, min(position, last))
		lo := int(position) // truncation is floor because position >= 0
		hi := min(lo+1, srcSize-1)
		taps[i] = resampleTap{lo: origin + lo, hi: origin + hi, frac: position - float64(lo)}
	}
	return taps
}

// pixelReader reads pixels of one image as 1 luma value or 3 RGB values in [0, 1].
type pixelReader struct {
	img      image.Image
	img64    image.RGBA64Image // img when it implements RGBA64At, which avoids an allocation per pixel
	channels int
}

func newPixelReader(img image.Image, channels int) pixelReader {
	img64, _ := img.(image.RGBA64Image)
	return pixelReader{img: img, img64: img64, channels: channels}
}

// sample blends the up to 4 source pixels that column and row select. A zero frac skips the hi
// pixel, so a same-size copy reads each pixel once and keeps its value exactly.
func (p pixelReader) sample(column, row resampleTap) [3]float64 {
	top := p.blendRow(column, row.lo)
	if row.frac == 0 {
		return top
	}
	bottom := p.blendRow(column, row.hi)
	return lerpPixel(top, bottom, row.frac)
}

func (p pixelReader) blendRow(column resampleTap, y int) [3]float64 {
	left := p.at(column.lo, y)
	if column.frac == 0 {
		return left
	}
	right := p.at(column.hi, y)
	return lerpPixel(left, right, column.frac)
}

// lerpPixel computes a + (b − a) × t, which returns a exactly when a == b or t == 0, so a constant
// image stays constant after resizing.
func lerpPixel(a, b [3]float64, t float64) [3]float64 {
	var out [3]float64
	for c := range a {
		out[c] = a[c] + (b[c]-a[c])*t
	}
	return out
}

// at returns the alpha-premultiplied pixel at (x, y) as luma in element 0, or as R, G and B.
func (p pixelReader) at(x, y int) [3]float64 {
	var r, g, b uint32
	if p.img64 != nil {
		c := p.img64.RGBA64At(x, y)
		r, g, b = uint32(c.R), uint32(c.G), uint32(c.B)
	} else {
		r, g, b, _ = p.img.At(x, y).RGBA()
	}

	const maxValue = 65535.0
	if p.channels == 3 {
		return [3]float64{float64(r) / maxValue, float64(g) / maxValue, float64(b) / maxValue}
	}
	luma := 0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)
	return [3]float64{luma / maxValue}
}
