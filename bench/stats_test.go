package bench

import (
	"math"
	"reflect"
	"testing"
)

func TestNewStatsOddCount(t *testing.T) {
	samples := []float64{30, 10, 50, 20, 40}
	got := NewStats(samples)

	want := Stats{Median: 30, Min: 10, Max: 50, Samples: []float64{30, 10, 50, 20, 40}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("NewStats(%v) = %+v, want %+v", samples, got, want)
	}
}

func TestNewStatsEvenCount(t *testing.T) {
	// Sorted: 1, 2, 4, 7, so the median is (2 + 4) / 2.
	got := NewStats([]float64{7, 2, 1, 4})

	if got.Median != 3 {
		t.Errorf("median = %v, want 3", got.Median)
	}
	if got.Min != 1 {
		t.Errorf("min = %v, want 1", got.Min)
	}
	if got.Max != 7 {
		t.Errorf("max = %v, want 7", got.Max)
	}
}

func TestNewStatsSingleSample(t *testing.T) {
	got := NewStats([]float64{2.5})

	want := Stats{Median: 2.5, Min: 2.5, Max: 2.5, Samples: []float64{2.5}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("NewStats([2.5]) = %+v, want %+v", got, want)
	}
}

func TestNewStatsEmpty(t *testing.T) {
	got := NewStats(nil)

	if !reflect.DeepEqual(got, Stats{}) {
		t.Errorf("NewStats(nil) = %+v, want the zero Stats", got)
	}
}

func TestNewStatsCopiesSamples(t *testing.T) {
	samples := []float64{3, 1, 2}
	got := NewStats(samples)
	samples[0] = 100

	if got.Samples[0] != 3 {
		t.Errorf("Samples[0] = %v after the caller changed its slice, want 3", got.Samples[0])
	}
}

func TestSetRatesWithPeaks(t *testing.T) {
	// 2e9 FLOP and 1e9 bytes in 10 ms are 200 GFLOP/s and 100 GB/s. The
	// compute peak is the larger FMA peak, 1000 GFLOP/s.
	k := Kernel{TimeMs: NewStats([]float64{10}), FLOPPerCall: 2e9, BytesPerCall: 1e9}
	k.SetRates(&Peaks{FMAScalarGFLOPPerSec: 400, FMAVec4GFLOPPerSec: 1000, CopyGBPerSec: 200})

	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"GFLOPPerSec", k.GFLOPPerSec, 200},
		{"GBPerSec", k.GBPerSec, 100},
		{"PercentOfPeakCompute", k.PercentOfPeakCompute, 20},
		{"PercentOfPeakBandwidth", k.PercentOfPeakBandwidth, 50},
	} {
		if math.Abs(c.got-c.want) > 1e-9*c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestSetRatesWithoutPeaks(t *testing.T) {
	k := Kernel{TimeMs: NewStats([]float64{10}), FLOPPerCall: 2e9, PercentOfPeakCompute: 99}
	k.SetRates(nil)

	if k.GFLOPPerSec != 200 {
		t.Errorf("GFLOPPerSec = %v, want 200", k.GFLOPPerSec)
	}
	if k.PercentOfPeakCompute != 0 || k.PercentOfPeakBandwidth != 0 {
		t.Errorf("percentages = %v and %v without peaks, want 0", k.PercentOfPeakCompute, k.PercentOfPeakBandwidth)
	}
}

func TestNewTimingCheck(t *testing.T) {
	got := NewTimingCheck(2, 2.5)

	want := TimingCheck{DeviceMs: 2, HostMs: 2.5, DifferencePercent: 25}
	if got != want {
		t.Errorf("NewTimingCheck(2, 2.5) = %+v, want %+v", got, want)
	}
}
