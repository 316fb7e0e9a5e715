package data

import "fmt"

// Dataset is a labeled image set with raw 8-bit pixels, before normalization.
type Dataset struct {
	// Name identifies the set in messages, for example "mnist train".
	Name string

	// N is the number of images. C, H and W are the channels, height and width of each image.
	N, C, H, W int

	// Pixels contains N*C*H*W bytes in NCHW order.
	Pixels []uint8

	// Labels contains one class index per image, each below Classes.
	Labels []uint8

	// Classes is the number of classes.
	Classes int

	// ClassNames names each class by label, for reports; nil means the labels' digits.
	ClassNames []string

	// Stats are the per-channel mean and standard deviation that the Loader normalizes with.
	Stats ChannelStats

	// Augment is the augmentation that a Loader applies when LoaderOptions neither replaces nor
	// disables it. LoadCIFAR10 sets it for the training set, and every other loader leaves it nil.
	Augment Augmenter
}

// ImageSize returns the number of pixel values in one image, C*H*W.
func (d *Dataset) ImageSize() int {
	return d.C * d.H * d.W
}

// Validate checks that the slice lengths match the shape and that every label is below Classes.
func (d *Dataset) Validate() error {
	if d.N <= 0 || d.C <= 0 || d.H <= 0 || d.W <= 0 {
		return fmt.Errorf("data: %s: invalid shape N=%d C=%d H=%d W=%d: every size must be positive", d.Name, d.N, d.C, d.H, d.W)
	}
	if len(d.Pixels) != d.N*d.ImageSize() {
		return fmt.Errorf("data: %s: %d pixel bytes, want N*C*H*W = %d", d.Name, len(d.Pixels), d.N*d.ImageSize())
	}
	if len(d.Labels) != d.N {
		return fmt.Errorf("data: %s: %d labels for %d images", d.Name, len(d.Labels), d.N)
	}
	for i, label := range d.Labels {
		if int(label) >= d.Classes {
			return fmt.Errorf("data: %s: label %d of image %d is out of range 0..%d", d.Name, label, i, d.Classes-1)
		}
	}
	return nil
}
