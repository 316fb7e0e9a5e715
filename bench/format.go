package bench

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// missing marks a figure that a run did not measure.
const missing = "—"

// formatSignificant formats v with at least digits significant digits and
// at least one decimal, in plain notation: 0.0123, 1.23, 123.4.
func formatSignificant(v float64, digits int) string {
	if v == 0 || !isFinite(v) {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	magnitude := int(math.Floor(math.Log10(math.Abs(v))))
	decimals := max(1, digits-1-magnitude)
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// formatRate formats a throughput, such as images/s or GFLOP/s.
func formatRate(v float64) string {
	if v != 0 && math.Abs(v) < 1 {
		return formatSignificant(v, 3)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// formatRange formats "median [min–max]" with f.
func formatRange(s Stats, f func(float64) string) string {
	return fmt.Sprintf("%s [%s–%s]", f(s.Median), f(s.Min), f(s.Max))
}

// formatMiB formats a byte count in MiB, or missing for 0.
func formatMiB(bytes int64) string {
	if bytes == 0 {
		return missing
	}
	return strconv.FormatFloat(float64(bytes)/(1<<20), 'f', 1, 64)
}

// formatGiB formats a byte count as "23.4 GiB", or missing for 0.
func formatGiB(bytes int64) string {
	if bytes == 0 {
		return missing
	}
	return strconv.FormatFloat(float64(bytes)/(1<<30), 'f', 1, 64) + " GiB"
}

// formatPercent formats a percentage of a peak, or missing when the peak
// is unknown.
func formatPercent(percent, peak float64) string {
	if peak <= 0 {
		return missing
	}
	return strconv.FormatFloat(percent, 'f', 1, 64) + "%"
}

// formatRatio formats a ratio as "2.31x", or with three significant
// digits below 1, such as "0.00837x", so that a slower run does not show
// as "0.00x".
func formatRatio(ratio float64) string {
	if ratio > 0 && ratio < 1 {
		return formatSignificant(ratio, 3) + "x"
	}
	return strconv.FormatFloat(ratio, 'f', 2, 64) + "x"
}

// formatCompact formats a bar or tick label in at most about five
// characters: 0.512, 12.3, 245, 1.23k, 31.2k, 1.5M.
func formatCompact(v float64) string {
	suffixes := []struct {
		scale  float64
		suffix string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "k"}}
	for _, s := range suffixes {
		if math.Abs(v) >= s.scale {
			return compactDigits(v/s.scale) + s.suffix
		}
	}
	return compactDigits(v)
}

// compactDigits formats v rounded to three significant digits, without
// trailing zeros after the decimal point: 0.512, 1.2, 12.3, 245.
func compactDigits(v float64) string {
	if v == 0 {
		return "0"
	}
	magnitude := int(math.Floor(math.Log10(math.Abs(v))))
	decimals := max(0, 2-magnitude)
	text := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Contains(text, ".") {
		text = strings.TrimRight(strings.TrimRight(text, "0"), ".")
	}
	return text
}
