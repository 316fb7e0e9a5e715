package data

import (
	"fmt"
	"math/rand/v2"
)

// CropFlip is the standard CIFAR-10 training augmentation: pad the image with Pad pixels of
// value 0 on every side, take a random crop of the original size, and mirror it left to right
// with probability 0.5 when Flip is set. The padding is 0 after normalization, which is the
// training-set mean of each channel.
type CropFlip struct {
	// Pad is the border width in pixels. The crop offset is uniform in 0..2*Pad on each axis.
	Pad int

	// Flip enables the random horizontal mirror.
	Flip bool
}

// CIFAR10Augment returns the default augmentation of the CIFAR-10 training set: 4 pixels of
// padding, a random 32×32 crop and a random horizontal flip.
func CIFAR10Augment() CropFlip {
	return CropFlip{Pad: 4, Flip: true}
}

// Augment draws the vertical offset, then the horizontal offset, then the flip.
func (a CropFlip) Augment(dst, src Image, rng *rand.PCG) {
	span := uint64(2*a.Pad + 1)
	top := uniformBelow(rng, span)
	left := uniformBelow(rng, span)
	flip := a.Flip && rng.Uint64()>>63 == 1
	cropFlip(dst, src, a.Pad, top, left, flip)
}

func (a CropFlip) check(c, h, w int) error {
	if a.Pad < 0 {
		return fmt.Errorf("data: invalid crop padding %d: want 0 or more pixels", a.Pad)
	}
	return nil
}

// cropFlip writes the H×W window at (top, left) of src padded by pad zeros to dst, mirrored
// left to right when flip is set.
func cropFlip(dst, src Image, pad, top, left int, flip bool) {
	plane := src.H * src.W
	for c := range src.C {
		in := src.Pixels[c*plane : (c+1)*plane]
		out := dst.Pixels[c*plane : (c+1)*plane]

		for y := range src.H {
			sy := y + top - pad
			for x := range src.W {
				cx := x
				if flip {
					cx = src.W - 1 - x
				}
				sx := cx + left - pad

				value := float32(0)
				if sy >= 0 && sy < src.H && sx >= 0 && sx < src.W {
					value = in[sy*src.W+sx]
				}
				out[y*src.W+x] = value
			}
		}
	}
}
