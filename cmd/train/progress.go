package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/vkcnn/vkcnn/nets"
)

// logInterval is how often a progress line is logged during an epoch when
// the output is not a terminal.
const logInterval = 15 * time.Second

// epochProgress shows how far an epoch is: a progress bar on a terminal,
// else a log line every logInterval.
type epochProgress struct {
	model string
	out   io.Writer // the bar's terminal; nil logs lines instead
	log   *slog.Logger
	batch int

	bar     *progressbar.ProgressBar
	barOf   int  // the epoch the bar shows
	testing bool // the bar shows the test after the epoch
	lastLog time.Time
}

func newEpochProgress(model string, out io.Writer, log *slog.Logger, batch int) *epochProgress {
	p := &epochProgress{model: model, log: log, batch: batch, lastLog: time.Now()}
	if isTerminal(out) {
		p.out = out
	}
	return p
}

// update takes the progress after one training step.
func (p *epochProgress) update(s nets.Progress) {
	if p.out == nil {
		p.logLine(s)
		return
	}
	if p.bar == nil || p.barOf != s.Epoch || p.testing != s.Testing {
		if p.bar != nil {
			_ = p.bar.Finish()
		}
		phase := "epoch"
		if s.Testing {
			phase = "test after epoch"
		}
		p.bar = progressbar.NewOptions(s.Steps,
			progressbar.OptionSetWriter(p.out),
			progressbar.OptionSetDescription(fmt.Sprintf("%s %s %d/%d", p.model, phase, s.Epoch, s.Epochs)),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		p.barOf, p.testing = s.Epoch, s.Testing
	}
	if s.Testing {
		_ = p.bar.Set(s.Step)
		return
	}
	p.bar.Describe(fmt.Sprintf("%s epoch %d/%d  loss %.4f  %.0f img/s", p.model, s.Epoch, s.Epochs, s.MeanLoss, s.ImagesPerSec))
	// A failed bar update must not stop training.
	_ = p.bar.Set(s.Step)
}

// logLine logs the progress at most every logInterval, never for the
// last step, which the epoch's result line reports.
func (p *epochProgress) logLine(s nets.Progress) {
	if time.Since(p.lastLog) < logInterval || s.Step == s.Steps {
		return
	}
	p.lastLog = time.Now()
	if s.Testing {
		p.log.Info("testing", "model", p.model, "epoch", fmt.Sprintf("%d/%d", s.Epoch, s.Epochs),
			"batch", fmt.Sprintf("%d/%d", s.Step, s.Steps))
		return
	}
	left := time.Duration(float64(s.Steps-s.Step) * float64(p.batch) / s.ImagesPerSec * float64(time.Second))
	p.log.Info("progress", "model", p.model, "epoch", fmt.Sprintf("%d/%d", s.Epoch, s.Epochs),
		"step", fmt.Sprintf("%d/%d", s.Step, s.Steps), "loss", fmt.Sprintf("%.4f", s.MeanLoss),
		"images_per_second", fmt.Sprintf("%.1f", s.ImagesPerSec), "epoch_time_left", left.Round(time.Second).String())
}

// done clears the bar before a result line is printed.
func (p *epochProgress) done() {
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
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
