package data

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progressInterval is the minimum time between two plain progress lines.
const progressInterval = 2 * time.Second

// progress receives the downloaded bytes as writes and reports how far the download is.
type progress interface {
	io.Writer

	// finish reports the end of the download.
	finish()
}

// newProgress returns a progress bar when out is a terminal, and otherwise a reporter that
// writes a plain line at most every progressInterval. total is the expected size in bytes,
// or -1 when unknown.
func newProgress(out io.Writer, name string, total int64) progress {
	if isTerminal(out) {
		return newBarProgress(out, name, total)
	}
	return &lineProgress{out: out, name: name, total: total, start: time.Now(), last: time.Now()}
}

func newBarProgress(out io.Writer, name string, total int64) *barProgress {
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(out),
		progressbar.OptionSetDescription(name),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(out) }),
	)
	return &barProgress{bar: bar}
}

type barProgress struct {
	bar *progressbar.ProgressBar
}

func (p *barProgress) Write(b []byte) (int, error) {
	// A failed progress update must not fail the download.
	p.bar.Add(len(b))
	return len(b), nil
}

func (p *barProgress) finish() {
	p.bar.Finish()
}

// lineProgress writes lines such as "data: train-images-idx3-ubyte.gz: 4.0 MiB of 9.5 MiB (42%)".
type lineProgress struct {
	out   io.Writer
	name  string
	total int64
	done  int64
	start time.Time
	last  time.Time
}

func (p *lineProgress) Write(b []byte) (int, error) {
	p.done += int64(len(b))
	if now := time.Now(); now.Sub(p.last) >= progressInterval {
		p.last = now
		fmt.Fprintf(p.out, "data: %s: %s\n", p.name, p.amount())
	}
	return len(b), nil
}

func (p *lineProgress) finish() {
	fmt.Fprintf(p.out, "data: %s: %s in %s\n", p.name, p.amount(), time.Since(p.start).Round(time.Millisecond))
}

func (p *lineProgress) amount() string {
	if p.total <= 0 {
		return mebibytes(p.done)
	}
	return fmt.Sprintf("%s of %s (%d%%)", mebibytes(p.done), mebibytes(p.total), p.done*100/p.total)
}

func mebibytes(n int64) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// isTerminal reports whether out is a character device such as a terminal.
func isTerminal(out io.Writer) bool {
	f, ok := out.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
