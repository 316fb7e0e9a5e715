package bench

// SetRates fills k's GFLOPPerSec and GBPerSec from FLOPPerCall,
// BytesPerCall and the median time, and the two percentages from peaks.
// The compute peak is the larger of the two FMA peaks. A percentage is 0
// when peaks is nil or its peak is 0, and both rates are 0 when the
// median time is not positive.
func (k *Kernel) SetRates(peaks *Peaks) {
	k.GFLOPPerSec, k.GBPerSec = 0, 0
	k.PercentOfPeakCompute, k.PercentOfPeakBandwidth = 0, 0
	if k.TimeMs.Median <= 0 {
		return
	}

	seconds := k.TimeMs.Median / 1e3
	k.GFLOPPerSec = k.FLOPPerCall / seconds / 1e9
	k.GBPerSec = k.BytesPerCall / seconds / 1e9
	if peaks == nil {
		return
	}
	if peak := peaks.computePeak(); peak > 0 {
		k.PercentOfPeakCompute = 100 * k.GFLOPPerSec / peak
	}
	if peaks.CopyGBPerSec > 0 {
		k.PercentOfPeakBandwidth = 100 * k.GBPerSec / peaks.CopyGBPerSec
	}
}

// computePeak returns the larger FMA peak in GFLOP/s, or 0 for nil peaks.
func (p *Peaks) computePeak() float64 {
	if p == nil {
		return 0
	}
	return max(p.FMAScalarGFLOPPerSec, p.FMAVec4GFLOPPerSec)
}

// NewTimingCheck returns the check of one training step measured as
// deviceMs by device timestamps and as hostMs by the host clock.
// DifferencePercent is relative to the device time, and 0 when deviceMs
// is not positive.
func NewTimingCheck(deviceMs, hostMs float64) TimingCheck {
	check := TimingCheck{DeviceMs: deviceMs, HostMs: hostMs}
	if deviceMs > 0 {
		check.DifferencePercent = 100 * (hostMs - deviceMs) / deviceMs
	}
	return check
}
