package data

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

func TestNewProgressPlainForBuffer(t *testing.T) {
	if _, ok := newProgress(&bytes.Buffer{}, "file", 10).(*lineProgress); !ok {
		t.Error("newProgress for a buffer is not the plain line reporter")
	}

	// A pipe is not a terminal either.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if _, ok := newProgress(w, "file", 10).(*lineProgress); !ok {
		t.Error("newProgress for a pipe is not the plain line reporter")
	}
}

func TestLineProgressPeriodicLines(t *testing.T) {
	var out bytes.Buffer
	p := &lineProgress{out: &out, name: "train.gz", total: 4 << 20, start: time.Now(), last: time.Now()}

	// Within progressInterval of the last line, a write prints nothing.
	p.Write(make([]byte, 1<<20))
	if out.Len() != 0 {
		t.Errorf("early write printed %q, want nothing", out.String())
	}

	p.last = time.Now().Add(-progressInterval)
	p.Write(make([]byte, 1<<20))
	p.finish()

	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("output %q has %d lines, want 2", out.String(), len(lines))
	}
	if lines[0] != "data: train.gz: 2.0 MiB of 4.0 MiB (50%)" {
		t.Errorf("progress line = %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], "data: train.gz: 2.0 MiB of 4.0 MiB (50%) in ") {
		t.Errorf("final line = %q", lines[1])
	}
}

func TestLineProgressUnknownTotal(t *testing.T) {
	var out bytes.Buffer
	p := &lineProgress{out: &out, name: "archive", total: -1, start: time.Now(), last: time.Now()}
	p.Write(make([]byte, 3<<19))
	p.finish()

	if !strings.HasPrefix(out.String(), "data: archive: 1.5 MiB in ") {
		t.Errorf("output = %q, want the size without a total", out.String())
	}
}

func TestBarProgressWrites(t *testing.T) {
	var out bytes.Buffer
	p := newBarProgress(&out, "batch.bin", 1000)
	if n, err := p.Write(make([]byte, 1000)); n != 1000 || err != nil {
		t.Errorf("Write = %d, %v, want 1000, nil", n, err)
	}
	p.finish()

	if !strings.Contains(out.String(), "batch.bin") || !strings.Contains(out.String(), "100%") {
		t.Errorf("bar output %q lacks the name or 100%%", out.String())
	}
}
