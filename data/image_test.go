package data

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io/fs"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// encodePNG writes img as a PNG file in dir and returns its path.
func encodePNG(t *testing.T, dir, name string, img image.Image) string {
	t.Helper()

	var buffer bytes.Buffer
	if err := png.Encode(&buffer, img); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, dir, name, buffer.Bytes())
}

// pngHeaderOnly returns a PNG signature and an IHDR chunk for an 8-bit grayscale image of the
// given size, with no image data. It lets a test declare sizes that png.Encode refuses to write.
func pngHeaderOnly(width, height uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:4], width)
	binary.BigEndian.PutUint32(ihdr[4:8], height)
	ihdr[8] = 8 // bit depth; color type 0 (gray), compression, filter and interlace stay 0

	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	binary.Write(&out, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	out.Write(chunk)
	binary.Write(&out, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return out.Bytes()
}

func assertPixelsEqual(t *testing.T, got, want []float32) {
	t.Helper()

	if len(got) != len(want) {
		t.Fatalf("got %d values, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("value %d = %v, want exactly %v", i, got[i], want[i])
		}
	}
}

func assertPixelsNear(t *testing.T, got, want []float32, tolerance float64) {
	t.Helper()

	if len(got) != len(want) {
		t.Fatalf("got %d values, want %d", len(got), len(want))
	}
	for i := range want {
		if math.Abs(float64(got[i])-float64(want[i])) > tolerance {
			t.Errorf("value %d = %v, want %v within %v", i, got[i], want[i], tolerance)
		}
	}
}

func TestLoadImageGray8PNGExact(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 3, 2))
	img.Pix = []uint8{0, 1, 128, 200, 254, 255}
	path := encodePNG(t, t.TempDir(), "gray8.png", img)

	got, err := LoadImage(path, 1, 2, 3)
	if err != nil {
		t.Fatal(err)
	}

	want := make([]float32, len(img.Pix))
	for i, v := range img.Pix {
		want[i] = float32(float64(v) / 255)
	}
	assertPixelsEqual(t, got, want)
}

func TestLoadImageGray16PNGExact(t *testing.T) {
	levels := []uint16{0, 1, 257, 12345, 32768, 65534, 65535, 40000}
	img := image.NewGray16(image.Rect(0, 0, 4, 2))
	for i, v := range levels {
		img.SetGray16(i%4, i/4, color.Gray16{Y: v})
	}
	path := encodePNG(t, t.TempDir(), "gray16.png", img)

	got, err := LoadImage(path, 1, 2, 4)
	if err != nil {
		t.Fatal(err)
	}

	want := make([]float32, len(levels))
	for i, v := range levels {
		want[i] = float32(float64(v) / 65535)
	}
	assertPixelsEqual(t, got, want)
	if got[1] == got[0] {
		t.Errorf("levels 0 and 1 both read as %v, so 16-bit precision was lost", got[0])
	}
}

func TestLoadImageRGB16PNGPlanes(t *testing.T) {
	img := image.NewRGBA64(image.Rect(0, 0, 2, 1))
	img.SetRGBA64(0, 0, color.RGBA64{R: 65535, G: 1, B: 30000, A: 65535})
	img.SetRGBA64(1, 0, color.RGBA64{R: 0, G: 50000, B: 65535, A: 65535})
	path := encodePNG(t, t.TempDir(), "rgb16.png", img)

	got, err := LoadImage(path, 3, 1, 2)
	if err != nil {
		t.Fatal(err)
	}

	// CHW order: both red values, then both green, then both blue.
	want := []float32{
		1, 0,
		float32(1.0 / 65535), float32(50000.0 / 65535),
		float32(30000.0 / 65535), 1,
	}
	assertPixelsEqual(t, got, want)
}

func TestImageToTensorRGBToLuma(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 1))
	img.SetRGBA(0, 0, color.RGBA{R: 255, A: 255})
	img.SetRGBA(1, 0, color.RGBA{G: 255, A: 255})
	img.SetRGBA(2, 0, color.RGBA{B: 255, A: 255})
	img.SetRGBA(3, 0, color.RGBA{R: 10, G: 200, B: 30, A: 255})

	got, err := ImageToTensor(img, 1, 1, 4)
	if err != nil {
		t.Fatal(err)
	}

	// Rec. 601 luma on 8-bit values: (0.299 R + 0.587 G + 0.114 B) / 255.
	want := []float32{
		0.299,
		0.587,
		0.114,
		(0.299*10 + 0.587*200 + 0.114*30) / 255, // (2.99 + 117.4 + 3.42) / 255 = 0.48553
	}
	assertPixelsNear(t, got, want, 1e-6)
}

