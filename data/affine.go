package data

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/go-gl/mathgl/mgl32"
)

// Affine is a random rotation, scaling and shift of an image about its center, sampled
// bilinearly. Source positions outside the image read as black, a raw 0 pixel, which is the
// MNIST background. The zero value is the identity transform. It suits MNIST and
// Fashion-MNIST, and no dataset turns it on by default.
type Affine struct {
	// MaxRotation is the largest rotation in radians. The angle is uniform in
	// [-MaxRotation, MaxRotation], and a positive angle turns the image clockwise on screen,
	// because image rows run downwards.
	MaxRotation float32

	// MaxScale is the largest relative change in size, below 1. The scale factor is uniform
	// in [1-MaxScale, 1+MaxScale].
	MaxScale float32

	// MaxShift is the largest shift in pixels. The shifts along x and y are each uniform in
	// [-MaxShift, MaxShift].
	MaxShift float32
}

// MNISTAffine returns a mild affine augmentation for 28×28 digits: up to 10 degrees of
// rotation, 10% of scaling and 2 pixels of shift.
func MNISTAffine() Affine {
	return Affine{MaxRotation: 10 * math.Pi / 180, MaxScale: 0.1, MaxShift: 2}
}

// Augment draws the angle, then the scale, then the x and y shifts.
func (a Affine) Augment(dst, src Image, rng *rand.PCG) {
	angle := float32(randomSymmetric(rng, float64(a.MaxRotation)))
	scale := 1 + float32(randomSymmetric(rng, float64(a.MaxScale)))
	dx := float32(randomSymmetric(rng, float64(a.MaxShift)))
	dy := float32(randomSymmetric(rng, float64(a.MaxShift)))

	inverse := affineInverse(angle, scale, dx, dy, src.W, src.H)
	affineSample(dst, src, inverse)
}

func (a Affine) check(c, h, w int) error {
	valid := func(v float32) bool { return v >= 0 && !math.IsInf(float64(v), 0) }
	if !valid(a.MaxRotation) || !valid(a.MaxShift) || !(a.MaxScale >= 0 && a.MaxScale < 1) {
		return fmt.Errorf("data: invalid affine augmentation %+v: want a finite MaxRotation and MaxShift of 0 or more and MaxScale in [0, 1)", a)
	}
	return nil
}

// affineInverse returns the matrix that maps an output pixel position to its source position
// for the forward transform "scale, rotate, then shift by (dx, dy)" about the image center.
// Pixel (x, y) has its center at (x, y), so the center of a w×h image is ((w-1)/2, (h-1)/2).
// The inverse is built from the inverted steps in reverse order rather than by inverting the
// forward matrix, so the identity parameters give exactly the identity.
func affineInverse(angle, scale, dx, dy float32, w, h int) mgl32.Mat3 {
	cx, cy := float32(w-1)/2, float32(h-1)/2

	toOrigin := mgl32.Translate2D(-cx-dx, -cy-dy)
	unrotate := mgl32.HomogRotate2D(-angle)
	unscale := mgl32.Scale2D(1/scale, 1/scale)
	back := mgl32.Translate2D(cx, cy)
	return back.Mul3(unscale).Mul3(unrotate).Mul3(toOrigin)
}

// affineSample writes to each dst pixel the bilinear sample of src at the position that
// inverse maps it to.
func affineSample(dst, src Image, inverse mgl32.Mat3) {
	plane := src.H * src.W
	for y := range src.H {
		for x := range src.W {
			p := inverse.Mul3x1(mgl32.Vec3{float32(x), float32(y), 1})
			for c := range src.C {
				in := src.Pixels[c*plane : (c+1)*plane]
				dst.Pixels[c*plane+y*src.W+x] = bilinear(in, src.W, src.H, p[0], p[1], src.Black[c])
			}
		}
	}
}

// bilinear samples a w×h plane at (sx, sy), reading outside as the value outside.
func bilinear(plane []float32, w, h int, sx, sy, outside float32) float32 {
	x0f, y0f := float32(math.Floor(float64(sx))), float32(math.Floor(float64(sy)))
	fx, fy := sx-x0f, sy-y0f
	x0, y0 := int(x0f), int(y0f)

	at := func(x, y int) float32 {
		if x < 0 || x >= w || y < 0 || y >= h {
			return outside
		}
		return plane[y*w+x]
	}
	top := (1-fx)*at(x0, y0) + fx*at(x0+1, y0)
	bottom := (1-fx)*at(x0, y0+1) + fx*at(x0+1, y0+1)
	return (1-fy)*top + fy*bottom
}
