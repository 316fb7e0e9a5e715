package bench

import "testing"

func TestFormatCompact(t *testing.T) {
	cases := []struct {
		value float64
		want  string
	}{
		{0, "0"},
		{0.5123, "0.512"},
		{9.437, "9.44"},
		{51.5, "51.5"},
		{202.5, "202"},
		{1000, "1k"},
		{1179.648, "1.18k"},
		{49000, "49k"},
		{150000, "150k"},
		{1234567, "1.23M"},
	}
	for _, c := range cases {
		if got := formatCompact(c.value); got != c.want {
			t.Errorf("formatCompact(%v) = %q, want %q", c.value, got, c.want)
		}
	}
}

func TestFormatSignificant(t *testing.T) {
	cases := []struct {
		value float64
		want  string
	}{
		{0, "0.0"},
		{0.025, "0.0250"},
		{2.5, "2.50"},
		{12.34, "12.3"},
		{1234.56, "1234.6"},
	}
	for _, c := range cases {
		if got := formatSignificant(c.value, 3); got != c.want {
			t.Errorf("formatSignificant(%v, 3) = %q, want %q", c.value, got, c.want)
		}
	}
}

func TestFormatRatio(t *testing.T) {
	cases := []struct {
		value float64
		want  string
	}{
		{1, "1.00x"},
		{2.3149, "2.31x"},
		{119.5122, "119.51x"},
		{0.5, "0.500x"},
		{0.0083673, "0.00837x"},
	}
	for _, c := range cases {
		if got := formatRatio(c.value); got != c.want {
			t.Errorf("formatRatio(%v) = %q, want %q", c.value, got, c.want)
		}
	}
}