func TestImageToTensorNRGBAOverBlack(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 3, 1))
	img.SetNRGBA(0, 0, color.NRGBA{R: 255, G: 255, B: 255, A: 128})
	img.SetNRGBA(1, 0, color.NRGBA{R: 200, G: 100, B: 50, A: 128})
	img.SetNRGBA(2, 0, color.NRGBA{R: 255, G: 255, B: 255, A: 0})

	// Over black, a straight-alpha value v with alpha a shows as v × a. Half-transparent white
	// becomes 128/255 = 0.502, and a fully transparent pixel becomes black.
	half := 128.0 / 255
	wantRGB := []float32{
		float32(half), float32(200.0 / 255 * half), 0,
		float32(half), float32(100.0 / 255 * half), 0,
		float32(half), float32(50.0 / 255 * half), 0,
	}
	// The conversion rounds the premultiplied 16-bit value down, which costs up to 1/65535.
	const tolerance = 1.5 / 65535

	got, err := ImageToTensor(img, 3, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	assertPixelsNear(t, got, wantRGB, tolerance)

	// PNG stores straight alpha and decodes to NRGBA, so the file takes the same path.
	path := encodePNG(t, t.TempDir(), "nrgba.png", img)
	got, err = LoadImage(path, 3, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	assertPixelsNear(t, got, wantRGB, tolerance)

	gray, err := ImageToTensor(img, 1, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(gray[0])-half) > tolerance {
		t.Errorf("half-transparent white as luma = %v, want %v", gray[0], half)
	}
}

func TestLoadImagePalettedPNG(t *testing.T) {
	palette := color.Palette{
		color.RGBA{A: 255},
		color.RGBA{R: 255, G: 128, A: 255},
		color.RGBA{B: 255, A: 255},
		color.NRGBA{R: 255, G: 255, B: 255, A: 128}, // written as a tRNS entry
	}
	img := image.NewPaletted(image.Rect(0, 0, 4, 1), palette)
	img.Pix = []uint8{0, 1, 2, 3}
	path := encodePNG(t, t.TempDir(), "paletted.png", img)

	got, err := LoadImage(path, 3, 1, 4)
	if err != nil {
		t.Fatal(err)
	}

	// The translucent white entry shows as 128/255 over black.
	half := float32(128.0 / 255)
	want := []float32{
		0, 1, 0, half,
		0, float32(128.0 / 255), 0, half,
		0, 0, 1, half,
	}
	assertPixelsNear(t, got, want, 1e-6)
}

func TestLoadImageFlatJPEG(t *testing.T) {
	dir := t.TempDir()
	const r, g, b = 200, 100, 50

	rgb := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := 0; i < len(rgb.Pix); i += 4 {
		copy(rgb.Pix[i:i+4], []uint8{r, g, b, 255})
	}
	var buffer bytes.Buffer
	if err := jpeg.Encode(&buffer, rgb, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, dir, "flat.jpg", buffer.Bytes())

	// JPEG rounds through YCbCr, which moves a flat color by a few levels at most.
	const tolerance = 3.0 / 255
	got, err := LoadImage(path, 3, 16, 16)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		want := []float64{r, g, b}[i/256] / 255
		if math.Abs(float64(v)-want) > tolerance {
			t.Fatalf("value %d = %v, want %v within %v", i, v, want, tolerance)
		}
	}

	got, err = LoadImage(path, 1, 4, 4)
	if err != nil {
		t.Fatal(err)
	}
	luma := (0.299*r + 0.587*g + 0.114*b) / 255 // (59.8 + 58.7 + 5.7) / 255 = 0.48706
	for i, v := range got {
		if math.Abs(float64(v)-luma) > tolerance {
			t.Fatalf("luma %d = %v, want %v within %v", i, v, luma, tolerance)
		}
	}
}

func TestLoadImageGrayJPEG(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = 90
	}
	var buffer bytes.Buffer
	if err := jpeg.Encode(&buffer, img, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, t.TempDir(), "gray.jpeg", buffer.Bytes())

	got, err := LoadImage(path, 1, 8, 8)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if math.Abs(float64(v)-90.0/255) > 2.0/255 {
			t.Fatalf("value %d = %v, want %v within 2/255", i, v, 90.0/255)
		}
	}
}

func TestImageToTensorCMYK(t *testing.T) {
	img := image.NewCMYK(image.Rect(0, 0, 3, 1))
	img.SetCMYK(0, 0, color.CMYK{}) // no ink is white
	img.SetCMYK(1, 0, color.CMYK{M: 255, Y: 255})
	img.SetCMYK(2, 0, color.CMYK{K: 255})

	got, err := ImageToTensor(img, 3, 1, 3)
	if err != nil {
		t.Fatal(err)
	}

	want := []float32{
		1, 1, 0,
		1, 0, 0,
		1, 0, 0,
	}
	assertPixelsEqual(t, got, want)
}

