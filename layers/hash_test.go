package layers

import "testing"

// TestLowbias32Values pins the hash to values computed independently with
// Python's arbitrary-precision integers, so a change to the Go copy shows up.
func TestLowbias32Values(t *testing.T) {
	cases := []struct{ in, want uint32 }{
		{0, 0},
		{1, 0x688990c0},
		{12345, 0x912efcf7},
		{0xdeadbeef, 0xe628c683},
	}
	for _, c := range cases {
		if got := Lowbias32(c.in); got != c.want {
			t.Errorf("Lowbias32(%#x) = %#x, want %#x", c.in, got, c.want)
		}
	}
}

func TestDropoutKeepRate(t *testing.T) {
	for _, p := range []float32{0, 0.25, 0.5} {
		kept := 0
		const n = 200000
		for i := uint32(0); i < n; i++ {
			if DropoutKeep(7, 3, 11, i, p) {
				kept++
			}
		}
		rate := float64(kept) / n
		want := 1 - float64(p)
		if rate < want-0.005 || rate > want+0.005 {
			t.Errorf("p=%v: kept fraction %.4f, want %.3f ± 0.005", p, rate, want)
		}
	}
}

func TestDropoutHashInputsMatter(t *testing.T) {
	base := DropoutHash(1, 2, 3, 4)
	for i, h := range []uint32{DropoutHash(9, 2, 3, 4), DropoutHash(1, 9, 3, 4), DropoutHash(1, 2, 9, 4), DropoutHash(1, 2, 3, 9)} {
		if h == base {
			t.Errorf("changing input %d left the hash unchanged", i)
		}
	}
}

func TestOutputSizes(t *testing.T) {
	cases := []struct {
		got, want int
		geometry  string
	}{
		{ConvOutput(28, ConvParams{Kernel: 3, Stride: 1}), 26, "28 conv 3"},
		{ConvOutput(32, ConvParams{Kernel: 3, Stride: 1, Pad: 1}), 32, "32 conv 3 pad 1"},
		{ConvOutput(7, ConvParams{Kernel: 3, Stride: 2, Pad: 1}), 4, "7 conv 3 stride 2 pad 1"},
		{ConvOutput(2, ConvParams{Kernel: 5, Stride: 1}), 0, "2 conv 5"},
		{PoolOutput(13, PoolParams{Kernel: 2, Stride: 2}), 6, "13 pool 2"},
		{PoolOutput(1, PoolParams{Kernel: 2, Stride: 2}), 0, "1 pool 2"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: output size %d, want %d", c.geometry, c.got, c.want)
		}
	}
}
