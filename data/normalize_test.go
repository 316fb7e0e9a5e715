package data

import (
	"math"
	"strings"
	"testing"
)

// The expected values below are (p/255 - mean) / std evaluated in float64 by a Python
// one-liner, independently of the lookup tables in Normalizer.

func TestNormalizeMNIST(t *testing.T) {
	z, err := NewNormalizer(MNISTStats())
	if err != nil {
		t.Fatal(err)
	}

	src := []uint8{0, 128, 255, 0}
	dst := make([]float32, len(src))
	if err := z.Normalize(dst, src, 2); err != nil {
		t.Fatal(err)
	}

	want := []float64{-0.424212917883804, 1.2050009227969019, 2.82148653034729, -0.424212917883804}
	for i := range want {
		if math.Abs(float64(dst[i])-want[i]) > 1e-6 {
			t.Errorf("pixel %d -> %v, want %v", src[i], dst[i], want[i])
		}
	}
}

func TestNormalizeCIFAR10Channels(t *testing.T) {
	z, err := NewNormalizer(CIFAR10Stats())
	if err != nil {
		t.Fatal(err)
	}

	// Two 3-channel images of 2 pixels each, in NCHW order.
	src := []uint8{
		0, 255, 0, 51, 51, 255,
		255, 51, 51, 0, 0, 255,
	}
	dst := make([]float32, len(src))
	if err := z.Normalize(dst, src, 2); err != nil {
		t.Fatal(err)
	}

	want := []float64{
		-1.9894736842105263, 2.0591093117408903, // red: 0, 255
		-1.980287474332649, -1.1589322381930185, // green: 0, 51
		-0.9422782874617737, 2.1158256880733943, // blue: 51, 255
		2.0591093117408903, -1.1797570850202428, // red: 255, 51
		-1.1589322381930185, -1.980287474332649, // green: 51, 0
		-1.7068042813455657, 2.1158256880733943, // blue: 0, 255
	}
	for i := range want {
		if math.Abs(float64(dst[i])-want[i]) > 1e-6 {
			t.Errorf("value %d (pixel %d) -> %v, want %v", i, src[i], dst[i], want[i])
		}
	}
}

func TestNormalizeShapeErrors(t *testing.T) {
	z, err := NewNormalizer(CIFAR10Stats())
	if err != nil {
		t.Fatal(err)
	}

	err = z.Normalize(make([]float32, 8), make([]uint8, 8), 2)
	if err == nil || !strings.Contains(err.Error(), "cannot normalize 8 pixels as images of 3 channels x 2 pixels") {
		t.Errorf("partial image: error = %v", err)
	}

	err = z.Normalize(make([]float32, 5), make([]uint8, 6), 2)
	if err == nil || !strings.Contains(err.Error(), "output has 5 values for 6 pixels") {
		t.Errorf("short output: error = %v", err)
	}

	err = z.Normalize(nil, nil, 0)
	if err == nil {
		t.Errorf("plane size 0: no error")
	}
}

func TestNewNormalizerInvalidStats(t *testing.T) {
	cases := []struct {
		name  string
		stats ChannelStats
		want  string
	}{
		{"no channels", ChannelStats{}, "0 means and 0 standard deviations"},
		{"length mismatch", ChannelStats{Mean: []float64{0.5, 0.5}, Std: []float64{0.2}}, "2 means and 1 standard deviations"},
		{"zero std", ChannelStats{Mean: []float64{0.5}, Std: []float64{0}}, "channel 0: mean 0.5, std 0"},
		{"negative std", ChannelStats{Mean: []float64{0.5, 0.5}, Std: []float64{0.2, -1}}, "channel 1: mean 0.5, std -1"},
		{"NaN std", ChannelStats{Mean: []float64{0.5}, Std: []float64{math.NaN()}}, "std NaN"},
		{"infinite mean", ChannelStats{Mean: []float64{math.Inf(1)}, Std: []float64{1}}, "mean +Inf"},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewNormalizer(tc.stats)
			if err == nil {
				t.Fatal("NewNormalizer returned no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}