func TestImageToTensorBilinearUpscale(t *testing.T) {
	// Source, as 8-bit gray values 0, 102, 204 and 51, which are 0, 0.4, 0.8 and 0.2:
	//   0.0 0.4
	//   0.8 0.2
	img := image.NewGray(image.Rect(0, 0, 2, 2))
	img.Pix = []uint8{0, 102, 204, 51}

	got, err := ImageToTensor(img, 1, 4, 4)
	if err != nil {
		t.Fatal(err)
	}

	// With scale 2/4, output i reads source (i + 0.5) × 0.5 − 0.5 = −0.25, 0.25, 0.75, 1.25,
	// clamped to 0, 0.25, 0.75, 1. A 2-pixel line [a, b] therefore becomes
	// [a, 0.75a + 0.25b, 0.25a + 0.75b, b].
	// Top row [0, 0.4] becomes [0, 0.1, 0.3, 0.4].
	// Bottom row [0.8, 0.2] becomes [0.8, 0.65, 0.35, 0.2].
	// Row 1 is 0.75 top + 0.25 bottom, for example 0.75 × 0.1 + 0.25 × 0.65 = 0.2375.
	// Row 2 is 0.25 top + 0.75 bottom, for example 0.25 × 0.3 + 0.75 × 0.35 = 0.3375.
	want := []float32{
		0.0, 0.1, 0.3, 0.4,
		0.2, 0.2375, 0.3125, 0.35,
		0.6, 0.5125, 0.3375, 0.25,
		0.8, 0.65, 0.35, 0.2,
	}
	assertPixelsNear(t, got, want, 1e-6)
}

func TestImageToTensorBilinearDownscale(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 4, 1))
	img.Pix = []uint8{0, 51, 102, 204} // 0, 0.2, 0.4, 0.8

	got, err := ImageToTensor(img, 1, 1, 2)
	if err != nil {
		t.Fatal(err)
	}

	// With scale 4/2, output i reads source (i + 0.5) × 2 − 0.5 = 0.5 and 2.5, the midpoints
	// of pixels 0 and 1 and of pixels 2 and 3: (0 + 0.2) / 2 = 0.1 and (0.4 + 0.8) / 2 = 0.6.
	want := []float32{0.1, 0.6}
	assertPixelsNear(t, got, want, 1e-6)
}

func TestImageToTensorResizeConstant(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 5, 7))
	for i := 0; i < len(img.Pix); i += 4 {
		copy(img.Pix[i:i+4], []uint8{30, 144, 250, 255})
	}
	want := []float32{float32(30.0 / 255), float32(144.0 / 255), float32(250.0 / 255)}

	sizes := []struct{ height, width int }{{1, 1}, {3, 2}, {7, 5}, {28, 28}, {32, 13}, {100, 3}}
	for _, size := range sizes {
		got, err := ImageToTensor(img, 3, size.height, size.width)
		if err != nil {
			t.Fatal(err)
		}
		planeSize := size.height * size.width
		for i, v := range got {
			if v != want[i/planeSize] {
				t.Errorf("%d×%d: value %d = %v, want %v", size.height, size.width, i, v, want[i/planeSize])
				break
			}
		}
	}
}

func TestImageToTensorResizeRampMonotonic(t *testing.T) {
	img := image.NewGray16(image.Rect(0, 0, 9, 3))
	for y := range 3 {
		for x := range 9 {
			img.SetGray16(x, y, color.Gray16{Y: uint16(x * x * 800)})
		}
	}

	for _, width := range []int{4, 9, 20, 57} {
		got, err := ImageToTensor(img, 1, 5, width)
		if err != nil {
			t.Fatal(err)
		}
		for y := range 5 {
			row := got[y*width : (y+1)*width]
			for x := 1; x < width; x++ {
				if row[x] < row[x-1] {
					t.Errorf("width %d, row %d: value %d = %v is below value %d = %v",
						width, y, x, row[x], x-1, row[x-1])
				}
			}
			if width > 9 && row[width-1] <= row[0] {
				t.Errorf("width %d, row %d: ramp is flat, from %v to %v", width, y, row[0], row[width-1])
			}
		}
	}
}

func TestImageToTensorSubImageOrigin(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 4, 4))
	for i := range img.Pix {
		img.Pix[i] = uint8(10 * i)
	}
	// The 2×2 block at (1, 2) has bounds starting there, not at (0, 0).
	sub := img.SubImage(image.Rect(1, 2, 3, 4))

	got, err := ImageToTensor(sub, 1, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{
		float32(90.0 / 255), float32(100.0 / 255),
		float32(130.0 / 255), float32(140.0 / 255),
	}
	assertPixelsEqual(t, got, want)
}

func TestLoadImageErrors(t *testing.T) {
	dir := t.TempDir()

	noise := image.NewGray(image.Rect(0, 0, 64, 64))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise.Pix {
		noise.Pix[i] = uint8(rng.IntN(256))
	}
	var pngBytes bytes.Buffer
	if err := png.Encode(&pngBytes, noise); err != nil {
		t.Fatal(err)
	}
	var gifBytes bytes.Buffer
	if err := gif.Encode(&gifBytes, noise, nil); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		content []byte
		wants   []string
	}{
		{"empty.png", nil, []string{"empty", "PNG or JPEG"}},
		{"body-cut.png", pngBytes.Bytes()[:pngBytes.Len()/2], []string{"decode PNG image", "truncated"}},
		{"header-cut.png", pngBytes.Bytes()[:20], []string{"PNG", "truncated"}},
		{"picture.gif", gifBytes.Bytes(), []string{"GIF image", "expected PNG or JPEG"}},
		{"picture.bmp", append([]byte("BM"), make([]byte, 52)...), []string{"BMP image", "expected PNG or JPEG"}},
		{"notes.png", []byte("hello, this is not an image"), []string{"unknown format", `"hello, t"`, "PNG or JPEG"}},
		{"zero-width.png", pngHeaderOnly(0, 10), []string{"PNG", "non-positive dimension"}},
		{"bomb.png", pngHeaderOnly(10000, 10000), []string{"10000×10000", "64000000", "downscale"}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			path := writeFile(t, dir, test.name, test.content)
			_, err := LoadImage(path, 1, 28, 28)
			if err == nil {
				t.Fatal("LoadImage returned no error")
			}
			assertContains(t, err.Error(), append([]string{"data: ", path}, test.wants...)...)
		})
	}

	t.Run("missing", func(t *testing.T) {
		path := filepath.Join(dir, "missing.png")
		_, err := LoadImage(path, 1, 28, 28)
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("error = %v, want fs.ErrNotExist", err)
		}
		assertContains(t, err.Error(), "data: ", path)
	})

	t.Run("directory", func(t *testing.T) {
		_, err := LoadImage(dir, 1, 28, 28)
		if err == nil {
			t.Fatal("LoadImage returned no error")
		}
		assertContains(t, err.Error(), "data: ", dir, "directory")
	})
}

func TestImageToTensorZeroSize(t *testing.T) {
	for _, bounds := range []image.Rectangle{image.Rect(0, 0, 0, 5), image.Rect(0, 0, 5, 0)} {
		_, err := ImageToTensor(image.NewGray(bounds), 1, 28, 28)
		if err == nil {
			t.Fatalf("%v: ImageToTensor returned no error", bounds)
		}
		assertContains(t, err.Error(), "data: ", "at least 1×1")
	}

	_, err := ImageToTensor(nil, 1, 28, 28)
	if err == nil {
		t.Fatal("nil image: ImageToTensor returned no error")
	}
	assertContains(t, err.Error(), "data: ", "nil")
}

func TestImageInvalidArguments(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 2, 2))
	path := encodePNG(t, t.TempDir(), "valid.png", img)

	tests := []struct {
		channels, height, width int
		wants                   []string
	}{
		{0, 28, 28, []string{"channel count 0", "expected 1", "or 3"}},
		{2, 28, 28, []string{"channel count 2"}},
		{4, 32, 32, []string{"channel count 4"}},
		{1, 0, 28, []string{"output size 0×28"}},
		{3, 32, -1, []string{"output size 32×-1"}},
		{1, 100000, 100000, []string{"output size 100000×100000", "64000000"}},
		{1, math.MaxInt, math.MaxInt, []string{"64000000"}},
	}
	for _, test := range tests {
		_, err := ImageToTensor(img, test.channels, test.height, test.width)
		if err == nil {
			t.Errorf("ImageToTensor(%d, %d, %d) returned no error", test.channels, test.height, test.width)
		} else {
			assertContains(t, err.Error(), append([]string{"data: invalid"}, test.wants...)...)
		}

		_, err = LoadImage(path, test.channels, test.height, test.width)
		if err == nil {
			t.Errorf("LoadImage(%d, %d, %d) returned no error", test.channels, test.height, test.width)
		} else {
			assertContains(t, err.Error(), append([]string{"data: invalid"}, test.wants...)...)
		}
	}
}
